// Many bands of one raster folded in one pass over the coverage (a daily cube: 90 steps on
// one grid). Folding band by band walks every zone's spans once per band; with 10^5 small
// zones that walk (span setup, zone loop, the accumulators' round trip through memory) is
// most of the work, not the cells. Here each span is set up once and folded into the K
// bands' accumulators of its zone, which are held in a scratch array while the zone's spans
// are walked. Each accumulator still sees exactly the calls the band-by-band fold makes, in
// the same order, so the results are the same bits (tested in `BandBlockFoldTests`).

/// K bands of one raster under one read window, as the kernels read them: band k's cell
/// (read.row + r, read.col + c) is element `r * pitch + c` of `planes[k]`, all of `type`.
/// `pitch` is the window's width for decoded buffers, or the raster's width when the cells
/// are read in place (an array in the caller's memory).
package struct BandBlock {
    package var planes: [UnsafeRawPointer]
    package var pitch: Int
    package var type: PixelType
    package init(planes: [UnsafeRawPointer], pitch: Int, type: PixelType) {
        self.planes = planes; self.pitch = pitch; self.type = type
    }
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
    let nBands = block.planes.count, pitch = block.pitch
    let plain = weights == nil ? PlainRules(rules) : nil
    // Plain rules are alike in every field: one value for every band, passed as it is (a
    // band's own, read from the array, is a copy of the struct, an outlined copy per call).
    let shared = rules[0]
    let planes = block.planes.map { $0.assumingMemoryBound(to: T.self) }
    planes.withUnsafeBufferPointer { planes in
      rules.withUnsafeBufferPointer { rules in
        areas.withUnsafeBufferPointer { area in
          coverages.spans.withUnsafeBufferPointer { spans in
            coverages.starts.withUnsafeBufferPointer { starts in
              withUnsafeTemporaryAllocation(of: ZoneStats.self, capacity: nBands) { scratch in
                let acc = scratch.baseAddress!
                for zi in 0..<coverages.count {
                    let lo = starts[zi], hi = starts[zi + 1]
                    if lo == hi { continue }
                    // The zone's K accumulators moved into the scratch (no copies, no
                    // reference counts), folded there, and moved back.
                    let zoneOut = out + zi * zoneStride
                    for k in 0..<nBands { (acc + k).moveInitialize(from: zoneOut + k * stride, count: 1) }
                    for si in lo..<hi {
                        let span = spans[si]
                        let r = Int(span.row) - read.row, c = Int(span.col) - read.col
                        let off = r * pitch + c
                        let w = weights.map { UnsafePointer($0 + r * read.cols + c) }
                        let len = Int(span.len), f = span.fraction, a = area[r]
                        if len == 1, let plain {
                            // One cell (most spans of small zones): `accumulateSpan`'s one-cell
                            // path with the rules' tests made once for every band.
                            let fa = f * Double(len) * a
                            for k in 0..<nBands {
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
                    for k in 0..<nBands { (zoneOut + k * stride).moveInitialize(from: acc + k, count: 1) }
                }
              }
            }
          }
        }
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
