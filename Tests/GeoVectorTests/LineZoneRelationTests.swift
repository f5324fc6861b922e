import XCTest
import GeoCore
import GeoGDAL

/// The overlay's test of lines against a zone without GEOS (GeoCore's `ZoneEdges`): cases by
/// hand, and against GEOS's own predicates (containsProperly, intersects) on many segments
/// around a zone with a hole, where every certain answer must be GEOS's.
final class LineZoneRelationTests: XCTestCase {
    /// A 10 x 10 square with a 2 x 2 hole at (4, 4).
    let zone = MultiPolygon([Polygon(shell: Ring([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]),
                                     holes: [Ring([(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)])])])

    func testCasesByHand() throws {
        let e = try XCTUnwrap(ZoneEdges(zone))
        func rel(_ pts: [(Double, Double)]...) -> LineZoneRelation? { e.relation(pts.map { $0.map { Point($0.0, $0.1) } }) }
        XCTAssertEqual(rel([(1, 1), (3, 2)]), .inside)
        XCTAssertEqual(rel([(11, 1), (13, 2)]), .disjoint)
        XCTAssertEqual(rel([(4.5, 4.5), (5.5, 5.5)]), .disjoint)          // inside the hole
        XCTAssertNil(rel([(1, 1), (11, 1)]))                               // crosses the shell
        XCTAssertNil(rel([(1, 1), (5, 5)]))                                // into the hole
        XCTAssertNil(rel([(1, 1), (0, 1)]))                                // ends on the boundary
        XCTAssertNil(rel([(0, 1), (0, 3)]))                                // along the boundary
        XCTAssertNil(rel([(1e-12, 1), (1, 1)]))                            // within the margin
        XCTAssertNil(rel([(1, 1), (2, 2)], [(11, 1), (12, 2)]))            // one part in, one out
        XCTAssertEqual(rel([(1, 1), (2, 2)], [(7, 7), (8, 9), (9, 1)]), .inside)
        XCTAssertEqual(rel([(-1, -1), (-1, 11), (11, 11)]), .disjoint)     // around the zone, not in it
        // Too many edges for the test: left to GEOS.
        let many = Ring((0...300).map { (cos(Double($0) / 300 * 2 * .pi), sin(Double($0) / 300 * 2 * .pi)) })
        XCTAssertNil(ZoneEdges(MultiPolygon([Polygon(shell: many)])))
        XCTAssertNotNil(ZoneEdges(MultiPolygon([Polygon(shell: many)]), maxEdges: 400))
    }

