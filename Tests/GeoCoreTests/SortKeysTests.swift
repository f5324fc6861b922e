import XCTest
@testable import GeoCore

/// Short sort keys sort exactly as their values do.
final class SortKeysTests: XCTestCase {
    func assertSortsAsValues(_ values: [Double?], file: StaticString = #filePath, line: UInt = #line) {
        let keys = SortKeys.shortest(values)
        XCTAssertEqual(keys.count, values.count, file: file, line: line)
        for i in values.indices {
            XCTAssertEqual(keys[i] == nil, values[i] == nil, file: file, line: line)
            guard let a = values[i], let ka = keys[i].flatMap(Double.init) else { continue }
            for j in values.indices {
                guard let b = values[j], let kb = keys[j].flatMap(Double.init) else { continue }
                // Same order, and ties stay ties.
                XCTAssertEqual(a < b, ka < kb, "\(a) \(b) -> \(keys[i]!) \(keys[j]!)", file: file, line: line)
                XCTAssertEqual(a == b, ka == kb, "\(a) \(b) -> \(keys[i]!) \(keys[j]!)", file: file, line: line)
            }
        }
    }

    func testRandomColumns() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let scale = pow(10, Double(Int.random(in: -9...9, using: &rng)))
            let values: [Double?] = (0..<Int.random(in: 0...80, using: &rng)).map { _ in
                Int.random(in: 0..<10, using: &rng) == 0 ? nil : (Double.random(in: -1...1, using: &rng) * scale).rounded(toPlaces: Int.random(in: 0...12, using: &rng))
            }
            assertSortsAsValues(values + values.prefix(5))   // with ties
        }
    }

    func testNeighboursOneUlpApartAndZeros() {
        let v = 201.3877572571411
        assertSortsAsValues([v, v.nextUp, v.nextDown, 0, -0.0, 1e-300, -1e-300, 5, 5, nil])
        XCTAssertEqual(SortKeys.shortest([v.nextDown, v, v.nextUp])[1].map { Double($0) }, v, "only the full value lies between its neighbours")
    }

    func testKeysAreShortWhereValuesAreSpread() {
        let keys = SortKeys.shortest([201.3877572571411, 5217.364698761424, 12.107662087283586])
        XCTAssertTrue(keys.allSatisfy { ($0?.count ?? 99) <= 6 }, "\(keys)")
    }
}

private extension Double {
    func rounded(toPlaces p: Int) -> Double { (self * pow(10, Double(p))).rounded() / pow(10, Double(p)) }
}
