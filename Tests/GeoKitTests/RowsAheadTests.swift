import XCTest
import Foundation
import GeoCore
import GeoGDAL
@testable import GeoKit
import GeoTestSupport

/// A wide CSV table's zone rows formatted while the engine runs (`ZonalJob.rowsAhead`,
/// RowsAhead.swift) must be the bytes the writer makes on its own after the run: the same
/// table, byte for byte, as a run without them, at one thread and two, with text cells that
/// need quoting and the formula guard, NaN and nodata cells, a zone without geometry and
/// one outside the raster.
final class RowsAheadTests: XCTestCase {
    static let grid = Grid(left: 95, top: 22, dx: 0.01, dy: 0.01, cols: 60, rows: 150)
    static let bands = 6

    /// A tiled 16x16 GeoTIFF cube, DEFLATE with the floating-point predictor (decoded with
    /// each cell's bands side by side), quarter values with NaN and nodata sprinkled; and
    /// its zones.
    func fixture() throws -> (zones: String, raster: String, dir: String) {
        let dir = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let g = Self.grid
        let planes: [[Float]] = (0..<Self.bands).map { b in
            (0..<g.rows).flatMap { r in
                (0..<g.cols).map { c -> Float in
                    if (r * 5 + c + b) % 31 == 0 { return -999 }
                    if (r + c * 3 + b * 7) % 53 == 0 { return .nan }
                    return Float((r * 37 + c * 11 + b * 13) % 29) * 0.25 - 3 + Float(b)
                }
            }
        }
        try writeGeoTIFF(path: dir + "/plain.tif", grid: g, bands: planes, nodata: -999)
        let r = try runProcess("/usr/bin/gdal_translate", ["-q", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16",
                                                         "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "INTERLEAVE=BAND",
                                                         dir + "/plain.tif", dir + "/cube.tif"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // 60 boxes cutting cells, in rows down the grid (row bands of 64 rows: zones in the
        // first are final before the last band is read), a feature without geometry, one
        // outside the raster; names with a comma, a quote and a leading '='.
        var features: [String] = []
        func feature(_ id: String, _ name: String, _ geometry: String) {
            features.append(#"{"type":"Feature","properties":{"id":"\#(id)","name":"\#(name)"},"geometry":\#(geometry)}"#)
        }
        func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> String {
            #"{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x1),\#(y0)],[\#(x1),\#(y1)],[\#(x0),\#(y1)],[\#(x0),\#(y0)]]]}"#
        }
        for k in 0..<60 {
            let x0 = 95.0013 + Double(k % 6) * 0.0987, y0 = 21.9771 - Double(k / 6) * 0.1437
            let name = ["plain", "a, b", "say \\\"hi\\\"", "=1+2"][k % 4]
            feature(String(format: "Z%02d", k), name, box(x0, y0 - 0.0412 - Double(k % 3) * 0.02, x0 + 0.0631, y0))
        }
        feature("Z60", "no geometry", "null")
        feature("Z61", "outside", box(10, 10, 10.5, 10.5))
        feature("Z62", "all", box(95.003, 20.52, 95.597, 21.996))
        let zones = dir + "/zones.geojson"
        try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}")
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return (zones, dir + "/cube.tif", dir)
    }

    /// The table `zonal -o OUT.csv` writes for `job`'s result (`guardFormulas` as given).
    func table(_ job: ZonalJob, dir: String, guardFormulas: Bool) throws -> (bytes: Data, result: ZonalResult) {
        let result = try job.run()
        let out = dir + "/t\(UUID().uuidString).csv"
        try result.write(to: out, format: .wide, hxl: false, guardFormulas: guardFormulas,
                         run: RunInfo(commandLine: "test", started: Date(), seconds: 0, hashes: [:], format: .wide, hxl: false))
        return (try Data(contentsOf: URL(fileURLWithPath: out)), result)
    }

    func job(_ f: (zones: String, raster: String, dir: String), threads: Int, ahead: Bool, guardFormulas: Bool,
             chunk: Int? = 7, stats: [Statistic] = [.mean, .max, .count, .sum]) -> ZonalJob {
        var j = ZonalJob(zonesPath: f.zones, idField: "id", includeFields: ["name"],
                         rasters: [RasterSpec(name: "p", path: f.raster)], stats: stats)
        j.threads = threads
        if ahead {
            j.rowsAhead = RowsAheadRequest(guardsFormulas: guardFormulas)
            j.rowsAheadDrained = true
            j.rowsAheadChunkZones = chunk
        }
        return j
    }

    func testRowsFormattedAheadAreTheWritersBytes() throws {
        let f = try fixture()
        for guardFormulas in [true, false] {
            let plain = try table(job(f, threads: 1, ahead: false, guardFormulas: guardFormulas), dir: f.dir, guardFormulas: guardFormulas)
            XCTAssertNil(plain.result.rowsAhead, "not asked for")
            let text = String(decoding: plain.bytes, as: UTF8.self)
            XCTAssertEqual(text.split(separator: "\n").count, 1 + 63)
            XCTAssertEqual(text.contains(",'=1+2,"), guardFormulas, "the guard as asked")
            XCTAssertTrue(text.contains(",=1+2,") || guardFormulas)
            XCTAssertTrue(text.contains("\"a, b\""))
            for chunk in [7, 1, 100] {
                let ahead = try table(job(f, threads: 2, ahead: true, guardFormulas: guardFormulas, chunk: chunk), dir: f.dir,
                                      guardFormulas: guardFormulas)
                let rows = try XCTUnwrap(ahead.result.rowsAhead, "asked for, two threads")
                XCTAssertEqual(rows.chunkCount, (63 + chunk - 1) / chunk)
                XCTAssertEqual(rows.formatted, rows.chunkCount, "every chunk formatted ahead (drained)")
                XCTAssertEqual(ahead.bytes, plain.bytes, "guard \(guardFormulas), chunks of \(chunk)")
            }
            // Two threads without rows ahead: the same table too.
            XCTAssertEqual(try table(job(f, threads: 2, ahead: false, guardFormulas: guardFormulas), dir: f.dir,
                                     guardFormulas: guardFormulas).bytes, plain.bytes)
        }
    }

    /// The writer alone, its rows encoded in parallel chunks of 1 to 9 zones (several windows
    /// of chunks, each window's buffers those of the window before, emptied: a longer chunk
    /// followed by a shorter one in the same buffer), writes the bytes it writes in one piece.
    func testChunksEncodedInReusedBuffersAreTheWholeTable() throws {
        let f = try fixture()
        let one = try table(job(f, threads: 1, ahead: false, guardFormulas: true), dir: f.dir, guardFormulas: true)
        XCTAssertEqual(String(decoding: one.bytes, as: UTF8.self).split(separator: "\n").count, 1 + 63)
        for chunk in [1, 2, 5, 9] {
            var result = one.result
            result.writerChunkZones = chunk
            let out = f.dir + "/chunks\(chunk).csv"
            try result.write(to: out, format: .wide, hxl: false, guardFormulas: true,
                             run: RunInfo(commandLine: "test", started: Date(), seconds: 0, hashes: [:], format: .wide, hxl: false))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), one.bytes, "chunks of \(chunk) zones")
        }
    }

