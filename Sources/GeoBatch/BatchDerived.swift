import Foundation
import GeoCore

// The derived rows of an indicator's table, computed from one unit's values of one
// statistic in date order (or, for a year-of-change raster, from its per-class values), so
// that a table rebuilt from the cache after any change recomputes every derived value from
// the cached per-file values. The rows' kinds and dates depend on the dates alone, never on
// the values (a gap gives an empty value, not a missing row): every unit and statistic has
// the same rows, which is what the wide table's columns need.

/// The unit a derived row's value is in.
package enum DerivedUnit: Hashable, Sendable {
    /// The statistic's own unit (mm).
    case value
    case percent
    /// A number without a unit (SPI, z-score, Mann-Kendall statistics): "1".
    case dimensionless
    /// The statistic's unit per year (mm/year).
    case perYear
    case year
    case days
    case years
    case months

    /// The unit column's text, for a statistic of unit `statUnit`.
    func text(statUnit: String?) -> String {
        switch self {
        case .value: return statUnit ?? ""
        case .percent: return "%"
        case .dimensionless: return "1"
        case .perYear: return (statUnit ?? "1") + "/year"
        case .year: return "year"
        case .days: return "days"
        case .years: return "years"
        case .months: return "months"
        }
    }
}

/// One derived value: its series (`NAME_kind`), date (or period) and value.
package struct DerivedRow {
    var kind: String
    var date: String
    var value: Double
    var unit: DerivedUnit = .value
}

/// Where `DerivedComputer` puts the rows it computes. A row's kind, date and unit depend on
/// the dates alone, so a table takes them once (`DerivedRows`, from any values) and per
/// unit only the values (`DerivedValues`): the kind and date are autoclosures, never
/// evaluated for the values (no String per row and unit).
protocol DerivedSink {
    mutating func add(_ kind: @autoclosure () -> String, _ date: @autoclosure () -> String, _ value: Double, _ unit: DerivedUnit)
}

/// Whole rows.
struct DerivedRows: DerivedSink {
    var rows: [DerivedRow] = []
    mutating func add(_ kind: @autoclosure () -> String, _ date: @autoclosure () -> String, _ value: Double, _ unit: DerivedUnit) {
        rows.append(DerivedRow(kind: kind(), date: date(), value: value, unit: unit))
    }
}

/// The values alone, in the rows' order.
struct DerivedValues: DerivedSink {
    var values: [Double] = []
    mutating func add(_ kind: @autoclosure () -> String, _ date: @autoclosure () -> String, _ value: Double, _ unit: DerivedUnit) {
        values.append(value)
    }
}

/// The values alone, written into memory the caller sized (`DerivedComputer.rowCount`, the
/// same for any values): `Array.append` per value checked the array's uniqueness by a call
/// (some 2,700 values per unit).
struct DerivedValuesBuffer: DerivedSink {
    let base: UnsafeMutablePointer<Double>
    let capacity: Int
    var count = 0
    mutating func add(_ kind: @autoclosure () -> String, _ date: @autoclosure () -> String, _ value: Double, _ unit: DerivedUnit) {
        precondition(count < capacity, "more derived values than the rows counted for the dates")
        base[count] = value
        count += 1
    }
}

extension DerivedSink {
    mutating func add(_ row: DerivedRow) { add(row.kind, row.date, row.value, row.unit) }
}

/// The quantities of a trend, in table order.
let trendQuantities: [(name: String, unit: DerivedUnit)] = [("sen_slope", .perYear), ("ols_slope", .perYear), ("mk_p", .dimensionless),
                                                            ("mk_z", .dimensionless), ("mk_s", .dimensionless), ("mk_var_s", .dimensionless),
                                                            ("mk_tau", .dimensionless), ("n", .years)]
let seasonalTrendQuantities: [(name: String, unit: DerivedUnit)] = trendQuantities.filter { $0.name != "ols_slope" }.map { $0.name == "n" ? ("n", .months) : $0 }

