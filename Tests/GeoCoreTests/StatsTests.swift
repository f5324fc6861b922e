import XCTest
import GeoCore
import GeoTestSupport

/// The statistics on plain arrays: definitions, merge invariants, cell areas.
final class StatsTests: XCTestCase {
    func testWeightedQuantilesMatchExactextract() {
        // exactextract 0.3.0 on its test raster arange(1,10) with the (0.5,0.5)-(2.5,2.5)
        // coverages gives median 5, quantile(0.25) 3.5, quantile(0.75) 6.5.
        let cov = [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]
        let vals = (1...9).map { (value: Double($0), weight: cov[$0 - 1]) }
        XCTAssertEqual(weightedQuantile(0.5, values: vals), 5)
        XCTAssertEqual(weightedQuantile(0.25, values: vals)!, 3.5, accuracy: 1e-12)
        XCTAssertEqual(weightedQuantile(0.75, values: vals)!, 6.5, accuracy: 1e-12)
        // GDAL's autotest (zonal-stats all_stats) and exactextract agree on 4.2308.
        // Its zone covers values 1 2 3 / 4 5 6 / 0 nodata 7 with coverages .25 .5 .25 / .5 1 .5 / .25 .5 .25.
        let g: [(value: Double, weight: Double)] = [(1, 0.25), (2, 0.5), (3, 0.25), (4, 0.5), (5, 1), (6, 0.5), (0, 0.25), (7, 0.25)]
        XCTAssertEqual(weightedQuantile(0.5, values: g)!, 4.230769, accuracy: 1e-6)
    }

    func testEqualWeightsGiveNumpyLinearPercentiles() {
        // numpy.percentile([1, 2, 3, 4, 10], 90) = 7.6 (linear interpolation, by hand).
        let vals = [1.0, 2, 3, 4, 10].map { (value: $0, weight: 1.0) }
        XCTAssertEqual(weightedQuantile(0.9, values: vals)!, 7.6, accuracy: 1e-12)
        XCTAssertEqual(weightedQuantile(0.5, values: vals)!, 3, accuracy: 1e-12)
    }

    func testMergeEqualsWhole() {
        // Accumulating cells in two halves and merging equals accumulating them all at once.
        var values: [Double] = []
        var seed: UInt64 = 7
        for _ in 0..<1000 { seed = seed &* 6364136223846793005 &+ 1; values.append(Double(seed >> 40) / 1e4 + 1e6) }
        let cover = values.indices.map { Double($0 % 7 + 1) / 7 }
        var whole = ZoneStats(), a = ZoneStats(), b = ZoneStats()
        for i in values.indices {
            whole.add(value: values[i], coverage: cover[i], cellArea: 1)
            if i < 400 { a.add(value: values[i], coverage: cover[i], cellArea: 1) } else { b.add(value: values[i], coverage: cover[i], cellArea: 1) }
        }
        a.merge(b)
        XCTAssertEqual(a.count, whole.count, accuracy: 1e-9)
        XCTAssertEqual(a.sum, whole.sum, accuracy: 1e-12 * abs(whole.sum))
        XCTAssertEqual(a.m2, whole.m2, accuracy: 1e-9 * whole.m2)
        XCTAssertEqual(a.min, whole.min); XCTAssertEqual(a.max, whole.max)
        // Two-pass variance by definition, far from zero mean (a stability check).
        let n = zip(cover, values).reduce(0) { $0 + $1.0 }
        let m = zip(cover, values).reduce(0) { $0 + $1.0 * $1.1 } / n
        let v = zip(cover, values).reduce(0) { $0 + $1.0 * ($1.1 - m) * ($1.1 - m) } / n
        XCTAssertEqual(Statistic.variance.value(of: a)!, v, accuracy: 1e-9 * v)
    }

    func testSpanKernelEqualsCellByCell() {
        let vals: [Int16] = [5, -9999, 7, 7, 120, -3, 8, -9999, 0]
        var run = ZoneStats(), cells = ZoneStats()
        vals.withUnsafeBufferPointer { p in
            accumulateSpan(p.baseAddress!, len: vals.count, coverage: 1, cellArea: 2, mask: nil, weights: nil,
                           rules: ValueRules(nodata: -9999), into: &run)
        }
        for v in vals where v != -9999 { cells.add(value: Double(v), coverage: 1, cellArea: 2) }
        XCTAssertEqual(run.count, 7); XCTAssertEqual(run.sum, cells.sum)
        XCTAssertEqual(run.m2, cells.m2, accuracy: 1e-9)
        XCTAssertEqual(run.nodataCount, 2); XCTAssertEqual(run.cells, 9); XCTAssertEqual(run.area, 14)
    }

