import CGeo
import Foundation
import GeoCore

// A netCDF-4 variable chunked (1, 1, width), as older tools write daily cubes, read without
// GDAL's netCDF driver. GDAL 3.6 takes one process-wide lock around every netCDF call, the
// inflating included, so the second worker waited while the first decoded. Here the raw
// chunks of a window are fetched with HDF5 (H5Dread_chunk: a chunk-index lookup and a copy
// from the page cache) under one lock, and inflated (libdeflate, as for GeoTIFF blocks) and
// unshuffled outside it, on the worker that asked: both cores decode.
//
// Taken only when the bytes are certainly GDAL's: a local netCDF-4 file whose variable has
// three dimensions matching the raster (bands, rows, cols), chunks of one step and one row,
// filters deflate or shuffle then deflate (nothing else), a little-endian type that is the
// band's own (float32/64, int16/32, uint8/16); rows in GDAL's order (GDAL shows a file
// stored south to north flipped: known from the y coordinate, which must exist); and the
// first and last rows of the first and last bands read both ways agree byte for byte. As
// GDAL's netCDF driver does (CheckData), NaN in a float variable reads as its nodata value;
// a variable with valid_range, valid_min or valid_max (which GDAL applies) or that is a
// longitude (which GDAL wraps) goes to GDAL, as does a float one without nodata.
// Anything else, and a chunk missing from the file or not inflating to its exact size, is
// left to GDAL. `GEOTOOL_NETCDF_RAW_CHUNKS=0` turns the path off.

/// Every HDF5 call of the process, and every GDAL netCDF/HDF5 open, close and read of
/// GeoGDAL, under one lock: HDF5 is shared with libnetcdf inside GDAL, which is not
/// thread-safe (GDAL 3.6 serialises its own netCDF calls, not ours).
package enum HDF5Access {
    package static let lock = NSLock()

    /// Run `body` under the lock.
    package static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    /// Run `body` under the lock when `guarded`, else straight.
    package static func locked<T>(if guarded: Bool, _ body: () throws -> T) rethrows -> T {
        guarded ? try locked(body) : try body()
    }

    /// Whether opening `path` with GDAL may call HDF5 or libnetcdf, so the open (and close)
    /// goes under the lock. The driver is known only after the open: every local file counts
    /// (its open is short), a remote one only by a netCDF or HDF5 name or prefix. A remote
    /// open waits on the network: under the lock it would hold every other worker's netCDF
    /// reads, and two workers' opens of one COG would take turns.
    package static func mayOpenHDF5(_ path: String) -> Bool {
        guard isRemotePath(path) else { return true }
        let upper = path.uppercased()
        if ["NETCDF:", "HDF5:", "HDF4:", "HDF5IMAGE:"].contains(where: { upper.hasPrefix($0) }) { return true }
        let ext = (datasetFile(path) as NSString).pathExtension.lowercased()
        return ["nc", "nc4", "cdf", "h5", "hdf5", "he5", "hdf", "h4"].contains(ext)
    }

    /// Whether the raw-chunk path may be taken: not when GEOTOOL_NETCDF_RAW_CHUNKS=0.
    package static var rawChunksEnabled: Bool {
        ProcessInfo.processInfo.environment["GEOTOOL_NETCDF_RAW_CHUNKS"] != "0"
    }
}

/// The one-row chunks of one netCDF-4 variable, opened by one worker's `Raster`.
final class NetCDFRowChunks {
    private let file: hid_t, dataset: hid_t
    private let rows: Int, cols: Int, steps: Int, chunkCols: Int, size: Int
    /// Filter indices in the pipeline (bit i of a chunk's filter mask: filter i skipped).
    private let shuffleIndex: Int?, deflateIndex: Int
    /// GDAL's row r is the file's row rows - 1 - r (a file stored south to north).
    private let flipped: Bool
    private let decompressor: OpaquePointer
    /// What NaN reads as (a float variable's nodata, as GDAL's netCDF driver does).
    private let nanValue: Double?
    private let type: PixelType
    /// A window's raw chunks, back to back, and each one's place, size and filter mask.
    private var staging = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
    private var stagingBytes = 1
    private var fetched: [(row: Int, chunk: Int, at: Int, bytes: Int, mask: UInt32)] = []
    /// One inflated chunk (when it must be unshuffled or cut to the window's columns).
    private let scratch: UnsafeMutableRawPointer
    /// Chunks decoded here so far (tests check that the path was taken).
    private(set) var decoded = 0

