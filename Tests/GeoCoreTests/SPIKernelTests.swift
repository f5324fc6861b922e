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
}
