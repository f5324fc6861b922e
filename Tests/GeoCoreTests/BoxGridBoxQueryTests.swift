import XCTest
@testable import GeoCore

/// Box queries on the grid of zone boxes (`BoxGrid`): a query within one cell finds exactly the
/// boxes that meet it (closed: touching counts), as a scan of every box does.
final class BoxGridBoxQueryTests: XCTestCase {
    func testQueriesWithinACellFindWhatAScanFinds() {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        // 2,000 boxes of many sizes over [0, 100] x [0, 50], some empty, some sharing edges.
        var boxes: [Box] = (0..<2000).map { _ in
            let x = 100 * next(), y = 50 * next(), w = 3 * next() * next(), h = 3 * next()
            return Box(xmin: x, ymin: y, xmax: x + w, ymax: y + h)
        }
        boxes[7] = .empty
        boxes[8] = Box(xmin: 10, ymin: 10, xmax: 11, ymax: 11)
        boxes[9] = Box(xmin: 11, ymin: 10, xmax: 12, ymax: 11)
        let grid = BoxGrid(boxes)
        var answered = 0
        var queries: [Box] = (0..<5000).map { _ in
            let x = -5 + 110 * next(), y = -5 + 60 * next(), s = 0.3 * next()
            return Box(xmin: x, ymin: y, xmax: x + s, ymax: y + s * next())
        }
        queries += [Box(xmin: 11, ymin: 10.5, xmax: 11, ymax: 10.5),   // the point both 8 and 9 touch
                    Box(xmin: 500, ymin: 500, xmax: 501, ymax: 501),    // far away
                    Box(xmin: 11, ymin: .nan, xmax: 11, ymax: 10.5)]
        for q in queries {
            var out: [Int32] = []
            guard grid.query(q, into: &out) else { XCTAssertTrue(out.isEmpty); continue }
            answered += 1
            let scan = boxes.indices.filter { !boxes[$0].isEmpty && boxes[$0].intersects(q) }.map { Int32($0) }
            XCTAssertEqual(out, scan, "\(q)")
        }
        XCTAssertGreaterThan(answered, 3000)
        var out: [Int32] = []
        XCTAssertTrue(grid.query(Box(xmin: 11, ymin: 10.5, xmax: 11, ymax: 10.5), into: &out))
        XCTAssertTrue(out.contains(8) && out.contains(9))
        // Across the whole extent: not one cell, left to the tree.
        XCTAssertFalse(grid.query(Box(xmin: 0, ymin: 0, xmax: 100, ymax: 50), into: &out))
    }
}
