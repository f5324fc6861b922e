import XCTest
import GeoCore

/// Issue 24: the change-over-time algorithms on small series worked out by hand.
final class TimeSeriesTests: XCTestCase {
    func testStandardNormal() {
        XCTAssertEqual(StandardNormal.quantile(0.975), 1.959963984540054, accuracy: 1e-14)
        XCTAssertEqual(StandardNormal.quantile(0.5), 0, accuracy: 1e-15)
        XCTAssertEqual(StandardNormal.quantile(0.001), -3.090232306167813, accuracy: 1e-13)
        XCTAssertEqual(StandardNormal.quantile(1e-10), -6.361340902404056, accuracy: 1e-12)
        // scipy.stats.norm.ppf; the last two in AS 241's far tail (p < e^-25).
        XCTAssertEqual(StandardNormal.quantile(0.9), 1.2815515655446004, accuracy: 1e-15)
        XCTAssertEqual(StandardNormal.quantile(0.3), -0.5244005127080407, accuracy: 1e-15)
        XCTAssertEqual(StandardNormal.quantile(1e-20), -9.262340089798408, accuracy: 1e-13)
        XCTAssertEqual(StandardNormal.quantile(1 - 1e-12), 7.034483825180214, accuracy: 1e-4)
        XCTAssertEqual(StandardNormal.quantile(0), -.infinity)
        XCTAssertTrue(StandardNormal.quantile(1.5).isNaN)
        for p in stride(from: 0.001, to: 1, by: 0.013) {
            XCTAssertEqual(StandardNormal.cdf(StandardNormal.quantile(p)), p, accuracy: 1e-15)
        }
        XCTAssertEqual(StandardNormal.twoSidedP(1.959963984540054), 0.05, accuracy: 1e-15)
    }

    /// P(1, x) = 1 − e^−x; P(1/2, x) = erf(√x); P(3, x) = 1 − e^−x (1 + x + x²/2).
    func testGammaCDFClosedForms() {
        for x in [0.01, 0.5, 1, 2.5, 7, 30] {
            XCTAssertEqual(GammaDistribution.cdf(x, shape: 1, scale: 1), 1 - exp(-x), accuracy: 1e-15)
            XCTAssertEqual(GammaDistribution.cdf(x, shape: 0.5, scale: 1), erf(x.squareRoot()), accuracy: 1e-15)
            XCTAssertEqual(GammaDistribution.cdf(2 * x, shape: 3, scale: 2), 1 - exp(-x) * (1 + x + x * x / 2), accuracy: 1e-14)
        }
        XCTAssertEqual(GammaDistribution.cdf(0, shape: 2, scale: 1), 0)
        XCTAssertTrue(GammaDistribution.cdf(1, shape: .infinity, scale: 0).isNaN)
    }

    /// The CDF of many values at once (SPI's calendar months) against the same closed forms,
    /// across the series' range and past it (the continued fraction: x ≥ a + 1 + 4√a), with
    /// more values than one lane group of 8, and the edge values in between.
    func testGammaCDFOfManyValuesClosedForms() {
        let xs = stride(from: 0.01, through: 60, by: 0.37).map { $0 } + [0, -1, .nan, .infinity]
        var out: [Double] = []
        GammaDistribution.cdf(xs.map { 2 * $0 }, shape: 3, scale: 2, into: &out)
        XCTAssertEqual(out.count, xs.count)
        for (x, p) in zip(xs, out) {
            if x.isNaN { XCTAssertTrue(p.isNaN); continue }
            let want = x <= 0 ? 0 : x == .infinity ? 1 : 1 - exp(-x) * (1 + x + x * x / 2)
            XCTAssertEqual(p, want, accuracy: 1e-14, "P(3, \(x))")
        }
        GammaDistribution.cdf(xs, shape: 0.5, scale: 1, into: &out)
        for (x, p) in zip(xs, out) where x > 0 && x.isFinite { XCTAssertEqual(p, erf(x.squareRoot()), accuracy: 1e-15, "P(1/2, \(x))") }
        GammaDistribution.cdf(xs, shape: 1, scale: 1, into: &out)
        for (x, p) in zip(xs, out) where x > 0 && x.isFinite { XCTAssertEqual(p, 1 - exp(-x), accuracy: 1e-15, "P(1, \(x))") }
        // A large shape (SPI-12's) against the value-by-value CDF, and a shape that is no shape.
        let big = stride(from: 40.0, through: 140, by: 1.3).map { $0 }
        GammaDistribution.cdf(big, shape: 80, scale: 1, into: &out)
        for (x, p) in zip(big, out) { XCTAssertEqual(p, GammaDistribution.cdf(x, shape: 80, scale: 1), accuracy: 1e-14 * max(p, 1e-300) + 1e-300, "P(80, \(x))") }
        GammaDistribution.cdf([1, 2], shape: .nan, scale: 1, into: &out)
        XCTAssertTrue(out.count == 2 && out.allSatisfy(\.isNaN))
    }

