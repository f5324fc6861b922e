import XCTest
@testable import GeoCore

/// SPI's steps rewritten for speed against the forms they replace: the same values bit for bit.
final class SPIKernelTests: XCTestCase {
    /// The values with negatives set to 0, written into a new buffer, equal the `map` it
    /// replaced (NaN kept, −0 kept as −0, infinities), for empty to long series.
    func testNonNegativeEqualsTheMap() {
        var state: UInt64 = 5
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        XCTAssertEqual(SPI.nonNegative([]), [])
        let special: [Double] = [-0.0, 0, -1e-300, .infinity, -.infinity, .nan, 3]
        let got = SPI.nonNegative(special)
        XCTAssertEqual(got.map(\.bitPattern), special.map { $0 < 0 ? 0 : $0 }.map(\.bitPattern))
        XCTAssertEqual(got[0].sign, .minus)
        for n in [1, 7, 8, 9, 516] {
            let values = (0..<n).map { _ -> Double in let u = next(); return u < 0.05 ? .nan : (u - 0.2) * 300 }
            XCTAssertEqual(SPI.nonNegative(values).map(\.bitPattern), values.map { $0 < 0 ? 0 : $0 }.map(\.bitPattern), "n \(n)")
        }
    }

    /// The branch-free clip equals min(bound, max(−bound, z)) bit for bit (NaN kept NaN): at and
    /// next to the bounds, zeros of both signs, infinities and random values either side.
    func testClippedIsTheMinMax() {
        var state: UInt64 = 13
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        let b = SPI.bound
        let values: [Double] = [-.infinity, -b.nextDown, -b, -b.nextUp, -0.0, 0, 1, b.nextDown, b, b.nextUp, .infinity, .nan, -1e300]
            + (0..<200).map { _ in (next() - 0.5) * 14 }
        for z in values {
            let got = SPI.clipped(z)
            if z.isNaN { XCTAssertTrue(got.isNaN); continue }
            XCTAssertEqual(got.bitPattern, min(b, max(-b, z)).bitPattern, "z \(z)")
            XCTAssertLessThanOrEqual(abs(got), b)
        }
    }

    /// A fit's SPI of many sums (`Fit.spi(_:into:)`, its loops through buffer pointers) equals
    /// the SPI of each sum alone (`Fit.spi(_:)`) to 1e-12 (the gamma CDFs agree to 2e-15 of P,
    /// magnified by 1/φ(z) ≤ 230 inside the clip), and lies within ±3.09: sums with
    /// zeros, NaNs and values far in both tails, for shapes below and above Temme's 20.
    func testManySumsEqualOneByOne() {
        var state: UInt64 = 9
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for spread in [0.9, 0.3, 0.1] {
            let baseline = (0..<30).map { _ in next() < 0.1 ? 0 : 100 * (1 + spread * (next() - 0.5) * 2) }
            let fit = SPI.Fit(baseline)
            let sums = (0..<43).map { k -> Double in k % 11 == 3 ? .nan : k % 13 == 5 ? 0 : 100 * (1 + 3 * spread * (next() - 0.5) * 2) }
                + [1e-9, 1e6, 100]
            var out: [Double] = []
            fit.spi(sums, into: &out)
            XCTAssertEqual(out.count, sums.count)
            for (x, z) in zip(sums, out) {
                let one = fit.spi(x)
                if one.isNaN { XCTAssertTrue(z.isNaN, "x \(x)"); continue }
                XCTAssertEqual(z, one, accuracy: 1e-12, "alpha \(fit.alpha), x \(x)")
                XCTAssertLessThanOrEqual(abs(z), SPI.bound)
            }
        }
    }

