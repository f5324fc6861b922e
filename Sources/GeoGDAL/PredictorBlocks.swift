import CGeo
import Foundation
import GeoCore

// GeoTIFF blocks compressed with DEFLATE and the floating-point predictor (PREDICTOR=3),
// decoded here instead of by libtiff. libtiff undoes that predictor a byte at a time (a
// running sum over each row's bytes, then a gather of the four byte planes into values,
// through a temporary copy): on the 10.5 million Float32 cells of a national night-lights
// layer that was 70 ms of CPU, more than the inflating. Here the raw block is read with
// GDAL's VSI, inflated by libdeflate (as libtiff does), and the predictor undone in SSE2
// vectors (float32: the four planes' running sums as four chains, then 16 values at a time
// by byte and word unpacks; float64: the row's running sum, then a plain gather): the same
// bytes, a few times faster. Anything else (another compression or predictor, a big-endian
// or pixel-interleaved file, a block missing from the file, a block that does not inflate
// to its exact size) is left to GDAL, block by block.

private typealias Bytes = SIMD16<UInt8>

/// The blocks of one band of one GeoTIFF handle (a worker's), decoded as described above.
final class PredictorBlocks {
    private let file: UnsafeMutablePointer<VSILFILE>
    private let band: GDALRasterBandH
    private let decompressor: OpaquePointer
    private let blockCols: Int, blockRows: Int, sampleBytes: Int, rasterRows: Int, tiled: Bool
    /// The handle's scratch, shared by its bands' readers.
    private let scratch: BlockScratch
    /// The block last inflated (in the scratch's plane `slot` given then).
    private var planes: UnsafeMutableRawPointer?
    /// Blocks decoded here (tests check that the path was taken).
    private(set) var decoded = 0

    /// Nil unless band `b` of `ds` (the file `path`) is one this reader decodes exactly.
    init?(dataset ds: GDALDatasetH, band b: GDALRasterBandH, path: String, type: PixelType, blockCols: Int, blockRows: Int,
          scratch: BlockScratch) {
        guard type == .float32 || type == .float64,
              GDALGetDriverShortName(GDALGetDatasetDriver(ds)).map({ String(cString: $0) }) == "GTiff",
              imageStructure(ds, b, "COMPRESSION") == "DEFLATE", imageStructure(ds, b, "PREDICTOR") == "3",
              imageStructure(ds, b, "NBITS") == nil,
              GDALGetRasterCount(ds) == 1 || imageStructure(ds, b, "INTERLEAVE") == "BAND",
              GDALGetMetadataItem(b, "BLOCK_OFFSET_0_0", "TIFF") != nil,
              let f = VSIFOpenL(path, "rb") else { return nil }
        // Little-endian files only ("II", classic or BigTIFF): the predictor's byte planes
        // are the value's bytes from the most significant, and libtiff hands them over in the
        // host's order, which this reader assumes is little-endian too.
        var magic = [UInt8](repeating: 0, count: 2)
        guard VSIFReadL(&magic, 1, 2, f) == 2, magic == [0x49, 0x49], UInt16(littleEndian: 1) == 1,
              let d = libdeflate_alloc_decompressor() else { VSIFCloseL(f); return nil }
        file = f; band = b; decompressor = d; self.scratch = scratch
        self.blockCols = blockCols; self.blockRows = blockRows; sampleBytes = type.size
        rasterRows = Int(GDALGetRasterBandYSize(b))
        // A stripped file's block is a strip as wide as the raster (the last one holds only the
        // rows left); a tiled one's, a whole tile. A tile as wide as the raster is taken for a
        // strip: its last one then inflates past the size expected and goes to GDAL.
        tiled = blockCols != Int(GDALGetRasterBandXSize(b))
    }

    deinit {
        VSIFCloseL(file)
        libdeflate_free_decompressor(decompressor)
    }

