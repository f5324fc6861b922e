import XCTest
import GeoCore
import GeoTestSupport

/// Coverage fractions on shapes whose answers are known by hand.
final class CoverageTests: XCTestCase {
    // A 3x3 grid on [0,3] x [0,3], row 0 at the top (exactextract's test raster).
    let grid = Grid(left: 0, top: 3, dx: 1, dy: 1, cols: 3, rows: 3)

    func rect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> MultiPolygon {
        MultiPolygon([Polygon(shell: Ring([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]))])
    }

    func cover(_ g: MultiPolygon, _ method: CoverageMethod = .exact, grid: Grid? = nil) -> [Double] {
        let grid = grid ?? self.grid
        let gp = GridPolygon(g, on: grid)
        return gp.coverage(method, in: grid.full).matrix()
    }

    func assertClose(_ a: [Double], _ b: [Double], tol: Double = 1e-12, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) where abs(x - y) > tol {
            XCTFail("\(a) != \(b)", file: file, line: line); return
        }
    }

    func testExactextractBasicRectangle() {
        // exactextract's test_basic_stats: (0.5,0.5)-(2.5,2.5) gives these coverages.
        assertClose(cover(rect(0.5, 0.5, 2.5, 2.5)), [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
    }

    func testWindingDoesNotMatter() {
        let cw = MultiPolygon([Polygon(shell: Ring([(0.5, 0.5), (0.5, 2.5), (2.5, 2.5), (2.5, 0.5)]))])
        assertClose(cover(cw), [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
    }

    func testTriangleHalfCells() {
        // The lower-left triangle of the grid: diagonal cells half covered.
        let tri = MultiPolygon([Polygon(shell: Ring([(0, 0), (3, 0), (0, 3)]))])
        // Row 0 (y 2..3): cell 0 half; row 1: cell0 full, cell1 half; row 2: full, full, half.
        assertClose(cover(tri), [0.5, 0, 0, 1, 0.5, 0, 1, 1, 0.5])
    }

    func testHoleIsSubtracted() {
        let shell = Ring([(0, 0), (3, 0), (3, 3), (0, 3)])
        let hole = Ring([(1.25, 1.25), (1.75, 1.25), (1.75, 1.75), (1.25, 1.75)])
        let g = MultiPolygon([Polygon(shell: shell, holes: [hole])])
        assertClose(cover(g), [1, 1, 1, 1, 0.75, 1, 1, 1, 1])
    }

    func testMultiPolygonParts() {
        let a = Polygon(shell: Ring([(0, 0), (0.5, 0), (0.5, 1), (0, 1)]))
        let b = Polygon(shell: Ring([(2, 2), (3, 2), (3, 3), (2, 3)]))
        assertClose(cover(MultiPolygon([a, b])), [0, 0, 1, 0, 0, 0, 0.5, 0, 0])
    }

    func testPolygonPartlyOutsideGrid() {
        // Extends beyond the grid on every side: only the grid's cells are reported, exactly.
        assertClose(cover(rect(-5, 1.5, 10, 10)), [1, 1, 1, 0.5, 0.5, 0.5, 0, 0, 0])
        assertClose(cover(rect(-5, -5, 1.5, 10)), [1, 0.5, 0, 1, 0.5, 0, 1, 0.5, 0])
    }

    func testSliverThinnerThanACell() {
        let g = rect(0.2, 0.1, 2.8, 0.15)   // 2.6 x 0.05, all in the bottom row
        let m = cover(g)
        assertClose(m, [0, 0, 0, 0, 0, 0, 0.04, 0.05, 0.04], tol: 1e-12)
    }

    func testPolygonOnCellEdges() {
        assertClose(cover(rect(1, 1, 2, 2)), [0, 0, 0, 0, 1, 0, 0, 0, 0])
        assertClose(cover(rect(0, 0, 3, 3)), [Double](repeating: 1, count: 9))
    }

    func testCoverageSumsToAreaOnLargeGrid() {
        // A many-sided polygon on a fine, non-square grid: the fractions add up to its area.
        let g = Grid(left: 10, top: 20, dx: 0.013, dy: 0.007, cols: 2000, rows: 3000)
        var pts: [(Double, Double)] = []
        for k in 0..<97 {
            let t = Double(k) / 97 * 2 * .pi
            let r = 5 + 2.5 * sin(5 * t)
            pts.append((22 + r * cos(t), 9.5 + r * sin(t)))
        }
        let poly = MultiPolygon([Polygon(shell: Ring(pts))])
        let gp = GridPolygon(poly, on: g)
        let cov = gp.coverage(.exact, in: g.full)
        XCTAssertEqual(cov.coveredCells * g.dx * g.dy, poly.area, accuracy: poly.area * 1e-10)
        XCTAssertTrue(cov.spans.allSatisfy { $0.fraction > 0 && $0.fraction <= 1 })
        // Windows tile the grid: coverage on four quarters adds to the whole.
        var parts = 0.0
        for w in [Window(row: 0, col: 0, rows: 1500, cols: 1000), Window(row: 0, col: 1000, rows: 1500, cols: 1000),
                  Window(row: 1500, col: 0, rows: 1500, cols: 1000), Window(row: 1500, col: 1000, rows: 1500, cols: 1000)] {
            parts += gp.coverage(.exact, in: w).coveredCells
        }
        XCTAssertEqual(parts, cov.coveredCells, accuracy: 1e-8)
    }

    func testCenterMethod() {
        // (0.5,0.5)-(2.5,2.5): centres at 0.5 / 1.5 / 2.5 sit on or inside; the centre rule
        // takes u in [0.5, 2.5): columns 0 and 1, rows with v in [0.5, 2.5): rows 0 and 1.
        let m = cover(rect(0.4, 0.4, 2.4, 2.4), .center)
        assertClose(m, [0, 0, 0, 1, 1, 0, 1, 1, 0])
    }

    func testAllTouched() {
        assertClose(cover(rect(0.9, 0.9, 1.1, 1.1), .allTouched), [0, 0, 0, 1, 1, 0, 1, 1, 0])
    }

    /// Small windows gather into a dense table, large ones sort their events: the same
    /// polygon covers each cell alike either way. Random star polygons (with holes and
    /// several parts) are covered once in their own small window (dense) and once in a
    /// 40 x 40 window around them (sorted: over 512 cells), cell by cell within 1e-12, and
    /// each adds up to its shoelace area.
    func testDenseAndSortedEventsCoverAlike() {
        var rng = SystemRandomNumberGenerator()
        let big = Grid(left: 0, top: 40, dx: 1, dy: 1, cols: 40, rows: 40)
        func star(_ cx: Double, _ cy: Double, _ r: Double, _ n: Int, clockwise: Bool) -> Ring {
            let pts = (0..<n).map { k -> (Double, Double) in
                let a = 2 * Double.pi * Double(k) / Double(n) * (clockwise ? -1 : 1)
                let rr = r * Double.random(in: 0.4...1, using: &rng)
                return (cx + rr * cos(a), cy + rr * sin(a))
            }
            return Ring(pts + [pts[0]])
        }
        func area(_ r: Ring) -> Double {
            let p = r.points
            return abs(zip(p, p.dropFirst()).reduce(0) { $0 + $1.0.x * $1.1.y - $1.1.x * $1.0.y }) / 2
        }
        for _ in 0..<300 {
            let cx = Double.random(in: 15...25, using: &rng), cy = Double.random(in: 15...25, using: &rng)
            let r = Double.random(in: 0.6...4, using: &rng)
            let shell = star(cx, cy, r, Int.random(in: 3...12, using: &rng), clockwise: false)
            let hole = star(cx, cy, r * 0.2, 5, clockwise: true)
            let second = star(cx + 2.5 * r, cy, r * 0.3, 6, clockwise: false)
            let g = MultiPolygon([Polygon(shell: shell, holes: [hole]), Polygon(shell: second)])
            let gp = GridPolygon(g, on: big)
            let own = gp.window(in: big.full), around = Window(row: 0, col: 0, rows: 40, cols: 40)
            XCTAssertLessThanOrEqual((own.cols + 1) * own.rows, 512, "a dense window")
            let dense = gp.coverage(.exact, in: own), sorted = gp.coverage(.exact, in: around)
            let m = sorted.matrix(), d = dense.matrix()
            for row in 0..<own.rows {
                for col in 0..<own.cols {
                    let a = d[row * own.cols + col], b = m[(own.row + row) * 40 + own.col + col]
                    if abs(a - b) > 1e-12 { XCTFail("cell \(own.row + row),\(own.col + col): dense \(a), sorted \(b)"); return }
                }
            }
            XCTAssertEqual(sorted.coveredCells, dense.coveredCells, accuracy: 1e-9)
            XCTAssertEqual(dense.coveredCells, area(shell) - area(hole) + area(second), accuracy: 1e-9)
        }
    }
}
