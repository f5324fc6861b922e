import XCTest
@testable import GeoCore

/// The gamma CDF's uniform asymptotic expansion (Temme's, a ≥ 20) and SPI's faster steps:
/// against values of mpmath, against the series and continued fraction it replaces there,
/// and the vectorised steps against their value-by-value forms.
final class GammaTemmeTests: XCTestCase {
    /// (a, x, P(a, x), Q(a, x)) from mpmath 1.2.1 at 40 digits, by hand:
    /// `mp.gammainc(a, 0, x, regularized=True)` for x = a + k√a (rounded to 6 decimals),
    /// k = −3.5, −2, −1, −0.25, 0, 0.4, 1, 2, 3.5.
    static let mpmath: [(Double, Double, Double, Double)] = [
        (20, 4.347524, 0.000000038910773650176207, 0.99999996108922635),
        (20, 11.055728, 0.0097669823726399659, 0.99023301762736003),
        (20, 15.527864, 0.15625427240191584, 0.84374572759808416),
        (20, 18.881966, 0.42863830119663887, 0.57136169880336113),
        (20, 20.0, 0.52974273316076001, 0.47025726683923999),
        (20, 21.788854, 0.6782266396111686, 0.3217733603888314),
        (20, 24.472136, 0.84308592798120315, 0.15691407201879685),
        (20, 28.944272, 0.96665049975445581, 0.033349500245544194),
        (20, 35.652476, 0.99831061457295468, 0.0016893854270453152),
        (23.7, 6.661074, 0.0000002413831127814404, 0.99999975861688722),
        (23.7, 13.963471, 0.010842985204022196, 0.9891570147959778),
        (23.7, 18.831735, 0.15666025181620069, 0.84333974818379931),
        (23.7, 22.482934, 0.42638818176283756, 0.57361181823716244),
        (23.7, 23.7, 0.52732164121006949, 0.47267835878993051),
        (23.7, 25.647306, 0.6763891356726989, 0.3236108643273011),
        (23.7, 28.568265, 0.8428305489179821, 0.1571694510820179),
        (23.7, 33.436529, 0.96739927768228508, 0.032600722317714924),
        (23.7, 40.738926, 0.99847953646924604, 0.0015204635307539585),
        (47.3, 23.228752, 0.0000077048456755611032, 0.99999229515432444),
        (47.3, 33.545001, 0.014424594069045914, 0.98557540593095409),
        (47.3, 40.4225, 0.15770378635638875, 0.84229621364361125),
        (47.3, 45.580625, 0.41899885064642642, 0.58100114935357358),
        (47.3, 47.3, 0.5193377896806854, 0.4806622103193146),
        (47.3, 50.051, 0.67030647304017487, 0.32969352695982513),
        (47.3, 54.1775, 0.84211777299616426, 0.15788222700383574),
        (47.3, 61.054999, 0.97001236720269093, 0.029987632797309065),
        (47.3, 71.371248, 0.99897900294056112, 0.0010209970594388824),
        (80, 48.695048, 0.000024245029592213163, 0.99997575497040779),
        (80, 62.111456, 0.016415696492355701, 0.9835843035076443),
        (80, 71.055728, 0.15810743494037269, 0.84189256505962731),
        (80, 77.763932, 0.41488304475291074, 0.58511695524708926),
        (80, 80.0, 0.51486870458352661, 0.48513129541647339),
        (80, 83.577709, 0.66688585071568542, 0.33311414928431458),
        (80, 88.944272, 0.84181183899844438, 0.15818816100155562),
        (80, 97.888544, 0.97157195468299072, 0.028428045317009282),
        (80, 111.304952, 0.99921641649289651, 0.00078358350710349362),
        (151.5, 108.420132, 0.000053770328211656734, 0.99994622967178834),
        (151.5, 126.882933, 0.018199314718595553, 0.98180068528140445),
        (151.5, 139.191466, 0.15837268467422063, 0.84162731532577937),
        (151.5, 148.422867, 0.4111526108967066, 0.5888473891032934),
        (151.5, 151.5, 0.51080433857612307, 0.48919566142387693),
        (151.5, 156.423413, 0.66376498486239725, 0.33623501513760275),
        (151.5, 163.808534, 0.84159644159583986, 0.15840355840416014),
        (151.5, 176.117067, 0.97305036083775226, 0.026949639162247737),
        (151.5, 194.579868, 0.99940405252091855, 0.00059594747908144505),
        (300, 239.378222, 0.000088923563293348269, 0.99991107643670665),
        (300, 265.358984, 0.019547620144137177, 0.98045237985586282),
        (300, 282.679492, 0.15851506046871969, 0.84148493953128031),
        (300, 295.669873, 0.4082910470347031, 0.5917089529652969),
        (300, 300.0, 0.5076777888862635, 0.4923222111137365),
        (300, 306.928203, 0.66135770803720468, 0.33864229196279532),
        (300, 317.320508, 0.84147388067260084, 0.15852611932739916),
        (300, 334.641016, 0.97422604186332713, 0.025773958136672868),
        (300, 360.621778, 0.99952948987357814, 0.00047051012642186056),
        (500, 421.737621, 0.00011379821399270929, 0.99988620178600729),
        (500, 455.27864, 0.020283669872748803, 0.9797163301272512),
        (500, 477.63932, 0.15857194135282802, 0.84142805864717198),
        (500, 494.40983, 0.40671010781998428, 0.59328989218001572),
        (500, 500.0, 0.50594714617076036, 0.49405285382923964),
        (500, 508.944272, 0.66002273952666281, 0.33997726047333719),
        (500, 522.36068, 0.84142292263574464, 0.15857707736425536),
        (500, 544.72136, 0.97489092925382614, 0.025109070746173865),
        (500, 578.262379, 0.99959178111607876, 0.00040821888392123998),
    ]

