import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 11, "nothing is silently wrong": one sidecar per output, valid Frictionless
/// metadata, complete lists, one naming rule, HXL where it can go, GeoPackages with their
/// CRS and roll-up layers, low-coverage units.
final class MetadataTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    func zonal(_ extra: [String], out: String) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--quiet", "-o", out] + extra)
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testEachOutputHasItsOwnSidecar() throws {
        let dir = Fixtures.tempDir()
        for ext in ["csv", "xlsx", "gpkg"] {
            let r = try zonal(["--raster", "rain=\(rain)", "--stats", "mean"], out: dir + "/rain.\(ext)")
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("rain.\(ext).datapackage.json") || r.stderr.isEmpty, r.stderr)
        }
        for ext in ["csv", "xlsx", "gpkg"] {
            let side = dir + "/rain.\(ext).datapackage.json"
            XCTAssertTrue(FileManager.default.fileExists(atPath: side), side)
            let res = (try json(side)["resources"] as! [[String: Any]])[0]
            XCTAssertEqual(res["path"] as? String, "rain.\(ext)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/rain.datapackage.json"))
    }

    /// A standard reader (frictionless) validates the package and skips the HXL row.
    func testSidecarIsValidFrictionlessAndHXLRowIsNotData() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.csv"
        let r = try zonal(["--raster", "rain=\(rain)", "--stats", "count,mean", "--include-cols", "TS", "--hxl"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let side = out + ".datapackage.json"
        let dialect = (try json(side)["resources"] as! [[String: Any]])[0]["dialect"] as? [String: Any]
        XCTAssertNil(dialect?["headerRowCount"], "not a Frictionless property")
        let script = """
        import json, sys
        from frictionless import Package, validate
        report = validate(sys.argv[1])
        if not report.valid:
            print(json.dumps(report.flatten(["rowNumber", "fieldName", "type", "note"])))
            sys.exit(1)
        pkg = Package(sys.argv[1])
        rows = pkg.resources[0].read_rows()
        print(len(rows), rows[0]["TS_PCODE"], rows[0]["rain_count"])
        """
        let p = try runProcess(Fixtures.python, ["-c", script, side])
        XCTAssertEqual(p.status, 0, "frictionless (scripts/setup.sh test installs it): " + p.stdout + p.stderr)
        let words = p.stdout.split(separator: " ").map(String.init)
        XCTAssertEqual(words.first, "330", p.stdout)
        XCTAssertEqual(words.dropFirst().first, "MMR017008", "the first data row is the first zone, not the HXL row: \(p.stdout)")
    }

    func testOutsideZonesListedCompletelyInSidecar() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.csv"
        let r = try zonal(["--raster", "rain=\(rain)", "--stats", "mean"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = try json(out + ".datapackage.json")["warnings"] as! [String]
        let outside = warnings.first { $0.contains("wholly outside") }!
        XCTAssertFalse(outside.contains("..."), outside)
        XCTAssertEqual(outside.components(separatedBy: "MMR").count - 1, 67, outside)
    }

    func testDuplicateRasterNamesAreAnError() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.csv"
        let r = try zonal(["--raster", "rain=\(rain)", "--raster", "rain=\(rain):1", "--stats", "mean"], out: out)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("rain=\(rain)") && r.stderr.contains("rain=\(rain):1"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testRasterNamesAreSanitised() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.csv"
        let spaced = dir + "/rain dekad.tif"
        try FileManager.default.copyItem(atPath: rain, toPath: spaced)
        let r = try zonal(["--raster", spaced, "--stats", "mean"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("rain_dekad"), "a warning names the new name: \(r.stderr)")
        let header = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "TS_PCODE,rain_dekad_mean")
        // An explicit name that is not [A-Za-z0-9_] is refused.
        let bad = try zonal(["--raster", "rain dekad=\(rain)", "--stats", "mean"], out: dir + "/bad.csv")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("rain dekad"), bad.stderr)
    }

    func testHXLInSpreadsheetAndRefusedForGeoPackage() throws {
        let dir = Fixtures.tempDir()
        let r = try zonal(["--raster", "rain=\(rain)", "--stats", "mean", "--hxl"], out: dir + "/rain.xlsx")
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try runProcess("/usr/bin/env", ["ogr2ogr", "-f", "CSV", "-oo", "HEADERS=FORCE", "/vsistdout/", dir + "/rain.xlsx"])
        // GDAL reads a sheet whose first two rows are text without a header (Field1...).
        var lines = t.stdout.split(separator: "\n").map(String.init)
        if lines.first == "Field1,Field2" { lines.removeFirst() }
        XCTAssertEqual(lines.first, "TS_PCODE,rain_mean")
        XCTAssertEqual(lines.dropFirst().first, "#adm3+code,#indicator+num+rain_mean", "the HXL row is the second row")
        XCTAssertTrue(lines.dropFirst(2).first?.hasPrefix("MMR017008,") == true, "then the data: \(lines.prefix(4))")
        let g = try zonal(["--raster", "rain=\(rain)", "--stats", "mean", "--hxl"], out: dir + "/rain.gpkg")
        XCTAssertNotEqual(g.status, 0)
        XCTAssertTrue(g.stderr.contains("--hxl") && g.stderr.contains("GeoPackage"), g.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/rain.gpkg"))
    }

    func testGeoPackageHasCRSAndRollupLayers() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.gpkg"
        let r = try zonal(["--raster", "rain=\(rain)", "--stats", "mean", "--rollup", "DT_PCODE,ST_PCODE"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("no CRS"), "TopoJSON is WGS84 by definition: \(r.stderr)")
        let info = try runProcess("/usr/bin/env", ["ogrinfo", "-ro", "-so", "-al", out])
        XCTAssertEqual(info.status, 0, info.stderr)
        let layers = info.stdout.components(separatedBy: "Layer name: ").dropFirst()
        XCTAssertEqual(layers.map { String($0.prefix { $0 != "\n" }) }, ["zonal", "zonal_district", "zonal_state", "zonal_country"])
        let counts = ["zonal": 330, "zonal_district": 80, "zonal_state": 18, "zonal_country": 1]
        for l in layers {
            let name = String(l.prefix { $0 != "\n" })
            XCTAssertTrue(l.contains("ID[\"EPSG\",4326]"), "\(name) carries EPSG:4326")
            XCTAssertTrue(l.contains("Geometry: Multi Polygon"), name)
            XCTAssertTrue(l.contains("rain_mean: Real"), name)
            if let n = counts[name] { XCTAssertTrue(l.contains("Feature Count: \(n)\n"), "\(name): \(l.prefix(400))") }
        }
        // Every roll-up row has a geometry (its zones' union).
        for name in ["zonal_district", "zonal_state", "zonal_country"] {
            let q = try runProcess("/usr/bin/env", ["ogrinfo", "-ro", "-q", "-sql", "SELECT COUNT(*) AS n FROM \(name) WHERE geom IS NULL", out])
            XCTAssertTrue(q.stdout.contains("n (Integer) = 0"), "\(name): \(q.stdout)")
        }
        let country = try runProcess("/usr/bin/env", ["ogrinfo", "-ro", "-q", "-sql", "SELECT ST_Area(geom) AS a, level FROM zonal_country", out])
        XCTAssertTrue(country.stdout.contains("level (String) = country"), country.stdout)
    }

    func testMinCoverageEmptiesLowCoverageUnits() throws {
        let dir = Fixtures.tempDir(), all = dir + "/all.csv", out = dir + "/min.csv"
        XCTAssertEqual(try zonal(["--raster", "rain=\(rain)", "--stats", "count,coverage,mean,sum"], out: all).status, 0)
        let r = try zonal(["--raster", "rain=\(rain)", "--stats", "count,coverage,mean,sum", "--min-coverage", "0.5"], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try Table.readCSV(path: all), m = try Table.readCSV(path: out)
        var low: [String] = []
        for (ra, rm) in zip(a.rows, m.rows) {
            guard case .text(let id) = ra[0] else { continue }
            XCTAssertEqual(ra[1], rm[1], "count kept"); XCTAssertEqual(ra[2], rm[2], "coverage kept")
            if let c = ra[2].doubleValue, c < 0.5 {
                low.append(id)
                XCTAssertEqual(rm[3], .empty, id); XCTAssertEqual(rm[4], .empty, id)
            } else {
                XCTAssertEqual(ra[3], rm[3], id); XCTAssertEqual(ra[4], rm[4], id)
            }
        }
        XCTAssertGreaterThan(low.count, 10)
        let warnings = try json(out + ".datapackage.json")["warnings"] as! [String]
        let w = warnings.filter { $0.contains("--min-coverage") || $0.contains("coverage below") }
        XCTAssertEqual(w.count, 1, "\(warnings)")
        for id in low { XCTAssertTrue(w[0].contains(id), id) }
        XCTAssertEqual(r.stderr.components(separatedBy: "coverage below").count - 1, 1, r.stderr)
    }
}
