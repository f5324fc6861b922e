import XCTest
import GeoCore
import GeoTestSupport

/// The indexes against brute force over every box or edge: the same items, as sets.
final class SpatialIndexTests: XCTestCase {
    /// Boxes of mixed sizes (some flat, some points, some empty) on a 1000 x 600 extent,
    /// with a few giants so the grid's cell size is not the only size.
    func randomBoxes(_ n: Int, _ rng: inout SeededRNG) -> [Box] {
        (0..<n).map { i -> Box in
            if i % 50 == 7 { return .empty }
            let x = Double.random(in: 0..<1000, using: &rng), y = Double.random(in: 0..<600, using: &rng)
            var w = Double.random(in: 0..<30, using: &rng), h = Double.random(in: 0..<30, using: &rng)
            if i % 40 == 3 { w = 0 }
            if i % 60 == 5 { w = 0; h = 0 }
            if i % 97 == 11 { w = 400; h = 300 }
            return Box(xmin: x, ymin: y, xmax: x + w, ymax: y + h)
        }
    }

    /// Random points, plus every box's corners (closed boxes: corners count).
    func queryPoints(_ boxes: [Box], _ rng: inout SeededRNG) -> [(Double, Double)] {
        var pts = (0..<1500).map { _ in (Double.random(in: -50..<1450, using: &rng), Double.random(in: -50..<950, using: &rng)) }
        for b in boxes where !b.isEmpty { pts += [(b.xmin, b.ymin), (b.xmax, b.ymax), (b.xmin, b.ymax)] }
        return pts
    }

    func testBoxGridFindsExactlyTheBoxesHoldingAPoint() {
        var rng = SeededRNG(seed: 42)
        let boxes = randomBoxes(800, &rng)
        let grid = BoxGrid(boxes)
        var out: [Int32] = []
        var hits = 0
        for (x, y) in queryPoints(boxes, &rng) {
            out.removeAll(keepingCapacity: true)
            grid.query(x, y, into: &out)
            let expected = Set(boxes.indices.filter { boxes[$0].contains(x: x, y: y) && !boxes[$0].isEmpty })
            XCTAssertEqual(Set(out.map(Int.init)), expected, "point (\(x), \(y))")
            XCTAssertEqual(out.count, Set(out).count, "each box once at (\(x), \(y))")
            hits += expected.count
        }
        XCTAssertGreaterThan(hits, 4000, "the points hit boxes")
    }

    func testBoxGridOnTheFarEdgesOfTheExtent() {
        // The extent's right and top edges are inside the last cells.
        let boxes = [Box(xmin: 0, ymin: 0, xmax: 10, ymax: 10), Box(xmin: 5, ymin: 5, xmax: 20, ymax: 15)]
        let grid = BoxGrid(boxes)
        var out: [Int32] = []
        grid.query(20, 15, into: &out); XCTAssertEqual(out, [1])
        out = []; grid.query(10, 10, into: &out); XCTAssertEqual(Set(out), [0, 1])
        out = []; grid.query(20.000001, 15, into: &out); XCTAssertEqual(out, [])
        out = []; BoxGrid([]).query(0, 0, into: &out); XCTAssertEqual(out, [])
    }

    func testBoxTreeFindsExactlyTheIntersectingBoxes() {
        var rng = SeededRNG(seed: 7)
        let boxes = randomBoxes(1200, &rng)
        let tree = BoxTree(boxes)
        var queries = (0..<800).map { _ -> Box in
            let x = Double.random(in: -100..<1100, using: &rng), y = Double.random(in: -100..<700, using: &rng)
            return Box(xmin: x, ymin: y, xmax: x + Double.random(in: 0..<80, using: &rng), ymax: y + Double.random(in: 0..<80, using: &rng))
        }
        // Touching counts: query boxes that only share an edge or a corner with a box.
        for b in boxes.prefix(300) where !b.isEmpty {
            queries.append(Box(xmin: b.xmax, ymin: b.ymin - 5, xmax: b.xmax + 3, ymax: b.ymin))
            queries.append(Box(xmin: b.xmin - 3, ymin: b.ymax, xmax: b.xmin, ymax: b.ymax + 5))
        }
        queries.append(Box(xmin: -10, ymin: -10, xmax: 2000, ymax: 2000))
        var out: [Int32] = [], stack: [Int32] = []
        var hits = 0
        for q in queries {
            out.removeAll(keepingCapacity: true)
            tree.query(q, into: &out, stack: &stack)
            let expected = Set(boxes.indices.filter { boxes[$0].intersects(q) })
            XCTAssertEqual(Set(out.map(Int.init)), expected, "query \(q)")
            XCTAssertEqual(out.count, expected.count, "each box once for \(q)")
            hits += expected.count
        }
        XCTAssertGreaterThan(hits, 5000)
    }

