import Foundation

/// The point of a segment nearest to the origin (the query point, in a local planar frame):
/// the segment starts at (ax, ay) and runs along (dx, dy). Returns the squared distance and
/// the position t in [0, 1] along the segment.
@inline(__always)
public func nearestOnSegment(ax: Double, ay: Double, dx: Double, dy: Double) -> (distanceSquared: Double, t: Double) {
    let len2 = dx * dx + dy * dy
    var t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0
    t = t < 0 ? 0 : (t > 1 ? 1 : t)
    let cx = ax + t * dx, cy = ay + t * dy
    return (cx * cx + cy * cy, t)
}
