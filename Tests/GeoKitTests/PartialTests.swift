import XCTest
import GeoCore
@testable import GeoKit
import GeoTestSupport

/// The invariants a merge of parts rests on: parts share the zones out exactly once, in
/// contiguous runs of the engine's order with about equal work, and a zone's accumulators
/// do not depend on which other zones are in the run.
final class PartialTests: XCTestCase {
    func job() -> ZonalJob {
        var j = ZonalJob(zonesPath: Fixtures.path("mimu/townships.json"), idField: "TS_PCODE",
                         rasters: [RasterSpec(name: "r3", path: Fixtures.path("parts/rain3.tif"))],
                         stats: [.count, .mean, .stdev, .median, .coverage])
        j.threads = 2
        return j
    }

    func testPartsShareTheZonesOutOnceInContiguousBalancedRuns() throws {
        let j = job()
        let p = try j.prepare()
        let n = p.input.zones.count
        let keys = j.completionKeys(0, p, zones: Array(0..<n))
        XCTAssertGreaterThan(Set(keys).count, 3, "the fixture has several row bands")
        let order = (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for count in [1, 2, 3, 7, 16, 40] {
            let parts = (0..<count).map { j.partZones(p, PartIndex(index: $0, count: count)) }
            XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<n), "\(count) parts: every zone once")
            // Each part is a run of the engine's order, after the previous part's.
            var last = -1
            for part in parts where !part.isEmpty {
                let pos = part.map { position[$0]! }.sorted()
                XCTAssertEqual(pos.last! - pos.first! + 1, pos.count, "\(count) parts: contiguous")
                XCTAssertGreaterThan(pos.first!, last)
                last = pos.last!
            }
            if count == 3 { XCTAssertTrue(parts.allSatisfy { $0.count > n / 10 }, "3 parts: none nearly empty: \(parts.map(\.count))") }
        }
    }

    func testAZonesAccumulatorsDoNotDependOnTheOtherZones() throws {
        let j = job()
        let p = try j.prepare()
        func encoded(_ subset: [Int]?) throws -> [Int: [UInt8]] {
            var out: [Int: [UInt8]] = [:]
            try j.computeGroup(0, p, zones: subset, progress: nil) { z, first, accs in
                var w = ByteWriter()
                for a in accs { a.encode(into: &w) }
                out[z, default: []] += w.bytes
                XCTAssertEqual(first, 0)
            }
            return out
        }
        let all = try encoded(nil)
        for subset in [[5, 40, 41, 300], Array(stride(from: 0, to: p.input.zones.count, by: 7)), [329]] {
            let some = try encoded(subset)
            XCTAssertEqual(Set(some.keys), Set(subset))
            for z in subset { XCTAssertTrue(some[z]! == all[z]!, "zone \(z): same bits alone as among all zones") }
        }
    }

    func testPartIndexCountsFromZero() throws {
        XCTAssertEqual(try PartIndex(parsing: "0/4"), PartIndex(index: 0, count: 4))
        XCTAssertEqual(try PartIndex(parsing: "3/4"), PartIndex(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] {
            XCTAssertThrowsError(try PartIndex(parsing: bad), bad)
        }
        XCTAssertThrowsError(try PartIndex(parsing: "4/4")) { e in
            XCTAssertTrue("\(e)".contains("counts from 0 to N-1"), "\(e)")
        }
    }
}
