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
/// empty. Sorts `values`.
public func sortedMedian(_ values: inout [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    values.sort()
    let m = values.count / 2
    return values.count % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2
}