    /// Decode block (`col`, `row`) and write its cells inside `window` to `buffer` (the
    /// window's cells, row-major): false when GDAL must (nothing is assumed written then).
    /// Only the block's rows inside the window are undone, and only its columns inside the
    /// window gathered: no copy from a block buffer.
    func read(col: Int, row: Int, window: Window, into buffer: UnsafeMutableRawPointer) -> Bool {
        guard inflate(col: col, row: row, slot: 0) else { return false }
        let r0 = max(window.row, inflatedRow0), r1 = min(window.rowEnd, inflatedRow0 + inflatedRows)
        for r in r0..<max(r0, r1) { gather(row: r, window: window, into: buffer, cellStride: 1) }
        return true
    }

    /// Block (`col`, `row`) as inflated by `inflate`: its rows, and where it starts.
    private var inflatedRows = 0, inflatedRow0 = 0, inflatedCol0 = 0

    /// Inflate block (`col`, `row`) into plane `slot` of the handle's scratch (its byte
    /// planes, the predictor not yet undone; the slot is this reader's until its rows are
    /// gathered): false when GDAL must decode it.
    func inflate(col: Int, row: Int, slot: Int) -> Bool {
        guard let off = metadataInt(band, "BLOCK_OFFSET_\(col)_\(row)"), let size = metadataInt(band, "BLOCK_SIZE_\(col)_\(row)"),
              off > 0, size > 0 else { return false }
        // A strip past the last row holds only the rows left; a tile always holds a whole tile.
        let rows = tiled ? blockRows : min(blockRows, rasterRows - row * blockRows)
        let rowBytes = blockCols * sampleBytes, expected = rows * rowBytes
        guard rows > 0 else { return false }
        // Room for a whole block as it inflates: a compressed block is rarely larger, so the
        // buffer is not grown (and its new pages faulted in) block after block.
        let raw = scratch.raw(bytes: size, atLeast: blockRows * rowBytes)
        guard VSIFSeekL(file, vsi_l_offset(off), SEEK_SET) == 0, VSIFReadL(raw, 1, size, file) == size else { return false }
        // A row more than the block, before it: `decodeFloat32InPlace` writes each row's values
        // where the row before it was.
        let planes = scratch.plane(slot, bytes: (blockRows + 1) * rowBytes) + rowBytes
        self.planes = planes
        var got = 0
        guard libdeflate_zlib_decompress(decompressor, raw, size, planes, expected, &got) == LIBDEFLATE_SUCCESS, got == expected else { return false }
        inflatedRows = rows; inflatedRow0 = row * blockRows; inflatedCol0 = col * blockCols
        decoded += 1
        return true
    }

    /// Raster row `r` of the inflated block, its columns inside `window`: the predictor undone
    /// (once per row) and the values written to the window's cells in `buffer`, `cellStride`
    /// values apart (1: one band's plane; K: this band's place among K side by side).
    func gather(row r: Int, window: Window, into buffer: UnsafeMutableRawPointer, cellStride: Int) {
        let tc0 = inflatedCol0, rowBytes = blockCols * sampleBytes
        let c0 = max(window.col, tc0), c1 = min(window.colEnd, tc0 + blockCols)
        guard c0 < c1, r >= inflatedRow0, r < inflatedRow0 + inflatedRows, let planes else { return }
        undoPredictorRow(planes + (r - inflatedRow0) * rowBytes, samples: blockCols, sampleBytes: sampleBytes,
                         range: (c0 - tc0)..<(c1 - tc0), stride: cellStride,
                         into: buffer + ((r - window.row) * window.cols + (c0 - window.col)) * cellStride * sampleBytes)
    }

    /// Float32 only: rows `rows` of the inflated block, raster columns `cols` (inside the
    /// block), the predictor undone and each row's values written side by side from where the
    /// row before it starts (`decodedRow`; the first row's, in the row kept free before the
    /// block), over planes already decoded: no copy back.
    func decodeFloat32InPlace(rows: Range<Int>, cols: Range<Int>) {
        guard let planes, !cols.isEmpty else { return }
        let range = (cols.lowerBound - inflatedCol0)..<(cols.upperBound - inflatedCol0), rowBytes = blockCols * 4
        for r in max(rows.lowerBound, inflatedRow0)..<max(rows.lowerBound, min(rows.upperBound, inflatedRow0 + inflatedRows)) {
            let row = planes + (r - inflatedRow0) * rowBytes
            undoFloat32Row(row, samples: blockCols, range: range, into: row - rowBytes)
        }
    }

