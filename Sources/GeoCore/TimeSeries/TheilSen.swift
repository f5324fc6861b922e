import Foundation

// The Theil-Sen slope (Theil 1950, Sen 1968) as scipy.stats.theilslopes computes it: the
// median of the slopes (y_j − y_i)/(x_j − x_i) over every pair with x_j > x_i. On yearly
// values with x the year, the slope per year; pymannkendall's sens_slope is the same on a
// series with one value per step (its x is the position, so a gap's pairs span it).

public enum TheilSen {
    /// The slope; pairs with a missing (NaN) y are left out; NaN with no pair.
    public static func slope(x: [Double], y: [Double]) -> Double {
        var slopes: [Double] = []
        appendSlopes(x: x, y: y, to: &slopes)
        return sortedMedian(&slopes)
    }

    /// The slopes of every pair of (x, y) with x_j > x_i and both y present.
    public static func appendSlopes(x: [Double], y: [Double], to slopes: inout [Double]) {
        for i in x.indices where !y[i].isNaN {
            for j in x.indices where x[j] > x[i] && !y[j].isNaN {
                slopes.append((y[j] - y[i]) / (x[j] - x[i]))
            }
        }
    }
}

/// The median as numpy's (the mean of the two middle values of an even count); NaN when
/// empty. Reorders `values` (a selection, not a sort: linear time on average).
public func sortedMedian(_ values: inout [Double]) -> Double {
    let n = values.count
    guard n > 0 else { return .nan }
    let upper = select(&values, n / 2)
    guard n % 2 == 0 else { return upper }
    // The lower middle is the largest value left of the upper one.
    var lower = -Double.infinity
    for i in 0..<(n / 2) where values[i] > lower { lower = values[i] }
    return (lower + upper) / 2
}

/// Reorder `a` so that a[k] is the value a sort would put there, with no larger value before
/// it and no smaller one after (Hoare's selection with a median-of-three pivot).
func select(_ a: inout [Double], _ k: Int) -> Double {
    // On the buffer: Array's swapAt checks uniqueness and bounds on every swap.
    a.withUnsafeMutableBufferPointer { a in
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as the pivot.
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
