import XCTest
import GeoCore

/// The engine's flat zone store gives, zone by zone, the coverage each zone gives on its own
/// (an invariant), and the exact coverage of random star polygons adds up to their area by
/// the shoelace formula (an independent check of the event sort).
final class PreparedZonesTests: XCTestCase {
    let grid = Grid(left: 0, top: 100, dx: 0.5, dy: 0.4, cols: 200, rows: 250)

    /// A star-shaped ring around (cx, cy): valid, of `n` points, radius between r/2 and r.
    func star(_ cx: Double, _ cy: Double, _ r: Double, _ n: Int, _ rng: inout SystemRandomNumberGenerator) -> [Point] {
        var pts: [Point] = []
        for k in 0..<n {
            let t = Double(k) / Double(n) * 2 * .pi
            let rr = r * Double.random(in: 0.5...1, using: &rng)
            pts.append(Point(cx + rr * cos(t), cy + rr * sin(t)))
        }
        return pts + [pts[0]]
    }

    func zones(_ count: Int) -> [Zone] {
        var rng = SystemRandomNumberGenerator()
        var out: [Zone] = []
        for i in 0..<count {
            let cx = Double.random(in: 5...95, using: &rng), cy = Double.random(in: 5...95, using: &rng)   // wholly inside the grid
            var z = Zone(index: i, id: "z\(i)", attributes: [], geometry: MultiPolygon([]))
            switch i % 50 {
            case 7: z.points = [Point(cx, cy), Point(cx + 0.3, cy - 0.2)]
            case 13: z.lines = [[Point(cx, cy), Point(cx + 3.1, cy + 1.7), Point(cx + 4, cy - 2)]]
            case 21: break   // no geometry
            case 33:         // a shell with a hole
                z.geometry = MultiPolygon([Polygon(shell: Ring(star(cx, cy, 3, 9, &rng)),
                                                   holes: [Ring([Point(cx - 0.5, cy - 0.5), Point(cx + 0.5, cy - 0.5), Point(cx + 0.5, cy + 0.5),
                                                                 Point(cx - 0.5, cy + 0.5), Point(cx - 0.5, cy - 0.5)])])])
            default:
                z.geometry = MultiPolygon([Polygon(shell: Ring(star(cx, cy, Double.random(in: 0.3...4, using: &rng), Int.random(in: 3...14, using: &rng), &rng)))])
            }
            out.append(z)
        }
        return out
    }

    func testEachZoneCoversAsOnItsOwn() {
        let zs = zones(10_000)   // more than two of the store's chunks
        let prepared = PreparedZones(zs, on: grid, threads: 3)
        XCTAssertEqual(prepared.count, zs.count)
        let windows = prepared.windows   // made in the store's chunks, checked zone by zone below
        let rows = Window(row: 60, col: 0, rows: 64, cols: grid.cols)
        for method in CoverageMethod.allCases {
            let ids = zs.indices.filter { !windows[$0].intersection(rows).isEmpty }
            XCTAssertGreaterThan(ids.count, 1000)
            let list = prepared.coverages(of: ids, rows: rows, method)
            XCTAssertEqual(list.count, ids.count)
            for (k, z) in ids.enumerated() {
                let w = windows[z].intersection(rows)
                let own: [Span]
                if !zs[z].points.isEmpty || !zs[z].lines.isEmpty {
                    let c = zs[z].points.isEmpty ? CellWeights(lines: zs[z].lines, on: grid) : CellWeights(points: zs[z].points, on: grid)
                    XCTAssertEqual(windows[z], c.window(in: grid.full))
                    own = c.coverage(in: w).spans
                } else {
                    let gp = GridPolygon(zs[z].geometry, on: grid)
                    XCTAssertEqual(windows[z], gp.window(in: grid.full))
                    own = gp.coverage(method, in: w).spans
                }
                let flat = Array(list.spans[list.starts[k]..<list.starts[k + 1]])
                if flat != own { XCTFail("zone \(z), \(method): \(flat) != \(own)"); return }
            }
        }
    }

