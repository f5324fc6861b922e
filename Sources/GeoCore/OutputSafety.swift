import Foundation

// Output safety (issue 12): never destroy an input, never leave a half file.
//
// - Every command declares its inputs and its outputs (with each output's sidecar) and
//   `OutputSafety.prepare` refuses, before any work, an output that is an input, two
//   outputs that are one file, or an input that an output's sidecar would overwrite. Paths
//   are compared as real paths (symbolic links, `.` and `..` resolved; for a file that does
//   not exist yet, its folder's real path plus its name), and existing files also by inode
//   (hard links).
// - Files are written under temporary names beside their final ones (`writeAtomically`,
//   Table.swift), registered in `TemporaryFiles` while they exist; the CLI's signal handler
//   removes them, and every command removes the temporaries of dead runs from its output
//   folders (`removeStaleTemporaries`) before it writes.

public enum OutputSafety {
    /// An output file and, when it has one, the metadata sidecar written beside it.
    public struct Output: Sendable {
        public var path: String
        public var sidecar: String?
        /// The option that named it (`-o`, `--report`), for messages.
        public var option: String?
        public init(_ path: String, sidecar: String? = nil, option: String? = nil) {
            self.path = path; self.sidecar = sidecar; self.option = option
        }
    }

    /// `path` with symbolic links, `.` and `..` resolved, component by component: the parts
    /// that exist are resolved by the system, the rest (a file not written yet) appended.
    public static func realPath(_ path: String) -> String {
        let abs = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var resolved = ""
        var exists = true
        for comp in abs.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if comp == "." { continue }
            if comp == ".." {
                if let slash = resolved.lastIndex(of: "/") { resolved = String(resolved[..<slash]) }
                continue
            }
            let candidate = resolved + "/" + comp
            if exists, let r = realpath(candidate, nil) {
                resolved = String(cString: r)
                free(r)
                if resolved == "/" { resolved = "" }
            } else {
                exists = false
                resolved = candidate
            }
        }
        return resolved.isEmpty ? "/" : resolved
    }

    /// Whether two paths name one file: the same real path, or (both existing) the same inode.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        if realPath(a) == realPath(b) { return true }
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Refuse outputs that are inputs, outputs that are one file, and inputs that are an
    /// output's sidecar; the error names both paths as the user gave them.
    public static func check(inputs: [String], outputs: [Output]) throws {
        // Object stores cannot rename, so the temporary-then-rename guarantee cannot hold
        // there (docs/distributed.md); inputs on them are fine.
        for o in outputs {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: o.path, isDirectory: &isDir), isDir.boolValue {
                throw GeoKitError(.argument, file: o.path, "\(o.option.map { $0 + " " } ?? "")\(o.path) is a folder, not a file; nothing was written",
                                  hint: "give a file name, inside that folder if you meant it")
            }
        }
        for o in outputs where isRemotePath(o.path) {
            throw GeoKitError(.argument, file: o.path, "cannot write to object storage: every output is written under a temporary name and renamed, which object stores cannot do; nothing was written",
                              hint: "write to a local or shared folder, then copy it with aws s3 cp, gcloud storage cp or azcopy")
        }
        // Every file written: (path written, the output it belongs to when it is a sidecar).
        var written: [(path: String, of: String?, option: String?)] = []
        for o in outputs {
            written.append((o.path, nil, o.option))
            if let s = o.sidecar { written.append((s, o.path, nil)) }
        }
        for w in written {
            for input in inputs where sameFile(w.path, input) {
                if let table = w.of {
                    throw GeoKitError(.argument, file: table,
                                      "its metadata sidecar \(w.path) would overwrite the input \(input); nothing was written",
                                      hint: "give the output another name")
                }
                throw GeoKitError(.argument, file: w.path, "the output is the input \(input): writing it would destroy it; nothing was written",
                                  hint: "give the output another name")
            }
        }
        for i in written.indices {
            for j in written.indices where j > i && sameFile(written[i].path, written[j].path) {
                func name(_ w: (path: String, of: String?, option: String?)) -> String {
                    w.of.map { "\($0) (its sidecar \(w.path))" } ?? (w.option.map { "\($0) " } ?? "") + w.path
                }
                let a = name(written[i]), b = name(written[j])
                throw GeoKitError(.argument, "outputs \(a) and \(b) are the same file; nothing was written",
                                  hint: "give each output its own name")
            }
        }
    }

    /// `check`, then remove dead runs' temporaries from the outputs' folders: what every
    /// command does before any work.
    public static func prepare(inputs: [String], outputs: [Output]) throws {
        try check(inputs: inputs, outputs: outputs)
        var dirs = Set<String>()
        for o in outputs {
            for p in [o.path] + (o.sidecar.map { [$0] } ?? []) {
                let d = parentFolder(p)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                    throw GeoKitError.io(o.path, "cannot write: directory \(d) does not exist")
                }
                dirs.insert(d)
            }
        }
        for d in dirs.sorted() { removeStaleTemporaries(in: d) }
    }
}

