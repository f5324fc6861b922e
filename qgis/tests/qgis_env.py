"""How to run Debian's QGIS headless from Python: shared by the plugin tests and
Benchmarks/qgis_bench.py."""
import os
import shutil
import sys


def clean_environ():
    """os.environ without a pyenv/venv interpreter first on PATH: QGIS's embedded Python
    crashes (SIGSEGV) when it picks up another Python's prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYENV", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".pyenv" not in p and "/venv" not in p and "/.venv" not in p)
    return env


def find_qgis_process():
    # Debian 12's /usr/bin/qgis_process is a wrapper that adds QGIS_OPTS=--noversioncheck from
    # /etc/default/qgis, an option qgis_process 3.22 rejects ("Command --noversioncheck not
    # known!"); the real program is beside it as qgis_process.bin.
    exe = shutil.which("qgis_process")
    if exe and os.path.exists(exe + ".bin"):
        return exe + ".bin"
    if exe:
        return exe
    sys.exit("qgis_process not found (apt-get install qgis python3-qgis)")
