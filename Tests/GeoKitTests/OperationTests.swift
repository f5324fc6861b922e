import XCTest
import GeoCore
import GeoGDAL
@testable import GeoKit
import GeoTestSupport

/// Operations per raster (`--op`): each raster gets only its own statistics, columns named by
/// raster, statistic, class and condition. Values against exactextract 0.3.0
/// (TestRasters/exactextract/make_ops_expected.py: conditions as numpy masks, then exactextract).
final class OperationTests: XCTestCase {
    let dir = "exactextract/"
    lazy var ee = Fixtures.json(dir + "expected_ops.json")
    let zoneNames = ["hole", "multi", "sliver", "on_edges", "partly_outside", "star"]

    func job(_ ops: [String], rasters: [String: String] = ["classes": "classes.tif", "weights": "weights.tif", "values": "values.tif"]) throws -> ZonalJob {
        var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                           rasters: rasters.keys.sorted().map { RasterSpec(name: $0, path: Fixtures.path(dir + rasters[$0]!)) }, stats: [])
        job.operations = try ops.map(RasterOperation.init(parsing:))
        job.threads = 2
        return job
    }

    func testEachRasterGetsOnlyItsOwnStatistics() throws {
        let result = try job(["frac(classes)", "sum(weights)", "weighted_frac(classes, weights)"]).run()
        let t = result.wideTable()
        let classCols = (1...5).map { "classes_frac_\($0)" } + (1...5).map { "classes_wfrac_\($0)" }
        // No frac of weights (a continuous raster), no sum of classes, and values has no column.
        XCTAssertEqual(t.columns, ["zone"] + classCols + ["weights_sum"])
        let sums = ee["weights_sum"] as! [String: [String: Any]]
        let fracs = ee["classes_frac"] as! [String: [String: Any]]
        for z in zoneNames {
            assertRelative(t.value(z, "weights_sum"), sums[z]!["sum"] as? Double, 1e-6, "\(z) sum(weights)")
            let unique = fracs[z]!["unique"] as! [Double], frac = fracs[z]!["frac"] as! [Double], wfrac = fracs[z]!["weighted_frac"] as! [Double]
            for (k, v) in unique.enumerated() {
                assertRelative(t.value(z, "classes_frac_\(formatNumber(v))"), frac[k], 1e-6, "\(z) frac \(v)")
                assertRelative(t.value(z, "classes_wfrac_\(formatNumber(v))"), wfrac[k], 1e-6, "\(z) weighted_frac \(v)")
            }
        }
        // The long table says which statistic; the sidecar which raster and weights.
        XCTAssertEqual(Set(result.longTable().rows.map { "\($0[3])" }).count, 2)
        let d = result.describe("classes_wfrac_3")!
        XCTAssertTrue(d.description.contains("of classes") && d.description.contains("weighted by weights"), d.description)
    }

    /// The issue's failure: frac asked of a hazard raster ran categorical statistics on the
    /// population raster too (millions of distinct values: minutes, gigabytes). With operations
    /// the continuous raster's group computes no class table.
    func testContinuousRasterGetsNoClassTable() throws {
        let d = NSTemporaryDirectory() + "ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        // 20 x 15 cells like classes.tif, 300 distinct values; a class limit of 10,000 is far,
        // so the guard is not what this checks: which statistics each engine computes is.
        let grid = Grid(left: 10, top: 25, dx: 1, dy: 1, cols: 20, rows: 15)
        try writeGeoTIFF(path: d + "/pop.tif", grid: grid, bands: [(0..<300).map { Float($0) + 0.5 }], crs: "EPSG:32647")
        var j = try job(["frac(classes)", "sum(pop)"], rasters: ["classes": "classes.tif"])
        j.rasters.append(RasterSpec(name: "pop", path: d + "/pop.tif"))
        let p = try j.prepare()
        let byRaster = Dictionary(uniqueKeysWithValues: p.groups.map { g in (p.bands[g.bands[0]].rasterName, g.stats) })
        XCTAssertEqual(byRaster["pop"], [.sum])
        XCTAssertEqual(byRaster["classes"], [.frac])
        XCTAssertFalse(byRaster["pop"]!.contains(where: \.needsHistogram))
        // The same rasters with --stats frac,sum: every raster gets frac (a column per value of pop).
        var all = ZonalJob(zonesPath: j.zonesPath, idField: "zone", rasters: j.rasters, stats: [.frac, .sum])
        all.threads = 2
        let wide = try all.run().wideTable().columns
        XCTAssertGreaterThan(wide.filter { $0.hasPrefix("pop_frac_") }.count, 100)
        let ops = try j.run().wideTable().columns
        XCTAssertEqual(ops.filter { $0.hasPrefix("pop_") }, ["pop_sum"])
    }

    func testConditionsNameTheirColumnsAndDescriptions() throws {
        let result = try job(["sum(values) where classes >= 3", "sum(values)", "area where classes in 2..3"]).run()
        // With the engine's side of conditions, each condition also gives the share where its raster has no value.
        let nodata = (try? Statistic(parsing: "where_nodata")) != nil
        XCTAssertEqual(result.wideTable().columns, ["zone", "values_sum_where_classes_ge_3"] + (nodata ? ["values_where_classes_ge_3_nodata"] : [])
                       + ["values_sum", "classes_area_where_classes_in_2_3"] + (nodata ? ["classes_where_classes_in_2_3_nodata"] : []))
        let d = result.describe("values_sum_where_classes_ge_3")!.description
        XCTAssertTrue(d.hasPrefix("sum of coverage x value of values") && d.contains("only where classes >= 3"), d)
        XCTAssertEqual(result.longTable().rows.first?[4], .text("sum_where_classes_ge_3"))
    }

    /// map and report read the new columns back: raster, statistic with its condition, quality.
    func testTablesReadBackWithTheirConditions() throws {
        let result = try job(["sum(values) where classes >= 3", "count(values)", "frac(classes)"]).run()
        for format in [TableFormat.wide, .long] {
            let out = Fixtures.tempDir() + "/ops.csv"
            try result.write(to: out, format: format, hxl: false,
                             run: RunInfo(commandLine: "test", started: Date(), seconds: 0, hashes: [:], format: format, hxl: false))
            let t = try IndicatorTable.read(out)
            let s = t.series.first { $0.label == "values_sum_where_classes_ge_3" }
            XCTAssertEqual(s?.indicator, "values", "\(format)")
            XCTAssertEqual(s?.stat, "sum_where_classes_ge_3", "\(format)")
            XCTAssertEqual(s?.isQuality, false, "\(format)")
            XCTAssertEqual(t.series.first { $0.label == "classes_frac_3" }?.stat, "frac_3", "\(format)")
            if let n = t.series.first(where: { $0.label == "values_where_classes_ge_3_nodata" }) {
                XCTAssertEqual(n.indicator, "values"); XCTAssertTrue(n.isQuality)
            }
        }
    }

    /// Whether the engine honours `BandSource.condition` (the engine's side of conditions).
    func engineHonoursConditions() throws -> Bool {
        let r = try job(["count(classes) where classes in 2..3", "count(classes)"]).run().wideTable()
        return r.value("on_edges", "classes_count_where_classes_in_2_3") != r.value("on_edges", "classes_count")
    }

    func testConditionValuesAgainstExactextractOnMasks() throws {
        guard try engineHonoursConditions() else { throw XCTSkip("the engine does not read BandSource.condition yet") }
        let t = try job(["sum(values) where classes >= 3", "count(classes) where classes in 2..3"]).run().wideTable()
        let sums = ee["values_sum_where_classes_ge_3"] as! [String: [String: Any]]
        let counts = ee["classes_count_where_classes_in_2_3"] as! [String: [String: Any]]
        for z in zoneNames {
            assertRelative(t.value(z, "values_sum_where_classes_ge_3"), sums[z]!["sum"] as? Double, 1e-6, "\(z) sum where")
            assertRelative(t.value(z, "classes_count_where_classes_in_2_3"), counts[z]!["count"] as? Double, 1e-6, "\(z) count where")
        }
    }

    func testARunThatCannotFitIsRefusedBeforeTheEngine() throws {
        var j = try job(["frac(classes)", "sum(values)"])
        // 7 zones: 256 B each, with their vertices, is more than 1 KB.
        j.maxMemory = 1024
        XCTAssertThrowsError(try j.run()) { e in XCTAssertTrue("\(e)".contains("more than --max-memory 1 MB"), "\(e)") }
    }

    /// A condition on a multi-band raster's own values reads each band's cells: 2 x 2 cells of
    /// 1 m, band 1 = 5, 15, 25, 35 and band 2 = 40, 3, 2, 1; one zone over all four.
    func testConditionOnItsOwnBandsReadsEachBand() throws {
        let d = Fixtures.tempDir()
        try writeGeoTIFF(path: d + "/r.tif", grid: Grid(left: 0, top: 2, dx: 1, dy: 1, cols: 2, rows: 2),
                         bands: [[5, 15, 25, 35], [40, 3, 2, 1]], crs: "EPSG:32647")
        try #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32647"}},"features":[{"type":"Feature","properties":{"id":"Z"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}}]}"#
            .write(toFile: d + "/z.geojson", atomically: true, encoding: .utf8)
        var j = ZonalJob(zonesPath: d + "/z.geojson", idField: "id", rasters: [RasterSpec(name: "r", path: d + "/r.tif")], stats: [])
        j.operations = [try RasterOperation(parsing: "sum(r) where r > 10")]
        j.threads = 1
        let t = try j.run().wideTable()
        XCTAssertEqual(t.columns.filter { $0.contains("_sum_") }, ["r_b1_sum_where_r_gt_10", "r_b2_sum_where_r_gt_10"])
        guard (try? Statistic(parsing: "where_nodata")) != nil else { throw XCTSkip("the engine does not read BandSource.condition yet") }
        XCTAssertEqual(t.value("Z", "r_b1_sum_where_r_gt_10"), 75)
        XCTAssertEqual(t.value("Z", "r_b2_sum_where_r_gt_10"), 40)
    }

    func testBadOperationsStopBeforeAnyWork() throws {
        for (ops, words) in [(["sum(popn)"], "no raster named 'popn'"), (["sum(values) where hazard >= 3"], "no raster named 'hazard'"),
                             (["weighted_frac(classes, wieghts)"], "no raster named 'wieghts' (did you mean 'weights'?)"),
                             (["sum(values) where classes in 0.5,1", "sum(values) where classes in 0,5,1"], "would name the same columns (values_where_classes_in_0_5_1)"),
                             (["weighted_sum(values, weights)", "weighted_mean(values, classes)"], "already weighted by weights")] {
            XCTAssertThrowsError(try job(ops).run(), "\(ops)") { e in
                XCTAssertTrue("\(e)".contains(words), "\(ops): \(e)")
            }
        }
    }

    func testConditionOnAnotherCRSIsRefused() throws {
        let d = NSTemporaryDirectory() + "ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        try writeGeoTIFF(path: d + "/hazard.tif", grid: Grid(left: 96, top: 20, dx: 0.1, dy: 0.1, cols: 4, rows: 4),
                         bands: [[Float](repeating: 3, count: 16)], crs: "EPSG:4326")
        var j = try job(["sum(values) where hazard >= 3"], rasters: ["values": "values.tif"])
        j.rasters.append(RasterSpec(name: "hazard", path: d + "/hazard.tif"))
        XCTAssertThrowsError(try j.run()) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("hazard.tif") && m.contains("values.tif") && !m.contains("\n"), m)
        }
    }
}

