import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// A many-band raster (a daily cube) through the engine: its bands folded together
/// (`BandBlock`), read in place from the caller's memory (`BufferRaster`) or decoded
/// (`ArrayRaster`), each row band's sources cut into pieces that several workers fold, give
/// the same bits as the bands run one at a time (the band-by-band fold, which
/// `ZonalEngineTests` holds to brute-force numbers), for any thread count.
final class CubeEngineTests: XCTestCase {
    static let grid = Grid(left: 100, top: 50, dx: 2, dy: 0.5, cols: 40, rows: 90)
    static let bands = 24

    /// Band b's cell (r, c): quarters (exact in Float32), with NaN and nodata sprinkled.
    static func value(_ b: Int, _ r: Int, _ c: Int) -> Double {
        if (r * 5 + c + b) % 31 == 0 { return -999 }
        if (r + c * 3 + b * 7) % 53 == 0 { return .nan }
        let k: Int = (r * 37 + c * 11 + b * 13) % 29
        return Double(k) * 0.25 - 3 + Double(b)
    }

    static let planes: [[Double]] = (0..<bands).map { b in (0..<grid.rows).flatMap { r in (0..<grid.cols).map { c in value(b, r, c) } } }

    /// Small zones (a few cells, fractions at their edges) and large ones crossing row bands.
    static let zones: [Zone] = {
        var out: [Zone] = []
        for k in 0..<60 {
            let c0 = Double(k % 12) * 3.3 + 0.2, r0 = Double(k / 12) * 17.1 + 0.4
            out.append(ZonalEngineTests.zone(out.count, [.init(shell: .init(c0: c0, r0: r0, c1: c0 + 2.45, r1: r0 + 3.7))]))
        }
        out.append(ZonalEngineTests.zone(out.count, [.init(shell: .init(c0: 1.5, r0: 2.25, c1: 38.6, r1: 87.3),
                                                          holes: [.init(c0: 10.5, r0: 20.5, c1: 20.25, r1: 40.75)])]))
        out.append(ZonalEngineTests.zone(out.count, [.init(shell: .init(c0: 30.1, r0: 0, c1: 40, r1: 90))]))
        return out
    }()

    /// Every zone's accumulators of every band, from one engine run over `sources`.
    func run(_ sources: [BandSource], stats: [Statistic], threads: Int, minBandRows: Int = 8) throws -> [[ZoneStats]] {
        var opts = EngineOptions()
        opts.stats = stats; opts.threads = threads; opts.minBandRows = minBandRows
        let engine = ZonalEngine(grid: Self.grid, areaModel: .planar(metresPerUnit: 10), sources: sources, options: opts)
        var out = [[ZoneStats]](repeating: [ZoneStats](repeating: ZoneStats(), count: sources.count), count: Self.zones.count)
        try engine.run(zones: Self.zones, sink: { z, first, accs in
            for (k, a) in accs.enumerated() { out[z][first + k] = a }
        })
        return out
    }

    static func bits(_ s: ZoneStats) -> [UInt64] {
        [s.count, s.sum, s.mean, s.m2, s.min, s.max, s.nodataCount, s.area, s.totalArea, s.weightCount, s.weightSum]
            .map(\.bitPattern) + [UInt64(s.cells)]
    }

