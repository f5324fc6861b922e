import Foundation

// libFuzzer target: exact coverage of random polygons on random small grids.
// Compiled together with Sources/GeoCore/**/*.swift (one module), see scripts/fuzz.sh.
//
// The fuzz bytes choose a grid (1..12 x 1..12 cells, cell sizes from a short list, an origin
// off the lattice or on it) and one or two polygons in one of two modes:
//   - star: a shell star-shaped around a centre (valid by construction) with an optional
//     hole around the same centre, strictly inside; two such polygons are kept apart. Always
//     compared with the independent area.
//   - free: vertices straight from the bytes on a 1/8 lattice around the grid (vertices on
//     cell edges and corners, collinear runs, spikes, self-intersections). Compared only when
//     the ring is simple (no two non-adjacent edges meet, no repeated vertex, non-zero area).
// Checks: no crash; fractions finite and in [0, 1] (1e-12 slack) on valid input; spans
// inside the window and the grid; the sum of fraction x cell area equals the area of the
// polygon clipped to the grid extent (Sutherland-Hodgman on each ring, shoelace) within 1e-9
// relative (1e-12 of a cell absolute for tiny areas).

struct Bytes {
    let p: UnsafeRawBufferPointer
    var i = 0
    mutating func u8() -> UInt8 { guard i < p.count else { return 0 }; defer { i += 1 }; return p[i] }
    mutating func u16() -> Int { Int(u8()) << 8 | Int(u8()) }
    var done: Bool { i >= p.count }
}

func fail(_ msg: String) -> Never {
    FileHandle.standardError.write(Data("coverage fuzz: \(msg)\n".utf8))
    abort()
}

/// Sutherland-Hodgman clip of a ring against an axis-aligned box.
func clip(_ pts: [(Double, Double)], _ b: Box) -> [(Double, Double)] {
    var out = pts
    for side in 0..<4 {
        let input = out
        out = []
        if input.isEmpty { break }
        func inside(_ q: (Double, Double)) -> Bool {
            switch side { case 0: return q.0 >= b.xmin; case 1: return q.0 <= b.xmax; case 2: return q.1 >= b.ymin; default: return q.1 <= b.ymax }
        }
        func cross(_ a: (Double, Double), _ c: (Double, Double)) -> (Double, Double) {
            switch side {
            case 0, 1:
                let x = side == 0 ? b.xmin : b.xmax
                let t = (x - a.0) / (c.0 - a.0)
                return (x, a.1 + t * (c.1 - a.1))
            default:
                let y = side == 2 ? b.ymin : b.ymax
                let t = (y - a.1) / (c.1 - a.1)
                return (a.0 + t * (c.0 - a.0), y)
            }
        }
        var prev = input[input.count - 1]
        for cur in input {
            if inside(cur) {
                if !inside(prev) { out.append(cross(prev, cur)) }
                out.append(cur)
            } else if inside(prev) {
                out.append(cross(prev, cur))
            }
            prev = cur
        }
    }
    return out
}

func shoelace(_ pts: [(Double, Double)]) -> Double {
    guard pts.count >= 3 else { return 0 }
    var s = 0.0
    for i in 0..<pts.count {
        let a = pts[i], b = pts[(i + 1) % pts.count]
        s += a.0 * b.1 - b.0 * a.1
    }
    return s / 2
}

