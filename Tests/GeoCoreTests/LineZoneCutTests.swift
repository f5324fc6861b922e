import XCTest
import GeoCore

/// GeoCore's cut of lines by zones without GEOS (`LineCutter`), on hand-made squares with
/// pieces worked out by hand: A = [0,10]², B = [10,20]x[0,10] (sharing the edge x = 10),
/// C = [5,15]x[0,10] (overlapping both), H = A with the hole [4,6]².
final class LineZoneCutTests: XCTestCase {
    func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Ring {
        Ring([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }
    lazy var a = ZoneEdges(MultiPolygon([Polygon(shell: square(0, 0, 10, 10))]))!
    lazy var b = ZoneEdges(MultiPolygon([Polygon(shell: square(10, 0, 20, 10))]))!
    lazy var c = ZoneEdges(MultiPolygon([Polygon(shell: square(5, 0, 15, 10))]))!
    lazy var h = ZoneEdges(MultiPolygon([Polygon(shell: square(0, 0, 10, 10), holes: [square(4, 4, 6, 6)])]))!

    /// The pieces of a line cut by zones (in tie-break order), or nil when left to GEOS.
    func cut(_ line: [(Double, Double)], _ zones: [ZoneEdges]) -> [LinePiece]? {
        var cutter = LineCutter()
        return cutter.cut([line.map { Point($0.0, $0.1) }], by: zones) ? cutter.pieces : nil
    }

    func piece(_ zone: Int32, _ a: (Double, Double), _ b: (Double, Double)) -> LinePiece {
        LinePiece(zone: zone, Point(a.0, a.1), Point(b.0, b.1))
    }

    func assertPieces(_ got: [LinePiece]?, _ want: [LinePiece], file: StaticString = #filePath, line: UInt = #line) {
        guard let got else { return XCTFail("left to GEOS", file: file, line: line) }
        XCTAssertEqual(got.count, want.count, "\(got)", file: file, line: line)
        for (g, w) in zip(got, want) {
            XCTAssertEqual(g.zone, w.zone, file: file, line: line)
            for (u, v) in [(g.a.x, w.a.x), (g.a.y, w.a.y), (g.b.x, w.b.x), (g.b.y, w.b.y)] { XCTAssertEqual(u, v, accuracy: 1e-12, "\(got)", file: file, line: line) }
        }
    }

    /// A segment wholly inside a zone is one piece, its own ends (no crossing computed).
    func testWhollyInside() {
        XCTAssertEqual(cut([(1, 1), (3, 2)], [a, b]), [piece(0, (1, 1), (3, 2))])
        XCTAssertEqual(cut([(12, 1), (13, 2)], [a, b]), [piece(1, (12, 1), (13, 2))])
        XCTAssertEqual(cut([(30, 1), (31, 2)], [a, b]), [])                                 // in neither
        XCTAssertEqual(cut([(4.5, 4.5), (5.5, 5.5)], [h]), [])                              // in the hole
    }

    /// Across the shared edge at its middle: half to each zone, the crossing at x = 10.
    func testAcrossASharedEdge() {
        assertPieces(cut([(5, 5), (15, 5)], [a, b]), [piece(0, (5, 5), (10, 5)), piece(1, (10, 5), (15, 5))])
        // The zones' order does not matter where they do not overlap.
        assertPieces(cut([(5, 5), (15, 5)], [b, a]), [piece(1, (5, 5), (10, 5)), piece(0, (10, 5), (15, 5))])
    }

    /// Across A's top-right corner without touching it: the line x + y = 19 enters A at
    /// (9, 10), leaves it into B at (10, 9), and ends in B at (11, 8).
    func testAcrossACorner() {
        assertPieces(cut([(8, 11), (11, 8)], [a, b]), [piece(0, (9, 10), (10, 9)), piece(1, (10, 9), (11, 8))])
    }

    /// Through a hole: in the zone before and after it.
    func testThroughAHole() {
        assertPieces(cut([(1, 5), (9, 5)], [h]), [piece(0, (1, 5), (4, 5)), piece(0, (6, 5), (9, 5))])
    }

    /// Overlapping zones: what both hold goes to the first in the order given.
    func testOverlapGoesToTheFirst() {
        assertPieces(cut([(1, 1), (12, 1)], [c, a]), [piece(1, (1, 1), (5, 1)), piece(0, (5, 1), (12, 1))])
        assertPieces(cut([(1, 1), (12, 1)], [a, c]), [piece(0, (1, 1), (10, 1)), piece(1, (10, 1), (12, 1))])
        // A crossing of the later zone inside the first one does not split its piece.
        assertPieces(cut([(1, 1), (9, 1)], [a, c]), [piece(0, (1, 1), (9, 1))])
    }

    /// A line of several segments keeps its vertices; each segment is cut on its own.
    func testVerticesKept() {
        assertPieces(cut([(1, 1), (5, 5), (15, 5)], [a, b]),
                     [piece(0, (1, 1), (5, 5)), piece(0, (5, 5), (10, 5)), piece(1, (10, 5), (15, 5))])
    }

    /// Uncertain cuts are left to GEOS: a segment through a vertex (the corner the two
    /// zones share), ending on an edge, along the shared edge, within the margin of one, or
    /// crossing an edge at a grazing angle (sine 2.2e-8).
    func testUncertainCutsAreLeftToGEOS() {
        XCTAssertNil(cut([(5, 15), (15, 5)], [a, b]))         // through the shared corner (10, 10)
        XCTAssertNil(cut([(5, 15), (15, 5)], [a]))            // touching A's corner only
        XCTAssertNil(cut([(5, 5), (10, 5)], [a, b]))          // ends on the shared edge
        XCTAssertNil(cut([(10, 2), (10, 8)], [a, b]))         // along the shared edge
        XCTAssertNil(cut([(10, 2), (10, 8)], [b]))
        XCTAssertNil(cut([(5, 5), (10 - 1e-12, 5)], [a]))     // within the margin (1e-8 here)
        XCTAssertNil(cut([(10 - 1e-7, 0.5), (10 + 1e-7, 9.5)], [a, b]))
        // The same segment away from zones whose edges it would meet: certain.
        XCTAssertEqual(cut([(5, 15), (15, 5)], [ZoneEdges(MultiPolygon([Polygon(shell: square(30, 30, 40, 40))]))!]), [])
    }

    /// A cutter reused for lines with fewer zones forgets the zones of the line before.
    func testReuse() {
        var cutter = LineCutter()
        XCTAssertTrue(cutter.cut([[Point(1, 1), Point(2, 2)]], by: [b, a, c]))
        XCTAssertEqual(cutter.pieces, [piece(1, (1, 1), (2, 2))])
        XCTAssertTrue(cutter.cut([[Point(30, 1), Point(31, 1)]], by: [b]))
        XCTAssertEqual(cutter.pieces, [])
    }
}