    /// Raster row `r`'s values after `decodeFloat32InPlace`.
    func decodedRow(_ r: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(planes! + (r - inflatedRow0 - 1) * blockCols * 4)
    }
}

/// Scratch memory of one handle's `PredictorBlocks` (a worker's), shared by all its bands:
/// the block as read from the file, and the inflated blocks, one plane slot per band read
/// side by side at once. Each reader had its own: a 90-band cube cost each worker 90
/// inflated blocks and 90 raw buffers (grown block by block), 40 MB of pages faulted in,
/// where a piece of 23 bands needs 23 and one. Used by one thread at a time (the handle's).
final class BlockScratch {
    private var rawBuffer: UnsafeMutableRawPointer?
    private var rawBytes = 0
    private var planes: [(base: UnsafeMutableRawPointer, bytes: Int)] = []
    /// Buffers allocated so far (tests hold the sharing to it).
    private(set) var allocations = 0

    /// The buffer for a block of `bytes` as read; made with room for `atLeast`.
    func raw(bytes: Int, atLeast: Int) -> UnsafeMutableRawPointer {
        if let rawBuffer, rawBytes >= bytes { return rawBuffer }
        rawBuffer?.deallocate()
        rawBytes = max(bytes, atLeast)
        rawBuffer = .allocate(byteCount: rawBytes, alignment: 64)
        allocations += 1
        return rawBuffer!
    }

    /// A row of zeros (`Raster.readSideBySide` of float32 bands, for a band GDAL decodes); not
    /// counted in `allocations`.
    func rows(bytes: Int) -> UnsafeMutableRawPointer {
        if let rowsBuffer, rowsBytes >= bytes { return rowsBuffer }
        rowsBuffer?.deallocate()
        rowsBytes = bytes
        rowsBuffer = .allocate(byteCount: bytes, alignment: 64)
        return rowsBuffer!
    }
    private var rowsBuffer: UnsafeMutableRawPointer?
    private var rowsBytes = 0

    /// Inflated block slot `slot`, of at least `bytes`.
    func plane(_ slot: Int, bytes: Int) -> UnsafeMutableRawPointer {
        while planes.count <= slot { planes.append((.allocate(byteCount: 1, alignment: 64), 0)) }
        if planes[slot].bytes < bytes {
            planes[slot].base.deallocate()
            planes[slot] = (.allocate(byteCount: bytes, alignment: 64), bytes)
            allocations += 1
        }
        return planes[slot].base
    }

    deinit {
        rawBuffer?.deallocate()
        rowsBuffer?.deallocate()
        for p in planes { p.base.deallocate() }
    }
}

/// Undo TIFF's floating-point predictor on one row: `row` holds `samples` values as byte
/// planes (all most significant bytes first), each byte stored as the difference from the
/// byte before it. The running sum is taken in place, then the planes are gathered into
/// little-endian values in `out`.
package func undoFloatPredictor(_ row: UnsafeMutableRawPointer, samples: Int, sampleBytes: Int, into out: UnsafeMutableRawPointer) {
    undoPredictorRow(row, samples: samples, sampleBytes: sampleBytes, range: 0..<samples, stride: 1, into: out)
}

