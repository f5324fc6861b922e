import XCTest
import Foundation
import GeoCore
import GeoKit
import GeoTestSupport

/// The rows handed from the engine to the table without a copy (finish takes the run's
/// state; the empty-geometry count made in place): values against a hand-made 4x4 raster,
/// the no-geometry limitation, and one thread against two.
final class ResultHandoffTests: XCTestCase {
    /// A 4x4 raster of 1...16 (row by row from the top), cells of one degree from (0, 0)
    /// to (4, 4); zones: the top-left 2x2 cells, a feature without geometry, the
    /// bottom-right 2x2 cells.
    func fixture() throws -> (zones: String, raster: String) {
        let dir = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let asc = dir + "/grid.asc", tif = dir + "/grid.tif", zones = dir + "/zones.geojson"
        try "ncols 4\nnrows 4\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16\n"
            .write(toFile: asc, atomically: true, encoding: .utf8)
        let r = try runProcess("/usr/bin/gdal_translate", ["-q", "-a_srs", "EPSG:4326", asc, tif])
        XCTAssertEqual(r.status, 0, r.stderr)
        func square(_ x0: Int, _ y0: Int) -> String {
            "{\"type\":\"Polygon\",\"coordinates\":[[[\(x0),\(y0)],[\(x0 + 2),\(y0)],[\(x0 + 2),\(y0 + 2)],[\(x0),\(y0 + 2)],[\(x0),\(y0)]]]}"
        }
        let features = [("a", square(0, 2)), ("none", "null"), ("c", square(2, 0))].map { id, g in
            "{\"type\":\"Feature\",\"properties\":{\"zid\":\"\(id)\"},\"geometry\":\(g)}"
        }
        try "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}"
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return (zones, tif)
    }

    func run(_ f: (zones: String, raster: String), threads: Int) throws -> ZonalResult {
        var job = ZonalJob(zonesPath: f.zones, idField: "zid", rasters: [RasterSpec(name: "v", path: f.raster)], stats: [.sum, .mean])
        job.threads = threads
        return try job.run()
    }

    /// The CSV bytes of the wide table's rows, as `zonal -o` writes them.
    func csv(_ r: ZonalResult) -> [UInt8] {
        var bytes: [UInt8] = []
        r.forEachRow(.wide) { CSVWriter.encode($0, guardsFormulas: true, into: &bytes) }
        return bytes
    }

    func testValuesByHandAndTheNoGeometryCount() throws {
        let r = try run(try fixture(), threads: 2)
        XCTAssertEqual(r.units.map(\.id), ["a", "none", "c"])
        // a: cells 1, 2, 5, 6; c: 11, 12, 15, 16; the feature without geometry: empty.
        XCTAssertEqual(r.units[0].scalar, [14, 3.5])
        XCTAssertEqual(r.units[2].scalar, [54, 13.5])
        XCTAssertTrue(r.units[1].scalar.allSatisfy(\.isNaN), "\(r.units[1].scalar)")
        XCTAssertEqual(r.units.map(\.isEmptyGeometry), [false, true, false])
        XCTAssertEqual(r.limitations.filter { $0.contains("have no geometry") }, ["1 unit(s) have no geometry: their values are empty"])
    }

    func testOneThreadAndTwoGiveTheSameRows() throws {
        let f = try fixture()
        let one = try run(f, threads: 1), two = try run(f, threads: 2)
        XCTAssertFalse(csv(one).isEmpty)
        XCTAssertEqual(csv(one), csv(two))
        XCTAssertEqual(one.limitations, two.limitations)
    }
}
