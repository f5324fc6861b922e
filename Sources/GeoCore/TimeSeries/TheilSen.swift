import Foundation

// The Theil-Sen slope (Theil 1950, Sen 1968) as scipy.stats.theilslopes computes it: the
// median of the slopes (y_j − y_i)/(x_j − x_i) over every pair with x_j > x_i. On yearly
// values with x the year, the slope per year; pymannkendall's sens_slope is the same on a
// series with one value per step (its x is the position, so a gap's pairs span it).

public enum TheilSen {
    /// The slope; pairs with a missing (NaN) y are left out; NaN with no pair.
    public static func slope(x: [Double], y: [Double]) -> Double {
        if isPresentAndIncreasing(x: x, y: y) { return medianOfSlopesOfIncreasing(x: [x], y: [y]) }
        var slopes: [Double] = []
        appendSlopes(x: x, y: y, to: &slopes, presentAndIncreasing: true)
        return sortedMedian(&slopes)
    }

    /// The slopes of every pair of (x, y) with x_j > x_i and both y present.
    /// `presentAndIncreasing`: the caller expects that no y is NaN and x is strictly increasing
    /// (a season's years); when so (checked), the pairs are those with j > i: the same slopes
    /// in the same order without a test per pair (a loop the compiler vectorises).
    public static func appendSlopes(x: [Double], y: [Double], to slopes: inout [Double], presentAndIncreasing: Bool = false) {
        if presentAndIncreasing && zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }) && !y.contains(where: \.isNaN) {
            let start = slopes.count, pairs = x.count * (x.count - 1) / 2
            if start == 0 {
                // Written straight into a new buffer (an element-wise append of zeros first cost
                // as much as the slopes: a yearly trend's 903).
                slopes = [Double](unsafeUninitializedCapacity: pairs) { out, count in
                    writeSlopesOfIncreasing(x: x, y: y, to: out, at: 0)
                    count = pairs
                }
                return
            }
            slopes.append(contentsOf: repeatElement(0, count: pairs))
            slopes.withUnsafeMutableBufferPointer { writeSlopesOfIncreasing(x: x, y: y, to: $0, at: start) }
            return
        }
        for i in x.indices where !y[i].isNaN {
            for j in x.indices where x[j] > x[i] && !y[j].isNaN {
                slopes.append((y[j] - y[i]) / (x[j] - x[i]))
            }
        }
    }

    /// Whether `appendSlopes`' fast path applies: x strictly increasing and no y missing.
    static func isPresentAndIncreasing(x: [Double], y: [Double]) -> Bool {
        guard x.count == y.count else { return false }
        // Indexed loops (zip with dropFirst was not inlined: this runs per season and zone).
        for i in y.indices where y[i].isNaN { return false }
        for i in x.indices.dropFirst() where !(x[i - 1] < x[i]) { return false }
        return true
    }

    /// The slopes of every pair j > i of (x, y), x strictly increasing and no y missing,
    /// written to `out` from `start` on (n(n−1)/2 of them, in `appendSlopes`' order).
    static func writeSlopesOfIncreasing(x: [Double], y: [Double], to out: UnsafeMutableBufferPointer<Double>, at start: Int) {
        let n = x.count
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                var k = start
                for i in 0..<n {
                    let xi = x[i], yi = y[i]
                    for j in (i + 1)..<n { out[k + j - i - 1] = (y[j] - yi) / (x[j] - xi) }
                    k += n - i - 1
                }
            }
        }
    }
}

extension TheilSen {
    /// The median of the pairwise slopes of several series of strictly increasing x without a
    /// missing y (every series' pairs j > i, series after series: `writeSlopesOfIncreasing`'
    /// order), the value `sortedMedian` gives of them all. From 512 slopes on (a yearly
    /// trend's 903, a seasonal one's ~11,000) they are not stored: the values of a strided
    /// sample (256 slopes; 128 below 2,048) bracket the median's rank as `bracketedMedian`'s
    /// do, and one pass computes each slope, counts those below the bracket and keeps those
    /// in it (a sixth to a fifth). Below 512, or when the bracket misses (then the slopes
    /// are computed again, all stored), the selection over all of them. The median is a
    /// value of the slopes' multiset (or the mean of two), so it is the same however found.
    static func medianOfSlopesOfIncreasing(x: [[Double]], y: [[Double]]) -> Double {
        var signs: [SignCounts] = []
        return medianOfSlopesOfIncreasing(x: x, y: y, signs: &signs, countSigns: false)
    }

