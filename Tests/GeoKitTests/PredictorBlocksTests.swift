import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// GeoTIFF blocks with DEFLATE and the floating-point predictor are decoded by GeoGDAL
/// (`PredictorBlocks`), not libtiff. The values read must be the very bits written: checked
/// against the arrays a test writes (then recompressed by gdal_translate), tiled and in
/// strips, Float32 and Float64, whole and in windows that cut blocks; a big-endian file
/// and another predictor go to GDAL and read the same.
final class PredictorBlocksTests: XCTestCase {
    private let cols = 70, rows = 45

    /// Noisy values of every kind: negative, tiny, huge, repeated, zero, NaN.
    private func values() -> [Float] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<(cols * rows)).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(state >> 40) / Float(1 << 24)
            switch i % 11 {
            case 0: return 0
            case 1: return .nan
            case 2: return -u * 1e30
            case 3: return u * 1e-30
            case 4, 5: return 12.5   // runs of one value
            default: return (u - 0.5) * 200
            }
        }
    }

    private func makeRasters() throws -> (plain: String, dir: String, values: [Float]) {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        let v = values()
        let grid = Grid(left: 92, top: 20, dx: 0.01, dy: 0.01, cols: cols, rows: rows)
        try writeGeoTIFF(path: d + "/plain.tif", grid: grid, bands: [v])
        return (d + "/plain.tif", d, v)
    }

    private func translate(_ src: String, _ dst: String, _ options: [String]) throws {
        let r = try runProcess("/usr/bin/gdal_translate", ["-q"] + options + [src, dst])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// `window` of band 1 read in the band's own type, as 64-bit patterns of the values as Doubles.
    private func read(_ path: String, _ w: Window) throws -> (bits: [UInt64], own: Int) {
        let r = try Raster(path: path)
        let info = r.bands[0]
        let buf = UnsafeMutableRawPointer.allocate(byteCount: w.cellCount * 8, alignment: 8)
        defer { buf.deallocate() }
        try r.read(band: 1, window: w, as: info.type, into: buf)
        let bits: [UInt64] = (0..<w.cellCount).map { i in
            info.type == .float32 ? Double(buf.load(fromByteOffset: 4 * i, as: Float.self)).bitPattern
                                  : buf.load(fromByteOffset: 8 * i, as: Double.self).bitPattern
        }
        return (bits, r.blocksDecodedHere(band: 1))
    }

    private func expected(_ v: [Float], _ w: Window) -> [UInt64] {
        var out: [UInt64] = []
        for r in w.row..<w.rowEnd { for c in w.col..<w.colEnd { out.append(Double(v[r * cols + c]).bitPattern) } }
        return out
    }

    private let windows = [Window(row: 0, col: 0, rows: 45, cols: 70), Window(row: 5, col: 9, rows: 30, cols: 40),
                           Window(row: 44, col: 69, rows: 1, cols: 1), Window(row: 13, col: 0, rows: 3, cols: 70)]

    private func assertReadsAsWritten(_ options: [String], decodedHere: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let (plain, dir, v) = try makeRasters()
        let path = dir + "/t.tif"
        try translate(plain, path, options)
        for w in windows {
            let (bits, own) = try read(path, w)
            XCTAssertEqual(bits, expected(v, w), "\(options) \(w)", file: file, line: line)
            XCTAssertEqual(own > 0, decodedHere, "\(options) \(w): blocks decoded by GeoGDAL: \(own)", file: file, line: line)
        }
    }

    func testTiledFloat32() throws {
        try assertReadsAsWritten(["-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3"],
                                 decodedHere: true)
    }

    func testStripsFloat32WithAShortLastStrip() throws {
        try assertReadsAsWritten(["-co", "BLOCKYSIZE=7", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3"], decodedHere: true)
    }

    func testTiledFloat64() throws {
        try assertReadsAsWritten(["-ot", "Float64", "-co", "TILED=YES", "-co", "BLOCKXSIZE=32", "-co", "BLOCKYSIZE=16",
                                  "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "ZLEVEL=9"], decodedHere: true)
    }

    func testOtherPredictorsAndCompressionsAreLeftToGDAL() throws {
        try assertReadsAsWritten(["-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=1"], decodedHere: false)
        try assertReadsAsWritten(["-co", "TILED=YES", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=3"], decodedHere: false)
    }

    /// A big-endian file is left to GDAL, and reads as GDAL reads it. (GDAL 3.6 with Debian's
    /// libtiff 4.5 reads a big-endian file with this predictor wrongly: not the values written,
    /// which is why the oracle here is GDAL's own read, as doubles through GDALRasterIO.)
    func testBigEndianIsLeftToGDAL() throws {
        let (plain, dir, _) = try makeRasters()
        let path = dir + "/big.tif"
        try translate(plain, path, ["-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "ENDIANNESS=BIG"])
        for w in windows {
            let (bits, own) = try read(path, w)
            let r = try Raster(path: path)
            var gdal = [Double](repeating: 0, count: w.cellCount)
            try gdal.withUnsafeMutableBytes { try r.read(band: 1, window: w, as: .float64, into: $0.baseAddress!) }
            XCTAssertEqual(bits, gdal.map(\.bitPattern), "\(w)")
            XCTAssertEqual(own, 0, "\(w): blocks decoded by GeoGDAL")
        }
    }

    /// Bands read with each cell's bands side by side (`readSideBySide`, the engine's layout
    /// for a cube's fold): band k of cell i at element i * K + k, the bits written, tiled and
    /// in strips, Float32 and Float64; a tile GDAL must read (a sparse file leaves a tile of
    /// zeros unwritten) is put in its place too; another predictor has no such read.
    func testBandsSideBySide() throws {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        let base = values()
        // Six bands apart from each other (four and more are interleaved four by four); band 3
        // has a 16 x 16 tile of zeros.
        let bands: [[Float]] = (0..<6).map { b in
            base.enumerated().map { i, v in
                if b == 2 && (i / cols) < 16 && (i % cols) >= 16 && (i % cols) < 32 { return 0 }
                return v.isNaN ? v : v * Float(b + 1) + Float(b)
            }
        }
        let grid = Grid(left: 92, top: 20, dx: 0.01, dy: 0.01, cols: cols, rows: rows)
        try writeGeoTIFF(path: d + "/cube.tif", grid: grid, bands: bands)
        let variants: [(String, [String], Bool)] = [
            ("tiled", ["-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3",
                       "-co", "INTERLEAVE=BAND", "-co", "SPARSE_OK=TRUE"], true),
            ("strips64", ["-ot", "Float64", "-co", "BLOCKYSIZE=7", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "INTERLEAVE=BAND"], true),
            ("predictor1", ["-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=1", "-co", "INTERLEAVE=BAND"], false)]
        for (name, options, sideBySide) in variants {
            let path = d + "/\(name).tif"
            try translate(d + "/cube.tif", path, options)
            let r = try Raster(path: path)
            let type = r.bands[0].type
            for w in windows {
                let buf = UnsafeMutableRawPointer.allocate(byteCount: w.cellCount * 6 * 8, alignment: 8)
                defer { buf.deallocate() }
                let done = try r.readSideBySide(bands: Array(1...6), window: w, as: type, into: buf)
                XCTAssertEqual(done, sideBySide, "\(name) \(w)")
                guard done else { continue }
                var got: [UInt64] = [], want: [UInt64] = []
                for i in 0..<w.cellCount {
                    let row = w.row + i / w.cols, col = w.col + i % w.cols
                    for k in 0..<6 {
                        let e = (i * 6 + k) * type.size
                        got.append(type == .float32 ? Double(buf.load(fromByteOffset: e, as: Float.self)).bitPattern
                                                    : buf.load(fromByteOffset: e, as: Double.self).bitPattern)
                        want.append(Double(bands[k][row * cols + col]).bitPattern)
                    }
                }
                XCTAssertEqual(got, want, "\(name) \(w)")
            }
        }
        // The sparse tile was indeed left to GDAL: band 3 decodes one block fewer here.
        let sparse = try Raster(path: d + "/tiled.tif")
        let whole = Window(row: 0, col: 0, rows: rows, cols: cols)
        let buf = UnsafeMutableRawPointer.allocate(byteCount: whole.cellCount * 6 * 4, alignment: 8)
        defer { buf.deallocate() }
        XCTAssertTrue(try sparse.readSideBySide(bands: Array(1...6), window: whole, as: .float32, into: buf))
        XCTAssertEqual(sparse.blocksDecodedHere(band: 1), 15)
        XCTAssertEqual(sparse.blocksDecodedHere(band: 3), 14)
    }

    /// A handle's bands share its scratch: one buffer for a block as read and one inflated
    /// block per band read side by side at once, whatever the bands (each band's reader had
    /// its own, a 90-band cube's worth of pages per worker). Reads one after another that
    /// reuse a slot for other bands, and a plain read between them, still give the values
    /// written.
    func testBandsShareTheHandlesScratch() throws {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        let base = values()
        let bands: [[Float]] = (0..<6).map { b in base.map { $0.isNaN ? $0 : $0 * Float(b + 1) - Float(b) } }
        let grid = Grid(left: 92, top: 20, dx: 0.01, dy: 0.01, cols: cols, rows: rows)
        try writeGeoTIFF(path: d + "/six.tif", grid: grid, bands: bands)
        try translate(d + "/six.tif", d + "/tiled.tif", ["-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16",
                                                         "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "INTERLEAVE=BAND"])
        let r = try Raster(path: d + "/tiled.tif")
        let w = Window(row: 5, col: 9, rows: 30, cols: 40)
        let buf = UnsafeMutableRawPointer.allocate(byteCount: w.cellCount * 6 * 4, alignment: 8)
        defer { buf.deallocate() }
        func assertWritten(_ read: [Int], sideBySide: Bool) {
            for i in 0..<w.cellCount {
                let cell = (w.row + i / w.cols) * cols + w.col + i % w.cols
                for (k, band) in read.enumerated() {
                    let at = sideBySide ? i * read.count + k : i
                    guard buf.load(fromByteOffset: at * 4, as: UInt32.self) == bands[band - 1][cell].bitPattern else {
                        return XCTFail("bands \(read): band \(band) cell \(i)")
                    }
                }
            }
        }
        for read in [[1, 2, 3], [4, 5, 6], [6, 2], [3, 4, 5, 1]] {
            XCTAssertTrue(try r.readSideBySide(bands: read, window: w, as: .float32, into: buf))
            assertWritten(read, sideBySide: true)
            try r.read(band: read[0], window: w, as: .float32, into: buf)
            assertWritten([read[0]], sideBySide: false)
        }
        XCTAssertEqual((1...6).map { r.blocksDecodedHere(band: $0) }.min()! > 0, true)
        // Four inflated blocks (the most bands read at once) and the raw buffer, made once.
        XCTAssertEqual(r.blockScratchAllocations, 4 + 1)
    }

    /// Rows wider than the 256 values gathered at a time among bands side by side: float32
    /// strips 600 wide, windows of several such pieces and a remainder, against the values
    /// written.
    func testBandsSideBySideOnWideRows() throws {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        let wide = 600, high = 4
        let bands: [[Float]] = (0..<3).map { b in (0..<(wide * high)).map { i in Float(i) * (b == 1 ? -0.37 : 1.25) + Float(b) * 1e6 + 0.5 } }
        try writeGeoTIFF(path: d + "/wide.tif", grid: Grid(left: 92, top: 20, dx: 0.01, dy: 0.01, cols: wide, rows: high), bands: bands)
        try translate(d + "/wide.tif", d + "/strips.tif", ["-co", "BLOCKYSIZE=2", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3",
                                                          "-co", "INTERLEAVE=BAND"])
        let r = try Raster(path: d + "/strips.tif")
        for w in [Window(row: 0, col: 0, rows: high, cols: wide), Window(row: 1, col: 3, rows: 2, cols: 590)] {
            let buf = UnsafeMutableRawPointer.allocate(byteCount: w.cellCount * 3 * 4, alignment: 8)
            defer { buf.deallocate() }
            XCTAssertTrue(try r.readSideBySide(bands: [1, 2, 3], window: w, as: .float32, into: buf), "\(w)")
            var got: [UInt32] = [], want: [UInt32] = []
            for i in 0..<w.cellCount {
                let row = w.row + i / w.cols, col = w.col + i % w.cols
                for k in 0..<3 {
                    got.append(buf.load(fromByteOffset: (i * 3 + k) * 4, as: UInt32.self))
                    want.append(bands[k][row * wide + col].bitPattern)
                }
            }
            XCTAssertEqual(got, want, "\(w)")
        }
    }

    /// The predictor undone on rows of every length (the 8-byte steps and the bytes left),
    /// against the predictor applied here by its definition (TIFF Technical Note 3): the
    /// values' bytes as planes from the most significant, each byte minus the one before it.
    func testUndoFloatPredictorOnRowsOfEveryLength() {
        for n in [1, 2, 3, 7, 8, 9, 33, 257] {
            let v: [Float] = (0..<n).map { Float($0) * -1.75 + (($0 % 3 == 0) ? 1e20 : 0.125) }
            var planes = [UInt8](repeating: 0, count: 4 * n)
            for k in 0..<n { for j in 0..<4 { planes[j * n + k] = UInt8(truncatingIfNeeded: v[k].bitPattern >> (8 * (3 - j))) } }
            var coded = planes
            for i in stride(from: coded.count - 1, to: 0, by: -1) { coded[i] = coded[i] &- coded[i - 1] }
            var out = [Float](repeating: 0, count: n)
            coded.withUnsafeMutableBytes { row in
                out.withUnsafeMutableBytes { undoFloatPredictor(row.baseAddress!, samples: n, sampleBytes: 4, into: $0.baseAddress!) }
            }
            XCTAssertEqual(out.map(\.bitPattern), v.map(\.bitPattern), "\(n) samples")
        }
    }

    /// Every byte value in every position of the 16-byte steps (and the bytes left): rows of
    /// 1 to 40 samples of random bits, 4- and 8-byte samples, against the definition.
    func testUndoFloatPredictorOnRandomBits() {
        var state: UInt64 = 7
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        for size in [4, 8] {
            for n in 1...40 {
                let v: [UInt64] = (0..<n).map { _ in size == 4 ? next() >> 32 : next() }
                var planes = [UInt8](repeating: 0, count: size * n)
                for k in 0..<n { for j in 0..<size { planes[j * n + k] = UInt8(truncatingIfNeeded: v[k] >> (8 * (size - 1 - j))) } }
                var coded = planes
                for i in stride(from: coded.count - 1, to: 0, by: -1) { coded[i] = coded[i] &- coded[i - 1] }
                var out = [UInt8](repeating: 0, count: size * n)
                coded.withUnsafeMutableBytes { row in
                    out.withUnsafeMutableBytes { undoFloatPredictor(row.baseAddress!, samples: n, sampleBytes: size, into: $0.baseAddress!) }
                }
                let got: [UInt64] = (0..<n).map { k in (0..<size).reduce(UInt64(0)) { $0 | UInt64(out[k * size + $1]) << (8 * $1) } }
                XCTAssertEqual(got, v, "\(n) samples of \(size) bytes")
            }
        }
    }

    /// The predictor undone by the vector kernels against the definition applied a byte at a
    /// time: random bits in rows of odd and even lengths (the 16-byte steps and the bytes
    /// left, of the planes and of the values gathered), 4- and 8-byte samples, every first
    /// sample and end of the samples gathered, written 1 to 5 values apart. Values outside
    /// those places keep the buffer's fill.
    func testUndoPredictorRowsAgainstBytes() {
        var state: UInt64 = 11
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        for size in [4, 8] {
            for n in [1, 5, 15, 16, 17, 31, 33, 47, 64, 67, 100, 129] {
                let v: [UInt64] = (0..<n).map { _ in size == 4 ? next() >> 32 : next() }
                var coded = [UInt8](repeating: 0, count: size * n)
                for k in 0..<n { for j in 0..<size { coded[j * n + k] = UInt8(truncatingIfNeeded: v[k] >> (8 * (size - 1 - j))) } }
                var sum: UInt8 = 0
                for i in 0..<coded.count { let b = coded[i]; coded[i] = b &- sum; sum = b }
                let ends = Set([0, 1, n / 3, n / 2, n - 1, n].filter { $0 >= 0 && $0 <= n })
                for first in ends.sorted() {
                    for end in ends.sorted() where end > first {
                        for stride in 1...5 {
                            var row = coded
                            let fill: UInt8 = 0xA5
                            var out = [UInt8](repeating: fill, count: (end - first) * stride * size + 8)
                            row.withUnsafeMutableBytes { r in
                                out.withUnsafeMutableBytes {
                                    undoPredictorRow(r.baseAddress!, samples: n, sampleBytes: size, range: first..<end, stride: stride,
                                                     into: $0.baseAddress!)
                                }
                            }
                            var want = [UInt8](repeating: fill, count: out.count)
                            for k in first..<end {
                                for j in 0..<size { want[((k - first) * stride) * size + j] = UInt8(truncatingIfNeeded: v[k] >> (8 * j)) }
                            }
                            if out != want { return XCTFail("\(size)-byte samples, \(n) per row, \(first)..<\(end), stride \(stride)") }
                        }
                    }
                }
            }
        }
    }

    /// Bands' rows interleaved with each cell's bands side by side against a plain copy: 2 to
    /// 9 and 23 bands, 0 to 9 and 33 cells, each band's row in its own buffer; nothing outside
    /// the cells' bands is written.
    func testInterleaveBandsAgainstACopy() {
        for bands in Array(2...9) + [23] {
            for count in Array(0...9) + [33] {
                let rows: [[UInt32]] = (0..<bands).map { k in (0..<count).map { UInt32(k * 1000 + $0) &* 2654435761 } }
                var out = [UInt32](repeating: 0xDEAD_BEEF, count: count * bands + 5)
                let buffers = rows.map { row -> UnsafeMutableRawPointer in
                    let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, row.count) * 4, alignment: 4)
                    row.withUnsafeBytes { p.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(p), byteCount: $0.count) }
                    return p
                }
                defer { buffers.forEach { $0.deallocate() } }
                let starts = buffers.map { UnsafeRawPointer($0) }
                starts.withUnsafeBufferPointer { s in
                    out.withUnsafeMutableBytes { interleaveBands(s.baseAddress!, bands: bands, count: count, into: $0.baseAddress!) }
                }
                var want = [UInt32](repeating: 0xDEAD_BEEF, count: out.count)
                for c in 0..<count { for k in 0..<bands { want[c * bands + k] = rows[k][c] } }
                XCTAssertEqual(out, want, "\(bands) bands, \(count) cells")
            }
        }
    }
}
