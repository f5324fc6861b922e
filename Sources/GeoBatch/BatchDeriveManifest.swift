import Foundation
import Yams
import GeoCore

// `derive:` keys for change over time (issue 24): z-scores, SPI, seasons, dekads, daily
// extremes, year of change, trends and seasonal trends. Each is checked against the
// series it applies to (monthly, daily or yearly dates) before any work, one line per
// mistake.

/// The change-over-time series an indicator derives (beside `annual` and `anomaly`).
public struct TimeDerive: Sendable, Equatable {
    /// A baseline period and the share of its values a fit needs.
    public struct Baseline: Sendable, Equatable {
        public var years: ClosedRange<Int>
        public var minValid: Double
    }
    /// A trend's period (nil: every year of the series) and the share of it that must hold values.
    public struct TrendSetting: Sendable, Equatable {
        public var period: ClosedRange<Int>?
        public var minValid: Double
    }

    public var zscore: Baseline?
    public var spiScales: [Int] = []
    public var spiBaseline: Baseline?
    public var seasons: [Season] = []
    public var seasonAggregate: Aggregate = .sum
    public var dekad: Aggregate?
    public var extremes: DailyExtremes.Options?
    public var trend: TrendSetting?
    public var seasonalTrend: TrendSetting?
    /// The year of class 1 of a year-of-change raster (class v is this + v − 1).
    public var lossFirstYear: Int?

    public init() {}

    public var isEmpty: Bool { self == TimeDerive() }

    /// Everything the table depends on, as text (for the table key).
    var signature: String {
        var parts: [String] = []
        if let z = zscore { parts.append("zscore \(z.years) \(z.minValid)") }
        if let b = spiBaseline { parts.append("spi \(spiScales) \(b.years) \(b.minValid)") }
        if !seasons.isEmpty { parts.append("season \(seasons.map { "\($0.name)=\($0.firstMonth)-\($0.lastMonth)" }) \(seasonAggregate)") }
        if let d = dekad { parts.append("dekad \(d)") }
        if let e = extremes { parts.append("extremes \(e.threshold) \(e.windowDays) \(e.countThresholds)") }
        if let t = trend { parts.append("trend \(String(describing: t.period)) \(t.minValid)") }
        if let t = seasonalTrend { parts.append("seasonal_trend \(String(describing: t.period)) \(t.minValid)") }
        if let y = lossFirstYear { parts.append("loss_years \(y)") }
        return parts.joined(separator: "; ")
    }
}

/// What a series' dates are: one kind for all of them.
enum SeriesDates { case monthly, daily, yearly, other }

func seriesDates(_ dates: [String?]) -> SeriesDates {
    guard !dates.isEmpty, dates.allSatisfy({ $0 != nil }) else { return .other }
    let lengths = Set(dates.map { $0!.count })
    switch lengths {
    case [7]: return .monthly
    case [10]: return .daily
    case [4]: return .yearly
    default: return .other
    }
}

extension ManifestParser {
    /// The change-over-time keys of `derive:` (`d`), checked against the series; `annual`
    /// tells whether the indicator has annual values (a yearly series for `trend`).
    func timeDerive(_ d: [String: Node], dates: [String?], sources: [BatchSource], stats: [Statistic], annual: Bool,
                    what: String) throws -> TimeDerive {
        var t = TimeDerive()
        let kind = seriesDates(dates)
        let years = kind == .other ? [] : dates.map { Int($0!.prefix(4))! }
        let span = years.min().map { $0...years.max()! }
        func need(_ key: String, _ kinds: [SeriesDates]) throws {
            guard let n = d[key], !kinds.contains(kind) else { return }
            let names = kinds.map { $0 == .monthly ? "a monthly series (dates YYYY-MM)" : $0 == .daily ? "a daily series (YYYY-MM-DD)" : "a yearly series (YYYY)" }
            let found = dates.first { $0 == nil }.map { _ in "a band without a date" } ?? dates.first.map { "'\($0!)'" } ?? "no date"
            throw error(n, "\(what): '\(key)' needs \(names.joined(separator: " or ")); found \(found)")
        }
        try need("zscore", [.monthly, .daily]); try need("spi", [.monthly]); try need("season", [.monthly, .daily])
        try need("dekad", [.daily]); try need("extremes", [.daily]); try need("seasonal_trend", [.monthly])
        if let n = d["zscore"] {
            let m = try mapping(n, "'zscore' of \(what)", keys: ["baseline", "min_valid"])
            t.zscore = TimeDerive.Baseline(years: try baselineWithin(try required(m, "baseline", in: n, "'zscore' of \(what)"), span: span!, what: what),
                                           minValid: try minValid(m, what))
        }
        if let n = d["spi"] { (t.spiScales, t.spiBaseline) = try spi(n, span: span!, what: what) }
        if let n = d["season"] { (t.seasons, t.seasonAggregate) = try seasons(n, what: what) }
        if let n = d["dekad"] { t.dekad = try aggregate(n, "dekad", what) }
        if let n = d["extremes"] { t.extremes = try extremes(n, what: what) }
        if let n = d["loss_years"] { t.lossFirstYear = try lossYears(n, sources: sources, stats: stats, what: what) }
        if let n = d["trend"] {
            guard kind == .yearly || annual || !t.seasons.isEmpty || t.lossFirstYear != nil else {
                throw error(n, "\(what): 'trend' works on yearly values: a series dated YYYY, or add 'annual:', 'season:' or 'loss_years:'")
            }
            t.trend = try trendSetting(n, "trend", span: t.lossFirstYear == nil ? span : nil, what: what)
        }
        if let n = d["seasonal_trend"] { t.seasonalTrend = try trendSetting(n, "seasonal_trend", span: span, what: what) }
        return t
    }

