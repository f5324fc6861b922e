import XCTest
import GeoTestSupport

/// Issue 13: a raster named as a variable of a NetCDF file or Zarr store records in its
/// sidecar the size of that file (of every file in the store), not 0 from statting the name.
/// Sizes are FileManager's, read here independently of geotool.
final class SidecarBytesTests: XCTestCase {
    let nc = Fixtures.path("netcdf/monthly_standard.nc")
    let zarr = Fixtures.path("netcdf/daily_noleap.zarr")

    func boxZones() throws -> String {
        let zones = Fixtures.tempDir() + "/box.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return zones
    }

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

    func testNetCDFVariableCountsItsFile() throws {
        let want = try size(nc)
        XCTAssertGreaterThan(want, 0)
        for (raster, extra) in [("NETCDF:\(nc):precip", [String]()), ("NETCDF:\"\(nc)\":tmax", []), ("p=\(nc)", ["--var", "precip,tmax"])] {
            let entries = try rasters(raster, extra)
            XCTAssertFalse(entries.isEmpty, raster)
            for e in entries {
                XCTAssertEqual(e["bytes"] as? Int, want, raster)
                XCTAssertEqual(e["file"] as? String, nc, raster)
            }
        }
    }

    func testZarrVariableCountsTheStoresFiles() throws {
        let want = try storeSize(zarr)
        // The store's chunks and metadata files, not just one of them.
        XCTAssertGreaterThan(want, try size(zarr + "/precip/0.0.0"))
        for (raster, extra) in [("ZARR:\"\(zarr)\":/precip", [String]()), ("z=\(zarr)", ["--var", "precip,tmax"])] {
            let entries = try rasters(raster, extra)
            XCTAssertFalse(entries.isEmpty, raster)
            for e in entries {
                XCTAssertEqual(e["bytes"] as? Int, want, raster)
                XCTAssertEqual(e["file"] as? String, zarr, raster)
            }
        }
    }

    /// A plain GeoTIFF keeps its own size and gets no separate `file`.
    func testPlainRasterUnchanged() throws {
        let tif = Fixtures.path("mimu/rainfall_dekad.tif")
        let e = try XCTUnwrap(try rasters("r=\(tif)").first)
        XCTAssertEqual(e["bytes"] as? Int, try size(tif))
        XCTAssertNil(e["file"])
    }
}