    /// Plain WKB line strings are read back exactly; anything else is left to GEOS.
    func testPlainLineStrings() {
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func f(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        let line: [UInt8] = [1] + le(2) + le(2) + f(1.5) + f(2) + f(3) + f(4.25)
        XCTAssertEqual(plainLineStrings(wkb: line), [[Point(1.5, 2), Point(3, 4.25)]])
        XCTAssertEqual(plainLineStrings(wkb: [1] + le(5) + le(2) + line + line)?.count, 2)
        XCTAssertNil(plainLineStrings(wkb: [1] + le(2) + le(1) + f(1) + f(2)))                   // one point
        XCTAssertNil(plainLineStrings(wkb: [1] + le(1002) + le(2) + f(1) + f(2) + f(0) + f(3) + f(4) + f(0)))   // 3D
        XCTAssertNil(plainLineStrings(wkb: [0] + le(2).reversed() + le(2).reversed() + f(1) + f(2) + f(3) + f(4)))  // big-endian
        XCTAssertNil(plainLineStrings(wkb: line + [0]))                                          // trailing byte
        XCTAssertNil(plainLineStrings(wkb: [1] + le(2) + le(2) + f(.nan) + f(2) + f(3) + f(4)))
    }

    /// 20,000 segments of many lengths and directions around the zone (a deterministic
    /// sequence): a certain answer is always GEOS's; most are certain.
    func testCertainAnswersAreGEOSs() throws {
        let e = try XCTUnwrap(ZoneEdges(zone))
        let ctx = GEOSContext()
        let zg = try Geometry(wkb: wkbOf(zone), context: ctx)
        let zp = try XCTUnwrap(PreparedGeometry(zg))
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        var certain = 0
        for k in 0..<20_000 {
            // Some endpoints snapped to the grid of the zone's vertices (on edges, at corners).
            var a = Point(-2 + 14 * next(), -2 + 14 * next())
            let len = [0.01, 0.5, 3, 12][k % 4] * next()
            var b = Point(a.x + len * cos(7 * next()), a.y + len * sin(7 * next()))
            if k % 7 == 0 { a = Point(a.x.rounded(), a.y) }
            if k % 11 == 0 { b = Point(b.x, b.y.rounded()) }
            let line: [UInt8] = [1, 2, 0, 0, 0, 2, 0, 0, 0] + [a.x, a.y, b.x, b.y].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
            let g = try Geometry(wkb: line, context: ctx)
            guard let r = e.relation([[a, b]]) else { continue }
            certain += 1
            switch r {
            case .inside: XCTAssertTrue(zp.containsProperly(g), "segment \(k): \(a) \(b)")
            case .disjoint: XCTAssertFalse(zp.intersects(g), "segment \(k): \(a) \(b)")
            }
        }
        XCTAssertGreaterThan(certain, 15_000)
    }
}

/// GeoCore's cut without GEOS (`LineCutter`) against GEOS's intersection and difference,
/// as the overlay cut before: on many segments around two zones sharing an edge (one with
/// a hole), every certain cut gives each zone GEOS's length; most cuts are certain.
final class LineZoneCutAgainstGEOSTests: XCTestCase {
    func testCertainCutsAreGEOSs() throws {
        let holed = MultiPolygon([Polygon(shell: Ring([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]),
                                          holes: [Ring([(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)])])])
        let right = MultiPolygon([Polygon(shell: Ring([(10, 0), (20, 0), (20, 10), (10, 10), (10, 0)]))])
        let zones = [holed, right]
        let edges = try zones.map { try XCTUnwrap(ZoneEdges($0)) }
        let ctx = GEOSContext()
        let zg = try zones.map { try Geometry(wkb: wkbOf($0), context: ctx) }
        let planar = Measure(.planar(metresPerUnit: 1))
        var cutter = LineCutter()
        var state: UInt64 = 0x2545F4914F6CDD1D
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        var certain = 0, crossing = 0
        for k in 0..<20_000 {
            // Some ends snapped to the zones' grid (on edges, at corners): those are left to GEOS.
            var p = Point(-2 + 24 * next(), -2 + 14 * next())
            let len = [0.01, 0.5, 3, 12][k % 4] * next()
            var q = Point(p.x + len * cos(7 * next()), p.y + len * sin(7 * next()))
            if k % 7 == 0 { p = Point(p.x.rounded(), p.y) }
            if k % 11 == 0 { q = Point(q.x, q.y.rounded()) }
            let mid = Point((p.x + q.x) / 2, (p.y + q.y) / 2)
            let line = k % 3 == 0 ? [p, mid, q] : [p, q]
            guard cutter.cut([line], by: edges) else { continue }
            certain += 1
            var mine = [0.0, 0.0]
            for piece in cutter.pieces { mine[Int(piece.zone)] += planar.length(piece.a, piece.b) }
            // GEOS, as the overlay cut before: the first zone's closed polygon, then the rest.
            var rest = try Geometry(wkb: wkbOf(line), context: ctx)
            var geos = [0.0, 0.0]
            for z in zones.indices {
                geos[z] = planar.length(try rest.intersection(zg[z]).lineStrings())
                rest = try rest.difference(zg[z])
            }
            if cutter.pieces.count > 1 { crossing += 1 }
            for z in zones.indices { XCTAssertEqual(mine[z], geos[z], accuracy: 1e-12 * max(1, len), "line \(k): \(line), zone \(z)") }
        }
        XCTAssertGreaterThan(certain, 15_000)
        XCTAssertGreaterThan(crossing, 1_000)
    }
}

/// WKB of a 2D line string (little-endian).
private func wkbOf(_ line: [Point]) -> [UInt8] {
    var b: [UInt8] = [1, 2, 0, 0, 0]
    withUnsafeBytes(of: UInt32(line.count).littleEndian) { b += $0 }
    for p in line {
        withUnsafeBytes(of: p.x.bitPattern.littleEndian) { b += $0 }
        withUnsafeBytes(of: p.y.bitPattern.littleEndian) { b += $0 }
    }
    return b
}
