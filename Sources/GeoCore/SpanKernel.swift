// The inner loops: fold the cells of one coverage span of a decoded block into a zone's
// accumulator. Generic over the pixel type so each type gets its own tight loop.

public protocol RasterScalar {
    var double: Double { get }
    /// 8- and 16-bit integers: sums of values and squares are exact in Int64/Int128.
    static var isSmallInteger: Bool { get }
    var int: Int { get }
}
extension RasterScalar {
    public static var isSmallInteger: Bool { false }
    @inline(__always) public var int: Int { 0 }
}
extension UInt8: RasterScalar {
    @inline(__always) public var double: Double { Double(self) }
    public static var isSmallInteger: Bool { true }
    @inline(__always) public var int: Int { Int(self) }
}
extension Int8: RasterScalar {
    @inline(__always) public var double: Double { Double(self) }
    public static var isSmallInteger: Bool { true }
    @inline(__always) public var int: Int { Int(self) }
}
extension UInt16: RasterScalar {
    @inline(__always) public var double: Double { Double(self) }
    public static var isSmallInteger: Bool { true }
    @inline(__always) public var int: Int { Int(self) }
}
extension Int16: RasterScalar {
    @inline(__always) public var double: Double { Double(self) }
    public static var isSmallInteger: Bool { true }
    @inline(__always) public var int: Int { Int(self) }
}
extension UInt32: RasterScalar { @inline(__always) public var double: Double { Double(self) } }
extension Int32: RasterScalar { @inline(__always) public var double: Double { Double(self) } }
extension Float: RasterScalar { @inline(__always) public var double: Double { Double(self) } }
extension Double: RasterScalar { @inline(__always) public var double: Double { self } }

/// How to read values of one band: what is nodata, how to scale, what to accumulate.
public struct ValueRules: Sendable {
    public var nodata: Double?
    public var scale = 1.0
    public var offset = 0.0
    public var moments = true
    public var histogram = false
    /// Bins of a continuous raster (`--classes`): its class table counts bins, not values.
    public var classBreaks: ClassBreaks?
    public init(nodata: Double?, scale: Double = 1, offset: Double = 0, moments: Bool = true, histogram: Bool = false,
                classBreaks: ClassBreaks? = nil) {
        self.nodata = nodata; self.scale = scale; self.offset = offset; self.moments = moments; self.histogram = histogram
        self.classBreaks = classBreaks
    }
    /// The class table's key of value `v`: `v`, or its bin.
    @inline(__always) public func classKey(_ v: Double) -> Double { classBreaks.map { $0.classKey(v) } ?? v }
}

