import XCTest
import GeoCore
import GeoGDAL
import GeoJoin

/// Counts of a point table that decide what an output says it leaves out.
final class PointTableCountsTests: XCTestCase {
    func testRowsWithoutCoordinates() throws {
        let dir = NSTemporaryDirectory() + "ptcounts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/p.csv"
        // Rows 2 (blank longitude) and 3 (not a number) have no valid coordinates; 1 and 4 do.
        try "id,longitude,latitude\n1,96.1,16.8\n2,,16.8\n3,abc,16.8\n4,96.2,16.9\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let pts = try PointTable.read(path: csv)
        XCTAssertEqual(pts.count, 4)
        XCTAssertEqual(pts.rowsWithoutCoordinates, 2)
    }

    func testShapefileRenamesAreTheChangedNamesInOrder() {
        // Cut to 10 characters; the second long name's cut is taken, so it becomes rain_mea_1.
        let r = OGRFormat.shapefileRenames(["TS_PCODE", "rain_mean_2001_01", "rain_mean_2001_02"])
        XCTAssertEqual(r.map(\.from), ["rain_mean_2001_01", "rain_mean_2001_02"])
        XCTAssertEqual(r.map(\.to), ["rain_mean_", "rain_mea_1"])
        XCTAssertTrue(OGRFormat.shapefileRenames(["TS_PCODE", "rain_mean"]).isEmpty)
    }
}
