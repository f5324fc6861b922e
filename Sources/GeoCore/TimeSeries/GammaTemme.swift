import Foundation

// P(a, x) for large shapes by Temme's uniform asymptotic expansion (DLMF 8.12.3-8.12.10;
// Temme 1979; DiDonato & Morris 1986, the method of Boost's igamma_temme_large), 8 values
// at a time in SIMD lanes:
//
//   Q(a, x) = ½ erfc(η √(a/2)) + e^(−aη²/2) / √(2πa) · Σ_k c_k(η) a^−k,
//   η²/2 = μ − ln(1 + μ), μ = x/a − 1, η of the sign of μ.
//
// The series' cost grows with √a (about 9√a terms near the mean: 80-120 for SPI-12's shapes)
// and its prefix x^a e^−x / Γ(a) loses about a·ε to the cancellation of a ln x against
// ln Γ(a) + x (1e-13 of P at a = 100); the expansion costs the same for every a and has no
// such cancellation. Per shape, the 12 polynomials c_k (degree 34 in η, from
// scripts/gamma_temme_coefficients.py) are summed into one polynomial in η; per value: η
// by the series of ln(1 + μ) in t = μ/(2 + μ) (no cancellation near μ = 0), erfc as
// e^−y erfcx(√y) with y = aη²/2 (one exp shared with the second term, no t² rounding in
// erfc's exponent) and erfcx a polynomial in (√y − 3)/(√y + 3), and an exp of our own
// (Cody-Waite reduction, degree-13 Taylor polynomial, 2 ulps). glibc's scalar log, erfc and exp per
// value would cost more than the series saves at these shapes (Benchmarks/gamma_temme_bound.swift).
//
// Domain: a ≥ 20 (the 12th term is below 1e-17 of the tail there) and −0.57 ≤ μ ≤ 0.9
// (|t| ≤ 0.4: t's series to 20 terms; |η| ≤ 1.05) and aη²/2 ≤ 25 (erfcx's polynomial, √y ≤ 5;
// beyond, the tail is below 1e-11 and SPI clipped).
// Accuracy: (4 + 2y)ε of the smaller of P and Q (P = 1 − Q above the mean), y = aη²/2: the
// rounding of y carries over to e^−y (1e-15 near the mean, 1e-14 where the tail is 1e-11).

struct GammaTemme {
    static let minShape = 20.0
    static let minMu = -0.57, maxMu = 0.9

    let a: Double
    /// Σ_k c_k,n a^−k for n = 0..<etaTerms: the expansion's sum as one polynomial in η. Held
    /// in the struct (the table's 35 powers fit in 64 lanes), not an array: an allocation per fit.
    let polynomial: SIMD64<Double>
    let etaTerms: Int
    /// Terms of ln(1 + μ)'s series in t = μ/(2 + μ) needed over the values' μ.
    let atanhTerms: Int
    let inverseA: Double, inverseRootTwoPiA: Double, rootHalfA: Double

    /// For values x/scale from `lowest` to `highest` (all `covers`): the polynomials are cut
    /// where their next terms fall below 2^−58 over that range (SPI's values of a calendar
    /// month need 15-25 powers of η at SPI-12's shapes, not 35).
    init(shape a: Double, lowest: Double, highest: Double) {
        self.a = a
        let inverseA = 1 / a
        self.inverseA = inverseA
        inverseRootTwoPiA = 1 / (2 * Double.pi * a).squareRoot()
        rootHalfA = (a / 2).squareRoot()
        let low = (lowest - a) / a, high = (highest - a) / a
        // |η| ≤ μ above the mean, |μ| / √(1 + μ) below; |t| = |μ| / (2 + μ).
        let etaMax = max(max(high, 0), max(-low, 0) / (1 + min(low, 0)).squareRoot())
        let tMax = max(max(high, 0) / (2 + max(high, 0)), max(-low, 0) / (2 + min(low, 0)))
        let width = GammaTemmeCoefficients.degree + 1, k = GammaTemmeCoefficients.termCount
        precondition(width <= 64, "the polynomial's powers fit in `polynomial`'s 64 lanes")
        // Powers of η and terms c_k a^−k past which the sum's terms fall below 2^−58
        // (bounded by the table's largest coefficient of each power, GammaTemmeCoefficients.bound).
        var terms = 1, power = etaMax
        while terms < width, GammaTemmeCoefficients.bound[terms] * power >= 0x1p-58 { terms += 1; power *= etaMax }
        var kTerms = 1, inversePower = inverseA
        while kTerms < k, GammaTemmeCoefficients.kBound[kTerms] * inversePower >= 0x1p-58 { kTerms += 1; inversePower *= inverseA }
        var sum = SIMD64<Double>()
        GammaTemmeCoefficients.table.withUnsafeBufferPointer { table in
            withUnsafeMutableBytes(of: &sum) { $0.withMemoryRebound(to: Double.self) { sum in
                guard let table = table.baseAddress, let sum = sum.baseAddress else { return }
                let top = table + (kTerms - 1) * width
                for n in 0..<terms { sum[n] = top[n] }
                for j in stride(from: kTerms - 2, through: 0, by: -1) {
                    let row = table + j * width
                    for n in 0..<terms { sum[n] = sum[n] * inverseA + row[n] }
                }
            } }
        }
        // Cut again by the sum's own coefficients (the bound above is the largest c_k,n).
        if etaMax > 0 {
            power /= etaMax   // etaMax^(terms − 1)
            while terms > 1, abs(sum[terms - 1]) * power < 0x1p-58 { terms -= 1; power /= etaMax }
        }
        etaTerms = terms
        polynomial = sum
        // The dropped part of μ − ln(1 + μ) relative to it (≈ 2t²): t^(2j+1) / (2j + 3) for the first dropped j.
        var j = 1, tPower = tMax * tMax * tMax
        while j < Self.atanhSeries.count, tPower >= 0x1p-58 * Double(2 * j + 3) { j += 1; tPower *= tMax * tMax }
        atanhTerms = j
    }