/// Accumulate `len` cells at `values` (all with coverage `f` and cell area `cellArea`).
/// `mask` (0 = invalid) and `weights` (NaN = missing) are optional and aligned with `values`.
@inline(__always)
public func accumulateSpan<T: RasterScalar>(_ values: UnsafePointer<T>, len: Int, coverage f: Double, cellArea: Double,
                                            mask: UnsafePointer<UInt8>?, weights: UnsafePointer<Double>?,
                                            rules: ValueRules, into s: inout ZoneStats) {
    let nd = rules.nodata ?? .nan
    let hasND = rules.nodata != nil
    let identity = rules.scale == 1 && rules.offset == 0
    s.cells += len
    s.totalArea += f * Double(len) * cellArea
    @inline(__always) func valid(_ i: Int) -> Double? {
        let raw = values[i].double
        if raw != raw || (hasND && raw == nd) { return nil }
        if let mask, mask[i] == 0 { return nil }
        return identity ? raw : raw * rules.scale + rules.offset
    }
    if len == 1 {
        guard let v = valid(0) else { s.nodataCount += f; return }
        if rules.moments {
            s.add(value: v, coverage: f, cellArea: cellArea)
        } else {
            // No variance asked for: skip Welford's division (mean is sum / count anyway).
            s.count += f; s.sum += f * v; s.area += f * cellArea
            if v < s.min { s.min = v }
            if v > s.max { s.max = v }
        }
        let w = weights?[0] ?? .nan
        if w == w { s.weightCount += f * w; s.weightSum += f * w * v }
        if rules.histogram { s.histogram?.add(value: rules.classKey(v), coverage: f, area: f * cellArea, weighted: w == w ? f * w : 0) }
        return
    }
    // Pass 1: count, sum, extremes.
    var n = 0, sum = 0.0, mn = Double.infinity, mx = -Double.infinity
    var m2 = 0.0
    if T.isSmallInteger && identity && mask == nil && len <= 1 << 20 {
        // Integers: exact integer sums, branch-free so the loop vectorises; the variance
        // from exact sums of squares (no floating add chain per cell).
        let ndi = hasND && nd == nd.rounded() && abs(nd) < 1e9 ? Int(nd) : Int.min
        var cnt = 0, isum = 0, isq = 0, imn = Int.max, imx = Int.min
        for i in 0..<len {
            let v = values[i].int
            let ok = v != ndi
            cnt &+= ok ? 1 : 0
            isum &+= ok ? v : 0
            isq &+= ok ? v &* v : 0
            imn = ok && v < imn ? v : imn
            imx = ok && v > imx ? v : imx
        }
        n = cnt
        s.nodataCount += f * Double(len - n)
        guard n > 0 else { return }
        sum = Double(isum); mn = Double(imn); mx = Double(imx)
        if rules.moments {
            // n * m2 = n * sum(v^2) - (sum v)^2, exactly, in 128 bits.
            let num = Int128(cnt) * Int128(isq) - Int128(isum) * Int128(isum)
            m2 = Double(num) / Double(cnt)
        }
    } else {
        if identity && mask == nil {
            for i in 0..<len {
                let v = values[i].double
                if v != v || (hasND && v == nd) { continue }
                n += 1; sum += v
                mn = v < mn ? v : mn
                mx = v > mx ? v : mx
            }
        } else {
            for i in 0..<len {
                guard let v = valid(i) else { continue }
                n += 1; sum += v
                mn = v < mn ? v : mn
                mx = v > mx ? v : mx
            }
        }
        s.nodataCount += f * Double(len - n)
        guard n > 0 else { return }
        let runMean = sum / Double(n)
        // Pass 2: squared deviations about the run's own mean (stable; the run is in cache).
        if rules.moments {
            if identity && mask == nil {
                for i in 0..<len {
                    let v = values[i].double
                    if v != v || (hasND && v == nd) { continue }
                    let d = v - runMean
                    m2 += d * d
                }
            } else {
                for i in 0..<len { if let v = valid(i) { let d = v - runMean; m2 += d * d } }
            }
        }
    }
    if rules.moments {
        let runMean = sum / Double(n)
        s.addRun(n: Double(n), runSum: sum, runMean: runMean, runM2: m2, min: mn, max: mx, coverage: f, cellArea: cellArea)
    } else {
        s.addRunSums(n: Double(n), runSum: sum, min: mn, max: mx, coverage: f, cellArea: cellArea)
    }
    if let weights {
        var wc = 0.0, ws = 0.0
        for i in 0..<len {
            guard let v = valid(i) else { continue }
            let w = weights[i]
            if w == w { wc += w; ws += w * v }
        }
        s.weightCount += f * wc; s.weightSum += f * ws
    }
    if rules.histogram {
        if T.self == UInt8.self && identity && rules.classBreaks == nil && s.histogram?.dense != nil {
            accumulateByteHistogram(UnsafeRawPointer(values).assumingMemoryBound(to: UInt8.self), len: len, f: f,
                                    cellArea: cellArea, mask: mask, weights: weights, nodata: rules.nodata,
                                    valueRange: Int(mn)...Int(mx), into: &s)
        } else {
            for i in 0..<len {
                guard let v = valid(i) else { continue }
                let w = weights?[i] ?? .nan
                s.histogram!.add(value: rules.classKey(v), coverage: f, area: f * cellArea, weighted: w == w ? f * w : 0)
            }
        }
    }
}