    /// Where the expansion applies, P (below the mean) or Q = 1 − P (above) within
    /// (4 + 2y)ε of mpmath's, relative to the smaller tail, y = aη²/2 ≤ 25 the exponent of its
    /// e^−y (y's own rounding, ~yε, carries over to the tail; the SPI's Φ⁻¹ needs P to ~1e-15
    /// absolute at ±3.09, where y ≈ 4.8). Values outside its domain (a = 20, k = −3.5) go to
    /// the series; all within 1e-13.
    func testAgainstMpmath() {
        var covered = 0
        for (a, x, p, q) in Self.mpmath {
            let got = GammaDistribution.cdf(x, shape: a, scale: 1)
            let inDomain = GammaTemme.domain(a)?.contains(x) ?? false
            if inDomain { covered += 1 }
            let mu = x / a - 1, y = a * (mu - log1p(mu))
            let tolerance = inDomain ? (4 + 2 * y) * Double.ulpOfOne : 1e-13
            if x < a {
                XCTAssertEqual(got, p, accuracy: tolerance * p, "P(\(a), \(x))")
            } else {
                XCTAssertEqual(1 - got, q, accuracy: tolerance * q + 1.2e-16, "Q(\(a), \(x))")
            }
            // Scaled: P(X ≤ x) for scale 2.5 is P(a, x / 2.5).
            XCTAssertEqual(GammaDistribution.cdf(2.5 * x, shape: a, scale: 2.5), got, accuracy: 1e-14 * min(got, 1 - got) + 2e-16)
        }
        XCTAssertGreaterThan(covered, 55)
    }

    /// The expansion against the series and continued fraction (`regularizedLowerGamma`, the
    /// path it replaces) on a grid of a in [20, 500] and x = a + k√a, k in [−6, 6], where the
    /// domain holds: the two agree to 4ε (a |ln x| + x + ln Γ(a)) of P, the series'
    /// own rounding bound (its prefix x^a e^−x / Γ(a) is the exp of a sum that large; 1e-13
    /// of P at a = 500). Also P + Q = 1 with Q from the continued fraction above the mean.
    func testAgainstTheSeriesOnAGrid() {
        var checked = 0
        var a = 20.0
        while a <= 500 {
            let domain = GammaTemme.domain(a)!
            for k in stride(from: -6.0, through: 6, by: 0.25) {
                let x = a + k * a.squareRoot()
                guard domain.contains(x) else { continue }
                let temme = GammaDistribution.cdf(x, shape: a, scale: 1)
                let series = GammaDistribution.regularizedLowerGamma(a, x)
                let bound = 4 * Double.ulpOfOne * (a * abs(log(x)) + x + GammaDistribution.logGamma(a)) + 4 * Double.ulpOfOne
                XCTAssertEqual(temme, series, accuracy: bound * max(series, 1e-300), "a \(a), x \(x)")
                checked += 1
            }
            a *= 1.37
        }
        XCTAssertGreaterThan(checked, 300)
    }

    /// Many values at once agree with one at a time (to 2e-15 of P) across the expansion's
    /// edges (values below, inside and above its domain in one call): the same arithmetic
    /// but for where the polynomials are cut (at terms below 2^−58, by the range of the
    /// values of the call) and, in the series, x·(1/(a+n)) for x/(a+n).
    func testManyValuesEqualOneByOne() {
        for a in [19.99, 20, 33.3, 120, 480] {
            let xs = stride(from: 0.2 * a, through: 2.2 * a, by: a / 37).map { $0 } + [a, .nan, 0, -1, .infinity]
            var out: [Double] = []
            GammaDistribution.cdf(xs.map { 3 * $0 }, shape: a, scale: 3, into: &out)
            for (x, p) in zip(xs, out) {
                let one = GammaDistribution.cdf(3 * x, shape: a, scale: 3)
                if one.isNaN { XCTAssertTrue(p.isNaN); continue }
                XCTAssertEqual(p, one, accuracy: 2e-15 * max(one, 1e-300), "a \(a), x \(x)")
            }
        }
    }

