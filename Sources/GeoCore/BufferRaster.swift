import Foundation

/// A raster over memory its caller owns: `bands` planes of `grid.rows x grid.cols` values of
/// one pixel type, band-major and row-major, tightly packed (a C-contiguous numpy array of
/// shape (bands, rows, cols)). Nothing is copied: cells are read from the caller's buffer,
/// which must stay alive and unchanged while a run reads it (the C interface holds it for
/// the length of `geokit_job_run`). Immutable, so one instance serves every worker.
public final class BufferRaster: RasterSource, @unchecked Sendable {
    // @unchecked: the pointer is only read, and the caller keeps the memory alive and
    // unchanged for the run (the contract above); nothing here mutates.
    public let path: String
    public let grid: Grid
    public let bands: [BandInfo]
    private let base: UnsafeRawPointer
    private let type: PixelType

    /// `blockRows` sets the row bands the engine cuts (as a GDAL raster's block height does).
    public init(name: String, base: UnsafeRawPointer, type: PixelType, bandCount: Int, grid: Grid,
                nodata: Double?, blockRows: Int = 256) {
        path = name; self.base = base; self.type = type; self.grid = grid
        bands = (0..<bandCount).map {
            var b = BandInfo(index: $0 + 1, type: type, nodata: nodata, blockCols: grid.cols, blockRows: blockRows)
            b.decodesApart = true
            return b
        }
    }

    /// An opener for the engine: every worker shares this instance.
    public var opener: RasterOpener { RasterOpener(key: path) { self } }

    private var planeBytes: Int { grid.rows * grid.cols * type.size }

    private func check(_ b: Int, _ window: Window) throws {
        guard b >= 1 && b <= bands.count else { throw GeoKitError.input(path, "no band \(b) (the array has \(bands.count))") }
        guard window.row >= 0, window.col >= 0, window.rowEnd <= grid.rows, window.colEnd <= grid.cols else {
            throw GeoKitError.input(path, "window \(window) outside the array")
        }
    }

    /// Cell (row, col) of band `b` as Double.
    @inline(__always) private func value(_ plane: UnsafeRawPointer, _ i: Int) -> Double {
        switch type {
        case .uint8: return Double(plane.load(fromByteOffset: i, as: UInt8.self))
        case .int8: return Double(plane.load(fromByteOffset: i, as: Int8.self))
        case .uint16: return Double(plane.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        case .int16: return Double(plane.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
        case .uint32: return Double(plane.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        case .int32: return Double(plane.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
        case .float32: return Double(plane.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
        case .float64: return plane.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
        }
    }

    public func read(band b: Int, window: Window, as want: PixelType, into buffer: UnsafeMutableRawPointer) throws {
        try check(b, window)
        let plane = base + (b - 1) * planeBytes
        if want == type {
            // The engine asks for the band's own type: a row copy per window row.
            let rowBytes = window.cols * type.size
            for (k, r) in (window.row..<window.rowEnd).enumerated() {
                (buffer + k * rowBytes).copyMemory(from: plane + (r * grid.cols + window.col) * type.size, byteCount: rowBytes)
            }
            return
        }
        writeWindow(window, as: want, into: buffer) { value(plane, $0 * grid.cols + $1) }
    }

    /// The caller's plane of band `b`, read in place (no window copied).
    public func cellsInPlace(band b: Int) -> (base: UnsafeRawPointer, pitch: Int)? {
        guard b >= 1 && b <= bands.count else { return nil }
        return (base + (b - 1) * planeBytes, grid.cols)
    }

    /// No mask: nodata (and NaN) mark the invalid cells.
    public func readMask(band b: Int, window: Window, into buffer: UnsafeMutablePointer<UInt8>) throws {
        try check(b, window)
        buffer.initialize(repeating: 255, count: window.cellCount)
    }

    /// Weights are read from files only; an array as weights is refused rather than sampled
    /// differently from a file's.
    public func readResampled(band b: Int, onto target: Grid, window: Window, into out: UnsafeMutablePointer<Double>) throws {
        throw GeoKitError.argument("\(path): an in-memory array cannot be the weights raster; give weights as a file")
    }
}