/// The kind names of an indicator's extremes, in table order.
func extremeKinds(_ o: DailyExtremes.Options) -> [String] {
    ["longest_dry_spell", "longest_wet_spell"] + o.countThresholds.map { "days_ge_\(formatNumber($0))" } + ["max_1day", "max_\(o.windowDays)day"]
}

let lossKinds = ["loss", "loss_first_year", "loss_last_year", "loss_peak_year", "loss_total"]

/// Every derived series an indicator writes (`NAME_annual`, `NAME_spi_3`...), for the check
/// that no two indicators share a name.
func derivedIndicatorNames(_ ind: BatchIndicator) -> [String] {
    let t = ind.time
    var kinds = (ind.annual == nil ? [] : ["annual"]) + (ind.baseline == nil ? [] : ["anomaly", "anomaly_pct"])
    if t.zscore != nil { kinds.append("zscore") }
    kinds += t.spiScales.map { "spi_\($0)" }
    for s in t.seasons { kinds += ["season_\(s.name)"] + (ind.baseline == nil ? [] : ["season_\(s.name)_anomaly", "season_\(s.name)_anomaly_pct"]) }
    if t.dekad != nil { kinds.append("dekad") }
    if let e = t.extremes { kinds += extremeKinds(e) }
    if t.lossFirstYear != nil { kinds += lossKinds }
    if t.trend != nil {
        for base in yearlyBases(ind) { kinds += trendQuantities.map { (base.isEmpty ? "" : base + "_") + "trend_" + $0.name } }
    }
    if t.seasonalTrend != nil { kinds += seasonalTrendQuantities.map { "seasonal_trend_" + $0.name } }
    return kinds.map { ind.name + "_" + $0 }
}

/// The yearly series a trend applies to: the observed one ("") when dated by year, annual,
/// each season, the loss series.
func yearlyBases(_ ind: BatchIndicator) -> [String] {
    (seriesDates(ind.sources.flatMap(\.dates)) == .yearly ? [""] : []) + (ind.annual == nil ? [] : ["annual"])
        + ind.time.seasons.map { "season_\($0.name)" } + (ind.time.lossFirstYear == nil ? [] : ["loss"])
}

/// A year as a date cell (YYYY), without Foundation's slow `String(format:)`.
func yearLabel(_ y: Int) -> String {
    let s = String(y)
    return y >= 0 && s.count < 4 ? String(repeating: "0", count: 4 - s.count) + s : s
}

