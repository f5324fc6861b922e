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
    // Plain rules are alike in every band: one value, passed as it is (not a copy per call).
    let shared = rules[0]
    let planes = block.planes.map { $0.assumingMemoryBound(to: T.self) }
    // Runs of float cells under plain rules fold across the bands (`CrossBandRun`); small
    // integers keep `accumulateSpan`'s exact integer sums.
    let run = plain.flatMap { T.isSmallInteger ? nil : CrossBandRun(bands: nBands, rules: $0) }
    defer { run?.deallocate() }
    // Without moments (a cube's mean, max, sum...), a zone's bands are folded four at a time
    // into accumulators held band by band in vectors (`CrossBandSums`).
    let sums = plain.flatMap { T.isSmallInteger || $0.moments ? nil : CrossBandSums(bands: nBands, rules: $0, block: block, read: read) }
    defer { sums?.deallocate() }
    checkCellsSideBySide(block, read: read, foldedAcross: run != nil)
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
                    if let sums {
                        sums.foldZone(planes.baseAddress!, spans: spans, lo..<hi, read: read, pitch: pitch, cellStride: cs,
                                      areas: area, into: zoneOut, stride: stride)
                        continue
                    }
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
                                run.foldCell(planes.baseAddress!, at: off, f: f, fa: fa, a: a, plain: plain, into: acc)
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
/// Cells side by side (`cellStride` > 1) only where `foldsCellInterleaved` admits them (runs
/// folded across the bands): band k at the first band's element + k, in a decoded window
/// (pitch = its width), which `CrossBandSums` reads to its end.
private func checkCellsSideBySide(_ block: BandBlock, read: Window, foldedAcross: Bool) {
    let cs = block.cellStride
    guard cs > 1 else { return }
    precondition(foldedAcross, "cells side by side only where foldsCellInterleaved admits them")
    precondition(cs == block.planes.count && block.planes.indices.allSatisfy { block.planes[$0] == block.planes[0] + $0 * block.type.size },
                 "cells side by side: band k at the first band's element + k")
    precondition(block.pitch == read.cols, "cells side by side: a decoded window")
}

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

    /// One cell (element `off` of every plane) folded as `foldCell` folds it, band by band.
    @inline(__always)
    func foldCell<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, at off: Int, f: Double, fa: Double, a: Double,
                                   plain: PlainRules, into acc: UnsafeMutablePointer<ZoneStats>) {
        // Every band's cell loaded before any is folded: the loads (one cache line per band)
        // are in flight together.
        for k in 0..<bands { values[k] = planes[k][off].double }
        for k in 0..<bands { GeoCore.foldCell(values[k], f: f, fa: fa, a: a, plain: plain, into: &acc[k]) }
    }

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

/// A zone's spans of K float bands under plain rules, without moments, folded four bands at
/// a time: while the zone's spans are walked, the fields a span changes (total area, nodata
/// count, count, sum, area, extremes) of four bands are the lanes of one vector each, so a
/// cell of four bands is a few vector operations instead of a scalar read, add and write
/// per field and band. The vectors are loaded from the zone's accumulators before its spans
/// and stored back after, so each field still sees the same operations in the same order as
/// `accumulateSpan` (a one-cell span: its adds under a select where the cell is valid; a run:
/// the run's count, sum and extremes, then `addRunSums`): the same bits. `cells` is an
/// integer, added once per zone.
private final class CrossBandSums {
    typealias Lanes = SIMD4<Double>
    let bands: Int
    let nodata: Double
    /// Group g (bands 4g..<4g+4) at `fields + 7 * g`: total area, nodata count, count, sum,
    /// area, minimum, maximum. Lanes past the last band are folded too, and never read.
    let fields: UnsafeMutablePointer<Lanes>
    /// Cells side by side: the elements of the block from the first band of its first cell
    /// (a decoded window's: pitch = its width).
    let elements: Int

    init(bands: Int, rules: PlainRules, block: BandBlock, read: Window) {
        self.bands = bands
        elements = block.cellStride > 1 ? read.rows * block.pitch * block.cellStride : 0
        nodata = rules.nodata  // NaN without nodata: no value equals it
        let n = 7 * ((bands + 3) / 4)
        fields = .allocate(capacity: n)
        fields.initialize(repeating: .zero, count: n)
    }

    func deallocate() { fields.deallocate() }

