import Foundation

// The gamma distribution's CDF (scipy.stats.gamma.cdf with shape a and scale), through the
// regularized lower incomplete gamma function P(a, x): its series below a + 1 + 4√a, a
// continued fraction (modified Lentz) above, both to double precision. The series converges
// for every x; past a + 1 (the textbook switch) it needs more terms than the fraction, but
// a term costs a multiplication and a division off the critical path where an iteration of
// the fraction costs two dependent divisions, so the series is the faster of the two up to
// about four standard deviations above the mean (measured for a from 0.7 to 150: at
// a + 1 + 3√a the series takes 55-260 ns, the fraction 85-370 ns). The two agree to about
// 1e-14 there. SPI evaluates this for every month of every zone. For a ≥ 20 near the mean
// (GammaTemme.domain) both `cdf`s use Temme's uniform asymptotic expansion instead
// (GammaTemme.swift): the same cost at every a where the series' grows with √a, and none of
// the series' prefix rounding (4ε·a|ln x| of P); `regularizedLowerGamma` stays the series and
// the fraction.

public enum GammaDistribution {
    /// P(X ≤ x) for shape `a` and scale `scale`; NaN unless both are finite and positive.
    /// `logGammaShape`: ln Γ(a), when the caller evaluates many x for one a.
    public static func cdf(_ x: Double, shape a: Double, scale: Double, logGammaShape: Double? = nil) -> Double {
        guard a.isFinite, a > 0, scale.isFinite, scale > 0, !x.isNaN else { return .nan }
        let y = x / scale
        if let domain = GammaTemme.domain(a), domain.contains(y) { return GammaTemme(shape: a, lowest: y, highest: y).p8(SIMD8(repeating: y))[0] }
        return regularizedLowerGamma(a, y, logGammaA: logGammaShape ?? logGamma(a))
    }

