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
        let (slots, slotCount) = slotsOf(keys)
        return compute(values: values, slots: slots, slotCount: slotCount, years: years, baseline: baseline, minValidShare: minValidShare)
    }

    /// The same from `slotsOf(keys)`, found once by a caller that has many series of the same
    /// dates (a batch table's zones).
    package static func compute(values: [Double], slots: [Int], slotCount: Int, years: [Int], baseline: ClosedRange<Int>,
                                minValidShare: Double) -> [Double] {
        // The baseline's sums in the values' order (as the mean of each group's values), then
        // the squared deviations in the same order.
        var sum = [Double](repeating: 0, count: slotCount), count = [Int](repeating: 0, count: slotCount)
        for k in values.indices where baseline.contains(years[k]) && !values[k].isNaN {
            sum[slots[k]] += values[k]; count[slots[k]] += 1
        }
        let mean = sum.indices.map { sum[$0] / Double(count[$0]) }
        var squares = [Double](repeating: 0, count: slotCount)
        for k in values.indices where baseline.contains(years[k]) && !values[k].isNaN {
            let d = values[k] - mean[slots[k]]
            squares[slots[k]] += d * d
        }
        let sd = squares.indices.map { j -> Double in
            let n = Double(count[j])
            guard count[j] >= 2, n >= minValidShare * Double(baseline.count) else { return .nan }
            let sd = (squares[j] / (n - 1)).squareRoot()
            return sd > 0 ? sd : .nan
        }
        return values.indices.map { k in
            let j = slots[k]
            return sd[j].isNaN ? .nan : (values[k] - mean[j]) / sd[j]
        }
    }

    /// Each key's slot (keys are few: 12 months, or 366 month-days), numbered in order of
    /// first appearance, and how many. Keys of 0-9999 (MM * 100 + DD) through an array, not
    /// a dictionary (hashing each key cost as much as the z-scores: this runs per zone).
    package static func slotsOf(_ keys: [Int]) -> (slots: [Int], count: Int) {
        var count = 0
        if let top = keys.max(), top < 10_000, keys.allSatisfy({ $0 >= 0 }) {
            var slotOf = [Int](repeating: -1, count: top + 1)
            let slots = keys.map { k in
                if slotOf[k] < 0 { slotOf[k] = count; count += 1 }
                return slotOf[k]
            }
            return (slots, count)
        }
        var slotOf: [Int: Int] = [:]
        let slots = keys.map { k in slotOf[k] ?? { slotOf[k] = count; count += 1; return count - 1 }() }
        return (slots, count)
    }
}