    /// A list refilled for another row band holds what a fresh list of that band holds, in
    /// the storage it had (a worker's list is faulted in once, not once per band).
    func testCoveragesRefilledInPlaceAreAFreshListsCoverages() {
        let zs = zones(6_000)
        let prepared = PreparedZones(zs, on: grid, threads: 2)
        let wide = Window(row: 0, col: 0, rows: 128, cols: grid.cols), narrow = Window(row: 130, col: 0, rows: 64, cols: grid.cols)
        let ids = { (rows: Window) in zs.indices.filter { !prepared.windows[$0].intersection(rows).isEmpty } }
        var list = CoverageList()
        prepared.coverages(of: ids(wide), rows: wide, .exact, into: &list)
        XCTAssertEqual(list.count, ids(wide).count)
        let storage = list.spans.withUnsafeBufferPointer { $0.baseAddress }, capacity = list.spans.capacity
        for method in CoverageMethod.allCases {
            prepared.coverages(of: ids(narrow), rows: narrow, method, into: &list)
            let fresh = prepared.coverages(of: ids(narrow), rows: narrow, method)
            XCTAssertGreaterThan(fresh.spans.count, 1000)
            XCTAssertEqual(list.starts, fresh.starts, "\(method)")
            XCTAssertEqual(list.spans, fresh.spans, "\(method)")
            XCTAssertEqual(list.spans.withUnsafeBufferPointer { $0.baseAddress }, storage, "\(method): the list's storage was replaced")
            XCTAssertEqual(list.spans.capacity, capacity)
        }
    }

    func testExactCoverageAddsUpToTheShoelaceArea() {
        let zs = zones(3_000).filter { !$0.geometry.isEmpty }
        let prepared = PreparedZones(zs, on: grid, threads: 2)
        let list = prepared.coverages(of: Array(zs.indices), rows: grid.full, .exact)
        for (k, z) in zs.enumerated() {
            var cells = 0.0
            for s in list.spans[list.starts[k]..<list.starts[k + 1]] {
                XCTAssertTrue(s.fraction > 0 && s.fraction <= 1)
                cells += Double(s.len) * s.fraction
            }
            // Shoelace, by hand: shells add, holes subtract.
            var area = 0.0
            for p in z.geometry.polygons {
                for (ring, sign) in [(p.shell.points, 1.0)] + p.holes.map({ ($0.points, -1.0) }) {
                    var a = 0.0
                    for i in 0..<(ring.count - 1) { a += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y }
                    area += sign * abs(a) / 2
                }
            }
            XCTAssertEqual(cells * grid.dx * grid.dy, area, accuracy: max(1e-9, area * 1e-9), "zone \(z.id)")
        }
    }

    /// Rectangles of m + 1 columns and n + 1 rows, edges off the cell lines: by hand, each
    /// row they touch is three spans (the left cell, the run between, the right cell). The
    /// list of a row band is allocated once with room for the estimate, 3 r + 2 c a zone,
    /// which is at least that.
    func testCoverageListIsAllocatedOnceForCompactZones() {
        var zs: [Zone] = []
        for i in 0..<400 {
            let b = 3 + (i * 7) % 180, a = 2 + (i * 13) % 230, m = 2 + i % 9, n = i % 11
            let u0 = Double(b) + 0.2, u1 = Double(b + m) + 0.8, v0 = Double(a) + 0.3, v1 = Double(a + n) + 0.7
            let x0 = grid.left + u0 * grid.dx, x1 = grid.left + u1 * grid.dx
            let y0 = grid.top - v1 * grid.dy, y1 = grid.top - v0 * grid.dy
            let ring = Ring([Point(x0, y0), Point(x1, y0), Point(x1, y1), Point(x0, y1), Point(x0, y0)])
            zs.append(Zone(index: i, id: "r\(i)", attributes: [], geometry: MultiPolygon([Polygon(shell: ring)])))
        }
        let prepared = PreparedZones(zs, on: grid, threads: 2)
        for rows in [grid.full, Window(row: 60, col: 0, rows: 64, cols: grid.cols)] {
            let ids = zs.indices.filter { !prepared.windows[$0].intersection(rows).isEmpty }
            XCTAssertGreaterThan(ids.count, 20)
            var byHand = 0, estimate = 0
            for z in ids {
                let i = z, m = 2 + i % 9, n = i % 11, a = 2 + (i * 13) % 230
                let r = min(a + n + 1, rows.rowEnd) - max(a, rows.row)
                byHand += 3 * r
                estimate += min(r * (m + 1), 3 * r + 2 * (m + 1))
            }
            let list = prepared.coverages(of: ids, rows: rows, .exact)
            XCTAssertEqual(list.spans.count, byHand)
            XCTAssertEqual(PreparedZones.expectedSpans(of: ids, rows: rows, windows: prepared.windows), estimate)
            XCTAssertGreaterThanOrEqual(estimate, byHand)
            XCTAssertGreaterThanOrEqual(list.spans.capacity, estimate, "room for the estimate from the start")
        }
    }
}
