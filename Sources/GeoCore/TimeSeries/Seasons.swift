import Foundation

// Named seasons of calendar months, which may cross the year end (a dry season of
// November to April), and their totals or means per year.
//
// The year rule: a season is labelled with the year of its first month, so the dry season
// of November 2000 to April 2001 is "2000" (as pandas' and xclim's seasonal resampling
// label a period by its start). A season is computed for a year only when the series dates
// every one of its months (days, for a daily series): an incomplete season has no row, and
// a season with a month (day) without a value is empty.

public struct Season: Sendable, Equatable {
    public var name: String
    public var firstMonth: Int
    public var lastMonth: Int

    public init(name: String, firstMonth: Int, lastMonth: Int) {
        self.name = name; self.firstMonth = firstMonth; self.lastMonth = lastMonth
    }

    public var crossesYearEnd: Bool { lastMonth < firstMonth }

    /// Its months in order, as offsets of year from the label year (0, or 1 after the year end).
    public var months: [(yearOffset: Int, month: Int)] {
        // Built with the labels of the result: an array of unlabelled tuples returned as
        // labelled ones is converted by `_arrayForceCast`, a dynamic cast per element.
        var out: [(yearOffset: Int, month: Int)] = []
        var m = firstMonth, off = 0
        while true {
            out.append((off, m))
            if m == lastMonth { break }
            if m == 12 { m = 1; off = 1 } else { m += 1 }
        }
        return out
    }

    /// "June to October", "November to April (the year is November's)".
    public var definition: String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let span = firstMonth == lastMonth ? names[firstMonth - 1] : "\(names[firstMonth - 1]) to \(names[lastMonth - 1])"
        return span + (crossesYearEnd ? " (across the year end; labelled with \(names[firstMonth - 1])'s year)" : "")
    }
}

public enum Aggregate: String, Sendable { case sum, mean }

public enum SeasonTotals {
    /// Per label year whose season the monthly series dates entirely: the sum (or mean) of
    /// its months (NaN if one has no value).
    public static func monthly(_ series: MonthlySeries, season: Season, aggregate: Aggregate) -> [(year: Int, value: Double)] {
        guard series.count > 0 else { return [] }
        let firstYear = series.firstYear - 1, lastYear = series.yearMonth(series.count - 1).year
        // Labelled as the result (unlabelled tuples were converted by a dynamic cast per year).
        var out: [(year: Int, value: Double)] = []
        out.reserveCapacity(lastYear - firstYear + 1)
        let months = season.months
        // Summed in place in the months' order from 0 (`combine`'s sum; no arrays per year:
        // this runs per zone, statistic and season).
        for y in firstYear...lastYear {
            var sum = 0.0, complete = true
            for m in months {
                guard let i = series.index(year: y + m.yearOffset, month: m.month), series.dated[i] else { complete = false; break }
                sum += series.values[i]
            }
            guard complete else { continue }
            out.append((y, aggregate == .sum ? sum : sum / Double(months.count)))
        }
        return out
    }

    /// Per label year whose season the daily series dates entirely (every day of its months
    /// in the series' calendar): the sum (or mean) of its days.
    public static func daily(_ series: DailySeries, season: Season, aggregate: Aggregate) -> [(year: Int, value: Double)] {
        guard series.count > 0 else { return [] }
        let firstYear = series.date(0).year - 1, lastYear = series.date(series.count - 1).year
        var out: [(year: Int, value: Double)] = []   // labelled as the result: no cast per element
        for y in firstYear...lastYear {
            let m0 = season.months.first!, m1 = season.months.last!
            let endYear = y + m1.yearOffset + (m1.month == 12 ? 1 : 0), endMonth = m1.month == 12 ? 1 : m1.month + 1
            guard let r = series.datedRange(from: (y + m0.yearOffset, m0.month, 1), toBefore: (endYear, endMonth, 1)) else { continue }
            out.append((y, combine(Array(series.values[r]), aggregate)))
        }
        return out
    }

    static func combine(_ xs: [Double], _ aggregate: Aggregate) -> Double {
        let s = xs.reduce(0, +)
        return aggregate == .sum ? s : s / Double(xs.count)
    }
}