/// The same for samples `range` of the row, written from `out` on `stride` values apart (1:
/// one band's plane; K: a band's place among K side by side). The row's bytes are left
/// changed (summed, for float32 plane by plane).
package func undoPredictorRow(_ row: UnsafeMutableRawPointer, samples: Int, sampleBytes: Int, range: Range<Int>, stride: Int,
                              into out: UnsafeMutableRawPointer) {
    guard sampleBytes == 4 else {
        undoByteDifferences(row, count: samples * sampleBytes)
        gatherPlanes(row, samples: samples, range: range, sampleBytes: sampleBytes, stride: stride, into: out)
        return
    }
    let offsets = planeRunningSums(row, samples: samples, range: range)
    if stride == 1 { return gatherPlanes4(row, samples: samples, range: range, offsets: offsets, into: out) }
    // Among K bands side by side: 256 values at a time into a small buffer, then stored K apart.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { tmp in
        let t = tmp.baseAddress!
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + 256)
            gatherPlanes4(row, samples: samples, range: start..<end, offsets: offsets, into: UnsafeMutableRawPointer(t))
            var dst = (out + (start - range.lowerBound) * stride * 4).assumingMemoryBound(to: UInt32.self)
            for j in 0..<(end - start) {
                dst.pointee = t[j]
                dst += stride
            }
            start = end
        }
    }
}

/// The running sum of `count` bytes in place (each byte was stored as the difference from
/// the one before it), modulo 256.
@inline(__always)
private func undoByteDifferences(_ row: UnsafeMutableRawPointer, count n: Int) {
    // 16 bytes at a time: the running sum within the vector in four shifted adds (by 1, 2, 4
    // and 8 bytes; lane-wise adds are sums modulo 256), then the sum of every byte before
    // it added to all 16. That carry grows by this vector's total, taken off the chain from
    // one vector to the next (which is then one add).
    let vectors = n / 16
    var carry = Bytes(repeating: 0)
    for v in 0..<vectors {
        var x = (row + 16 * v).loadUnaligned(as: Bytes.self)
        x &+= shiftedUp(x, 1)
        x &+= shiftedUp(x, 2)
        x &+= shiftedUp(x, 4)
        x &+= shiftedUp(x, 8)
        (row + 16 * v).storeBytes(of: x &+ carry, as: Bytes.self)
        carry &+= Bytes(repeating: x[15])
    }
    let bytes = row.assumingMemoryBound(to: UInt8.self)
    var last = carry[0]
    for i in (16 * vectors)..<n {
        last = last &+ bytes[i]
        bytes[i] = last
    }
}

/// `v`'s bytes moved `by` lanes up (towards the end), zeros coming in: one byte shift of the
/// register (the compiler makes the constant shuffles `pslldq`).
@inline(__always)
private func shiftedUp(_ v: Bytes, _ by: Int) -> Bytes {
    switch by {
    case 1: return SIMD16(0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14])
    case 2: return SIMD16(0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13])
    case 4: return SIMD16(0, 0, 0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11])
    default: return SIMD16(0, 0, 0, 0, 0, 0, 0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
    }
}

/// Samples `range` of a row of `samples` values stored as byte planes (the most significant
/// bytes first), as little-endian values from `out` on, `stride` values apart (float64:
/// float32 rows take `gatherPlanes4`).
@inline(__always)
private func gatherPlanes(_ row: UnsafeMutableRawPointer, samples: Int, range: Range<Int>, sampleBytes: Int, stride: Int,
                          into out: UnsafeMutableRawPointer) {
    let bytes = row.assumingMemoryBound(to: UInt8.self)
    let first = range.lowerBound
    let o = out.assumingMemoryBound(to: UInt8.self)
    for k in range {
        for j in 0..<sampleBytes { o[(k - first) * stride * sampleBytes + j] = bytes[(sampleBytes - 1 - j) * samples + k] }
    }
}

private func imageStructure(_ ds: GDALDatasetH, _ b: GDALRasterBandH, _ key: String) -> String? {
    (GDALGetMetadataItem(b, key, "IMAGE_STRUCTURE") ?? GDALGetMetadataItem(ds, key, "IMAGE_STRUCTURE")).map { String(cString: $0) }
}

private func metadataInt(_ b: GDALRasterBandH, _ key: String) -> Int? {
    GDALGetMetadataItem(b, key, "TIFF").flatMap { Int(String(cString: $0)) }
}

// MARK: Float32 rows: the running sum by plane, and the planes gathered 16 values at a time

