import XCTest
import GeoCore

/// `Zone.vertexCount` (the memory estimate's vertices), counted by hand.
final class ZoneVertexCountTests: XCTestCase {
    func ring(_ n: Int) -> Ring {
        Ring((0..<n).map { Point(Double($0), Double($0 * $0)) })
    }

    func testPolygonsWithHolesPointsAndLines() {
        // Shells of 5 and 4 points, one hole of 4: 13 ring points.
        var z = Zone(index: 0, id: "z", attributes: [],
                     geometry: MultiPolygon([Polygon(shell: ring(5), holes: [ring(4)]), Polygon(shell: ring(4))]))
        XCTAssertEqual(z.vertexCount, 13)
        // Plus 2 points and lines of 3 and 2 vertices: 20.
        z.points = [Point(0, 0), Point(1, 1)]
        z.lines = [[Point(0, 0), Point(1, 0), Point(2, 0)], [Point(0, 1), Point(1, 1)]]
        XCTAssertEqual(z.vertexCount, 20)
    }

    func testAnEmptyZoneHasNone() {
        XCTAssertEqual(Zone(index: 0, id: "e", attributes: [], geometry: MultiPolygon([])).vertexCount, 0)
    }
}
