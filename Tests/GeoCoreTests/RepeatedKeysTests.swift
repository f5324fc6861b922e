import XCTest
@testable import GeoCore

/// RepeatedKeys against counting in a Dictionary, including tables where every hash
/// collides (so only the key comparison tells keys apart).
final class RepeatedKeysTests: XCTestCase {
    private func byDictionary(_ keys: [String], skip: Set<Int>) -> [String: Int] {
        var seen: [String: Int] = [:]
        for (i, k) in keys.enumerated() where !skip.contains(i) { seen[k, default: 0] += 1 }
        return seen.filter { $0.value > 1 }
    }

    func testManyKeysOneAndTwoThreadsMatchADictionary() {
        var rng = SystemRandomNumberGenerator()
        // 120,000 keys from 100,000 values: many repeats, some thrice or more.
        let keys = (0..<120_000).map { _ in "Z\(Int.random(in: 0..<100_000, using: &rng))" }
        let skip: Set<Int> = [3, 77, 119_999]
        let expected = byDictionary(keys, skip: skip)
        XCTAssertGreaterThan(expected.count, 10_000)
        XCTAssertTrue(expected.values.contains { $0 >= 3 })
        let hashes = keys.map(RepeatedKeys.hash)
        for threads in [1, 2] {
            XCTAssertEqual(RepeatedKeys.find(count: keys.count, hashes: hashes, skip: skip, threads: threads) { keys[$0] }, expected)
        }
    }

    func testCollidingHashesStillCompareKeys() {
        // Every hash equal (and with the top bit set): one long probe chain in one half.
        let keys = ["a", "b", "a", "c", "b", "a", "d"]
        let same = [UInt64](repeating: 1 << 63 | 5, count: keys.count)
        XCTAssertEqual(RepeatedKeys.find(count: keys.count, hashes: same, threads: 2) { keys[$0] }, ["a": 3, "b": 2])
        XCTAssertEqual(RepeatedKeys.find(count: keys.count, hashes: same, skip: [0, 2], threads: 1) { keys[$0] }, ["b": 2])
    }

    func testNoRepeatsAndEmpty() {
        let keys = (0..<60_000).map { "MMR\($0)" }
        XCTAssertEqual(RepeatedKeys.find(count: keys.count, hashes: keys.map(RepeatedKeys.hash), threads: 2) { keys[$0] }, [:])
        XCTAssertEqual(RepeatedKeys.find(count: 0, hashes: [], threads: 2) { _ in "" }, [:])
    }

    func testHashIsOfTheUTF8() {
        // FNV-1a of "a" is 0xaf63dc4c8601ec8c (the published test vector), then mixed.
        var h: UInt64 = 0xaf63_dc4c_8601_ec8c
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        XCTAssertEqual(RepeatedKeys.hash("a"), h)
        // Keys equal as Swift Strings (canonically equivalent) are one key.
        XCTAssertEqual(RepeatedKeys.hash("é"), RepeatedKeys.hash("e\u{301}"))
        let keys = ["Mya\u{301}", "Myá", "Mya"]
        XCTAssertEqual(RepeatedKeys.find(count: 3, hashes: keys.map(RepeatedKeys.hash), threads: 1) { keys[$0] }, ["Mya\u{301}": 2])
    }
}