    /// The variable `variable` of the netCDF-4 `path`, or nil unless it is laid out as this
    /// reader needs (see above) for a raster of `bands` bands of `type` on `grid`. Takes the
    /// HDF5 lock.
    init?(path: String, variable: String, grid: Grid, bands: Int, type: PixelType, nodata: Double?, yAscending: Bool) {
        guard type.isInteger || nodata != nil else { return nil }
        let opened: (hid_t, hid_t, Int, Int?, Int)? = HDF5Access.locked {
            geokit_h5_quiet()
            let f = geokit_h5_open_readonly(path)
            guard f >= 0 else { return nil }
            let d = H5Dopen2(f, variable.hasPrefix("/") ? variable : "/" + variable, hid_t(H5P_DEFAULT))
            guard d >= 0 else { H5Fclose(f); return nil }
            guard let (chunkCols, shuffle, deflate) = Self.layout(d, grid: grid, bands: bands, type: type) else {
                H5Dclose(d); H5Fclose(f); return nil
            }
            return (f, d, chunkCols, shuffle, deflate)
        }
        guard let (f, d, cw, shuffle, deflate) = opened, let dec = libdeflate_alloc_decompressor() else {
            if let opened { HDF5Access.locked { H5Dclose(opened.1); H5Fclose(opened.0) } }
            return nil
        }
        file = f; dataset = d; chunkCols = cw; shuffleIndex = shuffle; deflateIndex = deflate
        rows = grid.rows; cols = grid.cols; steps = bands; size = type.size
        flipped = yAscending; decompressor = dec
        self.type = type; nanValue = type.isInteger ? nil : nodata
        scratch = .allocate(byteCount: cw * type.size, alignment: 64)
    }

    deinit {
        HDF5Access.locked { H5Dclose(dataset); H5Fclose(file) }
        libdeflate_free_decompressor(decompressor)
        staging.deallocate(); scratch.deallocate()
    }

    /// The chunk width and the shuffle and deflate filters' indices of dataset `d`, or nil
    /// unless it is (bands, rows, cols) of `type`, chunked (1, 1, w) with [shuffle,] deflate.
    private static func layout(_ d: hid_t, grid: Grid, bands: Int, type: PixelType) -> (Int, Int?, Int)? {
        let space = H5Dget_space(d), dcpl = H5Dget_create_plist(d), t = H5Dget_type(d)
        defer { H5Sclose(space); H5Pclose(dcpl); H5Tclose(t) }
        guard space >= 0, dcpl >= 0, t >= 0, sameType(t, type), H5Sget_simple_extent_ndims(space) == 3 else { return nil }
        var dims = [hsize_t](repeating: 0, count: 3), chunk = [hsize_t](repeating: 0, count: 3)
        guard H5Sget_simple_extent_dims(space, &dims, nil) == 3, dims == [hsize_t(bands), hsize_t(grid.rows), hsize_t(grid.cols)],
              H5Pget_layout(dcpl) == H5D_CHUNKED, H5Pget_chunk(dcpl, 3, &chunk) == 3,
              chunk[0] == 1, chunk[1] == 1, chunk[2] > 0 else { return nil }
        var ids: [H5Z_filter_t] = []
        for i in 0..<max(0, Int(H5Pget_nfilters(dcpl))) {
            var flags: UInt32 = 0, n = 8, config: UInt32 = 0
            var cd = [UInt32](repeating: 0, count: 8)
            let id = H5Pget_filter2(dcpl, UInt32(i), &flags, &n, &cd, 0, nil, &config)
            // Shuffle must be for this element size (it is set from the type when written).
            if id == H5Z_FILTER_SHUFFLE && (n < 1 || Int(cd[0]) != type.size) { return nil }
            ids.append(id)
        }
        switch ids {
        case [H5Z_FILTER_DEFLATE]: return (Int(chunk[2]), nil, 0)
        case [H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE]: return (Int(chunk[2]), 0, 1)
        default: return nil
        }
    }