    /// P(a, x) = γ(a, x) / Γ(a), for a > 0; 0 for x ≤ 0, 1 at +∞.
    public static func regularizedLowerGamma(_ a: Double, _ x: Double, logGammaA: Double? = nil) -> Double {
        if x <= 0 { return 0 }
        if x == .infinity { return 1 }
        let logPrefix = -x + a * log(x) - (logGammaA ?? logGamma(a))
        if x < seriesLimit(a) {
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

    /// P(X ≤ x) for every x of `xs`, all with shape `a` and scale `scale` (one fit of SPI's,
    /// evaluated for each year of a calendar month), into `out` (resized to `xs`'s count). The
    /// same values as `cdf` one by one, to within an ulp or two: below the switch point the
    /// series runs for 8 values at once in lockstep, with the factor x/(a+n) as x·(1/(a+n))
    /// (one division per term for the 8), each sum continued until all 8 have converged (the
    /// extra terms fall below half an ulp of their sum); above it, the continued fraction value
    /// by value. (Ordering the values first, so that the 8 need similar numbers of terms, cost
    /// as much as it saved on SPI's ~40 values.)
    public static func cdf(_ xs: [Double], shape a: Double, scale: Double, logGammaShape: Double? = nil, into out: inout [Double]) {
        xs.withUnsafeBufferPointer { cdf($0, shape: a, scale: scale, logGammaShape: logGammaShape, into: &out) }
    }

    /// The same from memory (SPI's buffer of a calendar month's sums). Each x/scale is
    /// divided once: kept in `out` until its P replaces it.
    static func cdf(_ xs: UnsafeBufferPointer<Double>, shape a: Double, scale: Double, logGammaShape: Double? = nil, into out: inout [Double]) {
        // Every value of `out` is written below: resized only (no pass of zeros each time).
        if out.count != xs.count { out = [Double](repeating: 0, count: xs.count) }
        guard a.isFinite, a > 0, scale.isFinite, scale > 0 else {
            for k in out.indices { out[k] = .nan }
            return
        }
        let lgA = logGammaShape ?? logGamma(a)
        let switchPoint = seriesLimit(a)
        // Outside the expansion's domain, the series or the continued fraction (an empty range below a = 20).
        let (temmeLow, temmeHigh) = GammaTemme.domain(a).map { ($0.lowerBound, $0.upperBound) } ?? (1, 0)
        out.withUnsafeMutableBufferPointer { out in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * xs.count) { indices in
            let series = UnsafeMutableBufferPointer(rebasing: indices[..<xs.count])
            let temme = UnsafeMutableBufferPointer(rebasing: indices[xs.count...])
            var count = 0, temmeCount = 0, temmeLowest = Double.infinity, temmeHighest = -Double.infinity
            // The values of the expansion and of the series (none NaN, ≤ 0 or infinite) listed
            // without a branch (each index written, the count moved by the test: which of the two
            // a value falls in was a mispredicted branch); the others, mostly zeros, apart.
            // The divisions first, in a loop of their own (vectorised: the same quotients, two
            // at a time); the listing loop waited on each.
            for k in xs.indices { out[k] = xs[k] / scale }
            for k in xs.indices {
                let y = out[k]
                let isTemme = unsafeBitCast(y >= temmeLow, to: UInt8.self) & unsafeBitCast(y <= temmeHigh, to: UInt8.self)
                let isSeries = (isTemme ^ 1) & unsafeBitCast(y > 0, to: UInt8.self) & unsafeBitCast(y < switchPoint, to: UInt8.self)
                temme[temmeCount] = k
                temmeCount &+= Int(isTemme)
                series[count] = k
                count &+= Int(isSeries)
                temmeLowest = min(temmeLowest, isTemme != 0 ? y : .infinity)
                temmeHighest = max(temmeHighest, isTemme != 0 ? y : -.infinity)
                if isTemme | isSeries == 0 { out[k] = y.isNaN ? .nan : y <= 0 ? 0 : y == .infinity ? 1 : regularizedLowerGamma(a, y, logGammaA: lgA) }
            }
            var start = 0
            while start < count {
                let lanes = min(8, count - start)
                var y = SIMD8<Double>(repeating: 0)
                var slowest = 0
                for l in 0..<lanes {
                    y[l] = out[series[start + l]]
                    if y[l] > y[slowest] { slowest = l }
                }
                let sum = lowerGammaSeries8(a, y, slowestLane: slowest)
                for l in 0..<lanes { out[series[start + l]] = sum[l] * exp(-y[l] + a * log(y[l]) - lgA) }
                start += 8
            }
            guard temmeCount > 0 else { return }
            let expansion = GammaTemme(shape: a, lowest: temmeLowest, highest: temmeHighest)
            start = 0
            while start < temmeCount {
                let lanes = min(8, temmeCount - start)
                var y = SIMD8<Double>(repeating: a)   // unused lanes at the mean
                for l in 0..<lanes { y[l] = out[temme[start + l]] }
                let p = expansion.p8(y)
                for l in 0..<lanes { out[temme[start + l]] = p[l] }
                start += 8
            }
        }
        }
    }

    /// Below this x, P(a, x) by its series (see the top).
    static func seriesLimit(_ a: Double) -> Double { a + 1 + 4 * a.squareRoot() }

    /// Σ x^n / (a (a+1) ... (a+n)) for 8 values of x at once (unused lanes 0).
    /// `slowestLane`: the lane of the largest x, the last to converge (a term's ratio to the
    /// partial sum, 1 / Σ_{k≤n} (c_k / c_n) x^(k−n), grows with x). Its term and sum are
    /// kept again as scalars (the same operations, so the same values) and tested alone
    /// every second term: the test of the 8 lanes cost as much as a term. The 8 lanes are
    /// tested when it passes, so the sums are those of testing the 8 lanes every time.
    static func lowerGammaSeries8(_ a: Double, _ x: SIMD8<Double>, slowestLane: Int = 0) -> SIMD8<Double> {
        var ap = a
        var term = SIMD8<Double>(repeating: 1 / a), sum = term
        let xSlowest = x[slowestLane]
        var termSlowest = 1 / a, sumSlowest = termSlowest
        for _ in 0..<5_000 {
            ap += 1
            let r1 = 1 / ap
            term *= x * r1
            sum += term
            termSlowest *= xSlowest * r1
            sumSlowest += termSlowest
            ap += 1
            let r2 = 1 / ap
            term *= x * r2
            sum += term
            termSlowest *= xSlowest * r2
            sumSlowest += termSlowest
            if termSlowest < sumSlowest * 1e-16, all(term .< sum * 1e-16) { break }
        }
        return sum
    }

    /// ln Γ(a), reentrant (glibc's lgamma writes a global sign; derived series run on several threads).
    public static func logGamma(_ a: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(a, &sign)
    }
}
