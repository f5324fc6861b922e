import Foundation

// Lines against a zone without GEOS, where the answer is certain. Most features of a road
// layer lie well inside one zone or well away from it; GEOS's prepared predicates answer
// those too, at the cost of a GEOS geometry per feature and two predicates per zone. Here a
// line that comes nowhere near the zone's boundary (every segment farther than a margin from
// every edge) is on one side of it, found by one point-in-polygon test; anything nearer the
// boundary than the margin is left to GEOS (nil). The margin (10^-9 of the coordinates'
// magnitude) is far above the rounding of these double computations (10^-15), so a certain
// answer is the exact one: the one GEOS's exact predicates give.

/// Where a line stands to a zone, when certain.
public enum LineZoneRelation: Sendable, Equatable {
    /// In the zone's interior, touching no boundary (GEOS containsProperly).
    case inside
    /// Meets neither the zone nor its boundary (GEOS intersects is false).
    case disjoint
}

/// A zone's edges, for `relation` (a class: the overlay's hot loop passes it around
/// without retaining four arrays).
public final class ZoneEdges: Sendable {
    // Internal: `LineCutter` (LineZoneCut.swift) walks the same edges.
    let ax: [Double], ay: [Double], bx: [Double], by: [Double]
    let margin: Double

    /// Nil for a zone of more than `maxEdges` edges (testing every edge would cost more than
    /// GEOS's indexed predicates) or with coordinates that are not finite.
    public init?(_ zone: MultiPolygon, maxEdges: Int = 256) {
        var ax: [Double] = [], ay: [Double] = [], bx: [Double] = [], by: [Double] = []
        var scale = 1.0
        for poly in zone.polygons {
            for ring in [poly.shell] + poly.holes {
                let p = ring.points
                guard p.count >= 2 else { continue }
                for i in 0..<p.count {
                    let a = p[i], b = p[(i + 1) % p.count]
                    guard a.x.isFinite && a.y.isFinite else { return nil }
                    scale = max(scale, abs(a.x), abs(a.y))
                    if a == b { continue }
                    ax.append(a.x); ay.append(a.y); bx.append(b.x); by.append(b.y)
                }
            }
        }
        guard ax.count <= maxEdges else { return nil }
        self.ax = ax; self.ay = ay; self.bx = bx; self.by = by
        margin = 1e-9 * scale
    }

    /// `lines` (each of at least two points) inside the zone or away from it, or nil when a
    /// segment comes within the margin of an edge or the lines are on both sides.
    public func relation(_ lines: [[Point]]) -> LineZoneRelation? {
        var anyInside = false, anyOutside = false
        for line in lines {
            guard line.count >= 2 else { return nil }
            for i in 1..<line.count where near(line[i - 1], line[i]) { return nil }
            // No segment near the boundary: the whole line is on the side of its first point.
            if contains(line[0]) { anyInside = true } else { anyOutside = true }
        }
        if anyInside == anyOutside { return nil }
        return anyInside ? .inside : .disjoint
    }

    /// The segment pq meets an edge, or comes within the margin of one.
    private func near(_ p: Point, _ q: Point) -> Bool {
        let m = margin
        let x0 = min(p.x, q.x) - m, x1 = max(p.x, q.x) + m, y0 = min(p.y, q.y) - m, y1 = max(p.y, q.y) + m
        let m2 = m * m
        for k in ax.indices {
            let a = Point(ax[k], ay[k]), b = Point(bx[k], by[k])
            if max(a.x, b.x) < x0 || min(a.x, b.x) > x1 || max(a.y, b.y) < y0 || min(a.y, b.y) > y1 { continue }
            // Crossing or touching (orientations of opposite signs, or zero), then distances.
            let o1 = orient(p, q, a), o2 = orient(p, q, b), o3 = orient(a, b, p), o4 = orient(a, b, q)
            if (o1 <= 0 && o2 >= 0 || o1 >= 0 && o2 <= 0) && (o3 <= 0 && o4 >= 0 || o3 >= 0 && o4 <= 0) { return true }
            if distance2(a, p, q) < m2 || distance2(b, p, q) < m2 || distance2(p, a, b) < m2 || distance2(q, a, b) < m2 { return true }
        }
        return false
    }

    /// Even-odd rule over every ring (the zone's polygons do not overlap: a valid multipolygon).
    func contains(_ p: Point) -> Bool {
        var inside = false
        for k in ax.indices where (ay[k] > p.y) != (by[k] > p.y) {
            let x = ax[k] + (p.y - ay[k]) / (by[k] - ay[k]) * (bx[k] - ax[k])
            if p.x < x { inside.toggle() }
        }
        return inside
    }
}

/// Twice the signed area of abc: > 0 when c is left of ab (the line cutter uses it too).
@inline(__always) func orient(_ a: Point, _ b: Point, _ c: Point) -> Double {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

/// Squared distance from p to the segment ab.
@inline(__always) func distance2(_ p: Point, _ a: Point, _ b: Point) -> Double {
    let dx = b.x - a.x, dy = b.y - a.y
    let len2 = dx * dx + dy * dy
    var t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0
    t = min(1, max(0, t))
    let ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y
    return ex * ex + ey * ey
}

/// The line strings of a 2D little-endian WKB LineString or MultiLineString, each of at
/// least two finite points; nil for anything else.
public func plainLineStrings(wkb b: [UInt8]) -> [[Point]]? {
    b.withUnsafeBytes { b -> [[Point]]? in
        func u32(_ at: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func line(_ at: Int) -> (points: [Point], end: Int)? {
            guard b.count >= at + 9, b[at] == 1, u32(at + 1) == 2 else { return nil }
            let n = u32(at + 5)
            guard n >= 2, b.count >= at + 9 + 16 * n else { return nil }
            var pts: [Point] = []
            pts.reserveCapacity(n)
            for i in 0..<n {
                let x = b.loadUnaligned(fromByteOffset: at + 9 + 16 * i, as: Double.self)
                let y = b.loadUnaligned(fromByteOffset: at + 17 + 16 * i, as: Double.self)
                guard x.isFinite && y.isFinite else { return nil }
                pts.append(Point(x, y))
            }
            return (pts, at + 9 + 16 * n)
        }
        guard b.count >= 9, b[0] == 1 else { return nil }
        switch u32(1) {
        case 2:
            guard let l = line(0), l.end == b.count else { return nil }
            return [l.points]
        case 5:
            var at = 9, out: [[Point]] = []
            for _ in 0..<u32(5) {
                guard let l = line(at) else { return nil }
                out.append(l.points); at = l.end
            }
            return at == b.count && !out.isEmpty ? out : nil
        default:
            return nil
        }
    }
}
