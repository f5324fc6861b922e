import XCTest
@testable import GeoCore

/// Issue 24's faster trend kernels against the ones they replace: the same numbers bit for bit.
final class TrendKernelTests: XCTestCase {
    /// `count` values of one kind: 0 continuous rain, 1 mostly dry months, 2 many ties,
    /// 3 huge values (slopes that overflow), 4 all equal.
    static func values(count: Int, kind: Int, using rng: inout SystemRandomNumberGenerator) -> [Double] {
        (0..<count).map { _ in
            switch kind {
            case 0: return Double.random(in: 0...3000, using: &rng)
            case 1: return Double.random(in: 0...1, using: &rng) < 0.7 ? 0 : Double.random(in: 0...50, using: &rng)
            case 2: return Double(Int.random(in: 0...3, using: &rng))
            case 3: return Double.random(in: 0...1, using: &rng) < 0.2 ? 1e308 : Double.random(in: -1e308...0, using: &rng)
            default: return 7
            }
        }
    }

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

    /// The pairwise slopes' median computed without storing the slopes (from 512 of them on)
    /// equals the median of all of them sorted (numpy's rule, the mean of the two middle ones
    /// of an even count), bit for bit: one series (a yearly trend's 43 years, 903 slopes; 30
    /// years, 435, the stored path), 12 seasons (a seasonal trend's ~11,000), with ties (dry
    /// months' zeros, few distinct values) and with equal values throughout; through
    /// `TheilSen.slope` and the seasonal Kendall entry too.
    func testMedianOfSlopesWithoutStoringEqualsSortedMedian() {
        func sortedMedianOfAll(_ x: [[Double]], _ y: [[Double]]) -> Double {
            var all: [Double] = []
            for (xs, ys) in zip(x, y) {
                for i in xs.indices { for j in xs.indices where j > i { all.append((ys[j] - ys[i]) / (xs[j] - xs[i])) } }
            }
            all.sort()
            let n = all.count
            return n % 2 == 1 ? all[n / 2] : (all[n / 2 - 1] + all[n / 2]) / 2
        }
        var rng = SystemRandomNumberGenerator()
        for round in 0..<240 {
            let seasons = round % 2 == 0 ? 1 : 12
            let years = [30, 32, 33, 43, 44][round % 5]
            let x = (0..<seasons).map { _ in (0..<years).map { Double(1981 + $0) } }
            let y = x.map { Self.values(count: $0.count, kind: [0, 1, 2, 4][round % 4], using: &rng) }
            let want = sortedMedianOfAll(x, y)
            XCTAssertEqual(TheilSen.medianOfSlopesOfIncreasing(x: x, y: y).bitPattern, want.bitPattern, "round \(round)")
            if seasons == 1 {
                XCTAssertEqual(TheilSen.slope(x: x[0], y: y[0]).bitPattern, want.bitPattern, "round \(round)")
            } else {
                XCTAssertEqual(SeasonalKendall(presentValues: y, times: x).slope.bitPattern, want.bitPattern, "round \(round)")
            }
        }
        // By hand: 1, 3, 2, 6 at 2001-2004 (slopes 2, 0.5, 5/3, −1, 1.5, 4).
        XCTAssertEqual(TheilSen.medianOfSlopesOfIncreasing(x: [[2001, 2002, 2003, 2004]], y: [[1, 3, 2, 6]]), (1.5 + 5.0 / 3) / 2)
    }

