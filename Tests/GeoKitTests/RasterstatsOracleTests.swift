import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// `center` and `all-touched` against python-rasterstats' own test expectations
/// (its tests/test_zonal.py, data in TestRasters/rasterstats, values listed in
/// shared/data/ORACLES.md section A), and exact mode against exactextract on the same data.
final class RasterstatsOracleTests: XCTestCase {
    func run(_ zones: String, _ raster: String, _ stats: [Statistic], _ method: CoverageMethod) throws -> Table {
        var job = ZonalJob(zonesPath: Fixtures.path("rasterstats/\(zones)"), idField: "id",
                           rasters: [RasterSpec(name: "r", path: Fixtures.path("rasterstats/\(raster)"))],
                           stats: stats, method: method)
        job.allowDuplicateIDs = true   // polygons_partial_overlap.shp gives every feature id 3
        return try job.run().wideTable()
    }
    func col(_ t: Table, _ name: String) -> [Double?] { t.column(name)!.map(\.doubleValue) }

    func testMainCenter() throws {
        let t = try run("polygons.shp", "slope.tif",
                        [.count, .min, .max, .mean, .sum, .stdev, .median, .percentile(90)], .center)
        XCTAssertEqual(col(t, "r_count"), [75, 50])                       // test_main
        XCTAssertEqual((col(t, "r_mean")[0]! * 100).rounded() / 100, 14.66)
        // rasterstats 0.21.0 on the same inputs (ORACLES.md, "extra values").
        let expected: [(String, [Double])] = [
            ("min", [6.5751147, 16.9409504]), ("max", [22.2734184, 82.6904373]),
            ("mean", [14.6600846, 56.6057617]), ("sum", [1099.5063477, 2830.2880859]),
            ("stdev", [3.0407311, 14.2124444]), ("median", [14.2838526, 55.9083557]),
            ("p90", [18.5598602, 74.2442932]),
        ]
        for (s, v) in expected {
            for (a, b) in zip(col(t, "r_\(s)"), v) { XCTAssertEqual(a!, b, accuracy: 5e-5 * max(1, abs(b)), s) }
        }
    }

    func testAllTouched() throws {
        XCTAssertEqual(col(try run("polygons.shp", "slope.tif", [.count], .allTouched), "r_count"), [95, 73])
    }

    func testExactAgainstExactextract() throws {
        let t = try run("polygons.shp", "slope.tif", [.count, .mean, .sum], .exact)
        let ee: [(String, [Double])] = [("count", [77.115268, 52.165882]), ("mean", [15.021269, 55.613670]),
                                        ("sum", [1158.369209, 2901.136175])]
        for (s, v) in ee { for (a, b) in zip(col(t, "r_\(s)"), v) { XCTAssertEqual(a!, b, accuracy: 2e-6 * b, s) } }
    }

    func testNodata() throws {
        let t = try run("polygons.shp", "slope_nodata.tif", [.count, .cells, .nodataFrac], .center)
        XCTAssertEqual(col(t, "r_count"), [39, 31])                       // test_some_nodata
        let nodataCells = zip(col(t, "r_cells"), col(t, "r_count")).map { $0! - $1! }
        XCTAssertEqual(nodataCells, [36, 19])
        let all = try run("polygons.shp", "all_nodata.tif", [.count, .cells, .mean], .center)
        XCTAssertEqual(col(all, "r_count"), [0, 0])                       // test_all_nodata
        XCTAssertEqual(col(all, "r_cells"), [75, 50])
        XCTAssertEqual(col(all, "r_mean"), [nil, nil])
    }

    func testDatasetMask() throws {
        XCTAssertEqual(col(try run("polygons.shp", "dataset_mask.tif", [.count], .center), "r_count"), [75, 0])
    }

    func testMultipolygonsAndOverlap() throws {
        XCTAssertEqual(col(try run("multipolygons.shp", "slope.tif", [.count], .center), "r_count"), [125])
        XCTAssertEqual(col(try run("polygons_partial_overlap.shp", "slope.tif", [.count], .center), "r_count"),
                       [99, 99, 28, 135, 49, 68, 52, 115, 48])
        XCTAssertTrue(col(try run("polygons_no_overlap.shp", "slope.tif", [.count], .center), "r_count").allSatisfy { $0 == 0 })
    }

    func testCategorical() throws {
        // test_categorical: polygon 1 is all class 1 (75 cells); polygon 2 {1: 1, 2: 9, 5: 40}.
        let t = try run("polygons.shp", "slope_classes.tif", [.count, .frac], .center)
        let n = col(t, "r_count")
        XCTAssertEqual(col(t, "r_frac_1")[0]! * n[0]!, 75, accuracy: 1e-9)
        XCTAssertEqual(col(t, "r_frac_1")[1]! * n[1]!, 1, accuracy: 1e-9)
        XCTAssertEqual(col(t, "r_frac_2")[1]! * n[1]!, 9, accuracy: 1e-9)
        XCTAssertEqual(col(t, "r_frac_5")[1]! * n[1]!, 40, accuracy: 1e-9)
    }
}
