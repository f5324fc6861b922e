import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 13: a multi-band file whose bands are split across coverage passes (`--batch-size`)
/// is given to zonal as a spec per band, opened and dated once per pass. Its table must be
/// the one `geotool zonal` gives band by band (`--raster NAME=FILE:BAND`).
final class BatchSplitBandsTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    static let grid = Grid(left: 92, top: 28.75, dx: 0.5, dy: 0.5, cols: 19, rows: 39)
    static let months = ["2001-01", "2001-02", "2001-03", "2001-04", "2001-05", "2001-06", "2001-07"]

    /// Band k: values varying by cell and band, some cells nodata.
    static func band(_ k: Int) -> [Float] {
        (0..<(grid.rows * grid.cols)).map { i in
            let r = i / grid.cols, c = i % grid.cols
            return (r + c + k) % 19 == 0 ? -9999 : Float((r * 7 + c * 13 + k * 31) % 41) + Float(k) * 0.5
        }
    }

    /// Long-table values: "pcode|stat|date" -> value text.
    func values(_ text: String, indicator: String, date: String? = nil) -> [String: String] {
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let h = lines[0]
        let p = h.firstIndex(of: "pcode")!, ind = h.firstIndex(of: "indicator")!, s = h.firstIndex(of: "stat")!
        let d = h.firstIndex(of: "date")!, v = h.firstIndex(of: "value")!
        var out: [String: String] = [:]
        for row in lines.dropFirst() where row[ind] == indicator && row[0] != "" {
            out["\(row[p])|\(row[s])|\(date ?? row[d])"] = row[v]
        }
        return out
    }

    func testSplitPassesEqualZonalBandByBand() throws {
        let dir = Fixtures.tempDir()
        try writeGeoTIFF(path: dir + "/series.tif", grid: Self.grid, bands: Self.months.indices.map(Self.band), nodata: -9999)
        try Self.months.joined(separator: "\n").write(toFile: dir + "/series.tif.bands.txt", atomically: true, encoding: .utf8)
        try """
        zones:
          path: \(townships)
          id: TS_PCODE
        indicators:
          - name: rain
            source: series.tif
            stats: [mean, max, count]
        """.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        // 7 bands in passes of 3, 3 and 1: each pass a spec per band of one file.
        let r = try runGeotool(["batch", dir + "/m.yaml", "--batch-size", "3", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let batch = values(try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8), indicator: "rain")

        var zonal: [String: String] = [:]
        for (k, month) in Self.months.enumerated() {
            let z = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(dir)/series.tif:\(k + 1)",
                                    "--stats", "mean,max,count", "--format", "long", "--quiet", "-o", "-"])
            XCTAssertEqual(z.status, 0, z.stderr)
            zonal.merge(values(z.stdout, indicator: "rain", date: month)) { a, _ in a }
        }
        XCTAssertEqual(batch.count, zonal.count)
        XCTAssertGreaterThan(batch.count, 7 * 3 * 100)
        for (key, v) in zonal { XCTAssertEqual(batch[key], v, key) }
    }

    /// A daily NetCDF split across passes keeps its dates (from the time coordinate, read
    /// once per pass) and the fixture's values (band k's box mean is 100k + 16.5).
    func testSplitNetCDFKeepsDatesAndValues() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.copyItem(atPath: Fixtures.path("netcdf/daily_noleap.nc"), toPath: dir + "/daily.nc")
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: dir + "/box.geojson", atomically: true, encoding: .utf8)
        try "zones:\n  path: box.geojson\n  id: id\nindicators:\n  - name: rain\n    source: daily.nc\n    var: precip\n    stats: [mean]\n"
            .write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        let r = try runGeotool(["batch", dir + "/m.yaml", "--batch-size", "3", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOfFile: Fixtures.path("netcdf/expected_dates.csv"), encoding: .utf8)
        let dates = text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }.filter { $0[0] == "daily_noleap.nc" }.map { $0[2] }
        XCTAssertFalse(dates.isEmpty)
        let got = values(try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8), indicator: "rain")
        XCTAssertEqual(got.count, dates.count)
        for (k, d) in dates.enumerated() {
            XCTAssertEqual(Double(got["B|mean|\(d)"] ?? "") ?? .nan, Double(100 * k) + 16.5, accuracy: 1e-9, d)
        }
    }
}
