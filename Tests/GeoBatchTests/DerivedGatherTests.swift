import XCTest
import GeoCore
@testable import GeoBatch

/// The derived step's per-value loops rewritten through buffer pointers, against the forms
/// they replace: the same values bit for bit.
final class DerivedGatherTests: XCTestCase {
    /// `monthlyWith` (values stored on the series' steps through buffer pointers) equals
    /// `MonthlySeries(dates:values:)`, which places dated values by its own loop: dates out of
    /// the first month, with a month absent, values with NaN and −0.
    func testMonthlyWithEqualsTheSeriesOfTheDates() throws {
        var dates: [String] = []
        for k in 0..<40 where k != 17 { dates.append(String(format: "%04d-%02d", 1999 + (4 + k) / 12, (4 + k) % 12 + 1)) }
        let files = MemoryFiles([
            "/m/z.geojson": .layer(["zones": ["id"]]),
            "/m/series.tif": .raster(bands: dates.count),
            "/m/series.tif.bands.txt": .text(dates.joined(separator: "\n") + "\n"),
        ])
        let yaml = "zones:\n  path: z.geojson\n  id: id\nindicators:\n  - name: rain\n    source: series.tif\n    stats: [mean]\n"
        let ind = try BatchManifest(yaml: yaml, path: "/m/m.yaml", probe: files).indicators[0]
        let computer = DerivedComputer(ind, dates: dates)
        let values = dates.indices.map { k -> Double in k % 7 == 3 ? .nan : k % 11 == 5 ? -0.0 : Double(k) * 1.25 - 9 }
        let got = try XCTUnwrap(computer.monthlyWith(values))
        let want = MonthlySeries(dates: dates.map { (Int($0.prefix(4))!, Int($0.suffix(2))!) }, values: values)
        XCTAssertEqual(got.firstYear, want.firstYear)
        XCTAssertEqual(got.firstMonth, want.firstMonth)
        XCTAssertEqual(got.values.map(\.bitPattern), want.values.map(\.bitPattern))
        XCTAssertEqual(got.dated, want.dated)
        XCTAssertEqual(got.count, 40)
        XCTAssertTrue(got.values[17].isNaN)
        XCTAssertFalse(got.dated[17])
    }
}
