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
}
