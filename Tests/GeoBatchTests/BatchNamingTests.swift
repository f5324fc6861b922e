import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoBatch
import GeoTestSupport

/// Issue 11 for `geotool batch`: `zonal`'s column names, zone warnings once, per-class statistics.
final class BatchNamingTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    func manifest(_ dir: String, source: String, stats: String, format: String = "wide", rollup: Bool = false) -> String {
        let text = """
        zones:
          path: \(townships)
          id: TS_PCODE
          include: [TS]\(rollup ? "\n  rollup: [DT_PCODE, ST_PCODE]" : "")
        output:
          dir: \(dir)/out
          format: \(format)
        indicators:
          - name: rain
            source: \(source)
            stats: \(stats)
            method: exact

        """
        let path = dir + "/indicators.yaml"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func zonalTable(_ raster: String, stats: [Statistic]) throws -> Table {
        var job = ZonalJob(zonesPath: townships, idField: "TS_PCODE", includeFields: ["TS"],
                           rasters: [RasterSpec(name: "rain", path: raster)], stats: stats)
        job.threads = 2
        return try job.run().wideTable()
    }

    func testOneBandFileNamesColumnsAsZonal() throws {
        let dir = Fixtures.tempDir()
        let r = try runGeotool(["batch", manifest(dir, source: rain, stats: "[sum, mean]"), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let batch = try Table.readCSV(path: dir + "/out/rain.csv")
        let zonal = try zonalTable(rain, stats: [.sum, .mean])
        XCTAssertEqual(batch.columns, zonal.columns)
        XCTAssertEqual(batch.columns, ["TS_PCODE", "TS", "rain_sum", "rain_mean"])
    }

    func testRollupWideTableNamesEveryRowAsZonal() throws {
        // Roll-up rows in batch's wide table: `level` then `name`, as zonal writes them.
        let dir = Fixtures.tempDir()
        let r = try runGeotool(["batch", manifest(dir, source: rain, stats: "[mean]", rollup: true), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let batch = try Table.readCSV(path: dir + "/out/rain.csv")
        var job = ZonalJob(zonesPath: townships, idField: "TS_PCODE", includeFields: ["TS"],
                           rasters: [RasterSpec(name: "rain", path: rain)], stats: [.mean])
        job.rollup = ["DT_PCODE", "ST_PCODE"]
        let zonal = try job.run().wideTable()
        XCTAssertEqual(batch.columns, ["TS_PCODE", "level", "name", "TS", "rain_mean"])
        XCTAssertEqual(batch.columns, zonal.columns)
        // As text (the CSV reader reads an empty cell as empty, the table holds "").
        func lead(_ t: Table) -> [[String]] {
            t.rows.map { $0.prefix(4).map { c in if case .text(let s) = c { return s }; return c.doubleValue.map(formatNumber) ?? "" } }
        }
        XCTAssertEqual(lead(batch), lead(zonal))
        XCTAssertTrue(batch.rows.contains { $0[0] == .text("MMR001D001") && $0[1] == .text("district") && $0[2] == .text("Myitkyina") })
    }

    func testZoneWarningsOnStderrOnceAndInSidecarOnce() throws {
        let dir = Fixtures.tempDir()
        let r = try runGeotool(["batch", manifest(dir, source: rain, stats: "[mean]"), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // A file's warnings of one kind in one line (issue 28), that line once.
        let repaired = r.stderr.split(separator: "\n").filter { $0.contains("invalid geometry") }
        XCTAssertEqual(repaired.count, 1, r.stderr)
        XCTAssertTrue(repaired.first?.contains("4 features with invalid geometry") == true && repaired.first?.contains("MMR017016") == true, r.stderr)
        let empty = r.stderr.split(separator: "\n").filter { $0.contains("no geometry") }
        XCTAssertEqual(empty.count, 1, r.stderr)
        XCTAssertTrue(empty.first?.contains("MMR013032") == true, r.stderr)
        XCTAssertTrue(r.stderr.contains("wholly outside"), r.stderr)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/rain.csv.datapackage.json"))) as! [String: Any]
        let warnings = side["warnings"] as! [String]
        XCTAssertEqual(warnings.count, Set(warnings).count, "each warning once: \(warnings)")
        XCTAssertEqual(warnings.filter { $0.contains("MMR017016") && $0.contains("invalid geometry") }.count, 1)
        // A rerun with nothing to do says nothing new.
        let again = try runGeotool(["batch", dir + "/indicators.yaml", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    func testClassStatisticsFollowZonal() throws {
        let dir = Fixtures.tempDir()
        let grid = Grid(left: 92, top: 28.75, dx: 0.5, dy: 0.5, cols: 19, rows: 39)
        var classes = [Float](repeating: -9999, count: 19 * 39)
        for i in classes.indices where i % 7 != 0 {
            let k: Int = (i / 19 + i % 19) % 3
            classes[i] = Float(1 + k)
        }
        let lc = dir + "/landcover.tif"
        try writeGeoTIFF(path: lc, grid: grid, bands: [classes], nodata: -9999)
        let r = try runGeotool(["batch", manifest(dir, source: lc, stats: "[frac, mean]"), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let batch = try Table.readCSV(path: dir + "/out/rain.csv")
        let zonal = try zonalTable(lc, stats: [.frac, .mean])
        XCTAssertEqual(batch.columns, zonal.columns)
        XCTAssertTrue(batch.columns.contains("rain_frac_2"), "\(batch.columns)")
        XCTAssertEqual(batch.rows.count, zonal.rows.count)
        for (a, b) in zip(batch.rows, zonal.rows) {
            for c in a.indices {
                if let x = a[c].doubleValue, let y = b[c].doubleValue { XCTAssertEqual(x, y, accuracy: 1e-12) } else { XCTAssertEqual(a[c], b[c]) }
            }
        }
    }

    /// Issue 28: `empty_sum:` in an indicator, as `zonal --empty-sum`. The 67 townships the
    /// rainfall raster does not reach (and the two without geometry) have count 0: their sum
    /// is empty by default, 0 with `empty_sum: zero`; a wrong value is an error at its line.
    func testEmptySumOfAnIndicator() throws {
        func run(_ emptySum: String?) throws -> (GeotoolRun, String) {
            let dir = Fixtures.tempDir()
            let text = """
            zones:
              path: \(townships)
              id: TS_PCODE
            output:
              dir: \(dir)/out
              format: wide
            indicators:
              - name: rain
                source: \(rain)
                stats: [count, sum]\(emptySum.map { "\n    empty_sum: \($0)" } ?? "")

            """
            try text.write(toFile: dir + "/indicators.yaml", atomically: true, encoding: .utf8)
            return (try runGeotool(["batch", dir + "/indicators.yaml", "--quiet"]), dir + "/out/rain.csv")
        }
        let (a, outA) = try run(nil)
        XCTAssertEqual(a.status, 0, a.stderr)
        let (b, outB) = try run("zero")
        XCTAssertEqual(b.status, 0, b.stderr)
        let ta = try Table.readCSV(path: outA), tb = try Table.readCSV(path: outB)
        let ids = ta.rows.map { $0[0].csv }
        let outside = ids.filter { ta.value($0, "rain_count") == 0 }
        XCTAssertEqual(outside.count, 69, "67 townships off the raster, one null and one empty geometry")
        for id in outside {
            XCTAssertNil(ta.value(id, "rain_sum"), id)
            XCTAssertEqual(tb.value(id, "rain_sum"), 0, id)
        }
        for id in ids where !outside.contains(id) { XCTAssertEqual(ta.value(id, "rain_sum"), tb.value(id, "rain_sum"), id) }
        let (bad, _) = try run("nil")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("indicators.yaml:11") && bad.stderr.contains("empty_sum"), bad.stderr)
    }
}
