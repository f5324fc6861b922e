import XCTest
import GeoCore
import GeoTestSupport

/// `geotool info` on band series: a summary (count, pixel type, nodata, unit, first and last
/// date, calendar) instead of a line per band, every band with `--bands`, and the CRS a CF
/// file's longitude/latitude coordinates imply. Expected values come from what the test
/// wrote with gdal_create, from gdalinfo, and from cftime (TestRasters/netcdf/expected_dates.csv).
final class InfoTests: XCTestCase {
    /// 516 monthly dates, 1981-01 to 2023-12, written here.
    static let months = (0..<516).map { String(format: "%04d-%02d", 1981 + $0 / 12, $0 % 12 + 1) }

    func series(_ dir: String) throws -> String {
        let tif = dir + "/chirps_monthly.tif"
        let r = try runProcess("/usr/bin/gdal_create", ["-of", "GTiff", "-outsize", "3", "2", "-bands", "516", "-ot", "Float32",
                                                       "-a_srs", "EPSG:4326", "-a_ullr", "95", "17", "96.5", "16", "-a_nodata", "-9999", tif])
        XCTAssertEqual(r.status, 0, r.stderr)
        try (Self.months.joined(separator: "\n") + "\n").write(toFile: tif + ".bands.txt", atomically: true, encoding: .utf8)
        return tif
    }

    func testASeriesOf516BandsIsSummarised() throws {
        let dir = Fixtures.tempDir()
        let tif = try series(dir)
        let r = try runGeotool(["info", tif])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertLessThanOrEqual(lines.count, 12, "a summary, not a line per band:\n\(r.stdout)")
        XCTAssertFalse(lines.contains { $0.hasPrefix("band 1:") })
        let bands = lines.first { $0.hasPrefix("bands:") } ?? ""
        for part in ["516", "Float32", "nodata -9999"] { XCTAssertTrue(bands.contains(part), "\(part) in '\(bands)'") }
        let dates = lines.first { $0.hasPrefix("dates:") } ?? ""
        XCTAssertTrue(dates.contains("1981-01 to 2023-12"), dates)
        XCTAssertTrue(dates.contains("chirps_monthly.tif.bands.txt"), "says where the dates come from: \(dates)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("crs: EPSG:4326") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.contains("--bands") }, "says how to see every band")

        // Every band on request, each with its own date.
        let all = try runGeotool(["info", "--bands", tif])
        XCTAssertEqual(all.status, 0, all.stderr)
        let bandLines = all.stdout.split(separator: "\n").filter { $0.hasPrefix("band ") }
        XCTAssertEqual(bandLines.count, 516)
        for (k, line) in bandLines.enumerated() {
            XCTAssertTrue(line.hasPrefix("band \(k + 1): \(Self.months[k]), Float32"), String(line))
            XCTAssertTrue(line.contains("nodata -9999"), String(line))
        }
    }

    func testAMismatchedBandsFileIsSaidNotFatal() throws {
        let dir = Fixtures.tempDir()
        let tif = try series(dir)
        try Self.months.dropLast().joined(separator: "\n").write(toFile: tif + ".bands.txt", atomically: true, encoding: .utf8)
        let r = try runGeotool(["info", tif])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("515 date(s) for 516 band(s)"), r.stdout)
    }

    /// The CF fixtures: no grid_mapping, lat/lon in degrees_north/degrees_east, a time
    /// coordinate in the standard and noleap calendars.
    func testCFSeriesDatesCalendarAndCoordinates() throws {
        let nc = Fixtures.path("netcdf/monthly_standard.nc")
        let precip = "NETCDF:\"\(nc)\":precip"
        // gdalinfo: no CRS in the file, the coordinates' units.
        let gi = try runProcess("/usr/bin/gdalinfo", [precip]).stdout
        XCTAssertFalse(gi.contains("Coordinate System is:"), "the fixture has no grid_mapping")
        XCTAssertTrue(gi.contains("lon#units=degrees_east") && gi.contains("lat#units=degrees_north"))
        let expected = try String(contentsOfFile: Fixtures.path("netcdf/expected_dates.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        func dates(_ file: String) -> [String] { expected.filter { $0[0] == file }.map { $0[2] } }

        let r = try runGeotool(["info", precip])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let crs = lines.first { $0.hasPrefix("crs:") } ?? ""
        // Whatever CRS the library reports; without one, what the CF coordinates say.
        XCTAssertTrue(crs.hasPrefix("crs: EPSG:4326") || (crs.contains("lon (degrees_east)") && crs.contains("lat (degrees_north)") && crs.contains("longitude and latitude")), crs)
        let monthly = dates("monthly_standard.nc")
        XCTAssertTrue(r.stdout.contains("dates: \(monthly.first!) to \(monthly.last!), \(monthly.count) bands, from the CF time coordinate"), r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("calendar: standard") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("bands: 12, Float32") && $0.contains("nodata -9999") && $0.contains("unit mm") }, r.stdout)

        let daily = try runGeotool(["info", Fixtures.path("netcdf/daily_noleap.nc")])
        let noleap = dates("daily_noleap.nc")
        XCTAssertTrue(daily.stdout.contains("dates: \(noleap.first!) to \(noleap.last!), \(noleap.count) bands"), daily.stdout)
        XCTAssertTrue(daily.stdout.contains("calendar: noleap"), daily.stdout)

        // The file itself holds two variables: listed, with the name to describe each.
        let file = try runGeotool(["info", nc])
        XCTAssertEqual(file.status, 0, file.stderr)
        XCTAssertTrue(file.stdout.contains("precip: NETCDF:\"\(nc)\":precip") && file.stdout.contains("tmax: NETCDF:\"\(nc)\":tmax"), file.stdout)
    }
}
