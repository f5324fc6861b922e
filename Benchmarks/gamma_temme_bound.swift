// A by-hand micro-benchmark (docs/benchmarks.md, issue 24): is Temme's uniform expansion
// of P(a, x) (DiDonato & Morris 1986) worth it for SPI's gamma CDFs? It times the SIMD8
// series GammaDistribution uses (copied), with the log and exp of the prefix, per value, for
// x around a ± a few √a, against a LOWER BOUND of the expansion's cost per value: log1p,
// sqrt, erfc, exp and one 25-term Horner polynomial in η (its coefficients summed over the
// powers of 1/a once per fit, not counted). Not a test; not run by any script.
//   swiftc -O Benchmarks/gamma_temme_bound.swift -o /tmp/gamma_temme_bound && /tmp/gamma_temme_bound
import Foundation
@inline(never) func series8(_ a: Double, _ x: SIMD8<Double>) -> SIMD8<Double> {
    var ap = a
    var term = SIMD8<Double>(repeating: 1 / a), sum = term
    for _ in 0..<5_000 {
        ap += 1; term *= x * (1 / ap); sum += term
        ap += 1; term *= x * (1 / ap); sum += term
        if all(term .< sum * 1e-16) { break }
    }
    return sum
}
@inline(never) func temmeBound(_ a: Double, _ x: Double, _ e: [Double]) -> Double {
    let s = (x - a) / a
    let eta = (2 * (s - log1p(s))).squareRoot() * (s < 0 ? -1 : 1)
    var p = e[24]
    for n in stride(from: 23, through: 0, by: -1) { p = p * eta + e[n] }
    return 0.5 * erfc(-eta * (a / 2).squareRoot()) - exp(-0.5 * a * eta * eta) * p / (2 * Double.pi * a).squareRoot()
}
var rng = SystemRandomNumberGenerator()
func gammaSample(_ a: Double) -> Double { // sum of normals approx: a + sqrt(a) z, positive
    let u1 = Double.random(in: 0.0001..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
    let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    return max(0.1, a + a.squareRoot() * z)
}
let e = (0..<25).map { Double($0) * 1e-3 }
for a in [2.0, 8, 20, 40, 80, 160] {
    let xs = (0..<43 * 1000).map { _ in gammaSample(a) }
    var sink = 0.0
    var t = Date()
    for r in 0..<5 { for s in stride(from: 0, to: xs.count - 8, by: 8) {
        var v = SIMD8<Double>(); for l in 0..<8 { v[l] = xs[s + l] + Double(r) * 1e-9 }
        let sum = series8(a, v)
        for l in 0..<8 { sink += sum[l] * exp(-v[l] + a * log(v[l]) - 3) }
    } }
    let ts = Date().timeIntervalSince(t) / Double(5 * xs.count) * 1e9
    t = Date()
    for r in 0..<5 { for x in xs { sink += temmeBound(a, x + Double(r) * 1e-9, e) } }
    let tt = Date().timeIntervalSince(t) / Double(5 * xs.count) * 1e9
    print(String(format: "a %5.0f: series8 + log + exp %.1f ns/value, Temme lower bound %.1f ns/value (%g)", a, ts, tt, sink))
}
