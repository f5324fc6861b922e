import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// netCDF-4 variables of one-row chunks are read from their raw HDF5 chunks and inflated by
/// GeoGDAL (`NetCDFRowChunks`). The bytes must be GDAL's: every window of every band of the
/// fixtures (TestRasters/netcdf/make_row_chunks.py: float32/64, int16/32, uint8/16, with and
/// without shuffle, chunks as wide as the grid or not, latitudes north to south or south to
/// north, fill values and NaN) read both ways, GDALRasterIO being the oracle. Chunks
/// spanning two steps, an uncompressed variable, a chunk never written and the setting
/// GEOTOOL_NETCDF_RAW_CHUNKS=0 go to GDAL.
final class NetCDFRowChunksTests: XCTestCase {
    let dir = Fixtures.path("netcdf")
    let raw = ["rows_f32_shuffle.nc", "rows_f64_shuffle.nc", "rows_i16_asc.nc", "rows_u8_shuffle.nc", "rows_u16.nc",
               "rows_i32_shuffle.nc", "rows_degc.nc"]

    /// Windows of the 13 x 9 grid: whole, cutting chunk columns, one cell, one row, the last rows.
    let windows = [Window(row: 0, col: 0, rows: 9, cols: 13), Window(row: 2, col: 3, rows: 5, cols: 8),
                   Window(row: 8, col: 12, rows: 1, cols: 1), Window(row: 4, col: 0, rows: 1, cols: 13),
                   Window(row: 6, col: 6, rows: 3, cols: 7)]

    /// Band `band`'s `w` read by `r` (through raw chunks when it takes them) and by GDAL alone.
    private func bothWays(_ r: Raster, band: Int, _ w: Window) throws -> (ours: [UInt8], gdal: [UInt8]) {
        let type = r.bands[band - 1].type
        var ours = [UInt8](repeating: 0xAB, count: w.cellCount * type.size), gdal = [UInt8](repeating: 0xCD, count: ours.count)
        try ours.withUnsafeMutableBytes { try r.read(band: band, window: w, as: type, into: $0.baseAddress!) }
        try gdal.withUnsafeMutableBytes { try r.readWithGDAL(band: band, window: w, as: type, into: $0.baseAddress!) }
        return (ours, gdal)
    }

    private func assertAllWindowsAsGDAL(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try Raster(path: path)
        for band in 1...r.bands.count {
            for w in windows {
                let (ours, gdal) = try bothWays(r, band: band, w)
                XCTAssertEqual(ours, gdal, "\(path) band \(band) \(w)", file: file, line: line)
            }
        }
    }

    func testRawChunksReadAsGDAL() throws {
        for name in raw {
            let path = dir + "/" + name
            try assertAllWindowsAsGDAL(path)
            let r = try Raster(path: path)
            XCTAssertTrue(r.bands.allSatisfy(\.decodesApart), "\(name): one-row chunks decode apart")
            _ = try bothWays(r, band: 1, windows[0])
            XCTAssertEqual(r.rawChunksDecoded, 9 * Int((13 + chunkCols(name) - 1) / chunkCols(name)), "\(name): every chunk of the window raw")
        }
    }

    /// The NETCDF:"file":var form reads the same raw chunks.
    func testSubdatasetName() throws {
        let r = try Raster(path: "NETCDF:\"\(dir)/rows_f32_shuffle.nc\":v")
        let (ours, gdal) = try bothWays(r, band: 2, windows[1])
        XCTAssertEqual(ours, gdal)
        XCTAssertGreaterThan(r.rawChunksDecoded, 0)
    }

    private func chunkCols(_ name: String) -> Int { name == "rows_i16_asc.nc" ? 5 : name == "rows_i32_shuffle.nc" ? 7 : 13 }

    func testOtherLayoutsGoToGDAL() throws {
        for name in ["steps2.nc", "nofilter.nc"] {
            let path = dir + "/" + name
            try assertAllWindowsAsGDAL(path)
            let r = try Raster(path: path)
            _ = try bothWays(r, band: 1, windows[0])
            XCTAssertEqual(r.rawChunksDecoded, 0, name)
            XCTAssertFalse(r.bands.contains(where: \.decodesApart), "\(name): GDAL's netCDF reads are not cut between workers")
        }
    }

