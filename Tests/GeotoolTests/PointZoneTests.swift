import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Zones that are points or lines, end to end, against peer tools' answers recorded by
/// TestRasters/points/make_fixtures.py: rasterstats' point_query for points, exactextract for
/// lines and for the same geodesic discs drawn by pyproj (GeographicLib) for --buffer.
/// exactextract keeps coverage in single precision, so it is held to 1e-6.
final class PointZoneTests: XCTestCase {
    let dir = "points/"
    lazy var expected = Fixtures.json(dir + "expected.json")
    let stats = ["count", "sum", "mean", "min", "max"]

    func zonal(_ zones: String, _ extra: [String] = [], stats: String = "count,sum,mean,min,max") throws -> (GeotoolRun, String) {
        let out = Fixtures.tempDir() + "/out.csv"
        let r = try runGeotool(["zonal", "--zones", Fixtures.path(dir + zones), "--id", "id",
                                "--raster", "rain=\(Fixtures.path(dir + "rain.tif"))", "--stats", stats, "--quiet"] + extra + ["-o", out])
        return (r, out)
    }

    func table(_ path: String) throws -> Table { try Table.readCSV(path: path) }

    /// Compare rows of `t` with exactextract's statistics for each zone of `peer`.
    /// exactextract writes sum = 0 for a zone with no value (count 0); geotool leaves the
    /// sum empty there, as the mean (unless --empty-sum zero): compared as such, the
    /// recorded answers unchanged.
    func assertMatchesExactextract(_ t: Table, _ peer: [String: [String: Any]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(peer.isEmpty, file: file, line: line)
        for (id, s) in peer {
            for st in stats {
                var want = s[st] as? Double
                if st == "sum", s["count"] as? Double == 0 { XCTAssertEqual(want, 0, file: file, line: line); want = nil }
                assertRelative(t.value(id, "rain_\(st)"), want, 1e-6, "\(id) \(st)", file: file, line: line)
            }
        }
    }

    /// Compare rows with rasterstats' point_query values: a point's count is its number of
    /// points with a value, its mean their mean, and so on; no value at all gives empty cells.
    func assertMatchesPointQuery(_ t: Table, _ peer: [String: [Any]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(peer.isEmpty, file: file, line: line)
        for (id, raw) in peer {
            let v = raw.compactMap { $0 as? Double }
            XCTAssertEqual(t.value(id, "rain_count"), Double(v.count), "\(id) count", file: file, line: line)
            XCTAssertEqual(t.value(id, "rain_sum") ?? 0, v.reduce(0, +), accuracy: 1e-9, "\(id) sum", file: file, line: line)
            assertRelative(t.value(id, "rain_mean"), v.isEmpty ? nil : v.reduce(0, +) / Double(v.count), 1e-12, "\(id) mean", file: file, line: line)
            assertRelative(t.value(id, "rain_min"), v.min(), 0, "\(id) min", file: file, line: line)
            assertRelative(t.value(id, "rain_max"), v.max(), 0, "\(id) max", file: file, line: line)
        }
    }

    func testPointsTakeTheCellUnderThemAsRasterstatsPointQuery() throws {
        let (r, out) = try zonal("schools.geojson")
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table(out)
        assertMatchesPointQuery(t, expected["points_rasterstats"] as! [String: [Any]])
        // Edge and corner points included (S2, S3, S8), the MultiPoint's two points in one cell
        // counted twice, points outside (S4, and S7 on the right edge) and on nodata (S5) empty.
        XCTAssertEqual(t.value("S6_multi", "rain_count"), 3)
        // The summary line counts the points without a value, a warning names them.
        XCTAssertTrue(r.stderr.contains("3 point zone(s) without a value (outside the raster or on nodata)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("S4_outside, S5_nodata, S7_right_edge"), r.stderr)
        XCTAssertFalse(r.stderr.contains("no polygonal part"), r.stderr)
    }

    func testLinesAreLengthWeightedAsExactextract() throws {
        let (r, out) = try zonal("roads.geojson")
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table(out)
        assertMatchesExactextract(t, expected["lines_exactextract"] as! [String: [String: Any]])
        // A road wholly outside the raster: count 0, the rest empty.
        XCTAssertEqual(t.value("R6_outside", "rain_count"), 0)
        XCTAssertNil(t.value("R6_outside", "rain_mean"))
    }

    func testMixedLayerTakesEachFeatureByItsType() throws {
        let (r, out) = try zonal("mixed.geojson")
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table(out)
        XCTAssertEqual(t.rows.map { $0[0].csv }, ["M_polygon", "M_point", "M_line", "M_null"], "a row per feature, in order")
        assertMatchesExactextract(t, expected["mixed_exactextract"] as! [String: [String: Any]])
        assertMatchesPointQuery(t, expected["mixed_rasterstats"] as! [String: [Any]])
        XCTAssertEqual(t.value("M_null", "rain_count"), 0)
        XCTAssertTrue(r.stderr.contains("M_null") && r.stderr.contains("no geometry"), r.stderr)
    }

    func testBufferedPointsAreGeodesicDiscsWithExactCoverage() throws {
        let (r, out) = try zonal("buffered.geojson", ["--buffer", "2km"], stats: "count,sum,mean,min,max,area")
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table(out)
        // The same discs drawn by pyproj and summarised by exactextract.
        assertMatchesExactextract(t, expected["discs_exactextract"] as! [String: [String: Any]])
        // Area: B1 lies on the raster away from nodata, so its covered area is the disc's:
        // the ellipsoidal area of pyproj's polygon, and pi r^2 less the 128-gon's shortfall,
        // (n / 2 pi) sin(2 pi / n), computed here.
        let areas = expected["discs_area_m2"] as! [String: Double]
        assertRelative(t.value("B1", "rain_area"), areas["B1"], 1e-5, "B1 area vs pyproj")
        let n = 128.0, rad = 2000.0
        assertRelative(t.value("B1", "rain_area"), Double.pi * rad * rad * n / (2 * .pi) * sin(2 * .pi / n), 1e-5, "B1 area vs the inscribed 128-gon")
        // Two overlapping discs of one MultiPoint count their overlap once.
        assertRelative(t.value("B3_multi", "rain_area"), areas["B3_multi"], 1e-5, "B3 area (union)")
        XCTAssertLessThan(t.value("B3_multi", "rain_area")!, 2 * areas["B1"]!)
        XCTAssertFalse(r.stderr.contains("without a value"), "every disc reaches the raster: \(r.stderr)")
        // The schools' S4 lies 0.5 degrees off the raster: its disc has no value, and is counted.
        let (far, farOut) = try zonal("schools.geojson", ["--buffer", "2km"])
        XCTAssertEqual(far.status, 0, far.stderr)
        XCTAssertEqual(try table(farOut).value("S4_outside", "rain_count"), 0)
        XCTAssertTrue(far.stderr.contains("1 point zone(s) without a value"), far.stderr)
    }

    func testBufferUnitsAndMetresByDefault() throws {
        let (a, outA) = try zonal("buffered.geojson", ["--buffer", "2km"])
        let (b, outB) = try zonal("buffered.geojson", ["--buffer", "2000"])
        let (c, outC) = try zonal("buffered.geojson", ["--buffer", "2000m"])
        for r in [a, b, c] { XCTAssertEqual(r.status, 0, r.stderr) }
        let ta = try table(outA)
        XCTAssertEqual(ta.rows.map { $0.map(\.csv) }, try table(outB).rows.map { $0.map(\.csv) })
        XCTAssertEqual(ta.rows.map { $0.map(\.csv) }, try table(outC).rows.map { $0.map(\.csv) })
        let (bad, outBad) = try zonal("buffered.geojson", ["--buffer", "-2km"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--buffer"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: outBad))
    }

    func testBufferOnALineIsAClearError() throws {
        let (r, out) = try zonal("roads.geojson", ["--buffer", "500m"])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(Fixtures.path(dir + "roads.geojson")) && r.stderr.contains("R1") && r.stderr.contains("point zones only"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output")
    }

    func testSpatialOutputsCarryPointAndLineGeometry() throws {
        let d = Fixtures.tempDir()
        func info(_ zones: String, _ ext: String) throws -> (GeotoolRun, String) {
            let out = d + "/\((zones as NSString).deletingPathExtension).\(ext)"
            let r = try runGeotool(["zonal", "--zones", Fixtures.path(dir + zones), "--id", "id",
                                    "--raster", "rain=\(Fixtures.path(dir + "rain.tif"))", "--quiet", "-o", out])
            return (r, r.status == 0 ? try runProcess("/usr/bin/ogrinfo", ["-so", "-al", out]).stdout : "")
        }
        for ext in ["gpkg", "geojson", "fgb", "shp"] {
            let (rs, schools) = try info("schools.geojson", ext)
            XCTAssertEqual(rs.status, 0, rs.stderr)
            XCTAssertTrue(schools.contains("Geometry: Multi Point") && schools.contains("Feature Count: 8"), "\(ext)\n\(schools)")
            let (rr, roads) = try info("roads.geojson", ext)
            XCTAssertEqual(rr.status, 0, rr.stderr)
            XCTAssertTrue(roads.contains("Line String") && roads.contains("Feature Count: 6"), "\(ext)\n\(roads)")
        }
        // A mixed layer: a layer of any type where the format allows it, one clear error for a shapefile.
        let (rm, mixed) = try info("mixed.geojson", "gpkg")
        XCTAssertEqual(rm.status, 0, rm.stderr)
        XCTAssertTrue(mixed.contains("Geometry: Unknown") && mixed.contains("Feature Count: 4"), mixed)
        let (bad, _) = try info("mixed.geojson", "shp")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("a shapefile holds one geometry type"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d + "/mixed.shp"))
    }

    func testBufferIsGeodesicOnAProjectedRaster() throws {
        // UTM 47N, 1 m cells of value 1 around the central meridian (easting 500000), where
        // the projection's scale is k0 = 0.9996: a geodesic disc of 300 m is 300 k0 map
        // units wide, so its covered area in map units is pi (300 k0)^2 times the 128-gon's
        // share (n / 2 pi) sin(2 pi / n); a disc drawn in map units would miss k0^2 (8e-4).
        let d = Fixtures.tempDir()
        let grid = Grid(left: 499_500, top: 2_000_500, dx: 1, dy: 1, cols: 1000, rows: 1000)
        try writeGeoTIFF(path: d + "/one.tif", grid: grid, bands: [[Float](repeating: 1, count: 1_000_000)], crs: "EPSG:32647")
        let zones = #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32647"}},"features":[{"type":"Feature","properties":{"id":"P"},"geometry":{"type":"Point","coordinates":[500000,2000000]}}]}"#
        try zones.write(toFile: d + "/p.geojson", atomically: true, encoding: .utf8)
        let r = try runGeotool(["zonal", "--zones", d + "/p.geojson", "--id", "id", "--raster", "v=\(d)/one.tif",
                                "--stats", "count", "--buffer", "300m", "--quiet", "-o", d + "/out.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let n = 128.0, k0 = 0.9996, rad = 300 * k0
        let expected = Double.pi * rad * rad * n / (2 * .pi) * sin(2 * .pi / n)
        assertRelative(try table(d + "/out.csv").value("P", "v_count"), expected, 1e-5, "disc of 300 m in UTM cells")
    }

    /// Points on grid lines and corners take the cell `gdallocationinfo -geoloc` gives (run
    /// live here): a 0.1-degree raster with origin (96.0, 17.0) and a 0.05-degree one on
    /// CHIRPS's grid (origin -180 + 5444 x 0.05 = 92.19999999999999, 22.0), probed at every
    /// 2-decimal coordinate on a 0.05-degree step (the way school registers round them), a
    /// little beyond the raster on each side. Each cell holds row * 1000 + col, so a point's
    /// mean names the cell geotool took. (96.1, 16.1) is row 9, column 1, as in GDAL,
    /// rasterio and rasterstats; `floor((x - x0) / dx)` gave row 8, column 0.
    func testPointsOnGridLinesTakeGDALsCell() throws {
        guard let locate = findProgram("gdallocationinfo") else { throw XCTSkip("gdallocationinfo not installed (gdal-bin)") }
        let d = Fixtures.tempDir()
        let cases: [(name: String, grid: Grid)] = [
            ("tenth", Grid(left: 96.0, top: 17.0, dx: 0.1, dy: 0.1, cols: 20, rows: 20)),
            ("chirps", Grid(left: -180.0 + 5444 * 0.05, top: 50.0 - 560 * 0.05, dx: 0.05, dy: 0.05, cols: 60, rows: 60)),
        ]
        var checked = 0
        for c in cases {
            let g = c.grid, tif = d + "/\(c.name).tif"
            let values = (0..<(g.rows * g.cols)).map { Float(($0 / g.cols) * 1000 + $0 % g.cols) }
            try writeGeoTIFF(path: tif, grid: g, bands: [values])
            // 2-decimal coordinates from a step beyond the left/top edge to one beyond the right/bottom.
            func ticks(_ from: Double, _ to: Double) -> [String] {
                let a = Int((from * 20).rounded(.down)) - 1, b = Int((to * 20).rounded(.up)) + 1
                return (a...b).map { String(format: "%.2f", Double($0) / 20) }
            }
            let xs = ticks(g.left, g.right), ys = ticks(g.bottom, g.top)
            var points: [(id: String, x: String, y: String)] = []
            for x in xs { for y in ys { points.append(("P\(points.count)", x, y)) } }
            let features = points.map { #"{"type":"Feature","properties":{"id":"\#($0.id)"},"geometry":{"type":"Point","coordinates":[\#($0.x),\#($0.y)]}}"# }
            try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}")
                .write(toFile: d + "/\(c.name).geojson", atomically: true, encoding: .utf8)
            try points.map { "\($0.x) \($0.y)\n" }.joined().write(toFile: d + "/\(c.name).txt", atomically: true, encoding: .utf8)
            // GDAL's answer: "Location: (<pixel>P,<line>L)" for each input line, in order.
            let gdal = try runShell([locate, "-geoloc", tif], redirect: "<\(d)/\(c.name).txt >\(d)/\(c.name).gdal 2>/dev/null")
            XCTAssertEqual(gdal.status, 0)
            let report = try String(contentsOfFile: d + "/\(c.name).gdal", encoding: .utf8)
            let locations = report.split(separator: "\n").compactMap { line -> (pixel: Int, line: Int)? in
                guard let open = line.range(of: "Location: ("), let p = line.range(of: "P,"), let l = line.range(of: "L)") else { return nil }
                return (Int(line[open.upperBound..<p.lowerBound])!, Int(line[p.upperBound..<l.lowerBound])!)
            }
            XCTAssertEqual(locations.count, points.count, "one location per point from gdallocationinfo")
            let out = d + "/\(c.name).csv"
            let r = try runGeotool(["zonal", "--zones", d + "/\(c.name).geojson", "--id", "id", "--raster", "v=\(tif)",
                                    "--stats", "count,mean", "--quiet", "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let t = try table(out)
            let mean = t.columns.firstIndex(of: "v_mean")!
            var got: [String: Double?] = [:]
            for row in t.rows { got[row[0].csv] = row[mean].doubleValue }
            var wrong: [String] = []
            for (k, p) in points.enumerated() {
                let loc = locations[k]
                let inside = loc.pixel >= 0 && loc.line >= 0 && loc.pixel < g.cols && loc.line < g.rows
                let expected: Double? = inside ? Double(loc.line * 1000 + loc.pixel) : nil
                if got[p.id] != expected { wrong.append("(\(p.x), \(p.y)): GDAL row \(loc.line) col \(loc.pixel), geotool \(String(describing: got[p.id] ?? nil))") }
                checked += 1
            }
            XCTAssertTrue(wrong.isEmpty, "\(c.name): \(wrong.count) of \(points.count) points in another cell than GDAL's: \(wrong.prefix(5))")
            if c.name == "tenth" {
                let k = points.firstIndex { $0.x == "96.10" && $0.y == "16.10" }!
                XCTAssertEqual(locations[k].line, 9); XCTAssertEqual(locations[k].pixel, 1)
                XCTAssertEqual(got[points[k].id] ?? nil, 9001, "(96.1, 16.1) is row 9, column 1")
            }
        }
        XCTAssertGreaterThan(checked, 5000)
    }
}
