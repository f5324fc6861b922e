import Foundation

// The standard normal distribution, to double precision: the trend tests' p-values and the
// SPI's last step need its CDF and its quantile (scipy.stats.norm.cdf and norm.ppf).

public enum StandardNormal {
    /// Φ(x) = P(Z ≤ x), through erfc (accurate in both tails).
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// 2 (1 − Φ(|z|)): the two-sided p-value of a standard normal statistic.
    public static func twoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }

    /// Φ⁻¹(p): −∞ at 0, +∞ at 1, NaN outside [0, 1]. Wichura's algorithm AS 241 (PPND16,
    /// Applied Statistics 37, 1988): rational functions accurate to about 1 part in 1e16,
    /// with no transcendental function for 0.075 ≤ p ≤ 0.925 and one log and one square root
    /// in the tails (SPI evaluates it for every month of every zone and scale).
    public static func quantile(_ p: Double) -> Double {
        guard p >= 0 && p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r
                + 4.5921953931549871457e4) * r + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                + 1.3314166789178437745e2) * r + 3.3871328727963666080e0)
            let den = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r + 3.9307895800092710610e4) * r
                + 2.1213794301586595867e4) * r + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                + 4.2313330701600911252e1) * r + 1)
            return q * num / den
        }
        var r = (-log(q < 0 ? p : 1 - p)).squareRoot()
        let x: Double
        if r <= 5 {
            r -= 1.6
            x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r
                + 1.27045825245236838258e0) * r + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                + 4.63033784615654529590e0) * r + 1.42343711074968357734e0)
                / (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r
                    + 1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                    + 2.05319162663775882187e0) * r + 1)
        } else {
            r -= 5
            x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r
                + 2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                + 5.46378491116411436990e0) * r + 6.65790464350110377720e0)
                / (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r
                    + 7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                    + 5.99832206555887937690e-1) * r + 1)
        }
        return q < 0 ? -x : x
    }

    /// `quantile` of every value of `p`, in place, with the same roundings: the central values
    /// (|p − ½| ≤ 0.425, no transcendental function) 8 at a time in SIMD lanes, whose two
    /// degree-7 polynomials are chains of dependent multiply-adds one value at a time; the
    /// tails value by value.
    public static func quantiles(_ p: inout [Double]) {
        p.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(base)
            var start = 0
            // Whole groups of 8 loaded and stored as vectors, the tails' lanes (if any) then
            // replaced from memory by a loop of 8 (a loop of a variable count of lanes read
            // each lane of the vectors back from the stack, every lane of every group).
            while start + 8 <= p.count {
                let v = raw.loadUnaligned(fromByteOffset: start * 8, as: SIMD8<Double>.self)
                let q = v - 0.5
                let z = central8(v)
                if all(q .>= -0.425 .& q .<= 0.425) {
                    raw.storeBytes(of: z, toByteOffset: start * 8, as: SIMD8<Double>.self)
                } else {
                    for l in 0..<8 {
                        let x = p[start + l]
                        p[start + l] = abs(x - 0.5) <= 0.425 ? z[l] : quantile(x)
                    }
                }
                start += 8
            }
            guard start < p.count else { return }
            let lanes = p.count - start
            var v = SIMD8<Double>(repeating: 0.5)
            for l in 0..<lanes { v[l] = p[start + l] }
            let z = central8(v)
            for l in 0..<lanes {
                let q = v[l] - 0.5
                p[start + l] = abs(q) <= 0.425 ? z[l] : quantile(v[l])
            }
        }
    }

    /// AS 241's central rational function (|p − ½| ≤ 0.425) for 8 values, term by term as `quantile`'s.
    static func central8(_ p: SIMD8<Double>) -> SIMD8<Double> {
        let q = p - 0.5
        let r = 0.180625 - q * q
        var num = 2.5090809287301226727e3 * r
        for c in [3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4, 1.3731693765509461125e4,
                  1.9715909503065514427e3, 1.3314166789178437745e2] { num = (num + c) * r }
        num = num + 3.3871328727963666080e0
        var den = 5.2264952788528545610e3 * r
        for c in [2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4, 5.3941960214247511077e3,
                  6.8718700749205790830e2, 4.2313330701600911252e1] { den = (den + c) * r }
        den = den + 1
        return q * num / den
    }
}
