import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Derived indicators in the table model and the library: a formula column is a plain value
/// column whatever its name ends with, and a formula is evaluated on each row's own values.
final class FormulaTableTests: XCTestCase {
    /// A wide table whose formula column is named like a statistic (`ntl_mean`): with the
    /// sidecar's `formula` key it is its own indicator, not ntl's mean hidden where ntl's
    /// count is 0.
    func testFormulaColumnNamedLikeAStatisticIsAPlainColumn() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/t.csv"
        try "id,ntl_count,pop_sum,ntl_mean\nA,0,10,2.5\nB,4,20,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let side: [String: Any] = ["resources": [["schema": ["fields": [
            ["name": "id", "type": "string"], ["name": "ntl_count", "type": "number"], ["name": "pop_sum", "type": "number"],
            ["name": "ntl_mean", "type": "number", "formula": "pop_sum / 4", "unit": "people/km2"],
        ]]]]]
        try JSONSerialization.data(withJSONObject: side).write(to: URL(fileURLWithPath: csv + ".datapackage.json"))
        let t = try IndicatorTable.read(csv)
        let s = try t.selectSeries(column: "ntl_mean")
        XCTAssertNil(t.series[s].stat)
        XCTAssertEqual(t.series[s].indicator, "ntl_mean")
        XCTAssertEqual(t.series[s].unit, "people/km2")
        XCTAssertEqual(t.value(s, 0), 2.5, "A's value is the formula's, not hidden by ntl_count = 0")
    }

    /// On the MIMU townships with district and state roll-ups: `rain_max - rain_min` equals
    /// the engine's own `range` statistic on every row, roll-up rows included.
    func testFormulaEqualsTheEquivalentStatisticOnEveryRow() throws {
        var job = ZonalJob(zonesPath: Fixtures.path("mimu/townships.json"), idField: "TS_PCODE",
                           rasters: [RasterSpec(name: "rain", path: Fixtures.path("mimu/rainfall_dekad.tif"))],
                           stats: [.min, .max, .range])
        job.rollup = ["DT_PCODE", "ST_PCODE"]
        job.formulas = [try NamedFormula(parsing: "spread = rain_max - rain_min [mm]")]
        let t = try job.run().wideTable()
        let spread = t.columns.firstIndex(of: "spread")!, range = t.columns.firstIndex(of: "rain_range")!
        XCTAssertEqual(spread, t.columns.count - 1)
        var compared = 0
        for row in t.rows {
            XCTAssertEqual(row[spread].doubleValue == nil, row[range].doubleValue == nil)
            if let a = row[spread].doubleValue, let b = row[range].doubleValue { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b))); compared += 1 }
        }
        XCTAssertGreaterThan(compared, 300)
    }

    /// A formula may use an earlier one; a result given a formula that names no column (set
    /// by a library user, past the job's check) keeps every row's cells, that column empty.
    func testChainedFormulasAndAnUncheckedOneKeepTheLayout() throws {
        var job = ZonalJob(zonesPath: Fixtures.path("mimu/townships.json"), idField: "TS_PCODE",
                           rasters: [RasterSpec(name: "rain", path: Fixtures.path("mimu/rainfall_dekad.tif"))],
                           stats: [.mean, .max])
        job.formulas = [try NamedFormula(parsing: "gap = rain_max - rain_mean"), try NamedFormula(parsing: "gap2 = 2 * gap")]
        var result = try job.run()
        var t = result.wideTable()
        let mean = t.columns.firstIndex(of: "rain_mean")!, max = t.columns.firstIndex(of: "rain_max")!, gap2 = t.columns.firstIndex(of: "gap2")!
        var compared = 0
        for row in t.rows {
            guard let a = row[max].doubleValue, let b = row[mean].doubleValue else { XCTAssertEqual(row[gap2], .empty); continue }
            XCTAssertEqual(row[gap2].doubleValue!, 2 * (a - b), accuracy: 1e-9 * Swift.max(1, abs(a))); compared += 1
        }
        XCTAssertGreaterThan(compared, 200)
        job.formulas.append(try NamedFormula(parsing: "bad = nosuch * 2"))
        XCTAssertThrowsError(try job.run(), "the job checks the names before its engine runs")
        result.formulas.append(try NamedFormula(parsing: "bad = nosuch * 2"))
        t = result.wideTable()
        XCTAssertEqual(t.columns.last, "bad")
        XCTAssertTrue(t.rows.allSatisfy { $0.count == t.columns.count && $0.last == .empty })
    }
}