    /// Pairs j > i of one series with y_j > y_i (`up`) and y_j < y_i (`down`): Mann-Kendall's
    /// S = up − down, and whether there are ties (up + down < the pairs).
    public struct SignCounts: Equatable, Sendable {
        public var up = 0, down = 0
    }

    /// The same median, and into `signs` each series' `SignCounts` of its y (the sign of a
    /// slope's numerator, counted in the pass that computes the slopes, where the bracketed
    /// median makes one; else by `MannKendall.signCounts`) when `countSigns`.
    static func medianOfSlopesOfIncreasing(x: [[Double]], y: [[Double]], signs: inout [SignCounts], countSigns: Bool) -> Double {
        let total = x.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 }
        signs = [SignCounts](repeating: SignCounts(), count: x.count)
        if total >= 512, let m = bracketedMedianOfSlopes(x: x, y: y, total: total, signs: &signs) { return m }
        if countSigns { signs = y.map(MannKendall.signCounts) }
        var slopes = [Double](unsafeUninitializedCapacity: total) { out, count in
            var start = 0
            for (xs, ys) in zip(x, y) {
                writeSlopesOfIncreasing(x: xs, y: ys, to: out, at: start)
                start += xs.count * (xs.count - 1) / 2
            }
            count = total
        }
        return sortedMedian(&slopes)
    }

    /// `bracketedMedian` of the slopes, computed as they are counted; nil when the bracket misses.
    /// `signs` (one per series, zero): the series' `SignCounts`, counted in the same pass
    /// (left incomplete when nil is returned before it).
    static func bracketedMedianOfSlopes(x: [[Double]], y: [[Double]], total n: Int, signs: inout [SignCounts]) -> Double? {
        // Below 2048 slopes (a yearly trend's 903) a sample of 128 with a margin of 14 (about
        // the same 2.5 standard deviations of the median's rank in the sample): selecting in
        // the sample cost more than the bracket's larger middle.
        let (s, margin) = n < 2048 ? (128, 14) : (bracketSampleSize, bracketMargin)
        // The sample: the slopes at positions k·n/s of the order above, as `bracketedMedian` samples.
        var sample = [Double](repeating: 0, count: s)
        var k = 0, target = 0, rowStart = 0
        for (xs, ys) in zip(x, y) {
            let m = xs.count
            for i in 0..<m {
                let rowEnd = rowStart + m - i - 1
                while k < s && target < rowEnd {
                    let j = i + 1 + target - rowStart
                    sample[k] = (ys[j] - ys[i]) / (xs[j] - xs[i])
                    k += 1
                    target = k * n / s
                }
                rowStart = rowEnd
            }
        }
        guard let (lo, hi) = bracket(&sample, margin: margin) else { return nil }
        var below = 0, above = 0
        // Values of magnitude below 2^1000 make no NaN slope (no difference overflows, and
        // x − xi > 0): then a slope not below and not in the bracket is above it, and is not
        // counted. Each row's slopes are computed first, in a loop of their own (the
        // divisions vectorised, the ones below counted), then kept in a second.
        let small = x.allSatisfy(areSmall) && y.allSatisfy(areSmall)
        let longestRow = x.reduce(0) { max($0, $1.count) }
        var middle = [Double](unsafeUninitializedCapacity: n) { buf, count in
            var m = 0
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, longestRow)) { row in
                let r = row.baseAddress!
                for (series, (xs, ys)) in zip(x, y).enumerated() {
                    xs.withUnsafeBufferPointer { xb in
                        ys.withUnsafeBufferPointer { yb in
                            guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
                            let c = xb.count
                            var up = 0, down = 0
                            defer { signs[series] = SignCounts(up: up, down: down) }
                            for i in 0..<c {
                                let xi = xp[i], yi = yp[i], len = c &- i &- 1
                                let xr = xp + (i &+ 1), yr = yp + (i &+ 1)
                                var j = 0, rowBelow = 0
                                while j < len {
                                    let v = (yr[j] - yi) / (xr[j] - xi)
                                    r[j] = v
                                    rowBelow &+= Int(unsafeBitCast(v < lo, to: UInt8.self))
                                    // Mann-Kendall's signs, as `MannKendall.signCounts` counts them.
                                    up &+= Int(unsafeBitCast(yr[j] > yi, to: UInt8.self))
                                    down &+= Int(unsafeBitCast(yr[j] < yi, to: UInt8.self))
                                    j &+= 1
                                }
                                j = 0
                                if small {
                                    below &+= rowBelow
                                    while j < len {
                                        let v = r[j]
                                        buf[m] = v
                                        m &+= Int(unsafeBitCast(v >= lo, to: UInt8.self) & unsafeBitCast(v <= hi, to: UInt8.self))
                                        j &+= 1
                                    }
                                } else {
                                    while j < len { keepInBracket(r[j], lo: lo, hi: hi, into: buf, at: &m, below: &below, above: &above); j &+= 1 }
                                }
                            }
                        }
                    }
                }
            }
            count = m
        }
        if small { above = n - below - middle.count }
        return medianOfMiddle(&middle, below: below, above: above, count: n)
    }
}

