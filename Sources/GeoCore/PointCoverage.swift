import Foundation

// Point and line zones as weights on single cells, in the same `Coverage` form as polygons.
//
// A point weighs 1 on the cell under it (rasterstats' point_query with nearest, exactextract's
// cell of a point); a point exactly on a cell edge belongs to the cell to its right and below,
// found with GDAL's arithmetic (`Grid.cell(x:y:)`: col = floor(inv0 + x * inv1 + y * inv2),
// row = floor(inv3 + x * inv4 + y * inv5) of the inverse geotransform, as gdallocationinfo
// computes it; `floor((x - left) / dx)` misses by one on many decimal coordinates, as
// (96.1 - 96.0) / 0.1 < 1). A MultiPoint weighs 1 per point, so two points in one cell weigh 2.
// Lines weigh each cell by the length of line inside it, in the raster's CRS units (see
// LineCoverage.swift), as exactextract does.

/// Weights on single cells, sorted by row then column: one span of length 1 per cell.
public struct CellWeights: Sendable {
    public private(set) var spans: [Span]

    /// From (row, col, weight) triples in any order; repeated cells add up; cells off the
    /// grid are dropped.
    package init(cells: [(row: Int, col: Int, weight: Double)], grid: Grid) {
        var sum: [Int: Double] = [:]
        for c in cells where c.row >= 0 && c.row < grid.rows && c.col >= 0 && c.col < grid.cols && c.weight > 0 {
            sum[c.row * grid.cols + c.col, default: 0] += c.weight
        }
        spans = sum.keys.sorted().map { Span(row: $0 / grid.cols, col: $0 % grid.cols, len: 1, fraction: sum[$0]!) }
    }

    /// The cells under `points` (in map units of `grid`'s CRS).
    public init(points: [Point], on grid: Grid) {
        var cells: [(row: Int, col: Int, weight: Double)] = []
        for p in points {
            guard let c = grid.cell(x: p.x, y: p.y) else { continue }   // off the grid, or NaN
            cells.append((c.row, c.col, 1))
        }
        self.init(cells: cells, grid: grid)
    }

    public var isEmpty: Bool { spans.isEmpty }

    /// The rows and columns the weighted cells span, within `full`.
    public func window(in full: Window) -> Window {
        guard let first = spans.first, let last = spans.last else { return Window(row: 0, col: 0, rows: 0, cols: 0) }
        var c0 = Int.max, c1 = Int.min
        for s in spans { c0 = min(c0, Int(s.col)); c1 = max(c1, Int(s.col) + 1) }
        return Window(row: Int(first.row), col: c0, rows: Int(last.row) - Int(first.row) + 1, cols: c1 - c0).intersection(full)
    }

    /// The weighted cells inside `window`.
    public func coverage(in window: Window) -> Coverage {
        Coverage(window: window, spans: spans.filter {
            Int($0.row) >= window.row && Int($0.row) < window.rowEnd && Int($0.col) >= window.col && Int($0.col) < window.colEnd
        })
    }
}

/// A zone prepared for coverage on one grid: polygons by their area, points and lines by
/// their cells. The engine asks every zone the same two questions, whatever its kind.
public enum PreparedZone: Sendable {
    case polygon(GridPolygon)
    case cells(CellWeights)

    public init(_ zone: Zone, on grid: Grid) {
        if !zone.points.isEmpty {
            self = .cells(CellWeights(points: zone.points, on: grid))
        } else if !zone.lines.isEmpty {
            self = .cells(CellWeights(lines: zone.lines, on: grid))
        } else {
            self = .polygon(GridPolygon(zone.geometry, on: grid))
        }
    }

    @inline(__always) public func window(in full: Window) -> Window {
        switch self {
        case .polygon(let p): return p.window(in: full)
        case .cells(let c): return c.window(in: full)
        }
    }

    /// Points and lines ignore `method`: a point has one cell and a line a length per cell.
    @inline(__always) public func coverage(_ method: CoverageMethod, in window: Window) -> Coverage {
        switch self {
        case .polygon(let p): return p.coverage(method, in: window)
        case .cells(let c): return c.coverage(in: window)
        }
    }
}
