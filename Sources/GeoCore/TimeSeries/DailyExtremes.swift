import Foundation

// Yearly extremes of a daily series (for rainfall: of a zone's mean daily rainfall, not of
// each cell), with xclim's definitions and year rules:
//
// - longest dry spell: most consecutive days with value < threshold
//   (xclim.indices.maximum_consecutive_dry_days, op "<");
// - longest wet spell: most consecutive days with value ≥ threshold
//   (maximum_consecutive_wet_days, op ">=");
// - days at or above T: days with value ≥ T (xclim's wetdays, ETCCDI's R10mm);
// - maximum 1-day and N-day totals (max_n_day_precipitation_amount).
//
// Across the year end, xclim's defaults: spells are cut at it (`resample_before_rl=True`:
// each year's runs are counted within the year, so a spell from 25 December to 5 January
// counts 7 days in the first year and 5 in the second); an N-day window belongs to the year
// of its last day and may reach back into the previous year's last N − 1 days (a rolling
// sum labelled at its end, then the year's maximum; windows with a missing day left out).
// A year is computed only when the series dates each of its days (360, 365 or 366 by the
// calendar); a year with a day without a value is empty (xclim's `missing="any"`).

public enum DailyExtremes {
    public struct Options: Sendable, Equatable {
        public var threshold: Double
        public var windowDays: Int
        public var countThresholds: [Double]
        public init(threshold: Double = 1, windowDays: Int = 5, countThresholds: [Double] = []) {
            self.threshold = threshold; self.windowDays = windowDays; self.countThresholds = countThresholds
        }
    }

    public struct Year: Sendable, Equatable {
        public var year: Int
        public var longestDrySpell: Double
        public var longestWetSpell: Double
        public var maxOneDay: Double
        public var maxWindow: Double
        /// Per `countThresholds`, the days at or above it.
        public var daysAtOrAbove: [Double]
    }

    /// The extremes of every year the series dates entirely, in year order.
    public static func compute(_ series: DailySeries, options: Options) -> [Year] {
        guard series.count > 0 else { return [] }
        let windows = windowSums(series, days: options.windowDays)
        var out: [Year] = []
        for y in series.date(0).year...series.date(series.count - 1).year {
            guard let r = series.datedRange(from: (y, 1, 1), toBefore: (y + 1, 1, 1)) else { continue }
            let days = series.values[r]
            guard !days.contains(where: \.isNaN) else {
                out.append(Year(year: y, longestDrySpell: .nan, longestWetSpell: .nan, maxOneDay: .nan, maxWindow: .nan,
                                daysAtOrAbove: options.countThresholds.map { _ in .nan }))
                continue
            }
            out.append(Year(year: y,
                            longestDrySpell: Double(longestRun(days) { $0 < options.threshold }),
                            longestWetSpell: Double(longestRun(days) { $0 >= options.threshold }),
                            maxOneDay: days.max()!,
                            maxWindow: windows[r].filter { !$0.isNaN }.max() ?? .nan,
                            daysAtOrAbove: options.countThresholds.map { t in Double(days.filter { $0 >= t }.count) }))
        }
        return out
    }

    /// The longest run of consecutive values meeting `condition`.
    public static func longestRun<C: Collection>(_ values: C, _ condition: (Double) -> Bool) -> Int where C.Element == Double {
        var best = 0, run = 0
        for v in values {
            run = condition(v) ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }

    /// The sum of the `days` days ending at each step; NaN where one of them is missing or
    /// before the series.
    public static func windowSums(_ series: DailySeries, days: Int) -> [Double] {
        series.values.indices.map { i in
            guard i >= days - 1 else { return .nan }
            var s = 0.0
            for k in (i - days + 1)...i { s += series.values[k] }
            return s
        }
    }
}
