import Foundation
import XCTest
import GeoCore

// Real engines started by the tests themselves, on free ports in temporary folders, and
// stopped after: a local S3 server (moto) and a one-node Slurm cluster (slurm-wlm, munge).
// `bash scripts/setup.sh test` installs them.

/// A TCP port nothing listens on now (the system picks it; closed before returning).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func portIsOpen(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// The full path of a program on PATH (or in the sbin folders, where Debian puts daemons).
public func findProgram(_ name: String) -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/bin"]
    return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Wait until `ready` holds, polling every 0.2 s; false after `seconds`.
public func waitUntil(_ seconds: Double, _ ready: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if ready() { return true }
        usleep(200_000)
    }
    return ready()
}

/// Run `command` (its words shell-quoted) through /bin/sh with posix_spawn and waitpid,
/// its output through temporary files. For the engines' commands, not Foundation's
/// Process: its waitUntilExit was seen hanging on a child that exits at once (the
/// zombie never reaped) and blocking in waitpid on slurmctld.
public func runShell(_ command: [String], environment: [String: String]? = nil, redirect: String? = nil) throws -> GeotoolRun {
    let tmp = Fixtures.tempDir()
    defer { try? FileManager.default.removeItem(atPath: tmp) }
    let line = command.map(shellQuote).joined(separator: " ")
    let script = redirect.map { line + " " + $0 } ?? "\(line) </dev/null >\(shellQuote(tmp + "/out")) 2>\(shellQuote(tmp + "/err"))"
    let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", script].map { (w: String) in strdup(w) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0)=\($1)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, envp)
    guard rc == 0 else { throw EngineUnavailable("cannot run /bin/sh: \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let read = { (f: String) in (try? String(contentsOfFile: tmp + "/" + f, encoding: .utf8)) ?? "" }
    // WEXITSTATUS (exit code) when it exited, else 128 + the signal.
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return GeotoolRun(status: code, stdout: read("out"), stderr: read("err"))
}

/// Start a server or daemon (in its foreground) as a detached shell job, its output to
/// `log`; returns its pid.
public func startDetached(_ program: String, _ args: [String], log: String, environment: [String: String]? = nil) throws -> pid_t {
    let pidFile = log + ".pid"
    let r = try runShell([program] + args, environment: environment, redirect: "</dev/null >\(shellQuote(log)) 2>&1 & echo $! >\(shellQuote(pidFile))")
    guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw EngineUnavailable("cannot start \(program): \(r.stderr)")
    }
    return pid
}

/// Whether `pid` runs (a zombie waiting for its reaper does not).
public func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// SIGTERM, then SIGKILL after 10 s.
public func stopDetached(_ pid: pid_t) {
    kill(pid, SIGTERM)
    if !waitUntil(10, { !isAlive(pid) }) { kill(pid, SIGKILL) }
}

/// A moto S3 server on 127.0.0.1 and the environment GDAL needs to read it as `/vsis3/`.
public final class S3Server {
    public let port: Int
    private var pid: pid_t = 0
    private let log: String

    /// Start the test environment's `moto_server` on a free port (fails the test when it is missing).
    public init() throws {
        let moto = Fixtures.venvProgram("moto_server")
        guard FileManager.default.isExecutableFile(atPath: moto) else { throw EngineUnavailable("moto_server not installed (bash scripts/setup.sh test)") }
        port = freePort()
        log = Fixtures.tempDir() + "/moto.log"
        pid = try startDetached(moto, ["-H", "127.0.0.1", "-p", "\(port)"], log: log)
        let up = waitUntil(30) { portIsOpen(self.port) }
        if !up { stop(); XCTFail("moto_server did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")) }
    }

    /// GDAL's settings for this server (dummy keys, plain HTTP, path-style URLs).
    public var gdalEnvironment: [String: String] {
        ["AWS_S3_ENDPOINT": "127.0.0.1:\(port)", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE",
         "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
         "AWS_NO_SIGN_REQUEST": "NO", "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"]
    }

    /// Run python3 with boto3 on this server: `s3` is a client in the script. Returns stdout.
    @discardableResult
    public func python(_ body: String) throws -> String {
        let script = """
        import boto3, sys
        s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:\(port)", aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
        \(body)
        """
        let r = try runShell([Fixtures.python, "-c", script])
        guard r.status == 0 else { throw EngineUnavailable("boto3 failed (moto[server] brings it): " + r.stderr) }
        return r.stdout
    }

    /// Create `bucket` and upload local files to it (key: the file's name).
    public func upload(_ files: [String], to bucket: String) throws {
        var body = "s3.create_bucket(Bucket=\"\(bucket)\")\n"
        for f in files { body += "s3.upload_file(\"\(f)\", \"\(bucket)\", \"\((f as NSString).lastPathComponent)\")\n" }
        try python(body)
    }

    /// The ETag the server gives an object (quotes removed), by a HEAD request of boto3.
    public func etag(_ bucket: String, _ key: String) throws -> String {
        try python("print(s3.head_object(Bucket=\"\(bucket)\", Key=\"\(key)\")[\"ETag\"].strip('\"'))")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() {
        if pid > 0 { stopDetached(pid); pid = 0 }
    }
    deinit { stop() }
}

/// A real engine (Slurm, munge, moto) that could not start. The test fails rather than
/// skips: `scripts/setup.sh test` installs every engine, so a missing one is a fault.
public struct EngineUnavailable: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
