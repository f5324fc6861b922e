import CGeo
import Foundation
import GeoCore

extension PixelType {
    /// GDAL 3.6 has no Int8 type: a signed byte band is a Byte band whose IMAGE_STRUCTURE
    /// metadata says PIXELTYPE=SIGNEDBYTE. Complex types are refused (nil), not truncated.
    package init?(band b: GDALRasterBandH) {
        switch GDALGetRasterDataType(b) {
        case GDT_Byte:
            let pt = GDALGetMetadataItem(b, "PIXELTYPE", "IMAGE_STRUCTURE").map { String(cString: $0) }
            self = pt == "SIGNEDBYTE" ? .int8 : .uint8
        case GDT_UInt16: self = .uint16
        case GDT_Int16: self = .int16
        case GDT_UInt32: self = .uint32
        case GDT_Int32: self = .int32
        case GDT_Float32: self = .float32
        case GDT_CInt16, GDT_CInt32, GDT_CFloat32, GDT_CFloat64: return nil
        default: self = .float64
        }
    }

    package var gdal: GDALDataType {
        switch self {
        case .uint8, .int8: return GDT_Byte   // signed bytes travel as raw bytes
        case .uint16: return GDT_UInt16
        case .int16: return GDT_Int16
        case .uint32: return GDT_UInt32
        case .int32: return GDT_Int32
        case .float32: return GDT_Float32
        case .float64: return GDT_Float64
        }
    }
}

/// A raster dataset opened read-only through GDAL. One handle per thread: open another
/// `Raster` on the same path for each worker (GDAL 3.6 handles are not thread-safe);
/// `Raster.opener(path:)` does that for the engine.
public final class Raster: RasterSource {
    package let handle: GDALDatasetH
    public let path: String
    public let grid: Grid
    public let bands: [BandInfo]

    /// The Zarr array behind `handle`, kept open as long as its classic view.
    let multidim: MultidimArray?
    /// Whether the handle was opened, and is closed, under the HDF5 lock (`HDF5Access.mayOpenHDF5`).
    private let opensUnderHDF5Lock: Bool