    /// The values x (in units of the scale) in the expansion's domain for shape `a`: none below
    /// a = 20; −0.57 ≤ μ ≤ 0.9 and aη²/2 ≤ 25, by aη²/2 ≤ aμ² / (2 (1 + min(μ, 0))):
    /// μ ≤ √(50/a) above the mean, aμ² ≤ 50 (1 + μ) below.
    static func domain(_ a: Double) -> ClosedRange<Double>? {
        guard a >= minShape, a.isFinite else { return nil }
        let low = max(minMu, (50 - (50 * 50 + 200 * a).squareRoot()) / (2 * a))
        let high = min(maxMu, (50 / a).squareRoot())
        return a * (1 + low)...a * (1 + high)
    }

    /// 1/(2j + 3), j = 0..<20: ln(1 + μ) = 2 atanh t = 2 (t + t³/3 + t⁵/5 + ...) and μ − 2t = μt, so
    /// μ − ln(1 + μ) = μt − 2t³ Σ_j t^(2j) / (2j + 3); 20 terms to 2^−58 for |t| ≤ 0.4.
    static let atanhSeries: [Double] = (0..<20).map { 1 / Double(2 * $0 + 3) }

    /// P(a, x) for 8 values of x, each between the `lowest` and `highest` of the init.
    func p8(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let mu = (x - a) * inverseA
        let t = mu / (2 + mu), t2 = t * t
        let s = Self.atanhSeries.withUnsafeBufferPointer { Self.polynomial($0, count: atanhTerms, at: t2) }
        let halfEta2 = mu * t - 2 * t * t2 * s
        let y = a * halfEta2
        let below = mu .< 0
        let absEta = (2 * halfEta2).squareRoot()
        let eta = absEta.replacing(with: -absEta, where: below)
        let sum = withUnsafeBytes(of: polynomial) { $0.withMemoryRebound(to: Double.self) { Self.polynomial($0, count: etaTerms, at: eta) } }
        let erfcx = Self.erfcx(absEta * rootHalfA)   // of √y
        // The smaller tail: Q above the mean, P below (erfc(−z) = 2 − erfc(z) turns the sign).
        let second = sum * inverseRootTwoPiA
        let tail = Self.exp(-y) * (0.5 * erfcx + second.replacing(with: -second, where: below))
        return (1 - tail).replacing(with: tail, where: below)
    }

    /// e^(t²) erfc(t) for 0 ≤ t ≤ 5 (the generator checks the fit to 3e-17; a few ulps in doubles).
    @inline(__always) static func erfcx(_ t: SIMD8<Double>) -> SIMD8<Double> {
        GammaTemmeCoefficients.erfcx.withUnsafeBufferPointer { polynomial($0, count: $0.count, at: (t - 3) / (t + 3)) }
    }

    /// Σ c[i] x^i for i < count, as two Horner chains in x² (the even and the odd powers): twice
    /// the instruction-level parallelism of one chain, whose multiply-add latency bounds it.
    @inline(__always) static func polynomial(_ c: UnsafeBufferPointer<Double>, count: Int, at x: SIMD8<Double>) -> SIMD8<Double> {
        let x2 = x * x
        var i = count - 1
        var even = SIMD8<Double>(repeating: 0), odd = SIMD8<Double>(repeating: 0)
        if i % 2 == 0 { even = SIMD8(repeating: c[i]); i -= 1 }
        while i >= 1 {
            odd = odd * x2 + c[i]
            even = even * x2 + c[i - 1]
            i -= 2
        }
        return even + x * odd
    }

    /// 1/n!, n = 0...13.
    static let expTaylor: [Double] = [1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333,
                                      0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06,
                                      2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10]

    /// e^x for −708 ≤ x ≤ 0 to 2 ulps: x = k ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two
    /// parts, the first exact in k · ln2High), e^r by its Taylor polynomial to r¹³ (the rest
    /// below 4e-18), and 2^k put in the exponent bits.
    static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let shift = 6_755_399_441_055_744.0   // 1.5 · 2^52: adding it rounds to an integer in the low bits
        let ln2High = 6.93147180369123816490e-01, ln2Low = 1.90821492927058770002e-10
        let kShifted = x * 1.4426950408889634 + shift
        let k = kShifted - shift
        let r = (x - k * ln2High) - k * ln2Low
        let p = expTaylor.withUnsafeBufferPointer { polynomial($0, count: $0.count, at: r) }
        // The low bits of kShifted hold k (two's complement); shifted into the exponent field.
        let bits = (unsafeBitCast(kShifted, to: SIMD8<UInt64>.self) &<< 52) &+ SIMD8<UInt64>(repeating: 1023 << 52)
        return p * unsafeBitCast(bits, to: SIMD8<Double>.self)
    }
}
