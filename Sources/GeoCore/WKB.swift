import Foundation

// MARK: - WKB of plain polygons

/// ISO WKB (little-endian MultiPolygon) of a plain geometry; empty bytes for an empty one.
package func wkbOf(_ g: MultiPolygon) -> [UInt8] {
    guard !g.isEmpty else { return [] }
    var b: [UInt8] = []
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { b.append(contentsOf: $0) } }
    func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
    b.append(1); u32(6); u32(g.polygons.count)
    for p in g.polygons {
        b.append(1); u32(3); u32(1 + p.holes.count)
        for r in [p.shell] + p.holes {
            var pts = r.points
            if let f = pts.first, let l = pts.last, f != l { pts.append(f) }   // GEOS wants closed rings
            u32(pts.count)
            for q in pts { f64(q.x); f64(q.y) }
        }
    }
    return b
}

