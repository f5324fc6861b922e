import Foundation

// CF conventions' time coordinates (NetCDF, Zarr): a number of `days|hours|minutes|seconds
// since EPOCH` in a calendar. Dates are computed here, in plain integer arithmetic, for the
// calendars climate archives use: standard/gregorian (as proleptic Gregorian, for dates
// from 1582-10-15 on), proleptic_gregorian, noleap/365_day, all_leap/366_day and 360_day.
// Others (julian, and standard before 1582-10-15) are refused with a clear message rather
// than dated wrongly.

/// A calendar date and time of day.
public struct CFDate: Equatable, Sendable, CustomStringConvertible {
    public var year, month, day, hour, minute, second: Int
    public init(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
    }
    public var description: String {
        String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
    }
}

public enum CFCalendar: Sendable, Equatable {
    case gregorian, noLeap, allLeap, days360

    /// A CF calendar name; nil for calendars GeoKit does not date (julian, none...).
    public init?(name: String?) {
        switch (name ?? "standard").lowercased().trimmingCharacters(in: .whitespaces) {
        case "standard", "gregorian", "proleptic_gregorian", "": self = .gregorian
        case "noleap", "365_day": self = .noLeap
        case "all_leap", "366_day": self = .allLeap
        case "360_day": self = .days360
        default: return nil
        }
    }

    private static let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// Days since 0000-03-01-style epoch for a date: a count that differences correctly.
    func dayNumber(_ y: Int, _ m: Int, _ d: Int) -> Int {
        switch self {
        case .gregorian:
            // Days from civil (H. Hinnant), proleptic Gregorian.
            let yy = m <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let mp = (m + 9) % 12
            let doy = (153 * mp + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146097 + doe
        case .noLeap, .allLeap:
            let yearDays = self == .noLeap ? 365 : 366
            var n = y * yearDays
            for k in 0..<(m - 1) { n += Self.monthDays[k] + (self == .allLeap && k == 1 ? 1 : 0) }
            return n + d - 1
        case .days360:
            return y * 360 + (m - 1) * 30 + d - 1
        }
    }

    /// The date of a day number (inverse of `dayNumber`).
    func date(dayNumber z: Int) -> (Int, Int, Int) {
        switch self {
        case .gregorian:
            let era = (z >= 0 ? z : z - 146096) / 146097
            let doe = z - era * 146097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1
            let m = mp < 10 ? mp + 3 : mp - 9
            return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
        case .noLeap, .allLeap:
            let yearDays = self == .noLeap ? 365 : 366
            var y = z / yearDays, rest = z % yearDays
            if rest < 0 { y -= 1; rest += yearDays }
            var m = 1
            while true {
                let len = Self.monthDays[m - 1] + (self == .allLeap && m == 2 ? 1 : 0)
                if rest < len { break }
                rest -= len; m += 1
            }
            return (y, m, rest + 1)
        case .days360:
            var y = z / 360, rest = z % 360
            if rest < 0 { y -= 1; rest += 360 }
            return (y, rest / 30 + 1, rest % 30 + 1)
        }
    }

    func isValid(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        switch self {
        case .days360: return d <= 30
        case .gregorian:
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            return d <= Self.monthDays[m - 1] + (m == 2 && leap ? 1 : 0)
        case .noLeap: return d <= Self.monthDays[m - 1]
        case .allLeap: return d <= Self.monthDays[m - 1] + (m == 2 ? 1 : 0)
        }
    }
}

/// A CF time coordinate's units and calendar: turns its values into dates.
public struct CFTimeAxis: Sendable {
    public let secondsPerUnit: Int
    public let epoch: CFDate
    public let calendar: CFCalendar