/// Undo TIFF's floating-point predictor on a row of `samples` float32 values (four byte
/// planes, the most significant first) and write the values of samples `range` to `out`,
/// side by side, little-endian. The planes' bytes in `range` are left holding a running sum
/// short of the row's (see `planeRunningSums`).
@inline(__always)
func undoFloat32Row(_ row: UnsafeMutableRawPointer, samples: Int, range: Range<Int>, into out: UnsafeMutableRawPointer) {
    let offsets = planeRunningSums(row, samples: samples, range: range)
    gatherPlanes4(row, samples: samples, range: range, offsets: offsets, into: out)
}

/// The running sum of a row's four planes of `samples` bytes taken in place over `range`,
/// four independent chains (the sum of the whole row, one byte after another, was one chain:
/// each vector waited for the one before it), each plane's from the sum of its bytes before
/// `range`. Bytes outside `range` are only summed (a tile at the raster's right edge is
/// mostly outside it). Returns what each plane's bytes lack of the row's sum: the total of
/// the planes before it (modulo 256), in every lane.
@inline(__always)
private func planeRunningSums(_ row: UnsafeMutableRawPointer, samples n: Int, range: Range<Int>) -> (Bytes, Bytes, Bytes, Bytes) {
    let p0 = row, p1 = row + n, p2 = row + 2 * n, p3 = row + 3 * n
    let first = range.lowerBound, end = range.upperBound
    var c0 = Bytes(repeating: byteSum(p0, 0..<first)), c1 = Bytes(repeating: byteSum(p1, 0..<first))
    var c2 = Bytes(repeating: byteSum(p2, 0..<first)), c3 = Bytes(repeating: byteSum(p3, 0..<first))
    var o = first
    while o + 16 <= end {
        let x0 = runningSum(p0.loadUnaligned(fromByteOffset: o, as: Bytes.self)) &+ c0
        let x1 = runningSum(p1.loadUnaligned(fromByteOffset: o, as: Bytes.self)) &+ c1
        let x2 = runningSum(p2.loadUnaligned(fromByteOffset: o, as: Bytes.self)) &+ c2
        let x3 = runningSum(p3.loadUnaligned(fromByteOffset: o, as: Bytes.self)) &+ c3
        (p0 + o).storeBytes(of: x0, as: Bytes.self)
        (p1 + o).storeBytes(of: x1, as: Bytes.self)
        (p2 + o).storeBytes(of: x2, as: Bytes.self)
        (p3 + o).storeBytes(of: x3, as: Bytes.self)
        c0 = lastLane(x0); c1 = lastLane(x1); c2 = lastLane(x2); c3 = lastLane(x3)
        o += 16
    }
    var t0 = c0[0], t1 = c1[0], t2 = c2[0]
    var t3 = c3[0]
    let b0 = p0.assumingMemoryBound(to: UInt8.self), b1 = p1.assumingMemoryBound(to: UInt8.self)
    let b2 = p2.assumingMemoryBound(to: UInt8.self), b3 = p3.assumingMemoryBound(to: UInt8.self)
    while o < end {
        t0 &+= b0[o]; b0[o] = t0
        t1 &+= b1[o]; b1[o] = t1
        t2 &+= b2[o]; b2[o] = t2
        t3 &+= b3[o]; b3[o] = t3
        o += 1
    }
    // The planes' totals: the last plane's is not needed.
    t0 &+= byteSum(p0, end..<n); t1 &+= byteSum(p1, end..<n); t2 &+= byteSum(p2, end..<n)
    return (Bytes(repeating: 0), Bytes(repeating: t0), Bytes(repeating: t0 &+ t1), Bytes(repeating: t0 &+ t1 &+ t2))
}