    /// Whether HDF5 type `t` is `type` exactly, little-endian (the host's order).
    private static func sameType(_ t: hid_t, _ type: PixelType) -> Bool {
        guard H5open() >= 0, UInt16(littleEndian: 1) == 1 else { return false }
        let want: hid_t
        switch type {
        case .float32: want = H5T_IEEE_F32LE_g
        case .float64: want = H5T_IEEE_F64LE_g
        case .int16: want = H5T_STD_I16LE_g
        case .int32: want = H5T_STD_I32LE_g
        case .uint8: want = H5T_STD_U8LE_g
        case .uint16: want = H5T_STD_U16LE_g
        case .int8, .uint32: return false
        }
        return H5Tequal(t, want) > 0
    }

    /// Read `window` of band `band` (1-based) into `buffer` (row-major, the band's type):
    /// false when GDAL must (the buffer may then hold anything).
    func read(band: Int, window: Window, into buffer: UnsafeMutableRawPointer) -> Bool {
        guard band >= 1, band <= steps, !window.isEmpty, fetch(band: band, window: window) else { return false }
        let chunkBytes = chunkCols * size
        for f in fetched {
            let src = staging + f.at
            let c0 = f.chunk * chunkCols, c1 = min(cols, c0 + chunkCols)
            let w0 = max(window.col, c0), w1 = min(window.colEnd, c1)
            let out = buffer + ((f.row - window.row) * window.cols + (w0 - window.col)) * size
            let deflated = f.mask & (1 << UInt32(deflateIndex)) == 0
            let shuffled = shuffleIndex.map { f.mask & (1 << UInt32($0)) == 0 } ?? false
            // Straight into the window when the whole chunk lies in the row and needs no unshuffle.
            let direct = !shuffled && w0 == c0 && w1 - w0 == chunkCols
            let plain = direct ? out : scratch
            if deflated {
                var got = 0
                guard libdeflate_zlib_decompress(decompressor, src, f.bytes, plain, chunkBytes, &got) == LIBDEFLATE_SUCCESS,
                      got == chunkBytes else { return false }
            } else {
                guard f.bytes == chunkBytes else { return false }
                plain.copyMemory(from: src, byteCount: chunkBytes)
            }
            if !direct {
                if shuffled {
                    unshuffle(UnsafeRawPointer(plain), elements: chunkCols, elementBytes: size, range: (w0 - c0)..<(w1 - c0), into: out)
                } else {
                    out.copyMemory(from: plain + (w0 - c0) * size, byteCount: (w1 - w0) * size)
                }
            }
            if let nanValue { replaceNaN(out, count: w1 - w0, type: type, with: nanValue) }
            decoded += 1
        }
        return true
    }

    /// The raw chunks under `window` of band `band`, into `staging` and `fetched`, under the
    /// HDF5 lock. False when a chunk is missing or larger than a chunk can be compressed.
    private func fetch(band: Int, window: Window) -> Bool {
        fetched.removeAll(keepingCapacity: true)
        // Deflate's worst case on a chunk (HDF5 keeps a chunk unfiltered when it does not shrink).
        let most = chunkCols * size + chunkCols * size / 1000 + 64
        let firstChunk = window.col / chunkCols, lastChunk = (window.colEnd - 1) / chunkCols
        let need = window.rows * (lastChunk - firstChunk + 1) * most
        if stagingBytes < need {
            staging.deallocate(); staging = .allocate(byteCount: need, alignment: 64); stagingBytes = need
        }
        return HDF5Access.locked {
            var at = 0
            // One offset array for every chunk (not an allocation each, under the lock).
            var offset: [hsize_t] = [hsize_t(band - 1), 0, 0]
            for r in window.row..<window.rowEnd {
                offset[1] = hsize_t(flipped ? rows - 1 - r : r)
                for k in firstChunk...lastChunk {
                    offset[2] = hsize_t(k * chunkCols)
                    var bytes: hsize_t = 0, mask: UInt32 = 0
                    guard H5Dget_chunk_storage_size(dataset, &offset, &bytes) >= 0, bytes > 0, Int(bytes) <= most,
                          H5Dread_chunk(dataset, hid_t(H5P_DEFAULT), &offset, &mask, staging + at) >= 0 else { return false }
                    fetched.append((r, k, at, Int(bytes), mask))
                    at += Int(bytes)
                }
            }
            return true
        }
    }
}

