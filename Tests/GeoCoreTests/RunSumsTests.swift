import XCTest
@testable import GeoCore

/// `ZoneStats.addRunSums` (a run folded without the moments, when no statistic reads them)
/// leaves every field but mean and m2 with the bits `addRun` gives, over many runs of
/// random values, coverages and cell areas, empty runs included; and the statistics read
/// without moments (count, sum, mean as sum / count, min, max) are the same.
final class RunSumsTests: XCTestCase {
    func testSameBitsAsAddRunBesidesTheMoments() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var full = ZoneStats(), sums = ZoneStats()
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                let n = Double(Int.random(in: 0...12, using: &rng))
                let values = (0..<Int(n)).map { _ in Double.random(in: -1e3...1e3, using: &rng) }
                let runSum = values.reduce(0, +)
                let mn = values.min() ?? .infinity, mx = values.max() ?? -.infinity
                let c = [0, 1, Double.random(in: 0...1, using: &rng)][Int.random(in: 0...2, using: &rng)]
                let a = Double.random(in: 1e5...1e6, using: &rng)
                full.addRun(n: n, runSum: runSum, runMean: n > 0 ? runSum / n : 0, runM2: 0, min: mn, max: mx, coverage: c, cellArea: a)
                sums.addRunSums(n: n, runSum: runSum, min: mn, max: mx, coverage: c, cellArea: a)
            }
            for (x, y) in [(full.count, sums.count), (full.sum, sums.sum), (full.min, sums.min), (full.max, sums.max), (full.area, sums.area)] {
                XCTAssertEqual(x.bitPattern, y.bitPattern)
            }
            for st in [Statistic.count, .sum, .mean, .min, .max] {
                XCTAssertEqual(st.value(of: full, emptySum: .empty)?.bitPattern, st.value(of: sums, emptySum: .empty)?.bitPattern, "\(st)")
            }
        }
    }
}
