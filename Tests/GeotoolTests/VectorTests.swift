import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// `geotool vector` end to end on TestRasters/vector (made by make_fixtures.py): lengths and
/// areas against shapely intersections measured with pyproj's Geod (expected.json, recorded
/// by the script), point counts worked out by hand, and QGIS's own algorithms run live.
final class VectorTests: XCTestCase {
    let dir = "vector/"
    lazy var expected = Fixtures.json(dir + "expected.json") as! [String: [String: Double]]
    let zoneIDs = ["MMR001", "MMR002", "MMR003", "MMR004", "MMR005"]

    func vector(_ extra: [String], output: String = "out.csv") throws -> (GeotoolRun, String) {
        let out = Fixtures.tempDir() + "/" + output
        let r = try runGeotool(["vector", "--zones", Fixtures.path(dir + "zones.geojson"), "--id", "TS_PCODE", "--quiet"] + extra + ["-o", out])
        return (r, out)
    }

    func all(_ roads: String = "roads.geojson", _ protected: String = "protected.geojson", extra: [String] = []) throws -> Table {
        let (r, out) = try vector(["--points", "schools=" + Fixtures.path(dir + "schools.csv"), "--count-by", "schools=level",
                                   "--sum", "schools=students", "--mean", "schools=students",
                                   "--lines", "roads=" + Fixtures.path(dir + roads), "--by", "roads=highway",
                                   "--polygons", "protected=" + Fixtures.path(dir + protected), "--by", "protected=category"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Table.readCSV(path: out)
    }

    /// Every length and area column against shapely + pyproj Geod (GeographicLib on WGS 84).
    func testLengthsAndAreasMatchShapelyAndPyprojGeod() throws {
        let t = try all()
        for id in zoneIDs {
            for (col, want) in expected[id]! {
                assertRelative(t.value(id, col), want, 1e-9, "\(id) \(col)")
            }
        }
    }

    /// Layers in UTM 47N are reprojected to the zones' CRS: vertices come back to the same
    /// degrees to rounding. The track drawn along the MMR001 | MMR002 border is no longer
    /// exactly on it once reprojected (it may fall either side), so it is compared in total;
    /// the forest sharing MMR004's edge may cross it by a sliver, which is no overlap.
    func testLayersInAnotherCRSAreReprojected() throws {
        let t = try all("roads_utm.gpkg", "protected_utm.gpkg")
        let trackAffected: Set = ["roads_length_km", "roads_length_km_track", "roads_density"]
        for id in zoneIDs {
            for (col, want) in expected[id]! where !trackAffected.contains(col) {
                if want == 0 { XCTAssertEqual(t.value(id, col)!, 0, accuracy: 1e-9, "\(id) \(col) from UTM"); continue }
                assertRelative(t.value(id, col), want, 1e-6, "\(id) \(col) from UTM")
            }
        }
        let tracks = zoneIDs.compactMap { t.value($0, "roads_length_km_track") }.reduce(0, +)
        assertRelative(tracks, zoneIDs.reduce(0) { $0 + expected[$1]!["roads_length_km_track"]! }, 1e-6, "tracks from UTM")
    }

    /// Zones in a projected CRS: lengths are planar metres of that CRS. The zones and roads
    /// both in UTM 47N (by ogr2ogr, so the border track stays exactly on the border): the
    /// track counts once, for MMR001, with the plane length between its two ends as
    /// gdaltransform puts them.
    func testProjectedZonesMeasureInThePlane() throws {
        let tmp = Fixtures.tempDir()
        let zones = tmp + "/zones_utm.gpkg"
        let o = try runProcess("/usr/bin/ogr2ogr", ["-t_srs", "EPSG:32647", "-f", "GPKG", zones, Fixtures.path(dir + "zones.geojson")])
        XCTAssertEqual(o.status, 0, o.stderr)
        let ends = tmp + "/ends.txt"
        try "96.1 19.0\n96.1 19.1\n".write(toFile: ends, atomically: true, encoding: .utf8)
        let g = try runShell(["/bin/sh", "-c", "gdaltransform -s_srs EPSG:4326 -t_srs EPSG:32647 -output_xy < \(ends)"])
        let xy = g.stdout.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        XCTAssertEqual(xy.count, 4, g.stdout + g.stderr)
        let out = tmp + "/utm.csv"
        let r = try runGeotool(["vector", "--zones", zones, "--id", "TS_PCODE", "--quiet",
                                "--lines", "roads=" + Fixtures.path(dir + "roads_utm.gpkg"), "--by", "roads=highway", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        assertRelative(t.value("MMR001", "roads_length_km_track"), hypot(xy[2] - xy[0], xy[3] - xy[1]) / 1000, 1e-9, "track in UTM")
        XCTAssertEqual(t.value("MMR002", "roads_length_km_track"), 0)
        // Plane and ellipsoid differ by UTM's scale factor (about 0.9996 near the central meridian).
        let ratio = t.value("MMR003", "roads_length_km")! / expected["MMR003"]!["roads_length_km"]!
        XCTAssertEqual(ratio, 1, accuracy: 1e-3)
        XCTAssertNotEqual(ratio, 1)
    }

    /// Counts by hand (TestRasters/vector/make_fixtures.py lists the schools): s4 on the edge
    /// MMR001 | MMR002 and s5 on the corner of all four go to the lowest id, MMR001; s7
    /// (outside) and s8 (swapped coordinates) count nowhere; s9's students are not a number.
    func testPointsCountedOnceWithZeroForEmptyZones() throws {
        let t = try all()
        let want: [String: [String: Double?]] = [
            "MMR001": ["schools_count": 4, "schools_count_primary": 2, "schools_count_secondary": 1, "schools_count_middle": 1,
                       "schools_students_sum": 520, "schools_students_mean": 130],
            "MMR002": ["schools_count": 1, "schools_count_primary": 1, "schools_students_sum": 50, "schools_students_mean": 50],
            "MMR003": ["schools_count": 1, "schools_count_secondary": 1, "schools_students_sum": 0, "schools_students_mean": nil],
            "MMR004": ["schools_count": 1, "schools_count_primary": 1, "schools_students_sum": 0, "schools_students_mean": nil],
            "MMR005": ["schools_count": 0, "schools_count_primary": 0, "schools_count_secondary": 0, "schools_count_middle": 0,
                       "schools_students_sum": 0, "schools_students_mean": nil],
        ]
        for (id, cols) in want { for (c, v) in cols { XCTAssertEqual(t.value(id, c), v, "\(id) \(c)") } }
        // 7 of the 9 schools are counted, each once.
        XCTAssertEqual(zoneIDs.compactMap { t.value($0, "schools_count") }.reduce(0, +), 7)
        // The empty zone keeps its row, with zeros (not empty cells) for lengths and areas too.
        XCTAssertEqual(t.value("MMR005", "roads_length_km"), 0)
        XCTAssertEqual(t.value("MMR005", "protected_share"), 0)
    }

    /// The track running exactly along the MMR001 | MMR002 border counts once, for MMR001
    /// (the lower id, though MMR002 comes first in the file): its length is pyproj's
    ///   Geod(ellps="WGS84").inv(96.1, 19.0, 96.1, 19.1)[2] = 11069.266879336286 m.
    func testLineAlongASharedBorderCountedOnce() throws {
        let t = try all()
        assertRelative(t.value("MMR001", "roads_length_km_track"), 11.069266879336286, 1e-9, "border track")
        XCTAssertEqual(t.value("MMR002", "roads_length_km_track"), 0)
    }

    /// Overlapping polygons are dissolved: the classes of MMR001 add up to more than its
    /// total (the park lies inside the forest), the total is never more than the zone, and
    /// MMR003, covered by a forest, has a share of 1; a polygon touching MMR001 only along an
    /// edge does not count as overlapping it.
    func testOverlappingPolygonsDissolved() throws {
        let t = try all()
        let total = t.value("MMR001", "protected_area_km2")!
        XCTAssertGreaterThan(t.value("MMR001", "protected_area_km2_forest")! + t.value("MMR001", "protected_area_km2_park")!, total * 1.1)
        for id in zoneIDs { XCTAssertLessThanOrEqual(t.value(id, "protected_share")!, 1 + 1e-12) }
        XCTAssertEqual(t.value("MMR003", "protected_share")!, 1, accuracy: 1e-12)
        XCTAssertEqual(t.value("MMR001", "protected_features"), 3)
    }

    /// Roll-ups: counts, lengths and areas add; densities, shares and means come from the
    /// summed parts (D1 = MMR001 + MMR002; S1 = all five).
    func testRollupAddsPartsAndRecomputesRatios() throws {
        let t = try all(extra: ["--rollup", "DT_PCODE,ST_PCODE"])
        let e = expected
        func sum(_ ids: [String], _ c: String) -> Double { ids.reduce(0) { $0 + e[$1]![c]! } }
        let d1 = ["MMR001", "MMR002"]
        XCTAssertEqual(t.value("D1", "schools_count"), 5)
        XCTAssertEqual(t.value("D1", "schools_students_mean"), 570.0 / 5)
        XCTAssertEqual(t.value("S1", "schools_count"), 7)
        XCTAssertEqual(t.value("S1", "schools_students_mean"), 570.0 / 5)   // s6 and s9 have no number
        XCTAssertNil(t.value("D2", "schools_students_mean"))
        XCTAssertEqual(t.value("D3", "schools_count"), 0)
        assertRelative(t.value("D1", "roads_length_km"), sum(d1, "roads_length_km"), 1e-9, "D1 length")
        assertRelative(t.value("D1", "roads_density"), sum(d1, "roads_length_km") / sum(d1, "zone_area_km2"), 1e-9, "D1 density")
        assertRelative(t.value("S1", "protected_share"), sum(zoneIDs, "protected_area_km2") / sum(zoneIDs, "zone_area_km2"), 1e-9, "S1 share")
        let level = t.columns.firstIndex(of: "level")!
        XCTAssertEqual(t.rows.map { $0[level] }, ["township", "township", "township", "township", "township",
                                                  "district", "district", "district", "state"].map { TableCell.text($0) })
    }

    /// QGIS's own algorithms, run live: native:sumlinelengths on the ellipsoid (EPSG:7030,
    /// WGS 84) and native:countpointsinpolygon. QGIS counts a line on a shared border
    /// for every zone it touches, geotool once: so QGIS's MMR002 is geotool's plus the border
    /// track (11.069 km). QGIS counts a point only in a zone's interior: s4 and s5, on the
    /// edges of MMR001, count for no zone in QGIS, for MMR001 in geotool (join's rule).
    func testAgainstQGIS() throws {
        guard let qp = ["/usr/bin/qgis_process.bin", "/usr/bin/qgis_process"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("qgis_process not installed")
        }
        let t = try all()
        let tmp = Fixtures.tempDir()
        let env = ["PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": tmp, "XDG_RUNTIME_DIR": tmp]
        let zones = Fixtures.path(dir + "zones.geojson")
        var r = try runProcess(qp, ["run", "native:sumlinelengths", "--ellipsoid=EPSG:7030", "--",
                                    "POLYGONS=" + zones, "LINES=" + Fixtures.path(dir + "roads.geojson"),
                                    "LEN_FIELD=len", "COUNT_FIELD=cnt", "OUTPUT=\(tmp)/len.geojson"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runProcess(qp, ["run", "native:countpointsinpolygon", "--", "POLYGONS=" + zones,
                                "POINTS=" + Fixtures.path(dir + "schools.geojson"), "FIELD=n", "OUTPUT=\(tmp)/n.geojson"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        func props(_ f: String) throws -> [String: [String: Any]] {
            let d = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f))) as! [String: Any]
            var out: [String: [String: Any]] = [:]
            for feat in d["features"] as! [[String: Any]] {
                let p = feat["properties"] as! [String: Any]
                out[p["TS_PCODE"] as! String] = p
            }
            return out
        }
        let len = try props("\(tmp)/len.geojson"), n = try props("\(tmp)/n.geojson")
        let borderTrack = 11069.266879336286
        let extraPoints: [String: Double] = ["MMR001": -2]
        for id in zoneIDs {
            let ours = t.value(id, "roads_length_km")! * 1000 + (id == "MMR002" ? borderTrack : 0)
            assertRelative(len[id]!["len"] as? Double, ours, 1e-9, "\(id) QGIS length")
            XCTAssertEqual(n[id]!["n"] as? Double, t.value(id, "schools_count")! + (extraPoints[id] ?? 0), "\(id) QGIS count")
        }
    }

    /// The long table: a row per zone and indicator, with units; a GeoPackage carries the
    /// zones' geometry; the sidecar says the method.
    func testLongFormatGeoPackageAndSidecar() throws {
        let (r, out) = try vector(["--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--format", "long"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.columns, ["pcode", "level", "indicator", "value", "unit"])
        XCTAssertEqual(t.rows.count, 5 * 3)   // zone_area_km2, roads_length_km, roads_density
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as! [String: Any]
        let layers = (side["method"] as! [String: Any])["layers"] as! [String]
        XCTAssertTrue(layers[0].contains("geodesically"), layers[0])
        let (g, gpkg) = try vector(["--polygons", "protected=" + Fixtures.path(dir + "protected.geojson")], output: "out.gpkg")
        XCTAssertEqual(g.status, 0, g.stderr)
        let info = try runProcess("/usr/bin/ogrinfo", ["-so", "-al", gpkg])
        XCTAssertTrue(info.stdout.contains("Feature Count: 5"), info.stdout)
        XCTAssertTrue(info.stdout.contains("Multi Polygon"), info.stdout)
    }

    /// --where keeps some zones (a point of another zone counts nowhere: it is in no zone
    /// kept); --layer-where filters a layer; Excel output reads back with GDAL.
    func testWhereFiltersZonesAndLayers() throws {
        let (r, out) = try vector(["--where", "DT_PCODE = 'D1'",
                                   "--points", "schools=" + Fixtures.path(dir + "schools.geojson"),
                                   "--layer-where", "schools=level = 'primary'",
                                   "--lines", "roads=" + Fixtures.path(dir + "roads.geojson"),
                                   "--layer-where", "roads=highway = 'track'"], output: "out.xlsx")
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = Fixtures.tempDir() + "/back.csv"
        let c = try runProcess("/usr/bin/ogr2ogr", ["-f", "CSV", csv, out])
        XCTAssertEqual(c.status, 0, c.stderr)
        let t = try Table.readCSV(path: csv)
        XCTAssertEqual(t.rows.count, 2)   // MMR002 and MMR001
        XCTAssertEqual(t.value("MMR001", "schools_count"), 2)   // s1 and s4 (s4 on the edge: the lower id)
        XCTAssertEqual(t.value("MMR002", "schools_count"), 1)   // s3
        assertRelative(t.value("MMR001", "roads_length_km"), 11.069266879336286, 1e-9, "track only")
        XCTAssertEqual(t.value("MMR002", "roads_length_km"), 0)
    }

    /// --hxl writes the hashtag row (the id's level code, each indicator), and the sidecar
    /// marks it a comment row; `geotool map` draws a column of the table.
    func testHXLRowAndMap() throws {
        let (r, out) = try vector(["--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--hxl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines[0], "TS_PCODE,zone_area_km2,roads_length_km,roads_density")
        XCTAssertEqual(lines[1], "#adm3+code,#indicator+num+zone_area_km2,#indicator+num+roads_length_km,#indicator+num+roads_density")
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as! [String: Any]
        let resource = (side["resources"] as! [[String: Any]])[0]
        XCTAssertEqual((resource["dialect"] as! [String: Any])["commentRows"] as? [Int], [2])
        // A standard reader (frictionless, installed by scripts/setup.sh test) validates the
        // package and reads the first zone as the first row, not the HXL row.
        let script = """
        import json, sys
        from frictionless import Package, validate
        report = validate(sys.argv[1])
        if not report.valid:
            print(json.dumps(report.flatten(["rowNumber", "fieldName", "type", "note"])))
            sys.exit(1)
        rows = Package(sys.argv[1]).resources[0].read_rows()
        print(len(rows), rows[0]["TS_PCODE"])
        """
        let p = try runProcess(Fixtures.python, ["-c", script, out + ".datapackage.json"])
        XCTAssertEqual(p.status, 0, p.stdout + p.stderr)
        XCTAssertEqual(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "5 MMR002")
        let (g, gpkg) = try vector(["--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--hxl"], output: "out.gpkg")
        XCTAssertNotEqual(g.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: gpkg))
        // On MIMU's townships (the map finds their level from the P-codes' shape).
        let csv = Fixtures.tempDir() + "/townships.csv"
        let plain = try runGeotool(["vector", "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE", "--quiet",
                                    "--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "-o", csv])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let svg = Fixtures.tempDir() + "/density.svg"
        let m = try runGeotool(["map", csv, "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                "--column", "roads_density", "-o", svg, "--quiet"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: svg))
    }

    /// Bad input: one line naming the file and the problem, a non-zero exit, no output.
    func testUnknownColumnIsOneClearError() throws {
        let (r, out) = try vector(["--points", "schools=" + Fixtures.path(dir + "schools.csv"), "--count-by", "schools=levle"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("schools.csv") && r.stderr.contains("levle") && r.stderr.contains("level"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let (r2, _) = try vector(["--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--by", "road=highway"])
        XCTAssertNotEqual(r2.status, 0)
        XCTAssertTrue(r2.stderr.contains("road"), r2.stderr)
        // A filter on a CSV register is refused in the option's own words.
        let (r3, out3) = try vector(["--points", "schools=" + Fixtures.path(dir + "schools.csv"), "--layer-where", "schools=level = 'x'"])
        XCTAssertNotEqual(r3.status, 0)
        XCTAssertTrue(r3.stderr.contains("--layer-where schools=") && r3.stderr.contains("schools.csv"), r3.stderr)
        XCTAssertEqual(r3.stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: error") }.count, 1, r3.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out3))
    }

    /// Formulas (the zonal engine's, on vector columns): schools per km2 and road km per
    /// school, on each row's own values after the roll-up, checked against the zones'
    /// recorded answers (expected.json) summed by hand; a district's is its sums' ratio.
    func testFormulasOnVectorColumnsAfterTheRollup() throws {
        let t = try all(extra: ["--rollup", "DT_PCODE,ST_PCODE",
                                "--formula", "schools_per_km2 = schools_count / zone_area_km2 [schools/km2]",
                                "--formula", "roads_m_per_school = 1000 * roads_length_km / schools_count [m]",
                                "--formula", "protected_ha = protected_area_km2 * 100"])
        let e = expected
        func sum(_ ids: [String], _ c: String) -> Double { ids.reduce(0) { $0 + e[$1]![c]! } }
        let d1 = ["MMR001", "MMR002"]
        // D1 holds 5 schools (counted by hand in testRollupAddsPartsAndRecomputesRatios).
        assertRelative(t.value("D1", "schools_per_km2"), 5 / sum(d1, "zone_area_km2"), 1e-9, "D1 schools per km2")
        assertRelative(t.value("D1", "roads_m_per_school"), 1000 * sum(d1, "roads_length_km") / 5, 1e-9, "D1 road m per school")
        assertRelative(t.value("MMR003", "protected_ha"), 100 * e["MMR003"]!["protected_area_km2"]!, 1e-9, "MMR003 ha")
        // D3 has no school: a division by zero is an empty cell, not inf or 0.
        XCTAssertNil(t.value("D3", "roads_m_per_school"))
        let (bad, out) = try vector(["--points", "schools=" + Fixtures.path(dir + "schools.csv"),
                                     "--formula", "x = schools_cuont / zone_area_km2"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("schools_cuont") && bad.stderr.contains("did you mean 'schools_count'"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
