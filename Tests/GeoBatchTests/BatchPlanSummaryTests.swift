import XCTest
import GeoCore
@testable import GeoBatch

/// What `geotool batch` says of a plan and of a run without raster work, as values.
final class BatchPlanSummaryTests: XCTestCase {
    func testIndicatorPlanCountsTheFilesAndBandsToCompute() {
        let items = [BatchPlanItem(indicator: "rain", path: "a.tif", bands: 3, status: .new, reason: ""),
                     BatchPlanItem(indicator: "rain", path: "b.tif", bands: 2, status: .changed, reason: "size"),
                     BatchPlanItem(indicator: "rain", path: "c.tif", bands: 5, status: .unchanged, reason: "")]
        let p = IndicatorPlan(indicator: "rain", items: items)
        XCTAssertEqual(p.toCompute.map(\.path), ["a.tif", "b.tif"])
        XCTAssertEqual(p.bandsToCompute, 5, "3 new + 2 changed; the unchanged file's 5 are not computed")
        XCTAssertEqual(p.unchangedFiles, 1)
        XCTAssertEqual(IndicatorPlan(indicator: "ntl", items: []).bandsToCompute, 0)
    }

    func testTablesRewrittenFromTheCacheLeaveOutAVectorTableComputedAnew() {
        var r = BatchReport()
        r.tablesWritten = ["rain", "vector", "ntl"]
        XCTAssertEqual(r.tablesRewrittenFromCache, ["rain", "vector", "ntl"], "vector.csv from the cache too")
        r.vectorComputed = true
        XCTAssertEqual(r.tablesRewrittenFromCache, ["rain", "ntl"])
    }
}
