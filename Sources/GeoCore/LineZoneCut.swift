import Foundation

// Lines cut by zones without GEOS, where the cut is certain. A line that crosses a zone's
// boundary cleanly (each crossing a transversal one, away from the zone's vertices, and no
// point of the line within the margin of an edge it does not cross) is split at its
// crossings; each piece between two crossings lies in the interior of the zones it is in,
// and goes to the first of them in the order given (the overlay's tie-break order), as
// GEOS's intersection-then-difference gives it. Anything else (a line touching a vertex,
// running along or ending on an edge, crossing at a grazing angle) is left to GEOS: the
// cutter says so, and the caller cuts the whole line with GEOS. With the margin of
// `ZoneEdges` (10^-9 of the coordinates) far above the rounding of these computations, the
// pieces are GEOS's: the crossing points are computed by GEOS's own formula.

/// A piece of a line inside one zone: the zone's position among the zones cut by, and its ends.
public struct LinePiece: Sendable, Equatable {
    public var zone: Int32
    public var a: Point, b: Point
    public init(zone: Int32, _ a: Point, _ b: Point) { self.zone = zone; self.a = a; self.b = b }
}

/// Cuts lines by zones, reusing its buffers from line to line (no allocation per line once warm).
public struct LineCutter {
    /// The pieces of the last line cut, in line order; consecutive pieces of one segment
    /// in the same zone are one piece.
    public private(set) var pieces: [LinePiece] = []
    /// The crossings of a segment: where along it, of which zone, the point.
    private var events: [(t: Double, k: Int32, at: Point)] = []
    /// Per zone, whether the walk along the line is inside it (the first `zoneCount`).
    private var inside: [Bool] = []
    private var zoneCount = 0
    /// Crossings sharper than this (sine of the angle between a segment and an edge) are
    /// well conditioned: the crossing point is good to 10^-16 / sin of the segment's length.
    public static let minimumSine = 1e-6

    public init() {}

    /// Cuts `lines` (each of at least two points) by `zones`, in tie-break order: a piece
    /// inside several zones goes to the first. False when the cut is not certain (a line
    /// within a zone's margin of one of its edges other than by a clean crossing); `pieces`
    /// then means nothing.
    public mutating func cut(_ lines: [[Point]], by zones: [ZoneEdges]) -> Bool {
        pieces.removeAll(keepingCapacity: true)
        guard !zones.isEmpty else { return true }
        if inside.count < zones.count { inside = Array(repeating: false, count: zones.count) }
        zoneCount = zones.count
        for line in lines {
            guard line.count >= 2 else { return false }
            // Side of each zone at the line's start; then carried along by its crossings.
            for k in zones.indices { inside[k] = zones[k].contains(line[0]) }
            for i in 1..<line.count {
                let p = line[i - 1], q = line[i]
                if p == q { continue }
                events.removeAll(keepingCapacity: true)
                for k in zones.indices {
                    guard zones[k].crossings(p, q, zone: Int32(k), into: &events) else { return false }
                }
                sortByT()
                let first = pieces.count
                var t0 = 0.0, a = p
                for e in events {
                    add(a, e.at, t0, e.t, mergingFrom: first)
                    inside[Int(e.k)].toggle()
                    t0 = e.t; a = e.at
                }
                add(a, q, t0, 1, mergingFrom: first)
            }
        }
        return true
    }

    /// The piece ab of a segment (from t0 to t1 along it), to the first zone the segment
    /// is inside of there; one piece with the one before when that is of the same segment
    /// (at or after `first`) and zone, and ends at a (a crossing of another zone between).
    private mutating func add(_ a: Point, _ b: Point, _ t0: Double, _ t1: Double, mergingFrom first: Int) {
        guard t1 > t0, let k = inside[0..<zoneCount].firstIndex(of: true) else { return }
        if pieces.count > first, pieces[pieces.count - 1].zone == Int32(k), pieces[pieces.count - 1].b == a {
            pieces[pieces.count - 1].b = b
            return
        }
        pieces.append(LinePiece(zone: Int32(k), a, b))
    }

