import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 13: anomalies of a daily series, against the mean of the same calendar day (month
/// and day) over the baseline years; 29 February is compared with 29 February only.
final class BatchDailyAnomalyTests: XCTestCase {
    let box = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#

    func manifest(_ dir: String, _ indicator: String, format: String = "long") throws -> String {
        try box.write(toFile: dir + "/box.geojson", atomically: true, encoding: .utf8)
        let path = dir + "/m.yaml"
        try """
        zones:
          path: box.geojson
          id: id
        output:
          format: \(format)
        indicators:
        \(indicator)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ m: String) throws {
        let r = try runGeotool(["batch", m, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Rows of a long table: [column: value] each.
    func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let head = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(head, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
    }

    func series(_ rows: [[String: String]], _ indicator: String) -> [(date: String, value: Double)] {
        rows.filter { $0["indicator"] == indicator }.map { ($0["date"]!, Double($0["value"]!) ?? .nan) }
    }

    /// The daily NetCDF fixture (2004-01-01 to 2005-01-05, standard calendar): anomalies
    /// recomputed here from the zonal means of a run without `derive`, grouping by the
    /// date's month and day, and a few by hand from the fixture's formula (band k's box mean
    /// is 100k + 16.5).
    func testDailyNetCDFAnomaliesByCalendarDay() throws {
        let plainDir = Fixtures.tempDir(), dir = Fixtures.tempDir()
        for d in [plainDir, dir] { try FileManager.default.copyItem(atPath: Fixtures.path("netcdf/daily_leap_year.nc"), toPath: d + "/daily.nc") }
        try run(try manifest(plainDir, "  - name: rain\n    source: daily.nc\n    stats: [mean]"))
        try run(try manifest(dir, "  - name: rain\n    source: daily.nc\n    stats: [mean]\n    derive: {anomaly: {baseline: [2004, 2005]}}"))
        let observed = series(try rows(plainDir + "/out/rain.csv"), "rain")
        XCTAssertEqual(observed.count, 371)
        let table = try rows(dir + "/out/rain.csv")
        XCTAssertEqual(series(table, "rain").map(\.value), observed.map(\.value))

        var sums: [String: (Double, Int)] = [:]
        for o in observed { let md = String(o.date.dropFirst(5)); sums[md] = ((sums[md]?.0 ?? 0) + o.value, (sums[md]?.1 ?? 0) + 1) }
        let anomaly = series(table, "rain_anomaly"), pct = series(table, "rain_anomaly_pct")
        XCTAssertEqual(anomaly.map(\.date), observed.map(\.date))
        XCTAssertEqual(pct.map(\.date), observed.map(\.date))
        for (k, o) in observed.enumerated() {
            let s = sums[String(o.date.dropFirst(5))]!, mean = s.0 / Double(s.1)
            XCTAssertEqual(anomaly[k].value, o.value - mean, accuracy: 1e-9, o.date)
            XCTAssertEqual(pct[k].value, (o.value - mean) / mean * 100, accuracy: 1e-9, o.date)
        }
        // By hand: 1 January is 16.5 in 2004 and 36616.5 (day 366) in 2005, mean 18316.5;
        // 29 February and 1 March occur once in the baseline, so their anomaly is 0.
        let byDate = Dictionary(uniqueKeysWithValues: anomaly.map { ($0.date, $0.value) })
        XCTAssertEqual(byDate["2004-01-01"]!, -18300, accuracy: 1e-9)
        XCTAssertEqual(byDate["2005-01-01"]!, 18300, accuracy: 1e-9)
        XCTAssertEqual(byDate["2004-02-29"]!, 0, accuracy: 1e-9)
        XCTAssertEqual(byDate["2004-03-01"]!, 0, accuracy: 1e-9)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/rain.csv.datapackage.json"))) as! [String: Any]
        XCTAssertTrue("\(side)".contains("calendar day"), "the sidecar defines the daily anomaly")
    }

    /// 29 February against 29 February only, 28 February and 1 March against themselves in
    /// three years, values by hand. Each band is one value over the whole grid, so the box's
    /// mean is that value whatever its coverage.
    func testLeapDayComparedWithLeapDayOnly() throws {
        let dir = Fixtures.tempDir()
        let days: [(String, Float)] = [("2003-02-28", 10), ("2003-03-01", 20), ("2004-02-28", 14), ("2004-02-29", 40),
                                       ("2004-03-01", 26), ("2005-02-28", 18), ("2005-03-01", 23)]
        try writeGeoTIFF(path: dir + "/d.tif", grid: Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4),
                         bands: days.map { [Float](repeating: $0.1, count: 20) })
        try days.map(\.0).joined(separator: "\n").write(toFile: dir + "/d.tif.bands.txt", atomically: true, encoding: .utf8)
        let ind = "  - name: rain\n    source: d.tif\n    stats: [mean]\n    derive: {anomaly: {baseline: [2003, 2005]}}"
        try run(try manifest(dir, ind))
        let table = try rows(dir + "/out/rain.csv")
        // Means: 28 Feb (10 + 14 + 18) / 3 = 14; 1 Mar (20 + 26 + 23) / 3 = 23; 29 Feb 40.
        let want: [Double] = [-4, -3, 0, 0, 3, 4, 0]
        let wantPct: [Double] = [-400.0 / 14, -300.0 / 23, 0, 0, 300.0 / 23, 400.0 / 14, 0]
        let anomaly = series(table, "rain_anomaly"), pct = series(table, "rain_anomaly_pct")
        XCTAssertEqual(anomaly.map(\.date), days.map(\.0))
        for k in days.indices {
            XCTAssertEqual(anomaly[k].value, want[k], accuracy: 1e-9, days[k].0)
            XCTAssertEqual(pct[k].value, wantPct[k], accuracy: 1e-9, days[k].0)
        }
        // Wide: one column per day.
        let wideDir = Fixtures.tempDir()
        try FileManager.default.copyItem(atPath: dir + "/d.tif", toPath: wideDir + "/d.tif")
        try FileManager.default.copyItem(atPath: dir + "/d.tif.bands.txt", toPath: wideDir + "/d.tif.bands.txt")
        try run(try manifest(wideDir, ind, format: "wide"))
        let wide = try rows(wideDir + "/out/rain.csv")[0]
        XCTAssertEqual(Double(wide["rain_anomaly_2004-02-29_mean"] ?? "")!, 0, accuracy: 1e-9)
        XCTAssertEqual(Double(wide["rain_anomaly_2005-02-28_mean"] ?? "")!, 4, accuracy: 1e-9)
    }

    /// Yearly dates are neither monthly nor daily: refused in one line naming the first.
    func testYearlySeriesRefused() throws {
        let dir = Fixtures.tempDir()
        try writeGeoTIFF(path: dir + "/y.tif", grid: Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4),
                         bands: [[Float](repeating: 1, count: 20), [Float](repeating: 2, count: 20)])
        try "2003\n2004".write(toFile: dir + "/y.tif.bands.txt", atomically: true, encoding: .utf8)
        let r = try runGeotool(["batch", try manifest(dir, "  - name: rain\n    source: y.tif\n    stats: [mean]\n    derive: {anomaly: {baseline: [2003, 2004]}}")])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("m.yaml:10:") && r.stderr.contains("derive needs a monthly series (dates YYYY-MM) or a daily one") && r.stderr.contains("'2003'"), r.stderr)
    }
}
