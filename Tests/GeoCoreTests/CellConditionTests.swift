import XCTest
@testable import GeoCore

/// The `where` part of an operation: one parser, one formatter, tests on values by hand.
final class CellConditionTests: XCTestCase {
    func testParsesTheIssuesConditions() throws {
        XCTAssertEqual(try CellCondition(parsing: "hazard >= 3"), CellCondition(raster: "hazard", test: .greaterOrEqual(3)))
        XCTAssertEqual(try CellCondition(parsing: "flood>0.5"), CellCondition(raster: "flood", test: .greater(0.5)))
        XCTAssertEqual(try CellCondition(parsing: "lossyear in 1..23"), CellCondition(raster: "lossyear", test: .between(1, 23)))
        XCTAssertEqual(try CellCondition(parsing: " lc in 10, 20,30 "), CellCondition(raster: "lc", test: .oneOf([10, 20, 30])))
        XCTAssertEqual(try CellCondition(parsing: "dem < -5"), CellCondition(raster: "dem", test: .less(-5)))
        XCTAssertEqual(try CellCondition(parsing: "dem = 5"), CellCondition(raster: "dem", test: .equal(5)))
    }

    func testTextParsesBackToTheSameCondition() throws {
        let all: [ValueTest] = [.less(1), .lessOrEqual(2.5), .greater(-1), .greaterOrEqual(3), .equal(4), .notEqual(0),
                                .between(1, 23), .oneOf([1, 2, 5])]
        for t in all {
            let c = CellCondition(raster: "r", test: t)
            XCTAssertEqual(try CellCondition(parsing: c.text), c, c.text)
        }
        XCTAssertEqual(CellCondition(raster: "flood", test: .greater(0.5)).columnSuffix, "flood_gt_0_5")
        XCTAssertEqual(CellCondition(raster: "lossyear", test: .between(1, 23)).columnSuffix, "lossyear_in_1_23")
    }

    func testHoldsAtTheEnds() {
        XCTAssertTrue(ValueTest.between(1, 23).holds(1)); XCTAssertTrue(ValueTest.between(1, 23).holds(23))
        XCTAssertFalse(ValueTest.between(1, 23).holds(0)); XCTAssertFalse(ValueTest.between(1, 23).holds(23.5))
        XCTAssertTrue(ValueTest.greaterOrEqual(3).holds(3)); XCTAssertFalse(ValueTest.greater(3).holds(3))
        XCTAssertTrue(ValueTest.oneOf([10, 20]).holds(20)); XCTAssertFalse(ValueTest.oneOf([10, 20]).holds(15))
    }

    func testBadConditionsNameTheProblem() {
        for (text, words) in [("3 >= hazard", "raster's name"), ("hazard ~ 3", "no comparison"), ("hazard >= x", "'x' is not a number"),
                              ("lossyear in 23..1", "empty")] {
            XCTAssertThrowsError(try CellCondition(parsing: text), text) { e in
                XCTAssertTrue("\(e)".contains(words), "\(text): \(e)")
            }
        }
    }
}