    /// The same median when values are too large for the one-sided count (differences that
    /// overflow to infinities: those slopes are counted on both sides, as before): 12
    /// seasons of 43 years whose values are near ±1e308 or ordinary, against the sorted median.
    func testMedianOfSlopesOfHugeValuesEqualsSortedMedian() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            let x = (0..<12).map { _ in (0..<43).map { Double(1981 + $0) } }
            let y: [[Double]] = x.map { xs in
                xs.map { _ in
                    let r = Double.random(in: 0...1, using: &rng)
                    return r < 0.1 ? 1e308 : r < 0.2 ? -1e308 : r < 0.25 ? 0x1p1000 : Double.random(in: 0...100, using: &rng)
                }
            }
            var all: [Double] = []
            for (xs, ys) in zip(x, y) {
                for i in xs.indices { for j in xs.indices where j > i { all.append((ys[j] - ys[i]) / (xs[j] - xs[i])) } }
            }
            all.sort()
            let n = all.count, want = (all[n / 2 - 1] + all[n / 2]) / 2
            XCTAssertEqual(TheilSen.medianOfSlopesOfIncreasing(x: x, y: y).bitPattern, want.bitPattern, "round \(round)")
        }
    }

    /// The present values of each calendar month, read month by month 12 steps apart, equal
    /// those found step by step (the loop it replaced, written out here): series starting in
    /// any month, with absent and empty months, over periods inside, across and outside them.
    func testPresentByCalendarMonthEqualsStepByStep() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let count = Int.random(in: 0...60, using: &rng)
            let values = (0..<count).map { _ in Double.random(in: 0...1, using: &rng) < 0.2 ? .nan : Double.random(in: 0...90, using: &rng) }
            let s = MonthlySeries(firstYear: Int.random(in: 1990...1995, using: &rng), firstMonth: Int.random(in: 1...12, using: &rng), values: values)
            let a = Int.random(in: 1985...2000, using: &rng), period = a...(a + Int.random(in: 0...6, using: &rng))
            var wantValues = [[Double]](repeating: [], count: 12), wantTimes = [[Double]](repeating: [], count: 12)
            for i in s.values.indices {
                let (y, m) = s.yearMonth(i)
                guard period.contains(y), !s.values[i].isNaN else { continue }
                wantValues[m - 1].append(s.values[i]); wantTimes[m - 1].append(Double(y))
            }
            let got = Trend.presentByCalendarMonth(s, period: period)
            XCTAssertEqual(got.values, wantValues)
            XCTAssertEqual(got.times, wantTimes)
        }
        // By hand: November 2000 to February 2001, then a gap, then January 2002.
        let s = MonthlySeries(dates: [(2000, 11), (2000, 12), (2001, 1), (2001, 2), (2002, 1)], values: [1, 2, 3, .nan, 5])
        let got = Trend.presentByCalendarMonth(s, period: 2000...2002)
        XCTAssertEqual(got.values[0], [3, 5]); XCTAssertEqual(got.times[0], [2001, 2002])
        XCTAssertEqual(got.values[1], []); XCTAssertEqual(got.values[10], [1]); XCTAssertEqual(got.times[11], [2000])
        XCTAssertEqual(got.values.map(\.count), [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    }

    /// A selection from a position on (the values before it ≤ the rest, as a previous
    /// selection leaves them) gives the sorted array's value there.
    func testSelectionFromAPreviousOne() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 2...300, using: &rng)
            var a = (0..<n).map { _ in Double(Int.random(in: 0...40, using: &rng)) }
            let sorted = a.sorted()
            let k1 = Int.random(in: 0..<(n - 1), using: &rng), k2 = Int.random(in: (k1 + 1)..<n, using: &rng)
            XCTAssertEqual(select(&a, k1), sorted[k1])
            XCTAssertEqual(select(&a, k2, from: k1 + 1), sorted[k2])
        }
    }

    /// The selection gives the sorted array's value at every position, on distinct values
    /// (the pivot alone equal to itself: no pass gathering equals), on values with ties, and
    /// on equal values throughout; NaN when a pivot is NaN, as before.
    func testSelectionAtEveryPositionEqualsSorted() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<60 {
            let n = Int.random(in: 1...200, using: &rng)
            let a = (0..<n).map { _ in
                switch round % 3 {
                case 0: return Double.random(in: -5...5, using: &rng)
                case 1: return Double(Int.random(in: 0...4, using: &rng))
                default: return 2.5
                }
            }
            let sorted = a.sorted()
            for k in 0..<n {
                var b = a
                XCTAssertEqual(select(&b, k), sorted[k], "round \(round), k \(k)")
                XCTAssertEqual(b.sorted(), sorted)
                XCTAssertTrue(b[..<k].allSatisfy { $0 <= sorted[k] } && b[k...].allSatisfy { $0 >= sorted[k] }, "round \(round), k \(k)")
            }
        }
        var nan: [Double] = [.nan, .nan, .nan]
        XCTAssertTrue(select(&nan, 1).isNaN)
    }

    /// The series of 8 values with its convergence tested in the slowest lane alone (then in
    /// all 8) gives the sums of testing all 8 every second term (the loop it replaced, written
    /// out here) bit for bit, whichever lane is named (a wrong one only costs time); and for
    /// a = 1 the sum Σ x^n / (n + 1)! is (e^x − 1)/x.
    func testGammaSeriesTestedInTheSlowestLaneEqualsAllLanes() {
        func allLanes(_ a: Double, _ x: SIMD8<Double>) -> SIMD8<Double> {
            var ap = a
            var term = SIMD8<Double>(repeating: 1 / a), sum = term
            for _ in 0..<5_000 {
                ap += 1
                term *= x * (1 / ap)
                sum += term
                ap += 1
                term *= x * (1 / ap)
                sum += term
                if all(term .< sum * 1e-16) { break }
            }
            return sum
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let a = [Double.random(in: 0.3...3, using: &rng), Double.random(in: 3...40, using: &rng), Double.random(in: 40...200, using: &rng)].randomElement(using: &rng)!
            let lanes = Int.random(in: 1...8, using: &rng)
            var x = SIMD8<Double>(repeating: 0)
            for l in 0..<lanes { x[l] = Double.random(in: 0.001...(a + 1 + 4 * a.squareRoot()), using: &rng) }
            let slowest = (0..<8).max { x[$0] < x[$1] }!
            let want = allLanes(a, x)
            for hint in [slowest] + Array(0..<8) {
                let got = GammaDistribution.lowerGammaSeries8(a, x, slowestLane: hint)
                for l in 0..<8 { XCTAssertEqual(got[l].bitPattern, want[l].bitPattern, "a \(a), x \(x), lane \(l), hint \(hint)") }
            }
        }
        let x = SIMD8<Double>(0.1, 0.5, 1, 2, 3, 4.5, 6, 8)
        let sum = GammaDistribution.lowerGammaSeries8(1, x, slowestLane: 7)
        for l in 0..<8 { XCTAssertEqual(sum[l], (exp(x[l]) - 1) / x[l], accuracy: 1e-14 * sum[l]) }
    }

    /// The z-scores' slots found through an array (keys 0-9999, MM * 100 + DD) equal those of
    /// the dictionary (any other key): the same z-scores bit for bit for keys shifted out of
    /// that range; slots numbered in order of first appearance.
    func testZScoreSlotsByArrayEqualDictionary() {
        XCTAssertTrue(StandardizedAnomaly.slotsOf([300, 100, 300, 1231, 100]) == ([0, 1, 0, 2, 1], 3))
        XCTAssertTrue(StandardizedAnomaly.slotsOf([-5, 20_000, -5]) == ([0, 1, 0], 2))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let years = (0..<516).map { 1981 + $0 / 12 }, months = (0..<516).map { ($0 % 12 + 1) * 100 }
            let values = years.map { _ in Double.random(in: 0...1, using: &rng) < 0.05 ? .nan : Double.random(in: 0...900, using: &rng) }
            let byArray = StandardizedAnomaly.compute(values: values, keys: months, years: years, baseline: 1991...2020, minValidShare: 0.8)
            let byDictionary = StandardizedAnomaly.compute(values: values, keys: months.map { $0 + 50_000 }, years: years, baseline: 1991...2020, minValidShare: 0.8)
            XCTAssertEqual(byArray.map(\.bitPattern), byDictionary.map(\.bitPattern))
        }
    }

    /// Mann-Kendall's signs counted in the Sen slope's pass over the pairs equal those of a
    /// pass of their own (`MannKendall.signCounts`), and the median is the same: one and 12
    /// series of 30 to 44 years (435 to 946 pairs each: both sides of the 512 pairs from which
    /// the bracketed pass runs), continuous values, many ties, all equal, and huge values
    /// (whose slopes overflow: the two-sided count). By hand: 1, 3, 2, 6 has 5 increasing pairs
    /// and 1 decreasing (S = 4).
    func testSignsCountedWithTheSlopesEqualTheirOwnPass() {
        var signs: [TheilSen.SignCounts] = []
        _ = TheilSen.medianOfSlopesOfIncreasing(x: [[2001, 2002, 2003, 2004]], y: [[1, 3, 2, 6]], signs: &signs, countSigns: true)
        XCTAssertEqual(signs, [TheilSen.SignCounts(up: 5, down: 1)])
        var rng = SystemRandomNumberGenerator()
        for round in 0..<250 {
            let seasons = round % 2 == 0 ? 1 : 12
            let years = [30, 32, 33, 43, 44][round % 5]
            let x = (0..<seasons).map { _ in (0..<years).map { Double(1981 + $0) } }
            let y = x.map { Self.values(count: $0.count, kind: round % 5, using: &rng) }
            let median = TheilSen.medianOfSlopesOfIncreasing(x: x, y: y, signs: &signs, countSigns: true)
            XCTAssertEqual(median.bitPattern, TheilSen.medianOfSlopesOfIncreasing(x: x, y: y).bitPattern, "round \(round)")
            XCTAssertEqual(signs, y.map(MannKendall.signCounts), "round \(round)")
        }
    }

    /// The trend tests with the signs counted in the slopes' pass equal the tests computed
    /// on their own, as before (`MannKendall(values)`; per season `scoreAndVariance`, summed):
    /// yearly and seasonal, with ties, with gaps in the years, and with one season's years out
    /// of order (the path without the bracketed pass).
    func testTrendTestsEqualTheTestsOnTheirOwn() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<120 {
            let ties = round % 3 == 1
            func value() -> Double { ties ? Double(Int.random(in: 0...4, using: &rng)) : Double.random(in: 0...900, using: &rng) }
            let years = Array(1981...2023)
            let values = years.map { _ in round % 3 == 2 && Double.random(in: 0...1, using: &rng) < 0.1 ? Double.nan : value() }
            let t = Trend.yearly(years: years, values: values, period: nil, minValidShare: 0.5)
            XCTAssertEqual(t?.mannKendall, MannKendall(values), "round \(round)")
            XCTAssertEqual(t?.senSlope.bitPattern, TheilSen.slope(x: years.map(Double.init), y: values).bitPattern, "round \(round)")

            let seasons = (0..<12).map { _ in years.map { _ in value() } }
            var times = seasons.map { $0.indices.map { Double(1981 + $0) } }
            if round % 3 == 2 { times[4].swapAt(0, 2) }
            let sk = SeasonalKendall(presentValues: seasons, times: times)
            var s = 0.0, variance = 0.0, pairs = 0.0, n = 0
            for x in seasons {
                let (score, v) = MannKendall.scoreAndVariance(x)
                s += score; variance += v; pairs += Double(x.count * (x.count - 1)) / 2; n += x.count
            }
            XCTAssertEqual(sk.test, MannKendall(s: s, varianceS: variance, pairs: pairs, n: n), "round \(round)")
        }
    }
}