/// The sum of bytes `range` from `p`, modulo 256.
@inline(__always)
private func byteSum(_ p: UnsafeMutableRawPointer, _ range: Range<Int>) -> UInt8 {
    guard !range.isEmpty else { return 0 }
    var acc = Bytes(repeating: 0)
    var o = range.lowerBound
    while o + 16 <= range.upperBound {
        acc &+= p.loadUnaligned(fromByteOffset: o, as: Bytes.self)
        o += 16
    }
    var sum = acc.wrappedSum()
    while o < range.upperBound {
        sum &+= p.load(fromByteOffset: o, as: UInt8.self)
        o += 1
    }
    return sum
}

/// The running sum within one vector: four shifted adds (lane-wise adds are sums modulo 256).
@inline(__always)
private func runningSum(_ v: Bytes) -> Bytes {
    var x = v
    x &+= shiftedUp(x, 1)
    x &+= shiftedUp(x, 2)
    x &+= shiftedUp(x, 4)
    x &+= shiftedUp(x, 8)
    return x
}

/// Lane 15 in every lane (SSE2 has no byte broadcast: unpack, then word and dword shuffles).
@inline(__always)
private func lastLane(_ v: Bytes) -> Bytes {
    let h = Bytes(v[8], v[8], v[9], v[9], v[10], v[10], v[11], v[11], v[12], v[12], v[13], v[13], v[14], v[14], v[15], v[15])
    return Bytes(h[14], h[15], h[14], h[15], h[14], h[15], h[14], h[15], h[14], h[15], h[14], h[15], h[14], h[15], h[14], h[15])
}

/// Samples `range` of a row of four planes (each holding its own running sum; `offsets` the
/// rest of the row's), as little-endian values side by side from `out`: 16 bytes of each
/// plane made 16 values by byte and word unpacks (the compiler's own vectorisation loaded
/// four bytes of each plane at a time).
@inline(__always)
private func gatherPlanes4(_ row: UnsafeMutableRawPointer, samples n: Int, range: Range<Int>, offsets: (Bytes, Bytes, Bytes, Bytes),
                           into out: UnsafeMutableRawPointer) {
    let q0 = row + range.lowerBound, q1 = q0 + n, q2 = q0 + 2 * n, q3 = q0 + 3 * n
    let count = range.count
    var j = 0
    while j + 16 <= count {
        let m0 = q0.loadUnaligned(fromByteOffset: j, as: Bytes.self) &+ offsets.0   // most significant
        let m1 = q1.loadUnaligned(fromByteOffset: j, as: Bytes.self) &+ offsets.1
        let m2 = q2.loadUnaligned(fromByteOffset: j, as: Bytes.self) &+ offsets.2
        let m3 = q3.loadUnaligned(fromByteOffset: j, as: Bytes.self) &+ offsets.3   // least
        let low32 = interleaveLow(m3, m2), high32 = interleaveHigh(m3, m2)
        let low10 = interleaveLow(m1, m0), high10 = interleaveHigh(m1, m0)
        let at = out + 4 * j
        at.storeBytes(of: interleaveLowPairs(low32, low10), toByteOffset: 0, as: Bytes.self)
        at.storeBytes(of: interleaveHighPairs(low32, low10), toByteOffset: 16, as: Bytes.self)
        at.storeBytes(of: interleaveLowPairs(high32, high10), toByteOffset: 32, as: Bytes.self)
        at.storeBytes(of: interleaveHighPairs(high32, high10), toByteOffset: 48, as: Bytes.self)
        j += 16
    }
    let b0 = q0.assumingMemoryBound(to: UInt8.self), b1 = q1.assumingMemoryBound(to: UInt8.self)
    let b2 = q2.assumingMemoryBound(to: UInt8.self), b3 = q3.assumingMemoryBound(to: UInt8.self)
    let o = out.assumingMemoryBound(to: UInt32.self)
    while j < count {
        let v = UInt32(b0[j] &+ offsets.0[0]) << 24 | UInt32(b1[j] &+ offsets.1[0]) << 16
            | UInt32(b2[j] &+ offsets.2[0]) << 8 | UInt32(b3[j] &+ offsets.3[0])
        o[j] = v.littleEndian
        j += 1
    }
}

