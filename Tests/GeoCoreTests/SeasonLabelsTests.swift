import XCTest
@testable import GeoCore

/// Seasons and dekads build their results as arrays of labelled tuples (an array of
/// unlabelled ones returned as labelled was converted by a dynamic cast per element): the
/// same values as written out by hand.
final class SeasonLabelsTests: XCTestCase {
    func testMonthsOfSeasons() {
        let dry = Season(name: "dry", firstMonth: 11, lastMonth: 2).months
        XCTAssertEqual(dry.map(\.yearOffset), [0, 0, 1, 1])
        XCTAssertEqual(dry.map(\.month), [11, 12, 1, 2])
        let one = Season(name: "june", firstMonth: 6, lastMonth: 6).months
        XCTAssertEqual(one.map(\.yearOffset), [0])
        XCTAssertEqual(one.map(\.month), [6])
    }

    /// Monthly totals by a plain loop over the series: 2000-11 to 2003-03 with values 1, 2,
    /// 3...; 2002-01 without a value, 2001-12 absent. Dry season (Nov-Feb): 2000 complete
    /// (1 + 2 + 3 + 4 = 10), 2001 misses December (no row), 2002 has Nov 2002 to Feb 2003.
    func testMonthlyTotalsByHand() {
        var dates: [(year: Int, month: Int)] = [], values: [Double] = []
        for k in 0..<29 {
            let (y, m) = (2000 + (10 + k) / 12, (10 + k) % 12 + 1)
            if (y, m) == (2001, 12) { continue }
            dates.append((y, m)); values.append((y, m) == (2002, 1) ? .nan : Double(k + 1))
        }
        let series = MonthlySeries(dates: dates, values: values)
        let dry = Season(name: "dry", firstMonth: 11, lastMonth: 2)
        let sums = SeasonTotals.monthly(series, season: dry, aggregate: .sum)
        XCTAssertEqual(sums.map(\.year), [2000, 2002])
        // 2002: Nov 2002 (k 24) + Dec (25) + Jan 2003 (26) + Feb (27), values k + 1.
        XCTAssertEqual(sums.map(\.value), [10, 25 + 26 + 27 + 28])
        let means = SeasonTotals.monthly(series, season: dry, aggregate: .mean)
        XCTAssertEqual(means.map(\.value), [2.5, (25 + 26 + 27 + 28) / 4])
        // June to August: 2001 (k 7, 8, 9 → 8 + 9 + 10) and 2002 (k 19, 20, 21 → 20 + 21 + 22).
        let summer = SeasonTotals.monthly(series, season: Season(name: "jja", firstMonth: 6, lastMonth: 8), aggregate: .sum)
        XCTAssertEqual(summer.map(\.year), [2001, 2002])
        XCTAssertEqual(summer.map(\.value), [27, 63])
        // A season holding the month without a value: NaN (Dec 2001 - Feb 2002 misses Dec, so use Jan-Feb).
        let janFeb = SeasonTotals.monthly(series, season: Season(name: "jf", firstMonth: 1, lastMonth: 2), aggregate: .sum)
        XCTAssertEqual(janFeb.map(\.year), [2001, 2002, 2003])
        XCTAssertEqual(janFeb[0].value, 3 + 4)
        XCTAssertTrue(janFeb[1].value.isNaN)
        XCTAssertEqual(janFeb[2].value, 27 + 28)
    }

    /// Daily season totals and dekads on a 360-day calendar (every month 30 days): day d of
    /// the series has value 1, so a dekad's total is its day count and a season's its days.
    func testDailyTotalsAndDekadsByHand() {
        var dates: [(year: Int, month: Int, day: Int)] = []
        for m in 1...12 { for d in 1...30 { dates.append((2001, m, d)) } }
        let series = DailySeries(calendar: .days360, dates: dates, values: dates.map { _ in 1 })
        let dekads = Dekads.totals(series, aggregate: .sum)
        XCTAssertEqual(dekads.count, 36)
        XCTAssertEqual(dekads.prefix(3).map(\.firstDay), [1, 11, 21])
        XCTAssertEqual(Set(dekads.map(\.value)), [10])
        XCTAssertEqual(dekads.last.map { [$0.year, $0.month] }, [2001, 12])
        let seasons = SeasonTotals.daily(series, season: Season(name: "mam", firstMonth: 3, lastMonth: 5), aggregate: .sum)
        XCTAssertEqual(seasons.map(\.year), [2001])
        XCTAssertEqual(seasons.map(\.value), [90])
    }
}