    /// Insertion sort of the few crossings of a segment, by position along it.
    private mutating func sortByT() {
        guard events.count > 1 else { return }
        for i in 1..<events.count {
            let e = events[i]
            var j = i - 1
            while j >= 0 && events[j].t > e.t { events[j + 1] = events[j]; j -= 1 }
            events[j + 1] = e
        }
    }
}

extension ZoneEdges {
    /// The clean crossings of the segment pq with the zone's edges, as fractions of pq
    /// (appended to `events`); false when pq comes within the margin of an edge other than
    /// by a clean crossing (touches or nears a vertex or an edge, or crosses at a grazing angle).
    func crossings(_ p: Point, _ q: Point, zone k: Int32, into events: inout [(t: Double, k: Int32, at: Point)]) -> Bool {
        let m = margin
        let x0 = min(p.x, q.x) - m, x1 = max(p.x, q.x) + m, y0 = min(p.y, q.y) - m, y1 = max(p.y, q.y) + m
        let m2 = m * m
        let dx = q.x - p.x, dy = q.y - p.y
        let pq2 = dx * dx + dy * dy
        for e in ax.indices {
            // The edge in a canonical direction, so an edge shared by two zones gives both the same crossing.
            var a = Point(ax[e], ay[e]), b = Point(bx[e], by[e])
            if max(a.x, b.x) < x0 || min(a.x, b.x) > x1 || max(a.y, b.y) < y0 || min(a.y, b.y) > y1 { continue }
            if (b.x, b.y) < (a.x, a.y) { swap(&a, &b) }
            if distance2(a, p, q) < m2 || distance2(b, p, q) < m2 || distance2(p, a, b) < m2 || distance2(q, a, b) < m2 { return false }
            let o1 = orient(p, q, a), o2 = orient(p, q, b)
            let o3 = orient(a, b, p), o4 = orient(a, b, q)
            // Every end is farther than the margin from the other segment: they cross iff
            // each separates the other's ends strictly.
            guard (o1 < 0) != (o2 < 0) && o1 != 0 && o2 != 0 && (o3 < 0) != (o4 < 0) && o3 != 0 && o4 != 0 else { continue }
            let ex = b.x - a.x, ey = b.y - a.y
            let cross = o3 - o4   // (b - a) x (p - q): |ab| |pq| sin of the angle
            guard cross * cross >= LineCutter.minimumSine * LineCutter.minimumSine * (ex * ex + ey * ey) * pq2 else { return false }
            events.append((min(1, max(0, o3 / cross)), k, crossingPoint(p, q, a, b)))
        }
        return true
    }
}

/// The crossing point of the segments pq and ab as GEOS computes it (`Intersection::
/// intersection`: homogeneous coordinates about the middle of the segments' common box),
/// so that the pieces' ends, and lengths, are GEOS's to the last digit in most cases.
@inline(__always) private func crossingPoint(_ p1: Point, _ p2: Point, _ q1: Point, _ q2: Point) -> Point {
    let midx = (max(min(p1.x, p2.x), min(q1.x, q2.x)) + min(max(p1.x, p2.x), max(q1.x, q2.x))) / 2
    let midy = (max(min(p1.y, p2.y), min(q1.y, q2.y)) + min(max(p1.y, p2.y), max(q1.y, q2.y))) / 2
    let p1x = p1.x - midx, p1y = p1.y - midy, p2x = p2.x - midx, p2y = p2.y - midy
    let q1x = q1.x - midx, q1y = q1.y - midy, q2x = q2.x - midx, q2y = q2.y - midy
    let px = p1y - p2y, py = p2x - p1x, pw = p1x * p2y - p2x * p1y
    let qx = q1y - q2y, qy = q2x - q1x, qw = q1x * q2y - q2x * q1y
    let x = py * qw - qy * pw, y = qx * pw - px * qw, w = px * qy - qx * py
    return Point(x / w + midx, y / w + midy)
}

