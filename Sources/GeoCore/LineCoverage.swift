import Foundation

// Line zones: each cell weighs the length of line inside it, in the grid's CRS units
// (metres on a projected raster, degrees on a geographic one), as exactextract does, so a
// line's count is its length on the raster and its mean is the length-weighted mean.
//
// Each segment is cut where it crosses a column or row edge; each piece lies in one cell,
// the cell of its midpoint (the floor of its grid units u and v; points are located with
// GDAL's arithmetic instead, Grid.cell(x:y:)). A piece running exactly along a
// cell edge so goes to the cell to its right or below; exactextract 0.3 gives it to the
// cell to its left or above, and drops pieces running along a row or column inside a
// cell (a horizontal road is then lost): GeoKit keeps them.

extension CellWeights {
    public init(lines: [[Point]], on grid: Grid) {
        var cells: [(row: Int, col: Int, weight: Double)] = []
        let w = Double(grid.cols), h = Double(grid.rows)
        for line in lines where line.count >= 2 {
            for i in 1..<line.count {
                var a = (grid.u(line[i - 1].x), grid.v(line[i - 1].y))
                var b = (grid.u(line[i].x), grid.v(line[i].y))
                // Only the part on the grid counts; clipping first also keeps far-away
                // vertices from producing millions of crossings.
                guard clipSegment(&a, &b, width: w, height: h) else { continue }
                let du = b.0 - a.0, dv = b.1 - a.1
                let length = ((du * grid.dx) * (du * grid.dx) + (dv * grid.dy) * (dv * grid.dy)).squareRoot()
                if length == 0 { continue }
                var ts: [Double] = [0, 1]
                if du != 0 {
                    for k in stride(from: min(a.0, b.0).rounded(.up), through: max(a.0, b.0), by: 1) { ts.append((k - a.0) / du) }
                }
                if dv != 0 {
                    for k in stride(from: min(a.1, b.1).rounded(.up), through: max(a.1, b.1), by: 1) { ts.append((k - a.1) / dv) }
                }
                ts.sort()
                for j in 1..<ts.count where ts[j] > ts[j - 1] {
                    let t = (ts[j] + ts[j - 1]) / 2
                    let col = Int((a.0 + t * du).rounded(.down)), row = Int((a.1 + t * dv).rounded(.down))
                    cells.append((row, col, (ts[j] - ts[j - 1]) * length))
                }
            }
        }
        self.init(cells: cells, grid: grid)
    }
}

/// Liang-Barsky: clip segment a-b (grid units) to [0, width] x [0, height]; false when
/// nothing of it is left (or a coordinate is not finite).
private func clipSegment(_ a: inout (Double, Double), _ b: inout (Double, Double), width: Double, height: Double) -> Bool {
    guard a.0.isFinite, a.1.isFinite, b.0.isFinite, b.1.isFinite else { return false }
    let du = b.0 - a.0, dv = b.1 - a.1
    var t0 = 0.0, t1 = 1.0
    for (p, q) in [(-du, a.0), (du, width - a.0), (-dv, a.1), (dv, height - a.1)] {
        if p == 0 {
            if q < 0 { return false }
        } else {
            let r = q / p
            if p < 0 { if r > t1 { return false }; t0 = max(t0, r) } else { if r < t0 { return false }; t1 = min(t1, r) }
        }
    }
    let start = (a.0 + t0 * du, a.1 + t0 * dv), end = (a.0 + t1 * du, a.1 + t1 * dv)
    a = start; b = end
    return t1 > t0
}