/// Computes the derived rows of one indicator; the dates are parsed once.
package struct DerivedComputer {
    let ind: BatchIndicator
    let dates: [String]
    let kind: SeriesDates
    /// Monthly: the series' months (values NaN) and each entry's month.
    var monthly: MonthlySeries?
    var monthlyStep: [Int] = []
    var daily: DailySeries?
    var dailyStep: [Int] = []
    /// Per entry: its year and its calendar key (MM * 100 + DD; DD 0 when monthly).
    let entryYears: [Int]
    let entryKeys: [Int]
    /// Each entry's slot among the calendar keys, and how many (the z-score's groups).
    let keySlots: (slots: [Int], count: Int)
    /// A monthly series' complete years (all 12 months dated), in order, with their entries
    /// (in date order) and date cells; nil where `monthlyAnnualRows` is used instead.
    let annualYears: [(year: Int, label: String, entries: [Int])]?
    /// Those years' numbers.
    let annualYearNumbers: [Int]
    /// How many rows `rows` gives (the same for any values), reserved up front.
    var rowCount = 0

    init(_ ind: BatchIndicator, dates: [String]) {
        self.ind = ind
        self.dates = dates
        kind = seriesDates(dates)
        entryYears = kind == .other ? [] : dates.map { Int($0.prefix(4))! }
        entryKeys = kind == .monthly || kind == .daily ? dates.map { d in Int(d.dropFirst(5).prefix(2))! * 100 + (d.count == 10 ? Int(d.suffix(2))! : 0) } : []
        keySlots = StandardizedAnomaly.slotsOf(entryKeys)
        annualYears = kind == .monthly ? Self.completeYears(dates) : nil
        annualYearNumbers = annualYears?.map(\.year) ?? []
        if kind == .monthly {
            let ym = dates.map { (year: Int($0.prefix(4))!, month: Int($0.suffix(2))!) }
            let m = MonthlySeries(dates: ym, values: dates.map { _ in .nan })
            monthly = m
            monthlyStep = ym.map { m.index(year: $0.year, month: $0.month)! }
        } else if kind == .daily {
            let ymd = dates.map { (year: Int($0.prefix(4))!, month: Int($0.dropFirst(5).prefix(2))!, day: Int($0.suffix(2))!) }
            let d = DailySeries(calendar: ind.calendar, dates: ymd, values: dates.map { _ in .nan })
            daily = d
            dailyStep = ymd.map { d.index(year: $0.year, month: $0.month, day: $0.day)! }
        }
        rowCount = rows(dates.map { _ in 0 }).count
    }

    /// The years of monthly dates that hold all 12 months, as `monthlyAnnualRows` finds
    /// them (found once here, not per unit); nil when a year is outside 0-9999 (its cell
    /// would differ from `String(format: "%04d")`).
    static func completeYears(_ dates: [String]) -> [(year: Int, label: String, entries: [Int])]? {
        let ym = dates.map { (Int($0.prefix(4))!, Int($0.suffix(2))!) }
        guard ym.allSatisfy({ (0...9999).contains($0.0) }) else { return nil }
        var years: [Int: [Int]] = [:]
        for (k, d) in ym.enumerated() { years[d.0, default: []].append(k) }
        return years.keys.sorted().filter { y in Set(years[y]!.map { ym[$0].1 }).count == 12 }.map { ($0, yearLabel($0), years[$0]!) }
    }

    /// The annual and anomaly rows (`derivedRows`), with what the dates give computed once;
    /// the annual values with their years (a trend's input; none without `annual`).
    func observedRows<S: DerivedSink>(_ values: [Double], into out: inout S) -> (years: [Int], values: [Double]) {
        guard let years = annualYears else {
            let rows = derivedRows(dates: dates, values: values, annual: ind.annual, baseline: ind.baseline, calendar: ind.calendar)
            for r in rows { out.add(r) }
            let a = rows.prefix { $0.kind == "annual" }
            return (a.map { Int($0.date)! }, a.map(\.value))
        }
        var annualValues: [Double] = []
        if let annual = ind.annual {
            annualValues.reserveCapacity(years.count)
            for y in years {
                // Summed in date order from 0, as `monthlyAnnualRows`.
                var sum = 0.0
                for k in y.entries { sum += values[k] }
                let v = annual == .sum ? sum : sum / 12
                out.add("annual", y.label, v, .value)
                annualValues.append(v)
            }
        }
        if let baseline = ind.baseline { anomalyRows(dates: dates, keys: entryKeys, years: entryYears, values: values, baseline: baseline, into: &out) }
        return (ind.annual == nil ? [] : annualYearNumbers, annualValues)
    }

    /// The values placed on the monthly series' steps (nil unless monthly).
    func monthlyWith(_ values: [Double]) -> MonthlySeries? {
        guard var m = monthly else { return nil }
        precondition(values.count == monthlyStep.count, "one value per date")
        // Stored through buffer pointers: `m.values[step] =` checked the array's uniqueness
        // (and the index) by a call per value. The steps are the series' own (from `index`).
        m.values.withUnsafeMutableBufferPointer { v in
            values.withUnsafeBufferPointer { x in
                monthlyStep.withUnsafeBufferPointer { steps in
                    for k in steps.indices { v[steps[k]] = x[k] }
                }
            }
        }
        return m
    }

    /// The derived rows of one statistic's values (one per date, in date order), by kind then
    /// date: the table's shape (kinds, dates and units, the same for any values).
    func rows(_ values: [Double]) -> [DerivedRow] {
        var sink = DerivedRows()
        sink.rows.reserveCapacity(rowCount)
        rows(values, into: &sink)
        return sink.rows
    }

    /// The values of `rows(values)` alone, in its order (what changes from unit to unit).
    func derivedValues(_ values: [Double]) -> [Double] {
        guard rowCount > 0 else {
            var sink = DerivedValues()
            rows(values, into: &sink)
            return sink.values
        }
        return [Double](unsafeUninitializedCapacity: rowCount) { buffer, count in
            var sink = DerivedValuesBuffer(base: buffer.baseAddress!, capacity: rowCount)
            rows(values, into: &sink)
            count = sink.count
        }
    }

    /// The derived rows into `out`: by kind then date.
    func rows<S: DerivedSink>(_ values: [Double], into out: inout S) {
        let t = ind.time
        let annual = observedRows(values, into: &out)
        let monthlyValues = monthlyWith(values)
        var yearly: [(base: String, years: [Int], values: [Double])] = []
        if kind == .yearly { yearly.append(("", entryYears, values)) }
        if ind.annual != nil { yearly.append(("annual", annual.years, annual.values)) }
        if let z = t.zscore {
            let zs = StandardizedAnomaly.compute(values: values, slots: keySlots.slots, slotCount: keySlots.count, years: entryYears,
                                                 baseline: z.years, minValidShare: z.minValid)
            for k in dates.indices { out.add("zscore", dates[k], zs[k], .dimensionless) }
        }
        if let b = t.spiBaseline, let m = monthlyValues {
            // All the scales at once: the series' shared work done once (`SPI.compute(_:scales:)`).
            for (scale, spi) in zip(t.spiScales, SPI.compute(m, scales: t.spiScales, baseline: b.years, minValidShare: b.minValid)) {
                for k in dates.indices { out.add("spi_\(scale)", dates[k], spi[monthlyStep[k]], .dimensionless) }
            }
        }
        for s in t.seasons {
            let totals = monthlyValues.map { SeasonTotals.monthly($0, season: s, aggregate: t.seasonAggregate) } ?? seasonTotals(s, values)
            let kind = "season_\(s.name)"
            for x in totals { out.add(kind, yearLabel(x.year), x.value, .value) }
            if let b = ind.baseline { seasonAnomalies(kind, totals, baseline: b, into: &out) }
            yearly.append((kind, totals.map(\.year), totals.map(\.value)))
        }
        if let agg = t.dekad, let d = withValues(values) {
            for x in Dekads.totals(d, aggregate: agg) {
                out.add("dekad", yearLabel(x.year) + (x.month < 10 ? "-0" : "-") + String(x.month) + (x.firstDay < 10 ? "-0" : "-") + String(x.firstDay), x.value, .value)
            }
        }
        if let o = t.extremes, let d = withValues(values) { extremeRows(DailyExtremes.compute(d, options: o), o, into: &out) }
        if let tr = t.trend { for y in yearly { trendRows(y.base, years: y.years, values: y.values, tr, into: &out) } }
        if let st = t.seasonalTrend, let m = monthlyValues {
            let period = st.period ?? m.firstYear...m.yearMonth(m.count - 1).year
            let r = Trend.seasonal(m, period: period, minValidShare: st.minValid)
            for q in seasonalTrendQuantities {
                out.add("seasonal_trend_" + q.name, periodLabel(period), r.map { trendValue($0, q.name) } ?? .nan, q.unit)
            }
        }
    }

    /// The daily series of these values.
    func withValues(_ values: [Double]) -> DailySeries? {
        guard var d = daily else { return nil }
        d.values = d.values.indices.map { _ in .nan }
        for (k, step) in dailyStep.enumerated() { d.values[step] = values[k] }
        return d
    }

    func seasonTotals(_ s: Season, _ values: [Double]) -> [(year: Int, value: Double)] {
        if var m = monthly {
            m.values = m.values.indices.map { _ in .nan }
            for (k, step) in monthlyStep.enumerated() { m.values[step] = values[k] }
            return SeasonTotals.monthly(m, season: s, aggregate: ind.time.seasonAggregate)
        }
        guard let d = withValues(values) else { return [] }
        return SeasonTotals.daily(d, season: s, aggregate: ind.time.seasonAggregate)
    }

    /// Each season's value minus the mean of the season over the baseline's years (label
    /// years), and that as a percentage of the mean.
    func seasonAnomalies<S: DerivedSink>(_ kind: String, _ totals: [(year: Int, value: Double)], baseline: ClosedRange<Int>, into out: inout S) {
        let base = totals.filter { baseline.contains($0.year) && !$0.value.isNaN }.map(\.value)
        let mean = base.isEmpty ? .nan : base.reduce(0, +) / Double(base.count)
        for x in totals { out.add(kind + "_anomaly", yearLabel(x.year), x.value - mean, .value) }
        for x in totals { out.add(kind + "_anomaly_pct", yearLabel(x.year), mean == 0 ? .nan : (x.value - mean) / mean * 100, .percent) }
    }

    func extremeRows<S: DerivedSink>(_ years: [DailyExtremes.Year], _ o: DailyExtremes.Options, into out: inout S) {
        let kinds = extremeKinds(o)
        for (i, kind) in kinds.enumerated() {
            for y in years {
                let (v, unit): (Double, DerivedUnit) = i == 0 ? (y.longestDrySpell, .days) : i == 1 ? (y.longestWetSpell, .days)
                    : i < kinds.count - 2 ? (y.daysAtOrAbove[i - 2], .days) : i == kinds.count - 2 ? (y.maxOneDay, .value) : (y.maxWindow, .value)
                out.add(kind, yearLabel(y.year), v, unit)
            }
        }
    }

    /// A yearly series' trend rows, dated by the period (given, or the series' years).
    func trendRows<S: DerivedSink>(_ base: String, years: [Int], values: [Double], _ tr: TimeDerive.TrendSetting, into out: inout S) {
        guard let period = tr.period ?? years.min().map({ $0...years.max()! }) else { return }
        let r = Trend.yearly(years: years, values: values, period: period, minValidShare: tr.minValid)
        for q in trendQuantities {
            out.add((base.isEmpty ? "" : base + "_") + "trend_" + q.name, periodLabel(period), r.map { trendValue($0, q.name) } ?? .nan, q.unit)
        }
    }

    func trendValue(_ t: Trend, _ q: String) -> Double {
        switch q {
        case "sen_slope": return t.senSlope
        case "ols_slope": return t.olsSlope
        case "mk_p": return t.mannKendall.p
        case "mk_z": return t.mannKendall.z
        case "mk_s": return t.mannKendall.s
        case "mk_var_s": return t.mannKendall.varianceS
        case "mk_tau": return t.mannKendall.tau
        default: return Double(t.n)
        }
    }

    /// The year-of-change rows of one per-class statistic: the amount per year, the first,
    /// last and peak years and the total (dated by the series' years), then its trend.
    func lossRows(_ classes: [(value: Double, amount: Double)]) -> [DerivedRow] {
        var sink = DerivedRows()
        lossRows(classes, into: &sink)
        return sink.rows
    }

    /// The values of `lossRows` alone.
    func lossValues(_ classes: [(value: Double, amount: Double)]) -> [Double] {
        var sink = DerivedValues()
        lossRows(classes, into: &sink)
        return sink.values
    }

    func lossRows<S: DerivedSink>(_ classes: [(value: Double, amount: Double)], into out: inout S) {
        guard let fy = ind.time.lossFirstYear else { return }
        let c = ChangeYears(classes: classes, firstYear: fy)
        guard let y0 = c.years.first, let y1 = c.years.last else { return }
        for (y, v) in zip(c.years, c.amounts) { out.add("loss", yearLabel(y), v, .value) }
        out.add("loss_first_year", "\(y0)-\(y1)", c.firstYear, .year)
        out.add("loss_last_year", "\(y0)-\(y1)", c.lastYear, .year)
        out.add("loss_peak_year", "\(y0)-\(y1)", c.peakYear, .year)
        out.add("loss_total", "\(y0)-\(y1)", c.total, .value)
        if let tr = ind.time.trend { trendRows("loss", years: c.years, values: c.amounts, tr, into: &out) }
    }
}

