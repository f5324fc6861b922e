import Foundation

// SHA-256 of large local files remembered by the file's identity, as git's index remembers
// its files: device, inode, size, and the modification and change times to the nanosecond.
// Any write to a file moves its change time (which no program can set back), and a file
// replaced by another is another inode, so an entry stands for the same bytes as long as
// all five agree. A run hashes every input for its metadata; on a 10 GB raster that is
// seconds of CPU per rerun, for bytes that have not changed.
//
// Entries are small files named by the identity (one per file version, written atomically;
// no lock: two runs storing one entry store the same digest) under
// `$XDG_CACHE_HOME/geotool/sha256` (default `~/.cache`). A file is stored only when its
// identity is the same after the hash as before it (not being written meanwhile), and only
// when it was last changed some seconds before the hash began: file times advance by the
// kernel's clock tick, so a file written again within one tick of being hashed could keep
// its identity ("racy git"); a file that recent is hashed again next time.
// `GEOTOOL_CHECKSUM_CACHE=0` turns the cache off; a cache that cannot be written is
// simply not used.

package enum ChecksumCache {
    /// Files smaller than this are hashed every time (faster than a lookup pays back).
    static let minimumBytes = 4 << 20

    /// A file changed less than this many seconds before its hash began is not stored.
    nonisolated(unsafe) package static var settleSeconds = 2.0

    /// The folder of entries, or nil when the cache is off.
    static var directory: String? {
        let env = ProcessInfo.processInfo.environment
        guard env["GEOTOOL_CHECKSUM_CACHE"] != "0" else { return nil }
        if let x = env["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/geotool/sha256" }
        guard let home = env["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.cache/geotool/sha256"
    }

    /// The entry name of an open regular file worth caching, and whether it has settled (last
    /// changed `settleSeconds` or more ago); nil for a small or special file.
    static func identity(_ fd: Int32) -> (name: String, settled: Bool)? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= minimumBytes else { return nil }
        let changed = max(Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9, Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
        let name = "\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)-\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
        return (name, Date().timeIntervalSince1970 - changed >= settleSeconds)
    }

    /// The digest remembered for `identity`, if any (64 lower-case hex digits, else none).
    static func digest(for identity: String) -> String? {
        guard let dir = directory, let data = FileManager.default.contents(atPath: dir + "/" + identity),
              data.count == 64, data.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Remember `digest` for `identity` (best effort).
    static func store(_ digest: String, for identity: String) {
        guard let dir = directory, digest.utf8.count == 64 else { return }
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return }
        let tmp = dir + "/.\(identity).\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(digest.utf8)) else { return }
        if rename(tmp, dir + "/" + identity) != 0 { unlink(tmp) }
    }
}
