import Foundation

// The seasonal Kendall test (Hirsch, Slack and Smith 1982; Hirsch and Slack 1984) and the
// seasonal Sen slope, as pymannkendall.seasonal_test and seasonal_sens_slope compute them:
// a Mann-Kendall S and Var(S) per season (each season's missing values left out), summed;
// Z and p from the sums, τ = ΣS / Σ n_s(n_s−1)/2; the slope is the median of the
// within-season slopes (y_j − y_i)/(t_j − t_i) of every season pooled (t: the year, so the
// slope is per year). pymannkendall takes its seasons by position (a series that starts in
// January); here a season is a calendar month, whatever month the series starts in.

public struct SeasonalKendall: Sendable, Equatable {
    public var test: MannKendall
    public var slope: Double

    /// `seasons`: per season, its (year, value) pairs in time order (NaN values missing).
    public init(seasons: [[(time: Double, value: Double)]]) {
        let present = seasons.map { $0.filter { !$0.value.isNaN } }
        self.init(presentValues: present.map { $0.map(\.value) }, times: present.map { $0.map(\.time) })
    }

    /// Per season, its present values in time order and their years. The same sums and
    /// slopes as above (missing values left out either way), in the same order.
    public init(presentValues seasons: [[Double]], times: [[Double]]) {
        var signs: [TheilSen.SignCounts]
        if seasons.count == times.count, zip(times, seasons).allSatisfy({ TheilSen.isPresentAndIncreasing(x: $0, y: $1) }) {
            // Every season's years increasing without a gap (every one `Trend.seasonal` gives):
            // the median without storing the ~11,000 slopes, and each season's Mann-Kendall
            // signs counted in the same pass over the pairs.
            signs = []
            slope = TheilSen.medianOfSlopesOfIncreasing(x: times, y: seasons, signs: &signs, countSigns: true)
        } else {
            var slopes = Self.withinSeasonSlopes(seasons, times: times)
            slope = sortedMedian(&slopes)
            signs = seasons.map(MannKendall.signCounts)
        }
        var s = 0.0, variance = 0.0, pairs = 0.0, n = 0
        for (x, counts) in zip(seasons, signs) {
            let (score, v) = MannKendall.scoreAndVariance(x, counts)
            s += score
            variance += v
            pairs += Double(x.count * (x.count - 1)) / 2
            n += x.count
        }
        test = MannKendall(s: s, varianceS: variance, pairs: pairs, n: n)
    }

    /// Every season's pairwise slopes, season by season, in `TheilSen.appendSlopes`' order.
    /// Seasons of increasing years without a missing value (every one `Trend.seasonal`
    /// gives) are written straight into one buffer of the total count, not appended season
    /// by season (an element-wise append of zeros first).
    static func withinSeasonSlopes(_ seasons: [[Double]], times: [[Double]]) -> [Double] {
        guard seasons.count == times.count, zip(times, seasons).allSatisfy({ TheilSen.isPresentAndIncreasing(x: $0, y: $1) }) else {
            var slopes: [Double] = []
            for (x, t) in zip(seasons, times) { TheilSen.appendSlopes(x: t, y: x, to: &slopes, presentAndIncreasing: true) }
            return slopes
        }
        let total = seasons.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 }
        return [Double](unsafeUninitializedCapacity: total) { out, count in
            var start = 0
            for (x, t) in zip(seasons, times) {
                TheilSen.writeSlopesOfIncreasing(x: t, y: x, to: out, at: start)
                start += x.count * (x.count - 1) / 2
            }
            count = total
        }
    }
}
