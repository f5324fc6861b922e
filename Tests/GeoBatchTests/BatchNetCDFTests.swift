import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// `geotool batch` on NetCDF files and Zarr stores: a source is one file with a time axis,
/// its bands dated from the CF time coordinate. Dates are checked against cftime's
/// (TestRasters/netcdf/expected_dates.csv), values against the fixtures' formula (band k,
/// row r, column c holds 100k + 10r + c, tmax 0.5 more): the box zone covers rows 1-2 and
/// columns 1-2 whole, so its mean in band k is 100k + 16.5.
final class BatchNetCDFTests: XCTestCase {
    func expected(_ file: String) throws -> [String] {
        let csv = file.contains("_year") ? "daily_years_dates.csv" : "expected_dates.csv"
        let text = try String(contentsOfFile: Fixtures.path("netcdf/" + csv), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            .filter { $0[0] == file }.map { $0[2] }
    }

    /// A temp folder with the box zone and copies of the fixtures, so that relative paths
    /// and changes to the files can be tried.
    func folder(_ files: [String]) throws -> String {
        let dir = Fixtures.tempDir()
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: dir + "/box.geojson", atomically: true, encoding: .utf8)
        for f in files { try FileManager.default.copyItem(atPath: Fixtures.path("netcdf/" + f), toPath: dir + "/" + f) }
        return dir
    }

