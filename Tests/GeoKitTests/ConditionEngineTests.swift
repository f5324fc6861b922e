import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// `sum(v) where hazard >= 3` through the engine: against exactextract on rasters masked with
/// numpy (TestRasters/conditions/make_fixtures.py records its answers), and on arrays against
/// a brute force over every (value cell, condition cell) pair of rectangles.
final class ConditionEngineTests: XCTestCase {
    let dir = "conditions/"
    lazy var expected = Fixtures.json(dir + "expected.json")

    // MARK: GDAL files against exactextract

    /// Each zone's accumulators (by zone id) of each of `values`, under `hazard >= 3` on `hazard`.
    func runFiles(values: [String], hazard: String, stats: [Statistic], weights: String? = nil, threads: Int = 2) throws -> [String: [ZoneStats]] {
        let first = try Raster(path: Fixtures.path(dir + values[0]))
        let h = try Raster(path: Fixtures.path(dir + hazard))
        let condition = SourceCondition(raster: Raster.opener(path: h.path), band: 1, info: h.bands[0], test: .greaterOrEqual(3))
        let sources = try values.map { name -> BandSource in
            let r = try Raster(path: Fixtures.path(dir + name))
            return BandSource(raster: Raster.opener(path: r.path), band: 1, info: r.bands[0], condition: condition)
        }
        let layer = try VectorDataset(path: Fixtures.path(dir + "zones.geojson")).readZones(idField: "zone")
        var opts = EngineOptions()
        opts.stats = stats; opts.threads = threads
        let w = try weights.map { name -> BandSource in
            let r = try Raster(path: Fixtures.path(dir + name))
            return BandSource(raster: Raster.opener(path: r.path), band: 1, info: r.bands[0])
        }
        let engine = ZonalEngine(grid: first.grid, areaModel: .planar(metresPerUnit: 1), sources: sources, weights: w, options: opts)
        var out: [String: [ZoneStats]] = [:]
        try engine.run(zones: layer.zones, sink: { z, firstSource, accs in
            XCTAssertEqual(firstSource, 0)
            out[layer.zones[z].id] = accs
        })
        return out
    }

    /// Same grid: count, sum, mean, weighted_sum and weighted_mean of the values and frac of
    /// the classes where hazard >= 3
    /// equal exactextract's on the rasters masked by numpy (1e-6: exactextract keeps coverage
    /// in single precision), and the share of covered area where the hazard has no value
    /// equals exactextract's mean of a 0/1 raster of those cells.
    func testSameGridAgainstExactextractOnMaskedRasters() throws {
        let e = expected["same_grid"] as! [String: [String: Any]]
        let got = try runFiles(values: ["values.tif", "classes.tif"], hazard: "hazard.tif",
                               stats: [.count, .sum, .mean, .frac, .whereNodata, .weightedSum, .weightedMean], weights: "weights.tif")
        XCTAssertEqual(Set(got.keys), Set(e.keys))
        for (zone, ez) in e {
            let v = got[zone]![0], c = got[zone]![1]
            assertRelative(Statistic.count.value(of: v), ez["count"] as? Double, 1e-6, "\(zone) count")
            assertRelative(Statistic.sum.value(of: v), ez["sum"] as? Double, 1e-6, "\(zone) sum")
            assertRelative(Statistic.mean.value(of: v), ez["mean"] as? Double, 1e-6, "\(zone) mean")
            assertRelative(Statistic.whereNodata.value(of: v), ez["where_nodata"] as? Double, 1e-6, "\(zone) where_nodata")
            assertRelative(Statistic.weightedSum.value(of: v), ez["weighted_sum"] as? Double, 1e-6, "\(zone) weighted_sum")
            assertRelative(Statistic.weightedMean.value(of: v), ez["weighted_mean"] as? Double, 1e-6, "\(zone) weighted_mean")
            let frac = Statistic.frac.classValues(of: c), efrac = ez["frac"] as! [String: Double]
            XCTAssertEqual(Set(frac.keys.map { String(Int($0)) }), Set(efrac.keys), zone)
            for (k, f) in efrac { assertRelative(frac[Double(k)!], f, 1e-6, "\(zone) frac \(k)") }
        }
        XCTAssertEqual(Statistic.whereNodata.value(of: got["aligned"]![0])!, 13.0 / 108, accuracy: 1e-12,
                       "13 of the 108 cells of the aligned zone have no hazard")
    }