/// `--classes values=30,45,55,70` on a continuous raster, against exactextract on the raster
/// reclassified with numpy (make_ops_expected.py).
final class ClassesTests: XCTestCase {
    func testBinnedFracAndWeightedFracAgainstExactextract() throws {
        let dir = "exactextract/"
        var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                           rasters: [RasterSpec(name: "values", path: Fixtures.path(dir + "values.tif")),
                                     RasterSpec(name: "weights", path: Fixtures.path(dir + "weights.tif"))], stats: [])
        job.operations = try ["frac(values)", "weighted_frac(values, weights)", "mean(values)"].map(RasterOperation.init(parsing:))
        job.classes = ["values": try ClassBreaks(parsing: "30,45,55,70")]
        job.threads = 2
        let result = try job.run()
        let t = result.wideTable()
        let bins = ["30_45", "45_55", "55_70", "out_of_range"]
        XCTAssertEqual(t.columns, ["zone"] + bins.map { "values_frac_\($0)" } + bins.map { "values_wfrac_\($0)" } + ["values_mean"])
        let ee = (Fixtures.json(dir + "expected_ops.json")["values_classes_30_45_55_70"] as! [String: [String: Any]])
        let plain = Fixtures.json(dir + "expected.json")["values"] as! [String: [String: Any]]
        for z in ["hole", "multi", "sliver", "on_edges", "partly_outside", "star"] {
            let unique = ee[z]!["unique"] as! [Double], frac = ee[z]!["frac"] as! [Double], wfrac = ee[z]!["weighted_frac"] as! [Double]
            for (k, v) in unique.enumerated() {
                let col = v == 9 ? "out_of_range" : bins[Int(v)]
                assertRelative(t.value(z, "values_frac_\(col)"), frac[k], 1e-6, "\(z) frac \(col)")
                assertRelative(t.value(z, "values_wfrac_\(col)"), wfrac[k], 1e-6, "\(z) weighted_frac \(col)")
            }
            // The mean reads the values, not the bins.
            assertRelative(t.value(z, "values_mean"), plain[z]!["mean"] as? Double, 1e-6, "\(z) mean")
        }
        XCTAssertTrue(result.describe("values_frac_45_55")!.description.contains("class [45, 55)"))
    }

    func testMedianOfAClassedRasterIsRefused() throws {
        var job = ZonalJob(zonesPath: Fixtures.path("exactextract/zones.geojson"), idField: "zone",
                           rasters: [RasterSpec(name: "values", path: Fixtures.path("exactextract/values.tif"))], stats: [.median, .frac])
        job.classes = ["values": try ClassBreaks(parsing: "30,45")]
        XCTAssertThrowsError(try job.run()) { e in XCTAssertTrue("\(e)".contains("median of values would read its bins"), "\(e)") }
        job.classes = ["valeus": try ClassBreaks(parsing: "30,45")]
        XCTAssertThrowsError(try job.run()) { e in XCTAssertTrue("\(e)".contains("no raster named 'valeus' (did you mean 'values'?)"), "\(e)") }
    }
}