    /// `compute`, its calendar months' sums gathered into arrays made once through buffer
    /// pointers (the baseline's sums taken from the month's, and the scales computed together
    /// by `compute(_:scales:)`), equals the form it replaced (each month's baseline sums appended to an
    /// array, its sums gathered into an array of its own) bit for bit: scales 1 to 12, series
    /// starting in any month, of any length, with missing values, absent months, baselines
    /// partly or wholly outside the series and a `minValidShare` that leaves some months out.
    func testComputeEqualsTheAppendedGathers() {
        var state: UInt64 = 21
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        func appended(_ series: MonthlySeries, scale: Int, baseline: ClosedRange<Int>, minValidShare: Double) -> [Double] {
            let sums = SPI.scaledSums(SPI.nonNegative(series.values), scale: scale)
            var out = [Double](repeating: .nan, count: sums.count)
            let first = series.firstYear * 12 + series.firstMonth - 1
            var probabilities: [Double] = []
            for month in 0..<12 {
                let start = ((month - first) % 12 + 12) % 12
                let steps = start < sums.count ? (sums.count - start + 11) / 12 : 0
                var calibration: [Double] = []
                for k in 0..<steps where baseline.contains((first + start) / 12 + k) && !sums[start + 12 * k].isNaN {
                    calibration.append(sums[start + 12 * k])
                }
                guard !calibration.isEmpty, Double(calibration.count) >= minValidShare * Double(baseline.count) else { continue }
                let monthSums = (0..<steps).map { sums[start + 12 * $0] }
                SPI.Fit(calibration).spi(monthSums, into: &probabilities)
                for k in 0..<steps { out[start + 12 * k] = probabilities[k] }
            }
            return out
        }
        for (firstMonth, count, gaps) in [(1, 516, 0.0), (7, 400, 0.02), (12, 37, 0.0), (3, 5, 0.0), (1, 0, 0.0), (5, 250, 0.3)] {
            let values = (0..<count).map { _ -> Double in
                let u = next()
                return u < gaps ? .nan : u < gaps + 0.05 ? 0 : u < gaps + 0.07 ? -1 : 150 * next()
            }
            // Some months absent (not dated: NaN in the series, `dated` false).
            var dates: [(year: Int, month: Int)] = [], dated: [Double] = []
            for (k, v) in values.enumerated() where gaps == 0 || k % 97 != 40 {
                dates.append((1980 + (firstMonth - 1 + k) / 12, (firstMonth - 1 + k) % 12 + 1)); dated.append(v)
            }
            let series = MonthlySeries(dates: dates, values: dated)
            let scales = [1, 3, 6, 12]
            for (baseline, share) in [(1981...2010, 0.8), (1980...1985, 0.0), (1990...1999, 1.0), (1970...1984, 0.2), (2015...2060, 0.1), (1960...1975, 0.0)] {
                // The scales one by one and all at once (their buffers shared).
                let together = SPI.compute(series, scales: scales, baseline: baseline, minValidShare: share)
                XCTAssertEqual(together.count, scales.count)
                for (scale, all) in zip(scales, together) {
                    let got = SPI.compute(series, scale: scale, baseline: baseline, minValidShare: share)
                    let want = appended(series, scale: scale, baseline: baseline, minValidShare: share)
                    XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "first month \(firstMonth), n \(count), scale \(scale), \(baseline)")
                    XCTAssertEqual(all.map(\.bitPattern), want.map(\.bitPattern), "scales together: first month \(firstMonth), n \(count), scale \(scale), \(baseline)")
                }
            }
        }
    }

    /// A fit from the sums in memory (`Fit.init` of a buffer, which `compute` uses and the
    /// array's init calls) equals Thom's formulas written out with the sums in order.
    func testFitOfABufferEqualsTheFormulas() {
        for sums in [[0, 12.5, 40, 3.25, 0, 88], [5.0], [0.5, 0.25, 1e-3, 7e4, 31]] {
            var zeros = 0.0, positive = 0.0, sum = 0.0, sumLog = 0.0
            for x in sums { if x == 0 { zeros += 1 } else { positive += 1; sum += x; sumLog += log(x) } }
            let a = log(sum / positive) - sumLog / positive
            let alpha = (1 + (1 + 4 * a / 3).squareRoot()) / (4 * a)
            let fits = [SPI.Fit(sums), sums.withUnsafeBufferPointer { SPI.Fit($0) }]
            for fit in fits {
                XCTAssertEqual(fit.probabilityOfZero.bitPattern, (zeros / Double(sums.count)).bitPattern, "\(sums)")
                XCTAssertEqual(fit.alpha.bitPattern, alpha.bitPattern, "\(sums)")
                XCTAssertEqual(fit.beta.bitPattern, (sum / positive / alpha).bitPattern, "\(sums)")
            }
        }
    }

    /// `GammaDistribution.cdf` of many values, each x/scale divided once (kept in `out` until
    /// its P replaces it) and `out` resized only when its count changes, equals the form it
    /// replaced (x/scale divided again for the series and the expansion, `out` emptied and
    /// filled with zeros first) bit for bit: shapes below and above Temme's 20, values in
    /// the series, the expansion and the continued fraction, zeros, NaNs, infinities, and an
    /// `out` of another count, or of the same count holding other values, beforehand.
    func testManyCDFsEqualTheFormReplaced() {
        func replaced(_ xs: [Double], shape a: Double, scale: Double) -> [Double] {
            var out = [Double](repeating: 0, count: xs.count)
            guard a.isFinite, a > 0, scale.isFinite, scale > 0 else { return xs.map { _ in .nan } }
            let lgA = GammaDistribution.logGamma(a), switchPoint = GammaDistribution.seriesLimit(a)
            let (temmeLow, temmeHigh) = GammaTemme.domain(a).map { ($0.lowerBound, $0.upperBound) } ?? (1, 0)
            var series: [Int] = [], temme: [Int] = [], temmeLowest = Double.infinity, temmeHighest = -Double.infinity
            for (k, x) in xs.enumerated() {
                let y = x / scale
                if x.isNaN { out[k] = .nan } else if y <= 0 { out[k] = 0 } else if y == .infinity { out[k] = 1 } else if y >= temmeLow && y <= temmeHigh {
                    temme.append(k); temmeLowest = min(temmeLowest, y); temmeHighest = max(temmeHighest, y)
                } else if y < switchPoint { series.append(k) } else { out[k] = GammaDistribution.regularizedLowerGamma(a, y, logGammaA: lgA) }
            }
            for start in stride(from: 0, to: series.count, by: 8) {
                let lanes = min(8, series.count - start)
                var y = SIMD8<Double>(repeating: 0), slowest = 0
                for l in 0..<lanes { y[l] = xs[series[start + l]] / scale; if y[l] > y[slowest] { slowest = l } }
                let sum = GammaDistribution.lowerGammaSeries8(a, y, slowestLane: slowest)
                for l in 0..<lanes { out[series[start + l]] = sum[l] * exp(-y[l] + a * log(y[l]) - lgA) }
            }
            guard !temme.isEmpty else { return out }
            let expansion = GammaTemme(shape: a, lowest: temmeLowest, highest: temmeHighest)
            for start in stride(from: 0, to: temme.count, by: 8) {
                var y = SIMD8<Double>(repeating: a)
                for l in 0..<min(8, temme.count - start) { y[l] = xs[temme[start + l]] / scale }
                let p = expansion.p8(y)
                for l in 0..<min(8, temme.count - start) { out[temme[start + l]] = p[l] }
            }
            return out
        }
        var state: UInt64 = 33
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        var out: [Double] = [7, 7, 7]
        for a in [0.6, 2.5, 19.5, 20, 45, 140] {
            for (scale, n) in [(3.0, 43), (0.7, 5), (12.0, 17), (.nan, 4), (-1.0, 3)] {
                // Around the mean a·scale, from a hundredth of it to eight times it, with specials.
                let xs = (0..<n).map { k -> Double in k % 9 == 4 ? .nan : k % 11 == 6 ? 0 : a * 3 * pow(2, 3 * (next() * 2 - 1.3)) }
                    + [.infinity, -2, a * 3]
                GammaDistribution.cdf(xs, shape: a, scale: scale, into: &out)
                let want = replaced(xs, shape: a, scale: scale)
                XCTAssertEqual(out.map(\.bitPattern), want.map(\.bitPattern), "a \(a), scale \(scale), n \(n)")
                // Again into the same count (the P of the last call in `out`).
                GammaDistribution.cdf(xs, shape: a, scale: scale, into: &out)
                XCTAssertEqual(out.map(\.bitPattern), want.map(\.bitPattern), "again: a \(a), scale \(scale), n \(n)")
            }
        }
    }
}