    /// Rows formatted with one guard are not used by a writer with the other, nor for a long
    /// table: the writer formats those itself.
    func testRowsAheadUnusedWhereTheTableDiffers() throws {
        let f = try fixture()
        let plain = try table(job(f, threads: 1, ahead: false, guardFormulas: false), dir: f.dir, guardFormulas: false)
        let other = try table(job(f, threads: 2, ahead: true, guardFormulas: true), dir: f.dir, guardFormulas: false)
        XCTAssertEqual(other.bytes, plain.bytes)
        let r = try job(f, threads: 2, ahead: true, guardFormulas: true).run()
        let out = f.dir + "/long.csv"
        try r.write(to: out, format: .long, hxl: false, guardFormulas: true,
                    run: RunInfo(commandLine: "test", started: Date(), seconds: 0, hashes: [:], format: .long, hxl: false))
        let base = try job(f, threads: 1, ahead: false, guardFormulas: true).run()
        let baseOut = f.dir + "/long1.csv"
        try base.write(to: baseOut, format: .long, hxl: false, guardFormulas: true,
                       run: RunInfo(commandLine: "test", started: Date(), seconds: 0, hashes: [:], format: .long, hxl: false))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: baseOut)))
    }

    /// Not taken where rows change after the engine (roll-ups, formulas, --min-coverage) or
    /// with one thread.
    func testNotTakenWhereRowsChangeAfterTheEngine() throws {
        let f = try fixture()
        XCTAssertNil(try job(f, threads: 1, ahead: true, guardFormulas: true).run().rowsAhead)
        var formula = job(f, threads: 2, ahead: true, guardFormulas: true)
        formula.formulas = [try NamedFormula(parsing: "twice = 2 * p_b1_mean")]
        XCTAssertNil(try formula.run().rowsAhead)
        var low = job(f, threads: 2, ahead: true, guardFormulas: true, stats: [.mean, .coverage])
        low.minCoverage = 0.5
        XCTAssertNil(try low.run().rowsAhead)
    }

    /// A cube whose last row of tiles (rows 144-149, the third row band) is garbage in every
    /// band: the run fails after the first row bands' zones were final (their rows formatted
    /// ahead), and nothing is written.
    /// The formatting thread lets go of the zones' values when it ends: a cube's store can be
    /// hundreds of megabytes, and the result's rows hold their own copies by then.
    func testTheZonesValuesAreLetGoWhenTheThreadEnds() throws {
        weak var weakStore: ScalarStore?
        let ahead: RowsAhead = {
            let store = ScalarStore(nanCount: 4 * 3, threads: 1)
            store.values[0] = 1.5
            weakStore = store
            return RowsAhead(ids: ["a", "b", "c", "d"], attributes: [[], [], [], []], store: store, width: 3, columns: [0, 1, 2],
                             expected: 1, chunkZones: 2, guardsFormulas: true, budget: 1 << 20, drainOnClose: true)
        }()
        XCTAssertNotNil(weakStore, "held until the thread has formatted")
        ahead.start()
        for z in 0..<4 { ahead.received(zone: z, accumulators: 1) }
        ahead.engineDone()
        let deadline = Date().addingTimeInterval(10)
        while weakStore != nil && Date() < deadline { usleep(1000) }
        XCTAssertNil(weakStore, "the values' store outlived the formatting thread")
        ahead.close()
        XCTAssertEqual(ahead.take(0).map { String(decoding: $0, as: UTF8.self) }, "a,1.5,,\nb,,,\n")
        XCTAssertEqual(ahead.take(1).map { String(decoding: $0, as: UTF8.self) }, "c,,,\nd,,,\n")
    }

    func testAnErrorMidRunWritesNothing() throws {
        let f = try fixture()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: f.raster)))
        let (offsets, sizes) = tileTable(bytes)
        let across = 4, down = 10
        XCTAssertEqual(offsets.count, Self.bands * across * down)
        for b in 0..<Self.bands {
            for c in 0..<across {
                let t = (b * down + down - 1) * across + c
                for i in offsets[t]..<(offsets[t] + sizes[t]) { bytes[i] = 0 }
            }
        }
        let cut = f.dir + "/cut.tif"
        try Data(bytes).write(to: URL(fileURLWithPath: cut))
        var j = job((f.zones, cut, f.dir), threads: 2, ahead: true, guardFormulas: true)
        j.rowsAheadDrained = false
        XCTAssertThrowsError(try j.run())
        let out = f.dir + "/cut.csv"
        let r = try runGeotool(["zonal", "--zones", f.zones, "--id", "id", "--raster", "p=" + cut, "--stats", "mean,max",
                                "--threads", "2", "--quiet", "-o", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("cut.tif"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let left = try FileManager.default.contentsOfDirectory(atPath: f.dir).filter { $0.hasPrefix("cut.csv") || $0.hasPrefix(".cut.csv") }
        XCTAssertEqual(left, [], "no temporaries left")
    }

    /// A classic little-endian TIFF's tile offsets and sizes (tags 324 and 325, SHORT or
    /// LONG), read from its first directory.
    func tileTable(_ b: [UInt8]) -> (offsets: [Int], sizes: [Int]) {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        XCTAssertEqual(Array(b[0..<4]), [0x49, 0x49, 42, 0], "classic little-endian TIFF")
        let ifd = u32(4)
        var offsets: [Int] = [], sizes: [Int] = []
        for e in 0..<u16(ifd) {
            let entry = ifd + 2 + 12 * e, tag = u16(entry), type = u16(entry + 2), n = u32(entry + 4)
            guard tag == 324 || tag == 325, type == 3 || type == 4 else { continue }
            let size = type == 3 ? 2 : 4
            let start = n * size <= 4 ? entry + 8 : u32(entry + 8)
            let values = (0..<n).map { size == 2 ? u16(start + 2 * $0) : u32(start + 4 * $0) }
            if tag == 324 { offsets = values } else { sizes = values }
        }
        return (offsets, sizes)
    }
}
