import XCTest
import GeoCore
import GeoGDAL
import GeoBatch
import GeoTestSupport

/// Issue 24: change over time through `geotool batch`. The fixtures of
/// TestRasters/timeseries hold one value per band over the whole grid, so a zone's mean is
/// the series' value, and the derived rows are checked against the answers scipy,
/// pymannkendall, climate-indices and xclim gave for the same series (expected.json).
final class BatchTimeSeriesTests: XCTestCase {
    let expected = Fixtures.json("timeseries/expected.json")
    var batch: [String: Any] { expected["batch_monthly"] as! [String: Any] }

    func write(_ dir: String, _ indicators: String, format: String = "long", zones given: String? = nil) throws -> String {
        let zones = try given ?? Fixtures.netcdfBoxZones()
        let path = dir + "/m.yaml"
        try """
        zones:
          path: \(zones)
          id: id
        output:
          format: \(format)
        indicators:
        \(indicators)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ m: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runGeotool(["batch", m, "--threads", "1", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    }

    func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let head = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(head, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
    }

    /// The (date, value, unit) rows of one derived indicator.
    func series(_ rows: [[String: String]], _ indicator: String) -> [(date: String, value: Double, unit: String)] {
        rows.filter { $0["indicator"] == indicator }.map { ($0["date"]!, Double($0["value"]!) ?? .nan, $0["unit"]!) }
    }

    func close(_ a: Double, _ b: Double, _ tol: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        if a.isNaN || b.isNaN { XCTAssertTrue(a.isNaN && b.isNaN, "\(what): \(a) vs \(b)", file: file, line: line); return }
        XCTAssertEqual(a, b, accuracy: tol * max(1, abs(b)), what, file: file, line: line)
    }

    static let monthly = """
      - name: rain
        unit: mm
        source: monthly_rain.nc
        stats: [mean]
        derive:
          annual: sum
          zscore: {baseline: [1981, 2010]}
          spi: {scales: [1, 3, 6, 12], baseline: [1981, 2010]}
          season: {monsoon: [6, 10], dry: [11, 4]}
          trend: {period: [1981, 2010]}
          seasonal_trend: {period: [1991, 2010]}
    """

    func monthlyRun(format: String = "long") throws -> String {
        let dir = Fixtures.tempDir()
        try FileManager.default.copyItem(atPath: Fixtures.path("timeseries/monthly_rain.nc"), toPath: dir + "/monthly_rain.nc")
        try run(try write(dir, Self.monthly, format: format))
        return dir + "/out/rain.csv"
    }

    /// Monthly rain 1981-2010 (a CF NetCDF): SPI at 1, 3, 6 and 12 months against
    /// climate-indices to 1e-6, z-scores against numpy, seasons across the year end, the
    /// trend of the annual sums against scipy and pymannkendall, the seasonal trend against
    /// pymannkendall.
    func testMonthlySeriesAgainstTheOracles() throws {
        let table = try rows(try monthlyRun())
        let values = oracleNumbers(batch["values"])
        let observed = series(table, "rain")
        // A zone's mean is the band's value, to rounding (Σ w·v / Σ w).
        XCTAssertEqual(observed.count, values.count)
        for (o, v) in zip(observed, values) { close(o.value, v, 1e-14, "observed \(o.date)") }
        let dates = observed.map(\.date)
        XCTAssertEqual(dates.first, "1981-01"); XCTAssertEqual(dates.last, "2010-12")

        for (scale, want) in batch["spi_baseline_1981_2010"] as! [String: Any] {
            let got = series(table, "rain_spi_\(scale)")
            XCTAssertEqual(got.map(\.date), dates, "SPI-\(scale) dates")
            XCTAssertTrue(got.allSatisfy { $0.unit == "1" })
            for (k, w) in oracleNumbers(want).enumerated() { close(got[k].value, w, 1e-6, "SPI-\(scale) \(dates[k])") }
        }
        let z = series(table, "rain_zscore")
        for (k, w) in oracleNumbers(batch["zscore_baseline_1981_2010"]).enumerated() { close(z[k].value, w, 1e-9, "z \(dates[k])") }

        let seasons = batch["seasons"] as! [String: [[Double]]]
        for name in ["monsoon", "dry"] {
            let got = series(table, "rain_season_\(name)")
            XCTAssertEqual(got.map(\.date), seasons[name]!.map { String(Int($0[0])) }, name)
            for (g, w) in zip(got, seasons[name]!) { close(g.value, w[1], 1e-12, "\(name) \(g.date)") }
            XCTAssertTrue(got.allSatisfy { $0.unit == "mm" })
        }
        // The dry season of November 2010 - April 2011 is not in the series: 1981-2009 only.
        XCTAssertEqual(series(table, "rain_season_dry").last?.date, "2009")

        let annual = series(table, "rain_annual")
        for (a, w) in zip(annual, oracleNumbers(batch["annual_sum"])) { close(a.value, w, 1e-13, "annual \(a.date)") }
        let t = batch["trend_annual_1981_2010"] as! [String: Any], mk = t["mk"] as! [String: Any]
        func one(_ indicator: String) -> (date: String, value: Double, unit: String) { series(table, indicator)[0] }
        close(one("rain_annual_trend_sen_slope").value, t["theilslopes_slope"] as! Double, 1e-9, "Theil-Sen")
        XCTAssertEqual(one("rain_annual_trend_sen_slope").unit, "mm/year")
        XCTAssertEqual(one("rain_annual_trend_sen_slope").date, "1981-2010")
        close(one("rain_annual_trend_ols_slope").value, t["linregress_slope"] as! Double, 1e-9, "OLS")
        for (k, q) in [("s", "mk_s"), ("var_s", "mk_var_s"), ("z", "mk_z"), ("p", "mk_p"), ("tau", "mk_tau")] {
            close(one("rain_annual_trend_\(q)").value, mk[k] as! Double, 1e-12, "annual \(q)")
        }
        XCTAssertEqual(one("rain_annual_trend_n").value, 30)

        let s = batch["seasonal_trend_1991_2010"] as! [String: Any], st = s["seasonal_test"] as! [String: Any]
        XCTAssertEqual(one("rain_seasonal_trend_sen_slope").date, "1991-2010")
        close(one("rain_seasonal_trend_sen_slope").value, s["seasonal_sens_slope"] as! Double, 1e-9, "seasonal Sen")
        for (k, q) in [("s", "mk_s"), ("var_s", "mk_var_s"), ("z", "mk_z"), ("p", "mk_p"), ("tau", "mk_tau")] {
            close(one("rain_seasonal_trend_\(q)").value, st[k] as! Double, 1e-12, "seasonal \(q)")
        }
        XCTAssertEqual(one("rain_seasonal_trend_n").value, 240)
        // Row order: observed, annual, then the derived series in the documented order.
        let order = table.map { $0["indicator"]! }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        XCTAssertEqual(Array(order.prefix(9)), ["rain", "rain_annual", "rain_zscore", "rain_spi_1", "rain_spi_3", "rain_spi_6", "rain_spi_12",
                                                "rain_season_monsoon", "rain_season_dry"])
    }

    /// The wide table names every derived value NAME_KIND_DATE_STAT with the long table's
    /// value, and its sidecar gives each a definition and a unit.
    func testWideNamesAndSidecar() throws {
        let long = try rows(try monthlyRun())
        let widePath = try monthlyRun(format: "wide")
        let wide = try rows(widePath)[0]
        for r in long where r["indicator"] != "rain" {
            let col = "\(r["indicator"]!)_\(r["date"]!)_mean"
            XCTAssertEqual(wide[col], r["value"], col)
        }
        XCTAssertNotNil(wide["rain_spi_3_2010-12_mean"])
        XCTAssertNotNil(wide["rain_annual_trend_mk_p_1981-2010_mean"])
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: widePath + ".datapackage.json"))) as! [String: Any]
        let fields = ((side["resources"] as! [[String: Any]])[0]["schema"] as! [String: Any])["fields"] as! [[String: Any]]
        let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0["name"] as! String, $0) })
        XCTAssertEqual(byName["rain_spi_3_2010-12_mean"]?["unit"] as? String, "1")
        XCTAssertTrue((byName["rain_spi_3_2010-12_mean"]?["description"] as? String ?? "").contains("Thom's approximation"))
        XCTAssertEqual(byName["rain_annual_trend_sen_slope_1981-2010_mean"]?["unit"] as? String, "mm/year")
        XCTAssertTrue((byName["rain_season_dry_1981_mean"]?["description"] as? String ?? "").contains("November to April"))
        XCTAssertEqual(byName["rain_1981-01_mean"]?["unit"] as? String, "mm")
        let derived = (side["batch"] as! [String: Any])["derived"] as! [String: String]
        XCTAssertTrue(derived["rain_zscore"]!.contains("1981-2010"))
        XCTAssertTrue(derived["rain_seasonal_trend_mk_p"]!.contains("pymannkendall.seasonal_test"))
    }

    /// Daily series on the standard, noleap and 360_day calendars (CF NetCDF): extremes
    /// against xclim, dekads against hand counts.
    func testDailyExtremesAndDekadsOnThreeCalendars() throws {
        for c in expected["daily"] as! [[String: Any]] {
            let cal = c["calendar"] as! String
            let dir = Fixtures.tempDir()
            try FileManager.default.copyItem(atPath: Fixtures.path("timeseries/daily_\(cal).nc"), toPath: dir + "/d.nc")
            try run(try write(dir, """
              - name: d
                source: d.nc
                stats: [mean]
                derive:
                  dekad: sum
                  extremes: {threshold: 1, days_ge: [10, 1]}
            """))
            let table = try rows(dir + "/out/d.csv")
            for (g, w) in zip(series(table, "d"), oracleNumbers(c["values"])) { close(g.value, w, 1e-12, "\(cal) \(g.date)") }
            XCTAssertEqual(series(table, "d").map(\.date), c["dates"] as! [String], cal)
            let x = c["extremes"] as! [String: Any]
            let years = (x["years"] as! [Int]).map(String.init)
            for (ind, key, unit) in [("d_longest_dry_spell", "cdd", "days"), ("d_longest_wet_spell", "cwd", "days"), ("d_days_ge_10", "wetdays_10", "days"),
                                     ("d_days_ge_1", "wetdays_1", "days"), ("d_max_1day", "rx1day", "mm"), ("d_max_5day", "rx5day", "mm")] {
                let got = series(table, ind)
                XCTAssertEqual(got.map(\.date), years, "\(cal) \(ind)")
                XCTAssertTrue(got.allSatisfy { $0.unit == unit }, "\(cal) \(ind) unit")
                for (g, w) in zip(got, oracleNumbers(x[key])) { close(g.value, w, 1e-9, "\(cal) \(ind) \(g.date)") }
            }
            let dekads = series(table, "d_dekad"), want = c["dekads"] as! [[Any]]
            XCTAssertEqual(dekads.map(\.date), want.map { $0[0] as! String }, cal)
            for (g, w) in zip(dekads, want) { close(g.value, w[1] as! Double, 1e-9, "\(cal) dekad \(g.date)") }
        }
    }

    /// A series of yearly values (a GeoTIFF band per year, dated YYYY) with ties and two
    /// years without a value: the trend against scipy and pymannkendall; with three of five
    /// years missing, below min_valid, the trend is empty.
    func testYearlySeriesTrendAndGapRule() throws {
        let c = (expected["trend"] as! [[String: Any]]).first { $0["name"] as! String == "ties_gaps_decreasing" }!
        let years = c["years"] as! [Int], values = oracleNumbers(c["values"])
        let dir = Fixtures.tempDir()
        let grid = Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4)
        try writeGeoTIFF(path: dir + "/y.tif", grid: grid, bands: values.map { [Float](repeating: $0.isNaN ? -9999 : Float($0), count: 20) }, nodata: -9999)
        try years.map(String.init).joined(separator: "\n").write(toFile: dir + "/y.tif.bands.txt", atomically: true, encoding: .utf8)
        try writeGeoTIFF(path: dir + "/short.tif", grid: grid, bands: [1, -9999, -9999, 4, -9999].map { [Float](repeating: $0, count: 20) }, nodata: -9999)
        try "2001\n2002\n2003\n2004\n2005".write(toFile: dir + "/short.tif.bands.txt", atomically: true, encoding: .utf8)
        try run(try write(dir, """
          - name: ntl
            source: y.tif
            stats: [mean]
            derive: {trend: {}}
          - name: short
            source: short.tif
            stats: [mean]
            derive: {trend: {}}
        """))
        let table = try rows(dir + "/out/ntl.csv")
        let mk = c["mk"] as! [String: Any]
        func one(_ q: String) -> Double { series(table, "ntl_trend_\(q)")[0].value }
        XCTAssertEqual(series(table, "ntl_trend_sen_slope")[0].date, "2001-2020")
        close(one("sen_slope"), c["theilslopes_slope"] as! Double, 1e-9, "Theil-Sen")
        close(one("ols_slope"), c["linregress_slope"] as! Double, 1e-9, "OLS")
        for (k, q) in [("s", "mk_s"), ("var_s", "mk_var_s"), ("z", "mk_z"), ("p", "mk_p"), ("tau", "mk_tau")] { close(one(q), mk[k] as! Double, 1e-12, q) }
        XCTAssertEqual(one("n"), 18)
        let short = try rows(dir + "/out/short.csv")
        XCTAssertEqual(series(short, "short_trend_sen_slope").count, 1)
        XCTAssertTrue(series(short, "short_trend_sen_slope")[0].value.isNaN, "2 of 5 years: no trend")
        XCTAssertTrue(series(short, "short_trend_n")[0].value.isNaN)
    }

    /// Forest loss year classes (0 none, v: 2000 + v): zone B holds classes 0, 2, 2 and 5
    /// (one cell each), zone C class 1 alone; class 3 is in no zone. B's loss per year,
    /// first, last and peak year by hand (2001 and 2003 are 0: B does not hold them); the
    /// amounts are the table's own class areas.
    func testLossYears() throws {
        let dir = Fixtures.tempDir()
        var cells = [Float](repeating: 0, count: 20)
        cells[0] = 1; cells[1 * 5 + 1] = 2; cells[1 * 5 + 2] = 2; cells[2 * 5 + 1] = 5; cells[2 * 5 + 2] = 0; cells[19] = 3
        try writeGeoTIFF(path: dir + "/lossyear.tif", grid: Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4), bands: [cells])
        // Zone C: the north-west cell (class 1).
        let zones = dir + "/zones.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}},{"type":"Feature","properties":{"id":"C"},"geometry":{"type":"Polygon","coordinates":[[[95,21],[95.5,21],[95.5,20.5],[95,20.5],[95,21]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        let m = try write(dir, """
          - name: forest
            source: lossyear.tif
            stats: [class_area]
            derive: {loss_years: {first_year: 2001}, trend: {}}
        """, zones: zones)
        try run(m)
        let all = try rows(dir + "/out/forest.csv")
        let table = all.filter { $0["pcode"] == "B" }
        let area = Dictionary(uniqueKeysWithValues: table.filter { $0["indicator"] == "forest" }.map { ($0["stat"]!, Double($0["value"]!)!) })
        XCTAssertEqual(area["area_1"], 0)
        XCTAssertEqual(series(all.filter { $0["pcode"] == "C" }, "forest_loss").map(\.value), [all.first { $0["pcode"] == "C" && $0["stat"] == "area_1" }.map { Double($0["value"]!)! }!, 0, 0, 0, 0])
        XCTAssertGreaterThan(area["area_2"]!, area["area_5"]!)
        let loss = series(table, "forest_loss")
        XCTAssertEqual(loss.map(\.date), ["2001", "2002", "2003", "2004", "2005"])
        XCTAssertEqual(loss.map(\.value), [0, area["area_2"]!, 0, 0, area["area_5"]!])
        XCTAssertTrue(table.filter { $0["indicator"] == "forest_loss" }.allSatisfy { $0["stat"] == "class_area" })
        XCTAssertEqual(series(table, "forest_loss_first_year")[0].value, 2002)
        XCTAssertEqual(series(table, "forest_loss_first_year")[0].date, "2001-2005")
        XCTAssertEqual(series(table, "forest_loss_first_year")[0].unit, "year")
        XCTAssertEqual(series(table, "forest_loss_last_year")[0].value, 2005)
        XCTAssertEqual(series(table, "forest_loss_peak_year")[0].value, 2002)
        XCTAssertEqual(series(table, "forest_loss_total")[0].value, area["area_2"]! + area["area_5"]!, accuracy: 1e-6)
        // The loss series is a yearly series the trend accepts: Theil-Sen of it by hand
        // (pairs over 2001-2005: the median of the ten slopes).
        let y = loss.map(\.value)
        var slopes: [Double] = []
        for i in 0..<5 { for j in (i + 1)..<5 { slopes.append((y[j] - y[i]) / Double(j - i)) } }
        slopes.sort()
        XCTAssertEqual(series(table, "forest_loss_trend_sen_slope")[0].value, (slopes[4] + slopes[5]) / 2, accuracy: 1e-9)
    }

    /// One month changed: that file alone is read again, and every derived value is
    /// recomputed from the cache (the table equals a run from scratch on the new files,
    /// byte for byte), SPI of other months included (the fit moved).
    func testChangedMonthRecomputesDerivedValues() throws {
        let values = oracleNumbers(batch["values"]).prefix(60)
        let grid = Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4)
        func writeMonth(_ dir: String, _ k: Int, _ v: Double) throws {
            let name = String(format: "r-%04d.%02d.tif", 1981 + k / 12, k % 12 + 1)
            try writeGeoTIFF(path: dir + "/m/" + name, grid: grid, bands: [[Float](repeating: Float(v), count: 20)])
        }
        let ind = """
          - name: rain
            source: m/r-{yyyy}.{mm}.tif
            stats: [mean]
            derive:
              spi: {scales: [3], baseline: [1981, 1985]}
              zscore: {baseline: [1981, 1985]}
              season: {dry: [11, 4]}
              annual: sum
              trend: {}
        """
        let dir = Fixtures.tempDir(), fresh = Fixtures.tempDir()
        for d in [dir, fresh] { try FileManager.default.createDirectory(atPath: d + "/m", withIntermediateDirectories: true) }
        for (k, v) in values.enumerated() { try writeMonth(dir, k, v) }
        let m = try write(dir, ind)
        try run(m)
        let before = try rows(dir + "/out/rain.csv")
        // July 1983 doubles.
        let k = 2 * 12 + 6
        try writeMonth(dir, k, values[k] * 2)
        let report = try BatchRunner(manifest: try BatchManifest(path: m)).run()
        XCTAssertEqual(report.filesComputed, 1)
        for (i, v) in values.enumerated() { try writeMonth(fresh, i, i == k ? v * 2 : v) }
        try run(try write(fresh, ind))
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8),
                       try String(contentsOfFile: fresh + "/out/rain.csv", encoding: .utf8))
        let after = try rows(dir + "/out/rain.csv")
        func value(_ t: [[String: String]], _ ind: String, _ date: String) -> String { t.first { $0["indicator"] == ind && $0["date"] == date }!["value"]! }
        XCTAssertNotEqual(value(before, "rain_spi_3", "1985-07"), value(after, "rain_spi_3", "1985-07"), "July's fit moved")
        XCTAssertNotEqual(value(before, "rain_annual_trend_sen_slope", "1981-1985"), value(after, "rain_annual_trend_sen_slope", "1981-1985"))
        XCTAssertEqual(value(before, "rain_season_dry", "1983"), value(after, "rain_season_dry", "1983"), "July is not in the dry season")
    }

    /// The rows of each block of units are encoded on the run's threads and written in unit
    /// order: the tables (long and wide) are the same bytes on 1, 2 and 3 threads, and the long
    /// one holds each zone's rows together, zones in input order, all with the same rows.
    func testTablesAreTheSameOnAnyNumberOfThreads() throws {
        let values = oracleNumbers(batch["values"]).prefix(72)
        let grid = Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4)
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/m", withIntermediateDirectories: true)
        for (k, v) in values.enumerated() {
            // Each cell its own multiple of the month's value, so each zone has its own series.
            let cells = (0..<20).map { Float(v * (1 + Double(($0 * 7 + k) % 11) / 10)) }
            try writeGeoTIFF(path: dir + String(format: "/m/r-%04d.%02d.tif", 1981 + k / 12, k % 12 + 1), grid: grid, bands: [cells])
        }
        // Twenty zones, one cell each, listed out of grid order (rows are encoded 4 units per
        // thread at first, then in larger waves: on 2 threads 8 units, then 12).
        let cells = (0..<20).map { i in ((i * 7) % 20 % 5, (i * 7) % 20 / 5) }
        let features = cells.enumerated().map { i, c in
            let x0 = 95 + 0.5 * Double(c.0), y0 = 21 - 0.5 * Double(c.1)
            return #"{"type":"Feature","properties":{"id":"Z\#(i)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x0 + 0.5),\#(y0)],[\#(x0 + 0.5),\#(y0 - 0.5)],[\#(x0),\#(y0 - 0.5)],[\#(x0),\#(y0)]]]}}"#
        }
        let zones = dir + "/zones.geojson"
        try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}").write(toFile: zones, atomically: true, encoding: .utf8)
        let ind = """
          - name: rain
            unit: mm
            source: m/r-{yyyy}.{mm}.tif
            stats: [mean, max]
            derive:
              annual: sum
              zscore: {baseline: [1981, 1985]}
              spi: {scales: [1, 3], baseline: [1981, 1985]}
              season: {dry: [11, 4]}
              trend: {}
              seasonal_trend: {}
        """
        for format in ["long", "wide"] {
            var tables: [String] = []
            for threads in ["1", "2", "3"] {
                let m = try write(dir, ind, format: format, zones: zones)
                try? FileManager.default.removeItem(atPath: dir + "/out")
                let r = try runGeotool(["batch", m, "--threads", threads, "--quiet"])
                XCTAssertEqual(r.status, 0, r.stderr)
                tables.append(try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8))
            }
            XCTAssertEqual(tables[0], tables[1], format + ", 2 threads")
            XCTAssertEqual(tables[0], tables[2], format + ", 3 threads")
            let lines = tables[2].split(separator: "\n").dropFirst()
            if format == "wide" {
                XCTAssertEqual(lines.map { String($0.prefix { $0 != "," }) }, (0..<20).map { "Z\($0)" })
                continue
            }
            // Long: runs of one zone's rows, Z0 to Z19, each as long as the others.
            var runs: [(id: Substring, count: Int)] = []
            for l in lines {
                let id = l.prefix { $0 != "," }
                if runs.last?.id == id { runs[runs.count - 1].count += 1 } else { runs.append((id, 1)) }
            }
            XCTAssertEqual(runs.map { String($0.id) }, (0..<20).map { "Z\($0)" })
            XCTAssertEqual(Set(runs.map(\.count)).count, 1)
            // The zones' own values: their SPI-3 of 1985-12 are not all equal.
            let spi = try rows(dir + "/out/rain.csv").filter { $0["indicator"] == "rain_spi_3" && $0["date"] == "1985-12" && $0["stat"] == "mean" }
            XCTAssertEqual(spi.count, 20)
            XCTAssertGreaterThan(Set(spi.map { $0["value"]! }).count, 1)
        }
    }

    /// SPI-3 of the last month mapped with `geotool map` from the long table.
    func testMapOfTheLastMonthsSPI() throws {
        let table = try monthlyRun()
        let r = try runGeotool(["map", table, "--zones", try Fixtures.netcdfBoxZones(), "--id", "id", "--indicator", "rain_spi_3", "--stat", "mean",
                                "--date", "2010-12", "--breaks=-2,-1.5,-1,1,1.5,2", "-o", Fixtures.tempDir() + "/spi.svg"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Mistakes in the new keys: one line each, with the manifest's line, before any work.
    func testManifestMistakes() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.copyItem(atPath: Fixtures.path("timeseries/monthly_rain.nc"), toPath: dir + "/monthly_rain.nc")
        try FileManager.default.copyItem(atPath: Fixtures.path("timeseries/daily_noleap.nc"), toPath: dir + "/d.nc")
        let cases: [(String, String)] = [
            ("source: d.nc\n    stats: [mean]\n    derive: {spi: [3]}", "'spi' needs a monthly series (dates YYYY-MM); found '2001-01-01'"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {extremes: {}}", "'extremes' needs a daily series (YYYY-MM-DD); found '1981-01'"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {spi: {scales: [3], baseline: [1971, 2000]}}", "the baseline 1971-2000 is not inside the series' years 1981-2010"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {trend: {}}", "'trend' works on yearly values"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {season: {dry: [11, 13]}}", "season 'dry' must be [first month, last month], months 1-12"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {loss_years: {first_year: 2001}}", "'loss_years' needs one band of year classes"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {annual: sum, trend: {period: [2031, 2040]}}", "no year of the period 2031-2040 is in the series"),
            ("source: monthly_rain.nc\n    stats: [mean]\n    derive: {zscore: {baseline: [1981, 2010], min_valid: 2}}", "min_valid must be a share above 0 and at most 1"),
        ]
        for (body, message) in cases {
            let r = try runGeotool(["batch", try write(dir, "  - name: rain\n    " + body)])
            XCTAssertNotEqual(r.status, 0, body)
            let errors = r.stderr.split(separator: "\n").filter { $0.contains("error") }
            XCTAssertEqual(errors.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("m.yaml:10:") && r.stderr.contains(message), "\(message) in: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/rain.csv"))
        }
    }
}

/// JSON numbers with null as NaN.
func oracleNumbers(_ any: Any?) -> [Double] {
    (any as! [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
}
