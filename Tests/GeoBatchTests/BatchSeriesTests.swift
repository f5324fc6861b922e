import XCTest
@testable import GeoBatch

/// `BatchSeries`' lookups of the cached values by unit, entry and statistic, on a hand-made
/// cache: two files, the first with two bands and keys mean, frac_1, the second with one
/// band and keys mean, frac_1, frac_2 (the table's keys). Each file's values are laid out
/// unit, then band, then its own key.
final class BatchSeriesTests: XCTestCase {
    let nan = Double.nan

    func series() -> BatchSeries {
        let entries: [BatchSeries.Entry] = [.init(source: 0, bandIndex: 0, band: 1, date: "2001-01", path: "a.tif"),
                                            .init(source: 0, bandIndex: 1, band: 2, date: "2001-02", path: "a.tif"),
                                            .init(source: 1, bandIndex: 0, band: 1, date: "2001-03", path: "b.tif")]
        let a: [Double] = [1, 0.4, 2, 0.6,       // unit 0: band 1, band 2
                           3, nan, 4, 0.5]       // unit 1
        let b: [Double] = [5, 0.1, 0.9,          // unit 0
                           6, nan, nan]          // unit 1
        return BatchSeries(entries: entries, values: [a, b], bandCounts: [2, 1], keys: ["mean", "frac_1", "frac_2"], keyStats: [0, 1, 1],
                           sourceKeyCounts: [2, 3], sourceKeyIndex: [[0, 1, nil], [0, 1, 2]])
    }

    /// Each unit's values of a statistic in date order: the file's own value, or for a class
    /// the file does not hold, 0 where the band has a value of another class of the same
    /// statistic and empty where it has none (zonal's rule).
    func testUnitValuesReadEachEntrysValueAndTheAbsentClassRule() {
        let s = series()
        let expected: [[[Double]]] = [
            [[1, 2, 5], [0.4, 0.6, 0.1], [0, 0, 0.9]],   // unit 0: mean, frac_1, frac_2
            [[3, 4, 6], [nan, 0.5, nan], [nan, 0, nan]], // unit 1
        ]
        var out: [Double] = [7, 7, 7, 7]
        for u in 0..<2 {
            for st in 0..<3 {
                s.unitValues(unit: u, stat: st, into: &out)
                XCTAssertEqual(out.count, 3)
                for k in 0..<3 {
                    let want = expected[u][st][k]
                    XCTAssert(want.isNaN ? out[k].isNaN : out[k] == want, "unit \(u) stat \(st) entry \(k): \(out[k]), expected \(want)")
                    let single = s.value(unit: u, entry: k, stat: st)
                    XCTAssert(want.isNaN ? single.isNaN : single == want, "value(unit: \(u), entry: \(k), stat: \(st)): \(single)")
                }
            }
        }
    }
}
