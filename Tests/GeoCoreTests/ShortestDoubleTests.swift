import XCTest
import GeoTestSupport
@testable import GeoCore

/// `writeShortestDouble` against the standard library's `description` (the text our tables
/// had), against reading back (`Double(text)`, independent of `description`), and its table
/// of powers of ten against a multiprecision computation here.
final class ShortestDoubleTests: XCTestCase {
    /// Random bit patterns over the whole range: every exponent, every significand shape.
    func testRandomBitPatternsMatchDescription() {
        var rng = SeededRNG(seed: 31)
        var checked = 0
        while checked < 2_000_000 {
            let v = Double(bitPattern: rng.next())
            guard v.isFinite else { continue }
            assertShortest(v)
            checked += 1
        }
    }

    /// Values like a table's: uniform 0...1000, Float32 values widened, means of a few.
    func testTableLikeValuesMatchDescription() {
        var rng = SeededRNG(seed: 7)
        for _ in 0..<100_000 {
            let u = Double.random(in: 0...1000, using: &rng)
            let f = Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next() >> 11)))
            let a = Double(Float.random(in: -50...50, using: &rng)), b = Double(Float.random(in: 0...3, using: &rng))
            for v in [u, -u, f, Double(Float(u)), (a + b + u) / 3, a / 7, b * 1e-6, u * 1e12] where v.isFinite { assertShortest(v) }
        }
    }

    /// Powers of two and of ten, their neighbours within 3 ulps, subnormals, the extremes,
    /// and the layout's edges (1e-4, 1e-5, 2^53, 1e16), each with both signs.
    func testEdgeValuesMatchDescription() {
        var values: [Double] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                0.0001, 0.00001, 0x1p53, 1e16, 1e15, 1e23, 5e-324, 1e-323, 0.1, 0.3, 2.0 / 3]
        for e in -1074...1023 { values.append(0x1p0 * pow(2.0, Double(e))) }
        for e in -323...308 { values.append(Double("1e\(e)")!) }
        for bits in UInt64(1)...3000 { values.append(Double(bitPattern: bits)) }
        values += (0..<2000).map { Double(bitPattern: (Double.leastNormalMagnitude.bitPattern - 1000) + UInt64($0)) }
        for v in values where v != 0 {
            for step in -3...3 {
                let bits = Int64(bitPattern: v.bitPattern) + Int64(step)
                let w = Double(bitPattern: UInt64(bitPattern: bits))
                if w.isFinite && w > 0 { assertShortest(w); assertShortest(-w) }
            }
        }
        assertShortest(0.0); assertShortest(-0.0)
    }

    /// The layout rules spelled out (from Swift's FloatingPointToString.swift), written by hand.
    func testLayoutByHand() {
        let expected: [(Double, String)] = [
            (1e-05, "1e-05"), (1.5e-05, "1.5e-05"), (0.0001, "0.0001"), (0.00012, "0.00012"),
            (5e-324, "5e-324"), (1e16, "1e+16"), (0x1p53, "9007199254740992.0"),
            (9007199254740994, "9.007199254740994e+15"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100, "100.0"), (12.5, "12.5"), (-0.001, "-0.001"), (0.1, "0.1"), (1e100, "1e+100"),
            (-2.2250738585072014e-308, "-2.2250738585072014e-308"), (123456.789, "123456.789"),
        ]
        for (v, text) in expected { XCTAssertEqual(shortestText(v), text) }
    }

    /// g(e) = floor(10^e 2^(127 - floor(e log2 10))) + 1 recomputed here: 5^e by repeated
    /// multiplication (e >= 0), or a power of two divided by 5 |e| times (e < 0).
    func testPowersTableAgainstMultiprecision() {
        let count = shortestDoublePowers.count / 2
        for i in 0..<count {
            let e = shortestDoublePowersFirstExponent + i
            var g: Limbs
            let f: Int
            if e >= 0 {
                var five = Limbs(1)
                for _ in 0..<e { five.multiply(by: 5) }
                f = five.bitLength + e - 1   // floor(log2(5^e 2^e))
                g = five
                g.shift(by: e + 127 - f)
            } else {
                var five = Limbs(1)
                for _ in 0 ..< -e { five.multiply(by: 5) }
                f = -(five.bitLength - e)    // -ceil(log2(10^|e|)), 10^|e| no power of two
                g = Limbs(1)
                g.shift(by: 127 - f + e)
                for _ in 0 ..< -e { g.divide(by: 5) }
            }
            XCTAssertEqual(floorLog2Pow10(e), f, "e \(e)")
            XCTAssertEqual(g.bitLength, 128, "e \(e)")
            XCTAssertEqual(g.word(1), shortestDoublePowers[2 * i], "e \(e)")
            XCTAssertEqual(g.word(0) &+ 1, shortestDoublePowers[2 * i + 1], "e \(e)")
        }
        XCTAssertEqual(shortestDoublePowersFirstExponent, -floorLog10Pow2(971))
        XCTAssertEqual(shortestDoublePowersFirstExponent + count - 1, -floorLog10Pow2(-1074))
    }

    /// The integer forms of floor(q log10 2) and floor(log10(3/4 2^q)) for every q a Double
    /// has, against the floating-point logarithm (never within 1e-9 of an integer there).
    func testLogarithmFloors() {
        for q in -1100...1100 {
            let x = Double(q) * log10(2.0)
            let y = x + log10(0.75)
            if q != 0 { XCTAssertGreaterThan(abs(x - x.rounded()), 1e-9) }
            XCTAssertGreaterThan(abs(y - y.rounded()), 1e-9)
            XCTAssertEqual(floorLog10Pow2(q), Int(x.rounded(.down)), "q \(q)")
            XCTAssertEqual(floorLog10ThreeQuartersPow2(q), Int(y.rounded(.down)), "q \(q)")
        }
    }

    private func shortestText(_ v: Double) -> String {
        String(unsafeUninitializedCapacity: 32) { writeShortestDouble(v, at: $0.baseAddress!) }
    }

    private func assertShortest(_ v: Double, file: StaticString = #filePath, line: UInt = #line) {
        let text = shortestText(v)
        if text != v.description {
            XCTFail("\(v.bitPattern): \(text) vs \(v.description)", file: file, line: line)
        }
        if Double(text)?.bitPattern != v.bitPattern {
            XCTFail("\(v.bitPattern): \(text) does not read back", file: file, line: line)
        }
    }
}

