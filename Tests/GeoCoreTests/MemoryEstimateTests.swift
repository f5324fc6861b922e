import XCTest
@testable import GeoCore

/// The run's memory besides the engine's blocks, by the documented sizes (docs/indicators.md).
final class MemoryEstimateTests: XCTestCase {
    func testBytesByHand() throws {
        // 13,726 zones of 400 vertices, 15,000 rows, 12 values, frac of a raster binned in 4 (5 classes).
        let e = MemoryEstimate(zones: 13_726, vertices: 13_726 * 400, units: 15_000, scalarValues: 12, classTables: [5])
        XCTAssertEqual(e.zoneBytes, 16 * 5_490_400 + 256 * 13_726)
        XCTAssertEqual(e.valueBytes, 16 * 15_000 * 12)
        XCTAssertEqual(e.classBytes, 48 * 15_000 * 5)
        XCTAssertNoThrow(try e.check(budget: 512 << 20))
    }

    func testRefusedInOneLineWhenItCannotFit() {
        // 10^5 rows x 516 values: 16 x 10^5 x 516 = 825,600,000 B, plus 256 x 10^5 for the zones:
        // 851,200,000 B = 811.8 MiB, said as 812 MB.
        let e = MemoryEstimate(zones: 100_000, vertices: 0, units: 100_000, scalarValues: 516, classTables: [])
        XCTAssertThrowsError(try e.check(budget: 512 << 20)) { err in
            let m = (err as! GeoKitError).messageWithHint
            XCTAssertTrue(m.contains("about 812 MB") && m.contains("--max-memory 512 MB") && !m.contains("\n"), m)
        }
    }
}
