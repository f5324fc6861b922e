import XCTest
import GeoCore

/// The share of each value cell where a condition on another grid holds (and where that
/// grid has no value), worked by hand on small grids.
final class ConditionSharesTests: XCTestCase {
    let H = ConditionState.holds, F = ConditionState.fails, N = ConditionState.nodata

    func shares(condition: Grid, states: [UInt8], values: Grid, window: Window? = nil,
                areaModel: CellAreaModel = .planar(metresPerUnit: 1)) -> (hold: [Double], nodata: [Double], window: Window) {
        let o = ConditionOverlay(condition: condition, values: values, window: window ?? values.full, areaModel: areaModel)
        // The states are given for the whole condition grid; hand over the window's.
        let cw = o.conditionWindow
        var sub: [UInt8] = []
        for r in cw.row..<cw.rowEnd { for c in cw.col..<cw.colEnd { sub.append(states[r * condition.cols + c]) } }
        let (h, n) = o.shares(states: sub)
        return (h, n, cw)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() { XCTAssertEqual(x, y, accuracy: 1e-12, "\(what) cell \(i)", file: file, line: line) }
    }

    /// A condition grid twice as fine, aligned: a value cell's shares are its four fine
    /// cells' states counted a quarter each.
    ///   fine states (4 x 4):   H H | F H        value cell (0,0): H H F N -> hold 2/4, nodata 1/4
    ///                          F N | H H        value cell (0,1): F H H H -> hold 3/4
    ///                          ----+----        value cell (1,0): N N N N -> nodata 1
    ///                          N N | F F        value cell (1,1): F F F F -> 0, 0
    ///                          N N | F F
    func testFinerAligned() {
        let values = Grid(left: 0, top: 2, dx: 1, dy: 1, cols: 2, rows: 2)
        let cond = Grid(left: 0, top: 2, dx: 0.5, dy: 0.5, cols: 4, rows: 4)
        let s = shares(condition: cond, states: [H, H, F, H,
                                                 F, N, H, H,
                                                 N, N, F, F,
                                                 N, N, F, F], values: values)
        assertClose(s.hold, [0.5, 0.75, 0, 0], "hold")
        assertClose(s.nodata, [0.25, 0, 1, 0], "nodata")
    }

    /// Fine cells 0.4 wide starting at x = -0.1, 0.5 tall, against value cells of 1:
    ///   condition column edges -0.1 0.3 0.7 1.1 1.5 1.9 2.3; value edges 0 1 2
    ///   value column 0 takes 0.3 of condition column 0, 0.4 of 1, 0.3 of 2;
    ///   value column 1 takes 0.1 of 2, 0.4 of 3, 0.4 of 4, 0.1 of 5.
    ///   Rows (0.5 tall, aligned): each value row is condition rows 2r, 2r + 1, half each.
    ///   states row 0: H F H H N F   row 1: H H H F F F
    ///   value (0,0): 0.5 * (0.3 + 0.3) + 0.5 * (0.3 + 0.4 + 0.3) = 0.8 hold; nodata 0
    ///   value (0,1): 0.5 * (0.1 + 0.4) + 0.5 * 0.1 = 0.3 hold; nodata 0.5 * 0.4 = 0.2
    func testFinerShiftedSplitsCellsByArea() {
        let values = Grid(left: 0, top: 1, dx: 1, dy: 1, cols: 2, rows: 1)
        let cond = Grid(left: -0.1, top: 1, dx: 0.4, dy: 0.5, cols: 6, rows: 2)
        let s = shares(condition: cond, states: [H, F, H, H, N, F,
                                                 H, H, H, F, F, F], values: values)
        assertClose(s.hold, [0.8, 0.3], "hold")
        assertClose(s.nodata, [0, 0.2], "nodata")
    }