    public init(path: String) throws {
        GDAL.initialize()
        CPLErrorReset()
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        // GDAL 3.6 opens a 3-D Zarr array as a raster only slice by slice: through the
        // multidimensional API it is one raster with a band per time step.
        let md = path.uppercased().hasPrefix("ZARR:") ? MultidimArray(file: datasetFile(path), array: variableName(ofDataset: path)) : nil
        multidim = md
        // Under the HDF5 lock: opening a netCDF-4 file is HDF5 calls, and another worker may be
        // reading raw chunks (NetCDFRowChunks).
        let guarded = HDF5Access.mayOpenHDF5(path)
        opensUnderHDF5Lock = guarded
        guard let h = md?.classicView() ?? (md == nil ? HDF5Access.locked(if: guarded) { SiblingFiles.open(path, flags: flags) } : nil) else {
            let file = datasetFile(path)
            if !FileManager.default.fileExists(atPath: file) && !file.hasPrefix("/vsi") {
                throw GeoKitError.input(path, "no such file")
            }
            if md == nil && path.uppercased().hasPrefix("ZARR:") {
                throw GeoKitError.input(path, "no array '\(variableName(ofDataset: path))' in the Zarr store (or not one GDAL reads)")
            }
            throw GeoKitError.input(path, "not a raster GDAL can read (\(GDAL.lastError("unrecognised format")))")
        }
        handle = h
        self.path = path
        var gt = [Double](repeating: 0, count: 6)
        let cols = Int(GDALGetRasterXSize(h)), rows = Int(GDALGetRasterYSize(h))
        // A file of several variables (NetCDF, Zarr) opens as a bandless container of them.
        if GDALGetRasterCount(h) == 0, let vars = try? rasterVariables(path: path).variables, !vars.isEmpty {
            HDF5Access.locked(if: guarded) { GDALClose(h) }
            throw GeoKitError.input(path, "holds \(vars.count) variables (\(vars.map(\.name).joined(separator: ", "))); choose one, e.g. \(vars[0].dataset)")
        }
        if let flippedGT = md?.flippedGeotransform() {
            gt = flippedGT
        } else if GDALGetGeoTransform(h, &gt) != CE_None {
            HDF5Access.locked(if: guarded) { GDALClose(h) }
            throw GeoKitError.input(path, "raster has no georeferencing (geotransform)")
        }
        guard let g = Grid(geotransform: gt, cols: cols, rows: rows) else {
            HDF5Access.locked(if: guarded) { GDALClose(h) }
            throw GeoKitError.input(path, "rotated or south-up rasters are not supported (geotransform \(gt))")
        }
        grid = g
        let n = Int(GDALGetRasterCount(h))
        if n == 0 {
            HDF5Access.locked(if: guarded) { GDALClose(h) }
            throw GeoKitError.input(path, "raster has no bands")
        }
        var infos: [BandInfo] = []
        // A GeoTIFF of one band, or of separate planes: each band's tiles decode on their own.
        let driver = GDALGetDatasetDriver(h).flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) }
        let interleave = GDALGetMetadataItem(h, "INTERLEAVE", "IMAGE_STRUCTURE").map { String(cString: $0) }
        let apart = driver == "GTiff" && (n == 1 || interleave == "BAND")
        for i in 1...n {
            guard var info = Self.bandInfo(GDALGetRasterBand(h, Int32(i))!, index: i) else {
                let name = String(cString: GDALGetDataTypeName(GDALGetRasterDataType(GDALGetRasterBand(h, Int32(i)))))
                HDF5Access.locked(if: guarded) { GDALClose(h) }
                throw GeoKitError.input(path, "band \(i) holds complex values (\(name)); geotool summarises real values only")
            }
            info.decodesApart = apart
            infos.append(info)
        }
        rowChunks = driver == "netCDF" ? Self.makeRowChunks(handle: h, path: path, grid: g, bands: infos) : nil
        // One-row chunks hold one band each: a row band's bands may be cut between workers.
        if rowChunks != nil { for i in infos.indices { infos[i].decodesApart = true } }
        bands = infos
    }

    /// Band `b`'s description (number `index`), or nil for complex values.
    private static func bandInfo(_ b: GDALRasterBandH, index i: Int) -> BandInfo? {
        guard let type = PixelType(band: b) else { return nil }
        var has: Int32 = 0
        let nd = GDALGetRasterNoDataValue(b, &has)
        var sok: Int32 = 0, ook: Int32 = 0
        let scale = GDALGetRasterScale(b, &sok), offset = GDALGetRasterOffset(b, &ook)
        var bx: Int32 = 0, by: Int32 = 0
        GDALGetBlockSize(b, &bx, &by)
        let mf = GDALGetMaskFlags(b)
        let realMask = (mf & GMF_ALL_VALID) == 0 && (mf & GMF_NODATA) == 0
        return BandInfo(index: i, type: type,
                        nodata: has != 0 ? nd : nil, scale: sok != 0 ? scale : 1,
                        offset: ook != 0 ? offset : 0, blockCols: Int(bx), blockRows: Int(by),
                        hasMask: realMask, description: GDALGetDescription(b).map { String(cString: $0) } ?? "",
                        unit: GDALGetRasterUnitType(b).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The raw-chunk reader of a netCDF-4 variable of one-row chunks (NetCDFRowChunks.swift),
    /// or nil when GDAL reads the file.
    private static func makeRowChunks(handle h: GDALDatasetH, path: String, grid: Grid, bands: [BandInfo]) -> NetCDFRowChunks? {
        guard HDF5Access.rawChunksEnabled, let type = bands.first?.type, bands.allSatisfy({ $0.type == type }) else { return nil }
        let file = datasetFile(path)
        // Attributes GDAL's netCDF driver acts on (valid range, longitude wrap): left to it.
        let b1 = GDALGetRasterBand(h, 1)
        func attribute(_ key: String) -> String? { GDALGetMetadataItem(b1, key, nil).map { String(cString: $0) } }
        guard attribute("valid_range") == nil, attribute("valid_min") == nil, attribute("valid_max") == nil,
              !file.hasPrefix("/vsi"), FileManager.default.fileExists(atPath: file),
              let variable = path.uppercased().hasPrefix("NETCDF:") ? variableName(ofDataset: path)
                : GDALGetMetadataItem(GDALGetRasterBand(h, 1), "NETCDF_VARNAME", nil).map({ String(cString: $0) }),
              !isLongitudeLike(variable: variable, standardName: attribute("standard_name"), longName: attribute("long_name"),
                               units: attribute("units")) else { return nil }
        // GDAL shows a file stored south to north flipped; without a y coordinate, do not guess.
        guard let ascending = HDF5Access.locked({ MultidimArray(file: file, array: variable)?.yCoordinateAscending }),
              let chunks = NetCDFRowChunks(path: file, variable: variable, grid: grid, bands: bands.count, type: type,
                                           nodata: bands[0].nodata, yAscending: ascending),
              chunks.agreesWithGDAL(h, type: type) else { return nil }
        return chunks
    }

    /// Opens a `Raster` on `path` for each engine worker.
    public static func opener(path: String) -> RasterOpener {
        RasterOpener(key: path) { try Raster(path: path) }
    }

    /// A block-sized scratch buffer for `read` (one per handle, so one per worker).
    private var tile: UnsafeMutableRawPointer?
    private var tileBytes = 0
    /// GDAL's netCDF driver takes one process-wide lock per block read. Two workers reading
    /// windows of one-row blocks trade it once per row: more time switching threads than
    /// reading. A window of such a raster is read under one lock of ours instead, so GDAL's is
    /// taken uncontended (reads are serialised either way; the other worker computes).
    private lazy var serialisedReads = ["netCDF", "HDF5", "HDF5Image"].contains(driverName)
    /// The HDF5 lock: GDAL's netCDF and HDF5 drivers call HDF5 too.
    private static var serialReadLock: NSLock { HDF5Access.lock }
    /// A netCDF-4 variable of one-row chunks, read raw and inflated on the calling worker.
    private let rowChunks: NetCDFRowChunks?
    /// Chunks decoded by GeoGDAL rather than GDAL so far (tests).
    package var rawChunksDecoded: Int { rowChunks?.decoded ?? 0 }
    /// Per band (by index), its blocks' own decoder when it has one (PredictorBlocks.swift);
    /// made on the band's first read.
    private var predictorBlocks: [Int: PredictorBlocks?] = [:]
    /// Their scratch memory, one for all the bands.
    private let blockScratch = BlockScratch()
    /// Buffers that scratch allocated (tests).
    package var blockScratchAllocations: Int { blockScratch.allocations }
    /// Blocks of band `band` decoded by GeoGDAL rather than GDAL so far (tests).
    package func blocksDecodedHere(band: Int) -> Int { (predictorBlocks[band] ?? nil)?.decoded ?? 0 }

    deinit {
        tile?.deallocate()
        HDF5Access.locked(if: opensUnderHDF5Lock) { GDALClose(handle) }
    }

    /// The raster's CRS: GDAL's, or WGS 84 for a NetCDF variable or Zarr array on CF
    /// longitude/latitude coordinates without `grid_mapping` (`crsAssumedFromCF`).
    public var spatialReference: SpatialReference? {
        if let h = GDALGetSpatialRef(handle) { return SpatialReference(borrowing: h) }
        return crsAssumedFromCF ? try? SpatialReference(definition: "EPSG:4326") : nil
    }

    /// True when GDAL finds no CRS but the variable's x and y coordinates are CF longitude
    /// and latitude (units `degrees_east`/`degrees_north`, or standard names), as xarray
    /// writes by default and many CHIRPS and ERA5 files are: geographic coordinates whose
    /// datum CF does not name, taken as WGS 84 (EPSG:4326). Looked up once per handle.
    public private(set) lazy var crsAssumedFromCF: Bool = {
        guard GDALGetSpatialRef(handle) == nil else { return false }
        if let multidim { return multidim.hasCFLongitudeLatitude }
        guard driverName == "netCDF" else { return false }
        let variable = path.uppercased().hasPrefix("NETCDF:") ? variableName(ofDataset: path)
            : GDALGetMetadataItem(GDALGetRasterBand(handle, 1), "NETCDF_VARNAME", nil).map { String(cString: $0) }
        guard let variable, let md = MultidimArray(file: datasetFile(path), array: variable) else { return false }
        return md.hasCFLongitudeLatitude
    }()

    public var driverName: String {
        if multidim != nil { return "Zarr (multidimensional)" }
        return GDALGetDriverShortName(GDALGetDatasetDriver(handle)).map { String(cString: $0) } ?? "?"
    }

    /// Read `window` of band `band` (1-based) as `type` into `buffer` (row-major, tightly packed).
    /// In the band's own type, blocks are decoded with GDALReadBlock straight into the buffer's
    /// rows: no block cache (whose global lock serialises workers) and no second copy.
    public func read(band: Int, window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws {
        GDAL.initialize()   // a worker's warnings are collected too (a pointer lookup once set)
        let b = GDALGetRasterBand(handle, Int32(band))
        let info = bands[band - 1]
        // Raw chunks fetched under the HDF5 lock, inflated here, outside it.
        if type == info.type, let rowChunks, rowChunks.read(band: band, window: window, into: buffer) { return }
        if serialisedReads { Raster.serialReadLock.lock() }
        defer { if serialisedReads { Raster.serialReadLock.unlock() } }
        if type == info.type && info.blockCols > 0 && info.blockRows > 0 && GDALGetRasterDataType(b) == type.gdal {
            let bx = info.blockCols, by = info.blockRows, size = type.size
            if tileBytes < bx * by * size {
                tile?.deallocate()
                tileBytes = bx * by * size
                tile = UnsafeMutableRawPointer.allocate(byteCount: tileBytes, alignment: 64)
            }
            if predictorBlocks[band] == nil, multidim == nil, let b {
                predictorBlocks[band] = PredictorBlocks(dataset: handle, band: b, path: path, type: type, blockCols: bx, blockRows: by,
                                                        scratch: blockScratch)
            }
            let own = predictorBlocks[band] ?? nil
            for brow in (window.row / by)...((window.rowEnd - 1) / by) {
                for bcol in (window.col / bx)...((window.colEnd - 1) / bx) {
                    // Decoded here straight into the window's rows, or by GDAL into the tile, copied.
                    if own?.read(col: bcol, row: brow, window: window, into: buffer) == true { continue }
                    CPLErrorReset()
                    if GDALReadBlock(b, Int32(bcol), Int32(brow), tile) != CE_None {
                        throw GeoKitError.io(path, "cannot read block (\(bcol), \(brow)) of band \(band): \(GDAL.lastError("read error"))")
                    }
                    let tr0 = brow * by, tc0 = bcol * bx
                    let r0 = max(window.row, tr0), r1 = min(window.rowEnd, tr0 + by)
                    let c0 = max(window.col, tc0), c1 = min(window.colEnd, tc0 + bx)
                    for r in r0..<r1 {
                        (buffer + ((r - window.row) * window.cols + (c0 - window.col)) * size)
                            .copyMemory(from: tile! + ((r - tr0) * bx + (c0 - tc0)) * size, byteCount: (c1 - c0) * size)
                    }
                }
            }
            return
        }
        CPLErrorReset()
        let err = GDALRasterIO(b, GF_Read, Int32(window.col), Int32(window.row), Int32(window.cols), Int32(window.rows),
                               buffer, Int32(window.cols), Int32(window.rows), type.gdal, 0, 0)
        if err != CE_None { throw GeoKitError.io(path, "cannot read band \(band) at \(window): \(GDAL.lastError("read error"))") }
    }

    /// Bands `bands` of `window` with each cell's bands side by side (`RasterSource`): when
    /// every band's blocks are decoded here (`PredictorBlocks`: a DEFLATE, PREDICTOR=3
    /// GeoTIFF of separate planes), block by block: each band's block inflated, then row by
    /// row, each band's row undone and written into its place among the K, while the row
    /// of K side by side is in the first cache levels (float32: each band's block decoded
    /// right after its inflate, then its rows interleaved, `interleaveFloat32Block`). A block GDAL must decode is read
    /// band by band into the tile and copied into place.
    public func readSideBySide(bands: [Int], window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws -> Bool {
        GDAL.initialize()
        guard bands.count > 1, multidim == nil, !serialisedReads, let first = bands.first else { return false }
        let info = self.bands[first - 1]
        let bx = info.blockCols, by = info.blockRows, size = type.size, n = bands.count
        guard bx > 0, by > 0 else { return false }
        var readers: [PredictorBlocks] = []
        for band in bands {
            let b = GDALGetRasterBand(handle, Int32(band))
            let bi = self.bands[band - 1]
            guard bi.type == type, bi.blockCols == bx, bi.blockRows == by, let b, GDALGetRasterDataType(b) == type.gdal else { return false }
            if predictorBlocks[band] == nil {
                predictorBlocks[band] = PredictorBlocks(dataset: handle, band: b, path: path, type: type, blockCols: bx, blockRows: by,
                                                        scratch: blockScratch)
            }
            guard let own = predictorBlocks[band] ?? nil else { return false }
            readers.append(own)
        }
        if tileBytes < bx * by * size {
            tile?.deallocate()
            tileBytes = bx * by * size
            tile = UnsafeMutableRawPointer.allocate(byteCount: tileBytes, alignment: 64)
        }
        var inflated = [Bool](repeating: false, count: n)
        // The readers without a reference count per call (a million gathers a cube: a retain
        // and release each was 2% of the run); this handle's `predictorBlocks` holds them.
        let unretained = readers.map { Unmanaged.passUnretained($0) }
        for brow in (window.row / by)...((window.rowEnd - 1) / by) {
            let tr0 = brow * by
            let r0 = max(window.row, tr0), r1 = min(window.rowEnd, tr0 + by)
            for bcol in (window.col / bx)...((window.colEnd - 1) / bx) {
                if type == .float32 {
                    interleaveFloat32Block(unretained, inflated: &inflated, block: (bcol, brow), rows: r0..<r1,
                                           cols: max(window.col, bcol * bx)..<min(window.colEnd, (bcol + 1) * bx),
                                           window: window, into: buffer)
                } else {
                    for k in 0..<n { inflated[k] = readers[k].inflate(col: bcol, row: brow, slot: k) }
                    inflated.withUnsafeBufferPointer { inflated in
                        unretained.withUnsafeBufferPointer { readers in
                            for r in r0..<r1 {
                                for k in 0..<n where inflated[k] {
                                    readers[k]._withUnsafeGuaranteedRef { $0.gather(row: r, window: window, into: buffer + k * size, cellStride: n) }
                                }
                            }
                        }
                    }
                }
                for k in 0..<n where !inflated[k] {
                    try copyBlockSideBySide(band: bands[k], col: bcol, row: brow, window: window, size: size, place: k, of: n, into: buffer)
                }
            }
        }
        return true
    }

    /// Float32 block `block` of every reader, its rows `rows` and columns `cols`, written side by
    /// side into the `window` in `buffer`: each band's block inflated and at once its rows
    /// decoded into values over its planes (while the block is in the second cache level: decoded
    /// row by row across the bands, every plane's first load waited for memory), then row by
    /// row the bands' values interleaved into their places. `inflated` tells which bands were
    /// decoded here; the places of the others are filled with zeros, which the caller
    /// overwrites.
    private func interleaveFloat32Block(_ readers: [Unmanaged<PredictorBlocks>], inflated: inout [Bool], block: (col: Int, row: Int),
                                        rows: Range<Int>, cols: Range<Int>, window: Window, into buffer: UnsafeMutableRawPointer) {
        let n = readers.count, count = cols.count
        let zeros = blockScratch.rows(bytes: count * 4)
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: count * 4)
        withUnsafeTemporaryAllocation(of: UnsafeRawPointer.self, capacity: n) { starts in
            for k in 0..<n {
                inflated[k] = readers[k]._withUnsafeGuaranteedRef { reader in
                    guard reader.inflate(col: block.col, row: block.row, slot: k) else { return false }
                    reader.decodeFloat32InPlace(rows: rows, cols: cols)
                    return true
                }
            }
            guard count > 0 else { return }
            for r in rows {
                for k in 0..<n { starts[k] = inflated[k] ? readers[k]._withUnsafeGuaranteedRef { $0.decodedRow(r) } : UnsafeRawPointer(zeros) }
                interleaveBands(starts.baseAddress!, bands: n, count: count,
                                into: buffer + ((r - window.row) * window.cols + (cols.lowerBound - window.col)) * n * 4)
            }
        }
    }

    /// Block (`col`, `row`) of `band` decoded by GDAL into the tile, its cells inside `window`
    /// copied to their place `place` among `count` side by side.
    private func copyBlockSideBySide(band: Int, col: Int, row: Int, window: Window, size: Int, place: Int, of count: Int,
                                     into buffer: UnsafeMutableRawPointer) throws {
        let info = bands[band - 1], bx = info.blockCols, by = info.blockRows
        CPLErrorReset()
        if GDALReadBlock(GDALGetRasterBand(handle, Int32(band)), Int32(col), Int32(row), tile) != CE_None {
            throw GeoKitError.io(path, "cannot read block (\(col), \(row)) of band \(band): \(GDAL.lastError("read error"))")
        }
        let tr0 = row * by, tc0 = col * bx
        let r0 = max(window.row, tr0), r1 = min(window.rowEnd, tr0 + by)
        let c0 = max(window.col, tc0), c1 = min(window.colEnd, tc0 + bx)
        guard r0 < r1, c0 < c1 else { return }
        for r in r0..<r1 {
            for c in c0..<c1 {
                (buffer + (((r - window.row) * window.cols + (c - window.col)) * count + place) * size)
                    .copyMemory(from: tile! + ((r - tr0) * bx + (c - tc0)) * size, byteCount: size)
            }
        }
    }

    /// Read `window` of band `band` with GDALRasterIO alone (no raw chunks, no block decoder
    /// of ours): the oracle the tests hold the other paths to.
    package func readWithGDAL(band: Int, window: Window, as type: PixelType, into buffer: UnsafeMutableRawPointer) throws {
        let err = HDF5Access.locked {
            GDALRasterIO(GDALGetRasterBand(handle, Int32(band)), GF_Read, Int32(window.col), Int32(window.row), Int32(window.cols),
                         Int32(window.rows), buffer, Int32(window.cols), Int32(window.rows), type.gdal, 0, 0)
        }
        if err != CE_None { throw GeoKitError.io(path, "cannot read band \(band) at \(window): \(GDAL.lastError("read error"))") }
    }

    /// Read the band's mask (0 = invalid) for `window`.
    public func readMask(band: Int, window: Window, into buffer: UnsafeMutablePointer<UInt8>) throws {
        GDAL.initialize()   // a worker's warnings are collected too (a pointer lookup once set)
        if serialisedReads { Raster.serialReadLock.lock() }
        defer { if serialisedReads { Raster.serialReadLock.unlock() } }
        let m = GDALGetMaskBand(GDALGetRasterBand(handle, Int32(band)))
        let err = GDALRasterIO(m, GF_Read, Int32(window.col), Int32(window.row), Int32(window.cols), Int32(window.rows),
                               buffer, Int32(window.cols), Int32(window.rows), GDT_Byte, 0, 0)
        if err != CE_None { throw GeoKitError.io(path, "cannot read mask of band \(band): \(GDAL.lastError("read error"))") }
    }

    /// Read band `band` as Float64 resampled (nearest) onto the cells of `window` of `target`,
    /// a grid in the same CRS. Cells outside this raster get NaN. Used for weights whose grid
    /// differs from the value grid.
    public func readResampled(band: Int, onto target: Grid, window: Window, into out: UnsafeMutablePointer<Double>) throws {
        GDAL.initialize()   // a worker's warnings are collected too (a pointer lookup once set)
        if serialisedReads { Raster.serialReadLock.lock() }
        defer { if serialisedReads { Raster.serialReadLock.unlock() } }
        if WeightAggregation.applies(fine: grid, target: target) {
            return try readAggregated(band: band, onto: target, window: window, into: out)
        }
        let n = window.cellCount
        out.initialize(repeating: .nan, count: n)
        // Map extent of the target window, in this raster's pixel coordinates.
        let x0 = target.x(col: Double(window.col)), x1 = target.x(col: Double(window.colEnd))
        let y0 = target.y(row: Double(window.row)), y1 = target.y(row: Double(window.rowEnd))
        let pc0 = grid.u(x0), pc1 = grid.u(x1), pr0 = grid.v(y0), pr1 = grid.v(y1)
        // Clip to this raster, keeping whole target cells.
        let tc0 = max(0, Int(ceil((0 - pc0) / (pc1 - pc0) * Double(window.cols) - 1e-9)))
        let tc1 = min(window.cols, Int(floor((Double(grid.cols) - pc0) / (pc1 - pc0) * Double(window.cols) + 1e-9)))
        let tr0 = max(0, Int(ceil((0 - pr0) / (pr1 - pr0) * Double(window.rows) - 1e-9)))
        let tr1 = min(window.rows, Int(floor((Double(grid.rows) - pr0) / (pr1 - pr0) * Double(window.rows) + 1e-9)))
        guard tc1 > tc0, tr1 > tr0 else { return }
        let sc = (pc1 - pc0) / Double(window.cols), sr = (pr1 - pr0) / Double(window.rows)
        var extra = GDALRasterIOExtraArg()
        extra.nVersion = 1
        extra.eResampleAlg = GRIORA_NearestNeighbour
        extra.bFloatingPointWindowValidity = 1
        extra.dfXOff = pc0 + Double(tc0) * sc
        extra.dfYOff = pr0 + Double(tr0) * sr
        extra.dfXSize = Double(tc1 - tc0) * sc
        extra.dfYSize = Double(tr1 - tr0) * sr
        let xoff = Int32(max(0, floor(extra.dfXOff + 1e-9))), yoff = Int32(max(0, floor(extra.dfYOff + 1e-9)))
        let xsize = min(Int32(grid.cols) - xoff, max(1, Int32(ceil(extra.dfXOff + extra.dfXSize - 1e-9)) - xoff))
        let ysize = min(Int32(grid.rows) - yoff, max(1, Int32(ceil(extra.dfYOff + extra.dfYSize - 1e-9)) - yoff))
        let b = GDALGetRasterBand(handle, Int32(band))
        let err = GDALRasterIOEx(b, GF_Read, xoff, yoff, xsize, ysize,
                                 out + tr0 * window.cols + tc0, Int32(tc1 - tc0), Int32(tr1 - tr0), GDT_Float64,
                                 8, GSpacing(8 * window.cols), &extra)
        if err != CE_None { throw GeoKitError.io(path, "cannot read band \(band): \(GDAL.lastError("read error"))") }
    }

    /// Finer cells summed onto the cells of `window` of `target` by area share (see
    /// `WeightAggregation`), reading the fine window in strips of about a million cells.
    private func readAggregated(band: Int, onto target: Grid, window: Window, into out: UnsafeMutablePointer<Double>) throws {
        out.initialize(repeating: .nan, count: window.cellCount)
        let agg = WeightAggregation(fine: grid, target: target, window: window)
        let fw = agg.fineWindow
        guard !fw.isEmpty else { return }
        let b = GDALGetRasterBand(handle, Int32(band))
        let nodata = bands[band - 1].nodata
        let strip = max(1, min(fw.rows, (1 << 20) / max(1, fw.cols)))
        var buffer = [Double](repeating: 0, count: strip * fw.cols)
        var r = fw.row
        while r < fw.rowEnd {
            let rows = min(strip, fw.rowEnd - r)
            try buffer.withUnsafeMutableBufferPointer { buf in
                let err = GDALRasterIO(b, GF_Read, Int32(fw.col), Int32(r), Int32(fw.cols), Int32(rows),
                                       buf.baseAddress, Int32(fw.cols), Int32(rows), GDT_Float64, 0, 0)
                if err != CE_None { throw GeoKitError.io(path, "cannot read band \(band): \(GDAL.lastError("read error"))") }
                if let nodata { for i in 0..<(rows * fw.cols) where buf[i] == nodata { buf[i] = .nan } }
                agg.accumulate(rows: r..<(r + rows), values: buf.baseAddress!, into: out)
            }
            r += rows
        }
    }
}

/// Why a CF raster's CRS is WGS 84: for `geotool info`, warnings and the sidecar.
public let cfAssumedCRSNote = "CF longitude/latitude coordinates without grid_mapping; CF does not name a datum: taken as WGS 84"
