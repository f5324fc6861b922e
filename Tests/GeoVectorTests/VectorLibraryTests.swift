import XCTest
import GeoCore
import GeoGDAL
@testable import GeoVector

/// The overlay on zones and lines made in memory, with answers by hand.
final class VectorLibraryTests: XCTestCase {
    /// WKB of a 2D line string (little-endian).
    func lineWKB(_ pts: [(Double, Double)]) -> [UInt8] {
        var b: [UInt8] = [1, 2, 0, 0, 0]
        withUnsafeBytes(of: UInt32(pts.count).littleEndian) { b += $0 }
        for (x, y) in pts {
            withUnsafeBytes(of: x.bitPattern.littleEndian) { b += $0 }
            withUnsafeBytes(of: y.bitPattern.littleEndian) { b += $0 }
        }
        return b
    }

    func square(_ x0: Double, _ y0: Double, _ s: Double) -> MultiPolygon {
        MultiPolygon([Polygon(shell: Ring([Point(x0, y0), Point(x0 + s, y0), Point(x0 + s, y0 + s), Point(x0, y0 + s), Point(x0, y0)]), holes: [])])
    }

    /// Two unit squares side by side in a metre CRS, "B" first in the input: a line along
    /// their shared edge goes to "A" (the lower id), once; a line across both is split.
    func testBorderPieceGoesToTheLowerIdOnce() throws {
        let zones = [square(1, 0, 1), square(0, 0, 1)]   // B = [1,2], A = [0,1]
        let order = tieBreakOrder(["B", "A"])
        XCTAssertEqual(order, [1, 0])
        let oz = OverlayZones(wkb: zones.map { wkbOf($0) }, boxes: zones.map(\.bounds), order: order)
        let lines = [lineWKB([(1, 0), (1, 1)]), lineWKB([(0.5, 0.5), (1.75, 0.5)])]
        let f = VectorFeatures(path: "mem", part: .lines, wkb: lines,
                               boxes: [Box(xmin: 1, ymin: 0, xmax: 1, ymax: 1), Box(xmin: 0.5, ymin: 0.5, xmax: 1.75, ymax: 0.5)],
                               classValues: ["track", "road"])
        for threads in [1, 2] {
            let r = try lineLengths(f, classOf: [0, 1], classes: 2, zones: oz, measure: Measure(.planar(metresPerUnit: 1)), threads: threads)
            XCTAssertEqual(r.total[1], 1 + 0.5, accuracy: 1e-12)   // A: the border, and 0.5 of the road
            XCTAssertEqual(r.total[0], 0.75, accuracy: 1e-12)      // B: the rest of the road
            XCTAssertEqual(r.byClass[1 * 2 + 0], 1, accuracy: 1e-12)
            XCTAssertEqual(r.byClass[0 * 2 + 0], 0)
        }
    }

    /// The geodesic length of one degree along the equator is a·π/180 on any ellipsoid (the
    /// equator is a geodesic for so short an arc); planar lengths scale by the CRS's unit.
    func testMeasures() {
        let g = Measure(.geodesic(.wgs84))
        XCTAssertEqual(g.length([Point(10, 0), Point(11, 0)]), 6_378_137.0 * .pi / 180, accuracy: 1e-6)
        let feet = Measure(.planar(metresPerUnit: 0.3048))
        XCTAssertEqual(feet.length([Point(0, 0), Point(3, 4)]), 5 * 0.3048, accuracy: 1e-12)
        XCTAssertEqual(feet.area(square(0, 0, 10)), 100 * 0.3048 * 0.3048, accuracy: 1e-9)
        // A polygon with a hole: shell less hole, whatever the rings' orientation.
        let holed = MultiPolygon([Polygon(shell: square(0, 0, 4).polygons[0].shell, holes: [square(1, 1, 1).polygons[0].shell])])
        XCTAssertEqual(Measure(.planar(metresPerUnit: 1)).area(holed), 15, accuracy: 1e-12)
    }

    /// Values that would name the same column are one class, shown by the first value met.
    func testClassesMergeValuesWrittenAlike() {
        let (classes, classOf) = classify(["Primary", "track", "primary ", "", "Primary"])
        XCTAssertEqual(classes.map(\.slug), ["none", "primary", "track"])
        XCTAssertEqual(classes.map(\.value), ["none", "Primary", "track"])
        XCTAssertEqual(classOf, [1, 2, 1, 0, 1])
    }

    func testColumnNamesFromClassValues() {
        XCTAssertEqual(columnSlug("Primary School"), "primary_school")
        XCTAssertEqual(columnSlug("Ia/II"), "ia_ii")
        XCTAssertEqual(classKey("  "), "none")
    }
}
