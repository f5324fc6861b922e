import XCTest
import GeoCore
import GeoGDAL
@testable import GeoVector

/// A zone's line length is the sum of its pieces in feature order, whatever the threads
/// (what makes `geotool vector --part` parts merge to the single run's bytes): many short
/// lines inside one zone, over several worker tasks, against the lengths added in order.
final class VectorOrderTests: XCTestCase {
    func lineWKB(_ a: (Double, Double), _ b: (Double, Double)) -> [UInt8] {
        var w: [UInt8] = [1, 2, 0, 0, 0]
        withUnsafeBytes(of: UInt32(2).littleEndian) { w += $0 }
        for v in [a.0, a.1, b.0, b.1] { withUnsafeBytes(of: v.bitPattern.littleEndian) { w += $0 } }
        return w
    }

    func testLengthsAddInFeatureOrderWhateverTheThreads() throws {
        let zone = MultiPolygon([Polygon(shell: Ring([Point(0, 0), Point(100, 0), Point(100, 100), Point(0, 100), Point(0, 0)]), holes: [])])
        let zones = OverlayZones(wkb: [wkbOf(zone)], boxes: [zone.bounds], order: [0])
        // 3000 segments of lengths that do not add exactly (12 worker tasks of 256).
        var wkb: [[UInt8]] = [], boxes: [Box] = [], want = 0.0
        let planar = Measure(.planar(metresPerUnit: 1))
        for k in 0..<3000 {
            let x = 1 + Double(k % 97) * 0.9, y = 1 + Double(k % 89), d = 0.1 + Double(k % 13) * 0.0173 + Double(k) * 1e-7
            wkb.append(lineWKB((x, y), (x + d, y + d / 3)))
            boxes.append(Box(xmin: x, ymin: y, xmax: x + d, ymax: y + d / 3))
            want += planar.length([Point(x, y), Point(x + d, y + d / 3)])
        }
        let f = VectorFeatures(path: "mem", part: .lines, wkb: wkb, boxes: boxes, classValues: Array(repeating: "", count: wkb.count))
        for threads in [1, 2, 3, 4, 2, 4] {
            let r = try lineLengths(f, classOf: Array(repeating: 0, count: wkb.count), classes: 1, zones: zones, measure: planar, threads: threads)
            XCTAssertEqual(r.total[0].bitPattern, want.bitPattern, "threads \(threads): \(r.total[0]) vs \(want)")
        }
    }
}
