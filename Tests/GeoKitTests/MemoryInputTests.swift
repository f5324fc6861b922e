import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// The C interface's inputs: a raster in the caller's memory (`MemoryRaster` over a
/// `BufferRaster`) and zones as WKB (`MemoryZones`) give the numbers the same raster and
/// zones read from their files give (the Python tests compare both with exactextract).
final class MemoryInputTests: XCTestCase {
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let townships = Fixtures.path("mimu/townships_clean.geojson")
    let stats: [Statistic] = [.count, .mean, .sum, .max]

    func testArrayAndWKBZonesGiveTheFilesNumbers() throws {
        let fromFiles = try ZonalJob(zonesPath: townships, idField: "TS_PCODE", rasters: [RasterSpec(name: "rain", path: rain)], stats: stats).run()

        let raster = try Raster(path: rain)
        var values = [Int16](repeating: 0, count: raster.grid.rows * raster.grid.cols)
        try values.withUnsafeMutableBytes { try raster.read(band: 1, window: raster.grid.full, as: .int16, into: $0.baseAddress!) }
        let layer = try VectorDataset(path: townships).readZones(idField: "TS_PCODE", keepWKB: true)
        let zones = MemoryZones(name: "<zones>", wkb: layer.zones.map { $0.wkb ?? [] }, ids: layer.zones.map(\.id), crs: layer.crsWKT)

        let fromMemory = try values.withUnsafeBytes { buf -> ZonalResult in
            let array = BufferRaster(name: "<rain>", base: buf.baseAddress!, type: .int16, bandCount: 1, grid: raster.grid,
                                     nodata: raster.bands[0].nodata)
            let m = MemoryRaster(source: array.opener, grid: raster.grid, bands: array.bands, crs: raster.spatialReference?.wkt)
            var job = ZonalJob(zonesPath: zones.name, idField: MemoryZones.idField, rasters: [RasterSpec(name: "rain", memory: m)], stats: stats)
            job.memoryZones = zones
            return try job.run()
        }
        XCTAssertEqual(fromMemory.units.map(\.id), fromFiles.units.map(\.id))
        XCTAssertEqual(fromMemory.units.count, 328)
        // The same cells and coverage; sums may differ in the last bits (the WKB's points
        // through OGR's Memory layer are the file's, but zone geometry is rebuilt on another path).
        for (a, b) in zip(fromMemory.units, fromFiles.units) {
            for k in b.scalar.indices {
                if b.scalar[k].isNaN { XCTAssertTrue(a.scalar[k].isNaN, "\(b.id) \(stats[k].name)"); continue }
                assertRelative(a.scalar[k], b.scalar[k], 1e-9, "\(b.id) \(stats[k].name)")
            }
        }
    }

    /// Two runs with the same zones and caches over two rasters on one grid: the second reads
    /// no zones and computes no coverage, and gives what a run without caches gives.
    func testCachesKeepZonesAndCoverageForTheNextRun() throws {
        let raster = try Raster(path: rain)
        var first = [Int16](repeating: 0, count: raster.grid.rows * raster.grid.cols)
        try first.withUnsafeMutableBytes { try raster.read(band: 1, window: raster.grid.full, as: .int16, into: $0.baseAddress!) }
        let nodata = raster.bands[0].nodata!
        let second = first.map { Double($0) == nodata ? $0 : $0 &+ 7 }
        let zoneCache = ZoneCache(), coverageCache = CoverageCache()
        func run(_ values: [Int16], cached: Bool) throws -> ZonalResult {
            try values.withUnsafeBytes { buf in
                let array = BufferRaster(name: "<rain>", base: buf.baseAddress!, type: .int16, bandCount: 1, grid: raster.grid, nodata: nodata)
                let m = MemoryRaster(source: array.opener, grid: raster.grid, bands: array.bands, crs: raster.spatialReference?.wkt)
                var job = ZonalJob(zonesPath: townships, idField: "TS_PCODE", rasters: [RasterSpec(name: "rain", memory: m)], stats: stats)
                if cached { job.zoneCache = zoneCache; job.coverageCache = coverageCache }
                return try job.run()
            }
        }
        _ = try run(first, cached: true)
        XCTAssertEqual(zoneCache.hits, 0)
        XCTAssertEqual(coverageCache.hits, 0)
        let reused = try run(second, cached: true)
        XCTAssertEqual(zoneCache.hits, 1)
        XCTAssertEqual(coverageCache.hits, 1)
        let fresh = try run(second, cached: false)
        XCTAssertEqual(reused.units.map(\.id), fresh.units.map(\.id))
        for (a, b) in zip(reused.units, fresh.units) {
            for k in b.scalar.indices {
                XCTAssertTrue(a.scalar[k] == b.scalar[k] || (a.scalar[k].isNaN && b.scalar[k].isNaN), "\(b.id) \(stats[k].name)")
            }
        }
        // The means moved by the 7 added to every valid cell.
        let meanIndex = stats.firstIndex(of: .mean)!
        let firstRun = try run(first, cached: false)
        for (a, b) in zip(fresh.units, firstRun.units) where !b.scalar[meanIndex].isNaN {
            XCTAssertEqual(a.scalar[meanIndex], b.scalar[meanIndex] + 7, accuracy: 1e-9, a.id)
        }
    }