/// A period's date cell (FIRST-LAST).
func periodLabel(_ p: ClosedRange<Int>) -> String { "\(p.lowerBound)-\(p.upperBound)" }

/// The sidecar's definition (method, baseline, parameters) and unit of every
/// change-over-time series of an indicator, by its name (`NAME_spi_3`).
func timeDefinitions(_ ind: BatchIndicator) -> [(name: String, definition: String, unit: DerivedUnit)] {
    let t = ind.time, n = ind.name
    let daily = seriesDates(ind.sources.flatMap(\.dates)) == .daily
    func pct(_ share: Double) -> String { formatNumber(share * 100) + "%" }
    var out: [(String, String, DerivedUnit)] = []
    if let z = t.zscore {
        out.append(("\(n)_zscore", "standardised anomaly: (value − mean) / standard deviation (sample, n − 1) of the same unit, statistic and "
                    + (daily ? "calendar day (month and day)" : "calendar month") + " over the baseline years \(z.years.lowerBound)-\(z.years.upperBound); "
                    + "empty where the baseline holds values for fewer than \(pct(z.minValid)) of its years (or fewer than 2), or all equal", .dimensionless))
    }
    if let b = t.spiBaseline {
        for s in t.spiScales {
            out.append(("\(n)_spi_\(s)", "Standardized Precipitation Index at \(s) month(s) (WMO-No. 1090): monthly values (negatives as 0) summed over \(s) month(s), "
                        + "fitted per calendar month over \(b.years.lowerBound)-\(b.years.upperBound) to a gamma distribution (Thom's approximation) with the "
                        + "probability of a zero sum, turned into a standard normal value and clipped to ±3.09, as the climate-indices package's spi "
                        + "(gamma, monthly); empty for the first \(s - 1) month(s), sums with a missing month, and calendar months whose baseline holds "
                        + "sums for fewer than \(pct(b.minValid)) of its years", .dimensionless))
        }
    }
    let part = daily ? "daily" : "monthly"
    for s in t.seasons {
        out.append(("\(n)_season_\(s.name)", "\(t.seasonAggregate.rawValue) of the \(part) values of each statistic over \(s.definition); date: the year of its first month; "
                    + "only seasons the series holds every \(daily ? "day" : "month") of; empty if one has no value", .value))
        if let b = ind.baseline {
            out.append(("\(n)_season_\(s.name)_anomaly", "the season's value minus its mean over the seasons of \(b.lowerBound)-\(b.upperBound) (by the year of their first month)", .value))
            out.append(("\(n)_season_\(s.name)_anomaly_pct", "that anomaly as a percentage of the baseline mean; empty where the mean is 0 or missing", .percent))
        }
    }
    if let d = t.dekad {
        out.append(("\(n)_dekad", "\(d.rawValue) of the daily values of each dekad (days 1-10, 11-20 and 21 to the month's end, in the series' calendar); "
                    + "date: its first day; only dekads the series holds every day of; empty if one has no value", .value))
    }
    if let e = t.extremes {
        let th = formatNumber(e.threshold)
        let year = "per calendar year of the unit's mean daily series (not per cell); only years the series holds every day of; empty if a day has no value (xclim's missing=\"any\")"
        out.append(("\(n)_longest_dry_spell", "most consecutive days with value < \(th), \(year); spells are cut at the year end (xclim's maximum_consecutive_dry_days, resample_before_rl=True)", .days))
        out.append(("\(n)_longest_wet_spell", "most consecutive days with value ≥ \(th), \(year); spells are cut at the year end (xclim's maximum_consecutive_wet_days)", .days))
        for c in e.countThresholds {
            out.append(("\(n)_days_ge_\(formatNumber(c))", "days with value ≥ \(formatNumber(c)), \(year) (xclim's wetdays)", .days))
        }
        out.append(("\(n)_max_1day", "largest daily value, \(year) (xclim's max_n_day_precipitation_amount, window 1)", .value))
        out.append(("\(n)_max_\(e.windowDays)day", "largest sum over \(e.windowDays) consecutive days ending in the year (a window may begin in the previous year's last \(e.windowDays - 1) days), \(year) (xclim's max_n_day_precipitation_amount, window \(e.windowDays))", .value))
    }
    if let fy = t.lossFirstYear {
        out.append(("\(n)_loss", "the per-class statistic of class v as the year \(fy) + v − 1 (class 1 is \(fy); class 0 and other values are no change); 0 for a year whose class the unit does not hold; date YYYY", .value))
        out.append(("\(n)_loss_first_year", "the first year with change (> 0); date: the years of the classes; empty without change", .year))
        out.append(("\(n)_loss_last_year", "the last year with change (> 0); empty without change", .year))
        out.append(("\(n)_loss_peak_year", "the year with the most change (the earliest of equal ones); empty without change", .year))
        out.append(("\(n)_loss_total", "the change summed over the years", .value))
    }
    if let tr = t.trend {
        let period = tr.period.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "every year of the series"
        for base in yearlyBases(ind) {
            let series = base.isEmpty ? n : "\(n)_\(base)"
            let p = "\(series)_trend_"
            let gap = "over \(period) (date: the period); empty when fewer than \(pct(tr.minValid)) of the period's years (or fewer than 3) have a value"
            out += [("\(p)sen_slope", "Theil-Sen slope per year of \(series) (median of the pairwise slopes, scipy.stats.theilslopes) \(gap)", .perYear),
                    ("\(p)ols_slope", "least-squares slope per year of \(series) (scipy.stats.linregress) \(gap)", .perYear),
                    ("\(p)mk_p", "two-sided p-value of the Mann-Kendall test of \(series), variance corrected for ties (pymannkendall.original_test) \(gap)", .dimensionless),
                    ("\(p)mk_z", "Mann-Kendall Z of \(series) \(gap)", .dimensionless),
                    ("\(p)mk_s", "Mann-Kendall S of \(series) \(gap)", .dimensionless),
                    ("\(p)mk_var_s", "variance of S with the ties correction \(gap)", .dimensionless),
                    ("\(p)mk_tau", "Kendall's tau (S over the number of pairs) \(gap)", .dimensionless),
                    ("\(p)n", "years with a value in the period", .years)]
        }
    }
    if let st = t.seasonalTrend {
        let period = st.period.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "every year of the series"
        let gap = "over \(period) (date: the period), the calendar months as seasons; empty when fewer than \(pct(st.minValid)) of the period's months (or fewer than 3) have a value"
        let p = "\(n)_seasonal_trend_"
        out += [("\(p)sen_slope", "seasonal Sen slope per year (median of the within-month pairwise slopes, pymannkendall.seasonal_sens_slope) \(gap)", .perYear),
                ("\(p)mk_p", "two-sided p-value of the seasonal Kendall test, variance corrected for ties (pymannkendall.seasonal_test) \(gap)", .dimensionless),
                ("\(p)mk_z", "seasonal Kendall Z \(gap)", .dimensionless),
                ("\(p)mk_s", "seasonal Kendall S (the months' S summed) \(gap)", .dimensionless),
                ("\(p)mk_var_s", "variance of S (the months' variances summed) \(gap)", .dimensionless),
                ("\(p)mk_tau", "tau: S over the months' pairs \(gap)", .dimensionless),
                ("\(p)n", "months with a value in the period", .months)]
    }
    return out
}

