import Foundation

// The Mann-Kendall trend test, as pymannkendall.original_test computes it (Mann 1945,
// Kendall 1975, Gilbert 1987): S = Σ_{i<j} sign(x_j − x_i) over the values in time order,
// missing values left out; its variance with the ties correction
// Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 (t: the size of each group of equal
// values); Z = (S − 1)/√Var(S) for S > 0, (S + 1)/√Var(S) for S < 0, 0 for S = 0; the
// two-sided p-value 2 (1 − Φ(|Z|)); Kendall's τ = S / (n(n−1)/2).

public struct MannKendall: Sendable, Equatable {
    /// Values used (missing ones left out).
    public var n: Int
    public var s: Double
    public var varianceS: Double
    public var z: Double
    public var p: Double
    public var tau: Double

    /// The test on `values` in time order; NaN values are left out (the order of the
    /// others is kept), as pymannkendall's `skip`.
    public init(_ values: [Double]) {
        let x = values.filter { !$0.isNaN }
        self.init(present: x, signs: Self.signCounts(x))
    }

    /// The same from values none of which is NaN and their `signCounts` (counted elsewhere:
    /// the Sen slope's pass over the pairs counts them).
    init(present x: [Double], signs: TheilSen.SignCounts) {
        let (score, variance) = Self.scoreAndVariance(x, signs)
        self.init(s: score, varianceS: variance, pairs: Double(x.count * (x.count - 1)) / 2, n: x.count)
    }

    /// From S, Var(S) and the number of pairs (summed over the seasons of a seasonal test).
    public init(s: Double, varianceS: Double, pairs: Double, n: Int) {
        self.n = n
        self.s = s
        self.varianceS = varianceS
        z = s > 0 ? (s - 1) / varianceS.squareRoot() : s < 0 ? (s + 1) / varianceS.squareRoot() : 0
        p = StandardNormal.twoSidedP(z)
        tau = s / pairs
    }

    /// S = Σ_{i<j} sign(x_j − x_i), of values none of which is NaN. Branch-free (each sign as
    /// the difference of two comparisons' bits): the comparisons of a trendless series are
    /// unpredictable, and the seasonal test makes ~11,000 of them per zone.
    public static func score(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { x in
            var s = 0
            for i in x.indices {
                let xi = x[i]
                for j in (i + 1)..<x.count {
                    s &+= Int(unsafeBitCast(x[j] > xi, to: UInt8.self)) &- Int(unsafeBitCast(x[j] < xi, to: UInt8.self))
                }
            }
            return Double(s)
        }
    }

    /// `score` and `variance` of values none of which is NaN, in one pass over the pairs: it
    /// counts the increasing and the decreasing pairs, and the pairs neither are, the equal
    /// ones, tell whether there are ties at all. Without ties the variance needs no sort (the
    /// ties' sum is 0); with them it is `variance`'s. The same two numbers bit for bit.
    public static func scoreAndVariance(_ x: [Double]) -> (s: Double, variance: Double) {
        scoreAndVariance(x, signCounts(x))
    }

    /// The pairs i < j with x_j > x_i and with x_j < x_i, of values none of which is NaN.
    static func signCounts(_ x: [Double]) -> TheilSen.SignCounts {
        x.withUnsafeBufferPointer { x in
            var up = 0, down = 0
            for i in x.indices {
                let xi = x[i]
                for j in (i + 1)..<x.count {
                    up &+= Int(unsafeBitCast(x[j] > xi, to: UInt8.self))
                    down &+= Int(unsafeBitCast(x[j] < xi, to: UInt8.self))
                }
            }
            return TheilSen.SignCounts(up: up, down: down)
        }
    }

    /// `scoreAndVariance` from the values' `signCounts` (counted elsewhere, as the Sen slope's pass does).
    static func scoreAndVariance(_ x: [Double], _ counts: TheilSen.SignCounts) -> (s: Double, variance: Double) {
        let up = counts.up, down = counts.down
        let s = Double(up - down)
        guard up + down == x.count * (x.count - 1) / 2 else { return (s, variance(x)) }
        let n = Double(x.count)
        return (s, (n * (n - 1) * (2 * n + 5) - 0.0) / 18)
    }

    /// Var(S) with the ties correction.
    public static func variance(_ x: [Double]) -> Double {
        let n = Double(x.count)
        var ties = 0.0
        let sorted = x.sorted()
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[i] { j += 1 }
            let t = Double(j - i + 1)
            ties += t * (t - 1) * (2 * t + 5)
            i = j + 1
        }
        return (n * (n - 1) * (2 * n + 5) - ties) / 18
    }
}
