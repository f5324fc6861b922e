import XCTest
import GeoCore
import GeoTestSupport

/// Issue 28: CF NetCDF (and Zarr) on longitude/latitude coordinates without `grid_mapping`,
/// what xarray writes by default, had "no CRS", so `area` was refused. Their coordinates are
/// longitude and latitude by CF (units degrees_east/degrees_north, or standard_name); CF
/// names no datum, so WGS 84 is taken, with one warning, and the sidecar says it was assumed.
/// Fixtures by TestRasters/netcdf/make_cf_lonlat.py (xarray): 0.25-degree cells from
/// (96.0, 17.0), value 100 k + 10 r + c (step k, row r from the north, column c). The box
/// zone covers rows 1-2 and columns 1-4 whole: mean 17.5 and 117.5, and an area that is the
/// WGS 84 ellipsoid's between 16.25 and 16.75 degrees north over 1 degree of longitude.
final class CFLonLatTests: XCTestCase {
    let dir = Fixtures.path("netcdf")
    let note = "CF does not name a datum: taken as WGS 84"

    /// Area of the ellipsoid (a, f) between latitudes lat0 < lat1 over `dlon` degrees of
    /// longitude: dlon (radians) x (S(lat1) - S(lat0)), S the authalic primitive
    /// b^2/2 (sin p / (1 - e^2 sin^2 p) + ln((1 + e sin p) / (1 - e sin p)) / (2e)).
    func ellipsoidArea(lat0: Double, lat1: Double, dlon: Double, a: Double = 6378137, f: Double = 1 / 298.257223563) -> Double {
        let b = a * (1 - f), e = (2 * f - f * f).squareRoot()
        func s(_ lat: Double) -> Double {
            let x = sin(lat * .pi / 180)
            return b * b / 2 * (x / (1 - e * e * x * x) + log((1 + e * x) / (1 - e * x)) / (2 * e))
        }
        return dlon * .pi / 180 * (s(lat1) - s(lat0))
    }

    func box() throws -> String {
        let zones = Fixtures.tempDir() + "/box.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[96.25,16.75],[97.25,16.75],[97.25,16.25],[96.25,16.25],[96.25,16.75]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return zones
    }

    func zonal(_ raster: String) throws -> (run: GeotoolRun, table: Table?, sidecar: [String: Any]?) {
        let out = Fixtures.tempDir() + "/t.csv"
        let r = try runGeotool(["zonal", "--zones", try box(), "--id", "id", "--raster", "p=\(raster)",
                                "--stats", "count,mean,area", "--quiet", "-o", out])
        guard r.status == 0 else { return (r, nil, nil) }
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as? [String: Any]
        return (r, try Table.readCSV(path: out), side)
    }

    func testAreaOnCFLongitudeLatitudeWithoutGridMapping() throws {
        let want = ellipsoidArea(lat0: 16.25, lat1: 16.75, dlon: 1)
        for raster in ["NETCDF:\"\(dir)/cf_lonlat.nc\":precip", "\(dir)/cf_lonlat.nc", "\(dir)/cf_lonlat_stdname.nc",
                       "ZARR:\"\(dir)/cf_lonlat.zarr\":/precip", "\(dir)/cf_lonlat.zarr"] {
            let (r, t, side) = try zonal(raster)
            XCTAssertEqual(r.status, 0, "\(raster): \(r.stderr)")
            guard let t, let side else { continue }
            for (band, mean) in [(1, 17.5), (2, 117.5)] {
                XCTAssertEqual(t.value("B", "p_b\(band)_count"), 8, raster)
                assertRelative(t.value("B", "p_b\(band)_mean"), mean, 1e-12, "\(raster) mean")
                assertRelative(t.value("B", "p_b\(band)_area"), want, 1e-9, "\(raster) area vs the WGS 84 ellipsoid")
            }
            // One warning on stderr and in the sidecar; the raster's CRS marked as assumed.
            XCTAssertEqual(r.stderr.components(separatedBy: note).count - 1, 1, "\(raster): \(r.stderr)")
            XCTAssertEqual((side["warnings"] as! [String]).filter { $0.contains(note) }.count, 1, raster)
            let entries = side["rasters"] as! [[String: Any]]
            XCTAssertEqual(entries.count, 1)
            XCTAssertEqual(entries[0]["crs"] as? String, "EPSG:4326", raster)
            XCTAssertTrue((entries[0]["crs_assumed"] as? String)?.contains(note) == true, "\(raster): \(entries[0])")
        }
    }

    /// The same values as a GeoTIFF in EPSG:4326 (gdal_translate, which geotool already
    /// handles) give the same table.
    func testSameTableAsTheGeoTIFFInEPSG4326() throws {
        let tif = Fixtures.tempDir() + "/p.tif"
        let g = try runProcess("/usr/bin/gdal_translate", ["-q", "-a_srs", "EPSG:4326", "NETCDF:\"\(dir)/cf_lonlat.nc\":precip", tif])
        XCTAssertEqual(g.status, 0, g.stderr)
        let (a, ta, _) = try zonal("\(dir)/cf_lonlat.nc")
        let (b, tb, sb) = try zonal(tif)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try XCTUnwrap(ta).rows, try XCTUnwrap(tb).rows)
        XCTAssertFalse(b.stderr.contains(note), "a GeoTIFF states its CRS")
        XCTAssertNil((try XCTUnwrap(sb)["rasters"] as! [[String: Any]])[0]["crs_assumed"])
    }

    func testBatchAndInfo() throws {
        let work = Fixtures.tempDir()
        let manifest = """
        zones:
          path: \(try box())
          id: id
        output:
          dir: \(work)/out
          format: wide
        indicators:
          - name: p
            source: \(dir)/cf_lonlat.nc
            stats: [mean, area]

        """
        try manifest.write(toFile: work + "/m.yaml", atomically: true, encoding: .utf8)
        let r = try runGeotool(["batch", work + "/m.yaml", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: note).count - 1, 1, r.stderr)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/out/p.csv.datapackage.json"))) as! [String: Any]
        let entry = (side["rasters"] as! [[String: Any]])[0]
        XCTAssertEqual(entry["crs"] as? String, "EPSG:4326")
        XCTAssertTrue((entry["crs_assumed"] as? String)?.contains(note) == true, "\(entry)")
        let info = try runGeotool(["info", "\(dir)/cf_lonlat.nc"])
        XCTAssertTrue(info.stdout.contains("crs: EPSG:4326") && info.stdout.contains(note), info.stdout + info.stderr)
    }
}
