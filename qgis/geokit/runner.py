"""Run the geotool binary for a Processing algorithm.

Kept free of QGIS imports (the feedback object is duck-typed) so the logic is easy to follow:
find the binary, start it with GEOTOOL_PROGRESS=lines, read its stderr line by line, turn
`geotool: progress: NN%` into the progress bar, `geotool: warning: ...` into warnings in the
log, `geotool: error: ...` into the error raised, and terminate it (SIGTERM) when the user
cancels.
"""

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time

PROGRESS = re.compile(r"^geotool: progress: (\d{1,3})%\s*$")
WARNING = "geotool: warning: "
ERROR = "geotool: error: "

# Seconds geotool gets to remove its temporaries after SIGTERM before it is killed.
TERMINATE_GRACE = 10.0


class GeotoolError(Exception):
    """geotool failed: the message is its one-line error without the `geotool: error: ` prefix
    (`from_geotool` true), or the plugin's own (geotool missing, could not start)."""

    def __init__(self, message, from_geotool=False):
        super().__init__(message)
        self.from_geotool = from_geotool


class GeotoolCancelled(Exception):
    """The run was cancelled and geotool terminated."""


# Where the Debian package installs geotool: found there without settings even when QGIS was
# started with a PATH that lacks /usr/bin.
PACKAGED = ("/usr/bin/geotool",)


def find_geotool(configured=None):
    """The geotool executable: the provider setting if given, else $GEOTOOL, else PATH, else
    the Debian package's /usr/bin/geotool."""
    for candidate in (configured, os.environ.get("GEOTOOL")):
        if candidate:
            candidate = os.path.expanduser(candidate)
            if os.path.isdir(candidate):
                candidate = os.path.join(candidate, "geotool")
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise GeotoolError(
                "geotool not found at '{}' (set in Processing > Options > Providers > GeoKit, "
                "or $GEOTOOL)".format(candidate))
    found = shutil.which("geotool")
    if found:
        return found
    for candidate in PACKAGED:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise GeotoolError(
        "geotool not found: put it on PATH, set its path in Processing > Options > Providers > "
        "GeoKit, or set $GEOTOOL")


def quote(arg):
    if arg and all(c.isalnum() or c in "-_./=:,+@%" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


class _SignalCancel:
    """While a run lasts on the main thread, SIGTERM/SIGINT to this process (qgis_process)
    cancel the run instead of killing the process and orphaning geotool."""

    def __init__(self):
        self.hit = False
        self.saved = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    self.saved[sig] = signal.signal(sig, self._handler)
                except (ValueError, OSError):
                    pass
        return self

    def _handler(self, signum, frame):
        self.hit = True

    def __exit__(self, *exc):
        for sig, old in self.saved.items():
            try:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass
        return False


def _log(feedback, text):
    if feedback is not None:
        feedback.pushInfo(text)


def _warn(feedback, text):
    if feedback is None:
        return
    if hasattr(feedback, "pushWarning"):  # QGIS 3.16+
        feedback.pushWarning(text)
    else:
        feedback.reportError(text, False)


def run_geotool(args, feedback=None, executable=None, cwd=None, progress_range=(0.0, 100.0)):
    """Run `geotool ARGS...`; return (stdout, warnings). Raises GeotoolError with geotool's
    one-line error on failure and GeotoolCancelled when the feedback is cancelled."""
    exe = executable or find_geotool()
    cmd = [exe] + [str(a) for a in args]
    _log(feedback, " ".join(quote(c) for c in cmd))
    env = dict(os.environ)
    env["GEOTOOL_PROGRESS"] = "lines"
    env.setdefault("LC_ALL", "C.UTF-8")
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    except OSError as e:
        raise GeotoolError("cannot start {}: {}".format(exe, e))

    lines = queue.Queue()
    stdout_chunks = []

    def read_stderr():
        for raw in proc.stderr:
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        lines.put(None)

    def read_stdout():
        stdout_chunks.append(proc.stdout.read())

    threads = [threading.Thread(target=read_stderr, daemon=True),
               threading.Thread(target=read_stdout, daemon=True)]
    for t in threads:
        t.start()

    lo, hi = progress_range
    errors, warnings, other = [], [], []
    cancelled = False
    stderr_open = True
    with _SignalCancel() as sig:
        while True:
            if not cancelled and (sig.hit or (feedback is not None and feedback.isCanceled())):
                cancelled = True
                _log(feedback, "Cancelling: sending SIGTERM to geotool (pid {})".format(proc.pid))
                _terminate(proc)
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                if not stderr_open and proc.poll() is not None:
                    break
                continue
            if line is None:
                stderr_open = False
                if proc.poll() is not None:
                    break
                continue
            m = PROGRESS.match(line)
            if m:
                if feedback is not None:
                    feedback.setProgress(lo + (hi - lo) * min(100, int(m.group(1))) / 100.0)
            elif line.startswith(WARNING):
                warnings.append(line[len(WARNING):])
                _warn(feedback, line)
            elif line.startswith(ERROR):
                errors.append(line[len(ERROR):])  # raised below as the algorithm's error
            elif line.strip():
                other.append(line)
                _log(feedback, line)
        code = proc.wait()
    for t in threads:
        t.join(timeout=5)
    out = b"".join(c for c in stdout_chunks if c).decode("utf-8", "replace")
    if cancelled:
        raise GeotoolCancelled("cancelled; geotool stopped (exit {})".format(code))
    if code != 0:
        if errors:
            raise GeotoolError(errors[-1], True)
        # swift-argument-parser's own usage errors: "Error: ..." followed by the usage.
        for line in other:
            if line.startswith("Error: "):
                raise GeotoolError(line[len("Error: "):], True)
        if code < 0:
            raise GeotoolError("geotool was stopped by signal {}".format(-code))
        detail = other[-1] if other else "no message"
        raise GeotoolError("geotool failed (exit {}): {}".format(code, detail))
    return out, warnings


def _terminate(proc):
    """SIGTERM, then SIGKILL if geotool has not exited after TERMINATE_GRACE seconds."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + TERMINATE_GRACE
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
