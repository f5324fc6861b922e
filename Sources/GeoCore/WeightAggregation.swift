import Foundation

// Weights on a finer grid than the values (100 m population under 500 m night lights) are
// summed onto the value cells, not sampled: a value cell's weight is the sum of the fine
// cells' weights times the share of each fine cell's area inside it. A fine cell across a
// value cell's edge is split by area; a nodata (NaN) fine cell adds nothing; a value cell
// that no valid fine cell overlaps (all nodata, or outside the weights raster) has no
// weight (NaN), as before. Both grids are north-up in one CRS, so the shares factor into a
// column share times a row share.

/// How the cells of a finer `fine` grid fall into the cells of `window` of `target`.
public struct WeightAggregation: Sendable {
    /// The fine cells that overlap the target window (clipped to the fine grid); empty if none.
    public let fineWindow: Window
    /// Per fine column (of `fineWindow`), the target columns it overlaps (relative to the
    /// window) and the share of its width in each: entries colStart[i]..<colStart[i + 1] of
    /// colTarget and colShare (flat arrays, so the inner loop touches no reference counts).
    let colStart: [Int], colTarget: [Int], colShare: [Double]
    let rowStart: [Int], rowTarget: [Int], rowShare: [Double]
    let cols: Int, rows: Int

    /// Whether weights on `fine` are aggregated onto `target`: their cells are no larger in
    /// either direction and the grids are not the same cells (those are read as they are).
    public static func applies(fine: Grid, target: Grid) -> Bool {
        let tol = 1e-9
        guard fine.dx <= target.dx * (1 + tol), fine.dy <= target.dy * (1 + tol) else { return false }
        let sameSize = abs(fine.dx - target.dx) <= tol * target.dx && abs(fine.dy - target.dy) <= tol * target.dy
        let du = (fine.left - target.left) / target.dx, dv = (target.top - fine.top) / target.dy
        let aligned = abs(du - du.rounded()) < 1e-6 && abs(dv - dv.rounded()) < 1e-6
        return !(sameSize && aligned)
    }

    public init(fine: Grid, target: Grid, window: Window) {
        cols = window.cols; rows = window.rows
        // The window's edges in fine cells, clipped to the fine grid.
        let x0 = target.x(col: Double(window.col)), x1 = target.x(col: Double(window.colEnd))
        let y0 = target.y(row: Double(window.row)), y1 = target.y(row: Double(window.rowEnd))
        let eps = 1e-9
        let fc0 = max(0, Int(floor(fine.u(x0) + eps))), fc1 = min(fine.cols, Int(ceil(fine.u(x1) - eps)))
        let fr0 = max(0, Int(floor(fine.v(y0) + eps))), fr1 = min(fine.rows, Int(ceil(fine.v(y1) - eps)))
        fineWindow = Window(row: fr0, col: fc0, rows: fr1 - fr0, cols: fc1 - fc0)
        // Fine cell edges in target cells, relative to the window.
        let colOrigin = (fine.left - target.left) / target.dx - Double(window.col), colStep = fine.dx / target.dx
        let rowOrigin = (target.top - fine.top) / target.dy - Double(window.row), rowStep = fine.dy / target.dy
        (colStart, colTarget, colShare) = Self.spans(fc0..<max(fc0, fc1), origin: colOrigin, step: colStep, count: window.cols)
        (rowStart, rowTarget, rowShare) = Self.spans(fr0..<max(fr0, fr1), origin: rowOrigin, step: rowStep, count: window.rows)
    }

    /// For each fine cell i of `range` (edges origin + i * step and that + step, in target
    /// cells), the target cells it overlaps and the share of it in each, as flat arrays.
    static func spans(_ range: Range<Int>, origin: Double, step: Double, count: Int) -> ([Int], [Int], [Double]) {
        var start = [0], target: [Int] = [], share: [Double] = []
        for i in range {
            let a = origin + Double(i) * step, b = a + step
            // Edges within 1e-9 of a cell line are on it: no sliver shares from rounding.
            let first = max(0, Int(floor(a + 1e-9))), last = min(count - 1, Int(ceil(b - 1e-9)) - 1)
            if last >= first {
                for j in first...last {
                    target.append(j); share.append(max(0, min(b, Double(j + 1)) - max(a, Double(j))) / step)
                }
            }
            start.append(target.count)
        }
        return (start, target, share)
    }

    /// Add the fine cells of rows `rows` (of the fine grid, within `fineWindow`) whose values
    /// are `values` (row-major, `fineWindow.cols` a row; NaN for nodata) into `out` (the
    /// target window's cells). `out` starts all NaN; a cell becomes a number when a valid
    /// fine cell first overlaps it. Call for successive strips to bound memory.
    public func accumulate(rows: Range<Int>, values: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let line = UnsafeMutablePointer<Double>.allocate(capacity: max(1, cols))
        defer { line.deallocate() }
        colStart.withUnsafeBufferPointer { cs in colTarget.withUnsafeBufferPointer { ct in colShare.withUnsafeBufferPointer { csh in
            for fr in rows {
                let ri = fr - fineWindow.row
                let r0 = rowStart[ri], r1 = rowStart[ri + 1]
                guard r1 > r0 else { continue }
                line.update(repeating: .nan, count: cols)
                let src = values + (fr - rows.lowerBound) * fineWindow.cols
                for fc in 0..<fineWindow.cols {
                    let w = src[fc]
                    guard !w.isNaN else { continue }
                    for k in cs[fc]..<cs[fc + 1] {
                        let j = ct[k], old = line[j]
                        line[j] = (old.isNaN ? 0 : old) + w * csh[k]
                    }
                }
                for k in r0..<r1 {
                    let row = out + rowTarget[k] * cols, s = rowShare[k]
                    for j in 0..<cols where !line[j].isNaN {
                        row[j] = (row[j].isNaN ? 0 : row[j]) + line[j] * s
                    }
                }
            }
        } } }
    }
}