    // MARK: EdgeGrid

    /// A ring's edges as EdgeGrid takes them: consecutive points, closed if it is open.
    func edges(_ r: Ring) -> [(Point, Point)] {
        let p = r.points
        guard p.count >= 2 else { return [] }
        var e = (1..<p.count).map { (p[$0 - 1], p[$0]) }
        if p.first! != p.last! { e.append((p.last!, p.first!)) }
        return e
    }

    /// Every edge of every zone, with its zone.
    func allEdges(_ zones: [MultiPolygon]) -> [(zone: Int, a: Point, b: Point)] {
        zones.enumerated().flatMap { z, g in
            g.polygons.flatMap { poly in ([poly.shell] + poly.holes).flatMap { edges($0).map { (z, $0.0, $0.1) } } }
        }
    }

    func zonesNear(_ edges: [(zone: Int, a: Point, b: Point)], _ x: Double, _ y: Double, tolerance: Double) -> Set<Int> {
        var near = Set<Int>()
        for (z, a, b) in edges {
            let d2 = nearestOnSegment(ax: a.x - x, ay: a.y - y, dx: b.x - a.x, dy: b.y - a.y).distanceSquared
            if d2 <= tolerance * tolerance { near.insert(z) }
        }
        return near
    }

    func testEdgeGridByHand() {
        // The square 0..10 with a hole 4..6, tolerance 1 (metres, 1 m per unit).
        let sq = MultiPolygon([Polygon(shell: Ring([(0, 0), (10, 0), (10, 10), (0, 10)]),
                                       holes: [Ring([(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)])])])
        let grid = EdgeGrid([sq], tolerance: 1, geographic: false, ellipsoid: .wgs84, metresPerUnit: 1)
        func near(_ x: Double, _ y: Double) -> Bool { var o: [Int32] = []; grid.near(x, y, into: &o); return o == [0] }
        XCTAssertTrue(near(5, 10.5))
        XCTAssertTrue(near(-1, 5))                 // exactly the tolerance away
        XCTAssertFalse(near(-1.001, 5))
        XCTAssertTrue(near(10.6, 10.6))            // 0.85 from the corner
        XCTAssertFalse(near(10.8, 10.8))           // 1.13 from the corner
        XCTAssertFalse(near(2, 2))                 // inside, far from every edge
        XCTAssertTrue(near(5, 5))                  // 1 from the hole's edges
        XCTAssertTrue(near(0.5, 5))                // only the closing edge (0,10)-(0,0) of the open shell
    }

    func testEdgeGridFindsExactlyTheZonesWithANearbyEdge() {
        var rng = SeededRNG(seed: 2024)
        let tolerance = 2.5
        // Triangles and open or closed quadrilaterals, some with a hole, on 0..500 x 0..300.
        let zones = (0..<300).map { i -> MultiPolygon in
            let cx = Double.random(in: 0..<500, using: &rng), cy = Double.random(in: 0..<300, using: &rng)
            let r = Double.random(in: 1..<15, using: &rng)
            let n = i % 2 == 0 ? 3 : 4
            var pts = (0..<n).map { k -> (Double, Double) in
                let a = Double(k) / Double(n) * 2 * .pi + Double.random(in: 0..<0.5, using: &rng)
                return (cx + r * cos(a), cy + r * sin(a))
            }
            if i % 3 == 0 { pts.append(pts[0]) }
            let hole = i % 5 == 0 ? [Ring([(cx - r / 4, cy - r / 4), (cx + r / 4, cy - r / 4), (cx, cy + r / 4)])] : []
            return MultiPolygon([Polygon(shell: Ring(pts), holes: hole)])
        }
        let grid = EdgeGrid(zones, tolerance: tolerance, geographic: false, ellipsoid: .wgs84, metresPerUnit: 1)
        var points = (0..<2500).map { _ in (Double.random(in: -20..<520, using: &rng), Double.random(in: -20..<320, using: &rng)) }
        // Points on and just off the vertices, where the tolerance decides.
        for g in zones.prefix(100) {
            let p = g.polygons[0].shell.points[0]
            points += [(p.x, p.y), (p.x + tolerance * 0.99, p.y), (p.x, p.y - tolerance * 1.01)]
        }
        let everyEdge = allEdges(zones)
        var out: [Int32] = []
        var hits = 0
        for (x, y) in points {
            out.removeAll(keepingCapacity: true)
            grid.near(x, y, into: &out)
            let expected = zonesNear(everyEdge, x, y, tolerance: tolerance)
            XCTAssertEqual(Set(out.map(Int.init)), expected, "point (\(x), \(y))")
            XCTAssertEqual(out.count, expected.count, "each zone once at (\(x), \(y))")
            hits += expected.count
        }
        XCTAssertGreaterThan(hits, 300)
    }
}
