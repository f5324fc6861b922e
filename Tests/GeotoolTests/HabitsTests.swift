import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Formats and habits of GIS staff: spatial outputs, -o -, --where, ;/tab CSVs, did-you-mean.
final class HabitsTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let points = Fixtures.path("join/points.csv")
    let zones = Fixtures.path("join/zones.geojson")

    func zonal(_ extra: [String], _ out: String) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--quiet"] + extra + ["-o", out])
    }

    /// Feature count and geometry type of the first layer, through ogrinfo.
    func ogrSummary(_ path: String) throws -> String {
        try runProcess("/usr/bin/ogrinfo", ["-so", "-al", path]).stdout
    }

    func testZonalWritesGeoJSONFlatGeobufAndShapefileWithGeometry() throws {
        let dir = Fixtures.tempDir()
        for ext in ["geojson", "fgb", "shp"] {
            let out = dir + "/rain.\(ext)"
            let r = try zonal(["--stats", "count,mean", "--rollup", "ST_PCODE"], out)
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try ogrSummary(out)
            // FlatGeobuf holds no feature without geometry: the two empty townships are left out, and said.
            XCTAssertTrue(info.contains("Feature Count: \(ext == "fgb" ? 347 : 349)"), "\(ext): 330 townships + 18 states + country\n\(info)")
            if ext == "fgb" { XCTAssertTrue(r.stderr.contains("2 unit(s) without geometry are left out"), r.stderr) }
            XCTAssertTrue(info.contains("Polygon"), "\(ext) has polygons\n\(info)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".datapackage.json"))
        }
        let long = try zonal(["--format", "long"], dir + "/long.shp")
        XCTAssertNotEqual(long.status, 0)
        XCTAssertTrue(long.stderr.contains("a long table has no geometry"), long.stderr)
        for part in ["shx", "dbf", "prj"] { XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/rain.\(part)"), part) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporaries left")
    }

    func testShapefileShortensLongFieldNamesAndSaysSo() throws {
        let dir = Fixtures.tempDir()
        let out = dir + "/r.shp"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rainfall_dekad=\(rain):1",
                                "--raster", "rainfall_dekad2=\(rain):1", "--stats", "mean", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("rainfall_dekad_mean -> rainfall_d"), r.stderr)
        XCTAssertTrue(r.stderr.contains("rainfall_dekad2_mean -> rainfall_1"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "10 characters").count, 2, "one warning")
        let info = try ogrSummary(out)
        XCTAssertTrue(info.contains("rainfall_d: Real") && info.contains("rainfall_1: Real"), info)
        let side = try String(contentsOfFile: out + ".datapackage.json", encoding: .utf8)
        XCTAssertTrue(side.contains("rainfall_dekad2_mean (shortened to rainfall_1 for the shapefile)"), side)
        XCTAssertEqual(OGRFormat.shapefileFieldNames(["rain_mean_2001_01", "rain_mean_2001_02", "TS_PCODE"]),
                       ["rain_mean_", "rain_mea_1", "TS_PCODE"])
    }

    func testZonalDashWritesCSVToStdoutOnly() throws {
        let dir = Fixtures.tempDir()
        let file = dir + "/rain.csv"
        XCTAssertEqual(try zonal(["--stats", "count,mean"], file).status, 0)
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--stats", "count,mean",
                                "--quiet", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, try String(contentsOfFile: file, encoding: .utf8), "the same CSV, nothing else")
        XCTAssertTrue(r.stderr.contains("warning"), "warnings stay on stderr")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "-.datapackage.json"))
    }

    func testCentreAndDidYouMean() throws {
        let dir = Fixtures.tempDir()
        let a = try zonal(["--method", "centre"], dir + "/a.csv"), b = try zonal(["--method", "center"], dir + "/b.csv")
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8), try String(contentsOfFile: dir + "/b.csv", encoding: .utf8))
        XCTAssertEqual(b.status, 0)
        let s = try zonal(["--stats", "meen"], dir + "/c.csv")
        XCTAssertNotEqual(s.status, 0)
        XCTAssertTrue(s.stderr.contains("did you mean 'mean'?"), s.stderr)
        let m = try zonal(["--method", "exat"], dir + "/c.csv")
        XCTAssertTrue(m.stderr.contains("did you mean 'exact'?"), m.stderr)
        let f = try zonal([], dir + "/c.geojsn")
        XCTAssertTrue(f.stderr.contains("did you mean '.geojson'?"), f.stderr)
        let w = try zonal(["--format", "wides"], dir + "/c.csv")
        XCTAssertTrue(w.stderr.contains("did you mean 'wide'?"), w.stderr)
        XCTAssertEqual(suggestion("meen", ["count", "mean"]), "mean")
    }

    func testHelpIsNotHardWrappedAndThreadsDefaultOnce() throws {
        let r = try runGeotool(["zonal", "--help"])
        XCTAssertFalse(r.stdout.contains("(default: all cores). (default:"), r.stdout)
        XCTAssertTrue(r.stdout.contains("coverage"), "the coverage statistic is listed")
        // A sentence is not broken by a manual line break: "method exact, as exactextract)" is
        // on one line with what precedes it once the help is unwrapped by the parser.
        let joined = r.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
        XCTAssertTrue(joined.contains("(center, also spelled centre, as rasterstats)"), r.stdout)
        let src = try String(contentsOfFile: Fixtures.root.deletingLastPathComponent().path + "/Sources/geotool/Zonal.swift", encoding: .utf8)
        XCTAssertFalse(src.contains("polygon covers (method\n"), "paragraphs are written without manual breaks")
    }

    func join(_ extra: [String], points: String? = nil) throws -> GeotoolRun {
        try runGeotool(["join", "--points", points ?? self.points, "--zones", zones, "--id", "VT_PCODE"] + extra)
    }

    func testJoinWritesPointLayers() throws {
        let dir = Fixtures.tempDir()
        for ext in ["gpkg", "geojson", "fgb", "shp"] {
            let out = dir + "/j.\(ext)"
            let r = try join(["-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try ogrSummary(out)
            XCTAssertTrue(info.contains("Geometry: Point"), "\(ext)\n\(info)")
        }
        let csv = try join(["-o", dir + "/j.csv"])
        XCTAssertEqual(csv.status, 0)
        let stdout = try join(["-o", "-"])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertEqual(stdout.stdout, try String(contentsOfFile: dir + "/j.csv", encoding: .utf8))
        XCTAssertTrue(stdout.stderr.contains("standard output"))
        let withReport = try join(["-o", "-", "--report", dir + "/qa.csv"])
        XCTAssertEqual(withReport.status, 0, withReport.stderr)
        XCTAssertEqual(withReport.stdout, stdout.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/qa.csv"))
    }

    func testJoinReadsSemicolonAndTabCSVWithDecimalCommas() throws {
        let dir = Fixtures.tempDir()
        let base = try join(["-o", dir + "/base.csv"])
        XCTAssertEqual(base.status, 0)
        try "id;name;latitude;longitude\nA;Inside;16,5;95,5\nB;\"x;y\";17,2;96,4\n".write(toFile: dir + "/semi.csv", atomically: true, encoding: .utf8)
        let r = try join(["--decimal-comma", "-o", dir + "/semi_out.csv"], points: dir + "/semi.csv")
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try String(contentsOfFile: dir + "/semi_out.csv", encoding: .utf8)
        XCTAssertTrue(out.hasPrefix("id,name,latitude,longitude,VT_PCODE"), out)
        XCTAssertTrue(out.contains("A,Inside,\"16,5\",\"95,5\","), out)
        XCTAssertTrue(out.contains("B,x;y,\"17,2\",\"96,4\","), out)
        XCTAssertFalse(out.contains("invalid_coords"), out)
        // Without --decimal-comma: an error that says which flag reads them, not misread rows.
        let plain = try join(["-o", dir + "/semi_plain.csv"], points: dir + "/semi.csv")
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.stderr.contains("decimal comma") && plain.stderr.contains("--decimal-comma"), plain.stderr)
        try "id\tlatitude\tlongitude\nA\t16.5\t95.5\n".write(toFile: dir + "/tab.csv", atomically: true, encoding: .utf8)
        let t = try join(["-o", dir + "/tab_out.csv"], points: dir + "/tab.csv")
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir + "/tab_out.csv", encoding: .utf8).contains("A,16.5,95.5,"))
        // A forced comma on a semicolon file: the error says what the header looks like.
        let forced = try join(["--delimiter", ",", "-o", dir + "/f.csv"], points: dir + "/semi.csv")
        XCTAssertNotEqual(forced.status, 0)
        XCTAssertTrue(forced.stderr.contains("separated by semicolons") && forced.stderr.contains("--delimiter ';'"), forced.stderr)
        let dc = try join(["--decimal-comma", "-o", dir + "/f.csv"])
        XCTAssertNotEqual(dc.status, 0)
        XCTAssertTrue(dc.stderr.contains("--decimal-comma needs"), dc.stderr)
    }

    func testWhereFiltersZonesAndPoints() throws {
        let dir = Fixtures.tempDir()
        let z = try zonal(["--where", "ST_PCODE = 'MMR013'"], dir + "/yangon.csv")
        XCTAssertEqual(z.status, 0, z.stderr)
        let rows = try String(contentsOfFile: dir + "/yangon.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0.hasPrefix("MMR013") }, "\(rows.prefix(3))")
        let map = try runGeotool(["map", dir + "/yangon.csv", "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                  "--where", "ST_PCODE = 'MMR013'", "-o", dir + "/yangon.svg"])
        XCTAssertEqual(map.status, 0, map.stderr)
        XCTAssertFalse(map.stderr.contains("MMR017016"), "zones outside the filter are not read (no make-valid warning for them): \(map.stderr)")
        let report = try runGeotool(["report", dir + "/yangon.csv", "--zones", townships, "--id", "TS_PCODE",
                                     "--where", "ST_PCODE = 'MMR013'", "-o", dir + "/yangon.html"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let bad = try zonal(["--where", "NOPE = = 'x'"], dir + "/bad.csv")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(townships) && bad.stderr.contains("--where"), bad.stderr)
        XCTAssertEqual(bad.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 1, bad.stderr)
        let none = try zonal(["--where", "ST_PCODE = 'XXX'"], dir + "/none.csv")
        XCTAssertTrue(none.stderr.contains("matches --where"), none.stderr)
        let j = try join(["--where", "VT_PCODE = 'nothing'", "-o", dir + "/j.csv"])
        XCTAssertNotEqual(j.status, 0)
        let csvWhere = try join(["--points-where", "name = 'x'", "-o", dir + "/j.csv"])
        XCTAssertNotEqual(csvWhere.status, 0)
        XCTAssertTrue(csvWhere.stderr.contains("applies to OGR layers"), csvWhere.stderr)
        // An OGR point layer is filtered.
        XCTAssertEqual(try join(["-o", dir + "/pts.gpkg"]).status, 0)
        let p = try join(["--points-where", "school_id = 'S1'", "-o", dir + "/one.csv"], points: dir + "/pts.gpkg")
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/one.csv", encoding: .utf8).split(separator: "\n").count, 2)
    }
}

final class HabitsHelpTests: XCTestCase {
    /// Piped help is wrapped at 80 columns: a list entry or example line longer than that
    /// would continue at column 0, in the middle of its sentence.
    func testHelpListsAndExamplesFitEightyColumns() throws {
        for cmd in ["zonal", "join", "map", "report", "batch", "info"] {
            let lines = try runGeotool([cmd, "--help"]).stdout.components(separatedBy: "\n")
            for i in 1..<lines.count where !lines[i].isEmpty && !lines[i].hasPrefix(" ") && lines[i - 1].hasPrefix("  ") && !lines[i].hasSuffix(":") {
                XCTFail("\(cmd) --help: '\(lines[i - 1])' wraps to '\(lines[i])'")
            }
        }
        let zonal = try runGeotool(["zonal", "--help"]).stdout
        for stat in Statistic.all.map(\.name) where !stat.hasPrefix("p") {
            XCTAssertTrue(zonal.contains("\n  \(stat) "), "one line for \(stat)")
        }
    }

    func testThreadsDefaultSaidOnceInEveryCommand() throws {
        for cmd in ["zonal", "join", "batch"] {
            let r = try runGeotool([cmd, "--help"])
            XCTAssertTrue(r.stdout.contains("all cores"), cmd)
            XCTAssertFalse(r.stdout.replacingOccurrences(of: "\n", with: " ").contains("all cores). (default"), "\(cmd)\n\(r.stdout)")
        }
    }
}