    /// A step never written has no chunks: GDAL reads its fill values; the others are raw.
    func testMissingChunksReadByGDAL() throws {
        let path = dir + "/rows_sparse.nc"
        try assertAllWindowsAsGDAL(path)
        let r = try Raster(path: path)
        let (ours, gdal) = try bothWays(r, band: 2, windows[0])
        XCTAssertEqual(ours, gdal)
        XCTAssertEqual(r.rawChunksDecoded, 0)
        let fill = (0..<(9 * 13)).flatMap { _ in withUnsafeBytes(of: Float(-9999)) { Array($0) } }
        XCTAssertEqual(ours, fill, "the unwritten step is its fill value")
        _ = try bothWays(r, band: 3, windows[0])
        XCTAssertEqual(r.rawChunksDecoded, 9)
    }

    func testSettingTurnsThePathOff() throws {
        setenv("GEOTOOL_NETCDF_RAW_CHUNKS", "0", 1)
        defer { unsetenv("GEOTOOL_NETCDF_RAW_CHUNKS") }
        let r = try Raster(path: dir + "/rows_f32_shuffle.nc")
        let (ours, gdal) = try bothWays(r, band: 1, windows[0])
        XCTAssertEqual(ours, gdal)
        XCTAssertEqual(r.rawChunksDecoded, 0)
    }

    /// HDF5's shuffle by hand: byte j of value k sits at j * n + k.
    /// Longitudes (which GDAL wraps) go to GDAL; other variables in degrees do not.
    /// HDF5's error printing is per thread (Debian's build is thread-safe): a worker thread that
    /// opens a netCDF-4 file must have it off too, or libnetcdf's failed probes for optional
    /// attributes print "HDF5-DIAG" stacks on the user's stderr.
    func testHDF5ErrorsAreQuietOnEveryThread() throws {
        final class Seen: @unchecked Sendable { var prints = true, opened = false }   // written by the thread, read after it
        let seen = Seen()
        let path = dir + "/nofilter.nc"
        GDAL.initialize()   // here first, as the CLI's main thread does before its workers
        let stderrText = try capturingStandardError {
            let done = DispatchSemaphore(value: 0)
            Thread {
                GDAL.initialize()
                seen.prints = GDAL.hdf5PrintsErrors
                seen.opened = (try? Raster(path: path).bands.count) != nil
                done.signal()
            }.start()
            done.wait()
        }
        XCTAssertTrue(seen.opened)
        XCTAssertFalse(seen.prints, "a worker thread's HDF5 errors still go to stderr")
        XCTAssertFalse(stderrText.contains("HDF5-DIAG"), stderrText)
    }

    /// A remote raster's open skips the HDF5 lock unless its name says netCDF or HDF5; local
    /// files always take it.
    func testWhichOpensTakeTheHDF5Lock() {
        XCTAssertTrue(HDF5Access.mayOpenHDF5("/data/ntl.tif"))
        XCTAssertTrue(HDF5Access.mayOpenHDF5("/data/rain.nc"))
        XCTAssertFalse(HDF5Access.mayOpenHDF5("/vsis3/bucket/ntl.tif"))
        XCTAssertFalse(HDF5Access.mayOpenHDF5("/vsicurl/https://example.org/cog.tif"))
        XCTAssertTrue(HDF5Access.mayOpenHDF5("/vsis3/bucket/rain.nc"))
        XCTAssertTrue(HDF5Access.mayOpenHDF5("/vsis3/bucket/swath.H5"))
        XCTAssertTrue(HDF5Access.mayOpenHDF5("NETCDF:\"/vsis3/bucket/rain\":precip"))
        XCTAssertTrue(HDF5Access.mayOpenHDF5("HDF5:\"/vsicurl/https://example.org/x\"://a/b"))
    }

    func testLongitudeLikeVariables() {
        XCTAssertTrue(isLongitudeLike(variable: "x", standardName: "longitude", longName: nil, units: nil))
        XCTAssertTrue(isLongitudeLike(variable: "x", standardName: nil, longName: "Longitude", units: nil))
        XCTAssertTrue(isLongitudeLike(variable: "x", standardName: nil, longName: nil, units: "degrees_east"))
        XCTAssertTrue(isLongitudeLike(variable: "x", standardName: nil, longName: nil, units: "degree_E"))
        XCTAssertTrue(isLongitudeLike(variable: "lon", standardName: nil, longName: nil, units: nil))
        XCTAssertFalse(isLongitudeLike(variable: "tas", standardName: "air_temperature", longName: "Near-surface air temperature",
                                       units: "degrees_Celsius"))
        XCTAssertFalse(isLongitudeLike(variable: "precip", standardName: nil, longName: nil, units: "mm"))
        XCTAssertFalse(isLongitudeLike(variable: "lat", standardName: "latitude", longName: nil, units: "degrees_north"))
    }