    func assertSameBits(_ a: [[ZoneStats]], _ b: [[ZoneStats]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for z in a.indices {
            for s in a[z].indices where Self.bits(a[z][s]) != Self.bits(b[z][s]) {
                XCTFail("\(what): zone \(z) band \(s + 1) differs", file: file, line: line)
                return
            }
        }
    }

    func check(stats: [Statistic]) throws {
        let array = ArrayRaster(grid: Self.grid, bands: Self.planes.map { .init($0, type: .float32, nodata: -999) }, blockRows: 8)
        let arraySources = array.bands.map { BandSource(raster: array.opener, band: $0.index, info: $0) }
        // The bands one at a time: the band-by-band fold.
        var oneByOne = [[ZoneStats]](repeating: [], count: Self.zones.count)
        for s in arraySources {
            let r = try run([s], stats: stats, threads: 1)
            for z in r.indices { oneByOne[z].append(r[z][0]) }
        }
        // The caller's Float32 cube, read in place.
        let floats = Self.planes.flatMap { $0.map(Float.init) }
        try floats.withUnsafeBytes { buf in
            let cube = BufferRaster(name: "cube", base: buf.baseAddress!, type: .float32, bandCount: Self.bands, grid: Self.grid,
                                    nodata: -999, blockRows: 8)
            let cubeSources = cube.bands.map { BandSource(raster: cube.opener, band: $0.index, info: $0) }
            for threads in [1, 2, 3] {
                assertSameBits(try run(arraySources, stats: stats, threads: threads), oneByOne, "decoded, \(threads) threads")
                assertSameBits(try run(cubeSources, stats: stats, threads: threads), oneByOne, "in place, \(threads) threads")
            }
        }
        // The cube as a tiled GeoTIFF with DEFLATE and the floating-point predictor: its
        // bands decoded block by block with each cell's bands side by side (`readSideBySide`).
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeGeoTIFF(path: dir + "/plain.tif", grid: Self.grid, bands: Self.planes.map { $0.map(Float.init) }, nodata: -999)
        let r = try runProcess("/usr/bin/gdal_translate", ["-q", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16",
                                                         "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "INTERLEAVE=BAND",
                                                         dir + "/plain.tif", dir + "/cube.tif"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let tiff = try Raster(path: dir + "/cube.tif")
        let tiffSources = tiff.bands.map { BandSource(raster: Raster.opener(path: dir + "/cube.tif"), band: $0.index, info: $0) }
        // Its row bands are its 16-row tiles (the arrays' are 8 rows): against its own bands
        // one at a time, and against the arrays cut the same way.
        var tiffOneByOne = [[ZoneStats]](repeating: [], count: Self.zones.count)
        for s in tiffSources {
            let r = try run([s], stats: stats, threads: 1, minBandRows: 16)
            for z in r.indices { tiffOneByOne[z].append(r[z][0]) }
        }
        let arrays16 = ArrayRaster(grid: Self.grid, bands: Self.planes.map { .init($0, type: .float32, nodata: -999) }, blockRows: 16)
        assertSameBits(try run(arrays16.bands.map { BandSource(raster: arrays16.opener, band: $0.index, info: $0) }, stats: stats,
                               threads: 1, minBandRows: 16), tiffOneByOne, "arrays in 16-row bands")
        for threads in [1, 2] {
            assertSameBits(try run(tiffSources, stats: stats, threads: threads, minBandRows: 16), tiffOneByOne, "GeoTIFF, \(threads) threads")
        }
        let buf = UnsafeMutableRawPointer.allocate(byteCount: Self.grid.cols * 16 * 2 * 4, alignment: 8)
        defer { buf.deallocate() }
        XCTAssertTrue(try tiff.readSideBySide(bands: [1, 2], window: Window(row: 0, col: 0, rows: 16, cols: Self.grid.cols), as: .float32, into: buf),
                      "the GeoTIFF's bands are read side by side")
    }

    func testCubeWithoutMoments() throws { try check(stats: [.mean, .max]) }

    /// Row bands' partials reuse the memory of those merged before: on one thread, one
    /// partial for all 12 row bands, as the merger hands each back as soon as it is merged
    /// (it waited for the next delivery, so the worker took a second for its next row band;
    /// and each was allocated afresh when the worker's copy of a recycled array shared its
    /// buffer and copied it on its first change). `check` holds the results of partials so
    /// reused to those of the bands run one at a time.
    func testPartialsAreRecycled() throws {
        for zoneMajor in [true, false] {
            let array = ArrayRaster(grid: Self.grid, bands: Self.planes.map { .init($0, type: .float32, nodata: -999) }, blockRows: 8)
            // With a class statistic the partials stay band-major.
            let stats: [Statistic] = zoneMajor ? [.mean, .max] : [.mean, .majority]
            var opts = EngineOptions()
            opts.stats = stats; opts.threads = 1; opts.minBandRows = 8
            let engine = ZonalEngine(grid: Self.grid, areaModel: .planar(metresPerUnit: 10),
                                     sources: array.bands.map { BandSource(raster: array.opener, band: $0.index, info: $0) }, options: opts)
            try engine.run(zones: Self.zones, sink: { _, _, _ in })
            XCTAssertEqual(engine.rowsPerBand(readCols: Self.grid.cols), 8)
            XCTAssertEqual(engine.partialAllocations, 1, "12 row bands, zone-major: \(zoneMajor)")
        }
    }

    /// Each worker allocates its decode buffer once, though the row bands read widen (the
    /// first one's zone reaches 6 columns, the others' 40) and a row band's pieces differ by
    /// a band (21 bands in pieces of 10 and 11): a grown buffer was a new one, its pages
    /// faulted in afresh.
    func testDecodeBufferAllocatedOnce() throws {
        let planes = (0..<21).map { Self.planes[$0 % Self.bands] }
        let array = ArrayRaster(grid: Self.grid, bands: planes.map { .init($0, type: .float32, nodata: -999) }, blockRows: 8)
        let zones = [ZonalEngineTests.zone(0, [.init(shell: .init(c0: 0.5, r0: 0.5, c1: 5.5, r1: 7.5))]),
                     ZonalEngineTests.zone(1, [.init(shell: .init(c0: 0.25, r0: 8.5, c1: 39.5, r1: 89.5))])]
        for threads in [1, 2] {
            var opts = EngineOptions()
            opts.stats = [.mean, .max]; opts.threads = threads; opts.minBandRows = 8
            let engine = ZonalEngine(grid: Self.grid, areaModel: .planar(metresPerUnit: 10),
                                     sources: array.bands.map { BandSource(raster: array.opener, band: $0.index, info: $0) }, options: opts)
            XCTAssertEqual(ZonalEngine.piecesPerBand(rowBands: 12, sources: 21, threads: 2), 2)
            try engine.run(zones: zones, sink: { _, _, _ in })
            XCTAssertEqual(engine.decodeAllocations, threads, "\(threads) threads")
        }
    }

    func testCubeWithMoments() throws { try check(stats: [.count, .sum, .mean, .min, .max, .variance, .cells, .nodataFrac]) }

    func testBandsDecodeApartOnlyInSeparatePlanes() throws {
        // A band-interleaved GeoTIFF's bands are cut into pieces; a pixel-interleaved one's
        // tiles hold every band, so they are not (each worker would decode every tile).
        let dir = Fixtures.tempDir()
        let src = Fixtures.path("mimu/rainfall_dekad.tif")
        for (interleave, apart) in [("BAND", true), ("PIXEL", false)] {
            let out = dir + "/three-\(interleave).tif"
            let r = try runProcess("/usr/bin/gdal_translate", ["-q", "-b", "1", "-b", "1", "-b", "1", "-co", "TILED=YES",
                                                             "-co", "INTERLEAVE=\(interleave)", src, out])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Raster(path: out).bands.map(\.decodesApart), [apart, apart, apart], interleave)
        }
        XCTAssertTrue(try Raster(path: src).bands.allSatisfy(\.decodesApart), "one band")
    }

    func testPieces() {
        // Consecutive, in order, covering the range, sizes within one.
        let r = 5..<29
        for n in 1...7 {
            let parts = (0..<n).map { ZonalEngine.piece($0, of: n, r) }
            XCTAssertEqual(parts.first?.lowerBound, 5); XCTAssertEqual(parts.last?.upperBound, 29)
            for k in 1..<n { XCTAssertEqual(parts[k - 1].upperBound, parts[k].lowerBound) }
            XCTAssertLessThanOrEqual(parts.map(\.count).max()! - parts.map(\.count).min()!, 1)
        }
        XCTAssertEqual(ZonalEngine.piecesPerBand(rowBands: 9, sources: 90, threads: 2), 4)
        XCTAssertEqual(ZonalEngine.piecesPerBand(rowBands: 9, sources: 90, threads: 1), 1)
        XCTAssertEqual(ZonalEngine.piecesPerBand(rowBands: 100, sources: 90, threads: 2), 1)
        XCTAssertEqual(ZonalEngine.piecesPerBand(rowBands: 9, sources: 1, threads: 2), 1)
    }

    /// Sources a pass takes: `pieces + 2 * threads` pieces alive, each a `pieces`th of the
    /// chunk's sources, within the budget (figures by hand).
    func testSourcesPerPassFitTheLivePieces() {
        // The 90-band cube x village tracts at 512 MB (a third for partials, 178,956,970 bytes):
        // 3,920 zones in a row band, 128-byte accumulators, 4 pieces, 2 threads: 8 pieces of
        // 44 sources fit (178,956,970 / (8 x 501,760) = 44.6), so 176 sources: all 90.
        let perSource = 3_920 * 128
        XCTAssertEqual(ZonalEngine.sourcesPerPass(budget: (512 << 20) / 3, perSource: perSource, pieces: 4, threads: 2, sources: 90), 90)
        // At 128 MB: 44,739,242 / 4,014,080 = 11.1, so 4 x 11 = 44.
        XCTAssertEqual(ZonalEngine.sourcesPerPass(budget: (128 << 20) / 3, perSource: perSource, pieces: 4, threads: 2, sources: 90), 44)
        // Uncut (1 piece), 2 threads: 5 alive; 100 / (5 x 10) = 2.
        XCTAssertEqual(ZonalEngine.sourcesPerPass(budget: 100, perSource: 10, pieces: 1, threads: 2, sources: 90), 2)
        // At least one, at most all.
        XCTAssertEqual(ZonalEngine.sourcesPerPass(budget: 1, perSource: 10, pieces: 1, threads: 2, sources: 90), 1)
        XCTAssertEqual(ZonalEngine.sourcesPerPass(budget: 1 << 40, perSource: 10, pieces: 3, threads: 8, sources: 7), 7)
        XCTAssertEqual(ZonalEngine.livePieces(pieces: 4, threads: 2), 8)
    }
}
