import Foundation

// A trend over a period: the Theil-Sen slope with the Mann-Kendall test and the
// least-squares slope of yearly values, or the seasonal Kendall test and the seasonal Sen
// slope of monthly ones (slopes per year in both).
//
// The gap rule: a trend is computed only when at least `minValidShare` of the period's
// values (years; months for the seasonal test) are present and at least 3 are; otherwise
// there is none (empty), never a slope through a few points.

public struct Trend: Sendable, Equatable {
    /// Values used.
    public var n: Int
    /// Per year.
    public var senSlope: Double
    /// Per year; NaN for the seasonal test (not defined there).
    public var olsSlope: Double
    public var mannKendall: MannKendall

    /// The trend of yearly values over `period` (the years of `years` when nil).
    public static func yearly(years: [Int], values: [Double], period: ClosedRange<Int>?, minValidShare: Double) -> Trend? {
        guard let period = period ?? years.min().map({ $0...years.max()! }) else { return nil }
        let (x, y) = presentInPeriod(years: years, values: values, period: period)
        guard x.count >= 3, Double(x.count) >= minValidShare * Double(period.count) else { return nil }
        guard TheilSen.isPresentAndIncreasing(x: x, y: y) else {
            return Trend(n: x.count, senSlope: TheilSen.slope(x: x, y: y), olsSlope: LeastSquares.slope(x: x, y: y),
                         mannKendall: MannKendall(y))
        }
        // The years in order without a gap (always, from `presentInPeriod`): S's signs counted
        // in the Sen slope's pass over the pairs (`TheilSen.slope` and `MannKendall(y)` alike).
        var signs: [TheilSen.SignCounts] = []
        let sen = TheilSen.medianOfSlopesOfIncreasing(x: [x], y: [y], signs: &signs, countSigns: true)
        return Trend(n: x.count, senSlope: sen, olsSlope: LeastSquares.slope(x: x, y: y),
                     mannKendall: MannKendall(present: y, signs: signs[0]))
    }

    /// The years of `period` with a value, in order, and their values. Years in increasing
    /// order (every series the batch gives) are taken in one pass; others are sorted by year
    /// first, as before.
    static func presentInPeriod(years: [Int], values: [Double], period: ClosedRange<Int>) -> (x: [Double], y: [Double]) {
        var x: [Double] = [], y: [Double] = []
        x.reserveCapacity(years.count); y.reserveCapacity(years.count)
        if zip(years, years.dropFirst()).allSatisfy({ $0 < $1 }) {
            for (year, v) in zip(years, values) where period.contains(year) && !v.isNaN { x.append(Double(year)); y.append(v) }
            return (x, y)
        }
        let pts = zip(years, values).filter { period.contains($0.0) }.sorted { $0.0 < $1.0 }
        for (year, v) in pts where !v.isNaN { x.append(Double(year)); y.append(v) }
        return (x, y)
    }

    /// The seasonal trend of a monthly series over `period` (its years when nil): the
    /// calendar months are the seasons.
    public static func seasonal(_ series: MonthlySeries, period: ClosedRange<Int>?, minValidShare: Double) -> Trend? {
        guard series.count > 0 else { return nil }
        let period = period ?? series.firstYear...series.yearMonth(series.count - 1).year
        // Per calendar month, its present values and their years in time order.
        let (values, times) = presentByCalendarMonth(series, period: period)
        let valid = values.reduce(0) { $0 + $1.count }
        guard valid >= 3, Double(valid) >= minValidShare * Double(12 * period.count) else { return nil }
        let sk = SeasonalKendall(presentValues: values, times: times)
        return Trend(n: valid, senSlope: sk.slope, olsSlope: .nan, mannKendall: sk.test)
    }
}

extension Trend {
    /// Per calendar month (January first), the series' values in `period` that are present,
    /// in time order, and their years. Each month's steps are read 12 apart into an array
    /// made at its size (appending to 24 arrays by turns, the month of each step computed,
    /// cost a fifth of a seasonal trend).
    static func presentByCalendarMonth(_ series: MonthlySeries, period: ClosedRange<Int>) -> (values: [[Double]], times: [[Double]]) {
        var values: [[Double]] = [], times: [[Double]] = []
        values.reserveCapacity(12); times.reserveCapacity(12)
        guard series.firstYear >= 0, (1...12).contains(series.firstMonth) else {
            // Outside the steps' usual numbering (`yearMonth` of a negative step count): step by step.
            values = [[Double]](repeating: [], count: 12); times = [[Double]](repeating: [], count: 12)
            for i in series.values.indices {
                let (y, m) = series.yearMonth(i)
                guard period.contains(y), !series.values[i].isNaN else { continue }
                values[m - 1].append(series.values[i]); times[m - 1].append(Double(y))
            }
            return (values, times)
        }
        series.values.withUnsafeBufferPointer { v in
            for month in 1...12 {
                // The first step of this month, and its year.
                let first = (month - series.firstMonth + 12) % 12
                let steps = first < v.count ? (v.count - first + 11) / 12 : 0
                var year = series.firstYear + (series.firstMonth - 1 + first) / 12
                var x = [Double](repeating: 0, count: steps), t = [Double](repeating: 0, count: steps)
                var n = 0, i = first
                while i < v.count {
                    if period.contains(year) && !v[i].isNaN { x[n] = v[i]; t[n] = Double(year); n += 1 }
                    i += 12; year += 1
                }
                x.removeLast(steps - n); t.removeLast(steps - n)
                values.append(x); times.append(t)
            }
        }
        return (values, times)
    }
}