/// A ring is simple when no vertex repeats and no two non-adjacent edges touch.
func isSimple(_ r: [(Double, Double)]) -> Bool {
    let n = r.count
    guard n >= 3 else { return false }
    for i in 0..<n { for j in (i + 1)..<n where r[i] == r[j] { return false } }
    func orient(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double)) -> Double {
        (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
    }
    func onSeg(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double)) -> Bool {
        min(a.0, b.0) <= c.0 && c.0 <= max(a.0, b.0) && min(a.1, b.1) <= c.1 && c.1 <= max(a.1, b.1)
    }
    func touch(_ p1: (Double, Double), _ p2: (Double, Double), _ q1: (Double, Double), _ q2: (Double, Double)) -> Bool {
        let d1 = orient(q1, q2, p1), d2 = orient(q1, q2, p2), d3 = orient(p1, p2, q1), d4 = orient(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSeg(q1, q2, p1) { return true }
        if d2 == 0 && onSeg(q1, q2, p2) { return true }
        if d3 == 0 && onSeg(p1, p2, q1) { return true }
        if d4 == 0 && onSeg(p1, p2, q2) { return true }
        return false
    }
    for i in 0..<n {
        let a = r[i], b = r[(i + 1) % n]
        // Adjacent edges share a vertex; they must not fold back onto each other.
        let c = r[(i + 2) % n]
        if orient(a, b, c) == 0 && ((c.0 - b.0) * (a.0 - b.0) + (c.1 - b.1) * (a.1 - b.1)) > 0 { return false }
        for j in stride(from: i + 2, to: n, by: 1) where !(i == 0 && j == n - 1) {
            if touch(a, b, r[j], r[(j + 1) % n]) { return false }
        }
    }
    return true
}