    /// Fold spans `range` of one zone into its accumulators, band k's at `out + k * stride`.
    @inline(__always)
    func foldZone<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, spans: UnsafeBufferPointer<Span>, _ range: Range<Int>,
                                   read: Window, pitch: Int, cellStride cs: Int, areas: UnsafeBufferPointer<Double>,
                                   into out: UnsafeMutablePointer<ZoneStats>, stride: Int) {
        load(out, stride)
        var cells = 0
        for si in range {
            let span = spans[si]
            let r = Int(span.row) - read.row, c = Int(span.col) - read.col
            let off = (r * pitch + c) * cs
            let len = Int(span.len)
            cells &+= len
            if len == 1 {
                foldCell(planes, at: off, cellStride: cs, coverage: span.fraction, cellArea: areas[r])
            } else {
                foldRun(planes, from: off, len: len, cellStride: cs, coverage: span.fraction, cellArea: areas[r])
            }
        }
        store(out, stride, cells: cells)
    }

    /// Bands 4g..<4g+4 of element i (lanes past the last band read as 0). Cells side by side
    /// (`cs` > 1) hold the four as consecutive values: one load, converted in the vector.
    @inline(__always)
    private func lanes<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, group g: Int, _ i: Int, cellStride cs: Int) -> Lanes {
        let k = 4 * g
        // The last group of cells side by side reads on into the next cell's first bands
        // (lanes never read back), except at the buffer's end.
        if cs > 1 && (k + 4 <= bands || i + k + 4 <= elements) {
            if T.self == Float.self {
                return Lanes(UnsafeRawPointer(planes[k] + i).loadUnaligned(as: SIMD4<Float>.self))
            }
            if T.self == Double.self {
                return UnsafeRawPointer(planes[k] + i).loadUnaligned(as: Lanes.self)
            }
        }
        if k + 4 <= bands {
            return Lanes(planes[k][i].double, planes[k + 1][i].double, planes[k + 2][i].double, planes[k + 3][i].double)
        }
        var v = Lanes.zero
        for j in 0..<(bands - k) { v[j] = planes[k + j][i].double }
        return v
    }

    /// Values of four bands with NaN where a value is the nodata value: then a value is
    /// valid where it equals itself, and `x < lo ? x : lo` (one `minpd`) keeps the extremes
    /// of the valid values only, as the one-band kernel's tests do.
    @inline(__always)
    private func marked(_ v: Lanes, _ nd: Lanes) -> Lanes { v.replacing(with: .nan, where: v .== nd) }

    /// One cell: `foldCell`'s operations. A field that only a valid (or only an invalid) cell
    /// changes gets `+ 0` from the others: the same bits, as these sums of coverage, area and
    /// coverage x value start at +0 and are never -0 (an add gives -0 only from two -0).
    @inline(__always)
    private func foldCell<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, at off: Int, cellStride cs: Int,
                                           coverage f: Double, cellArea a: Double) {
        let fv = Lanes(repeating: f), fa = Lanes(repeating: f * Double(1) * a), area = Lanes(repeating: f * a)
        let nd = Lanes(repeating: nodata)
        for g in 0..<((bands + 3) / 4) {
            let v = marked(lanes(planes, group: g, off, cellStride: cs), nd)
            let ok = v .== v
            let p = fields + 7 * g
            p[0] = p[0] + fa
            p[1] = p[1] + fv.replacing(with: 0, where: ok)
            p[2] = p[2] + fv.replacing(with: 0, where: .!ok)
            p[3] = p[3] + (fv * v).replacing(with: 0, where: .!ok)
            p[4] = p[4] + area.replacing(with: 0, where: .!ok)
            p[5] = p[5].replacing(with: v, where: v .< p[5])
            p[6] = p[6].replacing(with: v, where: v .> p[6])
        }
    }

    /// A run: each band's valid cells, sum and extremes over the run (in cell order), then
    /// `accumulateSpan`'s merge of the run (`addRunSums`), under a select.
    @inline(__always)
    private func foldRun<T: RasterScalar>(_ planes: UnsafePointer<UnsafePointer<T>>, from off: Int, len: Int, cellStride cs: Int,
                                          coverage f: Double, cellArea a: Double) {
        let last = off + len * cs
        let fv = Lanes(repeating: f), av = Lanes(repeating: a), nd = Lanes(repeating: nodata)
        let lenD = Double(len), total = Lanes(repeating: f * lenD * a)
        for g in 0..<((bands + 3) / 4) {
            // The count as integer lanes: a true lane of the mask is -1.
            var n = SIMD4<Int64>.zero, s = Lanes.zero
            var lo = Lanes(repeating: .infinity), hi = Lanes(repeating: -.infinity)
            for i in Swift.stride(from: off, to: last, by: cs) {
                let v = marked(lanes(planes, group: g, i, cellStride: cs), nd)
                let ok = v .== v
                n &-= unsafeBitCast(ok, to: SIMD4<Int64>.self)
                s = s + v.replacing(with: 0, where: .!ok)  // s starts at +0: never -0
                lo = lo.replacing(with: v, where: v .< lo)
                hi = hi.replacing(with: v, where: v .> hi)
            }
            let nd = Lanes(Double(n[0]), Double(n[1]), Double(n[2]), Double(n[3]))
            let p = fields + 7 * g
            p[0] = p[0] + total
            p[1] = p[1] + fv * (Lanes(repeating: lenD) - nd)  // f x (len - n): both exact integers
            // `addRunSums`: nothing unless n x f > 0.
            let w = nd * fv
            let has = w .> 0
            p[2] = p[2].replacing(with: p[2] + w, where: has)
            p[3] = p[3].replacing(with: p[3] + fv * s, where: has)
            p[5] = p[5].replacing(with: lo, where: has .& (lo .< p[5]))
            p[6] = p[6].replacing(with: hi, where: has .& (hi .> p[6]))
            p[4] = p[4].replacing(with: p[4] + w * av, where: has)
        }
    }

    @inline(__always)
    private func load(_ out: UnsafeMutablePointer<ZoneStats>, _ stride: Int) {
        for k in 0..<bands {
            let s = out + k * stride, p = fields + 7 * (k >> 2), l = k & 3
            p[0][l] = s.pointee.totalArea; p[1][l] = s.pointee.nodataCount; p[2][l] = s.pointee.count
            p[3][l] = s.pointee.sum; p[4][l] = s.pointee.area; p[5][l] = s.pointee.min; p[6][l] = s.pointee.max
        }
    }

    @inline(__always)
    private func store(_ out: UnsafeMutablePointer<ZoneStats>, _ stride: Int, cells: Int) {
        for k in 0..<bands {
            let s = out + k * stride, p = fields + 7 * (k >> 2), l = k & 3
            s.pointee.cells += cells
            s.pointee.totalArea = p[0][l]; s.pointee.nodataCount = p[1][l]; s.pointee.count = p[2][l]
            s.pointee.sum = p[3][l]; s.pointee.area = p[4][l]; s.pointee.min = p[5][l]; s.pointee.max = p[6][l]
        }
    }
}
