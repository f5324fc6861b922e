import XCTest
@testable import GeoCore

/// Operations per raster (`sum(pop) where hazard >= 3`): one parser, one formatter, tested on strings.
final class OperationTests: XCTestCase {
    func testParsesTheIssuesOperations() throws {
        XCTAssertEqual(try Operation(parsing: "frac(hazard)"), Operation(statistic: .frac, raster: "hazard"))
        XCTAssertEqual(try Operation(parsing: "sum(pop)"), Operation(statistic: .sum, raster: "pop"))
        XCTAssertEqual(try Operation(parsing: "weighted_frac(hazard, pop)"), Operation(statistic: .weightedFrac, raster: "hazard", weights: "pop"))
        XCTAssertEqual(try Operation(parsing: "sum(pop) where hazard >= 3"),
                       Operation(statistic: .sum, raster: "pop", condition: CellCondition(raster: "hazard", test: .greaterOrEqual(3))))
        XCTAssertEqual(try Operation(parsing: "area where flood > 0.5"),
                       Operation(statistic: .area, raster: "flood", condition: CellCondition(raster: "flood", test: .greater(0.5))))
        XCTAssertEqual(try Operation(parsing: "count(lossyear) where lossyear in 1..23"),
                       Operation(statistic: .count, raster: "lossyear", condition: CellCondition(raster: "lossyear", test: .between(1, 23))))
        XCTAssertEqual(try Operation(parsing: " p90( ntl )where dem<500"),
                       Operation(statistic: .percentile(90), raster: "ntl", condition: CellCondition(raster: "dem", test: .less(500))))
        // A raster may be called `where_x` or `nowhere`: only a separate word starts the condition.
        XCTAssertEqual(try Operation(parsing: "sum(nowhere)"), Operation(statistic: .sum, raster: "nowhere"))
    }

    func testTextParsesBackToTheSameOperation() throws {
        let all = [Operation(statistic: .frac, raster: "hazard"),
                   Operation(statistic: .weightedSum, raster: "ntl", weights: "pop", condition: CellCondition(raster: "dem", test: .oneOf([1, 2]))),
                   Operation(statistic: .area, raster: "flood", condition: CellCondition(raster: "flood", test: .greater(0.5))),
                   Operation(statistic: .sum, raster: "pop", condition: CellCondition(raster: "hazard", test: .between(3, 5)))]
        for op in all { XCTAssertEqual(try Operation(parsing: op.text), op, op.text) }
        XCTAssertEqual(all[1].text, "weighted_sum(ntl, pop) where dem in 1,2")
        XCTAssertEqual(all[2].text, "area(flood) where flood > 0.5")
        XCTAssertEqual(all[1].rasterNames, ["ntl", "pop", "dem"])
    }

    func testBadOperationsNameTheProblem() {
        for (text, words) in [("sum pop", "not a statistic"), ("sum(pop", "closing"), ("sums(pop)", "unknown statistic 'sums'"),
                              ("weighted_frac(hazard)", "and its weights"), ("sum(pop, hazard)", "one raster"),
                              ("sum(pop) where", "nothing after 'where'"), ("sum(pop) where 3 > hazard", "raster's name"),
                              ("area", "needs a condition"), ("mean where dem > 3", "needs a raster"), ("sum(a b)", "not a raster's name"),
                              ("sum()", "empty raster name")] {
            XCTAssertThrowsError(try Operation(parsing: text), text) { e in
                XCTAssertTrue("\(e)".contains(words), "\(text): \(e)")
                XCTAssertFalse("\(e)".contains("\n"), text)
            }
        }
    }
}