/// The process id in a temporary's name (`.NAME.tmp-PID` or `.NAME.tmp-PID.ext...`), if it is one.
package func temporaryOwner(_ name: String) -> pid_t? {
    guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
    let digits = name[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty else { return nil }
    let rest = name[r.upperBound...].dropFirst(digits.count)
    guard rest.isEmpty || rest.hasPrefix(".") else { return nil }
    return pid_t(digits)
}

/// Whether a process of that id is running (or is a zombie not yet reaped).
package func processIsRunning(_ pid: pid_t) -> Bool {
    if pid <= 0 { return false }
    return kill(pid, 0) == 0 || errno == EPERM
}

/// Remove the temporaries (`.NAME.tmp-PID.*`) that runs no longer running left in `dir`.
/// Every command calls it for its output folders before writing (batch for its cache too).
public func removeStaleTemporaries(in dir: String) {
    let fm = FileManager.default
    let me = getpid()
    for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
        guard let pid = temporaryOwner(f), pid != me, !processIsRunning(pid) else { continue }
        try? fm.removeItem(atPath: (dir as NSString).appendingPathComponent(f))
    }
}

/// The temporaries this process has open (written by `writeAtomically`, not yet renamed):
/// what a signal handler removes before the process exits.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths = Set<String>()

    public static var open: [String] { lock.lock(); defer { lock.unlock() }; return paths.sorted() }

    public static func add(_ p: [String]) { lock.lock(); paths.formUnion(p); lock.unlock() }
    public static func remove(_ p: [String]) { lock.lock(); paths.subtract(p); lock.unlock() }

    /// Remove every open temporary and the files a writer made beside it (`TMP-journal`,
    /// `TMP.svg`...: names starting with the temporary's).
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        removeLocked()
    }

    private static func removeLocked() {
        for p in paths { removeTemporary(p) }
        paths.removeAll()
    }

    /// Remove the temporaries and exit with `status`, keeping the registry locked so that
    /// no writer registers (and creates) another one meanwhile.
    public static func removeAllAndExit(_ status: Int32) -> Never {
        lock.lock()
        removeLocked()
        _exit(status)
    }

    // MARK: signals

    nonisolated(unsafe) private static var pipeFDs: [Int32] = [-1, -1]
    nonisolated(unsafe) private static var installed = false

    /// On SIGINT, SIGTERM or SIGHUP: call `removed` with the signal's name (the program says
    /// so in its own words: GeoCore prints nothing), remove the open temporaries and exit
    /// 128 + the signal (130, 143, 129). The handler only writes the signal's number to a
    /// pipe (async-signal-safe); a thread reads it and does the rest.
    public static func installSignalHandlers(removed: @escaping @Sendable (_ signal: String) -> Void) {
        guard !installed else { return }
        installed = true
        guard pipe(&pipeFDs) == 0 else { return }
        let reader = pipeFDs[0]
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(reader, &byte, 1) != 1 {}
            let sig = Int32(byte)
            let name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "signal \(sig)"
            removed(name)
            removeAllAndExit(128 + sig)
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            #if os(Linux)
            action.__sigaction_handler.sa_handler = { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(TemporaryFiles.pipeFDs[1], &b, 1)
            }
            #else
            action.__sigaction_u.__sa_handler = { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(TemporaryFiles.pipeFDs[1], &b, 1)
            }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }
}

/// Remove a temporary and the files a writer made beside it (names starting with its name).
package func removeTemporary(_ tmp: String) {
    unlink(tmp)
    let dir = parentFolder(tmp), name = (tmp as NSString).lastPathComponent
    for f in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where f.hasPrefix(name) {
        unlink(dir + "/" + f)
    }
}

/// Write `bytes` to `path`, every write and the close checked; errors name `displayPath`.
public func writeFileChecked(_ bytes: Data, to path: String, displayPath: String) throws {
    guard let f = fopen(path, "wb") else {
        throw GeoKitError.io(displayPath, "cannot write (\(String(cString: strerror(errno))))")
    }
    let n = bytes.withUnsafeBytes { $0.isEmpty ? 0 : fwrite($0.baseAddress, 1, $0.count, f) }
    let ok = n == bytes.count && fflush(f) == 0
    let err = errno
    if fclose(f) != 0 || !ok {
        throw GeoKitError.io(displayPath, "cannot write (\(String(cString: strerror(ok ? errno : err))))")
    }
}

/// The folder holding `path` ("." for a bare name). Not NSString's
/// `deletingLastPathComponent`: the Foundation of Swift 6.3 on Linux traps on a
/// one-character path ("d").
public func parentFolder(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let head = path[..<slash]
    return head.isEmpty ? "/" : String(head)
}