    /// The expansion's own exp within 2 ulps of glibc's over [−100, 0]; its erfcx times
    /// e^(−t²) within 2e-15 (1 + t²) of glibc's erfc (e^(−t²) rounds t² first) for t in [0, 5).
    func testExpAndErfcx() {
        var x = SIMD8<Double>(0, -1e-9, -0.3, -0.69, -1, -7.5, -42, -100)
        for _ in 0..<200 {
            let e = GammaTemme.exp(x)
            for l in 0..<8 { XCTAssertEqual(e[l], Foundation.exp(x[l]), accuracy: 2 * Foundation.exp(x[l]).ulp, "exp(\(x[l]))") }
            x = x * 0.97 - 0.013
        }
        for i in 0..<50 {
            let t = SIMD8<Double>((0..<8).map { Double(i * 8 + $0) / 80 })
            let e = GammaTemme.erfcx(t)
            for l in 0..<8 {
                let want = erfc(t[l])
                XCTAssertEqual(e[l] * Foundation.exp(-t[l] * t[l]), want, accuracy: 2e-15 * (1 + t[l] * t[l]) * want, "erfcx(\(t[l]))")
            }
        }
    }

    /// Φ⁻¹ of many values (central ones 8 at a time) equals `quantile` value by value, bit for bit.
    func testQuantilesEqualQuantile() {
        var p = stride(from: 0.0, through: 1, by: 0.0037).map { $0 } + [1, 0.075, 0.925, 0.0749999, 1e-300, .nan, -0.1, 1.5, 0.5]
        let want = p.map(StandardNormal.quantile)
        StandardNormal.quantiles(&p)
        for (got, w) in zip(p, want) { XCTAssertTrue(got == w || (got.isNaN && w.isNaN), "\(got) against \(w)") }
    }

    /// Φ⁻¹ of many values equals `quantile` value by value, bit for bit, for every count from 0
    /// to 17 and 64 (whole groups of 8, stored as vectors, and the last partial group): groups
    /// all central, groups with tails in any lane, and 0, 1, NaN, values outside [0, 1] and
    /// the boundaries |p − ½| = 0.425 among them.
    func testQuantilesEqualQuantileAtEveryCount() {
        var state: UInt64 = 17
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        let specials: [Double] = [0, 1, .nan, -0.1, 1.5, 0.075, 0.925, 1e-300, 1 - 0x1p-53, 0.5]
        for count in Array(0...17) + [64] {
            for pattern in 0..<4 {
                let p = (0..<count).map { k -> Double in
                    switch pattern {
                    case 0: return 0.1 + 0.8 * next()                                     // all central
                    case 1: return k % 8 == count % 8 ? 0.01 * next() : 0.1 + 0.8 * next()   // one tail per group
                    case 2: return next()                                                 // mixed
                    default: return k % 3 == 0 ? specials[k % specials.count] : next()     // specials
                    }
                }
                var got = p
                StandardNormal.quantiles(&got)
                let want = p.map(StandardNormal.quantile)
                XCTAssertEqual(got.count, count)
                for (k, (g, w)) in zip(got, want).enumerated() {
                    XCTAssertTrue(g.bitPattern == w.bitPattern || (g.isNaN && w.isNaN), "count \(count), pattern \(pattern), p \(p[k]): \(g) against \(w)")
                }
            }
        }
    }

    /// The scaled sums, 8 windows at a time, equal each window summed alone in order (bit for
    /// bit), with NaNs, for short and long series and scales 1 to 24.
    func testScaledSumsEqualWindowByWindow() {
        var state: UInt64 = 3
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for n in [0, 1, 5, 8, 13, 100, 517] {
            let values = (0..<n).map { _ in next() < 0.03 ? Double.nan : 300 * next() * next() }
            for scale in [1, 2, 3, 6, 9, 12, 24] {
                let got = SPI.scaledSums(values, scale: scale)
                XCTAssertEqual(got.count, n)
                for i in 0..<n {
                    var want = Double.nan
                    if i >= scale - 1 {
                        want = 0
                        for k in (i - scale + 1)...i { want += values[k] }
                    }
                    XCTAssertTrue(got[i] == want || (got[i].isNaN && want.isNaN), "n \(n) scale \(scale) step \(i)")
                }
            }
        }
    }
}
