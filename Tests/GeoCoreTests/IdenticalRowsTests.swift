import XCTest
@testable import GeoCore

/// Groups of identical rows, against a brute-force comparison of every pair.
final class IdenticalRowsTests: XCTestCase {
    /// Every pair compared: the groups of equal keys with more than one row, by first row.
    func bruteForce(_ keys: [String]) -> [[Int]] {
        var seen = Set<Int>(), out: [[Int]] = []
        for i in keys.indices where !seen.contains(i) {
            let g = keys.indices.filter { keys[$0] == keys[i] }
            seen.formUnion(g)
            if g.count > 1 { out.append(g) }
        }
        return out
    }

    func testRandomRowsAgainstBruteForce() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let n = Int.random(in: 0...300, using: &rng)
            // Few positions and few names, so repeats, shared positions and blanks all occur.
            let rows: [(x: Double?, name: String)] = (0..<n).map { _ in
                (Bool.random() && Bool.random() ? nil : Double(Int.random(in: 0..<12, using: &rng)) / 4, ["a", "b", "c", "d", "e"].randomElement()!)
            }
            let keys = rows.map { "\($0.x.map { String($0) } ?? "-")|\($0.name)" }
            // Blank positions share one coarse key (0), as in a register.
            let coarse = rows.map { $0.x.map { IdenticalRows.positionKey(x: $0, y: 1) } ?? 0 }
            XCTAssertEqual(IdenticalRows.groups(count: n, coarse: coarse, full: { keys[$0] }), bruteForce(keys))
        }
    }

    func testCoarseCollisionsAreConfirmedInFull() {
        // Every row in one coarse bucket: only equal full keys are grouped.
        let keys = ["a", "b", "a", "c", "b", "d"]
        XCTAssertEqual(IdenticalRows.groups(count: 6, coarse: Array(repeating: 7, count: 6), full: { keys[$0] }), [[0, 2], [1, 4]])
        XCTAssertEqual(IdenticalRows.groups(count: 1, coarse: [0], full: { _ in "a" }), [])
    }

    func testPositionKeyIsTheNumber() {
        XCTAssertEqual(IdenticalRows.positionKey(x: -0.0, y: 16.5), IdenticalRows.positionKey(x: 0, y: 16.5))
        XCTAssertNotEqual(IdenticalRows.positionKey(x: 16.5, y: 95.5), IdenticalRows.positionKey(x: 95.5, y: 16.5))
    }
}