/// Annual aggregates (complete years only) and anomalies against the baseline mean of the
/// same calendar month (of a daily series: the same calendar day), for one unit and
/// statistic, in date order.
package func derivedRows(dates: [String], values: [Double], annual: AnnualAggregate?, baseline: ClosedRange<Int>?,
                         calendar: CFCalendar = .gregorian) -> [DerivedRow] {
    let daily = dates.first?.count == 10
    var out: [DerivedRow] = []
    if let annual {
        out = daily ? dailyAnnualRows(dates: dates, values: values, annual: annual, calendar: calendar)
            : monthlyAnnualRows(dates: dates, values: values, annual: annual)
    }
    if let baseline { out += anomalyRows(dates: dates, values: values, baseline: baseline, daily: daily) }
    return out
}

/// Annual sums (or means) of a monthly series: years holding all 12 months.
package func monthlyAnnualRows(dates: [String], values: [Double], annual: AnnualAggregate) -> [DerivedRow] {
    let ym = dates.map { (Int($0.prefix(4))!, Int($0.suffix(2))!) }
    var years: [Int: [Int]] = [:]
    for (k, d) in ym.enumerated() { years[d.0, default: []].append(k) }
    return years.keys.sorted().filter { y in Set(years[y]!.map { ym[$0].1 }).count == 12 }.map { y in
        let sum = years[y]!.map { values[$0] }.reduce(0, +)
        return DerivedRow(kind: "annual", date: String(format: "%04d", y), value: annual == .sum ? sum : sum / 12)
    }
}

