import XCTest
import GeoTestSupport

/// Rasters and zones on object storage: a real S3 server (moto) started here, a COG and the
/// zones uploaded by boto3, read by geotool through GDAL's /vsis3/. The table must equal
/// the local-file run byte for byte; the sidecar records the ETag the server gives.
final class ObjectStorageTests: XCTestCase {
    static let zones = Fixtures.path("mimu/townships_clean.geojson")
    static let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let common = ["--id", "TS_PCODE", "--include-cols", "TS,DT_PCODE,ST_PCODE", "--stats", "count,sum,mean,median,max,coverage",
                  "--rollup", "DT_PCODE,ST_PCODE", "--threads", "2", "--quiet"]

    /// A COG of the rain fixture (GDAL's COG driver) and the zones, uploaded to bucket `geo`.
    func serverWithData() throws -> (S3Server, String) {
        let d = Fixtures.tempDir()
        guard let translate = findProgram("gdal_translate") else { throw EngineUnavailable("gdal_translate not installed (bash scripts/setup.sh test installs gdal-bin)") }
        let cog = d + "/rain_cog.tif"
        let t = try runShell([translate] + ["-q", "-of", "COG", "-co", "BLOCKSIZE=64", Self.rain, cog])
        XCTAssertEqual(t.status, 0, t.stderr)
        try FileManager.default.copyItem(atPath: Self.zones, toPath: d + "/zones.geojson")
        let s3 = try S3Server()
        try s3.upload([cog, d + "/zones.geojson"], to: "geo")
        return (s3, d)
    }

    func environment(_ s3: S3Server) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(s3.gdalEnvironment) { _, b in b }
    }

    func testZonalOverS3EqualsLocalRunAndRecordsETags() throws {
        let (s3, d) = try serverWithData()
        defer { s3.stop() }
        let local = try runGeotool(["zonal", "--zones", d + "/zones.geojson", "--raster", "rain=" + d + "/rain_cog.tif"] + common + ["-o", d + "/local.csv"])
        XCTAssertEqual(local.status, 0, local.stderr)
        let remote = try runGeotool(["zonal", "--zones", "/vsis3/geo/zones.geojson", "--raster", "rain=/vsis3/geo/rain_cog.tif"] + common + ["-o", d + "/s3.csv"],
                                    environment: environment(s3))
        XCTAssertEqual(remote.status, 0, remote.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d + "/s3.csv")), try Data(contentsOf: URL(fileURLWithPath: d + "/local.csv")))

        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/s3.csv.datapackage.json"))) as! [String: Any]
        let raster = try XCTUnwrap((side["rasters"] as? [[String: Any]])?.first)
        XCTAssertEqual(raster["etag"] as? String, try s3.etag("geo", "rain_cog.tif"))
        XCTAssertNil(raster["sha256"], "a remote raster is not hashed")
        XCTAssertEqual(raster["bytes"] as? Int, try FileManager.default.attributesOfItem(atPath: d + "/rain_cog.tif")[.size] as? Int)
        let zones = try XCTUnwrap(side["zones"] as? [String: Any])
        XCTAssertEqual(zones["etag"] as? String, try s3.etag("geo", "zones.geojson"))
        XCTAssertTrue((zones["checksum"] as? String ?? "").hasPrefix("etag"))
    }

    func testOutputToS3IsRefusedAndNothingIsWritten() throws {
        let (s3, _) = try serverWithData()
        defer { s3.stop() }
        let r = try runGeotool(["zonal", "--zones", "/vsis3/geo/zones.geojson", "--raster", "rain=/vsis3/geo/rain_cog.tif"] + common + ["-o", "/vsis3/geo/out.csv"],
                               environment: environment(s3))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("/vsis3/geo/out.csv") && r.stderr.contains("object storage"), r.stderr)
        let keys = try s3.python("print(sorted(o['Key'] for o in s3.list_objects_v2(Bucket='geo')['Contents']))")
        XCTAssertEqual(keys.trimmingCharacters(in: .whitespacesAndNewlines), "['rain_cog.tif', 'zones.geojson']")
    }

    func testMissingObjectIsOneLineNamingIt() throws {
        let (s3, d) = try serverWithData()
        defer { s3.stop() }
        let r = try runGeotool(["zonal", "--zones", "/vsis3/geo/zones.geojson", "--raster", "rain=/vsis3/geo/nothere.tif"] + common + ["-o", d + "/x.csv"],
                               environment: environment(s3))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("/vsis3/geo/nothere.tif"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d + "/x.csv"))
    }

    /// Batch over S3: the manifest's inputs are objects; a rerun sees them unchanged by
    /// their ETag, and recomputes when the object is replaced by other bytes.
    func testBatchOverS3RerunsOnlyWhenTheObjectChanges() throws {
        let (s3, d) = try serverWithData()
        defer { s3.stop() }
        try """
        zones: {path: /vsis3/geo/zones.geojson, id: TS_PCODE}
        output: {dir: out}
        indicators:
          - name: rain
            source: /vsis3/geo/rain_cog.tif
            stats: [count, mean]

        """.write(toFile: d + "/m.yaml", atomically: true, encoding: .utf8)
        let batch = { try runGeotool(["batch", d + "/m.yaml", "--threads", "1"], environment: self.environment(s3)) }
        let first = try batch()
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("computed 1 band(s) of 1 file(s)"), first.stderr)
        let again = try batch()
        XCTAssertTrue(again.stderr.contains("nothing changed"), again.stderr)
        // Other bytes under the same key (the original, not cloud-optimized, GeoTIFF): a new ETag.
        try s3.python("s3.upload_file(\"\(Self.rain)\", \"geo\", \"rain_cog.tif\")")
        let changed = try batch()
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("computed 1 band(s) of 1 file(s)"), changed.stderr)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/out/rain.csv.datapackage.json"))) as! [String: Any]
        XCTAssertEqual((side["rasters"] as? [[String: Any]])?.first?["etag"] as? String, try s3.etag("geo", "rain_cog.tif"))
    }

    /// Four parts read over S3 and merged give the local single run's bytes (needs `geotool
    /// merge`, issue 14's partial results).
    func testFourPartsOverS3MergeToTheLocalRun() throws {
        let (s3, d) = try serverWithData()
        defer { s3.stop() }
        let local = try runGeotool(["zonal", "--zones", d + "/zones.geojson", "--raster", "rain=" + d + "/rain_cog.tif"] + common + ["-o", d + "/local.csv"])
        XCTAssertEqual(local.status, 0, local.stderr)
        var parts: [String] = []
        for i in 0..<4 {
            let part = d + "/part-\(i).part"
            let r = try runGeotool(["zonal", "--zones", "/vsis3/geo/zones.geojson", "--raster", "rain=/vsis3/geo/rain_cog.tif"] + common +
                                   ["--part", "\(i)/4", "--partial", part], environment: environment(s3))
            XCTAssertEqual(r.status, 0, r.stderr)
            parts.append(part)
        }
        // The merge opens the inputs again (their metadata for the sidecar): same settings.
        let m = try runGeotool(["merge"] + parts + ["-o", d + "/split.csv"], environment: environment(s3))
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d + "/split.csv")), try Data(contentsOf: URL(fileURLWithPath: d + "/local.csv")))
    }
}