    func manifest(_ dir: String, _ indicators: String) throws -> String {
        let path = dir + "/m.yaml"
        try """
        zones:
          path: box.geojson
          id: id
        indicators:
        \(indicators)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Rows of a long table: [column: value] each.
    func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let head = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(head, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
    }

    func run(_ m: String) throws -> GeotoolRun {
        let r = try runGeotool(["batch", m, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// Observed rows of `indicator`: dates in band order equal cftime's, values the formula.
    func checkSeries(_ rows: [[String: String]], _ indicator: String, file: String, extra: Double, unit: String,
                     line: UInt = #line) throws {
        let mine = rows.filter { $0["indicator"] == indicator }
        let dates = try expected(file)
        XCTAssertEqual(mine.map { $0["date"]! }, dates, line: line)
        XCTAssertEqual(mine.map { $0["band"]! }, (1...dates.count).map(String.init), line: line)
        for (k, row) in mine.enumerated() {
            XCTAssertEqual(Double(row["value"]!)!, Double(100 * k) + 16.5 + extra, accuracy: 1e-9, line: line)
            XCTAssertEqual(row["unit"], unit, line: line)
        }
    }

    /// Two variables of one NetCDF file as two indicators (`var:` and a `NETCDF:` name), the
    /// monthly one with its annual sum and anomalies.
    func testNetCDFSourceDatedFromTheTimeCoordinate() throws {
        let dir = try folder(["monthly_standard.nc"])
        let m = try manifest(dir, """
          - name: rain
            source: monthly_standard.nc
            var: precip
            stats: [mean]
            derive:
              annual: sum
              anomaly: {baseline: [2001, 2001]}
          - name: tmax
            source: NETCDF:monthly_standard.nc:tmax
            stats: [mean]
            derive: {annual: mean}
        """)
        _ = try run(m)
        let rain = try rows(dir + "/out/rain.csv"), tmax = try rows(dir + "/out/tmax.csv")
        // The sidecar records the file's SHA-256 (as sha256sum computes it) and cftime's dates.
        let sum = try runProcess("/usr/bin/env", ["sha256sum", dir + "/monthly_standard.nc"])
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/rain.csv.datapackage.json"))) as! [String: Any]
        let raster = (side["rasters"] as! [[String: Any]])[0]
        XCTAssertEqual(raster["sha256"] as? String, String(sum.stdout.prefix(64)))
        XCTAssertEqual((raster["bands"] as! [[String: Any]]).map { $0["date"] as? String ?? "" }, try expected("monthly_standard.nc"))
        try checkSeries(rain, "rain", file: "monthly_standard.nc", extra: 0, unit: "mm")
        try checkSeries(tmax, "tmax", file: "monthly_standard.nc", extra: 0.5, unit: "degC")
        // The two variables' file is one input of the state (fingerprinted and hashed once).
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/.geotool-batch-state.json"))) as! [String: Any]
        let inputs = (state["inputs"] as! [String: Any]).keys
        XCTAssertEqual(inputs.filter { $0.contains("monthly_standard.nc") }, [URL(fileURLWithPath: dir + "/monthly_standard.nc").standardizedFileURL.path])
        // Annual: the sum over k = 0..11 of 100k + 16.5 is 6600 + 198; the mean of tmax 566.5 + 0.5.
        let annual = rain.filter { $0["indicator"] == "rain_annual" }
        XCTAssertEqual(annual.map { $0["date"]! }, ["2001"])
        XCTAssertEqual(Double(annual[0]["value"]!)!, 6798, accuracy: 1e-9)
        let tannual = tmax.filter { $0["indicator"] == "tmax_annual" }
        XCTAssertEqual(tannual.map { $0["date"]! }, ["2001"])
        XCTAssertEqual(Double(tannual[0]["value"]!)!, 567, accuracy: 1e-9)
        // Anomalies against a baseline of the one year: each month is its own baseline mean.
        for ind in ["rain_anomaly", "rain_anomaly_pct"] {
            let a = rain.filter { $0["indicator"] == ind }
            XCTAssertEqual(a.map { $0["date"]! }, try expected("monthly_standard.nc"), ind)
            for row in a { XCTAssertEqual(Double(row["value"]!)!, 0, accuracy: 1e-9, ind) }
        }
    }

    /// Annual sums and means of a daily axis: complete years of the file's calendar only
    /// (2001 of 360 days in 360_day, 2004 of 366 days in the standard calendar; the few days
    /// of the next year give no row). Over k = 0..n-1 the box's values 100k + 16.5 sum to
    /// 100 n(n-1)/2 + 16.5 n.
    func testAnnualOfADailyAxis() throws {
        let dir = try folder(["daily_360_year.nc", "daily_leap_year.nc"])
        let m = try manifest(dir, """
          - name: d360
            source: daily_360_year.nc
            stats: [mean]
            derive: {annual: sum}
          - name: leap
            source: daily_leap_year.nc
            stats: [mean]
            derive: {annual: mean}
        """)
        _ = try run(m)
        let d360 = try rows(dir + "/out/d360.csv"), leap = try rows(dir + "/out/leap.csv")
        try checkSeries(d360, "d360", file: "daily_360_year.nc", extra: 0, unit: "mm")
        try checkSeries(leap, "leap", file: "daily_leap_year.nc", extra: 0, unit: "mm")
        func total(_ n: Double) -> Double { 100 * n * (n - 1) / 2 + 16.5 * n }
        let a = d360.filter { $0["indicator"] == "d360_annual" }
        XCTAssertEqual(a.map { $0["date"]! }, ["2001"])
        XCTAssertEqual(Double(a[0]["value"]!)!, total(360), accuracy: 1e-6)
        let b = leap.filter { $0["indicator"] == "leap_annual" }
        XCTAssertEqual(b.map { $0["date"]! }, ["2004"])
        XCTAssertEqual(Double(b[0]["value"]!)!, total(366) / 366, accuracy: 1e-9)
        // The file read as one raster (above) or a band at a time in passes of 100: the same bytes.
        let again = try String(contentsOfFile: m, encoding: .utf8).replacingOccurrences(of: "indicators:", with: "output:\n  dir: cut\nindicators:")
        try again.write(toFile: dir + "/cut.yaml", atomically: true, encoding: .utf8)
        let r = try runGeotool(["batch", dir + "/cut.yaml", "--batch-size", "100", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["d360", "leap"] {
            XCTAssertEqual(try String(contentsOfFile: dir + "/cut/\(name).csv", encoding: .utf8),
                           try String(contentsOfFile: dir + "/out/\(name).csv", encoding: .utf8), name)
        }
    }

    /// A Zarr store, as a folder with `var:` and as a `ZARR:` name, daily in the noleap and
    /// 360-day calendars.
    func testZarrSource() throws {
        let dir = try folder(["daily_noleap.zarr", "daily_360.zarr"])
        let m = try manifest(dir, """
          - name: tmax
            source: daily_noleap.zarr
            var: tmax
            stats: [mean]
          - name: rain
            source: ZARR:"daily_360.zarr":/precip
            stats: [mean]
        """)
        _ = try run(m)
        try checkSeries(try rows(dir + "/out/tmax.csv"), "tmax", file: "daily_noleap.zarr", extra: 0.5, unit: "degC")
        try checkSeries(try rows(dir + "/out/rain.csv"), "rain", file: "daily_360.zarr", extra: 0, unit: "mm")
        // Each store's warning (its CRS assumed from CF coordinates) once, in its own indicator's sidecar only.
        for (name, mine, other) in [("tmax", "daily_noleap.zarr", "daily_360.zarr"), ("rain", "daily_360.zarr", "daily_noleap.zarr")] {
            let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/\(name).csv.datapackage.json"))) as! [String: Any]
            let warnings = side["warnings"] as! [String]
            XCTAssertEqual(warnings.filter { $0.contains(mine) && $0.contains("no CRS") }.count, 1, "\(warnings)")
            XCTAssertFalse(warnings.contains { $0.contains(other) }, "\(warnings)")
        }
    }

    /// Nothing changed: no raster work. Touched: hashed, found equal, nothing. Replaced by
    /// another file (its SHA-256 changes): recomputed, with the new file's dates.
    func testIncrementalOnAFileAndAStore() throws {
        let dir = try folder(["daily_noleap.nc", "daily_360.zarr"])
        let m = try manifest(dir, """
          - name: rain
            source: daily_noleap.nc
            stats: [mean]
          - name: store
            source: daily_360.zarr
            stats: [mean]
        """)
        _ = try run(m)
        let table = try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8)
        XCTAssertTrue(try run(m).stderr.contains("nothing changed: no raster work"))
        let fm = FileManager.default
        let later = Date().addingTimeInterval(5)
        try fm.setAttributes([.modificationDate: later], ofItemAtPath: dir + "/daily_noleap.nc")
        try fm.setAttributes([.modificationDate: later], ofItemAtPath: dir + "/daily_360.zarr/precip/0.0.0")
        XCTAssertTrue(try run(m).stderr.contains("nothing changed: no raster work"))
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/rain.csv", encoding: .utf8), table)
        // Other contents under the same names.
        try fm.removeItem(atPath: dir + "/daily_noleap.nc")
        try fm.copyItem(atPath: Fixtures.path("netcdf/daily_360.nc"), toPath: dir + "/daily_noleap.nc")
        try fm.removeItem(atPath: dir + "/daily_360.zarr")
        try fm.copyItem(atPath: Fixtures.path("netcdf/daily_noleap.zarr"), toPath: dir + "/daily_360.zarr")
        // The store now holds two variables: pick one.
        let m2 = try manifest(dir, """
          - name: rain
            source: daily_noleap.nc
            stats: [mean]
          - name: store
            source: daily_360.zarr
            var: precip
            stats: [mean]
        """)
        let r = try run(m2)
        XCTAssertFalse(r.stderr.contains("nothing changed"), r.stderr)
        try checkSeries(try rows(dir + "/out/rain.csv"), "rain", file: "daily_360.nc", extra: 0, unit: "mm")
        try checkSeries(try rows(dir + "/out/store.csv"), "store", file: "daily_noleap.zarr", extra: 0, unit: "mm")
    }

    /// `--part I/N` then `--merge` on NetCDF and Zarr sources (a file is one part's work)
    /// give the tables of a single run, byte for byte.
    func testPartsThenMergeEqualASingleRun() throws {
        let dir = try folder(["monthly_standard.nc", "daily_noleap.zarr", "daily_360.nc"])
        let indicators = """
          - name: rain
            source: monthly_standard.nc
            var: precip
            stats: [mean, max]
            derive: {annual: sum}
          - name: tmax
            source: daily_noleap.zarr
            var: tmax
            stats: [mean]
          - name: d360
            source: daily_360.nc
            stats: [min]
        """
        let m = try manifest(dir, indicators)
        _ = try run(m)
        let names = ["rain", "tmax", "d360"]
        let single = try names.map { try String(contentsOfFile: dir + "/out/\($0).csv", encoding: .utf8) }
        try FileManager.default.removeItem(atPath: dir + "/out")
        for i in 0..<2 {
            let r = try runGeotool(["batch", m, "--part", "\(i)/2", "--threads", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merged = try runGeotool(["batch", m, "--merge"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(try names.map { try String(contentsOfFile: dir + "/out/\($0).csv", encoding: .utf8) }, single)
        // The min of 100k + 10r + c over the box is 100k + 11.
        let d360 = try rows(dir + "/out/d360.csv")
        XCTAssertEqual(d360.map { $0["date"]! }, try expected("daily_360.nc"))
        for (k, row) in d360.enumerated() { XCTAssertEqual(Double(row["value"]!)!, Double(100 * k + 11), accuracy: 1e-9) }
        XCTAssertTrue(try run(m).stderr.contains("nothing changed: no raster work"))
    }

    /// One-line errors naming the manifest's line: an unknown variable, a store of two
    /// variables without `var:`, and derived series on a file without a time axis.
    func testErrors() throws {
        let dir = try folder(["monthly_standard.nc", "daily_noleap.zarr", "julian.nc"])
        func error(_ indicator: String) throws -> String {
            let r = try runGeotool(["batch", try manifest(dir, indicator)])
            XCTAssertNotEqual(r.status, 0)
            let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
            XCTAssertEqual(lines.count, 1, r.stderr)
            return lines.first.map(String.init) ?? ""
        }
        var e = try error("  - name: rain\n    source: monthly_standard.nc\n    var: precp\n    stats: [mean]")
        XCTAssertTrue(e.contains("m.yaml:7:") && e.contains("no variable 'precp' (did you mean 'precip'?)") && e.contains("precip, tmax"), e)
        e = try error("  - name: rain\n    source: NETCDF:monthly_standard.nc:prcp\n    stats: [mean]")
        XCTAssertTrue(e.contains("m.yaml:6:") && e.contains("no variable 'prcp'"), e)
        e = try error("  - name: rain\n    source: daily_noleap.zarr\n    stats: [mean]")
        XCTAssertTrue(e.contains("holds 2 variables (precip, tmax)") && e.contains("var: precip"), e)
        e = try error("  - name: rain\n    source: julian.nc\n    stats: [mean]")
        XCTAssertTrue(e.contains("m.yaml:6:") && e.contains("julian"), e)
        // (Anomalies of a daily axis, once refused here: BatchDailyAnomalyTests.)
        // A NetCDF file without a time axis (GDAL writes a GeoTIFF's band as variable Band1).
        try writeGeoTIFF(path: dir + "/flat.tif", grid: Grid(left: 95, top: 21, dx: 0.5, dy: 0.5, cols: 5, rows: 4),
                         bands: [[Float](repeating: 1, count: 20)])
        let t = try runProcess("/usr/bin/env", ["gdal_translate", "-q", "-of", "netCDF", dir + "/flat.tif", dir + "/flat.nc"])
        XCTAssertEqual(t.status, 0, t.stderr)
        e = try error("  - name: rain\n    source: flat.nc\n    stats: [mean]\n    derive: {annual: sum}")
        XCTAssertTrue(e.contains("m.yaml:8:") && e.contains("band 1 of flat.nc without a date"), e)
    }
}
