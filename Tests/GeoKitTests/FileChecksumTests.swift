import XCTest
import GeoCore
import GeoGDAL

/// A file's SHA-256 (the checksums the sidecar records), read in pieces, against coreutils'
/// sha256sum of the same file: sizes around the read size (256 KB) and an empty file.
final class FileChecksumTests: XCTestCase {
    func sha256sum(_ path: String) throws -> String {
        let p = Process(); p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum"); p.arguments = [path]
        let pipe = Pipe(); p.standardOutput = pipe
        try p.run(); p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(out.prefix(64))
    }

    func testFileChecksumsAgreeWithSha256sum() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-sha-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let piece = 256 << 10
        for size in [0, 1, piece - 1, piece, piece + 1, 4 * piece + 17] {
            var x: UInt32 = 2463534242
            let bytes = (0..<size).map { _ -> UInt8 in x ^= x << 13; x ^= x >> 17; x ^= x << 5; return UInt8(truncatingIfNeeded: x) }
            let path = dir + "/f\(size).bin"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            XCTAssertEqual(try SHA256.hex(fileAt: path), try sha256sum(path), "\(size) bytes")
        }
        XCTAssertThrowsError(try SHA256.hex(fileAt: dir + "/missing.bin"))
    }

    /// Large files' checksums are remembered by identity (ChecksumCache.swift): a second hash
    /// of an unchanged file is the remembered one, a file rewritten in place with its old size
    /// and modification time gets a fresh hash (its change time moved), a file changed just
    /// before its hash is not remembered, and a bad entry is not believed.
    func testChecksumsRememberedOnlyForTheSameBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-shacache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let saved = getenv("XDG_CACHE_HOME").map { String(cString: $0) }
        setenv("XDG_CACHE_HOME", dir + "/cache", 1)
        let settle = ChecksumCache.settleSeconds
        defer {
            if let saved { setenv("XDG_CACHE_HOME", saved, 1) } else { unsetenv("XDG_CACHE_HOME") }
            ChecksumCache.settleSeconds = settle
        }
        let entries = { (try? FileManager.default.contentsOfDirectory(atPath: dir + "/cache/geotool/sha256"))?.filter { !$0.hasPrefix(".") } ?? [] }
        let path = dir + "/big.bin", size = 5 << 20
        var first = Data(count: size)
        first[17] = 1
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: first))

        // Just written: hashed right, not remembered.
        XCTAssertEqual(try SHA256.hex(fileAt: path), try sha256sum(path))
        XCTAssertEqual(entries(), [])
        // Settled: remembered, and the entry is what a second hash returns.
        ChecksumCache.settleSeconds = 0
        let digest = try SHA256.hex(fileAt: path)
        XCTAssertEqual(digest, try sha256sum(path))
        XCTAssertEqual(entries().count, 1)
        let entry = dir + "/cache/geotool/sha256/" + entries()[0]
        XCTAssertEqual(try String(contentsOfFile: entry, encoding: .utf8), digest)
        // Proof the entry is used: a planted digest for this identity comes back.
        let planted = String(repeating: "ab", count: 32)
        try planted.write(toFile: entry, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SHA256.hex(fileAt: path), planted)
        // A bad entry is not believed.
        try "not a digest".write(toFile: entry, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SHA256.hex(fileAt: path), digest)

        // Rewritten in place, same size, modification time set back: a new identity, a new hash.
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 17)
        try handle.write(contentsOf: Data([2]))
        try handle.close()
        var times = [st.st_atim, st.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        XCTAssertEqual(try SHA256.hex(fileAt: path), try sha256sum(path))
        XCTAssertNotEqual(try SHA256.hex(fileAt: path), digest)

        // Off: nothing stored.
        setenv("GEOTOOL_CHECKSUM_CACHE", "0", 1)
        defer { unsetenv("GEOTOOL_CHECKSUM_CACHE") }
        try FileManager.default.removeItem(atPath: dir + "/cache")
        XCTAssertEqual(try SHA256.hex(fileAt: path), try sha256sum(path))
        XCTAssertEqual(entries(), [])
    }
}
