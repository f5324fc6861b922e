import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// NetCDF inputs with a CF time coordinate: the `date` column of long tables comes from it,
/// checked against dates computed by cftime (TestRasters/netcdf/make_fixtures.py).
final class NetCDFTimeTests: XCTestCase {
    func expected(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: Fixtures.path("netcdf/expected_dates.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            .filter { $0[0] == file }.map { $0[2] }
    }

    func testBandDatesFromTheTimeCoordinate() throws {
        for file in ["monthly_standard.nc", "daily_noleap.nc", "daily_360.nc"] {
            let path = "NETCDF:\(Fixtures.path("netcdf/" + file)):precip"
            let r = try Raster(path: path)
            XCTAssertEqual(try bandDates(path: path, raster: r).map { $0 ?? "" }, try expected(file), file)
        }
    }

    func testUnsupportedCalendarIsAClearError() throws {
        let path = "NETCDF:\(Fixtures.path("netcdf/julian.nc")):precip"
        XCTAssertThrowsError(try bandDates(path: path, raster: try Raster(path: path))) { e in
            let g = e as? GeoKitError
            XCTAssertEqual(g?.file, path)
            XCTAssertTrue(g?.problem.contains("calendar 'julian' is not supported") == true, "\(e)")
        }
    }

    /// Two variables of one file in one run, long format: the dates, and the values of a zone
    /// covering the 2 x 2 cells at rows 1-2, columns 1-2 (band k: 100k + 10r + c, mean 100k + 16.5).
    func testTwoVariablesLongTable() throws {
        let dir = Fixtures.tempDir()
        let zones = dir + "/box.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        let nc = Fixtures.path("netcdf/monthly_standard.nc")
        let out = dir + "/long.csv"
        let r = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "p=NETCDF:\(nc):precip",
                                "--raster", "t=NETCDF:\(nc):tmax", "--stats", "mean", "--format", "long", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0]
        let ind = header.firstIndex(of: "indicator")!, band = header.firstIndex(of: "band")!, date = header.firstIndex(of: "date")!
        let value = header.firstIndex(of: "value")!
        let dates = try expected("monthly_standard.nc")
        for v in ["p", "t"] {
            let mine = rows.dropFirst().filter { $0[ind] == v }
            XCTAssertEqual(mine.count, 12)
            for row in mine {
                let k = Int(row[band])! - 1
                XCTAssertEqual(row[date], dates[k])
                XCTAssertEqual(Double(row[value])!, Double(100 * k) + 16.5 + (v == "t" ? 0.5 : 0), accuracy: 1e-9)
            }
        }
    }
}
