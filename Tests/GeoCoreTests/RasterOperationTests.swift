import XCTest
@testable import GeoCore

/// Operations per raster (`sum(pop) where hazard >= 3`): one parser, one formatter, tested on strings.
final class RasterOperationTests: XCTestCase {
    func testParsesTheIssuesOperations() throws {
        XCTAssertEqual(try RasterOperation(parsing: "frac(hazard)"), RasterOperation(statistic: .frac, raster: "hazard"))
        XCTAssertEqual(try RasterOperation(parsing: "sum(pop)"), RasterOperation(statistic: .sum, raster: "pop"))
        XCTAssertEqual(try RasterOperation(parsing: "weighted_frac(hazard, pop)"), RasterOperation(statistic: .weightedFrac, raster: "hazard", weights: "pop"))
        XCTAssertEqual(try RasterOperation(parsing: "sum(pop) where hazard >= 3"),
                       RasterOperation(statistic: .sum, raster: "pop", condition: CellCondition(raster: "hazard", test: .greaterOrEqual(3))))
        XCTAssertEqual(try RasterOperation(parsing: "area where flood > 0.5"),
                       RasterOperation(statistic: .area, raster: "flood", condition: CellCondition(raster: "flood", test: .greater(0.5))))
        XCTAssertEqual(try RasterOperation(parsing: "count(lossyear) where lossyear in 1..23"),
                       RasterOperation(statistic: .count, raster: "lossyear", condition: CellCondition(raster: "lossyear", test: .between(1, 23))))
        XCTAssertEqual(try RasterOperation(parsing: " p90( ntl )where dem<500"),
                       RasterOperation(statistic: .percentile(90), raster: "ntl", condition: CellCondition(raster: "dem", test: .less(500))))
        // A raster may be called `where_x` or `nowhere`: only a separate word starts the condition.
        XCTAssertEqual(try RasterOperation(parsing: "sum(nowhere)"), RasterOperation(statistic: .sum, raster: "nowhere"))
    }

    func testTextParsesBackToTheSameOperation() throws {
        let all = [RasterOperation(statistic: .frac, raster: "hazard"),
                   RasterOperation(statistic: .weightedSum, raster: "ntl", weights: "pop", condition: CellCondition(raster: "dem", test: .oneOf([1, 2]))),
                   RasterOperation(statistic: .area, raster: "flood", condition: CellCondition(raster: "flood", test: .greater(0.5))),
                   RasterOperation(statistic: .sum, raster: "pop", condition: CellCondition(raster: "hazard", test: .between(3, 5)))]
        for op in all { XCTAssertEqual(try RasterOperation(parsing: op.text), op, op.text) }
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
            XCTAssertThrowsError(try RasterOperation(parsing: text), text) { e in
                XCTAssertTrue("\(e)".contains(words), "\(text): \(e)")
                XCTAssertFalse("\(e)".contains("\n"), text)
            }
        }
    }
}
