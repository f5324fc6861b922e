import XCTest
import GeoTestSupport

/// Issue 13: a raster named as a variable of a NetCDF file or Zarr store records in its
/// sidecar the size of that file (of every file in the store), not 0 from statting the name.
/// Sizes are FileManager's, read here independently of geotool.
final class SidecarBytesTests: XCTestCase {
    let nc = Fixtures.path("netcdf/monthly_standard.nc")
    let zarr = Fixtures.path("netcdf/daily_noleap.zarr")

    func boxZones() throws -> String { try Fixtures.netcdfBoxZones() }

    /// The sidecar's raster entries of one `geotool zonal` run.
    func rasters(_ raster: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let out = Fixtures.tempDir() + "/t.csv"
        let r = try runGeotool(["zonal", "--zones", try boxZones(), "--id", "id", "--raster", raster, "--stats", "mean", "--quiet", "-o", out] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as! [String: Any]
        return try XCTUnwrap(side["rasters"] as? [[String: Any]])
    }

    func size(_ path: String) throws -> Int {
        try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: path))[.size] as? NSNumber).intValue
    }

    /// Every regular file under the store, hidden metadata (.zarray, .zattrs) included.
    func storeSize(_ dir: String) throws -> Int {
        var total = 0
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: dir))
        while let rel = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { total += try size(dir + "/" + rel) }
        }
        return total
    }

    /// Every raster entry of each run records `bytes` of `file`.
    func assertEntries(_ runs: [(String, [String])], bytes: Int, file: String, line: UInt = #line) throws {
        for (raster, extra) in runs {
            let entries = try rasters(raster, extra)
            XCTAssertFalse(entries.isEmpty, raster, line: line)
            for e in entries {
                XCTAssertEqual(e["bytes"] as? Int, bytes, raster, line: line)
                XCTAssertEqual(e["file"] as? String, file, raster, line: line)
            }
        }
    }

    func testNetCDFVariableCountsItsFile() throws {
        let want = try size(nc)
        XCTAssertGreaterThan(want, 0)
        try assertEntries([("NETCDF:\(nc):precip", []), ("NETCDF:\"\(nc)\":tmax", []), ("p=\(nc)", ["--var", "precip,tmax"])],
                          bytes: want, file: nc)
    }

    func testZarrVariableCountsTheStoresFiles() throws {
        let want = try storeSize(zarr)
        // The store's chunks and metadata files, not just one of them.
        XCTAssertGreaterThan(want, try size(zarr + "/precip/0.0.0"))
        try assertEntries([("ZARR:\"\(zarr)\":/precip", []), ("z=\(zarr)", ["--var", "precip,tmax"])], bytes: want, file: zarr)
    }

    /// A plain GeoTIFF keeps its own size and gets no separate `file`.
    func testPlainRasterUnchanged() throws {
        let tif = Fixtures.path("mimu/rainfall_dekad.tif")
        let e = try XCTUnwrap(try rasters("r=\(tif)").first)
        XCTAssertEqual(e["bytes"] as? Int, try size(tif))
        XCTAssertNil(e["file"])
    }
}