extension NetCDFRowChunks {
    /// Whether rows read here equal GDAL's, byte for byte: the first and last rows of the
    /// first and last bands of `handle` (the same variable through GDAL).
    func agreesWithGDAL(_ handle: GDALDatasetH, type: PixelType) -> Bool {
        var ours = [UInt8](repeating: 0, count: cols * size), theirs = ours
        for band in Set([1, steps]) {
            for row in Set([0, rows - 1]) {
                let w = Window(row: row, col: 0, rows: 1, cols: cols)
                let ok = ours.withUnsafeMutableBytes { read(band: band, window: w, into: $0.baseAddress!) }
                let err = theirs.withUnsafeMutableBytes { buf in
                    HDF5Access.locked {
                        GDALRasterIO(GDALGetRasterBand(handle, Int32(band)), GF_Read, 0, Int32(row), Int32(cols), 1,
                                     buf.baseAddress, Int32(cols), 1, type.gdal, 0, 0)
                    }
                }
                guard ok, err == CE_None, ours == theirs else { return false }
            }
        }
        decoded = 0
        return true
    }
}

/// Whether GDAL's netCDF driver may take variable `variable` for a longitude, whose values
/// it wraps (`NCDFIsVarLongitude`: standard_name or long_name "longitude", CF's eastward
/// degree units, or the name lon / longitude): such a variable is left to GDAL. Other units
/// in degrees (degrees_Celsius) are not longitudes.
package func isLongitudeLike(variable: String, standardName: String?, longName: String?, units: String?) -> Bool {
    let eastUnits: Set<String> = ["degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"]
    return standardName?.lowercased() == "longitude" || longName?.lowercased() == "longitude"
        || units.map { eastUnits.contains($0.lowercased()) } == true
        || ["lon", "longitude"].contains(variable.lowercased())
}

/// NaN among `count` values of float `type` at `values` replaced by `value` (in that type).
/// Every value is written back (itself or `value`): a select the compiler vectorises, where
/// a store only under a test was a branch per value (a third of the time).
package func replaceNaN(_ values: UnsafeMutableRawPointer, count: Int, type: PixelType, with value: Double) {
    if type == .float32 {
        let v = values.assumingMemoryBound(to: Float.self), x = Float(value)
        for i in 0..<count { let e = v[i]; v[i] = e != e ? x : e }
    } else if type == .float64 {
        let v = values.assumingMemoryBound(to: Double.self)
        for i in 0..<count { let e = v[i]; v[i] = e != e ? value : e }
    }
}

/// HDF5's shuffle undone for elements `range` of `elements` values of `elementBytes` bytes:
/// `shuffled` holds every value's first byte, then every value's second byte, and so on;
/// `out` gets the values of `range`, in order.
package func unshuffle(_ shuffled: UnsafeRawPointer, elements n: Int, elementBytes s: Int, range: Range<Int>,
                       into out: UnsafeMutableRawPointer) {
    let bytes = shuffled.assumingMemoryBound(to: UInt8.self)
    let first = range.lowerBound
    switch s {
    case 1:
        out.copyMemory(from: shuffled + first, byteCount: range.count)
    // The planes taken from `first` on, so the loops count from 0 with no overflow check
    // per value: the compiler vectorises them (with `k - first`, a scalar loop).
    case 2:
        let o = out.assumingMemoryBound(to: UInt16.self)
        let p0 = bytes + first, p1 = bytes + n + first
        for j in 0..<range.count { o[j] = (UInt16(p0[j]) | UInt16(p1[j]) << 8).littleEndian }
    case 4:
        let o = out.assumingMemoryBound(to: UInt32.self)
        let p0 = bytes + first, p1 = bytes + n + first, p2 = bytes + 2 * n + first, p3 = bytes + 3 * n + first
        for j in 0..<range.count {
            o[j] = (UInt32(p0[j]) | UInt32(p1[j]) << 8 | UInt32(p2[j]) << 16 | UInt32(p3[j]) << 24).littleEndian
        }
    default:
        let o = out.assumingMemoryBound(to: UInt8.self)
        for k in range {
            for j in 0..<s { o[(k - first) * s + j] = bytes[j * n + k] }
        }
    }
}
