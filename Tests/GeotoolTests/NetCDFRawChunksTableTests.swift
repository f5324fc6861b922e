import Foundation
import XCTest
import GeoTestSupport

/// A zonal run over a netCDF-4 cube of one-row chunks (TestRasters/netcdf/rows_cube.nc:
/// 16 steps, chunks (1, 1, 30), shuffle and DEFLATE) reads raw chunks on both workers, its
/// row band cut between them; the table must be byte for byte the one GDAL's reads give
/// (GEOTOOL_NETCDF_RAW_CHUNKS=0), at one thread and two.
final class NetCDFRawChunksTableTests: XCTestCase {
    /// Zones over the 30 x 24 cells of 0.01 degree from (95.0, 21.0): cutting cells, and one
    /// covering the whole grid.
    func zones() throws -> String {
        let path = Fixtures.tempDir() + "/zones.geojson"
        func box(_ id: String, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> String {
            #"{"type":"Feature","properties":{"id":"\#(id)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x1),\#(y0)],[\#(x1),\#(y1)],[\#(x0),\#(y1)],[\#(x0),\#(y0)]]]}}"#
        }
        let features = [box("A", 95.013, 20.803, 95.127, 20.955), box("B", 95.151, 20.771, 95.2963, 20.8917),
                        box("C", 95.0, 20.76, 95.3, 21.0), box("D", 95.2015, 20.9011, 95.2222, 20.9333)]
        try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func table(threads: Int, raw: Bool) throws -> Data {
        let out = Fixtures.tempDir() + "/t.csv"
        var env = ProcessInfo.processInfo.environment
        env["GEOTOOL_NETCDF_RAW_CHUNKS"] = raw ? nil : "0"
        let r = try runGeotool(["zonal", "--zones", try zones(), "--id", "id", "--raster", "p=" + Fixtures.path("netcdf/rows_cube.nc"),
                                "--stats", "count,mean,min,max,sum,nodata_frac", "--threads", String(threads), "--quiet", "-o", out],
                               environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    func testRawChunksGiveGDALsTable() throws {
        let gdal = try table(threads: 1, raw: false)
        XCTAssertGreaterThan(gdal.count, 200)
        for threads in [1, 2] {
            XCTAssertEqual(try table(threads: threads, raw: true), gdal, "\(threads) threads")
        }
        XCTAssertEqual(try table(threads: 2, raw: false), gdal)
    }
}