    func testUnshuffle() {
        let values: [UInt32] = [0x0403_0201, 0x0807_0605, 0x0C0B_0A09]
        let shuffled: [UInt8] = [0x01, 0x05, 0x09, 0x02, 0x06, 0x0A, 0x03, 0x07, 0x0B, 0x04, 0x08, 0x0C]
        var out = [UInt32](repeating: 0, count: 2)
        shuffled.withUnsafeBytes { s in out.withUnsafeMutableBytes { unshuffle(s.baseAddress!, elements: 3, elementBytes: 4, range: 1..<3, into: $0.baseAddress!) } }
        XCTAssertEqual(out, Array(values[1...]))
        let shorts: [UInt8] = [0x34, 0x78, 0x12, 0x56]   // 0x1234, 0x5678
        var s16 = [UInt16](repeating: 0, count: 2)
        shorts.withUnsafeBytes { s in s16.withUnsafeMutableBytes { unshuffle(s.baseAddress!, elements: 2, elementBytes: 2, range: 0..<2, into: $0.baseAddress!) } }
        XCTAssertEqual(s16, [0x1234, 0x5678])
        // Eight-byte values take the general loop.
        let longs: [UInt64] = [0x0102_0304_0506_0708, 0x1112_1314_1516_1718]
        let bytes = longs.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        let shuffled8 = (0..<8).flatMap { j in (0..<2).map { k in bytes[k * 8 + j] } }
        var s64 = [UInt64](repeating: 0, count: 2)
        shuffled8.withUnsafeBytes { s in s64.withUnsafeMutableBytes { unshuffle(s.baseAddress!, elements: 2, elementBytes: 8, range: 0..<2, into: $0.baseAddress!) } }
        XCTAssertEqual(s64, longs)
    }

    /// NaN of any sign or payload becomes the value; everything else stays as its bits
    /// (signed zeros, infinities, the largest values), for both float types, over lengths
    /// that leave every remainder of the vector loop.
    func testReplaceNaN() {
        let payload = Float(bitPattern: 0x7FC0_1234), negative = Float(bitPattern: 0xFFC0_0000)
        let kept: [Float] = [0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -1.5, .leastNonzeroMagnitude]
        for n in 1...37 {
            let v: [Float] = (0..<n).map { i in i % 3 == 0 ? [Float.nan, payload, negative][i % 9 / 3] : kept[i % kept.count] }
            var f = v
            f.withUnsafeMutableBytes { replaceNaN($0.baseAddress!, count: n, type: .float32, with: -9999) }
            XCTAssertEqual(f.map(\.bitPattern), v.map { ($0.isNaN ? Float(-9999) : $0).bitPattern }, "\(n) float32")
            let dv = v.map(Double.init)
            var d = dv
            d.withUnsafeMutableBytes { replaceNaN($0.baseAddress!, count: n, type: .float64, with: 1e300) }
            XCTAssertEqual(d.map(\.bitPattern), dv.map { ($0.isNaN ? 1e300 : $0).bitPattern }, "\(n) float64")
        }
        // Other types are left alone.
        var ints: [Int32] = [-1, 0x7FC0_0000]
        ints.withUnsafeMutableBytes { replaceNaN($0.baseAddress!, count: 2, type: .int32, with: 5) }
        XCTAssertEqual(ints, [-1, 0x7FC0_0000])
    }
}

/// What `body` writes to file descriptor 2 (HDF5 prints there directly, not through Swift).
private func capturingStandardError(_ body: () throws -> Void) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    let fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
    let saved = dup(2)
    fflush(stderr)
    dup2(fd, 2)
    defer { try? FileManager.default.removeItem(atPath: file) }
    do {
        try body()
    } catch {
        fflush(stderr); dup2(saved, 2); close(saved); close(fd)
        throw error
    }
    fflush(stderr); dup2(saved, 2); close(saved); close(fd)
    return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
}
