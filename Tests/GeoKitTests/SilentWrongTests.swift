import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Issue 12: inputs that used to give a silent wrong number (or an empty table, exit 0).
/// Each raster and zone layer is made here; expected values are known by construction.
final class SilentWrongTests: XCTestCase {
    // 10 x 10 cells of 10 m in UTM 47N: x 500000..500100, y 2000000..2000100.
    static let grid = Grid(left: 500_000, top: 2_000_100, dx: 10, dy: 10, cols: 10, rows: 10)
    /// Cell values r * 10 + c: every cell once, mean 49.5.
    static let values: [Float] = (0..<100).map { Float($0) }

    func raster(_ dir: String, crs: String = "EPSG:32647", values: [Float] = values) throws -> String {
        let p = dir + "/v.tif"
        try writeGeoTIFF(path: p, grid: Self.grid, bands: [values], crs: crs)
        return p
    }

    /// A GeoJSON feature collection; `crs` nil leaves the default (WGS 84).
    func zones(_ dir: String, _ features: [(id: String, geometry: String)], crs: String? = "EPSG::32647",
               name: String = "zones.geojson") throws -> String {
        let crsText = crs.map { "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:\($0)\"}}," } ?? ""
        let fs = features.map { "{\"type\":\"Feature\",\"properties\":{\"id\":\"\($0.id)\"},\"geometry\":\($0.geometry)}" }
        let text = "{\"type\":\"FeatureCollection\",\(crsText)\"features\":[\(fs.joined(separator: ","))]}"
        let p = dir + "/" + name
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func polygon(_ pts: [(Double, Double)]) -> String {
        "{\"type\":\"Polygon\",\"coordinates\":[[" + pts.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]]}"
    }
    /// A rectangle around the whole raster (1 km beyond it on every side), closed.
    var aroundRaster: String { polygon([(499_000, 1_999_000), (501_000, 1_999_000), (501_000, 2_001_000), (499_000, 2_001_000), (499_000, 1_999_000)]) }

    func run(_ zonesPath: String, _ rasterPath: String, stats: [Statistic] = [.count, .mean]) throws -> ZonalResult {
        var job = ZonalJob(zonesPath: zonesPath, idField: "id", rasters: [RasterSpec(name: "v", path: rasterPath)], stats: stats)
        job.threads = 1
        return try job.run()
    }

    /// count and mean of unit `id` (nil when empty).
    func countMean(_ r: ZonalResult, _ id: String) -> (Double?, Double?) {
        let u = r.units.first { $0.id == id }!
        let f = { (v: Double) in v.isNaN ? nil : v }
        return (f(u.scalar[0]), f(u.scalar[1]))
    }

    func tool(_ name: String, _ args: [String]) throws {
        let r = try runProcess("/usr/bin/" + name, args)
        XCTAssertEqual(r.status, 0, "\(name) \(args): \(r.stderr)")
    }

    // MARK: 1. pixel types

    func testSignedByteRasterGivesNegativeMean() throws {
        let dir = Fixtures.tempDir()
        // 251 is the byte 0xFB: -5 as a signed byte (GDAL 3.6 clamps -5 itself to 0 when
        // translating to Byte, so the signed byte is written as its unsigned twin).
        let f = try raster(dir, values: [Float](repeating: 251, count: 100))
        let s8 = dir + "/s8.tif"
        try tool("gdal_translate", ["-q", "-ot", "Byte", "-co", "PIXELTYPE=SIGNEDBYTE", f, s8])
        let r = try run(try zones(dir, [("A", aroundRaster)]), s8, stats: [.count, .mean, .min, .max])
        let u = r.units[0]
        XCTAssertEqual(u.scalar, [100, -5, -5, -5])
    }

    func testComplexRasterIsRefusedNamingTheFile() throws {
        let dir = Fixtures.tempDir()
        let c = dir + "/complex.tif"
        try tool("gdal_translate", ["-q", "-ot", "CFloat32", try raster(dir), c])
        XCTAssertThrowsError(try run(try zones(dir, [("A", aroundRaster)]), c)) { e in
            let g = e as? GeoKitError
            XCTAssertEqual(g?.kind, .input)
            XCTAssertEqual(g?.file, c)
            XCTAssertTrue(g?.problem.contains("complex") == true, "\(e)")
        }
    }

    // MARK: 2. one bad vertex in geographic zones

    func testOneBadVertexDoesNotTurnReprojectionOff() throws {
        let dir = Fixtures.tempDir()
        // The raster spans lon 99.0000-99.0010, lat 18.0887-18.0896 (gdaltransform).
        let around = polygon([(98.99, 18.08), (99.01, 18.08), (99.01, 18.10), (98.99, 18.10), (98.99, 18.08)])
        let typo = polygon([(98.99, 18.08), (990.1, 18.08), (99.01, 18.10), (98.99, 18.10), (98.99, 18.08)])
        let z = try zones(dir, [("A", around), ("B", typo), ("C", around)], crs: "EPSG::4326")
        let r = try run(z, try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 100); XCTAssertEqual(countMean(r, "A").1, 49.5)
        XCTAssertEqual(countMean(r, "C").0, 100); XCTAssertEqual(countMean(r, "C").1, 49.5)
        XCTAssertTrue(r.units[1].isEmptyGeometry, "the feature with the bad vertex gets an empty row")
        XCTAssertNil(countMean(r, "B").1)
        let named = r.warnings.filter { $0.message.contains("feature 1 (id=B)") }
        XCTAssertEqual(named.count, 1, "\(r.warnings)")
        XCTAssertFalse(r.warnings.contains { $0.message.contains("taking them as the raster's CRS") }, "\(r.warnings)")
    }

    func testLayerWhoseCoordinatesAreNotDegreesIsStillTakenAsTheRasters() throws {
        // A wrong .prj (WGS 84 on UTM coordinates): every feature out of range, as before.
        let dir = Fixtures.tempDir()
        let z = try zones(dir, [("A", aroundRaster), ("C", aroundRaster)], crs: "EPSG::4326")
        let r = try run(z, try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 100); XCTAssertEqual(countMean(r, "C").1, 49.5)
        XCTAssertTrue(r.warnings.contains { $0.kind == .crs && $0.message.contains("not degrees") }, "\(r.warnings)")
    }

    // MARK: 3. raster without a CRS

    func testRasterWithoutCRSWarnsAndRefusesArea() throws {
        let dir = Fixtures.tempDir()
        let p = dir + "/nocrs.tif"
        try tool("gdal_create", ["-q", "-of", "GTiff", "-outsize", "10", "10", "-ot", "Float32", "-burn", "2",
                                 "-a_ullr", "500000", "2000100", "500100", "2000000", p])
        let z = try zones(dir, [("A", aroundRaster)])
        let r = try run(z, p)
        XCTAssertEqual(countMean(r, "A").0, 100); XCTAssertEqual(countMean(r, "A").1, 2)
        XCTAssertTrue(r.warnings.contains { $0.kind == .crs && $0.message.contains(p) }, "\(r.warnings)")
        for s in [Statistic.area, .classArea] {
            XCTAssertThrowsError(try run(z, p, stats: [.count, s])) { e in
                XCTAssertEqual((e as? GeoKitError)?.kind, .crs, "\(e)")
                XCTAssertEqual((e as? GeoKitError)?.file, p)
                XCTAssertTrue("\(e)".contains("no CRS"), "\(e)")
            }
        }
    }

    // MARK: 4. points and lines as zones

    func testPointAndLineZonesAreSummarised() throws {
        // Issue 15: they used to give an empty table (then an error). The point (500050,
        // 2000050) is on the corner of cells: it takes the cell right and below, row 5 col 5
        // (value 55). The line runs diagonally through one cell, row 4 col 5 (value 45), and
        // weighs its length there, sqrt(10^2 + 10^2) m.
        let dir = Fixtures.tempDir()
        let z = try zones(dir, [("A", "{\"type\":\"Point\",\"coordinates\":[500050,2000050]}"),
                                ("B", "{\"type\":\"LineString\",\"coordinates\":[[500050,2000050],[500060,2000060]]}")])
        let r = try run(z, try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 1); XCTAssertEqual(countMean(r, "A").1, 55)
        XCTAssertEqual(countMean(r, "B").0!, 200.0.squareRoot(), accuracy: 1e-9); XCTAssertEqual(countMean(r, "B").1, 45)
    }

    func testMixedLayerTakesEachFeatureByItsType() throws {
        let dir = Fixtures.tempDir()
        let z = try zones(dir, [("A", aroundRaster), ("B", "{\"type\":\"Point\",\"coordinates\":[500050,2000050]}")])
        let r = try run(z, try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 100)
        XCTAssertFalse(r.units[1].isEmptyGeometry)
        XCTAssertEqual(countMean(r, "B").0, 1); XCTAssertEqual(countMean(r, "B").1, 55)
        XCTAssertFalse(r.warnings.contains { $0.message.contains("no polygonal part") }, "\(r.warnings)")
    }

    // MARK: 5. unclosed rings

    func testUnclosedRingIsClosedAndWarnedOnce() throws {
        let dir = Fixtures.tempDir()
        let open = polygon([(499_000, 1_999_000), (501_000, 1_999_000), (501_000, 2_001_000), (499_000, 2_001_000)])
        let r = try run(try zones(dir, [("A", open), ("B", aroundRaster)]), try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 100); XCTAssertEqual(countMean(r, "A").1, 49.5)
        let about = r.warnings.filter { $0.message.lowercased().contains("closed") }
        XCTAssertEqual(about.count, 1, "\(r.warnings)")
        XCTAssertTrue(about.first?.message.contains("feature 0 (id=A)") == true, "\(about)")
    }

    // MARK: 6. far-away vertices

    func testPolygonReachingFarAwayKeepsExactCoverage() throws {
        let g = Self.grid
        // Covers the whole raster and runs to x = 1e20.
        let far = MultiPolygon([Polygon(shell: Ring([(499_000, 1_999_000), (1e20, 1_999_000), (1e20, 2_001_000), (499_000, 2_001_000)]))])
        let gp = GridPolygon(far, on: g)
        let w = gp.window(in: g.full)
        XCTAssertEqual(w, g.full)
        XCTAssertEqual(gp.coverage(.exact, in: w).coveredCells, 100)
        XCTAssertEqual(gp.coverage(.center, in: w).coveredCells, 100)
        // A triangle with its far vertex at x = 1e20: its edges cross the raster at the
        // rows' boundaries, exact coverage is the area inside in cells: y from 1999000 to
        // 2001000 at the far end; within the raster (x < 500100) the edges are horizontal to
        // within 1e-13 m, so every cell is covered.
        let tri = MultiPolygon([Polygon(shell: Ring([(499_000, 1_999_000), (1e20, 2_000_050), (499_000, 2_001_000)]))])
        let gt = GridPolygon(tri, on: g)
        XCTAssertEqual(gt.coverage(.exact, in: gt.window(in: g.full)).coveredCells, 100, accuracy: 1e-9)
        // A hole of 3 x 2 cells (x 500020-500050, y 2000060-2000080) in that far-reaching shell: 94 cells.
        let holed = MultiPolygon([Polygon(shell: Ring([(499_000, 1_999_000), (1e20, 1_999_000), (1e20, 2_001_000), (499_000, 2_001_000)]),
                                          holes: [Ring([(500_020, 2_000_060), (500_050, 2_000_060), (500_050, 2_000_080), (500_020, 2_000_080), (500_020, 2_000_060)])])])
        let gh = GridPolygon(holed, on: g)
        XCTAssertEqual(gh.coverage(.exact, in: g.full).coveredCells, 100 - 3 * 2)
        // End to end through GDAL.
        let dir = Fixtures.tempDir()
        let z = try zones(dir, [("A", polygon([(499_000, 1_999_000), (1e20, 1_999_000), (1e20, 2_001_000), (499_000, 2_001_000), (499_000, 1_999_000)]))])
        let r = try run(z, try raster(dir))
        XCTAssertEqual(countMean(r, "A").0, 100); XCTAssertEqual(countMean(r, "A").1, 49.5)
    }

    // MARK: 7. Latin-1 text

    func testLatin1TextIsDetectedAndWarnedOncePerField() throws {
        let dir = Fixtures.tempDir()
        let p = dir + "/latin1.geojson"
        var bytes = Array("{\"type\":\"FeatureCollection\",\"features\":[".utf8)
        for (i, name) in [[0x53, 0xE3, 0x6F], [0x4A, 0x6F, 0x73, 0xE9]].enumerated() {   // "São", "José" in Latin-1
            if i > 0 { bytes += Array(",".utf8) }
            bytes += Array("{\"type\":\"Feature\",\"properties\":{\"id\":\"Z\(i)\",\"name\":\"".utf8) + name.map(UInt8.init)
            bytes += Array("\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}}".utf8)
        }
        bytes += Array("]}".utf8)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        let l = try VectorDataset(path: p).readZones(idField: "id", includeFields: ["name"])
        XCTAssertEqual(l.zones.map(\.attributes), [["São"], ["José"]])
        let w = l.warnings.filter { $0.kind == .input }
        XCTAssertEqual(w.count, 1, "\(l.warnings)")
        XCTAssertTrue(w.first?.message.contains("'name'") == true, "\(w)")
        XCTAssertFalse(l.warnings.contains { $0.message.contains("'id'") })
    }

    func testShapefileEncodingFromItsCPGIsPreferred() throws {
        let dir = Fixtures.tempDir()
        let src = dir + "/u.geojson"
        try "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":\"A\",\"name\":\"São José\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"
            .write(toFile: src, atomically: true, encoding: .utf8)
        let shp = dir + "/z.shp"
        try tool("ogr2ogr", ["-a_srs", "EPSG:4326", "-lco", "ENCODING=ISO-8859-1", shp, src])
        let withCPG = try VectorDataset(path: shp).readZones(idField: "id", includeFields: ["name"])
        XCTAssertEqual(withCPG.zones[0].attributes, ["São José"])
        XCTAssertFalse(withCPG.warnings.contains { $0.kind == .input }, "GDAL recodes through the .cpg: \(withCPG.warnings)")
        try FileManager.default.removeItem(atPath: dir + "/z.cpg")
        let without = try VectorDataset(path: shp).readZones(idField: "id", includeFields: ["name"])
        XCTAssertEqual(without.zones[0].attributes, ["São José"])
        XCTAssertEqual(without.warnings.filter { $0.kind == .input && $0.message.contains("'name'") }.count, 1, "\(without.warnings)")
    }
}
