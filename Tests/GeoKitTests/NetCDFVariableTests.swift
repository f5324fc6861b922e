import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// `--var`: variables of a NetCDF file chosen by name, several in one run, and clear errors.
/// Values are checked against the fixture's formula (TestRasters/netcdf/make_fixtures.py:
/// band k, row r, column c holds 100k + 10r + c, tmax 0.5 more), so a zone over rows 1-2,
/// columns 1-2 has mean 100k + 16.5.
final class NetCDFVariableTests: XCTestCase {
    let nc = Fixtures.path("netcdf/monthly_standard.nc")

    func boxZones() throws -> String { try Fixtures.netcdfBoxZones() }

    /// Header and the one data row of a wide CSV on standard output.
    func table(_ r: GeotoolRun) -> [String: Double] {
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard lines.count == 2 else { return [:] }
        return Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]).compactMap { k, v in Double(v).map { (k, $0) } })
    }

    func testTwoVariablesFromOneFileNamedNAME_var() throws {
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", "p=\(nc)", "--var", "precip,tmax",
                                "--stats", "mean", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = table(r)
        XCTAssertEqual(t.count, 24, r.stdout)
        for k in 0..<12 {
            XCTAssertEqual(t["p_precip_b\(k + 1)_mean"]!, Double(100 * k) + 16.5, accuracy: 1e-9)
            XCTAssertEqual(t["p_tmax_b\(k + 1)_mean"]!, Double(100 * k) + 17, accuracy: 1e-9)
        }
    }

    func testOneVariableKeepsTheNameOrTakesTheVariables() throws {
        let zones = try boxZones()
        let named = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "t=\(nc)", "--var", "tmax", "--stats", "mean", "-o", "-"])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(table(named)["t_b3_mean"] ?? .nan, 217, accuracy: 1e-9)
        let unnamed = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", nc, "--var", "tmax", "--stats", "mean", "-o", "-"])
        XCTAssertEqual(unnamed.status, 0, unnamed.stderr)
        XCTAssertEqual(table(unnamed)["tmax_b3_mean"] ?? .nan, 217, accuracy: 1e-9)
        // A variable named in the path gives its name to the columns too.
        let path = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "NETCDF:\(nc):precip", "--stats", "mean", "-o", "-"])
        XCTAssertEqual(path.status, 0, path.stderr)
        XCTAssertEqual(table(path)["precip_b12_mean"] ?? .nan, 1116.5, accuracy: 1e-9)
    }

    /// Dates per variable, in a long table, as cftime computed them at fixture time.
    func testDatesPerVariable() throws {
        let out = Fixtures.tempDir() + "/long.csv"
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", "c=\(nc)", "--var", "precip,tmax",
                                "--stats", "mean", "--format", "long", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = try String(contentsOfFile: Fixtures.path("netcdf/expected_dates.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map(String.init) }.filter { $0[0] == "monthly_standard.nc" }.map { $0[2] }
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let ind = rows[0].firstIndex(of: "indicator")!, date = rows[0].firstIndex(of: "date")!, unit = rows[0].firstIndex(of: "unit")!
        for (v, u) in [("c_precip", "mm"), ("c_tmax", "degC")] {
            let mine = rows.dropFirst().filter { $0[ind] == v }
            XCTAssertEqual(mine.map { $0[date] }, expected, v)
            XCTAssertEqual(Set(mine.map { $0[unit] }), [u], v)
        }
    }

    func testSeveralVariablesWithoutVarNamesThem() throws {
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", "p=\(nc)", "--stats", "mean", "-o", "-"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("holds 2 variables (precip, tmax); choose with --var precip"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    func testUnknownVariableListsTheFilesWithDidYouMean() throws {
        let zones = try boxZones()
        for raster in ["p=\(nc)", "p=NETCDF:\(nc):precp"] {
            var args = ["zonal", "--zones", zones, "--id", "id", "--raster", raster, "--stats", "mean", "-o", "-"]
            if !raster.contains("NETCDF:") { args += ["--var", "precp"] }
            let r = try runGeotool(args)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("\(nc): no variable 'precp' (did you mean 'precip'?); it holds precip, tmax"), r.stderr)
        }
    }

    func testVarWithoutAFileOfVariablesIsAnError() throws {
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", Fixtures.path("mimu/rainfall_dekad.tif"),
                                "--var", "precip", "--stats", "mean", "-o", "-"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--var precip: no --raster is a NetCDF file or Zarr store"), r.stderr)
    }

    /// Opened without --var (as batch and the library do), a file of several variables says so.
    func testRasterOfSeveralVariablesSaysWhichToChoose() {
        XCTAssertThrowsError(try Raster(path: nc)) { e in
            XCTAssertTrue("\(e)".contains("holds 2 variables (precip, tmax)"), "\(e)")
        }
    }
}
