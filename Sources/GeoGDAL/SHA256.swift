import CGeo
import Foundation
import GeoCore

/// SHA-256 through the system's OpenSSL libcrypto (Debian's libssl-dev): the checksums
/// the metadata records for every input, and batch's change detection.
public final class SHA256 {
    private let ctx: OpaquePointer

    /// OpenSSL frees its algorithm tables in an atexit handler; a hash still running on a
    /// background thread when the process exits (an error ends a run while its inputs are
    /// being hashed) would then crash. Ask OpenSSL not to register it.
    private static let initialised: Void = { _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) }()

    public init() {
        _ = SHA256.initialised
        ctx = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }
    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress, bytes.count > 0 { EVP_DigestUpdate(ctx, base, bytes.count) }
    }
    public func update<C: ContiguousBytes>(_ bytes: C) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as 64 lower-case hex digits (the hasher cannot be updated after this).
    public func hexDigest() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var n: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &n)
        return out.prefix(Int(n)).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of bytes in memory.
    public static func hex<C: ContiguousBytes>(_ bytes: C) -> String {
        let h = SHA256()
        h.update(bytes)
        return h.hexDigest()
    }
    public static func hex(text: String) -> String { hex(Array(text.utf8)) }

    /// SHA-256 of a file, streamed in 256 KB reads (remembered for large files:
    /// ChecksumCache.swift); throws for an unreadable file. A folder
    /// (zones given as a folder of shapefiles, a raster path that is a folder) is hashed as
    /// the SHA-256 of its entries' names and hashes (`name<TAB>hash` lines, sorted by name;
    /// subfolders likewise, symbolic links to folders not followed), so it stays unchanged
    /// as long as its files do. A remote object (`/vsis3/`...) is not read: its checksum is
    /// `etag:ETAG` from one HEAD request (`RemoteObject.digest`).
    public static func hex(fileAt path: String) throws -> String {
        if isRemotePath(path) { return try RemoteObject(path: path).digest }
        return try hex(fileAt: path, depth: 0)
    }

    private static func hex(fileAt path: String, depth: Int) throws -> String {
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            guard depth < 16 else { throw GeoKitError.input(path, "folders nested too deep to hash") }
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw GeoKitError.input(path, "cannot read the folder")
            }
            var lines = ""
            for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                let p = (path as NSString).appendingPathComponent(name)
                var lst = stat()
                if lstat(p, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK && stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                    lines += "\(name)\tlink\n"
                    continue
                }
                lines += "\(name)\t\(try hex(fileAt: p, depth: depth + 1))\n"
            }
            return hex(text: lines)
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GeoKitError.input(path, "cannot read (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        let before = ChecksumCache.identity(fd)
        if let before, let known = ChecksumCache.digest(for: before.name) { return known }
        let digest = try hex(fd: fd, path: path)
        if let before, before.settled, ChecksumCache.identity(fd)?.name == before.name { ChecksumCache.store(digest, for: before.name) }
        return digest
    }

    /// SHA-256 of the open file `fd` (`path` names it in errors).
    private static func hex(fd: Int32, path: String) throws -> String {
        let h = SHA256()
        // Reads of 256 KB, not 8 MB: the buffer stays in the core's cache between the
        // kernel's copy and the digest's read, instead of a round trip through memory (a
        // tenth of a hash's time; the inputs of a run are hashed while the engine runs).
        let size = 256 << 10
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf, size)
            if n > 0 { h.update(UnsafeRawBufferPointer(start: buf, count: n)); continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            throw GeoKitError.input(path, "cannot read (\(String(cString: strerror(errno))))")
        }
        return h.hexDigest()
    }
}

