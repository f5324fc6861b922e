import XCTest
import GeoCore
import GeoTestSupport

/// Bytes YAML's reader refuses (found by the manifest fuzzer): one error line with the
/// manifest's line, not a multi-line dump without one.
final class ManifestBytesTests: XCTestCase {
    func testControlCharacterGivesFileAndLine() throws {
        let dir = Fixtures.tempDir()
        let m = dir + "/nul.yaml"
        try Data("zones:\n  path: a".utf8 + [0] + Data("b\n".utf8)).write(to: URL(fileURLWithPath: m))
        let r = try runGeotool(["batch", m])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "geotool: error: \(m):2: not valid YAML: control characters are not allowed (character 0x00)\n")
    }
}
