import Foundation

// Cell coverage of a polygon on a grid window, as runs of equal coverage.
//
// Most cells of a zone are either fully inside or outside; only the cells its boundary
// crosses have a fractional coverage. A `Coverage` keeps exactly that: for each row, spans
// of cells sharing one coverage fraction (interior runs have fraction 1, boundary cells
// are spans of length one). Statistics loop over spans, so an interior run is a tight loop
// over the decoded block with no coverage array at all.

/// Columns [col, col+len) of `row`, each covered by `fraction` (0 < fraction <= 1).
public struct Span: Equatable, Sendable {
    public var row: Int32
    public var col: Int32
    public var len: Int32
    public var fraction: Double
    public init(row: Int, col: Int, len: Int, fraction: Double) {
        self.row = Int32(row); self.col = Int32(col); self.len = Int32(len); self.fraction = fraction
    }
}

public enum CoverageMethod: String, CaseIterable, Sendable {
    /// Exact fraction of each cell's area inside the polygon (exactextract's definition).
    case exact
    /// A cell counts fully when its centre is inside (GDAL rasterize, rasterstats default).
    case center
    /// Every cell the polygon touches counts fully (GDAL ALL_TOUCHED, rasterstats all_touched).
    case allTouched = "all-touched"
}

/// The coverage of one polygon on one window of a grid.
public struct Coverage: Sendable {
    public var window: Window
    public var spans: [Span]

    /// Total covered area in cells (the exactextract `count` of an all-valid raster).
    public var coveredCells: Double { spans.reduce(0) { $0 + Double($1.len) * $1.fraction } }

    /// Dense matrix of fractions over `window`, row-major (for tests and debugging).
    public func matrix() -> [Double] {
        var m = [Double](repeating: 0, count: window.cellCount)
        for s in spans {
            for c in Int(s.col)..<Int(s.col + s.len) {
                m[(Int(s.row) - window.row) * window.cols + (c - window.col)] = s.fraction
            }
        }
        return m
    }
}

/// The coverages of many zones in one span buffer: zone k's spans are
/// `spans[starts[k]..<starts[k + 1]]`. With 10^5 small zones an array per coverage is an
/// allocation and a reference count per zone and band.
package struct CoverageList {
    package var spans: [Span] = []
    package var starts: [Int] = [0]
    package init() {}
    package var count: Int { starts.count - 1 }
    /// Close the current zone's spans (those appended since the last call).
    package mutating func endZone() { starts.append(spans.count) }
    /// No zone, the storage kept for the next list.
    package mutating func removeAll() {
        spans.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
    }
}

/// A zone prepared for coverage on one grid: its edges in grid units, oriented so that the
/// shells run one way and the holes the other, whatever the source's winding.
public struct GridPolygon: Sendable {
    /// An edge from (u0, v0) to (u1, v1).
    public struct Edge: Sendable { public var u0, v0, u1, v1: Double }
    /// Horizontal edges are dropped: they bound no area in the row decomposition below.
    /// One array, not one per coordinate: with many small zones, every array is an
    /// allocation and a reference count touched each time the zone is used.
    public private(set) var edges: [Edge] = []

    public init(_ geometry: MultiPolygon, on grid: Grid) {
        let pointCount = geometry.polygons.reduce(0) { $0 + $1.shell.points.count + $1.holes.reduce(0) { $0 + $1.points.count } }
        edges.reserveCapacity(pointCount)
        bounds = Self.appendEdges(of: geometry, on: grid, to: &edges)
    }

    package init(edges: [Edge], bounds: Bounds) { self.edges = edges; self.bounds = bounds }

    /// Bounds in grid units (u: columns, v: rows).
    package struct Bounds: Sendable {
        package var umin = Double.infinity, umax = -Double.infinity
        package var vmin = Double.infinity, vmax = -Double.infinity
        package init() {}

        /// The rows and columns of `full` whose cells these bounds touch.
        package func window(in full: Window) -> Window {
            guard umin <= umax else { return Window(row: 0, col: 0, rows: 0, cols: 0) }
            let c0 = Int(floor(umin)), c1 = Int(ceil(umax))
            let r0 = Int(floor(vmin)), r1 = Int(ceil(vmax))
            return Window(row: r0, col: c0, rows: max(r1 - r0, 1), cols: max(c1 - c0, 1)).intersection(full)
        }
    }
    package private(set) var bounds = Bounds()
    public var umin: Double { bounds.umin }
    public var umax: Double { bounds.umax }
    public var vmin: Double { bounds.vmin }
    public var vmax: Double { bounds.vmax }

