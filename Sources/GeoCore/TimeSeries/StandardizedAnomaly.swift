import Foundation

// The standardised anomaly (z-score) of each value against the values of the same calendar
// period (a month; of a daily series, a month and day) over a baseline:
// z = (x − mean) / sd, with the sample standard deviation (n − 1 in the denominator, as
// pandas' std and numpy's std(ddof=1)). A period whose baseline holds fewer values than
// `minValidShare` of the baseline's years, or fewer than 2, or whose values are all equal
// (sd 0), has no z-score (NaN).

public enum StandardizedAnomaly {
    /// `keys`: each value's calendar period (any integer, e.g. MM * 100 + DD); `years`: its
    /// year. Missing values (NaN) are left out of the baseline's mean and sd.
    public static func compute(values: [Double], keys: [Int], years: [Int], baseline: ClosedRange<Int>, minValidShare: Double) -> [Double] {
        var groups: [Int: [Double]] = [:]
        for k in values.indices where baseline.contains(years[k]) && !values[k].isNaN {
            groups[keys[k], default: []].append(values[k])
        }
        var moments: [Int: (mean: Double, sd: Double)] = [:]
        for (key, xs) in groups where xs.count >= 2 && Double(xs.count) >= minValidShare * Double(baseline.count) {
            let n = Double(xs.count)
            let mean = xs.reduce(0, +) / n
            let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            if sd > 0 { moments[key] = (mean, sd) }
        }
        return values.indices.map { k in
            guard let m = moments[keys[k]] else { return .nan }
            return (values[k] - m.mean) / m.sd
        }
    }
}
