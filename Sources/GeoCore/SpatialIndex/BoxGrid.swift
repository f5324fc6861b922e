import Foundation

// MARK: - Uniform grid of boxes (point queries)

/// Boxes bucketed in a uniform grid (cell about the size of a typical box): the boxes
/// containing a point are found among the few listed in its cell. Plain arrays, copied
/// per worker.
package struct BoxGrid: Sendable {
    package var x0 = 0.0, y0 = 0.0, cell = 1.0
    package var nx = 0, ny = 0
    package var start: [Int32] = []
    /// Per entry, in cell order: the item and its box.
    package var item: [Int32] = []
    package var bx0: [Double] = [], by0: [Double] = [], bx1: [Double] = [], by1: [Double] = []

    package init(_ boxes: [Box]) {
        var ext = Box.empty
        var sizes: [Double] = []
        for b in boxes where !b.isEmpty { ext = ext.union(b); sizes.append(max(b.width, b.height)) }
        guard !sizes.isEmpty else { return }
        sizes.sort()
        let median = sizes[sizes.count / 2]
        // About the median box size, but never more than ~4 cells per box overall.
        let minCell = (max(ext.width, 1e-12) * max(ext.height, 1e-12) / Double(4 * sizes.count)).squareRoot()
        cell = max(median, minCell, 1e-12)
        x0 = ext.xmin; y0 = ext.ymin
        nx = max(1, Int((ext.width / cell).rounded(.down)) + 1); ny = max(1, Int((ext.height / cell).rounded(.down)) + 1)
        func cells(_ b: Box) -> (ClosedRange<Int>, ClosedRange<Int>) {
            let i0 = max(0, min(nx - 1, Int(((b.xmin - x0) / cell).rounded(.down))))
            let i1 = max(0, min(nx - 1, Int(((b.xmax - x0) / cell).rounded(.down))))
            let j0 = max(0, min(ny - 1, Int(((b.ymin - y0) / cell).rounded(.down))))
            let j1 = max(0, min(ny - 1, Int(((b.ymax - y0) / cell).rounded(.down))))
            return (i0...i1, j0...j1)
        }
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        for b in boxes where !b.isEmpty { let (ci, cj) = cells(b); for j in cj { for i in ci { counts[j * nx + i] += 1 } } }
        var acc: Int32 = 0
        for k in 0..<counts.count { let c = counts[k]; counts[k] = acc; acc += c }
        start = counts
        let n = Int(acc)
        item = [Int32](repeating: 0, count: n)
        bx0 = [Double](repeating: 0, count: n); by0 = bx0; bx1 = bx0; by1 = bx0
        for (z, b) in boxes.enumerated() where !b.isEmpty {
            let (ci, cj) = cells(b)
            for j in cj { for i in ci {
                let k = j * nx + i, q = Int(counts[k])
                item[q] = Int32(z); bx0[q] = b.xmin; by0[q] = b.ymin; bx1[q] = b.xmax; by1[q] = b.ymax
                counts[k] += 1
            } }
        }
    }

    package func deepCopy() -> BoxGrid {
        var g = self
        g.start = start.map { $0 }; g.item = item.map { $0 }
        g.bx0 = bx0.map { $0 }; g.by0 = by0.map { $0 }; g.bx1 = bx1.map { $0 }; g.by1 = by1.map { $0 }
        return g
    }

    /// Append the items whose (closed) box contains (x, y).
    @inline(__always)
    package func query(_ x: Double, _ y: Double, into out: inout [Int32]) {
        guard nx > 0 else { return }
        let fi = (x - x0) / cell, fj = (y - y0) / cell
        guard fi >= 0, fj >= 0, fi < Double(nx), fj < Double(ny) else {
            // On the far edges of the extent (x == xmax) the last cell still holds the box.
            if fi >= 0, fj >= 0, fi <= Double(nx), fj <= Double(ny) { scan(min(nx - 1, Int(fi)), min(ny - 1, Int(fj)), x, y, &out) }
            return
        }
        scan(Int(fi), Int(fj), x, y, &out)
    }

    @inline(__always)
    private func scan(_ i: Int, _ j: Int, _ x: Double, _ y: Double, _ out: inout [Int32]) {
        let k = j * nx + i
        for q in Int(start[k])..<Int(start[k + 1]) where bx0[q] <= x && x <= bx1[q] && by0[q] <= y && y <= by1[q] {
            out.append(item[q])
        }
    }
}