    /// S, ties and the gap rule by hand: 1, 2, 2, 4 has S = 5 (one tied pair), Var(S) =
    /// (4·3·13 − 2·1·9)/18 = 138/18.
    func testMannKendallByHand() {
        let mk = MannKendall([1, 2, .nan, 2, 4])
        XCTAssertEqual(mk.n, 4)
        XCTAssertEqual(mk.s, 5)
        XCTAssertEqual(mk.varianceS, 138.0 / 18, accuracy: 1e-15)
        XCTAssertEqual(mk.z, 4 / (138.0 / 18).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(mk.tau, 5.0 / 6, accuracy: 1e-15)
        // Slopes over years (2001, 1), (2002, 2), (2004, 2), (2005, 4): 1, 1/3, 3/4, 0, 2/3, 2;
        // sorted 0, 1/3, 2/3, 3/4, 1, 2: the median is (2/3 + 3/4)/2.
        XCTAssertEqual(TheilSen.slope(x: [2001, 2002, 2003, 2004, 2005], y: [1, 2, .nan, 2, 4]), (2.0 / 3 + 0.75) / 2, accuracy: 1e-15)
        // 3 of 5 years: below 80%, no trend; 4 of 5: one.
        XCTAssertNil(Trend.yearly(years: [2001, 2002, 2003, 2004, 2005], values: [1, .nan, .nan, 2, 4], period: nil, minValidShare: 0.8))
        XCTAssertNotNil(Trend.yearly(years: [2001, 2002, 2003, 2004, 2005], values: [1, 2, .nan, 2, 4], period: nil, minValidShare: 0.8))
        // A period: only its years count, and its years missing from the series are gaps.
        XCTAssertNil(Trend.yearly(years: [2001, 2002, 2003, 2004, 2005], values: [1, 2, 3, 2, 4], period: 2001...2010, minValidShare: 0.8))
        XCTAssertEqual(Trend.yearly(years: [2001, 2002, 2003, 2004, 2005], values: [9, 2, 3, 2, 4], period: 2002...2005, minValidShare: 0.8)?.n, 4)
    }

    /// The median by selection equals the sorted one (numpy's: the mean of the two middle
    /// values of an even count), with ties and any order.
    func testMedianBySelection() {
        var rng = SystemRandomNumberGenerator()
        for n in [1, 2, 3, 4, 5, 10, 11, 100, 101, 1000] {
            for _ in 0..<20 {
                var a = (0..<n).map { _ in Double(Int.random(in: 0..<(n / 2 + 2), using: &rng)) }
                let s = a.sorted()
                let want = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                XCTAssertEqual(sortedMedian(&a), want, "n \(n)")
            }
        }
        // Few distinct values (a dry month's slopes are mostly 0), all equal, and no ties.
        for n in [2, 7, 64, 1001, 10836] {
            for distinct in [1, 2, 3, n] {
                var a = (0..<n).map { _ in Double(Int.random(in: 0..<distinct, using: &rng)) - 1 }
                if distinct == n { a = a.map { $0 + Double.random(in: 0..<1, using: &rng) } }
                let s = a.sorted()
                let want = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                XCTAssertEqual(sortedMedian(&a), want, "n \(n), \(distinct) distinct")
            }
        }
        // Many values (the bracketed median): sorted, reversed, and a sample that misses the
        // median's rank (every value the stride samples is the largest: the selection over all).
        for n in [2048, 2049, 5000, 10836, 10837] {
            let random = (0..<n).map { _ in Double.random(in: -5..<5, using: &rng) }
            var missed = (0..<n).map { Double($0 % 97) }
            for i in 0..<256 { missed[i * n / 256] = 1e9 }
            for var a in [random, random.sorted(), random.sorted().reversed(), missed] {
                let s = a.sorted()
                let want = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                XCTAssertEqual(sortedMedian(&a), want, "n \(n)")
            }
        }
        var empty: [Double] = []
        XCTAssertTrue(sortedMedian(&empty).isNaN)
    }

    /// A calendar month with too few baseline sums gets no SPI (our gap rule).
    func testSPIGapRule() {
        var values = (0..<120).map { Double(($0 * 37) % 101) + 1 }
        for y in 0..<3 { values[y * 12 + 4] = .nan }   // May missing in 3 of 10 baseline years
        let spi = SPI.compute(MonthlySeries(firstYear: 2001, firstMonth: 1, values: values), scale: 1, baseline: 2001...2010, minValidShare: 0.8)
        XCTAssertTrue((0..<10).allSatisfy { spi[$0 * 12 + 4].isNaN }, "May: 7 of 10 years")
        XCTAssertTrue((0..<10).allSatisfy { !spi[$0 * 12 + 5].isNaN }, "June: all 10")
    }

    /// A dry spell from 25 December to 5 January counts 7 days in the first year and 5 in the
    /// second (cut at the year end); a 5-day window ending 2 January belongs to the new year.
    func testSpellsAndWindowsAcrossTheYearEnd() {
        let calendar = CFCalendar.days360
        var dates: [(year: Int, month: Int, day: Int)] = [], values: [Double] = []
        for y in 2001...2002 { for m in 1...12 { for d in 1...30 { dates.append((y, m, d)); values.append(3) } } }
        for (k, d) in dates.enumerated() where (d.year == 2001 && d.month == 12 && d.day >= 24) || (d.year == 2002 && d.month == 1 && d.day <= 5) {
            values[k] = 0   // 360_day: 24-30 December is 7 days
        }
        values[dates.firstIndex { $0 == (2001, 12, 22) }!] = 40
        let years = DailyExtremes.compute(DailySeries(calendar: calendar, dates: dates, values: values), options: .init(countThresholds: [3]))
        XCTAssertEqual(years.map(\.year), [2001, 2002])
        XCTAssertEqual(years[0].longestDrySpell, 7)
        XCTAssertEqual(years[1].longestDrySpell, 5)
        XCTAssertEqual(years[0].longestWetSpell, 355 - 2)   // 1 January - 21 December (22nd is wet too: 40)
        XCTAssertEqual(years[0].maxWindow, 4 * 3 + 40, "18-22 December (or any 5 wet days holding the 40)")
        XCTAssertEqual(years[1].maxWindow, 15, "in the new year, the 40 is out of reach")
        XCTAssertEqual(years[1].daysAtOrAbove, [355])
    }

    /// 360_day dekads: the third of February is 21-30 (10 days); standard: 21-28 or 29.
    func testDekadDays() {
        XCTAssertEqual(Dekads.days(3, year: 2001, month: 2, calendar: .days360), 21...30)
        XCTAssertEqual(Dekads.days(3, year: 2004, month: 2, calendar: .gregorian), 21...29)
        XCTAssertEqual(Dekads.days(3, year: 2004, month: 2, calendar: .noLeap), 21...28)
        XCTAssertEqual(Dekads.days(3, year: 2004, month: 1, calendar: .gregorian), 21...31)
        XCTAssertEqual(Dekads.dekad(ofDay: 11), 2)
    }

    /// Seasons need every month dated; a month without a value empties the season.
    func testSeasonCompleteness() {
        let series = MonthlySeries(dates: [(2000, 11), (2000, 12), (2001, 1), (2001, 2), (2001, 3), (2001, 4), (2001, 11), (2001, 12), (2002, 1)],
                                   values: [1, 2, 3, 4, 5, 6, 7, .nan, 9])
        let dry = SeasonTotals.monthly(series, season: Season(name: "dry", firstMonth: 11, lastMonth: 4), aggregate: .sum)
        XCTAssertEqual(dry.map(\.year), [2000])
        XCTAssertEqual(dry[0].value, 21)
        let cool = SeasonTotals.monthly(series, season: Season(name: "cool", firstMonth: 12, lastMonth: 1), aggregate: .mean)
        XCTAssertEqual(cool.map(\.year), [2000, 2001])
        XCTAssertEqual(cool[0].value, 2.5)
        XCTAssertTrue(cool[1].value.isNaN)
    }

    /// Loss years: class v is 2000 + v; years the zone lacks are 0; first, last, peak
    /// (the earliest of equal peaks).
    func testChangeYears() {
        let c = ChangeYears(classes: [(0, 50), (2, 3), (3, 0), (5, 7), (6, 7), (7, 1)], firstYear: 2001)
        XCTAssertEqual(c.years, [2002, 2003, 2004, 2005, 2006, 2007])
        XCTAssertEqual(c.amounts, [3, 0, 0, 7, 7, 1])
        XCTAssertEqual(c.firstYear, 2002)
        XCTAssertEqual(c.lastYear, 2007)
        XCTAssertEqual(c.peakYear, 2005)
        XCTAssertEqual(c.total, 18)
        let none = ChangeYears(classes: [(0, 50), (1, 0), (2, 0)], firstYear: 2001)
        XCTAssertTrue(none.firstYear.isNaN && none.peakYear.isNaN)
        XCTAssertEqual(none.total, 0)
        let empty = ChangeYears(classes: [(0, .nan), (1, .nan)], firstYear: 2001)
        XCTAssertEqual(empty.years, [2001])
        XCTAssertTrue(empty.amounts[0].isNaN && empty.total.isNaN)
    }
}
