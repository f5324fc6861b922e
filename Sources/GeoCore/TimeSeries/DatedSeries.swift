import Foundation

// Series on a regular calendar: one value per month, or per day of a CF calendar, from the
// first date to the last, with the steps the input does not date marked as absent (their
// value NaN). Derived series tell "a step absent" (no row for a season it would complete)
// from "a step without a value" (the row is there, empty).

/// Consecutive months from (firstYear, firstMonth).
public struct MonthlySeries: Sendable {
    public var firstYear: Int
    public var firstMonth: Int
    public var values: [Double]
    /// Whether each month is a date of the input (else its value is NaN).
    public var dated: [Bool]

    public init(firstYear: Int, firstMonth: Int, values: [Double]) {
        self.firstYear = firstYear; self.firstMonth = firstMonth
        self.values = values
        dated = [Bool](repeating: true, count: values.count)
    }

    /// From dated values, in any order (each month once); months between them are absent.
    public init(dates: [(year: Int, month: Int)], values: [Double]) {
        let keys = dates.map { $0.year * 12 + $0.month - 1 }
        let first = keys.min() ?? 0, last = keys.max() ?? -1
        firstYear = first / 12; firstMonth = first % 12 + 1
        self.values = [Double](repeating: .nan, count: max(0, last - first + 1))
        dated = [Bool](repeating: false, count: self.values.count)
        for (k, key) in keys.enumerated() { self.values[key - first] = values[k]; dated[key - first] = true }
    }

    public var count: Int { values.count }

    /// The year and month of step `i`.
    public func yearMonth(_ i: Int) -> (year: Int, month: Int) {
        let k = firstYear * 12 + firstMonth - 1 + i
        return (k / 12, k % 12 + 1)
    }

    /// The step of a year and month, if inside the series.
    public func index(year: Int, month: Int) -> Int? {
        let i = year * 12 + month - 1 - (firstYear * 12 + firstMonth - 1)
        return i >= 0 && i < values.count ? i : nil
    }
}

/// Consecutive days of a CF calendar from `firstDay` (the calendar's day number).
public struct DailySeries: Sendable {
    public var calendar: CFCalendar
    public var firstDay: Int
    public var values: [Double]
    public var dated: [Bool]

    /// From dated values (each day once, valid in `calendar`); days between them are absent.
    public init(calendar: CFCalendar, dates: [(year: Int, month: Int, day: Int)], values: [Double]) {
        self.calendar = calendar
        let days = dates.map { calendar.dayNumber($0.year, $0.month, $0.day) }
        let first = days.min() ?? 0, last = days.max() ?? -1
        firstDay = first
        self.values = [Double](repeating: .nan, count: max(0, last - first + 1))
        dated = [Bool](repeating: false, count: self.values.count)
        for (k, d) in days.enumerated() { self.values[d - first] = values[k]; dated[d - first] = true }
    }

    public var count: Int { values.count }

    public func date(_ i: Int) -> (year: Int, month: Int, day: Int) {
        let d = calendar.date(dayNumber: firstDay + i)
        return (d.0, d.1, d.2)
    }

    /// The step of a date, if inside the series.
    public func index(year: Int, month: Int, day: Int) -> Int? {
        let i = calendar.dayNumber(year, month, day) - firstDay
        return i >= 0 && i < values.count ? i : nil
    }

    /// Steps `first..<end`, if every one is inside the series and dated.
    public func datedRange(from first: (Int, Int, Int), toBefore end: (Int, Int, Int)) -> Range<Int>? {
        let a = calendar.dayNumber(first.0, first.1, first.2) - firstDay
        let b = calendar.dayNumber(end.0, end.1, end.2) - firstDay
        guard a >= 0, b <= values.count, a < b, dated[a..<b].allSatisfy({ $0 }) else { return nil }
        return a..<b
    }
}

extension CFCalendar {
    /// Days in month `m` of year `y` in this calendar (30 in every month of 360_day).
    public func daysInMonth(_ y: Int, _ m: Int) -> Int {
        dayNumber(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - dayNumber(y, m, 1)
    }
}
