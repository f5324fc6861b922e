import CGeo
import Foundation
import GeoCore

// GeoTIFF blocks compressed with DEFLATE and the floating-point predictor (PREDICTOR=3),
// decoded here instead of by libtiff. libtiff undoes that predictor a byte at a time (a
// running sum over each row's bytes, then a gather of the four byte planes into values,
// through a temporary copy): on the 10.5 million Float32 cells of a national night-lights
// layer that was 70 ms of CPU, more than the inflating. Here the raw block is read with
// GDAL's VSI, inflated by libdeflate (as libtiff does), and the predictor undone with
// 8-byte words (the running sum) and a loop the compiler vectorises (the gather): the same
// bytes, a few times faster. Anything else (another compression or predictor, a big-endian
// or pixel-interleaved file, a block missing from the file, a block that does not inflate
// to its exact size) is left to GDAL, block by block.

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
        let planes = scratch.plane(slot, bytes: blockRows * rowBytes)
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
        let planesOfRow = planes + (r - inflatedRow0) * rowBytes
        undoByteDifferences(planesOfRow, count: rowBytes)
        gatherPlanes(planesOfRow, samples: blockCols, range: (c0 - tc0)..<(c1 - tc0), sampleBytes: sampleBytes, stride: cellStride,
                     into: buffer + ((r - window.row) * window.cols + (c0 - window.col)) * cellStride * sampleBytes)
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
        for p in planes { p.base.deallocate() }
    }
}

/// Undo TIFF's floating-point predictor on one row: `row` holds `samples` values as byte
/// planes (all most significant bytes first), each byte stored as the difference from the
/// byte before it. The running sum is taken in place, then the planes are gathered into
/// little-endian values in `out`.
package func undoFloatPredictor(_ row: UnsafeMutableRawPointer, samples: Int, sampleBytes: Int, into out: UnsafeMutableRawPointer) {
    undoByteDifferences(row, count: samples * sampleBytes)
    gatherPlanes(row, samples: samples, range: 0..<samples, sampleBytes: sampleBytes, stride: 1, into: out)
}

/// The running sum of `count` bytes in place (each byte was stored as the difference from
/// the one before it), modulo 256.
@inline(__always)
private func undoByteDifferences(_ row: UnsafeMutableRawPointer, count n: Int) {
    typealias Bytes = SIMD16<UInt8>
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
private func shiftedUp(_ v: SIMD16<UInt8>, _ by: Int) -> SIMD16<UInt8> {
    switch by {
    case 1: return SIMD16(0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14])
    case 2: return SIMD16(0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13])
    case 4: return SIMD16(0, 0, 0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11])
    default: return SIMD16(0, 0, 0, 0, 0, 0, 0, 0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
    }
}

/// Samples `range` of a row of `samples` values stored as byte planes (the most significant
/// bytes first), as little-endian values from `out` on, `stride` values apart.
@inline(__always)
private func gatherPlanes(_ row: UnsafeMutableRawPointer, samples: Int, range: Range<Int>, sampleBytes: Int, stride: Int,
                          into out: UnsafeMutableRawPointer) {
    let bytes = row.assumingMemoryBound(to: UInt8.self)
    let first = range.lowerBound
    if sampleBytes == 4 {
        let o = out.assumingMemoryBound(to: UInt32.self)
        let p0 = bytes, p1 = bytes + samples, p2 = bytes + 2 * samples, p3 = bytes + 3 * samples
        if stride == 1 {
            // Apart from the loop below only in the stride the compiler knows; counted from 0
            // (no overflow check per value), it vectorises this one.
            let q0 = p0 + first, q1 = p1 + first, q2 = p2 + first, q3 = p3 + first
            for j in 0..<range.count {
                o[j] = (UInt32(q0[j]) << 24 | UInt32(q1[j]) << 16 | UInt32(q2[j]) << 8 | UInt32(q3[j])).littleEndian
            }
        } else {
            // Among K bands side by side: the values made 256 at a time by the vectorised
            // loop into a small buffer, then stored K apart (one load and one store each,
            // where making each value beside its strided store was a dozen instructions).
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { tmp in
                let t = tmp.baseAddress!
                var start = first
                while start < range.upperBound {
                    let n = min(range.upperBound, start + 256) - start
                    let q0 = p0 + start, q1 = p1 + start, q2 = p2 + start, q3 = p3 + start
                    for j in 0..<n {
                        t[j] = (UInt32(q0[j]) << 24 | UInt32(q1[j]) << 16 | UInt32(q2[j]) << 8 | UInt32(q3[j])).littleEndian
                    }
                    var dst = o + (start - first) * stride
                    for j in 0..<n {
                        dst.pointee = t[j]
                        dst += stride
                    }
                    start += n
                }
            }
        }
    } else {
        let o = out.assumingMemoryBound(to: UInt8.self)
        for k in range {
            for j in 0..<sampleBytes { o[(k - first) * stride * sampleBytes + j] = bytes[(sampleBytes - 1 - j) * samples + k] }
        }
    }
}

private func imageStructure(_ ds: GDALDatasetH, _ b: GDALRasterBandH, _ key: String) -> String? {
    (GDALGetMetadataItem(b, key, "IMAGE_STRUCTURE") ?? GDALGetMetadataItem(ds, key, "IMAGE_STRUCTURE")).map { String(cString: $0) }
}

private func metadataInt(_ b: GDALRasterBandH, _ key: String) -> Int? {
    GDALGetMetadataItem(b, key, "TIFF").flatMap { Int(String(cString: $0)) }
}
