import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 28: a unit whose covered cells are all nodata had sum = 0 (and mean empty), read in
/// a spreadsheet as "zero lights". sum and weighted_sum are now empty where no cell with a
/// value is covered; `--empty-sum zero` keeps the old 0 (exactextract's). Values by hand on a
/// 4 x 4 raster of 1-degree cells, value row * 4 + col + 1, whose top-left 2 x 2 block is
/// nodata; weights 2 everywhere. Zones: A over the nodata block, B the top-right block
/// (3, 4, 7, 8: sum 22), C the bottom half (9 ... 16: sum 100). Roll-up: districts D1 = {A},
/// D2 = {B}, D3 = {C}; states S1 = {A, B}, S2 = {C}.
final class EmptySumTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        let grid = Grid(left: 0, top: 4, dx: 1, dy: 1, cols: 4, rows: 4)
        var values = [Float](repeating: 0, count: 16)
        for k in 0..<16 {
            let nodata = k / 4 < 2 && k % 4 < 2
            values[k] = nodata ? -9999 : Float(k + 1)
        }
        try writeGeoTIFF(path: dir + "/v.tif", grid: grid, bands: [values], nodata: -9999)
        try writeGeoTIFF(path: dir + "/w.tif", grid: grid, bands: [[Float](repeating: 2, count: 16)])
        func box(_ id: String, _ d: String, _ s: String, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> String {
            #"{"type":"Feature","properties":{"id":"\#(id)","dist":"\#(d)","state":"\#(s)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x1),\#(y0)],[\#(x1),\#(y1)],[\#(x0),\#(y1)],[\#(x0),\#(y0)]]]}}"#
        }
        let zones = [box("A", "D1", "S1", 0, 2, 2, 4), box("B", "D2", "S1", 2, 2, 4, 4), box("C", "D3", "S2", 0, 0, 4, 2)]
        try (#"{"type":"FeatureCollection","features":["# + zones.joined(separator: ",") + "]}")
            .write(toFile: dir + "/zones.geojson", atomically: true, encoding: .utf8)
    }

    func zonal(_ extra: [String], out: String) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", dir + "/zones.geojson", "--id", "id", "--raster", "v=\(dir)/v.tif",
                        "--weights", "w=\(dir)/w.tif", "--stats", "count,sum,mean,weighted_sum",
                        "--rollup", "dist,state", "--quiet", "-o", out] + extra)
    }

    func sidecar(_ out: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as! [String: Any]
    }

    func testSumOverOnlyNodataIsEmptyAndRollUpsMergeIt() throws {
        let out = dir + "/out.csv"
        let r = try zonal([], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.value("A", "v_count"), 0)
        XCTAssertNil(t.value("A", "v_sum"), "no cell with a value: no sum")
        XCTAssertNil(t.value("A", "v_weighted_sum"))
        XCTAssertNil(t.value("A", "v_mean"))
        XCTAssertEqual(t.value("B", "v_sum"), 22)
        XCTAssertEqual(t.value("B", "v_weighted_sum"), 44)
        XCTAssertEqual(t.value("C", "v_sum"), 100)
        // Parents: empty only when none of their zones has a value.
        XCTAssertNil(t.value("D1", "v_sum"))
        XCTAssertNil(t.value("D1", "v_weighted_sum"))
        XCTAssertEqual(t.value("D2", "v_sum"), 22)
        XCTAssertEqual(t.value("S1", "v_sum"), 22, "A (empty) and B (22)")
        XCTAssertEqual(t.value("S1", "v_weighted_sum"), 44)
        XCTAssertEqual(t.value("S2", "v_sum"), 100)
        let method = try sidecar(out)["method"] as! [String: Any]
        XCTAssertTrue((method["empty_sum"] as? String)?.hasPrefix("sum and weighted_sum are empty") == true, "\(method)")
    }

    func testEmptySumZeroKeepsTheOldZero() throws {
        let out = dir + "/zero.csv"
        let r = try zonal(["--empty-sum", "zero"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.value("A", "v_sum"), 0)
        XCTAssertEqual(t.value("A", "v_weighted_sum"), 0)
        XCTAssertNil(t.value("A", "v_mean"), "mean stays empty")
        XCTAssertEqual(t.value("D1", "v_sum"), 0)
        XCTAssertEqual(t.value("S1", "v_sum"), 22)
        XCTAssertEqual(t.value("B", "v_sum"), 22)
        let method = try sidecar(out)["method"] as! [String: Any]
        XCTAssertTrue((method["empty_sum"] as? String)?.contains("--empty-sum zero") == true, "\(method)")
    }

    func testUnknownEmptySumValueIsOneError() throws {
        let out = dir + "/bad.csv"
        let r = try zonal(["--empty-sum", "zeros"], out: out)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--empty-sum") && r.stderr.contains("did you mean 'zero'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testNoSumNoSidecarNote() throws {
        // A run without sums says nothing about them: its sidecar is as before.
        let out = dir + "/mean.csv"
        let r = try runGeotool(["zonal", "--zones", dir + "/zones.geojson", "--id", "id", "--raster", "v=\(dir)/v.tif",
                                "--stats", "count,mean", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNil((try sidecar(out)["method"] as! [String: Any])["empty_sum"])
    }
}
