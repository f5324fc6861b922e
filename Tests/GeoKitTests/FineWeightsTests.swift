import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Weights on a finer grid than the values are summed onto the value cells by area share
/// (TestRasters/fineweights/make_fixtures.py builds the rasters and records exactextract).
final class FineWeightsTests: XCTestCase {
    let dir = "fineweights/"
    lazy var expected = Fixtures.json(dir + "expected.json")["zones"] as! [String: [String: Double]]

    func run(weights: String) throws -> Table {
        var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                           rasters: [RasterSpec(name: "v", path: Fixtures.path(dir + "values.tif"))],
                           weights: RasterSpec(name: "w", path: Fixtures.path(dir + weights)), stats: [.weightedMean, .weightedSum])
        job.threads = 2
        return try job.run().wideTable()
    }

    /// 5x finer, aligned. exactextract works on the fine grid: zones on value cell lines get
    /// exactly our answer; across value cells, each partly covered value cell gets a weight
    /// between 0 and its whole weight W from both, so the weighted sums differ by at most
    /// sum(W |v|) and the sums of weights by sum(W) over those cells (bounds from shapely,
    /// in expected.json). Our rule itself is checked at 1e-9 against the oracle computed with
    /// shapely coverage and numpy sums.
    func testIntegerFactorAgainstExactextract() throws {
        let t = try run(weights: "weights5.tif")
        for (zone, e) in expected {
            let mean = t.value(zone, "v_weighted_mean")!, sum = t.value(zone, "v_weighted_sum")!
            assertRelative(mean, e["oracle_weighted_mean"], 1e-9, "\(zone) weighted_mean vs the oracle")
            assertRelative(sum, e["oracle_weighted_sum"], 1e-9, "\(zone) weighted_sum vs the oracle")
            let eeMean = e["weighted_mean"]!, eeSum = e["weighted_sum"]!
            if zone.hasPrefix("aligned") {
                XCTAssertEqual(e["bound_sum"], 0)
                assertRelative(mean, eeMean, 1e-9, "\(zone) weighted_mean vs exactextract")
                assertRelative(sum, eeSum, 1e-9, "\(zone) weighted_sum vs exactextract")
            } else {
                let a = e["bound_sum"]!, b = e["bound_weight"]!
                XCTAssertGreaterThan(a, 0, zone)
                XCTAssertLessThanOrEqual(abs(sum - eeSum), a, "\(zone) weighted_sum vs exactextract")
                // |s/w - s'/w'| <= (|s - s'| + |s'/w'| |w - w'|) / w, with w >= w' - b.
                let eeWeight = eeSum / eeMean
                if eeWeight > b { XCTAssertLessThanOrEqual(abs(mean - eeMean), (a + abs(eeMean) * b) / (eeWeight - b), zone) }
                XCTAssertNotEqual(sum, eeSum, "\(zone): the rules differ on split cells")
            }
        }
    }

    /// 3.7x finer, shifted, partly outside the values and with a nodata block, against a
    /// brute force over every (value cell, weight cell) pair of rectangles.
    func testNonIntegerFactorAgainstBruteForce() throws {
        let v = try Raster(path: Fixtures.path(dir + "values.tif")), w = try Raster(path: Fixtures.path(dir + "weights37.tif"))
        let values = try readAll(v), weights = try readAll(w)
        let vg = v.grid, wg = w.grid
        XCTAssertEqual(wg.dx, 5 / 3.7, accuracy: 1e-12)
        // W[cell]: sum over weight cells of w * overlap / weight cell area; nil if no valid one overlaps.
        var W = [Double?](repeating: nil, count: vg.rows * vg.cols)
        for i in 0..<vg.rows {
            for j in 0..<vg.cols {
                let cell = rect(vg, i, j)
                for p in 0..<wg.rows {
                    for q in 0..<wg.cols where weights[p * wg.cols + q] != -1 {
                        let o = overlap(cell, rect(wg, p, q))
                        if o > 0 { W[i * vg.cols + j] = (W[i * vg.cols + j] ?? 0) + weights[p * wg.cols + q] * o / (wg.dx * wg.dy) }
                    }
                }
            }
        }
        XCTAssertNil(W[3 * vg.cols + 6], "value cell (3, 6) lies under nodata only")
        XCTAssertNil(W[0 * vg.cols + 11], "value cell (0, 11) lies outside the weights")
        // Zones as unions of rectangles, so a value cell's coverage is an overlap of rectangles.
        let zones: [String: [(Double, Double, Double, Double)]] = [
            "aligned": [(105, 165, 135, 190)],
            "aligned_l": [(140, 155, 160, 175), (140, 175, 150, 200)],
            "rect": [(107.3, 158.6, 148.2, 193.1)],
        ]
        let t = try run(weights: "weights37.tif")
        for (zone, rects) in zones {
            var s = 0.0, sw = 0.0
            for i in 0..<vg.rows {
                for j in 0..<vg.cols {
                    guard let wc = W[i * vg.cols + j] else { continue }
                    let cov = rects.reduce(0.0) { $0 + overlap(rect(vg, i, j), $1) } / (vg.dx * vg.dy)
                    s += cov * wc * values[i * vg.cols + j]; sw += cov * wc
                }
            }
            assertRelative(t.value(zone, "v_weighted_sum"), s, 1e-9, "\(zone) weighted_sum")
            assertRelative(t.value(zone, "v_weighted_mean"), s / sw, 1e-9, "\(zone) weighted_mean")
        }
    }

    func readAll(_ r: Raster) throws -> [Double] {
        var a = [Double](repeating: 0, count: r.grid.rows * r.grid.cols)
        try a.withUnsafeMutableBytes { try r.read(band: 1, window: r.grid.full, as: .float64, into: $0.baseAddress!) }
        return a
    }

    /// Cell (row, col) of `g` as (xmin, ymin, xmax, ymax).
    func rect(_ g: Grid, _ row: Int, _ col: Int) -> (Double, Double, Double, Double) {
        (g.left + Double(col) * g.dx, g.top - Double(row + 1) * g.dy, g.left + Double(col + 1) * g.dx, g.top - Double(row) * g.dy)
    }

    func overlap(_ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double)) -> Double {
        max(0, min(a.2, b.2) - max(a.0, b.0)) * max(0, min(a.3, b.3) - max(a.1, b.1))
    }
}
