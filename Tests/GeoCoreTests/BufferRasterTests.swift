import XCTest
import GeoCore

/// `BufferRaster` reads the caller's memory in place: every expected value here comes from
/// the formula that filled the buffer.
final class BufferRasterTests: XCTestCase {
    static let grid = Grid(left: 10, top: 20, dx: 1, dy: 1, cols: 7, rows: 5)
    /// Band b (1-based), row r, column c holds b*100 + r*10 + c.
    static func value(_ b: Int, _ r: Int, _ c: Int) -> Int16 { Int16(b * 100 + r * 10 + c) }
    static let values: [Int16] = (1...3).flatMap { b in (0..<5).flatMap { r in (0..<7).map { c in value(b, r, c) } } }

    func withRaster(_ body: (BufferRaster) throws -> Void) rethrows {
        try Self.values.withUnsafeBytes { buf in
            try body(BufferRaster(name: "cube", base: buf.baseAddress!, type: .int16, bandCount: 3, grid: Self.grid, nodata: -1))
        }
    }

    func testWindowOfABandInItsOwnTypeAndAsDouble() throws {
        try withRaster { r in
            let w = Window(row: 1, col: 2, rows: 3, cols: 4)
            var own = [Int16](repeating: 0, count: w.cellCount)
            try own.withUnsafeMutableBytes { try r.read(band: 2, window: w, as: .int16, into: $0.baseAddress!) }
            var asDouble = [Double](repeating: 0, count: w.cellCount)
            try asDouble.withUnsafeMutableBytes { try r.read(band: 2, window: w, as: .float64, into: $0.baseAddress!) }
            let expected = (1...3).flatMap { r in (2...5).map { c in Self.value(2, r, c) } }
            XCTAssertEqual(own, expected)
            XCTAssertEqual(asDouble, expected.map(Double.init))
        }
    }

    func testBandInfoAndMask() throws {
        try withRaster { r in
            XCTAssertEqual(r.bands.count, 3)
            XCTAssertEqual(r.bands[2].index, 3)
            XCTAssertEqual(r.bands[0].type, .int16)
            XCTAssertEqual(r.bands[0].nodata, -1)
            XCTAssertFalse(r.bands[0].hasMask)
            var mask = [UInt8](repeating: 0, count: 4)
            try r.readMask(band: 1, window: Window(row: 0, col: 0, rows: 2, cols: 2), into: &mask)
            XCTAssertEqual(mask, [255, 255, 255, 255])
        }
    }

    func testBandOrWindowOutsideIsAnInputErrorNamingTheArray() throws {
        try withRaster { r in
            var out = [Int16](repeating: 0, count: 64)
            for (band, window) in [(4, Window(row: 0, col: 0, rows: 1, cols: 1)), (1, Window(row: 4, col: 0, rows: 2, cols: 1))] {
                XCTAssertThrowsError(try out.withUnsafeMutableBytes { try r.read(band: band, window: window, as: .int16, into: $0.baseAddress!) }) { e in
                    XCTAssertEqual((e as? GeoKitError)?.kind, .input)
                    XCTAssertEqual((e as? GeoKitError)?.file, "cube")
                }
            }
        }
    }
}