/// `accumulateSpan` under a condition: cell i counts with coverage f x `hold[i]` (the share
/// of its area where the condition holds) in every statistic: runs of cells with share 1 go
/// through the plain kernel, cells with a share between 0 and 1 one by one; `nodata[i]` (the share where the condition raster has no value) adds f x share x
/// cell area to `conditionNodataArea`. `cells` and `totalArea` keep the whole covered cells:
/// they say where the zone lies on the raster, not where the condition holds.
@inline(__always)
public func accumulateSpan<T: RasterScalar>(_ values: UnsafePointer<T>, len: Int, coverage f: Double, cellArea: Double,
                                            mask: UnsafePointer<UInt8>?, weights: UnsafePointer<Double>?,
                                            condition: CellShares, rules: ValueRules, into s: inout ZoneStats) {
    let nd = rules.nodata ?? .nan
    let hasND = rules.nodata != nil
    let identity = rules.scale == 1 && rules.offset == 0
    let cells = s.cells + len, totalArea = s.totalArea + f * Double(len) * cellArea
    var unread = 0.0
    var i = 0
    while i < len {
        unread += condition.nodata[i]
        let h = condition.hold[i]
        if h == 0 { i += 1; continue }
        if h == 1 {
            // A run of cells wholly where the condition holds (every cell on the same grid):
            // the plain kernel's fast loops, then its cell and area counts taken back.
            var j = i + 1
            while j < len && condition.hold[j] == 1 { unread += condition.nodata[j]; j += 1 }
            accumulateSpan(values + i, len: j - i, coverage: f, cellArea: cellArea, mask: mask.map { $0 + i },
                           weights: weights.map { $0 + i }, rules: rules, into: &s)
            i = j
            continue
        }
        // A cell partly where the condition holds: on its own, with coverage f x h.
        let k = i
        i += 1
        let c = f * h
        let raw = values[k].double
        if raw != raw || (hasND && raw == nd) || (mask.map { $0[k] == 0 } ?? false) { s.nodataCount += c; continue }
        let v = identity ? raw : raw * rules.scale + rules.offset
        if rules.moments {
            s.add(value: v, coverage: c, cellArea: cellArea)
        } else {
            s.count += c; s.sum += c * v; s.area += c * cellArea
            if v < s.min { s.min = v }
            if v > s.max { s.max = v }
        }
        let w = weights?[k] ?? .nan
        if w == w { s.weightCount += c * w; s.weightSum += c * w * v }
        if rules.histogram { s.histogram?.add(value: rules.classKey(v), coverage: c, area: c * cellArea, weighted: w == w ? c * w : 0) }
    }
    s.cells = cells; s.totalArea = totalArea
    s.conditionNodataArea += f * unread * cellArea
}

/// Byte classes counted with integers in four interleaved tables (so runs of one value do
/// not serialise on one counter), then folded into the zone's class sums once per span,
/// over the span's value range only.
@inline(__always)
package func accumulateByteHistogram(_ p: UnsafePointer<UInt8>, len: Int, f: Double, cellArea: Double,
                             mask: UnsafePointer<UInt8>?, weights: UnsafePointer<Double>?, nodata: Double?,
                             valueRange: ClosedRange<Int>, into s: inout ZoneStats) {
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 1024) { counts in
        counts.initialize(repeating: 0)
        let c = counts.baseAddress!
        var i = 0
        if mask == nil {
            while i + 4 <= len {
                c[Int(p[i])] &+= 1; c[256 + Int(p[i + 1])] &+= 1
                c[512 + Int(p[i + 2])] &+= 1; c[768 + Int(p[i + 3])] &+= 1
                i += 4
            }
            while i < len { c[Int(p[i])] &+= 1; i += 1 }
        } else {
            while i < len { if mask![i] != 0 { c[Int(p[i])] &+= 1 }; i += 1 }
        }
        let skip = nodata.flatMap { $0 >= 0 && $0 < 256 && $0 == $0.rounded() ? Int($0) : nil } ?? -1
        var wsum = [Double](repeating: 0, count: weights == nil ? 0 : 256)
        if let weights {
            for j in 0..<len where mask == nil || mask![j] != 0 {
                let w = weights[j]; if w == w { wsum[Int(p[j])] += w }
            }
        }
        // Only the bins between the span's valid min and max can be non-zero.
        for k in valueRange where k != skip {
            let n = Int(c[k]) + Int(c[256 + k]) + Int(c[512 + k]) + Int(c[768 + k])
            if n == 0 { continue }
            let cov = f * Double(n)
            s.histogram!.dense![k].coverage += cov
            s.histogram!.dense![k].area += cov * cellArea
            if weights != nil { s.histogram!.dense![k].weighted += f * wsum[k] }
        }
    }
}

