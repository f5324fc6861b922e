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
