import Foundation

// Cell-centre coverage: a cell counts (fraction 1) when its centre lies inside the polygon.
//
// Scanline fill at each row's centre line v = r + 0.5: collect the u where edges cross it
// (half-open in v so a vertex is counted once), sort, and fill between pairs (even-odd).
// A centre at u = c + 0.5 is inside when it lies in [u_in, u_out): the same rule as GDAL's
// rasterizer for the cases that matter (centres exactly on an edge are rare and go right).

extension GridPolygon {
    package func centerCoverage(in window: Window) -> Coverage {
        guard !window.isEmpty else { return Coverage(window: window, spans: []) }
        var crossings: [(row: Int, u: Double)] = []
        let r0 = window.row, r1 = window.rowEnd
        for e in edges {
            let ua = e.u0, va = e.v0, ub = e.u1, vb = e.v1
            let lo = min(va, vb), hi = max(va, vb)
            // Rows whose centre line r + 0.5 lies in [lo, hi).
            let rFirst = max(Int((lo - 0.5).rounded(.up)), r0)
            let rLast = min(Int((hi - 0.5).rounded(.up)) - 1, r1 - 1)
            if rFirst > rLast { continue }
            let slope = (ub - ua) / (vb - va)
            for r in rFirst...rLast {
                let vc = Double(r) + 0.5
                crossings.append((r, ua + (vc - va) * slope))
            }
        }
        crossings.sort { $0.row != $1.row ? $0.row < $1.row : $0.u < $1.u }
        var spans: [Span] = []
        var i = 0
        while i + 1 < crossings.count {
            let a = crossings[i], b = crossings[i + 1]
            guard a.row == b.row else { i += 1; continue }
            let cFirst = max(Int((a.u - 0.5).rounded(.up)), window.col)
            let cEnd = min(Int((b.u - 0.5).rounded(.up)), window.colEnd)
            if cEnd > cFirst { spans.append(Span(row: a.row, col: cFirst, len: cEnd - cFirst, fraction: 1)) }
            i += 2
        }
        return Coverage(window: window, spans: spans)
    }
}
