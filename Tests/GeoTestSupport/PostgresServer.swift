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
    private func asServerUser(_ program: String, _ args: [String]) throws {
        // posix_spawn and waitpid, output to a file: Foundation's Process never saw pg_ctl
        // exit here (its child, the server, lives on).
        let argv = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] : [program]) + args
        let outPath = dir + "/\((program as NSString).lastPathComponent).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ) == 0 else {
            throw Failure(description: "cannot run \(argv[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        if exitCode != 0 {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) failed (\(exitCode)): \(text) \(log)")
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
