import XCTest
@testable import GeoCore

/// Point and line zones as cell weights, checked by hand on small grids and by invariants.
final class PointLineCoverageTests: XCTestCase {
    // 5 x 4 cells of 2 x 3 map units, top-left corner at (10, 20): columns at x = 10, 12, ...,
    // rows at y = 20, 17, 14, 11, 8.
    let grid = Grid(left: 10, top: 20, dx: 2, dy: 3, cols: 5, rows: 4)

    func cells(_ c: CellWeights) -> [[Double]] { c.spans.map { [Double($0.row), Double($0.col), Double($0.len), $0.fraction] } }

    /// Same cells, weights equal to 1e-12.
    func assertCells(_ got: [[Double]], _ want: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.map { Array($0[0...2]) }, want.map { Array($0[0...2]) }, file: file, line: line)
        for (g, w) in zip(got, want) { XCTAssertEqual(g[3], w[3], accuracy: 1e-12, "\(got)", file: file, line: line) }
    }

    func testPointTakesTheCellUnderIt() {
        // (13, 15): u = 1.5, v = 5/3 -> row 1, col 1.
        XCTAssertEqual(cells(CellWeights(points: [Point(13, 15)], on: grid)), [[1, 1, 1, 1]])
    }

    func testPointOnAnEdgeTakesTheCellRightAndBelow() {
        // x = 14 is the edge between columns 1 and 2; y = 14 between rows 1 and 2; (14, 14) a corner.
        XCTAssertEqual(cells(CellWeights(points: [Point(14, 15)], on: grid)), [[1, 2, 1, 1]])
        XCTAssertEqual(cells(CellWeights(points: [Point(13, 14)], on: grid)), [[2, 1, 1, 1]])
        XCTAssertEqual(cells(CellWeights(points: [Point(14, 14)], on: grid)), [[2, 2, 1, 1]])
        // The top-left corner is in the grid; the right and bottom edges are not.
        XCTAssertEqual(cells(CellWeights(points: [Point(10, 20)], on: grid)), [[0, 0, 1, 1]])
        XCTAssertTrue(CellWeights(points: [Point(20, 15)], on: grid).isEmpty)
        XCTAssertTrue(CellWeights(points: [Point(13, 8)], on: grid).isEmpty)
        XCTAssertTrue(CellWeights(points: [Point(.nan, 15), Point(9.99, 15), Point(13, 20.01)], on: grid).isEmpty)
    }

    /// GDAL's inverse geotransform, not (x - x0) / dx: on a 0.1-degree grid with origin
    /// (96.0, 17.0), (96.1, 16.1) is row 9, column 1 (gdallocationinfo, rasterio's index);
    /// (96.1 - 96.0) / 0.1 = 0.99999999999994 would give column 0, and (17.0 - 16.1) / 0.1
    /// row 8. The live comparison with gdallocationinfo is PointZoneTests'.
    func testPointOnADecimalGridLineTakesGDALsCell() {
        let g = Grid(left: 96.0, top: 17.0, dx: 0.1, dy: 0.1, cols: 20, rows: 20)
        XCTAssertLessThan((96.1 - 96.0) / 0.1, 1, "the naive formula's shortfall this test is about")
        XCTAssertEqual(g.cell(x: 96.1, y: 16.1)?.row, 9)
        XCTAssertEqual(g.cell(x: 96.1, y: 16.1)?.col, 1)
        XCTAssertEqual(cells(CellWeights(points: [Point(96.1, 16.1)], on: g)), [[9, 1, 1, 1]])
        XCTAssertNil(g.cell(x: 98.0, y: 16.1), "the right edge is outside")
        XCTAssertNil(g.cell(x: 96.1, y: 15.0), "the bottom edge is outside")
    }

    func testMultiPointCountsEachPoint() {
        // Two points in cell (0, 0), one in (3, 4), one off the grid.
        let c = CellWeights(points: [Point(10.5, 19), Point(11.5, 18), Point(19, 9), Point(0, 0)], on: grid)
        XCTAssertEqual(cells(c), [[0, 0, 1, 2], [3, 4, 1, 1]])
        XCTAssertEqual(c.window(in: grid.full), Window(row: 0, col: 0, rows: 4, cols: 5))
        // A window holding only the first cell gives only its weight.
        XCTAssertEqual(c.coverage(in: Window(row: 0, col: 0, rows: 2, cols: 2)).spans.map(\.fraction), [2])
    }

    func testLineWeighsEachCellByItsLengthInside() {
        // From (11, 18.5) to (15, 12.5): u 0.5 -> 2.5, v 0.5 -> 2.5, a diagonal in grid units
        // crossing the corners (1, 1) and (2, 2): half a diagonal in (0,0) and (2,2), a whole one
        // in (1,1). A whole diagonal of a 2 x 3 cell is sqrt(13) map units.
        let c = CellWeights(lines: [[Point(11, 18.5), Point(15, 12.5)]], on: grid)
        let d = 13.0.squareRoot()
        let got = cells(c)
        XCTAssertEqual(got.map { Array($0[0...2]) }, [[0, 0, 1], [1, 1, 1], [2, 2, 1]])
        for (g, w) in zip(got, [d / 2, d, d / 2]) { XCTAssertEqual(g[3], w, accuracy: 1e-12) }
    }

    func testHorizontalLineInsideARowAndAlongAnEdge() {
        // Along y = 15.5 (inside row 1) from x = 11 to 17: 1 unit in col 0, 2 in cols 1 and 2,
        // 1 in col 3. exactextract 0.3 drops such a line (count 0); its length is real.
        let inside = cells(CellWeights(lines: [[Point(11, 15.5), Point(17, 15.5)]], on: grid))
        assertCells(inside, [[1, 0, 1, 1], [1, 1, 1, 2], [1, 2, 1, 2], [1, 3, 1, 1]])
        // Along the edge y = 14 between rows 1 and 2: the row below, as for points.
        let edge = cells(CellWeights(lines: [[Point(12, 14), Point(14, 14)]], on: grid))
        assertCells(edge, [[2, 1, 1, 2]])
    }

    func testOnlyTheLengthOnTheGridCounts() {
        // From x = 0 to x = 30 along y = 18.5: the grid spans x 10..20, so 10 units, 2 per cell.
        let c = CellWeights(lines: [[Point(0, 18.5), Point(30, 18.5)]], on: grid)
        assertCells(cells(c), (0..<5).map { [0, Double($0), 1, 2] })
        XCTAssertTrue(CellWeights(lines: [[Point(0, 0), Point(5, 5)]], on: grid).isEmpty)
        // Far-away vertices are clipped before cutting (no millions of crossings).
        let far = CellWeights(lines: [[Point(-1e15, 18.5), Point(1e15, 18.5)]], on: grid)
        XCTAssertEqual(far.spans.reduce(0) { $0 + $1.fraction }, 10, accuracy: 1e-6)
    }

    func testWeightsOfAPolylineAddUpToItsLength() {
        // Invariant: a polyline inside the grid is cut into pieces that add up to its length.
        var seed: UInt64 = 7
        func next() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        for _ in 0..<50 {
            let pts = (0..<6).map { _ in Point(10 + 10 * next(), 8 + 12 * next()) }
            var length = 0.0
            for i in 1..<pts.count { length += hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y) }
            let c = CellWeights(lines: [pts], on: grid)
            XCTAssertEqual(c.spans.reduce(0) { $0 + $1.fraction }, length, accuracy: 1e-9 * length)
            // Sorted by row then column, each cell once.
            let keys = c.spans.map { Int($0.row) * 100 + Int($0.col) }
            XCTAssertEqual(keys, Array(Set(keys)).sorted())
        }
    }

    func testPreparedZoneDispatchesOnTheZoneKind() {
        var z = Zone(index: 0, id: "p", attributes: [], geometry: MultiPolygon([]))
        z.points = [Point(13, 15)]
        XCTAssertEqual(PreparedZone(z, on: grid).coverage(.exact, in: grid.full).spans, [Span(row: 1, col: 1, len: 1, fraction: 1)])
        XCTAssertEqual(PreparedZone(z, on: grid).coverage(.center, in: grid.full).spans.count, 1, "a point has one cell whatever the method")
        let poly = Zone(index: 1, id: "a", attributes: [], geometry: MultiPolygon([Polygon(shell: Ring([(10, 20), (12, 20), (12, 17), (10, 17)]))]))
        XCTAssertEqual(PreparedZone(poly, on: grid).coverage(.exact, in: grid.full).coveredCells, 1, accuracy: 1e-12)
    }

    func testGeodesicDestinationAgainstGeographicLib() {
        // pyproj 3.7 Geod(ellps="WGS84").fwd (GeographicLib, Karney 2013): an independent method.
        let cases: [(lon: Double, lat: Double, az: Double, d: Double, lon2: Double, lat2: Double)] = [
            (96.15, 16.8, 0, 2000, 96.15, 16.818072202904883),
            (96.15, 16.8, 137.5, 2000, 96.16267457650059, 16.78667536385188),
            (96.15, 16.8, 271, 50000, 95.68100156534463, 16.807350631943823),
            (97.0, 28.3, 45, 500, 97.00360455442255, 28.30319016693868),
            (0, 0, 90, 1e6, 8.983152841195215, 0),
        ]
        for c in cases {
            let p = Ellipsoid.wgs84.destination(lon: c.lon, lat: c.lat, azimuth: c.az, distance: c.d)
            XCTAssertEqual(p.x, c.lon2, accuracy: 1e-9, "\(c)")
            XCTAssertEqual(p.y, c.lat2, accuracy: 1e-9, "\(c)")
        }
    }

    func testDiscVerticesAreAtTheRadius() {
        // Each vertex, measured back with the inverse formula, is at the radius.
        let ring = Ellipsoid.wgs84.disc(lon: 96.15, lat: 16.8, radius: 2000)
        XCTAssertEqual(ring.points.count, 128)
        for p in ring.points {
            XCTAssertEqual(Ellipsoid.wgs84.distance(lon1: 96.15, lat1: 16.8, lon2: p.x, lat2: p.y), 2000, accuracy: 1e-6)
        }
    }
}
