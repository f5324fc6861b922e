// Many bands of one raster folded in one pass over the coverage (a daily cube: 90 steps on
// one grid). Folding band by band walks every zone's spans once per band; with 10^5 small
// zones that walk (span setup, zone loop, the accumulators' round trip through memory) is
// most of the work, not the cells. Here each span is set up once and folded into the K
// bands' accumulators of its zone, which are held in a scratch array while the zone's spans
// are walked. Each accumulator still sees exactly the calls the band-by-band fold makes, in
// the same order, so the results are the same bits (tested in `BandBlockFoldTests`).

/// K bands of one raster under one read window, as the kernels read them: band k's cell
/// (read.row + r, read.col + c) is element `(r * pitch + c) * cellStride` of `planes[k]`,
/// all of `type`. `pitch` is the window's width for decoded buffers, or the raster's width
/// when the cells are read in place (an array in the caller's memory). `cellStride` is 1
/// for planes (a band's cells side by side), K for cells side by side (`[cell][band]`, see
/// `interleaveBands`: `planes[k]` then points at band k of the first cell), which only the
/// folds `foldsCellInterleaved` admits read.
package struct BandBlock {
    package var planes: [UnsafeRawPointer]
    package var pitch: Int
    package var type: PixelType
    package var cellStride: Int
    package init(planes: [UnsafeRawPointer], pitch: Int, type: PixelType, cellStride: Int = 1) {
        self.planes = planes; self.pitch = pitch; self.type = type; self.cellStride = cellStride
    }
}

/// Whether bands of `type` under `rules` (and weights or not) fold from cells side by side
/// (`BandBlock.cellStride` > 1): rules every band shares that leave values as they are, no
/// weights, and no small integers (whose runs keep exact integer sums, band by band).
package func foldsCellInterleaved(type: PixelType, rules: [ValueRules], weights: Bool) -> Bool {
    guard !weights, PlainRules(rules) != nil else { return false }
    return [.uint32, .int32, .float32, .float64].contains(type)
}

/// K planes of `cells` values of `size` bytes each into `out` as cells side by side: band k
/// of cell i at element `i * K + k`. In chunks of cells, so the chunk's `[cell][band]`
/// rows stay in the first cache levels while each plane's part is written into them.
package func interleaveBands(_ planes: [UnsafeRawPointer], cells: Int, size: Int, into out: UnsafeMutableRawPointer) {
    let n = planes.count
    let chunk = max(1, 16_384 / max(1, n * size))
    var start = 0
    while start < cells {
        let end = min(cells, start + chunk)
        for (k, plane) in planes.enumerated() {
            switch size {
            case 4: copyStrided(UInt32.self, plane, out, k, n, start, end)
            case 8: copyStrided(UInt64.self, plane, out, k, n, start, end)
            case 2: copyStrided(UInt16.self, plane, out, k, n, start, end)
            default: copyStrided(UInt8.self, plane, out, k, n, start, end)
            }
        }
        start = end
    }
}

@inline(__always)
private func copyStrided<E>(_: E.Type, _ plane: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, _ k: Int, _ n: Int,
                            _ start: Int, _ end: Int) {
    let src = plane.assumingMemoryBound(to: E.self), dst = out.assumingMemoryBound(to: E.self)
    for i in start..<end { dst[i * n + k] = src[i] }
}

