import Foundation

// MARK: - Box queries on the uniform grid

extension BoxGrid {
    /// Appends the items whose (closed) box meets `b`, in item order, and returns true,
    /// when `b` lies within one cell; false (nothing appended) otherwise: the caller asks
    /// its `BoxTree` (a box across cells would list an item once per cell). For many small
    /// queries (a million road segments against the zones) this tests the few boxes of one
    /// cell instead of walking a tree. Cells are found by a rounding that is monotone in the
    /// coordinate, as when the boxes were binned, so a box that meets `b` is in `b`'s cell.
    package func query(_ b: Box, into out: inout [Int32]) -> Bool {
        guard b.xmin.isFinite && b.ymin.isFinite && b.xmax.isFinite && b.ymax.isFinite else { return false }
        guard nx > 0 else { return true }   // no boxes
        let i = cellIndex((b.xmin - x0) / cell, nx), j = cellIndex((b.ymin - y0) / cell, ny)
        guard i == cellIndex((b.xmax - x0) / cell, nx), j == cellIndex((b.ymax - y0) / cell, ny) else { return false }
        let k = j * nx + i
        for q in Int(start[k])..<Int(start[k + 1]) where bx0[q] <= b.xmax && b.xmin <= bx1[q] && by0[q] <= b.ymax && b.ymin <= by1[q] {
            out.append(item[q])
        }
        return true
    }

    /// The binning's cell of a coordinate (in cells from the origin), clamped to the grid.
    @inline(__always)
    private func cellIndex(_ f: Double, _ n: Int) -> Int {
        max(0, min(n - 1, Int(max(-1, min(Double(n), f)).rounded(.down))))
    }
}
