import XCTest
import GeoCore

/// Part files carry ZoneStats as bytes: what is read back must be bit for bit what was
/// written (a merge is byte-identical to a single run only then).
final class ZoneStatsCodingTests: XCTestCase {
    /// Every Double of an accumulator by bit pattern, and its histogram's bins by value.
    func bits(_ s: ZoneStats) -> [UInt64] {
        var out = [s.count, s.sum, s.mean, s.m2, s.min, s.max, s.nodataCount, s.area, s.totalArea, s.weightCount, s.weightSum, s.zoneArea]
            .map(\.bitPattern) + [UInt64(bitPattern: Int64(s.cells))]
        guard let h = s.histogram else { return out + [0] }
        out.append(h.dense == nil ? 1 : 2)
        if let d = h.dense { for b in d { out += [b.coverage.bitPattern, b.area.bitPattern, b.weighted.bitPattern] } }
        for v in h.sparse.keys.sorted() { let b = h.sparse[v]!; out += [v.bitPattern, b.coverage.bitPattern, b.area.bitPattern, b.weighted.bitPattern] }
        return out
    }

    func roundTrip(_ s: ZoneStats) throws -> ZoneStats {
        var w = ByteWriter()
        s.encode(into: &w)
        return try w.bytes.withUnsafeBytes { b in
            var r = ByteReader(b)
            let back = try ZoneStats(decoding: &r)
            XCTAssertTrue(r.atEnd, "every byte read")
            return back
        }
    }

    func testRoundTripIsBitExact() throws {
        var rng = SystemRandomNumberGenerator()
        for kind in 0..<3 {
            var s = ZoneStats(histogram: kind > 0, denseBytes: kind == 2)
            for _ in 0..<500 {
                let v = kind == 2 ? Double(Int.random(in: 0...300, using: &rng)) : Double.random(in: -1e6...1e6, using: &rng)
                let c = Double.random(in: 0...1, using: &rng), a = Double.random(in: 1...1e6, using: &rng)
                s.add(value: v, coverage: c, cellArea: a)
                s.histogram?.add(value: v, coverage: c, area: c * a, weighted: c * 0.3)
            }
            s.cells = 777; s.nodataCount = 0.1 + 0.2; s.weightSum = -0.0; s.zoneArea = .pi
            XCTAssertEqual(bits(try roundTrip(s)), bits(s), "kind \(kind)")
        }
        // An empty accumulator keeps its infinities; NaN and -0.0 keep their bits.
        var odd = ZoneStats(histogram: true)
        odd.sum = .nan; odd.area = -0.0
        odd.histogram!.add(value: -0.0, coverage: 1, area: 2, weighted: .nan)
        XCTAssertEqual(bits(try roundTrip(odd)), bits(odd))
        XCTAssertEqual(bits(try roundTrip(ZoneStats())), bits(ZoneStats()))
    }

    func testTruncatedBytesThrow() {
        var s = ZoneStats(histogram: true, denseBytes: true)
        s.histogram!.add(value: 3, coverage: 1, area: 1, weighted: 0)
        var w = ByteWriter()
        s.encode(into: &w)
        for cut in [0, 8, w.bytes.count - 1] {
            XCTAssertThrowsError(try Array(w.bytes.prefix(cut)).withUnsafeBytes { b in
                var r = ByteReader(b)
                _ = try ZoneStats(decoding: &r)
            }, "cut at \(cut)")
        }
    }
}