/// `--area-unit`: on the exactextract fixtures' 1 m x 1 m cells (EPSG:32647) a zone's area of
/// valid cells is its count in m², so in hectares count / 10,000 (count from exactextract).
final class AreaUnitTests: XCTestCase {
    func testAreasInHectares() throws {
        let dir = "exactextract/"
        var job = ZonalJob(zonesPath: Fixtures.path(dir + "zones.geojson"), idField: "zone",
                           rasters: [RasterSpec(name: "v", path: Fixtures.path(dir + "values.tif")),
                                     RasterSpec(name: "c", path: Fixtures.path(dir + "classes.tif"))], stats: [])
        job.operations = try ["area(v)", "count(v)", "class_area(c)"].map(RasterOperation.init(parsing:))
        job.areaUnit = .ha
        job.threads = 2
        let result = try job.run()
        let t = result.wideTable()
        let ee = Fixtures.json(dir + "expected.json")
        let counts = ee["values"] as! [String: [String: Any]], classes = ee["classes"] as! [String: [String: Any]]
        for z in ["hole", "multi", "sliver", "on_edges", "partly_outside", "star"] {
            assertRelative(t.value(z, "v_area"), (counts[z]!["count"] as! Double) / 10_000, 1e-6, "\(z) area")
            // class_area of class k: frac x count of classes.tif, in ha.
            let unique = classes[z]!["unique"] as! [Double], frac = classes[z]!["frac"] as! [Double], n = classes[z]!["count"] as! Double
            for (k, v) in unique.enumerated() {
                assertRelative(t.value(z, "c_area_\(formatNumber(v))"), frac[k] * n / 10_000, 1e-6, "\(z) class_area \(v)")
            }
        }
        XCTAssertEqual(result.describe("v_area")?.unit, "ha")
        XCTAssertTrue(result.describe("v_area")!.description.hasPrefix("covered area of cells with a value, hectares"))
        XCTAssertEqual(result.describe("v_count")?.unit, "cells")
        let long = result.longTable()
        XCTAssertTrue(long.rows.contains { $0[4] == .text("area") && $0[8] == .text("ha") })
    }
}