    func testByteHistogramKernel() {
        let vals: [UInt8] = (0..<1003).map { UInt8(($0 * 7) % 5) }
        var s = ZoneStats(histogram: true, denseBytes: true)
        vals.withUnsafeBufferPointer { p in
            accumulateSpan(p.baseAddress!, len: vals.count, coverage: 0.5, cellArea: 10, mask: nil, weights: nil,
                           rules: ValueRules(nodata: 0, histogram: true), into: &s)
        }
        for k in 1..<5 {
            let n = Double(vals.filter { $0 == UInt8(k) }.count)
            XCTAssertEqual(s.histogram!.dense![k].coverage, 0.5 * n)
            XCTAssertEqual(s.histogram!.dense![k].area, 5 * n)
        }
        XCTAssertEqual(s.histogram!.dense![0].coverage, 0, "nodata class is not counted")
    }

    func testEllipsoidAreas() {
        let e = Ellipsoid.wgs84
        // WGS 84's total surface area is 510,065,621.7 km² (a published constant).
        XCTAssertEqual(2 * e.zoneArea(toLatitude: 90) / 1e6, 510_065_621.7, accuracy: 0.5)
        // A cell's area shrinks with latitude: a 1" cell in Kachin (27 N) is smaller than one
        // in Tanintharyi (10 N); the ratio is close to the ratio of cosines.
        let s = 1.0 / 3600
        let north = e.cellArea(lat0: 27, lat1: 27 + s, dLon: s), south = e.cellArea(lat0: 10, lat1: 10 + s, dLon: s)
        XCTAssertLessThan(north, south)
        XCTAssertEqual(north / south, cos(27 * .pi / 180) / cos(10 * .pi / 180), accuracy: 0.01)
        // About 30.7 m x 30.4 m at 17 N (1" of arc on WGS 84 by hand: 30.87 m x cos(17) ...).
        let a17 = e.cellArea(lat0: 17, lat1: 17 + s, dLon: s)
        XCTAssertEqual(a17, 906, accuracy: 10)
        // Rows of a geographic grid add up to the zone's area.
        let grid = Grid(left: 92, top: 29, dx: 0.5, dy: 0.5, cols: 2, rows: 40)
        let rows = CellAreaModel.geographic(e).rowAreas(grid, rows: 0..<40)
        XCTAssertEqual(rows.reduce(0, +) * 2, (e.zoneArea(toLatitude: 29) - e.zoneArea(toLatitude: 9)) / 360, accuracy: 1)
    }

    func testStatisticNames() throws {
        XCTAssertEqual(try Statistic(parsing: "p90"), .percentile(90))
        XCTAssertEqual(try Statistic(parsing: "median").name, "median")
        XCTAssertThrowsError(try Statistic(parsing: "bogus"))
        XCTAssertThrowsError(try Statistic(parsing: "p101"))
    }

    /// A zone reaching x = 1e20 (a stray vertex) has a finite, plane-measured area instead of
    /// an extended grid of 1e20 columns (which overflowed Int).
    func testZoneAreaOfAFarReachingZone() {
        let grid = Grid(left: 0, top: 10, dx: 1, dy: 1, cols: 10, rows: 10)
        let far = MultiPolygon([Polygon(shell: Ring([Point(0, 0), Point(1e20, 0), Point(1e20, 10), Point(0, 10), Point(0, 0)]), holes: [])])
        XCTAssertEqual(CellAreaModel.planar(metresPerUnit: 2).zoneArea(far, grid: grid), 1e21 * 4, accuracy: 1e6)
        let near = MultiPolygon([Polygon(shell: Ring([Point(0, 0), Point(4, 0), Point(4, 10), Point(0, 10), Point(0, 0)]), holes: [])])
        XCTAssertEqual(CellAreaModel.planar(metresPerUnit: 2).zoneArea(near, grid: grid), 160, accuracy: 1e-9)
    }
}
