/// The shortest decimal that reads back as a Double, laid out as `Double.description` lays
/// it out (Swift 6.3's `_Float64ToASCII`), byte for byte: our own formatter, because the
/// runtime's does its 128-bit arithmetic in non-inlined software calls (~40 ns a number, a
/// fifth of a wide batch table's run). Digits by Schubfach (R. Giulietti, "The Schubfach way
/// to render doubles", 2020): the value scaled by one 128-bit power of ten with round-to-odd,
/// then the one or two candidates of the shortest length, the one closest to the value
/// (ties to an even last digit), the interval closed for even significands and open for odd
/// ones: the same choice as the runtime's.

/// `v`'s `description` text at `p` (at least 25 bytes), `v` finite; its length.
func writeShortestDouble(_ v: Double, at p: UnsafeMutablePointer<UInt8>) -> Int {
    var i = 0
    if v.sign == .minus { p[0] = 0x2D; i = 1 }
    if v == 0 {
        p[i] = 0x30; p[i + 1] = 0x2E; p[i + 2] = 0x30
        return i + 3
    }
    let (digits, exponent) = shortestDecimal(v.magnitude.bitPattern)
    return i + layOutDecimal(digits, exponent, exponential: v.magnitude > 0x1p53, at: p + i)
}

/// The shortest decimal `digits * 10^exponent` (digits without trailing zeros) that reads
/// back as the positive finite Double of bit pattern `bits`, the closest to it of that length.
@inline(__always)
func shortestDecimal(_ bits: UInt64) -> (digits: UInt64, exponent: Int) {
    let fraction = bits & ((1 << 52) - 1)
    let biased = Int(truncatingIfNeeded: bits >> 52)
    let c = biased == 0 ? fraction : fraction | (1 << 52)
    let q = biased == 0 ? -1074 : biased - 1075
    // The value is c 2^q; its interval runs half way to each neighbour, and below a power of
    // two (a boundary, the runtime's rule: any normal with a zero fraction) the lower neighbour
    // is half as far. In quarter units: 4c - 2 (or 4c - 1) to 4c + 2.
    let isBoundary = fraction == 0
    let k = isBoundary ? floorLog10ThreeQuartersPow2(q) : floorLog10Pow2(q)
    let h = q + floorLog2Pow10(-k) + 1
    let index = 2 * (-k - shortestDoublePowersFirstExponent)
    let gHigh = shortestDoublePowers[index], gLow = shortestDoublePowers[index + 1]
    let cb = c << 2
    // c 2^q 10^-k in quarter units (round to odd: exact comparisons survive the scaling).
    let vb = scaleRoundingToOdd(gHigh, gLow, cb << h)
    let vbl = scaleRoundingToOdd(gHigh, gLow, (cb - (isBoundary ? 1 : 2)) << h)
    let vbr = scaleRoundingToOdd(gHigh, gLow, (cb + 2) << h)
    let open: UInt64 = c & 1   // an odd significand's interval excludes its ends
    let s = vb >> 2
    // One digit fewer first: the interval is under ten units wide, so at most one multiple of
    // ten lies inside it (and 0 never does). Tried at every size (Java's version skips values
    // under 100 units for its two-digit minimum; Swift writes "5e-323").
    let sp10 = (s / 10) * 10, tp10 = sp10 + 10
    let shorterLowerIn = vbl + open <= sp10 << 2
    let shorterUpperIn = (tp10 << 2) + open <= vbr
    if shorterLowerIn != shorterUpperIn { return removingTrailingZeros(shorterLowerIn ? sp10 : tp10, k) }
    let t = s + 1
    let lowerIn = vbl + open <= s << 2
    let upperIn = (t << 2) + open <= vbr
    if lowerIn != upperIn { return removingTrailingZeros(lowerIn ? s : t, k) }
    // Both inside: the closer to the value, ties to the even one.
    let twiceMidpoint = (s + t) << 1
    let pickLower = vb < twiceMidpoint || (vb == twiceMidpoint && s & 1 == 0)
    return removingTrailingZeros(pickLower ? s : t, k)
}

/// floor(g cp / 2^128) for g = gHigh 2^64 + gLow, its lowest bit set when anything was
/// dropped (rounding to odd): g over-estimates a power of ten by less than 2^-127 of itself.
@inline(__always)
private func scaleRoundingToOdd(_ gHigh: UInt64, _ gLow: UInt64, _ cp: UInt64) -> UInt64 {
    let low = gLow.multipliedFullWidth(by: cp).high
    let high = gHigh.multipliedFullWidth(by: cp)
    let (middle, carry) = high.low.addingReportingOverflow(low)
    let floor = high.high &+ (carry ? 1 : 0)
    return floor | (middle != 0 ? 1 : 0)
}

/// floor(log10(2^q)) for |q| <= 1700 (an integer multiply by log10(2) 2^41, checked
/// against exact values by scripts/shortest_double_powers.py and ShortestDoubleTests).
@inline(__always)
func floorLog10Pow2(_ q: Int) -> Int { (q &* 661_971_961_083) >> 41 }

/// floor(log10(3/4 2^q)), the same way.
@inline(__always)
func floorLog10ThreeQuartersPow2(_ q: Int) -> Int { (q &* 661_971_961_083 &- 274_743_187_321) >> 41 }

/// floor(log2(10^e)) for |e| <= 400, the same way.
@inline(__always)
func floorLog2Pow10(_ e: Int) -> Int { (e &* 913_124_641_741) >> 38 }