/// Fold every zone's coverage of one row band into the accumulators of K bands at once:
/// band k's accumulator of zone `zi` is `out[k * stride + zi * zoneStride]` and gets
/// `rules[k]`: band-major (`stride` = zones, `zoneStride` 1) or zone-major (`stride` 1,
/// `zoneStride` = bands per zone, a zone's accumulators side by side in memory).
/// `weights` (NaN = missing) is laid out over `read` (pitch `read.cols`), as the
/// band-by-band fold takes it; no mask and no condition (those sources fold one by one).
package func foldCoverages(_ block: BandBlock, _ coverages: CoverageList, read: Window, rowAreas: [Double],
                           weights: UnsafeMutablePointer<Double>?, rules: [ValueRules],
                           into out: UnsafeMutablePointer<ZoneStats>, stride: Int, zoneStride: Int = 1) {
    precondition(block.planes.count == rules.count, "one rule per band")
    guard !block.planes.isEmpty else { return }
    switch block.type {
    case .uint8: foldBlock(UInt8.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .int8: foldBlock(Int8.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .uint16: foldBlock(UInt16.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .int16: foldBlock(Int16.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .uint32: foldBlock(UInt32.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .int32: foldBlock(Int32.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .float32: foldBlock(Float.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    case .float64: foldBlock(Double.self, block, coverages, read, rowAreas, weights, rules, out, stride, zoneStride)
    }
}

private func foldBlock<T: RasterScalar>(_: T.Type, _ block: BandBlock, _ coverages: CoverageList, _ read: Window,
                                        _ areas: [Double], _ weights: UnsafeMutablePointer<Double>?, _ rules: [ValueRules],
                                        _ out: UnsafeMutablePointer<ZoneStats>, _ stride: Int, _ zoneStride: Int) {
    let nBands = block.planes.count, pitch = block.pitch, cs = block.cellStride
    let plain = weights == nil ? PlainRules(rules) : nil
    // Plain rules are alike in every field: one value for every band, passed as it is (a
    // band's own, read from the array, is a copy of the struct, an outlined copy per call).
    let shared = rules[0]
    let planes = block.planes.map { $0.assumingMemoryBound(to: T.self) }
    // Runs of float cells under plain rules fold across the bands (`CrossBandRun`); small
    // integers keep `accumulateSpan`'s exact integer sums.
    let run = plain.flatMap { T.isSmallInteger ? nil : CrossBandRun(bands: nBands, rules: $0) }
    defer { run?.deallocate() }
    precondition(cs == 1 || run != nil, "cells side by side only where foldsCellInterleaved admits them")
    precondition(cs == 1 || (cs == nBands && block.planes.indices.allSatisfy { block.planes[$0] == block.planes[0] + $0 * block.type.size }),
                 "cells side by side: band k at the first band's element + k")
    planes.withUnsafeBufferPointer { planes in
      rules.withUnsafeBufferPointer { rules in
        areas.withUnsafeBufferPointer { area in
          coverages.spans.withUnsafeBufferPointer { spans in
            coverages.starts.withUnsafeBufferPointer { starts in
              withUnsafeTemporaryAllocation(of: ZoneStats.self, capacity: nBands) { scratch in
                // Zone-major partials (stride 1) hold a zone's K accumulators side by side
                // already: folded where they are. Otherwise they are moved into the scratch
                // (no copies, no reference counts), folded there, and moved back.
                let inPlace = stride == 1
                for zi in 0..<coverages.count {
                    let lo = starts[zi], hi = starts[zi + 1]
                    if lo == hi { continue }
                    let zoneOut = out + zi * zoneStride
                    let acc = inPlace ? zoneOut : scratch.baseAddress!
                    if !inPlace { for k in 0..<nBands { (acc + k).moveInitialize(from: zoneOut + k * stride, count: 1) } }
                    for si in lo..<hi {
                        let span = spans[si]
                        let r = Int(span.row) - read.row, c = Int(span.col) - read.col
                        let off = (r * pitch + c) * cs
                        let w = weights.map { UnsafePointer($0 + r * read.cols + c) }
                        let len = Int(span.len), f = span.fraction, a = area[r]
                        if len == 1, let plain {
                            // One cell (most spans of small zones): `accumulateSpan`'s one-cell
                            // path with the rules' tests made once for every band.
                            let fa = f * Double(len) * a
                            if let run {
                                // Every band's cell loaded before any is folded: the loads
                                // (one cache line per band) are in flight together.
                                for k in 0..<nBands { run.values[k] = planes[k][off].double }
                                for k in 0..<nBands { foldCell(run.values[k], f: f, fa: fa, a: a, plain: plain, into: &acc[k]) }
                                continue
                            }
                            foldCellOfEveryBand(planes, at: off, f: f, fa: fa, a: a, plain: plain, into: acc)
                            continue
                        }
                        if let run {
                            run.fold(planes.baseAddress!, offset: off, len: len, cellStride: cs, coverage: f, cellArea: a, into: acc)
                            continue
                        }
                        if plain != nil {
                            for k in 0..<nBands {
                                accumulateSpan(planes[k] + off, len: len, coverage: f, cellArea: a, mask: nil,
                                               weights: w, rules: shared, into: &acc[k])
                            }
                            continue
                        }
                        for k in 0..<nBands {
                            accumulateSpan(planes[k] + off, len: len, coverage: f, cellArea: a, mask: nil,
                                           weights: w, rules: rules[k], into: &acc[k])
                        }
                    }
                    if !inPlace { for k in 0..<nBands { (zoneOut + k * stride).moveInitialize(from: acc + k, count: 1) } }
                }
              }
            }
          }
        }
      }
    }
}

/// One cell of every band (bands in planes) folded under plain rules: `accumulateSpan`'s
/// one-cell path, with the rules' tests made once for all the bands.
@inline(__always)
private func foldCellOfEveryBand<T: RasterScalar>(_ planes: UnsafeBufferPointer<UnsafePointer<T>>, at off: Int, f: Double, fa: Double,
                                                  a: Double, plain: PlainRules, into acc: UnsafeMutablePointer<ZoneStats>) {
    for k in planes.indices {
        let v = planes[k][off].double
        acc[k].cells += 1
        acc[k].totalArea += fa
        if v != v || (plain.hasNodata && v == plain.nodata) { acc[k].nodataCount += f; continue }
        if plain.moments {
            acc[k].add(value: v, coverage: f, cellArea: a)
        } else {
            acc[k].count += f; acc[k].sum += f * v; acc[k].area += f * a
            if v < acc[k].min { acc[k].min = v }
            if v > acc[k].max { acc[k].max = v }
        }
    }
}

/// Rules every band shares that leave a value as it is (no scale or offset, no class table):
/// then a one-cell span needs only the nodata test, made the same way for every band.
private struct PlainRules {
    var hasNodata: Bool, nodata: Double, moments: Bool
    init?(_ rules: [ValueRules]) {
        guard let first = rules.first else { return nil }
        for r in rules {
            guard r.scale == 1, r.offset == 0, !r.histogram, r.classBreaks == nil, r.moments == first.moments,
                  r.nodata?.bitPattern == first.nodata?.bitPattern else { return nil }
        }
        hasNodata = first.nodata != nil; nodata = first.nodata ?? .nan; moments = first.moments
    }
}

/// One cell of value `v` with coverage `f` (area share `fa` = f x a) under plain rules, as
/// `accumulateSpan`'s one-cell path folds it (the extremes taken by selects, not branches:
/// the same values).
@inline(__always)
private func foldCell(_ v: Double, f: Double, fa: Double, a: Double, plain: PlainRules, into s: inout ZoneStats) {
    s.cells += 1
    s.totalArea += fa
    if v != v || (plain.hasNodata && v == plain.nodata) { s.nodataCount += f; return }
    if plain.moments {
        s.add(value: v, coverage: f, cellArea: a)
    } else {
        s.count += f; s.sum += f * v; s.area += f * a
        s.min = v < s.min ? v : s.min
        s.max = v > s.max ? v : s.max
    }
}

/// A run of cells (one span) of K float bands under plain rules, folded across the bands:
/// band k's running count, sum and extremes (and, for moments, its squared deviations) are
/// element k of small arrays, taken four bands at a time in vector lanes (`scan`), so the
/// K sums are independent chains the processor overlaps, where `accumulateSpan` walks one
/// band's chain (an add's latency per cell) and then the next. Each band still adds its cells in the same order, with the same
/// operations, then merges the run as `accumulateSpan` does: the same bits.
private final class CrossBandRun {
    let bands: Int
    let hasNodata: Bool, nodata: Double, moments: Bool
    /// Per band: valid cells, sum, minimum, maximum, squared deviations; and a cell's values.
    let count: UnsafeMutablePointer<Int>
    let sum, low, high, m2, values: UnsafeMutablePointer<Double>

    init(bands: Int, rules: PlainRules) {
        self.bands = bands
        hasNodata = rules.hasNodata; nodata = rules.nodata; moments = rules.moments
        count = .allocate(capacity: bands)
        sum = .allocate(capacity: 5 * bands)
        low = sum + bands; high = sum + 2 * bands; m2 = sum + 3 * bands; values = sum + 4 * bands
    }

    func deallocate() { count.deallocate(); sum.deallocate() }

    /// Fold `len` cells from element `offset` on, `cs` elements apart, of every plane (coverage `f`, cell area `a`) into
    /// `acc[k]`, band k's accumulator.
    @inline(__always)
    func fold<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, offset: Int, len: Int, cellStride cs: Int,
                               coverage f: Double, cellArea a: Double, into acc: UnsafeMutablePointer<ZoneStats>) {
        let last = offset + len * cs
        // No nodata: `nodata` is NaN, which no value equals (NaN is tested on its own).
        let k0 = bands, nd = nodata
        let count = self.count, sum = self.sum, low = self.low, high = self.high, m2 = self.m2
        scan(planes, from: offset, to: last, by: cs)
        for k in 0..<k0 { m2[k] = 0 }
        if moments {
            // Squared deviations about each band's own run mean (`accumulateSpan`'s pass 2).
            for k in 0..<k0 { values[k] = count[k] > 0 ? sum[k] / Double(count[k]) : 0 }
            for i in Swift.stride(from: offset, to: last, by: cs) {
                for k in 0..<k0 {
                    let v = planes[k][i].double
                    let ok = v == v && v != nd
                    let d = v - values[k]
                    m2[k] = ok ? m2[k] + d * d : m2[k]
                }
            }
        }
        for k in 0..<k0 {
            let n = count[k]
            acc[k].cells += len
            acc[k].totalArea += f * Double(len) * a
            acc[k].nodataCount += f * Double(len - n)
            guard n > 0 else { continue }
            guard moments else {
                acc[k].addRunSums(n: Double(n), runSum: sum[k], min: low[k], max: high[k], coverage: f, cellArea: a)
                continue
            }
            let runMean = sum[k] / Double(n)
            acc[k].addRun(n: Double(n), runSum: sum[k], runMean: runMean, runM2: m2[k], min: low[k], max: high[k],
                          coverage: f, cellArea: a)
        }
    }

    /// Pass 1 of `fold`: band k's valid cells (`count`), their sum and extremes over the run.
    /// Four bands at a time in vectors (one lane per band), the cells of the run in order in
    /// each lane: every band sees the same values in the same order with the same operations
    /// as one at a time (the sum, count and extremes kept by a select where a cell is NaN or
    /// nodata), but four bands' chains go through one instruction each. Element i of band k
    /// is `planes[k][i]` in both layouts (cells side by side: `planes[k]` is `planes[0] + k`).
    @inline(__always)
    private func scan<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, from offset: Int, to last: Int, by cs: Int) {
        typealias Lanes = SIMD4<Double>
        let nd = nodata, ndLanes = Lanes(repeating: nodata)
        var g = 0
        while g + 4 <= bands {
            let p0 = planes[g], p1 = planes[g + 1], p2 = planes[g + 2], p3 = planes[g + 3]
            var n = SIMD4<Int64>(repeating: 0), s = Lanes(repeating: 0)
            var lo = Lanes(repeating: .infinity), hi = Lanes(repeating: -.infinity)
            for i in Swift.stride(from: offset, to: last, by: cs) {
                let v = Lanes(p0[i].double, p1[i].double, p2[i].double, p3[i].double)
                let ok = (v .== v) .& (v .!= ndLanes)
                n &+= SIMD4<Int64>(repeating: 0).replacing(with: 1, where: ok)
                s = s.replacing(with: s + v, where: ok)
                lo = lo.replacing(with: v, where: ok .& (v .< lo))
                hi = hi.replacing(with: v, where: ok .& (v .> hi))
            }
            for j in 0..<4 { count[g + j] = Int(n[j]); sum[g + j] = s[j]; low[g + j] = lo[j]; high[g + j] = hi[j] }
            g += 4
        }
        // The last bands (fewer than four) one at a time, the same operations.
        for k in g..<bands {
            let p = planes[k]
            var n = 0, s = 0.0, lo = Double.infinity, hi = -Double.infinity
            for i in Swift.stride(from: offset, to: last, by: cs) {
                let v = p[i].double
                let ok = v == v && v != nd
                n &+= ok ? 1 : 0
                s = ok ? s + v : s
                lo = ok && v < lo ? v : lo
                hi = ok && v > hi ? v : hi
            }
            count[k] = n; sum[k] = s; low[k] = lo; high[k] = hi
        }
    }
}
