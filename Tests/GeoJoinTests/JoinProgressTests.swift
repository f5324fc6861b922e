import XCTest
import GeoCore
import GeoGDAL
import GeoJoin
import GeoTestSupport

/// The join's progress callback (`geotool join` prints it with GEOTOOL_PROGRESS=lines):
/// counts of points located, reported in order from the workers, ending at every point,
/// and no change to the answer.
final class JoinProgressTests: XCTestCase {
    let zones = Fixtures.path("join/zones.geojson")

    func testCountsRiseToEveryPointAcrossWorkers() throws {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 50,000 points over the zones and around them: 7 chunks of 8192 (the last short).
        let n = 50_000
        var csv = "id,latitude,longitude\n"
        var s: UInt64 = 3
        func next() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53)
        }
        for i in 0..<n { csv += "P\(i),\(15.5 + 3 * next()),\(94.5 + 3 * next())\n" }
        let path = dir + "/pts.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let pts = try PointTable.read(path: path)
        var o = PointJoinOptions(idField: "TS_PCODE")
        o.threads = 4
        let joiner = try PointJoiner(zonesPath: zones, options: o)
        let lock = NSLock()
        var calls: [(Int, Int)] = []
        let withProgress = try joiner.join(pts) { done, total in lock.lock(); calls.append((done, total)); lock.unlock() }
        XCTAssertEqual(calls.count, (n + 8191) / 8192, "one report per chunk")
        XCTAssertTrue(calls.allSatisfy { $0.1 == n }, "the total is the number of points")
        XCTAssertEqual(calls.map(\.0), calls.map(\.0).sorted(), "counts arrive in order")
        XCTAssertEqual(Set(calls.map(\.0)).count, calls.count, "each count once")
        XCTAssertEqual(calls.last?.0, n)
        // The callback observes; the answer is the one without it.
        let without = try joiner.join(pts)
        XCTAssertEqual(withProgress.match, without.match)
        XCTAssertEqual(withProgress.zone, without.zone)
    }
}
