import XCTest
import GeoKit

final class RasterSpecTests: XCTestCase {
    func testRasterSpecParsing() throws {
        XCTAssertEqual(try RasterSpec(parsing: "ntl=data/ntl.tif:2"), RasterSpec(name: "ntl", path: "data/ntl.tif", band: 2))
        XCTAssertEqual(try RasterSpec(parsing: "data/dem.tif"), RasterSpec(name: "dem", path: "data/dem.tif", band: nil))
        XCTAssertThrowsError(try RasterSpec(parsing: "x=a.tif:0"))
    }
}
