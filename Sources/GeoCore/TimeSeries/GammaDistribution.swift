import Foundation

// The gamma distribution's CDF (scipy.stats.gamma.cdf with shape a and scale), through the
// regularized lower incomplete gamma function P(a, x): its series below a + 1, a continued
// fraction (modified Lentz) above, both to double precision.

public enum GammaDistribution {
    /// P(X ≤ x) for shape `a` and scale `scale`; NaN unless both are finite and positive.
    /// `logGammaShape`: ln Γ(a), when the caller evaluates many x for one a.
    public static func cdf(_ x: Double, shape a: Double, scale: Double, logGammaShape: Double? = nil) -> Double {
        guard a.isFinite, a > 0, scale.isFinite, scale > 0, !x.isNaN else { return .nan }
        return regularizedLowerGamma(a, x / scale, logGammaA: logGammaShape ?? logGamma(a))
    }

    /// P(a, x) = γ(a, x) / Γ(a), for a > 0; 0 for x ≤ 0, 1 at +∞.
    public static func regularizedLowerGamma(_ a: Double, _ x: Double, logGammaA: Double? = nil) -> Double {
        if x <= 0 { return 0 }
        if x == .infinity { return 1 }
        let logPrefix = -x + a * log(x) - (logGammaA ?? logGamma(a))
        if x < a + 1 {
            // Σ x^n / (a (a+1) ... (a+n)).
            var ap = a, term = 1 / a, sum = term
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return sum * exp(logPrefix)
        }
        // Q(a, x) by its continued fraction, then P = 1 - Q.
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return 1 - exp(logPrefix) * h
    }

    /// ln Γ(a), reentrant (glibc's lgamma writes a global sign; derived series run on several threads).
    public static func logGamma(_ a: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(a, &sign)
    }
}
