import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Zarr stores (v2, written by xarray) read through GDAL's multidimensional API: a band per
/// time step, dated from the time coordinate and checked against the dates cftime computed
/// when the fixtures were made (TestRasters/netcdf/make_fixtures.py, expected_dates.csv).
/// Values follow the fixtures' formula: band k, row r, column c holds 100k + 10r + c.
final class ZarrTimeTests: XCTestCase {
    func expected(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: Fixtures.path("netcdf/expected_dates.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            .filter { $0[0] == file }.map { $0[2] }
    }

    func store(_ name: String) -> String { Fixtures.path("netcdf/" + name) }

    func boxZones() throws -> String {
        let zones = Fixtures.tempDir() + "/box.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return zones
    }

    func testBandDatesFromTheZarrTimeCoordinate() throws {
        for file in ["daily_noleap.zarr", "daily_360.zarr", "monthly_proleptic.zarr", "south_up.zarr"] {
            let path = "ZARR:\"\(store(file))\":/precip"
            let r = try Raster(path: path)
            let dates = try expected(file)
            XCTAssertFalse(dates.isEmpty, file)
            XCTAssertEqual(r.bands.count, dates.count, file)
            XCTAssertEqual(try bandDates(path: path, raster: r).map { $0 ?? "" }, dates, file)
        }
    }

    /// The store's grid comes from its lat/lon coordinates (cell centres 95.25... and 20.75...).
    func testGridFromTheCoordinates() throws {
        let r = try Raster(path: "ZARR:\"\(store("daily_noleap.zarr"))\":/tmax")
        XCTAssertEqual(r.grid.cols, 5); XCTAssertEqual(r.grid.rows, 4)
        XCTAssertEqual(r.grid.left, 95.0, accuracy: 1e-12); XCTAssertEqual(r.grid.top, 21.0, accuracy: 1e-12)
        XCTAssertEqual(r.grid.dx, 0.5, accuracy: 1e-12)
    }

    /// Rows stored south to north (ascending latitudes) read as the same north-up map: the
    /// first row is the northernmost, 100k + c in band k.
    func testSouthUpStoreIsTheSameMap() throws {
        let r = try Raster(path: "ZARR:\"\(store("south_up.zarr"))\":/precip")
        XCTAssertEqual(r.grid.top, 21.0, accuracy: 1e-12); XCTAssertEqual(r.grid.left, 95.0, accuracy: 1e-12)
        XCTAssertEqual(r.grid.dy, 0.5, accuracy: 1e-12); XCTAssertEqual(r.grid.rows, 4)
        var cells = [Float](repeating: 0, count: 20)
        try cells.withUnsafeMutableBytes { try r.read(band: 2, window: r.grid.full, as: .float32, into: $0.baseAddress!) }
        XCTAssertEqual(cells, (0..<4).flatMap { row in (0..<5).map { Float(100 + 10 * row + $0) } })
    }

    func testTwoVariablesOfAStoreInOneRun() throws {
        let out = Fixtures.tempDir() + "/long.csv"
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", "z=\(store("daily_noleap.zarr"))",
                                "--var", "precip,tmax", "--stats", "mean", "--format", "long", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let h = rows[0]
        let ind = h.firstIndex(of: "indicator")!, band = h.firstIndex(of: "band")!, date = h.firstIndex(of: "date")!
        let value = h.firstIndex(of: "value")!, unit = h.firstIndex(of: "unit")!
        let dates = try expected("daily_noleap.zarr")
        for (v, extra, u) in [("z_precip", 0.0, "mm"), ("z_tmax", 0.5, "degC")] {
            let mine = rows.dropFirst().filter { $0[ind] == v }
            XCTAssertEqual(mine.count, 8, v)
            for row in mine {
                let k = Int(row[band])! - 1
                XCTAssertEqual(row[date], dates[k])
                XCTAssertEqual(row[unit], u)
                XCTAssertEqual(Double(row[value])!, Double(100 * k) + 16.5 + extra, accuracy: 1e-9)
            }
        }
    }

    /// Only gridded arrays count as variables (not the lat, lon and time coordinates): a store
    /// of one is that variable, a store of two without --var names both.
    func testVariablesOfAStore() throws {
        XCTAssertEqual(try rasterVariables(path: store("daily_noleap.zarr")).variables.map(\.name), ["precip", "tmax"])
        let zones = try boxZones()
        let one = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "p=\(store("daily_360.zarr"))", "--stats", "mean", "-o", "-"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.hasPrefix("id,p_b1_mean,p_b2_mean"), one.stdout)
        let two = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "p=\(store("daily_noleap.zarr"))", "--stats", "mean", "-o", "-"])
        XCTAssertNotEqual(two.status, 0)
        XCTAssertTrue(two.stderr.contains("holds 2 variables (precip, tmax)"), two.stderr)
    }

    func testUnsupportedCalendarIsAClearError() throws {
        let path = "ZARR:\"\(store("julian.zarr"))\":/precip"
        XCTAssertThrowsError(try bandDates(path: path, raster: try Raster(path: path))) { e in
            let g = e as? GeoKitError
            XCTAssertEqual(g?.file, path)
            XCTAssertTrue(g?.problem.contains("calendar 'julian' is not supported") == true, "\(e)")
        }
    }

    func testMissingArrayIsAClearError() {
        XCTAssertThrowsError(try Raster(path: "ZARR:\"\(store("daily_360.zarr"))\":/precp")) { e in
            XCTAssertTrue("\(e)".contains("no array 'precp' in the Zarr store"), "\(e)")
        }
    }

    /// The multidimensional path reads a NetCDF variable's time coordinate too (used when the
    /// classic driver gives no NETCDF_DIM metadata): the same dates as cftime's.
    func testNetCDFTimeThroughTheMultidimensionalAPI() throws {
        let t = try XCTUnwrap(MultidimArray(file: store("daily_noleap.nc"), array: "precip")?.timeCoordinate())
        let axis = try CFTimeAxis(units: t.units, calendar: t.calendar)
        XCTAssertEqual(try axis.labels(t.values), try expected("daily_noleap.nc"))
    }
}
