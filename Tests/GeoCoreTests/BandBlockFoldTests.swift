import XCTest
@testable import GeoCore

/// Many bands folded in one pass over the coverage (`foldCoverages` of a `BandBlock`) give
/// the same bits as the band-by-band fold, for every pixel type, with nodata, NaN, scale and
/// offset, weights, class tables, spans of one cell and long runs, zones without spans, a
/// read window inside the raster, and the cells read in place (the raster's pitch) or from
/// decoded windows (the window's pitch). The sums are also checked against a plain loop over
/// the cells.
final class BandBlockFoldTests: XCTestCase {
    /// A small generator, so the arrays are the same every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
        /// NaN, the nodata value -9999, signed zeros, an infinity (its sign by band) or a
        /// plain value, one of `n` cases each of the first five.
        mutating func awkwardFloat(band b: Int, outOf n: Int) -> Float {
            switch int(n) {
            case 0: return .nan
            case 1: return -9999
            case 2: return -0.0
            case 3: return 0.0
            case 4: return b % 2 == 0 ? .infinity : -.infinity
            default: return Float(unit() * 80 - 40)
            }
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let rows = 23, cols = 31
    static let read = Window(row: 3, col: 4, rows: 17, cols: 22)

    /// Spans of `zones` zones inside `read`: cells of one, long interior runs, fractions of 1
    /// and between 0 and 1; every fourth zone has none.
    static func coverages(zones: Int, _ rng: inout Random) -> CoverageList {
        var list = CoverageList()
        for z in 0..<zones {
            if z % 4 != 3 {
                for _ in 0..<(1 + rng.int(6)) {
                    let row = read.row + rng.int(read.rows)
                    let col = read.col + rng.int(read.cols)
                    let len = rng.int(3) == 0 ? 1 + rng.int(read.colEnd - col) : 1
                    let f = rng.int(2) == 0 ? 1 : max(0.001, rng.unit())
                    list.spans.append(Span(row: row, col: col, len: len, fraction: f))
                }
            }
            list.endZone()
        }
        return list
    }

    /// Every field of an accumulator, as bits (class tables compared on their own).
    static func bits(_ s: ZoneStats) -> [UInt64] {
        [s.count, s.sum, s.mean, s.m2, s.min, s.max, s.nodataCount, s.area, s.totalArea, s.weightCount, s.weightSum,
         s.zoneArea, s.conditionNodataArea].map(\.bitPattern) + [UInt64(bitPattern: Int64(s.cells))]
    }

    /// Fold `bands` planes (each rows x cols of T) both ways and compare every accumulator.
    func check<T: RasterScalar>(_: T.Type, type: PixelType, bands: Int, rules: [ValueRules], weights: Bool,
                                histogram: Bool = false, denseBytes: Bool = false, seed: UInt64,
                                value: (inout Random, Int) -> T, file: StaticString = #filePath, line: UInt = #line) {
        var rng = Random(state: seed)
        let read = Self.read, cols = Self.cols
        let planes: [[T]] = (0..<bands).map { b in (0..<(Self.rows * cols)).map { _ in value(&rng, b) } }
        let windows: [[T]] = planes.map { p in (read.row..<read.rowEnd).flatMap { r in p[(r * cols + read.col)..<(r * cols + read.colEnd)] } }
        var w: [Double] = (0..<read.cellCount).map { _ in rng.int(5) == 0 ? .nan : rng.unit() * 3 }
        let zones = 60
        let covs = Self.coverages(zones: zones, &rng)
        let areas = (0..<read.rows).map { 1000 + Double($0) * 0.37 }
        let template = ZoneStats(histogram: histogram, denseBytes: denseBytes)

        // Band by band, as the engine folded before: out[band * zones + zone].
        var byBand = [ZoneStats](repeating: template, count: bands * zones)
        w.withUnsafeMutableBufferPointer { wp in
            byBand.withUnsafeMutableBufferPointer { out in
                for b in 0..<bands {
                    var window = windows[b]
                    window.withUnsafeMutableBytes { raw in
                        foldCoverages(raw.baseAddress!, type: type, covs, read: read, rowAreas: areas, mask: nil,
                                      weights: weights ? wp.baseAddress! : nil, rules: rules[b], into: out.baseAddress! + b * zones)
                    }
                }
            }
        }
        // All bands at once, over the decoded windows (pitch = the window's width) and in
        // place (pitch = the raster's width, planes from the window's first cell).
        for inPlace in [false, true] {
            var together = [ZoneStats](repeating: template, count: bands * zones)
            let sources = inPlace ? planes : windows
            let pointers = sources.map { a in a.withUnsafeBytes { UnsafeMutableRawPointer.allocate(byteCount: $0.count, alignment: 16) } }
            defer { pointers.forEach { $0.deallocate() } }
            for (p, a) in zip(pointers, sources) { a.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            let block = BandBlock(planes: pointers.map { UnsafeRawPointer($0 + (inPlace ? (read.row * cols + read.col) * type.size : 0)) },
                                  pitch: inPlace ? cols : read.cols, type: type)
            w.withUnsafeMutableBufferPointer { wp in
                together.withUnsafeMutableBufferPointer { out in
                    foldCoverages(block, covs, read: read, rowAreas: areas, weights: weights ? wp.baseAddress! : nil,
                                  rules: rules, into: out.baseAddress!, stride: zones)
                }
            }
            for i in 0..<(bands * zones) {
                XCTAssertEqual(Self.bits(together[i]), Self.bits(byBand[i]), "band \(i / zones), zone \(i % zones), in place: \(inPlace)",
                               file: file, line: line)
                XCTAssertEqual(together[i].histogram?.dense, byBand[i].histogram?.dense, file: file, line: line)
                XCTAssertEqual(together[i].histogram?.sparse, byBand[i].histogram?.sparse, file: file, line: line)
            }
        }
        // Zone-major (the engine's partials when every source folds in blocks): zone z's
        // accumulators side by side, out[z * bands + band], the same bits.
        var zoneMajor = [ZoneStats](repeating: template, count: bands * zones)
        let pointers = windows.map { a in a.withUnsafeBytes { UnsafeMutableRawPointer.allocate(byteCount: $0.count, alignment: 16) } }
        defer { pointers.forEach { $0.deallocate() } }
        for (p, a) in zip(pointers, windows) { a.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        w.withUnsafeMutableBufferPointer { wp in
            zoneMajor.withUnsafeMutableBufferPointer { out in
                foldCoverages(BandBlock(planes: pointers.map { UnsafeRawPointer($0) }, pitch: read.cols, type: type), covs, read: read,
                              rowAreas: areas, weights: weights ? wp.baseAddress! : nil, rules: rules, into: out.baseAddress!,
                              stride: 1, zoneStride: bands)
            }
        }
        for b in 0..<bands {
            for z in 0..<zones {
                XCTAssertEqual(Self.bits(zoneMajor[z * bands + b]), Self.bits(byBand[b * zones + z]), "zone-major: band \(b), zone \(z)",
                               file: file, line: line)
                XCTAssertEqual(zoneMajor[z * bands + b].histogram?.sparse, byBand[b * zones + z].histogram?.sparse, file: file, line: line)
            }
        }
        // Cells side by side (`[cell][band]`, as the engine lays out decoded bands whose rules
        // admit it): the same bits, band-major and zone-major.
        if foldsCellInterleaved(type: type, rules: rules, weights: weights) {
            let sideBySide = UnsafeMutableRawPointer.allocate(byteCount: read.cellCount * bands * type.size, alignment: 16)
            defer { sideBySide.deallocate() }
            interleaveBands(pointers.map { UnsafeRawPointer($0) }, cells: read.cellCount, size: type.size, into: sideBySide)
            let block = BandBlock(planes: (0..<bands).map { UnsafeRawPointer(sideBySide + $0 * type.size) }, pitch: read.cols,
                                  type: type, cellStride: bands)
            for zoneMajorLayout in [false, true] {
                var out = [ZoneStats](repeating: template, count: bands * zones)
                out.withUnsafeMutableBufferPointer { o in
                    foldCoverages(block, covs, read: read, rowAreas: areas, weights: nil, rules: rules, into: o.baseAddress!,
                                  stride: zoneMajorLayout ? 1 : zones, zoneStride: zoneMajorLayout ? bands : 1)
                }
                for b in 0..<bands {
                    for z in 0..<zones {
                        let got = out[zoneMajorLayout ? z * bands + b : b * zones + z]
                        XCTAssertEqual(Self.bits(got), Self.bits(byBand[b * zones + z]),
                                       "side by side (zone-major: \(zoneMajorLayout)): band \(b), zone \(z)", file: file, line: line)
                    }
                }
            }
            // The layout itself: band k of cell i at element i * K + k.
            for i in [0, read.cellCount / 2, read.cellCount - 1] {
                for k in 0..<bands {
                    XCTAssertEqual(memcmp(sideBySide + (i * bands + k) * type.size, pointers[k] + i * type.size, type.size), 0,
                                   file: file, line: line)
                }
            }
        }
        // Not only equal to each other: the sums are those of a plain loop over the cells.
        for b in 0..<bands {
            let r = rules[b]
            for z in 0..<zones {
                var count = 0.0, sum = 0.0
                for span in covs.spans[covs.starts[z]..<covs.starts[z + 1]] {
                    for c in Int(span.col)..<Int(span.col + span.len) {
                        let raw = planes[b][Int(span.row) * cols + c].double
                        if raw.isNaN || raw == r.nodata { continue }
                        count += span.fraction; sum += span.fraction * (raw * r.scale + r.offset)
                    }
                }
                let s = byBand[b * zones + z]
                XCTAssertEqual(s.count, count, accuracy: 1e-9, file: file, line: line)
                if sum.isFinite {
                    XCTAssertEqual(s.sum, sum, accuracy: 1e-9 * max(1, abs(sum)), file: file, line: line)
                } else {
                    XCTAssertEqual(s.sum, sum, file: file, line: line)  // an infinite value among the cells
                }
            }
        }
    }

    func testFloatCubeWithNaNAndNodata() {
        // Bands with their own nodata; with and without moments (mean,max asks none).
        let rules = (0..<7).map { ValueRules(nodata: $0 % 3 == 0 ? nil : -9999, moments: $0 % 2 == 0) }
        check(Float.self, type: .float32, bands: 7, rules: rules, weights: false, seed: 1) { rng, b in
            switch rng.int(10) { case 0: return .nan; case 1: return -9999; default: return Float(rng.unit() * 50 + Double(b)) }
        }
    }

    func testFloatCubeWithSharedRules() {
        // Every band with the same rules and no weights: one-cell spans take the shared path.
        for moments in [false, true] {
            let rules = (0..<9).map { _ in ValueRules(nodata: -9999, moments: moments) }
            check(Float.self, type: .float32, bands: 9, rules: rules, weights: false, seed: moments ? 12 : 13) { rng, b in
                switch rng.int(10) { case 0: return .nan; case 1: return -9999; default: return Float(rng.unit() * 50 - Double(b)) }
            }
        }
    }

    func testRunsFoldedAcrossBandsForEveryWideType() {
        // Shared plain rules: runs of float, Double and 32-bit integer cells fold across the
        // bands (`CrossBandRun`), one cell at a time over all bands; 32 bands (the most in a
        // block), with and without nodata and moments, and the awkward values: NaN, the nodata
        // value, signed zeros, infinities.
        for moments in [false, true] {
            for nodata in [nil, -9999.0] {
                let rules = (0..<32).map { _ in ValueRules(nodata: nodata, moments: moments) }
                let seed: UInt64 = (moments ? 20 : 30) + (nodata == nil ? 0 : 1)
                check(Double.self, type: .float64, bands: 32, rules: rules, weights: false, seed: seed) { rng, b in
                    switch rng.int(24) {
                    case 0: return .nan
                    case 1: return -9999
                    case 2: return -0.0
                    case 3: return 0.0
                    case 4: return b % 5 == 0 ? .infinity : -1e300
                    default: return rng.unit() * 1e6 - 5e5 + Double(b)
                    }
                }
                check(Float.self, type: .float32, bands: 17, rules: Array(rules.prefix(17)), weights: false, seed: seed + 100) { rng, b in
                    switch rng.int(16) {
                    case 0: return .nan
                    case 1: return -9999
                    case 2: return -0.0
                    case 3: return b % 3 == 0 ? -.infinity : 3.5e38
                    default: return Float(rng.unit() * 80 - 40)
                    }
                }
                check(Int32.self, type: .int32, bands: 8, rules: Array(rules.prefix(8)), weights: false, seed: seed + 200) { rng, _ in
                    rng.int(7) == 0 ? -9999 : Int32(rng.int(1 << 30)) - (1 << 29)
                }
                check(UInt32.self, type: .uint32, bands: 8, rules: Array(rules.prefix(8)), weights: false, seed: seed + 300) { rng, _ in
                    UInt32(rng.int(1 << 31))
                }
                // Small integers keep their exact integer sums (not folded across bands).
                check(Int16.self, type: .int16, bands: 8, rules: Array(rules.prefix(8)), weights: false, seed: seed + 400) { rng, _ in
                    rng.int(7) == 0 ? -9999 : Int16(rng.int(20000) - 10000)
                }
            }
        }
    }

    func testRunsFoldedFourBandsAtATimeWithEveryTail() {
        // Runs fold four bands at a time (one vector lane per band) and the last one to three
        // bands one at a time: 1 to 9 bands cover no full group, full groups only, and each
        // tail, with the awkward values in every lane (NaN, the nodata value, signed zeros,
        // infinities of both signs), with and without nodata and moments.
        for bands in 1...9 {
            for moments in [false, true] {
                for nodata in [nil, -9999.0] {
                    let rules = (0..<bands).map { _ in ValueRules(nodata: nodata, moments: moments) }
                    let seed = UInt64(500 + bands * 4) + (moments ? 2 : 0) + (nodata == nil ? 0 : 1)
                    check(Float.self, type: .float32, bands: bands, rules: rules, weights: false, seed: seed) { rng, b in
                        rng.awkwardFloat(band: b, outOf: 12)
                    }
                    check(Double.self, type: .float64, bands: bands, rules: rules, weights: false, seed: seed + 1000) { rng, _ in
                        switch rng.int(10) {
                        case 0: return .nan
                        case 1: return -9999
                        case 2: return -0.0
                        default: return rng.unit() * 1e6 - 5e5
                        }
                    }
                }
            }
        }
    }

    func testWhichBandsFoldFromCellsSideBySide() {
        let plain = (0..<3).map { _ in ValueRules(nodata: -1, moments: false) }
        XCTAssertTrue(foldsCellInterleaved(type: .float32, rules: plain, weights: false))
        XCTAssertTrue(foldsCellInterleaved(type: .float64, rules: plain, weights: false))
        XCTAssertTrue(foldsCellInterleaved(type: .int32, rules: plain, weights: false))
        XCTAssertFalse(foldsCellInterleaved(type: .float32, rules: plain, weights: true), "weights")
        XCTAssertFalse(foldsCellInterleaved(type: .int16, rules: plain, weights: false), "small integers: exact integer sums")
        XCTAssertFalse(foldsCellInterleaved(type: .uint8, rules: plain, weights: false))
        XCTAssertFalse(foldsCellInterleaved(type: .float32, rules: plain + [ValueRules(nodata: -2, moments: false)], weights: false),
                       "another nodata")
        XCTAssertFalse(foldsCellInterleaved(type: .float32, rules: [ValueRules(nodata: -1, scale: 0.1, moments: false)], weights: false),
                       "scaled")
        XCTAssertFalse(foldsCellInterleaved(type: .float32, rules: [ValueRules(nodata: nil, histogram: true)], weights: false),
                       "class table")
    }

    func testFloatCubeWithWeights() {
        let rules = (0..<5).map { _ in ValueRules(nodata: -1) }
        check(Float.self, type: .float32, bands: 5, rules: rules, weights: true, seed: 2) { rng, _ in
            rng.int(8) == 0 ? -1 : Float(rng.unit() * 1e4)
        }
    }

    func testIntegersScaledAndOffset() {
        let rules = (0..<4).map { ValueRules(nodata: -32768, scale: $0 == 1 ? 0.01 : 1, offset: $0 == 1 ? 273.15 : 0) }
        check(Int16.self, type: .int16, bands: 4, rules: rules, weights: false, seed: 3) { rng, _ in
            rng.int(9) == 0 ? -32768 : Int16(rng.int(20000) - 10000)
        }
        let wide = (0..<3).map { _ in ValueRules(nodata: 0) }
        check(UInt32.self, type: .uint32, bands: 3, rules: wide, weights: true, seed: 4) { rng, _ in UInt32(rng.int(1 << 30)) }
        check(Int32.self, type: .int32, bands: 3, rules: wide, weights: false, seed: 5) { rng, _ in Int32(rng.int(1 << 30)) - (1 << 29) }
        check(UInt16.self, type: .uint16, bands: 2, rules: Array(wide.prefix(2)), weights: false, seed: 6) { rng, _ in UInt16(rng.int(65536)) }
        check(Int8.self, type: .int8, bands: 2, rules: Array(wide.prefix(2)), weights: false, seed: 7) { rng, _ in Int8(rng.int(256) - 128) }
        check(Double.self, type: .float64, bands: 3, rules: wide, weights: true, seed: 8) { rng, _ in rng.unit() * 1e6 - 5e5 }
    }

    func testClassTables() {
        // Byte classes in the dense table (with weights), and a float's classes in the sparse one.
        let bytes = (0..<4).map { _ in ValueRules(nodata: 255, histogram: true) }
        check(UInt8.self, type: .uint8, bands: 4, rules: bytes, weights: true, histogram: true, denseBytes: true, seed: 9) { rng, _ in
            rng.int(12) == 0 ? 255 : UInt8(rng.int(6))
        }
        let floats = (0..<3).map { _ in ValueRules(nodata: nil, histogram: true) }
        check(Float.self, type: .float32, bands: 3, rules: floats, weights: false, histogram: true, seed: 10) { rng, _ in
            Float(rng.int(5)) * 0.5
        }
    }

    func testOneBandIsTheSameToo() {
        check(Float.self, type: .float32, bands: 1, rules: [ValueRules(nodata: nil)], weights: false, seed: 11) { rng, _ in
            Float(rng.unit())
        }
    }

    /// Plain bands without moments fold four at a time into vector accumulators held over a
    /// zone's spans (`CrossBandSums`); a last group of one to three bands of cells side by
    /// side reads on into the next cell, except at the buffer's end. Every zone here ends on
    /// the window's last cell, and the same coverage is folded twice into the same
    /// accumulators (so they start a zone holding values, not the template): the same bits
    /// as the band-by-band fold, twice, for 1 to 9 and 23 bands (the engine's pieces of a
    /// 90-band cube), float and double, with NaN, nodata, signed zeros and infinities.
    func testVectorAccumulatorsFromTheLastCellAndNotEmpty() {
        let read = Self.read
        for bands in Array(1...9) + [23] {
            for nodata in [nil, -9999.0] {
                var rng = Random(state: UInt64(700 + bands) + (nodata == nil ? 0 : 50))
                var list = CoverageList()
                for z in 0..<40 {
                    for _ in 0..<(z % 4) {
                        let row = read.row + rng.int(read.rows), col = read.col + rng.int(read.cols)
                        let len = rng.int(2) == 0 ? 1 : 1 + rng.int(read.colEnd - col)
                        list.spans.append(Span(row: row, col: col, len: len, fraction: rng.int(2) == 0 ? 1 : max(0.001, rng.unit())))
                    }
                    let len = z % 3 == 0 ? 1 : 1 + rng.int(read.cols)
                    list.spans.append(Span(row: read.rowEnd - 1, col: read.colEnd - len, len: len, fraction: max(0.001, rng.unit())))
                    list.endZone()
                }
                let rules = (0..<bands).map { _ in ValueRules(nodata: nodata, moments: false) }
                let floats: [[Float]] = (0..<bands).map { b in
                    (0..<read.cellCount).map { _ in rng.awkwardFloat(band: b, outOf: 14) }
                }
                foldTwiceBothWays(Float.self, type: .float32, floats, list, rules: rules, bands: bands)
                foldTwiceBothWays(Double.self, type: .float64, floats.map { $0.map { Double($0) * 1.5 } }, list, rules: rules, bands: bands)
            }
        }
    }

    /// `windows` (one decoded window per band) folded twice band by band, and twice from
    /// cells side by side and from planes, band-major and zone-major: every field the same bits.
    private func foldTwiceBothWays<T: RasterScalar>(_: T.Type, type: PixelType, _ windows: [[T]], _ covs: CoverageList,
                                                     rules: [ValueRules], bands: Int, line: UInt = #line) {
        let read = Self.read, zones = covs.count
        let areas = (0..<read.rows).map { 900 + Double($0) * 0.61 }
        var byBand = [ZoneStats](repeating: ZoneStats(), count: bands * zones)
        byBand.withUnsafeMutableBufferPointer { out in
            for _ in 0..<2 {
                for b in 0..<bands {
                    var window = windows[b]
                    window.withUnsafeMutableBytes { raw in
                        foldCoverages(raw.baseAddress!, type: type, covs, read: read, rowAreas: areas, mask: nil, weights: nil,
                                      rules: rules[b], into: out.baseAddress! + b * zones)
                    }
                }
            }
        }
        let planes = windows.map { a in a.withUnsafeBytes { UnsafeMutableRawPointer.allocate(byteCount: $0.count, alignment: 16) } }
        defer { planes.forEach { $0.deallocate() } }
        for (p, a) in zip(planes, windows) { a.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        // Exactly the window's cells side by side: a read past the last cell would leave the buffer.
        let sideBySide = UnsafeMutableRawPointer.allocate(byteCount: read.cellCount * bands * type.size, alignment: 16)
        defer { sideBySide.deallocate() }
        interleaveBands(planes.map { UnsafeRawPointer($0) }, cells: read.cellCount, size: type.size, into: sideBySide)
        let blocks = [BandBlock(planes: planes.map { UnsafeRawPointer($0) }, pitch: read.cols, type: type),
                      BandBlock(planes: (0..<bands).map { UnsafeRawPointer(sideBySide + $0 * type.size) }, pitch: read.cols,
                                type: type, cellStride: bands)]
        for (layout, block) in ["planes", "side by side"].enumerated().map({ ($0.element, blocks[$0.offset]) }) {
            for zoneMajor in [false, true] {
                var out = [ZoneStats](repeating: ZoneStats(), count: bands * zones)
                out.withUnsafeMutableBufferPointer { o in
                    for _ in 0..<2 {
                        foldCoverages(block, covs, read: read, rowAreas: areas, weights: nil, rules: rules, into: o.baseAddress!,
                                      stride: zoneMajor ? 1 : zones, zoneStride: zoneMajor ? bands : 1)
                    }
                }
                for b in 0..<bands {
                    for z in 0..<zones {
                        XCTAssertEqual(Self.bits(out[zoneMajor ? z * bands + b : b * zones + z]), Self.bits(byBand[b * zones + z]),
                                       "\(T.self), \(layout), zone-major \(zoneMajor): \(bands) bands, band \(b), zone \(z)", line: line)
                    }
                }
            }
        }
    }
}
