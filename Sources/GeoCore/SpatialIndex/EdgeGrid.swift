import Foundation

// MARK: - Edges near a point

/// Every zone edge, bucketed in a uniform grid with cells padded by the tolerance:
/// answers "which zones have a boundary within the tolerance of this point" in a few
/// segment tests. Plain arrays, shared read-only between threads.
package struct EdgeGrid: Sendable {
    package let tolerance: Double
    package let geographic: Bool
    package let ellipsoid: Ellipsoid
    package let metresPerUnit: Double
    package var x0 = 0.0, y0 = 0.0, cell = 1.0
    package var nx = 0, ny = 0
    package var start: [Int32] = []
    package var items: [Int32] = []
    package var ax: [Double] = [], ay: [Double] = [], bx: [Double] = [], by: [Double] = []
    package var zone: [Int32] = []

    package init(_ zones: [MultiPolygon], tolerance: Double, geographic: Bool, ellipsoid: Ellipsoid, metresPerUnit: Double) {
        self.tolerance = tolerance; self.geographic = geographic; self.ellipsoid = ellipsoid; self.metresPerUnit = metresPerUnit
        var ext = Box.empty
        for (z, g) in zones.enumerated() {
            for p in g.polygons {
                for r in [p.shell] + p.holes where r.points.count >= 2 {
                    for j in 1..<r.points.count {
                        let a = r.points[j - 1], b = r.points[j]
                        ax.append(a.x); ay.append(a.y); bx.append(b.x); by.append(b.y); zone.append(Int32(z))
                        ext.expand(x: a.x, y: a.y); ext.expand(x: b.x, y: b.y)
                    }
                    if let f = r.points.first, let l = r.points.last, f != l {
                        ax.append(l.x); ay.append(l.y); bx.append(f.x); by.append(f.y); zone.append(Int32(z))
                    }
                }
            }
        }
        let n = ax.count
        guard n > 0 else { return }
        // Padding in CRS units, conservative.
        let padX: Double, padY: Double
        if geographic {
            let e2 = ellipsoid.flattening * (2 - ellipsoid.flattening)
            padY = tolerance / (ellipsoid.semiMajor * (1 - e2)) * 180 / .pi * 1.01
            let c = cos(min(89.0, max(abs(ext.ymin), abs(ext.ymax)) + padY) * .pi / 180)
            padX = tolerance / (ellipsoid.semiMajor * c) * 180 / .pi * 1.01
        } else {
            padX = 2 * tolerance / metresPerUnit; padY = padX
        }
        x0 = ext.xmin - padX; y0 = ext.ymin - padY
        let w = ext.width + 2 * padX, h = ext.height + 2 * padY
        cell = max((w * h / Double(n)).squareRoot(), 1e-12)
        nx = max(1, Int((w / cell).rounded(.up))); ny = max(1, Int((h / cell).rounded(.up)))
        func range(_ lo: Double, _ hi: Double, _ o: Double, _ m: Int) -> ClosedRange<Int> {
            max(0, min(m - 1, Int(((lo - o) / cell).rounded(.down)))) ... max(0, min(m - 1, Int(((hi - o) / cell).rounded(.down))))
        }
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        for pass in 0..<2 {
            if pass == 1 {
                var acc: Int32 = 0
                for k in 0..<counts.count { let c = counts[k]; counts[k] = acc; acc += c }
                start = counts
                items = [Int32](repeating: 0, count: Int(acc))
            }
            for s in 0..<n {
                let cx = range(min(ax[s], bx[s]) - padX, max(ax[s], bx[s]) + padX, x0, nx)
                let cy = range(min(ay[s], by[s]) - padY, max(ay[s], by[s]) + padY, y0, ny)
                for j in cy { for i in cx {
                    let k = j * nx + i
                    if pass == 0 { counts[k] += 1 } else { items[Int(counts[k])] = Int32(s); counts[k] += 1 }
                } }
            }
        }
        // Segments copied in cell order: a query reads one contiguous run.
        ax = items.map { ax[Int($0)] }; ay = items.map { ay[Int($0)] }
        bx = items.map { bx[Int($0)] }; by = items.map { by[Int($0)] }
        zone = items.map { zone[Int($0)] }
        items = []
    }

    package func deepCopy() -> EdgeGrid {
        var g = self
        g.start = start.map { $0 }; g.items = items.map { $0 }
        g.ax = ax.map { $0 }; g.ay = ay.map { $0 }; g.bx = bx.map { $0 }; g.by = by.map { $0 }; g.zone = zone.map { $0 }
        return g
    }

    /// Append the zones with an edge within the tolerance of (x, y) (each once).
    package func near(_ x: Double, _ y: Double, into out: inout [Int32]) {
        guard nx > 0 else { return }
        let i = Int(((x - x0) / cell).rounded(.down)), j = Int(((y - y0) / cell).rounded(.down))
        guard i >= 0, i < nx, j >= 0, j < ny else { return }
        var kx = metresPerUnit, ky = metresPerUnit
        if geographic {
            let (m, n) = ellipsoid.radii(atLatitude: y)
            kx = n * cos(y * .pi / 180) * .pi / 180; ky = m * .pi / 180
        }
        let t2 = tolerance * tolerance
        let first = out.count
        let k = j * nx + i
        for s in Int(start[k])..<Int(start[k + 1]) {
            let z = zone[s]
            var seen = false
            var q = first
            while q < out.count { if out[q] == z { seen = true; break }; q += 1 }
            if seen { continue }
            let (d2, _) = nearestOnSegment(ax: (ax[s] - x) * kx, ay: (ay[s] - y) * ky,
                                           dx: (bx[s] - ax[s]) * kx, dy: (by[s] - ay[s]) * ky)
            if d2 <= t2 { out.append(z) }
        }
    }
}

