import XCTest
import GeoCore

/// The terminal says each warning once, and a file's warnings of one per-feature topic in
/// one line; the warnings themselves (what the sidecar records) are not changed.
final class WarningGroupTests: XCTestCase {
    func repaired(_ id: String, file: String = "d.json") -> GeoWarning {
        GeoWarning(.geometry, file: file, "feature (\(id)): invalid geometry (Self-intersection); repaired with GEOS make-valid",
                   topic: .repairedGeometry, subject: id)
    }

    func testAFilesManyOfOneTopicAreOneLine() {
        let other = GeoWarning(.crs, file: "d.json", "d.json: layer has no CRS")
        let ws = [other, repaired("A"), GeoWarning(.geometry, file: "d.json", "feature (C): no geometry; its row is empty", topic: .noGeometry, subject: "C"),
                  repaired("B"), repaired("A"), repaired("Z", file: "e.json")]
        let lines = GeoWarning.grouped(ws)
        XCTAssertEqual(lines.map(\.shortMessage), [
            "d.json: layer has no CRS",
            "d.json: 2 features with invalid geometry, repaired with GEOS make-valid: A, B",   // in the place of the first, once
            "feature (C): no geometry; its row is empty",                                       // one of its topic: as it is
            "feature (Z): invalid geometry (Self-intersection); repaired with GEOS make-valid", // another file
        ])
    }

    func testALongGroupNamesTheFirstAndWhereTheRestAre() {
        let ws = (1...12).map { repaired("MMR\($0)") }
        let lines = GeoWarning.grouped(ws, shown: 3, listedIn: "out.csv.datapackage.json")
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines[0].shortMessage, "d.json: 12 features with invalid geometry, repaired with GEOS make-valid: MMR1, MMR2, MMR3, ... (9 more, all listed in out.csv.datapackage.json)")
        XCTAssertTrue(lines[0].message.hasSuffix("MMR11, MMR12"), "the whole line names all")
        XCTAssertEqual(GeoWarning.grouped(ws, shown: 3)[0].shortMessage.hasSuffix("... (9 more)"), true)
    }
}
