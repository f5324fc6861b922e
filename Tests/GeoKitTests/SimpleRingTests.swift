import XCTest
import GeoCore
import GeoGDAL

/// The cheap ring test that lets most zones skip GEOS must never pass a ring GEOS finds
/// invalid: checked on hand-made shapes whose validity is known, and on thousands of random
/// rings against GEOS's own isValid (the peer the fast path stands in for).
final class SimpleRingTests: XCTestCase {
    private func ring(_ xy: [(Double, Double)]) -> [Point] {
        var p = xy.map { Point($0.0, $0.1) }
        p.append(p[0])
        return p
    }

    private func geosValid(_ r: [Point], _ ctx: GEOSContext) throws -> Bool {
        try Geometry(wkb: wkbOf(MultiPolygon([Polygon(shell: Ring(r))])), context: ctx).isValid
    }

    func testHandMadeShapes() throws {
        // Valid: a square, a triangle, a concave L, a square with a collinear vertex on a side.
        XCTAssertTrue(isCertainlySimpleRing(ring([(0, 0), (1, 0), (1, 1), (0, 1)])))
        XCTAssertTrue(isCertainlySimpleRing(ring([(0, 0), (2, 0), (0, 3)])))
        XCTAssertTrue(isCertainlySimpleRing(ring([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])))
        XCTAssertTrue(isCertainlySimpleRing(ring([(0, 0), (1, 0), (2, 0), (2, 2), (0, 2)])))
        // Invalid or undecided: a bow tie, a spike folding back along a side, a ring touching
        // itself at a vertex, a collinear ring, a repeated point, an unclosed ring, NaN.
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (1, 1), (1, 0), (0, 1)])))
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (2, 0), (3, 0), (2, 0), (2, 2), (0, 2)])))
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (4, 0), (2, 2), (3, 3), (1, 3), (2, 2), (0, 4)])))
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (1, 0), (2, 0)])))
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (1, 0), (1, 0), (1, 1), (0, 1)])))
        XCTAssertFalse(isCertainlySimpleRing([Point(0, 0), Point(1, 0), Point(1, 1), Point(0, 1)]))
        XCTAssertFalse(isCertainlySimpleRing(ring([(0, 0), (1, 0), (.nan, 1), (0, 1)])))
        // GEOS agrees on every shape the cheap test passes.
        let ctx = GEOSContext()
        for r in [ring([(0, 0), (1, 0), (1, 1), (0, 1)]), ring([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])] {
            XCTAssertTrue(try geosValid(r, ctx))
        }
        XCTAssertFalse(try geosValid(ring([(0, 0), (4, 0), (2, 2), (3, 3), (1, 3), (2, 2), (0, 4)]), ctx))
    }

    func testNeverPassesARingGEOSCallsInvalid() throws {
        let ctx = GEOSContext()
        var rng = SystemRandomNumberGenerator()
        var passed = 0, geosValidCount = 0
        for trial in 0..<4000 {
            let n = 3 + trial % 8
            // Random points on a small integer lattice: many touch, cross and repeat.
            let grid = Double(2 + trial % 5)
            let r = ring((0..<n).map { _ in (Double.random(in: 0...grid, using: &rng).rounded(), Double.random(in: 0...grid, using: &rng).rounded()) })
            let valid = try geosValid(r, ctx)
            if valid { geosValidCount += 1 }
            if isCertainlySimpleRing(r) {
                passed += 1
                XCTAssertTrue(valid, "passed a ring GEOS calls invalid: \(r)")
            }
        }
        // Convex cells (the common case of many small zones) must take the fast path.
        for trial in 0..<500 {
            let n = 3 + trial % 12
            let angles = (0..<n).map { _ in Double.random(in: 0..<(2 * .pi), using: &rng) }.sorted()
            let r = ring(angles.map { (96 + 0.01 * cos($0), 20 + 0.01 * sin($0)) })
            if Set(angles).count < n { continue }
            XCTAssertTrue(try geosValid(r, ctx))
            XCTAssertTrue(isCertainlySimpleRing(r), "convex ring not passed: \(r)")
        }
        XCTAssertGreaterThan(passed, 100)
        XCTAssertGreaterThanOrEqual(geosValidCount, passed)
    }
}
