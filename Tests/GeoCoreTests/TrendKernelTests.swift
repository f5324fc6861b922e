import XCTest
@testable import GeoCore

/// Issue 24's faster trend kernels against the ones they replace: the same numbers bit for bit.
final class TrendKernelTests: XCTestCase {
    /// S and Var(S) from one pass over the pairs equal `score` and `variance` (the sort of
    /// the ties' correction) on random series with and without ties, and by hand: 1, 2, 3, 4
    /// has S = 6 and no ties, Var(S) = 4·3·13/18; 1, 2, 2, 4 has S = 5, Var(S) = (156 − 18)/18.
    func testScoreAndVarianceEqualsScoreAndSortedVariance() {
        XCTAssertTrue(MannKendall.scoreAndVariance([1, 2, 3, 4]) == (6, 156.0 / 18))
        XCTAssertTrue(MannKendall.scoreAndVariance([1, 2, 2, 4]) == (5, 138.0 / 18))
        XCTAssertTrue(MannKendall.scoreAndVariance([4, 3, 2, 1]) == (-6, 156.0 / 18))
        XCTAssertTrue(MannKendall.scoreAndVariance([]) == (0, 0))
        XCTAssertTrue(MannKendall.scoreAndVariance([7]) == (0, 0))
        var rng = SystemRandomNumberGenerator()
        for round in 0..<400 {
            let n = Int.random(in: 2...80, using: &rng)
            // Odd rounds: few distinct values (ties); even: continuous values (almost surely none).
            let x = (0..<n).map { _ in round % 2 == 1 ? Double(Int.random(in: 0...6, using: &rng)) : Double.random(in: -50...300, using: &rng) }
            let (s, v) = MannKendall.scoreAndVariance(x)
            XCTAssertEqual(s.bitPattern, MannKendall.score(x).bitPattern, "\(x)")
            XCTAssertEqual(v.bitPattern, MannKendall.variance(x).bitPattern, "\(x)")
        }
    }

    /// A yearly trend of years in increasing order (one pass) equals the trend of the same
    /// years shuffled (sorted first), with gaps and years outside the period.
    func testYearlyTrendOfOrderedYearsEqualsShuffled() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let years = Array(1981...2023)
            let values = years.map { _ in Double.random(in: 0...1) < 0.1 ? Double.nan : Double.random(in: 500...2500, using: &rng) }
            let period = 1985...2020
            let ordered = Trend.yearly(years: years, values: values, period: period, minValidShare: 0.5)
            let perm = years.indices.shuffled(using: &rng)
            let shuffled = Trend.yearly(years: perm.map { years[$0] }, values: perm.map { values[$0] }, period: period, minValidShare: 0.5)
            XCTAssertNotNil(ordered)
            XCTAssertEqual(ordered, shuffled)
        }
        // By hand: 2001-2004 valued 1, 3, 2, 6: S = 4, slopes 2, 0.5, 5/3, -1, 1.5, 4: median (1.5 + 5/3)/2.
        let t = Trend.yearly(years: [2001, 2002, 2003, 2004], values: [1, 3, 2, 6], period: nil, minValidShare: 0.5)
        XCTAssertEqual(t?.mannKendall.s, 4)
        XCTAssertEqual(t?.senSlope ?? .nan, (1.5 + 5.0 / 3) / 2, accuracy: 1e-15)
        XCTAssertEqual(t?.mannKendall.varianceS, 156.0 / 18)
    }

    /// The seasonal slopes written into one buffer equal the season-by-season appends (the
    /// same slopes in the same order), also when a season has a gap (the appends, per season),
    /// and by hand: seasons (2001, 1), (2002, 3) and (2001, 5), (2003, 1), (2004, 2) give
    /// 2, then −2, −1, 1.
    func testWithinSeasonSlopesEqualAppends() {
        XCTAssertEqual(SeasonalKendall.withinSeasonSlopes([[1, 3], [5, 1, 2]], times: [[2001, 2002], [2001, 2003, 2004]]), [2, -2, -1, 1])
        var rng = SystemRandomNumberGenerator()
        for round in 0..<100 {
            let seasons = (0..<12).map { _ in (0..<Int.random(in: 0...45, using: &rng)).map { _ in Double.random(in: 0...400, using: &rng) } }
            var times = seasons.map { s in s.indices.map { Double(1981 + $0) } }
            var values = seasons
            // Every fourth round a gap in one season, or years out of order in another: the appends' own paths.
            if round % 4 == 1, let m = values.indices.first(where: { values[$0].count > 2 }) { values[m][1] = .nan }
            if round % 4 == 3, let m = times.indices.first(where: { times[$0].count > 2 }) { times[m].swapAt(0, 2) }
            var want: [Double] = []
            for (x, t) in zip(values, times) { TheilSen.appendSlopes(x: t, y: x, to: &want, presentAndIncreasing: true) }
            let got = SeasonalKendall.withinSeasonSlopes(values, times: times)
            XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern))
        }
    }

    /// The slopes of an empty array (written into a new buffer) equal those appended after
    /// others (zeros appended, then written), and the pairs' slopes by hand.
    func testSlopesIntoEmptyEqualAppended() {
        var slopes: [Double] = []
        TheilSen.appendSlopes(x: [2001, 2002, 2004], y: [1, 3, 9], to: &slopes, presentAndIncreasing: true)
        XCTAssertEqual(slopes, [2, 8.0 / 3, 3])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let n = Int.random(in: 0...60, using: &rng)
            let x = (0..<n).map { Double(1981 + $0) }, y = x.map { _ in Double.random(in: 0...3000, using: &rng) }
            var fresh: [Double] = [], after: [Double] = [42]
            TheilSen.appendSlopes(x: x, y: y, to: &fresh, presentAndIncreasing: true)
            TheilSen.appendSlopes(x: x, y: y, to: &after, presentAndIncreasing: true)
            XCTAssertEqual(fresh.count, n * (n - 1) / 2)
            XCTAssertEqual(([42] + fresh).map(\.bitPattern), after.map(\.bitPattern))
        }
    }
}