    /// `min_valid: 0.8`: a share in (0, 1]; 0.8 when not given.
    func minValid(_ m: [String: Node], _ what: String) throws -> Double {
        guard let n = m["min_valid"] else { return 0.8 }
        guard let v = Double(try string(n, "\(what): min_valid")), v > 0, v <= 1 else {
            throw error(n, "min_valid must be a share above 0 and at most 1, e.g. 0.8 (in \(what))")
        }
        return v
    }

    /// Two years, first to last, inside the series' years.
    func baselineWithin(_ bn: Node, span: ClosedRange<Int>, what: String) throws -> ClosedRange<Int> {
        let r = try yearPair(bn, "baseline", what)
        guard span.contains(r.lowerBound), span.contains(r.upperBound) else {
            throw error(bn, "\(what): the baseline \(r.lowerBound)-\(r.upperBound) is not inside the series' years \(span.lowerBound)-\(span.upperBound)")
        }
        return r
    }

    func yearPair(_ n: Node, _ key: String, _ what: String) throws -> ClosedRange<Int> {
        let years = items(n).compactMap { $0.string.flatMap { Int($0) } }
        guard case .sequence = n, years.count == 2, years[0] <= years[1] else {
            throw error(n, "\(key) must be two years, first to last, e.g. [1991, 2020] (in \(what))")
        }
        return years[0]...years[1]
    }

    /// `spi: [1, 3, 6, 12]` (fitted over every year of the series) or
    /// `spi: {scales: [1, 3], baseline: [1991, 2020], min_valid: 0.8}`.
    func spi(_ n: Node, span: ClosedRange<Int>, what: String) throws -> ([Int], TimeDerive.Baseline) {
        var scalesNode = n, baseline = span, share = 0.8
        if case .mapping = n {
            let m = try mapping(n, "'spi' of \(what)", keys: ["scales", "baseline", "min_valid"])
            scalesNode = try required(m, "scales", in: n, "'spi' of \(what)")
            if let b = m["baseline"] { baseline = try baselineWithin(b, span: span, what: what) }
            share = try minValid(m, what)
        }
        var scales: [Int] = []
        for s in items(scalesNode) {
            guard let v = s.string.flatMap({ Int($0) }), (1...72).contains(v), !scales.contains(v) else {
                throw error(s, "spi scales must be distinct whole numbers of months from 1 to 72, e.g. [1, 3, 6, 12] (in \(what))")
            }
            scales.append(v)
        }
        return (scales, TimeDerive.Baseline(years: baseline, minValid: share))
    }

