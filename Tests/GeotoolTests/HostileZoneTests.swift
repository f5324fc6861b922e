import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Hostile zones layers: broken files, folders, points and lines, open rings, far-away and
/// mistyped vertices, duplicate and blank ids.
final class HostileZoneTests: HostileTestCase {

    func refuse(_ zones: String, mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try raster16(), out = p("out.csv")
        let before = snapshot([r, zones])
        let run = try zonal(zones, r, out)
        assertError(run, names: zones, mentions: mentions, output: out, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testEmptyZonesFile() throws {
        try refuse(write("z.geojson", bytes: []))
    }

    func testTruncatedGeoJSON() throws {
        let full = try String(contentsOfFile: zonesAB("full.geojson"), encoding: .utf8)
        try refuse(write("z.geojson", String(full.prefix(full.count / 2))))
    }

    func testGarbageGeoPackage() throws {
        try refuse(write("z.gpkg", bytes: Array("SQLite format 3\0".utf8) + garbage(8000)))
    }

    func testCSVAsZones() throws {
        try refuse(write("z.csv", "zid,name\nA,x\n"))
    }

    func testRasterAsZones() throws {
        try refuse(try raster16("z.tif"))
    }

    func testSymlinkLoopAsZones() throws {
        let link = p("loop.geojson")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: link)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(link, r, out)
        assertError(run, names: link, output: out)
    }

    func testFolderOfShapefilesAsZones() throws {
        let folder = p("shapes")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let a = zones("a.geojson", [("A", [rect(0, 0, 2, 4)])]), b = zones("b.geojson", [("B", [rect(2, 0, 4, 4)])])
        try gdal("ogr2ogr", ["-f", "ESRI Shapefile", folder + "/a.shp", a])
        try gdal("ogr2ogr", ["-f", "ESRI Shapefile", folder + "/b.shp", b])
        // Two layers and no --layer: which one is "the first" depends on the folder listing.
        try refuse(folder, mentions: ["layer"])
    }

    func testPointsAsZonesTakeTheirCell() throws {
        // raster16: cell (row, col) holds row * 4 + col + 1, rows from lat 4 down. (1, 1) is a
        // corner: the cell right and below, row 3 col 1 (14); (3, 3) is row 1 col 3 (8).
        let z = write("pts.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "P"}, "geometry": {"type": "Point", "coordinates": [1, 1]}}, {"type": "Feature", "properties": {"zid": "Q"}, "geometry": {"type": "Point", "coordinates": [3, 3]}}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(value(out, "P", "r_count"), 1); XCTAssertEqual(value(out, "P", "r_mean"), 14)
        XCTAssertEqual(value(out, "Q", "r_count"), 1); XCTAssertEqual(value(out, "Q", "r_mean"), 8)
    }

    func testLinesAsZonesAreLengthWeighted() throws {
        // The diagonal (0, 0)-(4, 4) crosses cells (3, 0), (2, 1), (1, 2), (0, 3) (values 13,
        // 10, 7, 4), sqrt(2) degrees in each.
        let z = write("lines.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "L"}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [4, 4]]}}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(value(out, "L", "r_count") ?? 0, 4 * 2.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(value(out, "L", "r_mean") ?? 0, 8.5, accuracy: 1e-9)
    }

    func testUnclosedRingIsClosed() throws {
        let z = zones("z.geojson", [("A", [[(0, 0), (2, 0), (2, 4), (0, 4)]]), ("B", [rect(2, 0, 4, 4)])])
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 8, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
    }

    func testPolygonReachingX1e20() throws {
        let z = zones("z.geojson", [("A", [rect(0, 0, 2, 4)]), ("FAR", [[(2, 0), (1e20, 2), (2, 4), (2, 0)]])])
        let r = try raster16(), out = p("out.csv")
        let before = snapshot([z, r])
        let run = try zonal(z, r, out)
        XCTAssertFalse(run.signalled, "no crash or hang: \(run)")
        if run.status == 0 {
            XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
            XCTAssertTrue(run.warningLines.contains { $0.contains("FAR") }, "the far zone is reported: \(run)")
        } else {
            assertError(run, names: z, output: out)
        }
        assertUnchanged(before)
    }

    /// A WGS 84 zones layer over a UTM raster where one vertex reads 962.0 for 96.2: the
    /// other zones are still reprojected and right, the bad one is reported.
    func testBadVertexDoesNotTurnReprojectionOff() throws {
        let src = try raster("ll.tif", cols: 400, rows: 400, values: Array(repeating: 2, count: 160_000), left: 94, top: 19, cell: 0.01)
        try gdal("gdalwarp", ["-q", "-t_srs", "EPSG:32647", "-tr", "1000", "1000", "-r", "near", src, p("utm.tif")])
        func layer(_ bad: Bool) -> String {
            zones(bad ? "bad.geojson" : "good.geojson", [
                ("MMR001", [rect(95, 16, 96, 17)]), ("MMR002", [rect(96, 16, 97, 17)]),
                ("MMR003", [[(95, 17), (97, 17), (97, 18), (bad ? 962.0 : 96.2, 18), (95, 18), (95, 17)]]),
            ])
        }
        let good = layer(false), bad = layer(true)
        let ref = try zonal(good, p("utm.tif"), p("ref.csv"), stats: "count,sum")
        assertSuccess(ref, output: p("ref.csv"))
        let run = try zonal(bad, p("utm.tif"), p("out.csv"), stats: "count,sum")
        assertSuccess(run, output: p("out.csv"))
        for id in ["MMR001", "MMR002"] {
            let want = value(p("ref.csv"), id, "r_count") ?? -1
            XCTAssertGreaterThan(want, 10_000)
            assertRelative(value(p("out.csv"), id, "r_count"), want, 1e-9, "\(id) count")
            assertRelative(value(p("out.csv"), id, "r_sum"), value(p("ref.csv"), id, "r_sum"), 1e-9, "\(id) sum")
        }
        XCTAssertTrue(run.warningLines.contains { $0.contains("MMR003") }, "the zone with the bad vertex is reported: \(run)")
    }

    func testDuplicateIDsRefused() throws {
        let z = zones("z.geojson", [("A", [rect(0, 0, 2, 4)]), ("A", [rect(2, 0, 4, 4)])])
        try refuse(z, mentions: ["A"])
    }

    func testBlankIDsRefused() throws {
        let z = zones("z.geojson", [("A", [rect(0, 0, 2, 2)]), ("", [rect(2, 0, 4, 4)]), (nil, [rect(0, 2, 2, 4)])])
        try refuse(z)
    }

    func testDuplicateIDsAllowedKeepBothRows() throws {
        let z = zones("z.geojson", [("A", [rect(0, 0, 2, 4)]), ("A", [rect(2, 0, 4, 4)])])
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out, extra: ["--allow-duplicate-ids"])
        assertSuccess(run, output: out)
        assertWarning(run, ["A"])
        let rows = table(out)?.rows.filter { $0[0] == .text("A") } ?? []
        XCTAssertEqual(rows.count, 2)
        let means = Set(rows.compactMap { $0[2].doubleValue })
        XCTAssertEqual(means, [7.5, 9.5])
    }

    func testNullGeometryKeepsItsRow() throws {
        let z = write("z.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "A"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 4], [0, 4], [0, 0]]]}}, {"type": "Feature", "properties": {"zid": "N"}, "geometry": null}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        assertWarning(run, ["N"])
        XCTAssertEqual(value(out, "N", "r_count") ?? -1, 0)
        XCTAssertNil(value(out, "N", "r_mean"))
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
    }

    func testBowtieIsRepairedNotHalved() throws {
        let z = zones("z.geojson", [("X", [[(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)]])])
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "X", "r_count") ?? -1, 2, accuracy: 1e-9, "both triangles of the bow tie count")
        XCTAssertFalse(run.warningLines.isEmpty, "the repair is reported")
    }

    func testHoleWithShellOrientationStillAHole() throws {
        // The hole is wound like the shell (both counter-clockwise).
        let z = zones("z.geojson", [("H", [rect(0, 0, 2, 4), rect(0.5, 1, 1.5, 3)])])
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "H", "r_count") ?? -1, 6, accuracy: 1e-9)
    }

    func testGeoJSONWithByteOrderMark() throws {
        let text = try String(contentsOfFile: zonesAB("plain.geojson"), encoding: .utf8)
        let z = write("bom.geojson", "\u{FEFF}" + text)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "B", "r_mean") ?? -1, 9.5, accuracy: 1e-9)
    }

    func testMissingIDFieldNamesTheFile() throws {
        let z = zonesAB(), r = try raster16(), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "PCODE", "--raster", "r=\(r)", "-o", out])
        assertError(run, names: z, mentions: ["PCODE"], output: out)
    }

    func testMixedPointAmongPolygons() throws {
        let z = write("z.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "A"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 4], [0, 4], [0, 0]]]}}, {"type": "Feature", "properties": {"zid": "P"}, "geometry": {"type": "Point", "coordinates": [3, 3]}}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
        // Issue 15: the point is summarised by its cell (row 1, col 3: 8), not left empty.
        XCTAssertEqual(value(out, "P", "r_count"), 1)
        XCTAssertEqual(value(out, "P", "r_mean"), 8)
    }

    /// Found by Fuzz/csv: a text field holding "\r\n" was written unquoted (Swift sees CRLF as
    /// one Character, neither "\r" nor "\n"), splitting the record in two.
    func testAttributeWithCRLFStaysOneRecord() throws {
        let z = write("z.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "A", "name": "two\r\nlines"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 4], [0, 4], [0, 0]]]}}, {"type": "Feature", "properties": {"zid": "B", "name": "plain"}, "geometry": {"type": "Polygon", "coordinates": [[[2, 0], [4, 0], [4, 4], [2, 4], [2, 0]]]}}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out, extra: ["--include-cols", "name"])
        assertSuccess(run, output: out)
        XCTAssertEqual(table(out)?.rows.count, 2, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        XCTAssertEqual(text(out, "A", "name").map { $0.contains("two\r\nlines") }, true)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
    }

    /// Found by Fuzz/csv: a comma followed by a combining mark is one Character (",\u{301}"),
    /// not ",", so the field was written unquoted and split into two columns.
    func testAttributeWithCommaAndCombiningMarkStaysOneField() throws {
        let z = write("z.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zid": "A", "name": "x,\u0301y"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 4], [0, 4], [0, 0]]]}}]}"#)
        let r = try raster16(), out = p("out.csv")
        let run = try zonal(z, r, out, extra: ["--include-cols", "name"])
        assertSuccess(run, output: out)
        XCTAssertEqual(table(out)?.rows.first?.count, 4, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 8, accuracy: 1e-9)
    }
}