/// Bytes 0-7 of `a` and `b` alternating (`punpcklbw`).
@inline(__always)
private func interleaveLow(_ a: Bytes, _ b: Bytes) -> Bytes {
    Bytes(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// Bytes 8-15 of `a` and `b` alternating (`punpckhbw`).
@inline(__always)
private func interleaveHigh(_ a: Bytes, _ b: Bytes) -> Bytes {
    Bytes(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}

/// Byte pairs 0-3 of `a` and `b` alternating (`punpcklwd`; written on bytes, the compiler
/// mixed these shuffles with the ones before them into masks and ors).
@inline(__always)
private func interleaveLowPairs(_ a: Bytes, _ b: Bytes) -> Bytes {
    let x = unsafeBitCast(a, to: SIMD8<UInt16>.self), y = unsafeBitCast(b, to: SIMD8<UInt16>.self)
    return unsafeBitCast(SIMD8<UInt16>(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3]), to: Bytes.self)
}

/// Byte pairs 4-7 of `a` and `b` alternating (`punpckhwd`).
@inline(__always)
private func interleaveHighPairs(_ a: Bytes, _ b: Bytes) -> Bytes {
    let x = unsafeBitCast(a, to: SIMD8<UInt16>.self), y = unsafeBitCast(b, to: SIMD8<UInt16>.self)
    return unsafeBitCast(SIMD8<UInt16>(x[4], y[4], x[5], y[5], x[6], y[6], x[7], y[7]), to: Bytes.self)
}

/// `bands` rows of `count` 4-byte values (band k's from `rows[k]`) written with each cell's
/// bands side by side: band k of cell c at `out[c * bands + k]`. Four cells of four bands
/// at a time, transposed in registers and stored as four 16-byte runs; the last four bands
/// overlap the group before them when `bands` is not a multiple of four (the same values
/// written twice), so nothing is written outside the cells' bands. Cell by cell along the
/// row, all the bands of four cells before the next four (four bands at a time along the
/// whole row, then the next four, was slower: about 5% of the profile against 4%).
package func interleaveBands(_ rows: UnsafePointer<UnsafeRawPointer>, bands: Int, count: Int, into out: UnsafeMutableRawPointer) {
    typealias Four = SIMD4<UInt32>
    let dst = out.assumingMemoryBound(to: UInt32.self)
    var c = 0
    if bands >= 4 {
        while c + 4 <= count {
            var k = 0
            while true {
                let k0 = min(k, bands - 4)
                let a = rows[k0].loadUnaligned(fromByteOffset: 4 * c, as: Four.self)
                let b = rows[k0 + 1].loadUnaligned(fromByteOffset: 4 * c, as: Four.self)
                let e = rows[k0 + 2].loadUnaligned(fromByteOffset: 4 * c, as: Four.self)
                let f = rows[k0 + 3].loadUnaligned(fromByteOffset: 4 * c, as: Four.self)
                let ab01 = Four(a[0], b[0], a[1], b[1]), ab23 = Four(a[2], b[2], a[3], b[3])
                let ef01 = Four(e[0], f[0], e[1], f[1]), ef23 = Four(e[2], f[2], e[3], f[3])
                let d = UnsafeMutableRawPointer(dst + c * bands + k0), cell = 4 * bands
                d.storeBytes(of: Four(ab01[0], ab01[1], ef01[0], ef01[1]), as: Four.self)
                d.storeBytes(of: Four(ab01[2], ab01[3], ef01[2], ef01[3]), toByteOffset: cell, as: Four.self)
                d.storeBytes(of: Four(ab23[0], ab23[1], ef23[0], ef23[1]), toByteOffset: 2 * cell, as: Four.self)
                d.storeBytes(of: Four(ab23[2], ab23[3], ef23[2], ef23[3]), toByteOffset: 3 * cell, as: Four.self)
                if k0 + 4 >= bands { break }
                k += 4
            }
            c += 4
        }
    }
    while c < count {
        for k in 0..<bands { dst[c * bands + k] = rows[k].load(fromByteOffset: 4 * c, as: UInt32.self) }
        c += 1
    }
}