/// Fold every zone's coverage of one decoded block into its accumulator (`out[k]` for
/// `coverages[k]`). `raw` holds `read` (row-major) in `type`; `rowAreas[r]` is the cell
/// area of row `read.row + r`. The one non-generic entry to the kernels: the pixel type
/// is switched on here, inside GeoCore, so each type's loop is specialised and inlined
/// in this module (a generic call across modules would not be).
package func foldCoverages(_ raw: UnsafeMutableRawPointer, type: PixelType, _ coverages: CoverageList, read: Window,
                          rowAreas: [Double], mask: UnsafeMutablePointer<UInt8>?, weights: UnsafeMutablePointer<Double>?,
                          condition: CellShares? = nil, rules: ValueRules, into out: UnsafeMutablePointer<ZoneStats>) {
    if let condition {
        // A condition: every cell has its own share, so cells are added one by one.
        switch type {
        case .uint8: foldCoverages(raw, UInt8.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .int8: foldCoverages(raw, Int8.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .uint16: foldCoverages(raw, UInt16.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .int16: foldCoverages(raw, Int16.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .uint32: foldCoverages(raw, UInt32.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .int32: foldCoverages(raw, Int32.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .float32: foldCoverages(raw, Float.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        case .float64: foldCoverages(raw, Double.self, coverages, read, rowAreas, mask, weights, condition, rules, out)
        }
        return
    }
    switch type {
    case .uint8: foldCoverages(raw, UInt8.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .int8: foldCoverages(raw, Int8.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .uint16: foldCoverages(raw, UInt16.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .int16: foldCoverages(raw, Int16.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .uint32: foldCoverages(raw, UInt32.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .int32: foldCoverages(raw, Int32.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .float32: foldCoverages(raw, Float.self, coverages, read, rowAreas, mask, weights, rules, out)
    case .float64: foldCoverages(raw, Double.self, coverages, read, rowAreas, mask, weights, rules, out)
    }
}

private func foldCoverages<T: RasterScalar>(_ raw: UnsafeMutableRawPointer, _: T.Type, _ coverages: CoverageList, _ read: Window,
                                            _ areas: [Double], _ mask: UnsafeMutablePointer<UInt8>?,
                                            _ weights: UnsafeMutablePointer<Double>?, _ condition: CellShares,
                                            _ rules: ValueRules, _ out: UnsafeMutablePointer<ZoneStats>) {
    let base = raw.assumingMemoryBound(to: T.self)
    areas.withUnsafeBufferPointer { area in
      coverages.spans.withUnsafeBufferPointer { spans in
        for zi in 0..<coverages.count {
            let s = out + zi
            for span in spans[coverages.starts[zi]..<coverages.starts[zi + 1]] {
                let off = (Int(span.row) - read.row) * read.cols + (Int(span.col) - read.col)
                accumulateSpan(base + off, len: Int(span.len), coverage: span.fraction,
                               cellArea: area[Int(span.row) - read.row],
                               mask: mask.map { UnsafePointer($0 + off) }, weights: weights.map { UnsafePointer($0 + off) },
                               condition: CellShares(hold: condition.hold + off, nodata: condition.nodata + off),
                               rules: rules, into: &s.pointee)
            }
        }
      }
    }
}

private func foldCoverages<T: RasterScalar>(_ raw: UnsafeMutableRawPointer, _: T.Type, _ coverages: CoverageList, _ read: Window,
                                            _ areas: [Double], _ mask: UnsafeMutablePointer<UInt8>?,
                                            _ weights: UnsafeMutablePointer<Double>?, _ rules: ValueRules,
                                            _ out: UnsafeMutablePointer<ZoneStats>) {
    let base = raw.assumingMemoryBound(to: T.self)
    areas.withUnsafeBufferPointer { area in
      coverages.spans.withUnsafeBufferPointer { spans in
        for zi in 0..<coverages.count {
            let s = out + zi
            for span in spans[coverages.starts[zi]..<coverages.starts[zi + 1]] {
                let off = (Int(span.row) - read.row) * read.cols + (Int(span.col) - read.col)
                accumulateSpan(base + off, len: Int(span.len), coverage: span.fraction,
                               cellArea: area[Int(span.row) - read.row],
                               mask: mask.map { UnsafePointer($0 + off) }, weights: weights.map { UnsafePointer($0 + off) },
                               rules: rules, into: &s.pointee)
            }
        }
      }
    }
}
