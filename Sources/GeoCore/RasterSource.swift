import Foundation

// What the engine reads: cells of a north-up raster, by window, through a protocol. GeoGDAL's
// `GDALRaster` reads files through GDAL; `ArrayRaster` holds arrays in memory (tests,
// examples, callers with data of their own). A reader belongs to one thread: GDAL 3.6
// handles are not thread-safe, so the engine opens one reader per worker through a
// `RasterOpener`, which is a value and crosses threads.

/// The pixel types GeoKit reads natively.
public enum PixelType: String, Sendable, CaseIterable {
    case uint8 = "Byte", int8 = "Int8", uint16 = "UInt16", int16 = "Int16"
    case uint32 = "UInt32", int32 = "Int32", float32 = "Float32", float64 = "Float64"

    public var size: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .float64: return 8
        }
    }
    public var isInteger: Bool { self != .float32 && self != .float64 }
}

/// What a band holds: a value description, readable without the dataset.
public struct BandInfo: Sendable, Equatable {
    public var index: Int            // 1-based
    public var type: PixelType
    public var nodata: Double?
    public var scale: Double
    public var offset: Double
    public var blockCols: Int
    public var blockRows: Int
    /// A real mask (per-dataset mask or alpha band), not one derived from nodata.
    public var hasMask: Bool
    public var description: String
    /// The unit of the values ("m", "mm"...), when known.
    public var unit: String?
    /// Each band's blocks decode on their own (a band-interleaved GeoTIFF, an array in
    /// memory): workers reading different bands of one row band decode nothing twice. Not
    /// so for a pixel-interleaved file or a netCDF chunk spanning time steps, whose blocks
    /// hold several bands: the engine then keeps a row band's bands on one worker.
    public var decodesApart: Bool = false

    public init(index: Int, type: PixelType, nodata: Double? = nil, scale: Double = 1, offset: Double = 0,
                blockCols: Int = 256, blockRows: Int = 256, hasMask: Bool = false, description: String = "",
                unit: String? = nil) {
        self.index = index; self.type = type; self.nodata = nodata; self.scale = scale; self.offset = offset
        self.blockCols = blockCols; self.blockRows = blockRows; self.hasMask = hasMask
        self.description = description; self.unit = unit
    }
}

/// Cells of a north-up raster, read by window. Used from one thread at a time.
public protocol RasterSource: AnyObject {
    /// For error messages: the path, or a name.
    var path: String { get }
    var grid: Grid { get }
    var bands: [BandInfo] { get }
    /// Read `window` of band `band` (1-based) as `type` into `buffer` (row-major, tightly packed).
    func read(band: Int, window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws
    /// Read the band's mask (0 = invalid) for `window`.
    func readMask(band: Int, window: Window, into buffer: UnsafeMutablePointer<UInt8>) throws
    /// Read band `band` as Float64 onto the cells of `window` of `target`, a grid in the same
    /// CRS: summed by area share when this raster's cells are finer (`WeightAggregation`;
    /// nodata is then NaN), else sampled at each target cell's centre (nearest). Cells
    /// outside this raster get NaN.
    func readResampled(band: Int, onto target: Grid, window: Window, into out: UnsafeMutablePointer<Double>) throws
    /// Band `band`'s cells where they already lie in memory, in the band's own type and
    /// row-major with `pitch` cells per row (cell (r, c) is element r * pitch + c), for
    /// sources that hold their cells (`BufferRaster`): the engine folds them there instead
    /// of copying windows out. nil (the default) for sources that decode.
    func cellsInPlace(band: Int) -> (base: UnsafeRawPointer, pitch: Int)?
    /// Read `window` of bands `bands` (1-based) as `type` into `buffer` with each cell's bands
    /// side by side: band k of the window's cell i at element `i * bands.count + k`, laid
    /// out as each block is decoded (while it is in cache). False, with nothing written,
    /// when this source has no such read: the caller reads the bands one by one.
    func readSideBySide(bands: [Int], window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws -> Bool
}

extension RasterSource {
    public func cellsInPlace(band: Int) -> (base: UnsafeRawPointer, pitch: Int)? { nil }
    public func readSideBySide(bands: [Int], window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws -> Bool { false }
}

/// Opens a reader of one raster; each worker calls it once. `key` names the raster (its
/// path): sources with the same key share a worker's reader.
public struct RasterOpener: Sendable {
    public let key: String
    private let open: @Sendable () throws -> any RasterSource

    public init(key: String, open: @escaping @Sendable () throws -> any RasterSource) {
        self.key = key; self.open = open
    }

    public func callAsFunction() throws -> any RasterSource { try open() }
}

/// One raster band to summarise: where to read it and what it holds.
public struct BandSource: Sendable {
    public var raster: RasterOpener
    public var band: Int          // 1-based
    public var info: BandInfo
    /// Count only the cells (or the share of each cell's area) where a test on a band of
    /// this or another raster holds: `sum(pop) where hazard >= 3`.
    public var condition: SourceCondition?
    /// Bins of a continuous raster (`--classes dem=0,500,1000`): its class table counts bins.
    public var classBreaks: ClassBreaks?
    public init(raster: RasterOpener, band: Int, info: BandInfo, condition: SourceCondition? = nil, classBreaks: ClassBreaks? = nil) {
        self.raster = raster; self.band = band; self.info = info; self.condition = condition; self.classBreaks = classBreaks
    }
    public var key: String { raster.key }
}

/// The `where` of an operation, ready to read: the condition raster's band and the test.
/// Its grid may differ from the values' (same CRS): then each value cell counts with the
/// share of its area where the test holds.
public struct SourceCondition: Sendable {
    public var raster: RasterOpener
    public var band: Int          // 1-based
    public var info: BandInfo
    public var test: ValueTest
    public init(raster: RasterOpener, band: Int, info: BandInfo, test: ValueTest) {
        self.raster = raster; self.band = band; self.info = info; self.test = test
    }
}