/// Whether every value is finite and of magnitude below 2^1000 (so that no difference of two
/// overflows).
@inline(__always)
func areSmall(_ values: [Double]) -> Bool {
    values.allSatisfy { $0.magnitude < 0x1p1000 }
}

/// The median as numpy's (the mean of the two middle values of an even count); NaN when
/// empty. Reorders `values` (a selection, not a sort: linear time on average).
public func sortedMedian(_ values: inout [Double]) -> Double {
    let n = values.count
    guard n > 0 else { return .nan }
    if n >= 2048, let m = bracketedMedian(values) { return m }
    let upper = select(&values, n / 2)
    guard n % 2 == 0 else { return upper }
    // The lower middle is the largest value left of the upper one.
    var lower = -Double.infinity
    for i in 0..<(n / 2) where values[i] > lower { lower = values[i] }
    return (lower + upper) / 2
}

/// The median of many values (a seasonal Sen slope's ~11,000) in about one pass instead of
/// quickselect's several: two values of a strided sample of 256 bracket the median's rank
/// with near certainty; one pass counts the values below the lower one and gathers those
/// between the two (about a sixth), and the median is selected among these. The same value
/// as `sortedMedian`'s selection over all; nil when the bracket misses the median's rank
/// (then the caller selects over all) or a value is NaN.
func bracketedMedian(_ values: [Double]) -> Double? {
    let n = values.count, s = bracketSampleSize
    var sample = (0..<s).map { values[$0 * n / s] }
    guard let (lo, hi) = bracket(&sample) else { return nil }
    var below = 0, above = 0
    var middle = [Double](unsafeUninitializedCapacity: n) { buf, count in
        var m = 0
        values.withUnsafeBufferPointer { v in
            for x in v { keepInBracket(x, lo: lo, hi: hi, into: buf, at: &m, below: &below, above: &above) }
        }
        count = m
    }
    return medianOfMiddle(&middle, below: below, above: above, count: n)
}

/// One value of a bracketed median's pass, branch-free: stored at `buf[m]` and kept (m moves
/// on) when it lies in [lo, hi], counted when below or above.
@inline(__always)
private func keepInBracket(_ x: Double, lo: Double, hi: Double, into buf: UnsafeMutableBufferPointer<Double>, at m: inout Int,
                           below: inout Int, above: inout Int) {
    let isBelow = unsafeBitCast(x < lo, to: UInt8.self), isAbove = unsafeBitCast(x > hi, to: UInt8.self)
    let inside = unsafeBitCast(x >= lo, to: UInt8.self) & unsafeBitCast(x <= hi, to: UInt8.self)
    buf[m] = x
    m &+= Int(inside)
    below &+= Int(isBelow)
    above &+= Int(isAbove)
}

