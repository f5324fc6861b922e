import XCTest
import GeoTestSupport

/// A band described in Myanmar digits (၂၀၂၀, "2020") is not taken for a date: the run goes on
/// with an empty date. (The date pattern's \d took these digits, then their conversion to a
/// number failed and geotool crashed.)
final class BandDescriptionTests: XCTestCase {
    func testBandDescribedInMyanmarDigitsIsNotADate() throws {
        let dir = Fixtures.tempDir()
        let vrt = dir + "/described.vrt"
        let made = try runProcess("/usr/bin/gdalbuildvrt", ["-q", vrt, Fixtures.path("mimu/rainfall_dekad.tif")])
        XCTAssertEqual(made.status, 0, made.stderr)
        var text = try String(contentsOfFile: vrt, encoding: .utf8)
        let band = try XCTUnwrap(text.range(of: #"<VRTRasterBand[^>]*>"#, options: .regularExpression))
        text.insert(contentsOf: "\n    <Description>၂၀၂၀</Description>", at: band.upperBound)
        try text.write(toFile: vrt, atomically: true, encoding: .utf8)

        let out = dir + "/t.csv"
        let r = try runGeotool(["zonal", "--zones", Fixtures.path("mimu/districts_dissolved.geojson"), "--id", "DT_PCODE",
                                "--raster", "r=\(vrt)", "--stats", "mean", "--format", "long", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let date = try XCTUnwrap(rows.first?.firstIndex(of: "date"))
        XCTAssertGreaterThan(rows.count, 2)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0[date].isEmpty })
    }
}