    /// A lone ring that is certainly a valid polygon is made straight from its WKB (no OGR
    /// feature); every other zone goes through OGR and GEOS as a file's does: a bow tie is
    /// repaired (two triangles of area 1 each, by hand), a hole is kept, a point stays a point.
    func testLoneRingsAreMadeFromTheWKBAndTheRestAsAFilesAre() throws {
        let square: [(Double, Double)] = [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
        let bowtie: [(Double, Double)] = [(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)]
        let big: [(Double, Double)] = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
        let hole: [(Double, Double)] = [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]
        let point: [UInt8] = [1, 1, 0, 0, 0] + bytes(5.0) + bytes(6.0)
        let wkb = [polygonWKB([square]), wkbOf(MultiPolygon([Polygon(shell: Ring(square))])), polygonWKB([bowtie]),
                   polygonWKB([big, hole]), point, []]
        let layer = try readMemoryZones(name: "<gdf>", wkb: wkb, ids: ["sq", "msq", "bow", "holed", "pt", "none"], crs: nil, target: nil)
        XCTAssertEqual(layer.zonesFromStream, 2)
        let z = layer.zones
        XCTAssertEqual(z.map(\.id), ["sq", "msq", "bow", "holed", "pt", "none"])
        for k in 0..<2 {
            XCTAssertEqual(z[k].geometry.polygons.count, 1)
            XCTAssertEqual(z[k].geometry.polygons[0].shell.points, square.map { Point($0.0, $0.1) })
            XCTAssertEqual(z[k].geometry.polygons[0].holes.count, 0)
        }
        XCTAssertEqual(z[2].geometry.polygons.count, 2)
        XCTAssertEqual(z[2].geometry.area, 2, accuracy: 1e-12)
        XCTAssertEqual(z[3].geometry.polygons.first?.holes.count, 1)
        XCTAssertEqual(z[3].geometry.area, 15, accuracy: 1e-12)
        XCTAssertEqual(z[4].points, [Point(5, 6)])
        XCTAssertTrue(z[5].isEmpty)
        XCTAssertEqual(layer.warnings.compactMap(\.topic), [.repairedGeometry, .noGeometry])
    }

    private func bytes(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    private func bytes(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// ISO WKB of a Polygon (type 3, as shapely writes a GeoDataFrame's polygons).
    private func polygonWKB(_ rings: [[(Double, Double)]]) -> [UInt8] {
        var b: [UInt8] = [1] + bytes(UInt32(3)) + bytes(UInt32(rings.count))
        for r in rings {
            b += bytes(UInt32(r.count))
            for (x, y) in r { b += bytes(x) + bytes(y) }
        }
        return b
    }

    func testZonesThatAreNotWKBAreAnInputErrorNamingThem() {
        XCTAssertThrowsError(try readMemoryZones(name: "<gdf>", wkb: [[1, 2, 3]], ids: ["a"], crs: nil, target: nil)) { e in
            XCTAssertEqual((e as? GeoKitError)?.kind, .input)
            XCTAssertEqual((e as? GeoKitError)?.file, "<gdf>")
        }
    }

    func testACancelledRunThrowsCancelled() {
        var job = ZonalJob(zonesPath: townships, idField: "TS_PCODE", rasters: [RasterSpec(name: "rain", path: rain)], stats: [.mean])
        let c = Cancellation()
        c.cancel()
        job.cancellation = c
        XCTAssertThrowsError(try job.run()) { e in XCTAssertEqual((e as? GeoKitError)?.kind, .cancelled) }
    }
}