    /// The edges of `geometry` in grid units appended to `edges` (the engine keeps every
    /// zone's in one array); returns their bounds. No edge, no bounds (empty).
    package static func appendEdges(of geometry: MultiPolygon, on grid: Grid, to edges: inout [Edge]) -> Bounds {
        // Far-away vertices (x = 1e20) would cost the grid-unit arithmetic its precision (and
        // overflow Int in `window`): rings reaching beyond the grid's extent plus a margin as
        // wide as the grid are clipped to that box first, in map units. Clipping keeps every
        // point's winding number inside the box, so the coverage of the grid's cells is the same.
        let margin = Double(max(grid.cols, grid.rows, 1))
        let box = Box(xmin: grid.left - margin * grid.dx, ymin: grid.top - (Double(grid.rows) + margin) * grid.dy,
                      xmax: grid.left + (Double(grid.cols) + margin) * grid.dx, ymax: grid.top + margin * grid.dy)
        let first = edges.count
        var bounds = Bounds()
        for p in geometry.polygons {
            addRing(p.shell.points, sign: 1, grid: grid, box: box, to: &edges, bounds: &bounds)
            for h in p.holes { addRing(h.points, sign: -1, grid: grid, box: box, to: &edges, bounds: &bounds) }
        }
        return edges.count > first ? bounds : Bounds()
    }

    /// One ring's edges in grid units, oriented by its role (+1 shell, -1 hole).
    private static func addRing(_ ring: [Point], sign: Double, grid: Grid, box: Box, to edges: inout [Edge], bounds: inout Bounds) {
        var points = ring
        if points.contains(where: { !box.contains(x: $0.x, y: $0.y) }) { points = clipRing(points, to: box) }
        let n = points.count
        guard n >= 3 else { return }
        // Each point in grid units once (two divisions), then the orientation and the edges
        // from those: with 10^5 small zones, converting every point four times showed.
        withUnsafeTemporaryAllocation(of: (Double, Double).self, capacity: n) { uv in
            for i in 0..<n { uv[i] = (grid.u(points[i].x), grid.v(points[i].y)) }
            // Orientation in grid units: area = sum of u dv. Reverse rings whose winding
            // disagrees with their role so every edge adds with a plus sign.
            var a = 0.0
            for i in 0..<n {
                let p = uv[i], q = uv[i + 1 == n ? 0 : i + 1]
                a += (p.0 + q.0) * (q.1 - p.1) / 2
            }
            if a == 0 { return }
            let reverse = (a < 0) == (sign > 0)
            for i in 0..<n {
                var p = uv[i], q = uv[i + 1 == n ? 0 : i + 1]
                if reverse { swap(&p, &q) }
                bounds.umin = min(bounds.umin, p.0); bounds.umax = max(bounds.umax, p.0)
                bounds.vmin = min(bounds.vmin, p.1); bounds.vmax = max(bounds.vmax, p.1)
                if p.1 == q.1 { continue }
                edges.append(Edge(u0: p.0, v0: p.1, u1: q.0, v1: q.1))
            }
        }
    }

    public var isEmpty: Bool { edges.isEmpty }
    public var edgeCount: Int { edges.count }

    /// The rows and columns of `grid` whose cells the polygon's bounds touch.
    public func window(in full: Window) -> Window {
        if isEmpty { return Window(row: 0, col: 0, rows: 0, cols: 0) }
        return bounds.window(in: full)
    }

    public func coverage(_ method: CoverageMethod, in window: Window) -> Coverage {
        var events = EventList()
        return coverage(method, in: window, events: &events)
    }

    /// As `coverage(_:in:)` with the caller's scratch list, reused across zones.
    package func coverage(_ method: CoverageMethod, in window: Window, events: inout EventList) -> Coverage {
        switch method {
        case .exact: return exactCoverage(in: window, events: &events)
        case .center: return centerCoverage(in: window)
        case .allTouched:
            var c = exactCoverage(in: window, events: &events)
            for i in c.spans.indices { c.spans[i].fraction = 1 }
            return c
        }
    }
}

/// Sutherland-Hodgman: the ring clipped to `box` (edges along the box's sides may double
/// back; they bound no area and the coverage sums cancel them).
package func clipRing(_ ring: [Point], to box: Box) -> [Point] {
    var pts = ring
    if let f = pts.first, let l = pts.last, pts.count > 1, f == l { pts.removeLast() }
    // Each side: inside test and the crossing of segment p-q with the side's line.
    let sides: [(inside: (Point) -> Bool, cross: (Point, Point) -> Point)] = [
        ({ $0.x >= box.xmin }, { p, q in Point(box.xmin, p.y + (box.xmin - p.x) * (q.y - p.y) / (q.x - p.x)) }),
        ({ $0.x <= box.xmax }, { p, q in Point(box.xmax, p.y + (box.xmax - p.x) * (q.y - p.y) / (q.x - p.x)) }),
        ({ $0.y >= box.ymin }, { p, q in Point(p.x + (box.ymin - p.y) * (q.x - p.x) / (q.y - p.y), box.ymin) }),
        ({ $0.y <= box.ymax }, { p, q in Point(p.x + (box.ymax - p.y) * (q.x - p.x) / (q.y - p.y), box.ymax) }),
    ]
    for side in sides {
        guard !pts.isEmpty else { break }
        var out: [Point] = []
        out.reserveCapacity(pts.count + 4)
        for i in 0..<pts.count {
            let p = pts[i], q = pts[(i + 1) % pts.count]
            let pin = side.inside(p), qin = side.inside(q)
            if pin { out.append(p) }
            if pin != qin { out.append(side.cross(p, q)) }
        }
        pts = out
    }
    return pts
}