/// `digits 10^exponent` without trailing zeros in `digits` (a nonzero value).
@inline(__always)
private func removingTrailingZeros(_ digits: UInt64, _ exponent: Int) -> (digits: UInt64, exponent: Int) {
    var d = digits, e = exponent
    while true {
        let quotient = d / 10
        if quotient * 10 != d { return (d, e) }
        d = quotient; e += 1
    }
}

/// `digits 10^exponent` (no trailing zeros) at `p` as `description` writes it: exponential
/// ("1.5e-05", "5e-324", "1e+16") below 1e-4 or when `exponential` (above 2^53), otherwise
/// positional with at least one digit after the point ("0.001", "12.5", "100.0"); its length.
@inline(__always)
private func layOutDecimal(_ digits: UInt64, _ exponent: Int, exponential: Bool, at p: UnsafeMutablePointer<UInt8>) -> Int {
    let count = decimalDigitCount(digits)
    let scientific = exponent + count - 1   // the value is d.ddd 10^scientific
    if scientific < -4 || exponential {
        writeDigits(digits, count: count, at: p + 1)
        var n = 1
        if count > 1 { p[0] = p[1]; p[1] = 0x2E; n = count + 1 } else { p[0] = p[1] }
        p[n] = 0x65
        return n + 1 + writeExponent(scientific, at: p + n + 1)
    }
    if scientific < 0 {
        // "0.", then zeros, then the digits.
        let zeros = -scientific - 1
        p[0] = 0x30; p[1] = 0x2E
        for j in 0..<zeros { p[2 + j] = 0x30 }
        writeDigits(digits, count: count, at: p + 2 + zeros)
        return 2 + zeros + count
    }
    if scientific + 1 < count {
        // Digits with the point inside: written one place right, the integer part moved back.
        writeDigits(digits, count: count, at: p + 1)
        for j in 0...scientific { p[j] = p[j + 1] }
        p[scientific + 1] = 0x2E
        return count + 1
    }
    // A whole number: its digits, zeros to the units, ".0".
    writeDigits(digits, count: count, at: p)
    for j in count..<(scientific + 1) { p[j] = 0x30 }
    p[scientific + 1] = 0x2E; p[scientific + 2] = 0x30
    return scientific + 3
}

/// "e", a sign and at least two digits of `e` (|e| < 1000) at `p`; its length minus the "e".
@inline(__always)
private func writeExponent(_ e: Int, at p: UnsafeMutablePointer<UInt8>) -> Int {
    p[0] = e < 0 ? 0x2D : 0x2B
    let m = e.magnitude
    if m >= 100 {
        p[1] = 0x30 + UInt8(truncatingIfNeeded: m / 100)
        writeDigits(UInt64(m % 100), count: 2, at: p + 2)
        return 4
    }
    writeDigits(UInt64(m), count: 2, at: p + 1)
    return 3
}

/// The number of decimal digits of `n` (1 to 20; 0 for 0).
@inline(__always)
func decimalDigitCount(_ n: UInt64) -> Int {
    // floor(log10(2^bits)) is the count or one less.
    let bits = 64 - n.leadingZeroBitCount
    let estimate = (bits &* 1233) >> 12
    return n >= powersOfTen[estimate] ? estimate + 1 : estimate
}

/// 10^0 ... 10^19.
private let powersOfTen: [UInt64] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000,
    100_000_000_000_000, 1_000_000_000_000_000, 10_000_000_000_000_000,
    100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
]

/// The last `count` decimal digits of `n` at `p`: eight at a time from the end (the digits
/// of the two halves, then of their halves, split in the lanes of one 64-bit word), then two
/// at a time. A digit at a time from the end was 40% of this formatter's time.
@inline(__always)
func writeDigits(_ n: UInt64, count: Int, at p: UnsafeMutablePointer<UInt8>) {
    var m = n, end = count
    while end >= 8 {
        let (q, r) = m.quotientAndRemainder(dividingBy: 100_000_000)
        UnsafeMutableRawPointer(p + end - 8).storeBytes(of: eightDigits(r).littleEndian, as: UInt64.self)
        m = q; end -= 8
    }
    while end >= 2 {
        let pair = Int(truncatingIfNeeded: m % 100)
        m /= 100
        p[end - 2] = 0x30 + UInt8(truncatingIfNeeded: pair / 10)
        p[end - 1] = 0x30 + UInt8(truncatingIfNeeded: pair % 10)
        end -= 2
    }
    if end == 1 { p[0] = 0x30 + UInt8(truncatingIfNeeded: m % 10) }
}

/// The eight digits of `n` (< 10^8, leading zeros kept) as ASCII bytes, the first digit in
/// the lowest byte: abcd and efgh in the two 32-bit lanes, divided by 100 in each lane at once
/// (x 10486 >> 20 is x / 100 below 10^4), then ab, cd, ef, gh in 16-bit lanes divided by 10
/// the same way (x 103 >> 10 is x / 10 below 100).
@inline(__always)
private func eightDigits(_ n: UInt64) -> UInt64 {
    let abcdEfgh = (n / 10_000) | ((n % 10_000) << 32)
    let abEf = ((abcdEfgh &* 10_486) >> 20) & 0x0000_007F_0000_007F
    let abCdEfGh = abEf | ((abcdEfgh &- abEf &* 100) << 16)
    let aCEG = ((abCdEfGh &* 103) >> 10) & 0x000F_000F_000F_000F
    return (aCEG | ((abCdEfGh &- aCEG &* 10) << 8)) | 0x3030_3030_3030_3030
}
