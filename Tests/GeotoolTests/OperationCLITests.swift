import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// `geotool zonal --op`: each raster its own statistics, conditions, roll-ups, bad input.
/// Values by hand on a 4 x 4 grid of 1-degree cells (rows from the top):
///   pop    = row * 4 + col + 1             hazard =  1  2  3  4
///                                                    5  1  2  3
///                                                    0  3  3  1
///                                                    4  4  0  nodata
/// Zones: A the top-left 2 x 2 block, B the top-right one, C the bottom half; states S1 = {A, B}, S2 = {C}.
final class OperationCLITests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        let grid = Grid(left: 0, top: 4, dx: 1, dy: 1, cols: 4, rows: 4)
        try writeGeoTIFF(path: dir + "/pop.tif", grid: grid, bands: [(0..<16).map { Float($0 + 1) }])
        try writeGeoTIFF(path: dir + "/hazard.tif", grid: grid, bands: [[1, 2, 3, 4, 5, 1, 2, 3, 0, 3, 3, 1, 4, 4, 0, -9999]], nodata: -9999)
        func box(_ id: String, _ s: String, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> String {
            #"{"type":"Feature","properties":{"id":"\#(id)","state":"\#(s)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x1),\#(y0)],[\#(x1),\#(y1)],[\#(x0),\#(y1)],[\#(x0),\#(y0)]]]}}"#
        }
        let zones = [box("A", "S1", 0, 2, 2, 4), box("B", "S1", 2, 2, 4, 4), box("C", "S2", 0, 0, 4, 2)]
        try (#"{"type":"FeatureCollection","features":["# + zones.joined(separator: ",") + "]}")
            .write(toFile: dir + "/zones.geojson", atomically: true, encoding: .utf8)
    }

    func zonal(_ extra: [String], out: String) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", dir + "/zones.geojson", "--id", "id", "--raster", "pop=\(dir)/pop.tif",
                        "--raster", "hazard=\(dir)/hazard.tif", "--quiet", "-o", out] + extra)
    }

    func testExposureInOneRunWithRollup() throws {
        let out = dir + "/out.csv"
        let r = try zonal(["--op", "sum(pop)", "--op", "frac(hazard)", "--op", "sum(pop) where hazard >= 3", "--rollup", "state", "--country", "X"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        let nodata = (try? Statistic(parsing: "where_nodata")) != nil
        XCTAssertEqual(t.columns, ["id", "level", "name", "pop_sum"] + [0, 1, 2, 3, 4, 5].map { "hazard_frac_\($0)" }
                       + ["pop_sum_where_hazard_ge_3"] + (nodata ? ["pop_where_hazard_ge_3_nodata"] : []))
        XCTAssertEqual(t.value("A", "pop_sum"), 14)
        XCTAssertEqual(t.value("B", "pop_sum"), 22)
        XCTAssertEqual(t.value("C", "pop_sum"), 100)
        XCTAssertEqual(t.value("S1", "pop_sum"), 36)
        XCTAssertEqual(t.value("A", "hazard_frac_1"), 0.5)
        XCTAssertEqual(t.value("A", "hazard_frac_5"), 0.25)
        XCTAssertEqual(t.value("A", "hazard_frac_3"), 0)
        XCTAssertEqual(t.value("B", "hazard_frac_3"), 0.5)
        // C: 7 cells with a hazard value, of equal area within a row band; 0 at (2, 0) and (3, 2).
        XCTAssertEqual(t.value("C", "hazard_frac_4")! + t.value("C", "hazard_frac_3")! + t.value("C", "hazard_frac_0")! + t.value("C", "hazard_frac_1")!, 1, accuracy: 1e-12)
        guard nodata else { return }   // the engine's side of conditions (honours BandSource.condition)
        // Exposed: A 5 (hazard 5); B 3 + 4 + 8; C 10 + 11 + 13 + 14; S1 = A + B; the country all.
        XCTAssertEqual(t.value("A", "pop_sum_where_hazard_ge_3"), 5)
        XCTAssertEqual(t.value("B", "pop_sum_where_hazard_ge_3"), 15)
        XCTAssertEqual(t.value("C", "pop_sum_where_hazard_ge_3"), 48)
        XCTAssertEqual(t.value("S1", "pop_sum_where_hazard_ge_3"), 20)
        XCTAssertEqual(t.value("X", "pop_sum_where_hazard_ge_3"), 68)
        XCTAssertEqual(t.value("A", "pop_where_hazard_ge_3_nodata"), 0)
    }

    func testStatsStayTheSameWithoutOperations() throws {
        // Every raster gets every statistic, as before --op.
        let out = dir + "/stats.csv"
        let r = try zonal(["--stats", "count,sum"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Table.readCSV(path: out).columns, ["id", "pop_count", "pop_sum", "hazard_count", "hazard_sum"])
    }

    /// Bins of pop [0, 8) low and [8, 17) high: A (1, 2, 5, 6) all low; B (3, 4, 7, 8) three low,
    /// one high; C (9 ... 16) all high. Shares are of covered cells, all whole here.
    func testClassesOfAContinuousRaster() throws {
        let out = dir + "/classes.csv"
        let r = try zonal(["--classes", "pop=0,8,17:low,high", "--op", "frac(pop)", "--op", "sum(pop)"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.columns, ["id", "pop_frac_low", "pop_frac_high", "pop_sum"])
        XCTAssertEqual(t.value("A", "pop_frac_low"), 1)
        XCTAssertEqual(t.value("B", "pop_frac_low"), 0.75)
        XCTAssertEqual(t.value("B", "pop_frac_high"), 0.25)
        XCTAssertEqual(t.value("C", "pop_frac_high"), 1)
        XCTAssertEqual(t.value("B", "pop_sum"), 22)
    }

    func testBadOperationsWriteNothing() throws {
        for (args, words) in [(["--op", "sum(popn)"], "no raster named 'popn' (did you mean 'pop'?)"),
                              (["--op", "sum(pop) where hazrd >= 3"], "no raster named 'hazrd' (did you mean 'hazard'?)"),
                              (["--op", "sum(pop) where hazard >> 3"], "'> 3' is not a number"),
                              (["--op", "frac(hazard", "--op", "sum(pop)"], "no closing ')'"),
                              (["--op", "sum(pop)", "--stats", "sum"], "--stats and --op"),
                              (["--classes", "pop=10,5", "--op", "frac(pop)"], "must increase"),
                              (["--classes", "pop", "--op", "frac(pop)"], "write NAME=B0,B1"),
                              (["--classes", "popn=0,5", "--op", "frac(pop)"], "no raster named 'popn' (did you mean 'pop'?)"),
                              (["--classes", "pop=0,5", "--op", "median(pop)"], "median of pop would read its bins"),
                              (["--area-unit", "acre", "--op", "area(pop)"], "choose m2, ha or km2")] {
            let out = dir + "/bad.csv"
            let r = try zonal(args, out: out)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(words), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".datapackage.json"), "\(args)")
        }
    }

    /// Classes under a condition on a finer grid (cells partly where it holds): the values go
    /// into their bins, as under a condition on the same grid; no column per raw value.
    func testClassesUnderAConditionOnAFinerGrid() throws {
        let d = Fixtures.path("conditions")
        let out = dir + "/cf.csv"
        let r = try runGeotool(["zonal", "-q", "--zones", d + "/zones.geojson", "--id", "zone", "--raster", "v=\(d)/values.tif",
                                "--raster", "h=\(d)/hazard_fine.tif", "--classes", "v=0,40,60,100", "--op", "frac(v) where h >= 3", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.columns, ["zone", "v_frac_0_40_where_h_ge_3", "v_frac_40_60_where_h_ge_3", "v_frac_60_100_where_h_ge_3",
                                   "v_where_h_ge_3_nodata"])
        // The bins' shares of each zone's covered area where h >= 3 add up to 1.
        for row in t.rows {
            let shares = row[1...3].compactMap(\.doubleValue)
            XCTAssertEqual(shares.reduce(0, +), 1, accuracy: 1e-12, "\(row[0])")
        }
    }

    /// Formulas see the operations' columns (conditioned, and per bin of a classed raster),
    /// not the columns `--stats` would have made.
    func testFormulasOnOperationColumns() throws {
        let d = Fixtures.path("conditions")
        let out = dir + "/fo.csv"
        let r = try runGeotool(["zonal", "-q", "--zones", d + "/zones.geojson", "--id", "zone", "--raster", "v=\(d)/values.tif",
                                "--raster", "h=\(d)/hazard_fine.tif", "--raster", "c=\(d)/values.tif", "--classes", "c=0,40,60,100",
                                "--op", "sum(v) where h >= 3", "--op", "sum(v)", "--op", "frac(c) where h >= 3",
                                "--formula", "share = v_sum_where_h_ge_3 / v_sum", "--formula", "low = 100 * c_frac_0_40_where_h_ge_3", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        func col(_ n: String) -> Int { t.columns.firstIndex(of: n)! }
        for row in t.rows {
            XCTAssertEqual(row[col("share")].doubleValue!, row[col("v_sum_where_h_ge_3")].doubleValue! / row[col("v_sum")].doubleValue!, accuracy: 1e-12)
            XCTAssertEqual(row[col("low")].doubleValue!, 100 * row[col("c_frac_0_40_where_h_ge_3")].doubleValue!, accuracy: 1e-12)
        }
        let bad = try runGeotool(["zonal", "-q", "--zones", d + "/zones.geojson", "--id", "zone", "--raster", "v=\(d)/values.tif",
                                  "--raster", "h=\(d)/hazard_fine.tif", "--op", "sum(v) where h >= 3",
                                  "--formula", "x = v_sum_where_h_ge_4", "-o", dir + "/bad.csv"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("did you mean 'v_sum_where_h_ge_3'"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.csv"))
    }
}