    /// A condition grid 4x finer: against the exact rule computed from exactextract's own
    /// coverage of each value cell and numpy's share of its 16 fine cells that hold, and
    /// against exactextract run on the fine grid (values copied onto it, masked there):
    /// equal (count and sum / 16) for the zone on value cell lines, within the bound that
    /// make_fixtures.py derives for the others.
    func testFinerGridAgainstExactextractOnTheFineGrid() throws {
        let e = expected["finer_grid"] as! [String: [String: Any]]
        let got = try runFiles(values: ["values.tif"], hazard: "hazard_fine.tif", stats: [.count, .sum, .whereNodata])
        for (zone, ez) in e {
            let s = got[zone]![0]
            let sum = Statistic.sum.value(of: s)!, count = Statistic.count.value(of: s)!
            assertRelative(sum, ez["oracle_sum"] as? Double, 1e-6, "\(zone) sum vs the exact rule")
            assertRelative(count, ez["oracle_count"] as? Double, 1e-6, "\(zone) count vs the exact rule")
            let nd = Statistic.whereNodata.value(of: s)!, end = ez["oracle_where_nodata"] as! Double
            XCTAssertEqual(nd, end, accuracy: 1e-7, "\(zone) where_nodata")
            let eeSum = (ez["ee_fine_sum"] as! Double) / 16, eeCount = (ez["ee_fine_count"] as! Double) / 16
            let boundSum = ez["bound_sum"] as! Double, boundCount = ez["bound_count"] as! Double
            if zone == "aligned" {
                XCTAssertEqual(boundSum, 0)
                assertRelative(sum, eeSum, 1e-9, "\(zone) sum vs exactextract on the fine grid")
                assertRelative(count, eeCount, 1e-9, "\(zone) count vs exactextract on the fine grid")
            } else {
                XCTAssertLessThanOrEqual(abs(sum - eeSum), boundSum + 1e-6 * abs(sum), "\(zone) sum vs exactextract on the fine grid")
                XCTAssertLessThanOrEqual(abs(count - eeCount), boundCount + 1e-6 * count, "\(zone) count vs exactextract on the fine grid")
            }
        }
    }

    // MARK: Arrays against a brute force

    static let values = Grid(left: 100, top: 60, dx: 2, dy: 1.5, cols: 14, rows: 16)
    static let cellArea = 2 * 1.5 * 25.0   // metresPerUnit 5
    let areaModel = CellAreaModel.planar(metresPerUnit: 5)

