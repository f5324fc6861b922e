import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Exact mode against two independent computations on shapes built to be awkward: holes,
/// multipolygons, a sliver thinner than a cell, edges on cell lines, zones partly and
/// wholly outside the raster, non-square cells, nodata cells, weights and classes
/// (TestRasters/exactextract/make_fixtures.py builds them).
///  * expected_shapely.json: each cell's coverage as the area of its intersection with the
///    zone (GEOS overlay in double precision), statistics by definition. Held to 1e-9.
///  * expected.json: exactextract 0.3.0. It stores coverage fractions in single precision
///    (it reports 11.445000047 for a zone of area exactly 11.445), so it is held to 1e-6.
final class ExactextractOracleTests: XCTestCase {
    let dir = "exactextract/"
    lazy var shapely = Fixtures.json(dir + "expected_shapely.json")
    lazy var ee = Fixtures.json(dir + "expected.json")
    let zoneNames = ["hole", "multi", "sliver", "on_edges", "partly_outside", "outside", "star"]

    func run(_ raster: String, _ stats: [Statistic], weights: String? = nil) throws -> Table {
        var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                           rasters: [RasterSpec(name: "v", path: Fixtures.path(dir + raster))],
                           weights: weights.map { RasterSpec(name: "w", path: Fixtures.path(dir + $0)) }, stats: stats)
        job.threads = 2
        return try job.run().wideTable()
    }

    /// An oracle's value of statistic `s` as geotool writes it: exactextract (and the shapely
    /// oracle, by the same definition) write sum = 0 for a zone that covers no cell with a
    /// value, where geotool leaves sum (and weighted_sum) empty, as mean is, unless
    /// `--empty-sum zero`. The oracle files keep their values; the comparison says so here.
    func asGeotool(_ s: String, _ oracle: [String: Any]) -> Double? {
        let v = oracle[s] as? Double
        guard s == "sum" || s == "weighted_sum", let count = oracle["count"] as? Double, count == 0 else { return v }
        XCTAssertEqual(v, 0, "the oracle's sum over no values")
        return nil
    }

    func testMomentsOnSquareCellsWithNodata() throws {
        let t = try run("values.tif", [.count, .sum, .mean, .min, .max, .stdev, .variance, .median])
        let exact = shapely["values"] as! [String: [String: Any]]
        let peer = ee["values"] as! [String: [String: Any]]
        for z in zoneNames {
            for s in ["count", "sum", "mean", "min", "max", "stdev", "variance"] {
                assertRelative(t.value(z, "v_\(s)"), asGeotool(s, exact[z]!), 1e-9, "\(z) \(s) vs shapely")
                assertRelative(t.value(z, "v_\(s)"), asGeotool(s, peer[z]!), 1e-6, "\(z) \(s) vs exactextract")
            }
            // Same quantile definition as exactextract (see WeightedQuantiles.swift).
            assertRelative(t.value(z, "v_median"), peer[z]!["median"] as? Double, 1e-6, "\(z) median vs exactextract")
        }
        // A zone wholly outside: count is 0, the rest empty (not zero), sum too.
        XCTAssertEqual(t.value("outside", "v_count"), 0)
        XCTAssertNil(t.value("outside", "v_sum"))
        XCTAssertNil(t.value("outside", "v_mean"))
        XCTAssertNil(t.value("outside", "v_min"))
    }

    func testNonSquareCells() throws {
        let t = try run("nonsquare.tif", [.count, .sum, .mean, .min, .max, .stdev])
        let exact = shapely["nonsquare"] as! [String: [String: Any]]
        let peer = ee["nonsquare"] as! [String: [String: Any]]
        for z in zoneNames {
            for s in ["count", "sum", "mean", "min", "max", "stdev"] {
                assertRelative(t.value(z, "v_\(s)"), asGeotool(s, exact[z]!), 1e-9, "\(z) \(s) vs shapely")
                assertRelative(t.value(z, "v_\(s)"), asGeotool(s, peer[z]!), 1e-6, "\(z) \(s) vs exactextract")
            }
        }
    }

    func testClassFractionsMajorityVariety() throws {
        let t = try run("classes.tif", [.count, .frac, .majority, .minority, .variety])
        let exact = shapely["classes"] as! [String: [String: Any]]
        let peer = ee["classes"] as! [String: [String: Any]]
        for z in zoneNames where z != "outside" {
            let fr = exact[z]!["frac"] as! [String: Double]
            for (k, v) in fr { assertRelative(t.value(z, "v_frac_\(k)"), v, 1e-9, "\(z) frac \(k)") }
            var total = 0.0
            for k in 1...5 { total += t.value(z, "v_frac_\(k)") ?? 0 }
            XCTAssertEqual(total, 1, accuracy: 1e-12, "fractions of \(z) add to 1")
            XCTAssertEqual(t.value(z, "v_majority"), peer[z]!["majority"] as? Double, "\(z) majority")
            XCTAssertEqual(t.value(z, "v_minority"), peer[z]!["minority"] as? Double, "\(z) minority")
            XCTAssertEqual(t.value(z, "v_variety"), peer[z]!["variety"] as? Double, "\(z) variety")
        }
    }

    func testWeightedMean() throws {
        let t = try run("values.tif", [.weightedMean, .weightedSum], weights: "weights.tif")
        let exact = shapely["values"] as! [String: [String: Any]]
        let peer = ee["weighted"] as! [String: [String: Any]]
        for z in zoneNames where z != "outside" {
            assertRelative(t.value(z, "v_weighted_mean"), exact[z]!["weighted_mean"] as? Double, 1e-9, "\(z) weighted_mean")
            assertRelative(t.value(z, "v_weighted_sum"), exact[z]!["weighted_sum"] as? Double, 1e-9, "\(z) weighted_sum")
            assertRelative(t.value(z, "v_weighted_mean"), peer[z]!["weighted_mean"] as? Double, 1e-6, "\(z) vs exactextract")
        }
    }

    func testThreadCountDoesNotChangeResults() throws {
        var results: [Table] = []
        for threads in [1, 2, 3] {
            var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                               rasters: [RasterSpec(name: "v", path: Fixtures.path(dir + "nonsquare.tif"))],
                               stats: [.count, .sum, .mean, .stdev, .median])
            job.threads = threads
            job.maxMemory = 1 << 20   // forces many small row bands
            results.append(try job.run().wideTable())
        }
        XCTAssertEqual(results[0].rows, results[1].rows)
        XCTAssertEqual(results[0].rows, results[2].rows)
    }
}
