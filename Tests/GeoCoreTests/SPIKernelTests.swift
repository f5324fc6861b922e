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
    /// pointers, equals the form it replaced (each month's baseline sums appended to an
    /// array, its sums gathered into an array of its own) bit for bit: scales 1 to 12, series
    /// starting in any month, of any length, with missing values, absent months and a
    /// `minValidShare` that leaves some months out.
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
            for scale in [1, 3, 6, 12] {
                for (baseline, share) in [(1981...2010, 0.8), (1980...1985, 0.0), (1990...1999, 1.0)] {
                    let got = SPI.compute(series, scale: scale, baseline: baseline, minValidShare: share)
                    let want = appended(series, scale: scale, baseline: baseline, minValidShare: share)
                    XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "first month \(firstMonth), n \(count), scale \(scale), \(baseline)")
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
}