    struct R { var x0, y0, x1, y1: Double }
    static func overlap(_ a: R, _ b: R) -> Double {
        max(0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
    }
    static func cell(_ g: Grid, _ r: Int, _ c: Int) -> R {
        R(x0: g.x(col: Double(c)), y0: g.y(row: Double(r + 1)), x1: g.x(col: Double(c + 1)), y1: g.y(row: Double(r)))
    }
    static func zone(_ i: Int, _ rects: [R]) -> Zone {
        let polys = rects.map { r in Polygon(shell: Ring([(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1), (r.x0, r.y0)]), holes: []) }
        return Zone(index: i, id: "z\(i)", attributes: [], geometry: MultiPolygon(polys))
    }
    // Rectangles in map units: across many row bands, partly outside the values, small, and two
    // halves of a parent (for the roll-up).
    static let rects: [[R]] = [
        [R(x0: 101.3, y0: 37.2, x1: 113.9, y1: 59.1)],
        [R(x0: 115.5, y0: 41.0, x1: 135.0, y1: 47.3), R(x0: 120.2, y0: 50.1, x1: 124.9, y1: 58.0)],
        [R(x0: 122.0, y0: 30.0, x1: 131.7, y1: 40.6)],
        [R(x0: 104.1, y0: 44.4, x1: 104.9, y1: 45.1)],
        [R(x0: 103.3, y0: 38.3, x1: 117.1, y1: 52.7)],                                      // parent
        [R(x0: 103.3, y0: 38.3, x1: 109.7, y1: 52.7)], [R(x0: 109.7, y0: 38.3, x1: 117.1, y1: 52.7)],  // its halves
    ]
    static let zones = rects.enumerated().map { zone($0.offset, $0.element) }

    /// Values with nodata (-1) in a few cells; a mask on the condition raster when asked.
    static func valueRaster() -> ArrayRaster {
        let g = values
        let v: [Double] = (0..<(g.rows * g.cols)).map { (k: Int) -> Double in
            if k % 17 == 5 { return -1 }
            return Double((k * 37) % 23) - 4.5
        }
        return ArrayRaster(name: "values", grid: g, bands: [.init(v, nodata: -1)], blockRows: 2)
    }
    static func conditionRaster(_ g: Grid, masked: Bool = false) -> ArrayRaster {
        let n = g.rows * g.cols
        // Classes 0..5 with nodata 9 in some cells; the test is `>= 3`.
        let v: [Double] = (0..<n).map { (k: Int) -> Double in
            // Varying along rows and columns for any number of columns.
            if (k + k / g.cols) % 11 == 7 { return 9 }
            return Double((k * 7 + (k / g.cols) * 5) % 6)
        }
        let mask: [UInt8]? = masked ? (0..<n).map { (k: Int) -> UInt8 in k % 13 == 2 ? 0 : 1 } : nil
        return ArrayRaster(name: "hazard", grid: g, bands: [.init(v, type: .uint8, nodata: 9, mask: mask)], blockRows: 3)
    }

    /// What the accumulators must hold: every value cell against every condition cell.
    struct Expected { var count = 0.0, sum = 0.0, nodataArea = 0.0, totalArea = 0.0, valueNodata = 0.0 }
    static func bruteForce(_ zone: [R], values v: ArrayRaster, condition c: ArrayRaster, masked: Bool) throws -> Expected {
        let vg = v.grid, cg = c.grid
        let vals = try readAll(v), conds = try readAll(c)
        var mask = [UInt8](repeating: 1, count: cg.rows * cg.cols)
        if masked { try mask.withUnsafeMutableBufferPointer { try c.readMask(band: 1, window: cg.full, into: $0.baseAddress!) } }
        var e = Expected()
        for i in 0..<vg.rows {
            for j in 0..<vg.cols {
                let vc = cell(vg, i, j), a = vg.dx * vg.dy
                let f = zone.reduce(0) { $0 + overlap($1, vc) } / a
                guard f > 0 else { continue }
                var hold = 0.0, inside = 0.0, nod = 0.0
                for p in 0..<cg.rows {
                    for q in 0..<cg.cols {
                        let o = overlap(vc, cell(cg, p, q)) / a
                        guard o > 0 else { continue }
                        inside += o
                        let x = conds[p * cg.cols + q]
                        if x == 9 || mask[p * cg.cols + q] == 0 { nod += o } else if x >= 3 { hold += o }
                    }
                }
                nod += 1 - inside
                e.totalArea += f * cellArea
                e.nodataArea += f * nod * cellArea
                let x = vals[i * vg.cols + j]
                if x == -1 { e.valueNodata += f * hold; continue }
                e.count += f * hold; e.sum += f * hold * x
            }
        }
        return e
    }
    static func readAll(_ r: ArrayRaster) throws -> [Double] {
        var out = [Double](repeating: 0, count: r.grid.rows * r.grid.cols)
        try out.withUnsafeMutableBufferPointer { try r.read(band: 1, window: r.grid.full, as: .float64, into: $0.baseAddress!) }
        return out
    }

    func runArrays(condition c: ArrayRaster, threads: Int, extraSources: Bool = false) throws -> [[ZoneStats]] {
        let v = Self.valueRaster()
        let cond = SourceCondition(raster: c.opener, band: 1, info: c.bands[0], test: .greaterOrEqual(3))
        var sources = [BandSource(raster: v.opener, band: 1, info: v.bands[0], condition: cond)]
        if extraSources {
            // The same values with no condition and with another test: each gets its own.
            sources.append(BandSource(raster: v.opener, band: 1, info: v.bands[0]))
            sources.append(BandSource(raster: v.opener, band: 1, info: v.bands[0],
                                      condition: SourceCondition(raster: c.opener, band: 1, info: c.bands[0], test: .less(3))))
        }
        var opts = EngineOptions()
        opts.stats = [.count, .sum, .whereNodata, .variance]; opts.threads = threads; opts.minBandRows = 1
        let engine = ZonalEngine(grid: v.grid, areaModel: areaModel, sources: sources, options: opts)
        var out = [[ZoneStats]](repeating: [], count: Self.zones.count)
        try engine.run(zones: Self.zones, sink: { z, _, accs in out[z] = accs })
        return out
    }

    func check(condition c: ArrayRaster, masked: Bool = false, _ what: String) throws {
        let runs = try [1, 2, 3].map { try runArrays(condition: c, threads: $0) }
        for (z, rects) in Self.rects.enumerated() {
            let e = try Self.bruteForce(rects, values: Self.valueRaster(), condition: c, masked: masked)
            let s = runs[0][z][0]
            XCTAssertGreaterThan(e.totalArea, 0)
            assertRelative(s.count, e.count, 1e-12, "\(what) zone \(z) count")
            assertRelative(s.sum, e.sum, 1e-12, "\(what) zone \(z) sum")
            assertRelative(s.nodataCount, e.valueNodata, 1e-12, "\(what) zone \(z) value nodata")
            assertRelative(s.totalArea, e.totalArea, 1e-12, "\(what) zone \(z) total area")
            XCTAssertEqual(s.conditionNodataArea, e.nodataArea, accuracy: 1e-9 * e.totalArea, "\(what) zone \(z) condition nodata area")
            for other in runs.dropFirst() {
                XCTAssertEqual(other[z][0].sum.bitPattern, s.sum.bitPattern, "\(what) zone \(z): same numbers for any thread count")
                XCTAssertEqual(other[z][0].conditionNodataArea.bitPattern, s.conditionNodataArea.bitPattern)
            }
        }
    }

    func testSameGridArrays() throws {
        try check(condition: Self.conditionRaster(Self.values), "same grid")
        try check(condition: Self.conditionRaster(Self.values, masked: true), masked: true, "same grid, masked")
    }

    /// The same cell size shifted by whole cells, so part of the values lies outside it.
    func testShiftedSameCells() throws {
        let g = Self.values
        try check(condition: Self.conditionRaster(Grid(left: g.left + 3 * g.dx, top: g.top - 2 * g.dy, dx: g.dx, dy: g.dy, cols: 9, rows: 12)), "shifted")
    }

    /// Finer, not a whole factor, shifted, and not covering all the values.
    func testFinerGridArrays() throws {
        try check(condition: Self.conditionRaster(Grid(left: 100.7, top: 59.3, dx: 0.7, dy: 0.45, cols: 38, rows: 48)), "finer")
    }

    /// Coarser in both directions, cells straddling value cells, partly outside.
    func testCoarserGridArrays() throws {
        try check(condition: Self.conditionRaster(Grid(left: 98.5, top: 61.2, dx: 4.6, dy: 3.3, cols: 6, rows: 5)), "coarser")
    }

    /// Several sources: one without a condition reads as a run without conditions does
    /// (the nil path, bit for bit), and two tests on one raster split each cell between them.
    func testSourcesShareAndSplit() throws {
        let c = Self.conditionRaster(Grid(left: 100.7, top: 59.3, dx: 0.7, dy: 0.45, cols: 38, rows: 48))
        let withConditions = try runArrays(condition: c, threads: 2, extraSources: true)
        let v = Self.valueRaster()
        var opts = EngineOptions()
        opts.stats = [.count, .sum, .whereNodata, .variance]; opts.threads = 2; opts.minBandRows = 1
        let plainEngine = ZonalEngine(grid: v.grid, areaModel: areaModel, sources: [BandSource(raster: v.opener, band: 1, info: v.bands[0])], options: opts)
        var plain = [ZoneStats](repeating: ZoneStats(), count: Self.zones.count)
        try plainEngine.run(zones: Self.zones, sink: { z, _, accs in plain[z] = accs[0] })
        for z in Self.zones.indices {
            let ge3 = withConditions[z][0], none = withConditions[z][1], lt3 = withConditions[z][2]
            XCTAssertEqual(none.sum.bitPattern, plain[z].sum.bitPattern, "zone \(z): no condition, same bits")
            XCTAssertEqual(none.m2.bitPattern, plain[z].m2.bitPattern)
            XCTAssertEqual(none.conditionNodataArea, 0)
            XCTAssertEqual(Statistic.whereNodata.value(of: none), 0)
            // Each cell is split into holds (>= 3), fails (< 3) and unread: with nothing
            // unread the two tests add up to the run without a condition.
            XCTAssertEqual(ge3.conditionNodataArea.bitPattern, lt3.conditionNodataArea.bitPattern, "zone \(z): one raster, one nodata share")
            XCTAssertEqual(ge3.totalArea, plain[z].totalArea)
            XCTAssertLessThanOrEqual(ge3.count + lt3.count, plain[z].count * (1 + 1e-12))
            if ge3.conditionNodataArea == 0 {
                XCTAssertEqual(ge3.count + lt3.count, plain[z].count, accuracy: 1e-12 * plain[z].count, "zone \(z): >= 3 and < 3 split every cell")
                XCTAssertEqual(ge3.sum + lt3.sum, plain[z].sum, accuracy: 1e-9 * abs(plain[z].sum) + 1e-12)
            }
        }
    }

    /// On a geographic grid (1 degree cells at 50-60 N), a value cell's share is a share of
    /// ellipsoidal area: the brute force measures each overlap of value and condition cells
    /// on WGS 84 (longitude span / 360 x the area between the two latitudes).
    func testGeographicSharesAreEllipsoidalAreaShares() throws {
        let vg = Grid(left: 20, top: 60, dx: 1, dy: 1, cols: 6, rows: 10)
        let values = ArrayRaster(name: "geo-values", grid: vg, bands: [.init((0..<60).map { Double($0 % 9) + 1 })], blockRows: 2)
        let cg = Grid(left: 19.8, top: 60.3, dx: 0.6, dy: 0.35, cols: 11, rows: 30)
        let c = Self.conditionRaster(cg)
        let e = Ellipsoid.wgs84
        func area(_ r: R) -> Double {
            r.x1 <= r.x0 || r.y1 <= r.y0 ? 0 : (r.x1 - r.x0) / 360 * abs(e.zoneArea(toLatitude: r.y1) - e.zoneArea(toLatitude: r.y0))
        }
        let zoneRect = R(x0: 20.4, y0: 51.3, x1: 25.2, y1: 59.6)
        let conds = try Self.readAll(c)
        var sum = 0.0, count = 0.0, nodataArea = 0.0, totalArea = 0.0
        for i in 0..<vg.rows {
            for j in 0..<vg.cols {
                let vc = Self.cell(vg, i, j)
                // The zone's coverage of the cell is planar in degrees, as without a condition.
                let cov = Self.overlap(zoneRect, vc) / (vg.dx * vg.dy)
                guard cov > 0 else { continue }
                var hold = 0.0, nod = 0.0, inside = 0.0
                for p in 0..<cg.rows {
                    for q in 0..<cg.cols {
                        let cc = Self.cell(cg, p, q)
                        let o = area(R(x0: max(vc.x0, cc.x0), y0: max(vc.y0, cc.y0), x1: min(vc.x1, cc.x1), y1: min(vc.y1, cc.y1))) / area(vc)
                        guard o > 0 else { continue }
                        inside += o
                        let x = conds[p * cg.cols + q]
                        if x == 9 { nod += o } else if x >= 3 { hold += o }
                    }
                }
                nod += 1 - inside
                let v = Double((i * vg.cols + j) % 9) + 1
                sum += cov * hold * v; count += cov * hold
                nodataArea += cov * nod * area(vc); totalArea += cov * area(vc)
            }
        }
        let cond = SourceCondition(raster: c.opener, band: 1, info: c.bands[0], test: .greaterOrEqual(3))
        var opts = EngineOptions(); opts.stats = [.count, .sum, .whereNodata]; opts.threads = 2; opts.minBandRows = 1
        let engine = ZonalEngine(grid: vg, areaModel: .geographic(e),
                                 sources: [BandSource(raster: values.opener, band: 1, info: values.bands[0], condition: cond)], options: opts)
        let zone = Self.zone(0, [zoneRect])
        var got = ZoneStats()
        try engine.run(zones: [zone], sink: { _, _, accs in got = accs[0] })
        assertRelative(got.sum, sum, 1e-11, "sum")
        assertRelative(got.count, count, 1e-11, "count")
        assertRelative(got.totalArea, totalArea, 1e-11, "total area")
        assertRelative(got.conditionNodataArea, nodataArea, 1e-9, "condition nodata area")
        XCTAssertGreaterThan(nodataArea, 0)
    }

    /// Roll-up: a parent's accumulators equal its two halves' merged (zones 4 = 5 + 6), and
    /// where_nodata of the merge is the parent's; partials of row bands, written as part
    /// files' bytes and read back, merge to the whole run's accumulators bit for bit.
    func testRollupAndRowPartsMergeExactly() throws {
        let c = Self.conditionRaster(Grid(left: 98.5, top: 61.2, dx: 4.6, dy: 3.3, cols: 6, rows: 5), masked: true)
        let whole = try runArrays(condition: c, threads: 2)
        var merged = whole[5][0]; merged.merge(whole[6][0])
        let parent = whole[4][0]
        assertRelative(merged.count, parent.count, 1e-12, "count")
        assertRelative(merged.sum, parent.sum, 1e-12, "sum")
        assertRelative(merged.totalArea, parent.totalArea, 1e-12, "total area")
        assertRelative(merged.conditionNodataArea, parent.conditionNodataArea, 1e-12, "condition nodata area")
        XCTAssertGreaterThan(parent.conditionNodataArea, 0)
        assertRelative(Statistic.whereNodata.value(of: merged), Statistic.whereNodata.value(of: parent), 1e-12, "where_nodata")

        // Row parts: bands 0..<k and k..<n, partials through bytes, merged in band order.
        let v = Self.valueRaster()
        let cond = SourceCondition(raster: c.opener, band: 1, info: c.bands[0], test: .greaterOrEqual(3))
        var opts = EngineOptions()
        opts.stats = [.count, .sum, .whereNodata, .variance]; opts.threads = 2; opts.minBandRows = 1
        let engine = ZonalEngine(grid: v.grid, areaModel: areaModel,
                                 sources: [BandSource(raster: v.opener, band: 1, info: v.bands[0], condition: cond)], options: opts)
        let nBands = (v.grid.rows + engine.rowsPerBand(readCols: v.grid.cols) - 1) / engine.rowsPerBand(readCols: v.grid.cols)
        XCTAssertGreaterThan(nBands, 3)
        var acc = [ZoneStats?](repeating: nil, count: Self.zones.count)
        for range in [0..<(nBands / 2), (nBands / 2)..<nBands] {
            try engine.run(zones: Self.zones, rowBands: range, sink: { z, _, accs in acc[z] = accs[0] }, bandSink: { _, _, partial in
                for (zi, z) in partial.zones.enumerated() {
                    var w = ByteWriter(); partial.stats[zi].encode(into: &w)
                    let back = try! w.bytes.withUnsafeBytes { p in var r = ByteReader(p); return try ZoneStats(decoding: &r) }
                    if acc[z] == nil { acc[z] = back } else { acc[z]!.merge(back) }
                }
            })
        }
        for z in Self.zones.indices {
            XCTAssertEqual(acc[z]!.sum.bitPattern, whole[z][0].sum.bitPattern, "zone \(z) sum")
            XCTAssertEqual(acc[z]!.conditionNodataArea.bitPattern, whole[z][0].conditionNodataArea.bitPattern, "zone \(z) condition nodata")
            XCTAssertEqual(acc[z]!.m2.bitPattern, whole[z][0].m2.bitPattern, "zone \(z) m2")
        }
    }

    /// The band budget counts the condition's two shares per cell: 8 MB a worker, bands of
    /// 8 rows of 131,072 Float64 cells fit exactly; with a condition (8 + 16 bytes a cell)
    /// only 2 rows do.
    func testRowsPerBandCountsConditions() {
        let g = Grid(left: 0, top: 8, dx: 1, dy: 1, cols: 4, rows: 8)
        let v = ArrayRaster(grid: g, bands: [.init([Double](repeating: 1, count: 32))], blockRows: 1)
        let c = Self.conditionRaster(g)
        var opts = EngineOptions(); opts.threads = 1; opts.maxMemory = 4 * (8 << 20); opts.minBandRows = 8
        let cond = SourceCondition(raster: c.opener, band: 1, info: c.bands[0], test: .greaterOrEqual(3))
        let plain = ZonalEngine(grid: g, areaModel: areaModel, sources: [BandSource(raster: v.opener, band: 1, info: v.bands[0])], options: opts)
        let withCondition = ZonalEngine(grid: g, areaModel: areaModel,
                                        sources: [BandSource(raster: v.opener, band: 1, info: v.bands[0], condition: cond)], options: opts)
        XCTAssertEqual(plain.rowsPerBand(readCols: 131_072), 8)
        XCTAssertEqual(withCondition.rowsPerBand(readCols: 131_072), 2)
    }
}