    /// `units` like `days since 1980-01-01`, `hours since 1900-01-01 00:00:00.0`,
    /// `seconds since 1970-01-01T00:00:00Z`; `calendar` the variable's attribute (default standard).
    public init(units: String, calendar: String?) throws {
        let parts = units.trimmingCharacters(in: .whitespaces).components(separatedBy: " since ")
        guard parts.count == 2 else { throw GeoKitError.argument("time units '\(units)': expected 'UNIT since DATE'") }
        switch parts[0].lowercased().trimmingCharacters(in: .whitespaces) {
        case "day", "days", "d": secondsPerUnit = 86400
        case "hour", "hours", "hr", "h": secondsPerUnit = 3600
        case "minute", "minutes", "min": secondsPerUnit = 60
        case "second", "seconds", "sec", "s": secondsPerUnit = 1
        default: throw GeoKitError.argument("time units '\(units)': only days, hours, minutes or seconds since a date are dated")
        }
        guard let cal = CFCalendar(name: calendar) else {
            throw GeoKitError.argument("calendar '\(calendar ?? "")' is not supported (standard, gregorian, proleptic_gregorian, noleap, 365_day, all_leap, 366_day, 360_day are)")
        }
        self.calendar = cal
        // DATE [TIME] [ZONE]: 1980-1-1, 1980-01-01 00:00:00.0, 1970-01-01T00:00:00Z
        let text = parts[1].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "T", with: " ")
            .replacingOccurrences(of: "Z", with: "")
        let fields = text.split(separator: " ")
        let ymd = fields.first.map { $0.split(separator: "-").compactMap { Int($0) } } ?? []
        guard ymd.count == 3, cal.isValid(ymd[0], ymd[1], ymd[2]) else {
            throw GeoKitError.argument("time units '\(units)': the reference date is not a date")
        }
        var hms = [0, 0, 0]
        if fields.count > 1 {
            let t = fields[1].split(separator: ":").map { Double($0) ?? 0 }
            for k in 0..<min(3, t.count) { hms[k] = Int(t[k]) }
        }
        if fields.count > 2, fields[2] != "0", fields[2] != "00:00", fields[2] != "+00:00", fields[2] != "UTC" {
            throw GeoKitError.argument("time units '\(units)': time zones other than UTC are not supported")
        }
        epoch = CFDate(ymd[0], ymd[1], ymd[2], hms[0], hms[1], hms[2])
        if cal == .gregorian && (calendar ?? "standard").lowercased() != "proleptic_gregorian"
            && (epoch.year, epoch.month, epoch.day) < (1582, 10, 15) {
            throw GeoKitError.argument("calendar '\(calendar ?? "standard")' with a reference date before 1582-10-15 mixes Julian and Gregorian dates, which GeoKit does not date")
        }
    }

    /// The date of a coordinate value (rounded to the second).
    public func date(_ value: Double) throws -> CFDate {
        guard value.isFinite, abs(value) * Double(secondsPerUnit) < 1e15 else {
            throw GeoKitError.argument("time value \(value) cannot be dated")
        }
        let secs = Int((value * Double(secondsPerUnit)).rounded())
            + epoch.hour * 3600 + epoch.minute * 60 + epoch.second
        var days = secs / 86400, rest = secs % 86400
        if rest < 0 { days -= 1; rest += 86400 }
        let (y, m, d) = calendar.date(dayNumber: calendar.dayNumber(epoch.year, epoch.month, epoch.day) + days)
        return CFDate(y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
    }

    /// Band dates as geotool writes them (ISO 8601): monthly data (steps of 28 to 31 days,
    /// or 30 in the 360-day calendar, one value per month) by its month `YYYY-MM`; daily or
    /// coarser data at midnight by its day `YYYY-MM-DD`; finer data `YYYY-MM-DDTHH:MM`.
    public func labels(_ values: [Double]) throws -> [String] {
        let dates = try values.map(date)
        let steps = zip(values.dropFirst(), values).map { ($0 - $1) * Double(secondsPerUnit) / 86400 }
        let months = Set(dates.map { $0.year * 12 + $0.month })
        let monthly = dates.count > 1 && months.count == dates.count && steps.allSatisfy { $0 >= 27.5 && $0 <= 31.5 }
        if monthly { return dates.map { String(format: "%04d-%02d", $0.year, $0.month) } }
        if dates.allSatisfy({ $0.hour == 0 && $0.minute == 0 && $0.second == 0 }) {
            return dates.map { String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.day) }
        }
        return dates.map { String(format: "%04d-%02d-%02dT%02d:%02d", $0.year, $0.month, $0.day, $0.hour, $0.minute) }
    }
}
