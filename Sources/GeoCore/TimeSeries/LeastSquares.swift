import Foundation

// The ordinary least-squares slope of y on x (scipy.stats.linregress's slope):
// Σ (x − x̄)(y − ȳ) / Σ (x − x̄)², over the pairs with y present.

public enum LeastSquares {
    /// The slope; NaN with fewer than two points or a single x.
    public static func slope(x: [Double], y: [Double]) -> Double {
        let pts = zip(x, y).filter { !$0.1.isNaN }
        guard pts.count >= 2 else { return .nan }
        let n = Double(pts.count)
        let mx = pts.reduce(0) { $0 + $1.0 } / n, my = pts.reduce(0) { $0 + $1.1 } / n
        var sxy = 0.0, sxx = 0.0
        for (a, b) in pts { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
        return sxx > 0 ? sxy / sxx : .nan
    }
}
