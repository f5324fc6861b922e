import XCTest
@testable import GeoCore

/// `--classes dem=0,500,1000,2000:low,mid,high`: bins by hand.
final class ClassBreaksTests: XCTestCase {
    func testBinsAreHalfOpenAndOutsideIsOneClass() throws {
        let c = try ClassBreaks(parsing: "0,500,1000,2000")
        XCTAssertEqual(c.classKey(0), 0); XCTAssertEqual(c.classKey(499.9), 0); XCTAssertEqual(c.classKey(500), 1)
        XCTAssertEqual(c.classKey(1999.9), 2)
        XCTAssertEqual(c.classKey(2000), ClassBreaks.outOfRange); XCTAssertEqual(c.classKey(-1), ClassBreaks.outOfRange)
        XCTAssertEqual(c.columnSuffix(0), "0_500"); XCTAssertEqual(c.columnSuffix(2), "1000_2000")
        XCTAssertEqual(c.columnSuffix(ClassBreaks.outOfRange), "out_of_range")
        XCTAssertEqual(c.describe(1), "[500, 1000)")
        XCTAssertEqual(try ClassBreaks(parsing: "-0.5,0.5").columnSuffix(0), "m0_5_0_5")
    }

    func testLabelsAndText() throws {
        let c = try ClassBreaks(parsing: " 0, 500,1000,2000 : low, mid,high")
        XCTAssertEqual(c.labels, ["low", "mid", "high"])
        XCTAssertEqual(c.columnSuffix(1), "mid")
        XCTAssertEqual(c.describe(2), "high: [1000, 2000)")
        XCTAssertEqual(c.text, "0,500,1000,2000:low,mid,high")
        XCTAssertEqual(try ClassBreaks(parsing: c.text), c)
    }

    func testBadClassesNameTheProblem() {
        for (text, words) in [("0", "at least two"), ("0,500,400", "must increase"), ("0,x", "'x' is not a number"),
                              ("0,1,2:a", "3 breaks make 2 classes"), ("0,1:a b", "letters, digits"), ("0,1,2:a,a", "repeat")] {
            XCTAssertThrowsError(try ClassBreaks(parsing: text), text) { e in XCTAssertTrue("\(e)".contains(words), "\(text): \(e)") }
        }
    }

    /// The kernel's class table counts bins: 6 cells, values 10, 20, 600, 700, 1500, 5000.
    func testKernelCountsBins() {
        let values: [Double] = [10, 20, 600, 700, 1500, 5000]
        var rules = ValueRules(nodata: nil, histogram: true)
        rules.classBreaks = try! ClassBreaks(parsing: "0,500,1000,2000")
        var s = ZoneStats(histogram: true)
        values.withUnsafeBufferPointer { p in
            accumulateSpan(p.baseAddress!, len: 6, coverage: 1, cellArea: 1, mask: nil, weights: nil, rules: rules, into: &s)
        }
        XCTAssertEqual(Statistic.frac.classValues(of: s), [0: 2.0 / 6, 1: 2.0 / 6, 2: 1.0 / 6, -1: 1.0 / 6])
        XCTAssertEqual(s.sum, 7830, "moments read the values, not the bins")
    }
}