    /// A coarser condition grid (cells 2.5 x 2) starting at x = 0.5, one row, over value cells
    /// of 1 in two rows (the second below the condition grid):
    ///   condition edges 0.5 3.0 5.5, states: H F
    ///   value columns: [0,1] half in H, half outside; [1,2] [2,3] in H; [3,4] [4,5] in F;
    ///   [5,6] half in F, half outside.
    ///   row 1 (y 0..-1) lies below the condition grid (y 2..0): all nodata.
    func testCoarserGrid() {
        let values = Grid(left: 0, top: 1, dx: 1, dy: 1, cols: 6, rows: 2)
        let cond = Grid(left: 0.5, top: 2, dx: 2.5, dy: 2, cols: 2, rows: 1)
        let s = shares(condition: cond, states: [H, F], values: values)
        assertClose(s.hold, [0.5, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "hold")
        assertClose(s.nodata, [0.5, 0, 0, 0, 0, 0.5, 1, 1, 1, 1, 1, 1], "nodata")
    }

    /// A coarser grid whose cells straddle value cells in both directions: condition cells
    /// 1.5 x 1.5 from (0, 3) over value cells of 1; value cell (1,1) (x 1..2, y 1..2) lies
    /// half in condition column 0 and half in column 1, half in row 0 and half in row 1:
    ///   states  H F       (1,1): a quarter in each: hold 0.25 + 0.25 (H at (0,0) and (1,1))
    ///           N H              nodata 0.25
    func testCoarserStraddlingBothWays() {
        let values = Grid(left: 0, top: 3, dx: 1, dy: 1, cols: 3, rows: 3)
        let cond = Grid(left: 0, top: 3, dx: 1.5, dy: 1.5, cols: 2, rows: 2)
        let s = shares(condition: cond, states: [H, F, N, H], values: values)
        // Row 0: cols [0,1] in (0,0): H; [1,2] half (0,0) H half (0,1) F; [2,3] in (0,1): F.
        // Row 1: top half in condition row 0, bottom half in row 1.
        // Row 2: in condition row 1: N, half N / half H, H.
        assertClose(s.hold, [1, 0.5, 0,
                             0.5, 0.5, 0.5,
                             0, 0.5, 1], "hold")
        assertClose(s.nodata, [0, 0, 0,
                               0.5, 0.25, 0,
                               1, 0.5, 0], "nodata")
    }

    /// The same cells, shifted by whole cells: every share is exactly 0 or 1 (no slivers from
    /// rounding at the 0.1 cell size), and cells beyond the condition grid are nodata.
    func testSameCellsAreExactlyZeroOrOne() {
        let values = Grid(left: 10, top: 5, dx: 0.1, dy: 0.1, cols: 3, rows: 2)
        let cond = Grid(left: 10.1, top: 5, dx: 0.1, dy: 0.1, cols: 3, rows: 1)
        let s = shares(condition: cond, states: [H, N, F], values: values)
        XCTAssertEqual(s.hold, [0, 1, 0, 0, 0, 0])
        XCTAssertEqual(s.nodata, [1, 0, 1, 1, 1, 1])
        XCTAssertEqual(s.window, Window(row: 0, col: 0, rows: 1, cols: 2), "only the condition cells under the window")
    }

    /// A window that meets no condition cell: everything is nodata.
    func testNoOverlapIsAllNodata() {
        let values = Grid(left: 0, top: 1, dx: 1, dy: 1, cols: 2, rows: 1)
        let cond = Grid(left: 5, top: 1, dx: 1, dy: 1, cols: 2, rows: 1)
        let s = shares(condition: cond, states: [H, H], values: values)
        XCTAssertEqual(s.hold, [0, 0])
        XCTAssertEqual(s.nodata, [1, 1])
    }

    /// On a geographic grid the height shares are shares of ellipsoidal area: a value cell
    /// from 60 to 61 degrees north whose top half holds has less than half its area there
    /// (the area between two latitudes shrinks toward the pole).
    func testGeographicHeightSharesAreAreaShares() {
        let values = Grid(left: 0, top: 61, dx: 1, dy: 1, cols: 1, rows: 1)
        let cond = Grid(left: 0, top: 61, dx: 1, dy: 0.5, cols: 1, rows: 2)
        let e = Ellipsoid.wgs84
        let z = e.zoneArea(toLatitude:)
        let expected = (z(61) - z(60.5)) / (z(61) - z(60))
        let s = shares(condition: cond, states: [H, N], values: values, areaModel: .geographic(e))
        XCTAssertEqual(s.hold[0], expected, accuracy: 1e-12)
        XCTAssertEqual(s.nodata[0], 1 - expected, accuracy: 1e-12)
        XCTAssertLessThan(s.hold[0], 0.499)
        let planar = shares(condition: cond, states: [H, N], values: values)
        XCTAssertEqual(planar.hold[0], 0.5)
    }

    /// A window inside the value grid: shares relative to the window's own cells.
    func testWindowOffset() {
        let values = Grid(left: 0, top: 4, dx: 1, dy: 1, cols: 4, rows: 4)
        let cond = Grid(left: 0, top: 4, dx: 2, dy: 2, cols: 2, rows: 2)
        let s = shares(condition: cond, states: [F, H, N, H], values: values, window: Window(row: 1, col: 1, rows: 2, cols: 2))
        // Window cells (1,1) (1,2) (2,1) (2,2) lie in condition cells (0,0) F, (0,1) H, (1,0) N, (1,1) H.
        assertClose(s.hold, [0, 1, 0, 1], "hold")
        assertClose(s.nodata, [0, 0, 1, 0], "nodata")
    }

    /// Raw values to states: NaN, the nodata value and a masked cell are nodata; the test
    /// reads scaled values.
    func testClassify() {
        let raw: [Double] = [1, 5, .nan, -9, 7, 2]
        let mask: [UInt8] = [1, 1, 1, 1, 0, 1]
        var out = [UInt8](repeating: 9, count: raw.count)
        ConditionState.classify(raw, count: raw.count, mask: mask, nodata: -9, scale: 2, offset: 0,
                                test: .greaterOrEqual(4), into: &out)
        XCTAssertEqual(out, [F, H, N, N, N, H])
    }

    /// Byte values through their lookup table, as the other types are classified one by one.
    func testClassifyBytes() {
        let raw: [UInt8] = [0, 3, 4, 255, 9, 7]
        let mask: [UInt8] = [1, 1, 1, 1, 1, 0]
        var out = [UInt8](repeating: 9, count: raw.count)
        raw.withUnsafeBytes { ConditionState.classify($0.baseAddress!, type: .uint8, count: raw.count, mask: mask, nodata: 255,
                                                      scale: 1, offset: 0, test: .oneOf([3, 9]), into: &out) }
        XCTAssertEqual(out, [F, H, F, N, H, N])
        raw.withUnsafeBytes { ConditionState.classify($0.baseAddress!, type: .uint8, count: raw.count, mask: nil, nodata: nil,
                                                      scale: 0.5, offset: 1, test: .between(2, 3), into: &out) }
        // 0 -> 1, 3 -> 2.5, 4 -> 3, 255 -> 128.5, 9 -> 5.5, 7 -> 4.5
        XCTAssertEqual(out, [F, H, H, F, F, F])
    }

    /// The kernel: a span under a condition counts each cell with coverage x hold share, in
    /// every statistic; the condition's nodata share goes to its own area.
    ///   values 10 20 nodata 40, coverage 0.5, cell area 4
    ///   hold 1 0.25 1 0, nodata 0 0.5 0 1
    ///   count = 0.5 + 0.125 = 0.625; sum = 5 + 2.5 = 7.5; value-nodata cover 0.5
    ///   condition nodata area = 0.5 * (0.5 + 1) * 4 = 3; total area = 0.5 * 4 * 4 = 8
    func testSpanKernelUnderCondition() {
        let v: [Double] = [10, 20, -1, 40]
        let hold: [Double] = [1, 0.25, 1, 0], nod: [Double] = [0, 0.5, 0, 1]
        let w: [Double] = [2, 4, 1, 1]
        var s = ZoneStats(histogram: true)
        v.withUnsafeBufferPointer { vp in hold.withUnsafeBufferPointer { hp in nod.withUnsafeBufferPointer { np in w.withUnsafeBufferPointer { wp in
            accumulateSpan(vp.baseAddress!, len: 4, coverage: 0.5, cellArea: 4, mask: nil, weights: wp.baseAddress!,
                           condition: CellShares(hold: hp.baseAddress!, nodata: np.baseAddress!),
                           rules: ValueRules(nodata: -1, histogram: true), into: &s)
        } } } }
        XCTAssertEqual(s.count, 0.625, accuracy: 1e-15)
        XCTAssertEqual(s.sum, 7.5, accuracy: 1e-15)
        XCTAssertEqual(s.min, 10); XCTAssertEqual(s.max, 20, "40 has no share where the condition holds")
        XCTAssertEqual(s.nodataCount, 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.area, 0.625 * 4, accuracy: 1e-15)
        XCTAssertEqual(s.totalArea, 8)
        XCTAssertEqual(s.cells, 4)
        XCTAssertEqual(s.conditionNodataArea, 3, accuracy: 1e-15)
        XCTAssertEqual(s.weightCount, 0.5 * 2 + 0.125 * 4, accuracy: 1e-15)
        XCTAssertEqual(s.weightSum, 0.5 * 2 * 10 + 0.125 * 4 * 20, accuracy: 1e-15)
        // Welford mean and variance of 10 (weight 0.5) and 20 (weight 0.125).
        let mean = 7.5 / 0.625
        XCTAssertEqual(s.mean, mean, accuracy: 1e-12)
        XCTAssertEqual(s.m2, 0.5 * (10 - mean) * (10 - mean) + 0.125 * (20 - mean) * (20 - mean), accuracy: 1e-12)
        XCTAssertEqual(Statistic.whereNodata.value(of: s)!, 3.0 / 8, accuracy: 1e-15)
        let frac = Statistic.frac.classValues(of: s)
        XCTAssertEqual(frac[10]!, 0.8, accuracy: 1e-15); XCTAssertEqual(frac[20]!, 0.2, accuracy: 1e-15)
    }

    /// Where the condition holds on whole cells, the span goes through the plain kernel: the
    /// same bits as without a condition when it holds everywhere, and cells held out (share
    /// 0) in the middle split it into runs that add up to the cells that hold.
    func testWholeCellsTakeThePlainKernel() {
        let v: [Int16] = (0..<200).map { Int16(($0 * 37) % 91) - 20 }
        let ones = [Double](repeating: 1, count: 200), zeros = [Double](repeating: 0, count: 200)
        var held = ones
        for k in stride(from: 3, to: 200, by: 7) { held[k] = 0 }
        func fold(_ hold: [Double]?) -> ZoneStats {
            var s = ZoneStats()
            v.withUnsafeBufferPointer { vp in
                if let hold {
                    hold.withUnsafeBufferPointer { hp in zeros.withUnsafeBufferPointer { np in
                        accumulateSpan(vp.baseAddress!, len: 200, coverage: 0.75, cellArea: 3, mask: nil, weights: nil,
                                       condition: CellShares(hold: hp.baseAddress!, nodata: np.baseAddress!),
                                       rules: ValueRules(nodata: -20), into: &s)
                    } }
                } else {
                    accumulateSpan(vp.baseAddress!, len: 200, coverage: 0.75, cellArea: 3, mask: nil, weights: nil,
                                   rules: ValueRules(nodata: -20), into: &s)
                }
            }
            return s
        }
        let plain = fold(nil), all = fold(ones), some = fold(held)
        for (a, b) in [(plain.count, all.count), (plain.sum, all.sum), (plain.m2, all.m2), (plain.totalArea, all.totalArea),
                       (plain.nodataCount, all.nodataCount)] {
            XCTAssertEqual(a.bitPattern, b.bitPattern)
        }
        XCTAssertEqual(all.cells, 200); XCTAssertEqual(some.cells, 200)
        XCTAssertEqual(some.totalArea, 0.75 * 200 * 3)
        let kept = (0..<200).filter { held[$0] == 1 && v[$0] != -20 }
        XCTAssertEqual(some.count, 0.75 * Double(kept.count), accuracy: 1e-12)
        XCTAssertEqual(some.sum, 0.75 * kept.reduce(0) { $0 + Double(v[$1]) }, accuracy: 1e-9)
        XCTAssertEqual(some.conditionNodataArea, 0)
    }

    /// The condition's nodata area merges as a sum and survives a part file bit for bit;
    /// an accumulator without it encodes as before (no new bytes).
    func testConditionNodataMergesAndEncodes() throws {
        var a = ZoneStats(), b = ZoneStats()
        a.totalArea = 10; a.conditionNodataArea = 2.5
        b.totalArea = 30; b.conditionNodataArea = 0.1
        var m = a; m.merge(b)
        XCTAssertEqual(m.conditionNodataArea, 2.6)
        XCTAssertEqual(Statistic.whereNodata.value(of: m)!, 2.6 / 40, accuracy: 1e-15)
        var w = ByteWriter(); m.encode(into: &w)
        let back = try w.bytes.withUnsafeBytes { p in var r = ByteReader(p); return try ZoneStats(decoding: &r) }
        XCTAssertEqual(back.conditionNodataArea.bitPattern, m.conditionNodataArea.bitPattern)
        XCTAssertEqual(back.totalArea, 40)
        // Without a condition: the mask and bytes of earlier versions (mask bit 8 only, one Double).
        var plain = ZoneStats(); plain.totalArea = 40
        var pw = ByteWriter(); plain.encode(into: &pw)
        XCTAssertEqual(pw.bytes.count, 4 + 8 + 1)
        XCTAssertEqual(Array(pw.bytes[0..<4]), [0, 1, 0, 0])
        XCTAssertEqual(try Statistic(parsing: "where_nodata"), .whereNodata)
    }
}
