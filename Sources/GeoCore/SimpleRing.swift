// A cheap test that a lone ring is a valid polygon, so that most zones skip GEOS.
//
// A closed ring of finite points whose edges meet only where consecutive edges share their
// vertex, and whose area is not zero, is a valid polygon (OGC simple features) without
// holes. Zones of many small cells (fishnets, Voronoi cells, parcels) are nearly all such
// rings of a few points. The test is conservative: a repeated point, a long ring, or an
// orientation too close to zero to call says "maybe not" and the caller asks GEOS.

/// True when `ring` (closed: last point equal to the first) is certainly a valid polygon
/// shell: at least 4 points, none repeated consecutively, no two edges touching or crossing
/// except consecutive ones at their shared vertex, non-zero area. False means "ask GEOS".
public func isCertainlySimpleRing(_ ring: [Point], maxPoints: Int = 64) -> Bool {
    ring.withUnsafeBufferPointer { isCertainlySimpleRing($0, maxPoints: maxPoints) }
}

/// As above, on the points in place (it runs once per zone read).
private func isCertainlySimpleRing(_ ring: UnsafeBufferPointer<Point>, maxPoints: Int) -> Bool {
    let n = ring.count
    guard n >= 4, n <= maxPoints, ring[0] == ring[n - 1] else { return false }
    var area = 0.0
    for i in 0..<(n - 1) {
        let p = ring[i], q = ring[i + 1]
        if !p.x.isFinite || !p.y.isFinite || p == q { return false }
        area += p.x * q.y - q.x * p.y
    }
    if area == 0 { return false }
    let m = n - 1  // edges: i runs from ring[i] to ring[i + 1]
    for i in 0..<m {
        let a = ring[i], b = ring[i + 1]
        // The next edge must not fold back along this one.
        let c = ring[(i + 2) % n == 0 ? 1 : i + 2]
        if orientation(a, b, c) == 0 && (a.x - b.x) * (c.x - b.x) + (a.y - b.y) * (c.y - b.y) >= 0 { return false }
        var j = i + 2
        while j < m {
            if i == 0 && j == m - 1 { break }  // the last edge meets the first at ring[0]
            if segmentsMayMeet(a, b, ring[j], ring[j + 1]) { return false }
            j += 1
        }
    }
    return true
}

/// Sign of the turn a -> b -> c: +1 left, -1 right, 0 collinear or too close to call.
@inline(__always) private func orientation(_ a: Point, _ b: Point, _ c: Point) -> Int {
    let l = (b.x - a.x) * (c.y - a.y), r = (b.y - a.y) * (c.x - a.x)
    let det = l - r
    // Rounding error of the two products and their difference stays well under this.
    let bound = 1e-12 * (abs(l) + abs(r))
    if det > bound { return 1 }
    if det < -bound { return -1 }
    return 0
}

/// True when closed segments p1p2 and q1q2 touch or cross, or are too close to call.
@inline(__always) private func segmentsMayMeet(_ p1: Point, _ p2: Point, _ q1: Point, _ q2: Point) -> Bool {
    if max(p1.x, p2.x) < min(q1.x, q2.x) || max(q1.x, q2.x) < min(p1.x, p2.x) { return false }
    if max(p1.y, p2.y) < min(q1.y, q2.y) || max(q1.y, q2.y) < min(p1.y, p2.y) { return false }
    let d1 = orientation(q1, q2, p1), d2 = orientation(q1, q2, p2)
    let d3 = orientation(p1, p2, q1), d4 = orientation(p1, p2, q2)
    if d1 == 0 || d2 == 0 || d3 == 0 || d4 == 0 { return true }
    return d1 != d2 && d3 != d4
}
