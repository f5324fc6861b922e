import Foundation

// Dekads: three per month, days 1-10, 11-20 and 21 to the month's end (8 to 11 days,
// by the calendar: 28 February 21-28, 360_day 21-30), as CHIRPS and WFP publish them.
// A dekad is dated by its first day (YYYY-MM-01, -11, -21). A dekad is computed only when
// the series dates each of its days; one with a day without a value is empty.

public enum Dekads {
    /// The dekad (1, 2 or 3) of a day of the month.
    public static func dekad(ofDay d: Int) -> Int { d <= 10 ? 1 : d <= 20 ? 2 : 3 }

    /// First and last day of dekad `k` (1-3) of a month.
    public static func days(_ k: Int, year: Int, month: Int, calendar: CFCalendar) -> ClosedRange<Int> {
        k == 1 ? 1...10 : k == 2 ? 11...20 : 21...calendar.daysInMonth(year, month)
    }

    /// Totals (or means) of every dekad the series dates entirely, in date order.
    public static func totals(_ series: DailySeries, aggregate: Aggregate) -> [(year: Int, month: Int, firstDay: Int, value: Double)] {
        guard series.count > 0 else { return [] }
        let first = series.date(0), last = series.date(series.count - 1)
        var out: [(year: Int, month: Int, firstDay: Int, value: Double)] = []   // labelled as the result: no cast per element
        var (y, m) = (first.year, first.month)
        while (y, m) <= (last.year, last.month) {
            for k in 1...3 {
                let d = days(k, year: y, month: m, calendar: series.calendar)
                guard let a = series.index(year: y, month: m, day: d.lowerBound), let b = series.index(year: y, month: m, day: d.upperBound),
                      series.dated[a...b].allSatisfy({ $0 }) else { continue }
                out.append((y, m, d.lowerBound, SeasonTotals.combine(Array(series.values[a...b]), aggregate)))
            }
            (y, m) = m == 12 ? (y + 1, 1) : (y, m + 1)
        }
        return out
    }
}