/// The sample a bracketed median draws (strided), and its values' ranks either side of its
/// middle that make the bracket (20 of 256: 2.5 standard deviations of the median's rank in
/// the sample, which misses it about once in 80).
let bracketSampleSize = 256
let bracketMargin = 20

/// The bracket of a sample (reordered): its values `margin` ranks either side of its middle; nil if one is NaN.
func bracket(_ sample: inout [Double], margin: Int = bracketMargin) -> (lo: Double, hi: Double)? {
    let s = sample.count, kLo = s / 2 - margin
    let lo = select(&sample, kLo)
    guard !lo.isNaN else { return nil }
    // The upper bound among the values after the lower one (none of them smaller).
    let hi = select(&sample, s / 2 + margin, from: kLo + 1)
    guard !hi.isNaN else { return nil }
    return (lo, hi)
}

/// The median of `count` values of which `below` lie below the bracket, `above` above it and
/// `middle` (reordered) in it; nil when the median's rank is outside the bracket or a value
/// was NaN (in none of the three).
func medianOfMiddle(_ middle: inout [Double], below: Int, above: Int, count n: Int) -> Double? {
    guard below + middle.count + above == n else { return nil }
    // The ranks of the middle values (the lower one of an even count too) within `middle`.
    let k = n / 2 - below
    guard k < middle.count, k - (n % 2 == 0 ? 1 : 0) >= 0 else { return nil }
    let upper = select(&middle, k)
    guard n % 2 == 0 else { return upper }
    var lower = -Double.infinity
    for i in 0..<k where middle[i] > lower { lower = middle[i] }
    return (lower + upper) / 2
}

/// Reorder `a` so that a[k] is the value a sort would put there, with no larger value before
/// it and no smaller one after (quickselect with a median-of-three pivot and a three-way
/// partition, whose second pass, gathering the pivot's equals, runs only when there are some;
/// NaN if a pivot is NaN). The partitions are branch-free (a swap every step, the
/// boundary moved by the comparison): on a median of pairwise slopes the comparisons are
/// unpredictable, and mispredicted branches cost more than the swaps.
/// `from`: the values before it are known to be ≤ the rest (a previous selection's), left alone.
func select(_ a: inout [Double], _ k: Int, from start: Int = 0) -> Double {
    a.withUnsafeMutableBufferPointer { a in
        var lo = start, hi = a.count - 1
        // Everything left of lo is ≤ everything in lo...hi, everything right of hi ≥ it.
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            guard !pivot.isNaN else { return .nan }
            // The pivot kept aside at hi while the others are partitioned: the values below it
            // to the front of lo..<hi, those equal to it counted.
            a.swapAt(mid, hi)
            var less = lo, equal = 0
            for i in lo..<hi {
                let v = a[i]; a[i] = a[less]; a[less] = v
                less &+= Int(unsafeBitCast(v < pivot, to: UInt8.self))
                equal &+= Int(unsafeBitCast(v == pivot, to: UInt8.self))
            }
            if k < less { hi = less - 1; continue }
            if equal == 0 {
                // No other value equals the pivot (the usual case with slopes): it goes between
                // the two parts, without the pass that gathers its equals.
                a.swapAt(less, hi)
                if k == less { return pivot }
                lo = less + 1
                continue
            }
            // Else the values equal to it (the pivot too) to the front of the rest, so each
            // round shrinks the range.
            var end = less
            for i in less...hi { let v = a[i]; a[i] = a[end]; a[end] = v; end &+= Int(unsafeBitCast(v == pivot, to: UInt8.self)) }
            if k < end { return pivot }
            lo = end
        }
        return a[k]
    }
}