/// A nonnegative integer of 32-bit limbs, least significant first: enough for the table test.
private struct Limbs {
    var limbs: [UInt32]
    init(_ n: UInt32) { limbs = [n] }

    var bitLength: Int {
        guard let top = limbs.lastIndex(where: { $0 != 0 }) else { return 0 }
        return 32 * top + (32 - limbs[top].leadingZeroBitCount)
    }

    /// Bits 64 w ..< 64 (w + 1).
    func word(_ w: Int) -> UInt64 {
        let low = 2 * w < limbs.count ? UInt64(limbs[2 * w]) : 0
        let high = 2 * w + 1 < limbs.count ? UInt64(limbs[2 * w + 1]) : 0
        return high << 32 | low
    }

    mutating func multiply(by m: UInt32) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let x = UInt64(limbs[i]) * UInt64(m) + carry
            limbs[i] = UInt32(truncatingIfNeeded: x); carry = x >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    /// floor(self / d).
    mutating func divide(by d: UInt32) {
        var remainder: UInt64 = 0
        for i in limbs.indices.reversed() {
            let x = remainder << 32 | UInt64(limbs[i])
            limbs[i] = UInt32(x / UInt64(d)); remainder = x % UInt64(d)
        }
    }

    /// floor(self 2^s), s of either sign, one bit at a time (a test's size).
    mutating func shift(by s: Int) {
        for _ in 0..<abs(s) {
            if s > 0 { multiply(by: 2) } else { divide(by: 2) }
        }
    }
}
