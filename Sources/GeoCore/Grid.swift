import Foundation

// A north-up raster grid and windows into it.
//
// Cells are addressed (row, col) from the top-left corner. GeoKit works in "grid units"
// internally (u = column position, v = row position, both growing from the top-left), so
// that every cell is the unit square [c, c+1] x [r, r+1] and coverage fractions are areas.

/// An axis-aligned rectangle in map coordinates.
public struct Box: Equatable, Sendable, CustomStringConvertible {
    public var xmin, ymin, xmax, ymax: Double
    public init(xmin: Double, ymin: Double, xmax: Double, ymax: Double) {
        self.xmin = xmin; self.ymin = ymin; self.xmax = xmax; self.ymax = ymax
    }
    public static let empty = Box(xmin: .infinity, ymin: .infinity, xmax: -.infinity, ymax: -.infinity)
    public var isEmpty: Bool { !(xmin <= xmax && ymin <= ymax) }
    public var width: Double { xmax - xmin }
    public var height: Double { ymax - ymin }
    public mutating func expand(x: Double, y: Double) {
        xmin = Swift.min(xmin, x); xmax = Swift.max(xmax, x)
        ymin = Swift.min(ymin, y); ymax = Swift.max(ymax, y)
    }
    public func union(_ o: Box) -> Box {
        Box(xmin: Swift.min(xmin, o.xmin), ymin: Swift.min(ymin, o.ymin),
            xmax: Swift.max(xmax, o.xmax), ymax: Swift.max(ymax, o.ymax))
    }
    public func intersects(_ o: Box) -> Bool {
        !isEmpty && !o.isEmpty && xmin <= o.xmax && o.xmin <= xmax && ymin <= o.ymax && o.ymin <= ymax
    }
    public func contains(x: Double, y: Double) -> Bool { x >= xmin && x <= xmax && y >= ymin && y <= ymax }
    public var description: String { "(\(xmin), \(ymin)) - (\(xmax), \(ymax))" }
}

/// A block of cells: rows [row, row+rows) and columns [col, col+cols).
public struct Window: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var row, col, rows, cols: Int
    public init(row: Int, col: Int, rows: Int, cols: Int) {
        self.row = row; self.col = col; self.rows = max(0, rows); self.cols = max(0, cols)
    }
    public var isEmpty: Bool { rows == 0 || cols == 0 }
    public var rowEnd: Int { row + rows }
    public var colEnd: Int { col + cols }
    public var cellCount: Int { rows * cols }
    public func intersection(_ o: Window) -> Window {
        let r0 = max(row, o.row), c0 = max(col, o.col)
        let r1 = min(rowEnd, o.rowEnd), c1 = min(colEnd, o.colEnd)
        return Window(row: r0, col: c0, rows: r1 - r0, cols: c1 - c0)
    }
    public var description: String { "rows \(row)..<\(rowEnd), cols \(col)..<\(colEnd)" }
}

/// A north-up grid: `cols` x `rows` cells of `dx` by `dy` map units, top-left corner at
/// (`left`, `top`). Rotated grids are rejected when a raster is opened.
public struct Grid: Equatable, Sendable, CustomStringConvertible {
    public var left, top, dx, dy: Double
    public var cols, rows: Int

    public init(left: Double, top: Double, dx: Double, dy: Double, cols: Int, rows: Int) {
        precondition(dx > 0 && dy > 0, "cell size must be positive")
        self.left = left; self.top = top; self.dx = dx; self.dy = dy; self.cols = cols; self.rows = rows
    }

    /// From a GDAL geotransform (north-up: gt[2] == gt[4] == 0; gt[5] may be + or -).
    public init?(geotransform gt: [Double], cols: Int, rows: Int) {
        guard gt.count == 6, gt[2] == 0, gt[4] == 0, gt[1] > 0, gt[5] != 0 else { return nil }
        if gt[5] < 0 {
            self.init(left: gt[0], top: gt[3], dx: gt[1], dy: -gt[5], cols: cols, rows: rows)
        } else {
            // South-up grids are rare; treating them as north-up would silently flip rows.
            return nil
        }
    }

    public var bottom: Double { top - Double(rows) * dy }
    public var right: Double { left + Double(cols) * dx }
    public var extent: Box { Box(xmin: left, ymin: bottom, xmax: right, ymax: top) }
    public var full: Window { Window(row: 0, col: 0, rows: rows, cols: cols) }
    public var cellArea: Double { dx * dy }

    /// Grid units of a map coordinate: u grows east in columns, v grows south in rows.
    @inline(__always) public func u(_ x: Double) -> Double { (x - left) / dx }
    @inline(__always) public func v(_ y: Double) -> Double { (top - y) / dy }
    public func x(col: Double) -> Double { left + col * dx }
    public func y(row: Double) -> Double { top - row * dy }

    /// The cell (row, column) under a map coordinate as `gdallocationinfo -geoloc` finds it,
    /// so that a point on a cell edge takes the same cell as GDAL, rasterio and rasterstats
    /// (right and below). GDAL inverts the geotransform `gt = [left, dx, 0, top, 0, -dy]`
    /// (`GDALInvGeoTransform`, case without rotation: `inv = [-gt0 / gt1, 1 / gt1, 0,
    /// -gt3 / gt5, 0, 1 / gt5]`), then takes `floor(inv0 + x * inv1 + y * inv2)` and
    /// `floor(inv3 + x * inv4 + y * inv5)`; the same operations in the same order here. Not
    /// `floor(u(x))`: `(96.1 - 96.0) / 0.1` is 0.99999999999994 where GDAL's arithmetic gives
    /// 1. Nil off the grid (or for NaN).
    @inline(__always) public func cell(x: Double, y: Double) -> (row: Int, col: Int)? {
        let gt0 = left, gt1 = dx, gt3 = top, gt5 = -dy
        let inv0 = -gt0 / gt1, inv1 = 1.0 / gt1, inv2 = 0.0, inv3 = -gt3 / gt5, inv4 = 0.0, inv5 = 1.0 / gt5
        let pixel = inv0 + x * inv1 + y * inv2
        let line = inv3 + x * inv4 + y * inv5
        guard pixel >= 0, line >= 0, pixel < Double(cols), line < Double(rows) else { return nil }
        return (Int(line.rounded(.down)), Int(pixel.rounded(.down)))
    }

    /// The cells a box touches, clipped to the grid (empty when it misses the grid).
    public func window(covering box: Box) -> Window {
        if box.isEmpty { return Window(row: 0, col: 0, rows: 0, cols: 0) }
        let c0 = Int(floor(u(box.xmin))), c1 = Int(ceil(u(box.xmax)))
        let r0 = Int(floor(v(box.ymax))), r1 = Int(ceil(v(box.ymin)))
        let w = Window(row: r0, col: c0, rows: max(r1 - r0, 1), cols: max(c1 - c0, 1))
        return w.intersection(full)
    }

    /// True when two grids share cell edges and size (to a tolerance of 1e-6 cell),
    /// so one coverage computation serves both.
    public func isCompatible(with o: Grid) -> Bool {
        let tol = 1e-6
        return abs(dx - o.dx) <= tol * dx && abs(dy - o.dy) <= tol * dy &&
            abs(left - o.left) <= tol * dx && abs(top - o.top) <= tol * dy &&
            cols == o.cols && rows == o.rows
    }

    public var description: String {
        "\(cols) x \(rows) cells of \(dx) x \(dy), origin (\(left), \(top))"
    }
}
