import Foundation

/// A raster held in memory: values per band, row-major, on a grid. The in-memory twin of a
/// GDAL raster for tests, examples and callers whose data are already arrays. Immutable, so
/// one instance serves every worker.
public final class ArrayRaster: RasterSource, Sendable {
    public struct Band: Sendable {
        /// Row-major values, `grid.cols * grid.rows` of them, stored as Double and handed out
        /// in `type` (integer types must hold the values exactly).
        public var values: [Double]
        public var type: PixelType
        public var nodata: Double?
        public var scale: Double
        public var offset: Double
        /// 0 = invalid cell (a dataset mask), or nil for none.
        public var mask: [UInt8]?

        public init(_ values: [Double], type: PixelType = .float64, nodata: Double? = nil, scale: Double = 1,
                    offset: Double = 0, mask: [UInt8]? = nil) {
            self.values = values; self.type = type; self.nodata = nodata; self.scale = scale; self.offset = offset
            self.mask = mask
        }
    }

    public let path: String
    public let grid: Grid
    public let bands: [BandInfo]
    private let data: [Band]

    /// `blockRows` sets the row bands the engine cuts (as a GDAL raster's block height does).
    public init(name: String = "array", grid: Grid, bands: [Band], blockCols: Int = 256, blockRows: Int = 256) {
        for (i, b) in bands.enumerated() {
            precondition(b.values.count == grid.cols * grid.rows, "band \(i + 1): \(b.values.count) values for \(grid.cols) x \(grid.rows) cells")
            precondition(b.mask == nil || b.mask!.count == b.values.count, "band \(i + 1): mask size")
        }
        path = name
        self.grid = grid
        data = bands
        self.bands = bands.enumerated().map { i, b in
            var info = BandInfo(index: i + 1, type: b.type, nodata: b.nodata, scale: b.scale, offset: b.offset,
                                blockCols: blockCols, blockRows: blockRows, hasMask: b.mask != nil)
            info.decodesApart = true   // each band its own array
            return info
        }
    }

    /// An opener for the engine: every worker shares this instance.
    public var opener: RasterOpener { RasterOpener(key: path) { self } }

    private func band(_ b: Int) throws -> Band {
        guard b >= 1 && b <= data.count else { throw GeoKitError.input(path, "no band \(b) (the raster has \(data.count))") }
        return data[b - 1]
    }

    private func check(_ window: Window) throws {
        guard window.row >= 0, window.col >= 0, window.rowEnd <= grid.rows, window.colEnd <= grid.cols else {
            throw GeoKitError.input(path, "window \(window) outside the raster")
        }
    }

    public func read(band b: Int, window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws {
        let band = try self.band(b)
        try check(window)
        writeWindow(window, as: type, into: buffer) { band.values[$0 * grid.cols + $1] }
    }

    /// Bands side by side (`RasterSource`), as a GeoTIFF with its own block decoder gives them:
    /// each band read as a plane, then laid out cell by cell (`interleaveBands`).
    public func readSideBySide(bands: [Int], window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws -> Bool {
        guard bands.count > 1 else { return false }
        let bandBytes = window.cellCount * type.size
        let planes = UnsafeMutableRawPointer.allocate(byteCount: max(1, bandBytes * bands.count), alignment: 16)
        defer { planes.deallocate() }
        for (k, b) in bands.enumerated() { try read(band: b, window: window, as: type, into: planes + k * bandBytes) }
        interleaveBands((0..<bands.count).map { UnsafeRawPointer(planes + $0 * bandBytes) }, cells: window.cellCount, size: type.size, into: buffer)
        return true
    }

    public func readMask(band b: Int, window: Window, into buffer: UnsafeMutablePointer<UInt8>) throws {
        let band = try self.band(b)
        try check(window)
        var k = 0
        for r in window.row..<window.rowEnd {
            for c in window.col..<window.colEnd { buffer[k] = band.mask?[r * grid.cols + c] ?? 255; k += 1 }
        }
    }

    public func readResampled(band b: Int, onto target: Grid, window: Window, into out: UnsafeMutablePointer<Double>) throws {
        let band = try self.band(b)
        if WeightAggregation.applies(fine: grid, target: target) {
            out.initialize(repeating: .nan, count: window.cellCount)
            let agg = WeightAggregation(fine: grid, target: target, window: window)
            let fw = agg.fineWindow
            guard !fw.isEmpty else { return }
            var fineValues = [Double](repeating: .nan, count: fw.cellCount)
            for r in 0..<fw.rows {
                for c in 0..<fw.cols {
                    let i = (fw.row + r) * grid.cols + fw.col + c, v = band.values[i]
                    if v != band.nodata && band.mask?[i] != 0 { fineValues[r * fw.cols + c] = v }
                }
            }
            fineValues.withUnsafeBufferPointer { agg.accumulate(rows: fw.row..<fw.rowEnd, values: $0.baseAddress!, into: out) }
            return
        }
        var k = 0
        for r in window.row..<window.rowEnd {
            let v = grid.v(target.y(row: Double(r) + 0.5))
            for c in window.col..<window.colEnd {
                let u = grid.u(target.x(col: Double(c) + 0.5))
                if u >= 0 && v >= 0 && u < Double(grid.cols) && v < Double(grid.rows) {
                    out[k] = band.values[Int(v) * grid.cols + Int(u)]
                } else {
                    out[k] = .nan
                }
                k += 1
            }
        }
    }
}

/// The cells of `window`, row by row, converted to `type` into `buffer`; `value(row, col)`
/// reads one cell (the in-memory sources' read when the caller asks for another type).
func writeWindow(_ window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer, value: (Int, Int) -> Double) {
    func fill<T>(_: T.Type, _ convert: (Double) -> T) {
        let out = buffer.assumingMemoryBound(to: T.self)
        var k = 0
        for r in window.row..<window.rowEnd {
            for c in window.col..<window.colEnd { out[k] = convert(value(r, c)); k += 1 }
        }
    }
    switch type {
    case .uint8: fill(UInt8.self) { UInt8($0) }
    case .int8: fill(Int8.self) { Int8($0) }
    case .uint16: fill(UInt16.self) { UInt16($0) }
    case .int16: fill(Int16.self) { Int16($0) }
    case .uint32: fill(UInt32.self) { UInt32($0) }
    case .int32: fill(Int32.self) { Int32($0) }
    case .float32: fill(Float.self) { Float($0) }
    case .float64: fill(Double.self) { $0 }
    }
}
