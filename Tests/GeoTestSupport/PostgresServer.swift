import Foundation

/// A throw-away PostgreSQL server with PostGIS for the database tests: `initdb` in a
/// temporary folder, started on a free port of 127.0.0.1 (trust authentication, fsync off),
/// `CREATE EXTENSION postgis`, stopped and removed by `stop()`. Run as the `postgres` OS
/// user when the tests run as root (PostgreSQL refuses to run as root). Needs Debian's
/// `postgresql` and `postgis` packages (`scripts/setup.sh test` installs them); a missing
/// binary is an error, not a skip.
public final class PostgresServer {
    public let dir: String
    public let port: Int
    public let bin: String
    private var running = false

    /// The `-o` value that names the server's `postgres` database.
    public var output: String { "PG:dbname=postgres host=127.0.0.1 port=\(port) user=postgres" }

    /// The newest installed server's binaries (`/usr/lib/postgresql/N/bin`), or the PATH's.
    public static func binDir() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for v in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return "\(root)/\(v)/bin"
        }
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(d)/initdb") { return String(d) }
        return nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init() throws {
        guard let bin = PostgresServer.binDir() else {
            throw Failure(description: "no PostgreSQL server binaries (initdb): run `bash scripts/setup.sh test` (Debian packages postgresql-15, postgresql-15-postgis-3)")
        }
        self.bin = bin
        port = freePort()
        dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if getuid() == 0 {
            guard let pw = getpwnam("postgres") else { throw Failure(description: "no postgres OS user (install postgresql)") }
            chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try asServerUser("\(bin)/initdb", ["-D", dir + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
        try asServerUser("\(bin)/pg_ctl", ["-D", dir + "/data", "-l", dir + "/log", "-w", "-t", "60", "start", "-o",
                                           "-p \(port) -c listen_addresses=127.0.0.1 -k \(dir) -c fsync=off -c full_page_writes=off"])
        running = true
        _ = try psql("CREATE EXTENSION postgis")
    }

    /// Run `program` as the `postgres` OS user (through runuser when root); error on failure.
    /// Through `runShell` (posix_spawn and waitpid): Foundation's Process never saw pg_ctl
    /// exit here (its child, the server, lives on).
    private func asServerUser(_ program: String, _ args: [String]) throws {
        let argv = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] : [program]) + args
        let r = try runShell(argv)
        if r.status != 0 {
            let log = (try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) failed (\(r.status)): \(r.stdout)\(r.stderr) \(log)")
        }
    }

    /// `psql -At` output of `sql` (rows on lines, fields split by `|`), or with `csv` the
    /// rows as CSV under a header; error on failure.
    @discardableResult
    public func psql(_ sql: String, csv: Bool = false) throws -> String {
        let r = try runProcess(psqlPath, ["-X", "-A"] + (csv ? [] : ["-t"]) + ["-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres",
                                          "-d", "postgres"] + (csv ? ["--csv"] : []) + ["-c", sql])
        if r.status != 0 { throw Failure(description: "psql failed: \(r.stderr)") }
        return r.stdout.hasSuffix("\n") ? String(r.stdout.dropLast()) : r.stdout
    }

    private var psqlPath: String {
        FileManager.default.isExecutableFile(atPath: bin + "/psql") ? bin + "/psql" : "/usr/bin/psql"
    }

    public func stop() {
        guard running else { return }
        running = false
        try? asServerUser("\(bin)/pg_ctl", ["-D", dir + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { stop() }
}