/// A star-shaped ring around (cx, cy): n vertices at jittered angles, radii in [rmin, rmax].
func star(_ b: inout Bytes, cx: Double, cy: Double, n: Int, rmin: Double, rmax: Double) -> (ring: [(Double, Double)], inner: Double) {
    var pts: [(Double, Double)] = []
    var angles: [Double] = []
    for k in 0..<n {
        let a = (Double(k) + Double(b.u8()) / 256 * 0.9) * 2 * Double.pi / Double(n)
        angles.append(a)
        let r = rmin + (rmax - rmin) * Double(b.u8()) / 255
        pts.append((cx + r * cos(a), cy + r * sin(a)))
    }
    var maxGap = 0.0
    for k in 0..<n { maxGap = max(maxGap, (k + 1 < n ? angles[k + 1] : angles[0] + 2 * Double.pi) - angles[k]) }
    // The ring holds the disc of radius rmin * cos(maxGap / 2) around the centre.
    let inner = maxGap < Double.pi ? rmin * cos(maxGap / 2) : 0
    return (pts, inner)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCoverage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 6 else { return 0 }
    var b = Bytes(p: UnsafeRawBufferPointer(start: data, count: size))
    let sizes = [1.0, 0.5, 0.25, 2.0, 0.3, 1.7, 0.1, 3.0]
    let cols = 1 + Int(b.u8() % 12), rows = 1 + Int(b.u8() % 12)
    let g0 = b.u8()
    let dx = sizes[Int(g0 & 7)], dy = sizes[Int((g0 >> 3) & 7)]
    let onLattice = g0 & 0x40 == 0
    let left = onLattice ? Double(Int(b.u8() % 9) - 4) : Double(Int(b.u8()) - 128) * 0.0371
    let top = onLattice ? Double(Int(b.u8() % 9) + 2) : Double(Int(b.u8()) - 60) * 0.0413
    let grid = Grid(left: left, top: top, dx: dx, dy: dy, cols: cols, rows: rows)
    let ext = grid.extent
    let mode = b.u8()
    var rings: [[(Double, Double)]] = []   // for the independent area
    var polygons: [Polygon] = []
    var comparable = true

    if mode & 1 == 0 {
        // star mode: one or two polygons, kept apart along x.
        let count = 1 + Int(mode >> 1 & 1)
        let span = ext.width * 1.6, x0 = ext.xmin - ext.width * 0.3
        for k in 0..<count {
            let slot = span / Double(count)
            let cx = x0 + slot * (Double(k) + 0.5)
            let cy = ext.ymin - ext.height * 0.3 + ext.height * 1.6 * Double(b.u8()) / 255
            let rmax = slot / 2 * (0.2 + 0.79 * Double(b.u8()) / 255)
            let rmin = rmax * (0.1 + 0.9 * Double(b.u8()) / 255)
            let n = 3 + Int(b.u8() % 28)
            let (shell, inner) = star(&b, cx: cx, cy: cy, n: n, rmin: rmin, rmax: rmax)
            var holes: [[(Double, Double)]] = []
            let h = b.u8()
            if h & 1 == 1 && inner > 0 {
                let hn = 3 + Int(h >> 1 % 28)
                let hr = inner * (0.05 + 0.9 * Double(b.u8()) / 255)
                var (hole, _) = star(&b, cx: cx, cy: cy, n: hn, rmin: hr * 0.3, rmax: hr)
                if h & 0x80 != 0 { hole.reverse() }   // either winding
                holes.append(hole)
            }
            var s = shell
            if mode & 0x80 != 0 { s.reverse() }
            if mode & 0x40 != 0 { s.append(s[0]) }    // closed or open rings
            polygons.append(Polygon(shell: Ring(s), holes: holes.map(Ring.init)))
            rings.append(shell)
            for hh in holes { rings.append(hh.reversed().map { $0 }) }
            // Holes subtract: orient the shell counter-clockwise and holes clockwise below.
        }
    } else {
        // free mode: raw lattice vertices (1/8 of a cell unit) around the grid.
        let n = 3 + Int(b.u8() % 28)
        var pts: [(Double, Double)] = []
        for _ in 0..<n {
            if b.done { break }
            let u = Double(Int(b.u8() % 128) - 32) / 8, v = Double(Int(b.u8() % 128) - 32) / 8
            pts.append((ext.xmin + u * ext.width / 8, ext.ymax - v * ext.height / 8))
        }
        guard pts.count >= 3 else { return 0 }
        comparable = isSimple(pts) && shoelace(pts) != 0
        polygons.append(Polygon(shell: Ring(pts.map { Point($0.0, $0.1) })))
        rings.append(pts)
    }

    let mp = MultiPolygon(polygons)
    let gp = GridPolygon(mp, on: grid)
    let window = gp.window(in: grid.full)
    let cov = gp.coverage(.exact, in: window)
    var total = 0.0
    for s in cov.spans {
        let f = s.fraction
        if !f.isFinite { fail("fraction \(f) at row \(s.row) col \(s.col)") }
        if s.len < 1 { fail("span of length \(s.len)") }
        if s.row < 0 || Int(s.row) >= rows || s.col < 0 || Int(s.col + s.len) > cols { fail("span outside the grid: \(s)") }
        if Int(s.row) < window.row || Int(s.row) >= window.rowEnd || Int(s.col) < window.col || Int(s.col + s.len) > window.colEnd {
            fail("span outside the window \(window): \(s)")
        }
        if comparable && (f < -1e-12 || f > 1 + 1e-12) { fail("fraction \(f) outside [0, 1] at row \(s.row) col \(s.col) on \(grid)") }
        total += Double(s.len) * f * dx * dy
    }
    guard comparable else { return 0 }
    #if FUZZ_SELFTEST
    total *= 1 + 1e-6   // a planted error: the check must catch it at once (swiftc -D FUZZ_SELFTEST)
    #endif
    // The independent area: every ring clipped to the grid extent, shells positive, holes negative.
    var want = 0.0
    var k = 0
    for p in polygons {
        let shell = rings[k]; k += 1
        want += abs(shoelace(clip(shell, ext)))
        for _ in p.holes { want -= abs(shoelace(clip(rings[k], ext))); k += 1 }
    }
    let tol = 1e-9 * max(abs(want), abs(total)) + 1e-12 * dx * dy
    if abs(total - want) > tol {
        fail("covered area \(total) != clipped polygon area \(want) (diff \(total - want)) on \(grid), \(polygons.count) polygon(s), rings \(rings.map { $0.count })")
    }
    return 0
}
