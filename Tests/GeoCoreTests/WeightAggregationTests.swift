import XCTest
import GeoCore

/// Weights on a finer grid summed onto the value cells by area share, worked by hand.
final class WeightAggregationTests: XCTestCase {
    func resampled(_ fine: ArrayRaster, onto target: Grid) throws -> [Double] {
        var out = [Double](repeating: -7, count: target.cols * target.rows)
        try out.withUnsafeMutableBufferPointer { try fine.readResampled(band: 1, onto: target, window: target.full, into: $0.baseAddress!) }
        return out
    }

    /// Fine cells of 1 shifted half a cell against value cells of 2: the first and last fine
    /// columns are split between two value cells (or a value cell and the outside).
    ///   x edges, fine: -0.5 0.5 1.5 2.5 3.5 4.5;  value: 0 2 4 6 8
    ///   row 0:  1  2  3  4  5        row 1: 10 20 nodata 40 50
    ///   cell [0,2]: 0.5*1 + 2 + 0.5*3 + 0.5*10 + 20 + 0          = 29
    ///   cell [2,4]: 0.5*3 + 4 + 0.5*5 + 0 + 40 + 0.5*50          = 73
    ///   cell [4,6]: 0.5*5 + 0.5*50                                = 27.5
    ///   cell [6,8]: outside the fine raster                        = no weight
    func testSplitCellsByAreaShareAndNodataAddsNothing() throws {
        let fine = ArrayRaster(grid: Grid(left: -0.5, top: 2, dx: 1, dy: 1, cols: 5, rows: 2),
                               bands: [.init([1, 2, 3, 4, 5, 10, 20, -1, 40, 50], nodata: -1)])
        let out = try resampled(fine, onto: Grid(left: 0, top: 2, dx: 2, dy: 2, cols: 4, rows: 1))
        XCTAssertEqual(out[0], 29, accuracy: 1e-12)
        XCTAssertEqual(out[1], 73, accuracy: 1e-12)
        XCTAssertEqual(out[2], 27.5, accuracy: 1e-12)
        XCTAssertTrue(out[3].isNaN)
    }

    /// 2x: a value cell is the plain sum of its four fine cells; all four nodata is no weight,
    /// and a valid zero is a weight of zero.
    func testIntegerFactorSumsAndAllNodataIsNoWeight() throws {
        let fine = ArrayRaster(grid: Grid(left: 0, top: 2, dx: 1, dy: 1, cols: 6, rows: 2),
                               bands: [.init([1, 2, -1, -1, 0, -1,
                                              3, 4, -1, -1, -1, -1], nodata: -1)])
        let out = try resampled(fine, onto: Grid(left: 0, top: 2, dx: 2, dy: 2, cols: 3, rows: 1))
        XCTAssertEqual(out[0], 10)
        XCTAssertTrue(out[1].isNaN)
        XCTAssertEqual(out[2], 0)
    }

    /// Rows too: fine rows of 0.75 against value rows of 1.5 shifted by 0.25 (shares 2/3, 1/3).
    ///   y edges, fine: 3.25 2.5 1.75 1.0;  value: 3 1.5 0
    ///   fine row 0 [2.5, 3.25]: 2/3 in [1.5, 3]  (1/3 above the value grid)
    ///   fine row 1 [1.75, 2.5]: wholly in [1.5, 3]
    ///   fine row 2 [1.0, 1.75]: 1/3 in [1.5, 3], 2/3 in [0, 1.5]
    ///   with one column of width 1 = the value cell's width: weights 3, 6, 9
    ///   cell [1.5, 3]: 2/3*3 + 6 + 1/3*9 = 11;   cell [0, 1.5]: 2/3*9 = 6
    func testRowSharesAndAFineCellOverTheEdge() throws {
        let fine = ArrayRaster(grid: Grid(left: 0, top: 3.25, dx: 1, dy: 0.75, cols: 1, rows: 3), bands: [.init([3, 6, 9])])
        let out = try resampled(fine, onto: Grid(left: 0, top: 3, dx: 1, dy: 1.5, cols: 1, rows: 2))
        XCTAssertEqual(out[0], 11, accuracy: 1e-12)
        XCTAssertEqual(out[1], 6, accuracy: 1e-12)
    }

    /// Coarser weights keep nearest-neighbour sampling, and the same cells are read as they are.
    func testWhichGridsAreAggregated() {
        let value = Grid(left: 0, top: 10, dx: 2, dy: 2, cols: 5, rows: 5)
        XCTAssertTrue(WeightAggregation.applies(fine: Grid(left: 0, top: 10, dx: 0.4, dy: 0.4, cols: 25, rows: 25), target: value))
        XCTAssertTrue(WeightAggregation.applies(fine: Grid(left: 0.5, top: 10, dx: 2, dy: 2, cols: 5, rows: 5), target: value))
        XCTAssertFalse(WeightAggregation.applies(fine: Grid(left: 2, top: 8, dx: 2, dy: 2, cols: 3, rows: 3), target: value))
        XCTAssertFalse(WeightAggregation.applies(fine: Grid(left: 0, top: 10, dx: 4, dy: 4, cols: 3, rows: 3), target: value))
        // Coarser weights: the value cell takes the weight cell under its centre.
        let coarse = ArrayRaster(grid: Grid(left: 0, top: 10, dx: 4, dy: 10, cols: 3, rows: 1), bands: [.init([1, 2, 3])])
        var out = [Double](repeating: 0, count: 5)
        out.withUnsafeMutableBufferPointer { try! coarse.readResampled(band: 1, onto: value, window: Window(row: 0, col: 0, rows: 1, cols: 5), into: $0.baseAddress!) }
        XCTAssertEqual(out, [1, 1, 2, 2, 3])
    }

    /// A window of the value grid gets the sums of the fine cells under that window only.
    func testWindowOfTheTarget() throws {
        let fine = ArrayRaster(grid: Grid(left: 0, top: 4, dx: 1, dy: 1, cols: 4, rows: 4), bands: [.init((1...16).map(Double.init))])
        let target = Grid(left: 0, top: 4, dx: 2, dy: 2, cols: 2, rows: 2)
        var out = [Double](repeating: 0, count: 1)
        try out.withUnsafeMutableBufferPointer { try fine.readResampled(band: 1, onto: target, window: Window(row: 1, col: 1, rows: 1, cols: 1), into: $0.baseAddress!) }
        XCTAssertEqual(out[0], 11 + 12 + 15 + 16)
    }
}
