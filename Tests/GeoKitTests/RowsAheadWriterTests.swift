import XCTest
import Foundation
import GeoCore
import GeoTestSupport
@testable import GeoKit

/// `RowsAhead.write`: the zone rows formatted by its threads and by the writer itself, in any
/// mix (chunks final during the engine or not, a budget that stops or holds the threads,
/// threads of normal or idle priority), are the table a plain CSV encoding of the values
/// gives, byte for byte: numbers by `Double.description`'s rules (integers below 1e15 as
/// integers, NaN and infinities empty), text quoted by RFC 4180 and guarded as asked.
final class RowsAheadWriterTests: XCTestCase {
    /// Values whose text is awkward: subnormals, the 1e15 boundary, signed zeros, the
    /// largest and smallest, integers, float32 values widened, NaN and infinities, and
    /// random bits.
    static func awkwardValues(_ count: Int, seed: UInt64) -> [Double] {
        var g = SeededRNG(seed: seed)
        let fixed: [Double] = [0, -0.0, 1, -1, 0.1, 0.5, 1e15, -1e15, 1e15 - 1, -(1e15 - 1), 1e15 + 2, 999999999999999.9,
                               1e16, 123456789012345.6, 9007199254740993, 1e-5, 1e-4, 0.001, 5e-324, -5e-324,
                               2.2250738585072014e-308, 2.225073858507201e-308, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, .leastNormalMagnitude, .nan, .infinity, -.infinity,
                               Double(Float(0.3)), Double(Float.greatestFiniteMagnitude), Double(Float.leastNonzeroMagnitude),
                               1e22, 1e23, 4.35, -2.5e-7, 100, 65536.0, 3.0e14, 0.30000000000000004]
        return (0..<count).map { i in
            if i < fixed.count { return fixed[i] }
            switch g.next() % 6 {
            case 0: return Double(bitPattern: g.next())                                // any bits (NaN sometimes)
            case 1: return Double(Int64(bitPattern: g.next()) >> Int64(g.next() % 60))  // integers of every size
            case 2: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: g.next())))
            case 3: return Double(g.next() % 1_000_000) / 1000 - 500
            case 4: return Double(bitPattern: g.next() % (1 << 52))                    // subnormals
            default: return (Double(g.next() % 1_000_000_007) / 7) * (g.next() % 2 == 0 ? 1e-12 : 1e12)
            }
        }
    }

    /// `formatNumber`'s rule, from `Double.description` (the reference this writer must match).
    static func numberText(_ v: Double) -> String {
        if !v.isFinite { return "" }
        if v == v.rounded(.towardZero) && abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }

    /// A field as RFC 4180 writes it, guarded first when asked.
    static func fieldText(_ s: String, guards: Bool) -> String {
        let g = guards ? guardFormula(s) : s
        guard g.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return g }
        return "\"" + g.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    struct Case {
        var zones: Int, width: Int, columns: [Int], attributes: Int
        var ids: [String], attrs: [[String]], values: [Double]
    }

    static func makeCase(zones: Int, seed: UInt64) -> Case {
        let width = 7, columns = [3, 0, 6, 1, 5]
        let names = ["plain", "a, b", "say \"hi\"", "=1+2", "-5", "line\nbreak", "+x", "ဗဟို,မြို့"]
        let ids = (0..<zones).map { z in z % 9 == 4 ? names[z % names.count] + "\(z)" : "Z\(z)" }
        let attrs = (0..<zones).map { z in [names[(z * 3) % names.count], z % 5 == 0 ? "" : "x\(z)"] }
        return Case(zones: zones, width: width, columns: columns, attributes: 2, ids: ids, attrs: attrs,
                    values: awkwardValues(zones * width, seed: seed))
    }

    /// The table's rows as the reference encodes them.
    static func expected(_ c: Case, guards: Bool) -> String {
        var out = ""
        for z in 0..<c.zones {
            let lead = ([c.ids[z]] + c.attrs[z]).map { fieldText($0, guards: guards) }
            let numbers = c.columns.map { numberText(c.values[z * c.width + $0]) }
            out += (lead + numbers).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Run a `RowsAhead` over case `c`: zones final in a shuffled order, except `never`
    /// (their chunks are the writer's `pending` rows, made here by the reference), then the
    /// writer; the bytes written, and how many chunks the threads formatted.
    func written(_ c: Case, chunk: Int, guards: Bool, budget: Int, drained: Bool, never: Set<Int>, seed: UInt64,
                 writeAfterDone: Bool = true) throws -> (text: String, threads: Int, chunks: Int) {
        let store = ScalarStore(nanCount: c.values.count, threads: 2)
        for (i, v) in c.values.enumerated() { store.values[i] = v }
        let ahead = RowsAhead(ids: c.ids, attributes: c.attrs, store: store, width: c.width, columns: c.columns, expected: 2,
                              chunkZones: chunk, guardsFormulas: guards, budget: budget, drainOnClose: drained)
        ahead.start()
        var g = SeededRNG(seed: seed)
        var order = Array(0..<c.zones)
        for i in order.indices.reversed() { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        for z in order where !never.contains(z) {
            ahead.received(zone: z, accumulators: 1)
            if g.next() % 17 == 0 { usleep(50) }   // let a thread take a chunk now and then
            ahead.received(zone: z, accumulators: 1)
        }
        for z in never { ahead.received(zone: z, accumulators: 1) }   // one of its two: not final
        ahead.engineDone()
        if !writeAfterDone { usleep(2000) }
        var out: [UInt8] = []
        try ahead.write({ out += $0 }, pending: { k, bytes in
            let rows = Self.expected(Case(zones: min(c.zones, (k + 1) * chunk) - k * chunk, width: c.width, columns: c.columns,
                                          attributes: c.attributes, ids: Array(c.ids[(k * chunk)..<min(c.zones, (k + 1) * chunk)]),
                                          attrs: Array(c.attrs[(k * chunk)..<min(c.zones, (k + 1) * chunk)]),
                                          values: Array(c.values[(k * chunk * c.width)..<(min(c.zones, (k + 1) * chunk) * c.width)])),
                                     guards: guards)
            bytes += Array(rows.utf8)
        })
        return (String(decoding: out, as: UTF8.self), ahead.formatted, ahead.chunkCount)
    }

    func testEveryNumberAsDoubleDescriptionSays() throws {
        let c = Self.makeCase(zones: 3000, seed: 11)
        for guards in [true, false] {
            let r = try written(c, chunk: 64, guards: guards, budget: 1 << 30, drained: true, never: [], seed: 3)
            XCTAssertEqual(r.threads, r.chunks, "every chunk formatted by the threads (drained)")
            let want = Self.expected(c, guards: guards)
            XCTAssertEqual(r.text, want, "guards \(guards)")
            if r.text != want {
                let a = r.text.split(separator: "\n", omittingEmptySubsequences: false)
                let b = want.split(separator: "\n", omittingEmptySubsequences: false)
                if let i = a.indices.first(where: { $0 >= b.count || a[$0] != b[$0] }) { XCTFail("row \(i):\n\(a[i])\n\(i < b.count ? b[i] : "")") }
            }
        }
    }

    /// Threads and writer in every mix: chunks of 1 to 97 zones, budgets that stop the
    /// threads at once or hold them until the writer takes text, chunks never final, threads
    /// of idle priority that end with the engine: always the whole table, in order.
    func testWriterAndThreadsTogetherWriteTheWholeTable() throws {
        let c = Self.makeCase(zones: 700, seed: 29)
        let want = [true: Self.expected(c, guards: true), false: Self.expected(c, guards: false)]
        var seed: UInt64 = 1
        for chunk in [1, 3, 16, 97, 700, 1000] {
            for budget in [1, 4096, 1 << 30] {
                for drained in [false, true] {
                    for never in [Set<Int>(), [0, 350, 699]] {
                        seed += 1
                        let guards = seed % 2 == 0
                        let r = try written(c, chunk: chunk, guards: guards, budget: budget, drained: drained, never: never,
                                            seed: seed, writeAfterDone: seed % 3 == 0)
                        XCTAssertEqual(r.text, want[guards], "chunks of \(chunk), budget \(budget), drained \(drained), never \(never)")
                        XCTAssertEqual(r.chunks, (700 + chunk - 1) / chunk)
                        if drained && budget == 1 << 30 {
                            XCTAssertEqual(r.threads, r.chunks - Set(never.map { $0 / chunk }).count, "drained: the threads formatted every final chunk")
                        }
                    }
                }
            }
        }
    }

    /// The writer stops the threads when it fails: a write error mid-table is thrown, and
    /// the values are let go.
    func testAFailedWriteStopsTheThreads() throws {
        let c = Self.makeCase(zones: 400, seed: 5)
        weak var weakStore: ScalarStore?
        let ahead: RowsAhead = {
            let store = ScalarStore(nanCount: c.values.count, threads: 1)
            for (i, v) in c.values.enumerated() { store.values[i] = v }
            weakStore = store
            return RowsAhead(ids: c.ids, attributes: c.attrs, store: store, width: c.width, columns: c.columns, expected: 1,
                             chunkZones: 10, guardsFormulas: true, budget: 1 << 30)
        }()
        ahead.start()
        for z in 0..<400 { ahead.received(zone: z, accumulators: 1) }
        ahead.engineDone()
        struct Full: Error {}
        var puts = 0
        XCTAssertThrowsError(try ahead.write({ _ in puts += 1; if puts == 3 { throw Full() } }, pending: { _, _ in XCTFail("all final") }))
        XCTAssertEqual(puts, 3)
        let deadline = Date().addingTimeInterval(10)
        while weakStore != nil && Date() < deadline { usleep(1000) }
        XCTAssertNil(weakStore, "the values let go once the writer failed")
    }

    /// `CSVWriter.startWritingOut` changes nothing in the file: rows written around it, and
    /// rows still in the writer's buffer at `last`, are the file's bytes, over an existing file.
    func testStartingWriteOutKeepsTheBytes() throws {
        let dir = NSTemporaryDirectory() + "rowsahead-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.csv"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        var want: [UInt8] = []
        try CSVWriter.write(to: path) { w in
            for k in 0..<60 {
                let rows = Array(String(repeating: "\(k),abc,\(Double(k) / 3)\n", count: 9000 + k).utf8)
                want += rows
                try w.writeEncoded(rows)
                try w.startWritingOut()
            }
            try w.writeRow(["tail", "row"])
            want += Array("tail,row\n".utf8)
            try w.startWritingOut(last: true)
            try w.writeRow(["after"])
            want += Array("after\n".utf8)
        }
        XCTAssertGreaterThan(want.count, 8 << 20)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), want)
    }
}