/// Anomalies and their percentages: each value minus the mean of the values of the same
/// calendar month (daily: month and day, so 29 February is compared with 29 February only,
/// and a 360-day calendar's 30 February with its own) in the baseline years, missing
/// values left out of the mean.
package func anomalyRows(dates: [String], values: [Double], baseline: ClosedRange<Int>, daily: Bool) -> [DerivedRow] {
    // Key MM * 100 + DD (DD 0 on a monthly series): at most 1231.
    let keys = dates.map { d in Int(d.dropFirst(5).prefix(2))! * 100 + (daily ? Int(d.suffix(2))! : 0) }
    return anomalyRows(dates: dates, keys: keys, years: dates.map { Int($0.prefix(4))! }, values: values, baseline: baseline)
}

/// The same from each date's calendar key (MM * 100 + DD) and year, parsed once by the caller.
func anomalyRows(dates: [String], keys: [Int], years: [Int], values: [Double], baseline: ClosedRange<Int>) -> [DerivedRow] {
    var sink = DerivedRows()
    anomalyRows(dates: dates, keys: keys, years: years, values: values, baseline: baseline, into: &sink)
    return sink.rows
}

/// The anomalies (every date), then their percentages, into `out`.
func anomalyRows<S: DerivedSink>(dates: [String], keys: [Int], years: [Int], values: [Double], baseline: ClosedRange<Int>, into out: inout S) {
    var sums = [Double](repeating: 0, count: 1300), counts = [Int](repeating: 0, count: 1300)
    for k in dates.indices where baseline.contains(years[k]) && !values[k].isNaN {
        sums[keys[k]] += values[k]; counts[keys[k]] += 1
    }
    func mean(_ key: Int) -> Double { counts[key] > 0 ? sums[key] / Double(counts[key]) : .nan }
    for (k, key) in keys.enumerated() { out.add("anomaly", dates[k], values[k] - mean(key), .value) }
    for (k, key) in keys.enumerated() {
        let m = mean(key), a = values[k] - m
        out.add("anomaly_pct", dates[k], m == 0 ? .nan : a / m * 100, .percent)
    }
}

/// Annual sums (or means) of a daily series: years holding every day of their calendar
/// (360, 365 or 366 days), as the monthly rule asks for all 12 months.
package func dailyAnnualRows(dates: [String], values: [Double], annual: AnnualAggregate, calendar: CFCalendar) -> [DerivedRow] {
    var years: [Int: (days: Set<String>, sum: Double)] = [:]
    for (k, d) in dates.enumerated() {
        let y = Int(d.prefix(4))!
        var e = years[y] ?? ([], 0)
        e.days.insert(d); e.sum += values[k]
        years[y] = e
    }
    return years.keys.sorted().compactMap { y in
        let e = years[y]!, n = calendar.daysInYear(y)
        guard e.days.count == n else { return nil }
        return DerivedRow(kind: "annual", date: String(format: "%04d", y), value: annual == .sum ? e.sum : e.sum / Double(n))
    }
}
