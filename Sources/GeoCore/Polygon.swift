// Polygons as plain values: rings of points, free of GEOS and GDAL so the coverage
// algorithms can be tested on hand-made shapes.

public struct Point: Equatable, Sendable {
    public var x, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A closed ring (first point repeated last, or not: both are accepted).
public struct Ring: Sendable {
    public var points: [Point]
    public init(_ points: [Point]) { self.points = points }
    public init(_ xy: [(Double, Double)]) { self.points = xy.map { Point($0.0, $0.1) } }

    /// Signed area by the shoelace formula (positive when counter-clockwise in x/y).
    public var signedArea: Double {
        let p = points
        guard p.count >= 3 else { return 0 }
        var s = 0.0
        for i in 0..<p.count {
            let a = p[i], b = p[(i + 1) % p.count]
            s += a.x * b.y - b.x * a.y
        }
        return s / 2
    }
}

/// One polygon: an exterior ring and any number of holes.
public struct Polygon: Sendable {
    public var shell: Ring
    public var holes: [Ring]
    public init(shell: Ring, holes: [Ring] = []) { self.shell = shell; self.holes = holes }
    public var area: Double { abs(shell.signedArea) - holes.reduce(0) { $0 + abs($1.signedArea) } }
}

/// A zone's geometry: zero or more non-overlapping polygons (a valid multipolygon).
public struct MultiPolygon: Sendable {
    public var polygons: [Polygon]
    public init(_ polygons: [Polygon]) { self.polygons = polygons }
    public var isEmpty: Bool { polygons.isEmpty }
    public var area: Double { polygons.reduce(0) { $0 + $1.area } }
    public var bounds: Box {
        var b = Box.empty
        for p in polygons { for q in p.shell.points { b.expand(x: q.x, y: q.y) } }
        return b
    }
    /// Every ring with +1 for shells and -1 for holes.
    public var signedRings: [(ring: Ring, sign: Double)] {
        var out: [(Ring, Double)] = []
        for p in polygons {
            out.append((p.shell, 1))
            for h in p.holes { out.append((h, -1)) }
        }
        return out
    }
}