    /// `season: {monsoon: [6, 10], dry: [11, 4]}` (and `aggregate: mean`).
    func seasons(_ n: Node, what: String) throws -> ([Season], Aggregate) {
        guard case .mapping(let m) = n, !m.isEmpty else { throw error(n, "season must map names to [first month, last month], e.g. {monsoon: [6, 10], dry: [11, 4]} (in \(what))") }
        var out: [Season] = [], agg = Aggregate.sum
        for (k, v) in m {
            guard let name = k.string else { throw error(k, "a season name is not text (in \(what))") }
            if name == "aggregate" { agg = try aggregate(v, "season aggregate", what); continue }
            guard name.range(of: #"^[A-Za-z][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw error(k, "season name '\(name)' must start with a letter and hold only letters, digits and '_' (in \(what))")
            }
            let months = items(v).compactMap { $0.string.flatMap { Int($0) } }
            guard case .sequence = v, months.count == 2, months.allSatisfy({ (1...12).contains($0) }) else {
                throw error(v, "season '\(name)' must be [first month, last month], months 1-12, e.g. [11, 4] for November to April (in \(what))")
            }
            guard !out.contains(where: { $0.name == name }) else { throw error(k, "season '\(name)' is given twice (in \(what))") }
            out.append(Season(name: name, firstMonth: months[0], lastMonth: months[1]))
        }
        guard !out.isEmpty else { throw error(n, "season needs at least one named season (in \(what))") }
        return (out, agg)
    }

    func aggregate(_ n: Node, _ key: String, _ what: String) throws -> Aggregate {
        let s = try string(n, "\(what): \(key)")
        guard let a = Aggregate(rawValue: s) else { throw error(n, "\(key) must be sum or mean, not '\(s)' (in \(what))") }
        return a
    }

    /// `extremes: {threshold: 1, days_ge: [10, 20], window: 5}` (every key optional).
    func extremes(_ n: Node, what: String) throws -> DailyExtremes.Options {
        let m = try mapping(n, "'extremes' of \(what)", keys: ["threshold", "days_ge", "window"])
        var o = DailyExtremes.Options()
        if let t = m["threshold"] {
            guard let v = Double(try string(t, "\(what): threshold")), v.isFinite else { throw error(t, "threshold must be a number, e.g. 1 (in \(what))") }
            o.threshold = v
        }
        if let w = m["window"] {
            guard let v = Int(try string(w, "\(what): window")), (2...366).contains(v) else { throw error(w, "window must be a whole number of days from 2 to 366, e.g. 5 (in \(what))") }
            o.windowDays = v
        }
        if let g = m["days_ge"] {
            for x in items(g) {
                guard let v = x.string.flatMap({ Double($0) }), v.isFinite, !o.countThresholds.contains(v) else {
                    throw error(x, "days_ge must be distinct numbers, e.g. [10, 20] (in \(what))")
                }
                o.countThresholds.append(v)
            }
        }
        return o
    }

    /// `loss_years: {first_year: 2001}`: one band of classes, a per-class statistic.
    func lossYears(_ n: Node, sources: [BatchSource], stats: [Statistic], what: String) throws -> Int {
        let m = try mapping(n, "'loss_years' of \(what)", keys: ["first_year"])
        let fy = try required(m, "first_year", in: n, "'loss_years' of \(what)")
        guard let y = Int(try string(fy, "\(what): first_year")) else { throw error(fy, "first_year must be a year, e.g. 2001 (class 1 is 2001) (in \(what))") }
        guard sources.reduce(0, { $0 + $1.bands.count }) == 1 else {
            throw error(n, "\(what): 'loss_years' needs one band of year classes (give 'band:'); the series has \(sources.reduce(0) { $0 + $1.bands.count })")
        }
        guard stats.contains(where: { $0.classColumnPrefix != nil }) else {
            throw error(n, "\(what): 'loss_years' needs a per-class statistic in 'stats' (class_area, frac or weighted_frac)")
        }
        return y
    }

    /// `trend: {period: [2001, 2020], min_valid: 0.8}` (both optional; `trend: {}` is every year).
    func trendSetting(_ n: Node, _ key: String, span: ClosedRange<Int>?, what: String) throws -> TimeDerive.TrendSetting {
        let m = try mapping(n, "'\(key)' of \(what)", keys: ["period", "min_valid"])
        var period: ClosedRange<Int>?
        if let p = m["period"] {
            let r = try yearPair(p, "period", what)
            if let span, !r.overlaps(span) {
                throw error(p, "\(what): no year of the period \(r.lowerBound)-\(r.upperBound) is in the series (\(span.lowerBound)-\(span.upperBound))")
            }
            period = r
        }
        return TimeDerive.TrendSetting(period: period, minValid: try minValid(m, what))
    }
}
