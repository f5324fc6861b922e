import XCTest
import GeoCore
import GeoJoin
import GeoTestSupport

/// Points from an OGR layer keep their position in a table without geometry, and identical
/// register rows are flagged `duplicate_row` without `--id-col`. Zones: TestRasters/join
/// (MMR001 = lon 95..96 x lat 16..17, MMR002 = 96..97 x 16..17, MMR003 = 95..97 x 17..18).
final class PointLayerRowsTests: XCTestCase {
    let zones = Fixtures.path("join/zones.geojson")

    /// The coordinates as written in the GeoJSON below (strings, so the expected numbers
    /// come from the text, not from any reader).
    static let positions: [(id: String, x: String, y: String)] = [
        ("S1", "95.123456789012", "16.987654321098"),
        ("S2", "96.5", "16.25"),
        ("S3", "95.000001", "17.999999"),
    ]

    func geojson(extraProperties: (Int) -> String = { _ in "" }) -> String {
        var features = Self.positions.enumerated().map { i, p in
            #"{"type": "Feature", "properties": {"school_id": "\#(p.id)", "name": "School \#(i)"\#(extraProperties(i))}, "geometry": {"type": "Point", "coordinates": [\#(p.x), \#(p.y)]}}"#
        }
        features.append(#"{"type": "Feature", "properties": {"school_id": "S4", "name": "No position"\#(extraProperties(3))}, "geometry": null}"#)
        return "{\"type\": \"FeatureCollection\", \"features\": [\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// A CSV without quoted fields, as header -> column values.
    func readCSV(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines[0], Array(lines.dropFirst()))
    }

    // MARK: coordinates of an OGR point layer

    func testGeoJSONPointsKeepLongitudeAndLatitudeInCSV() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/schools.geojson", out = dir + "/out.csv"
        try geojson().write(toFile: pts, atomically: true, encoding: .utf8)
        let r = try runGeotool(["join", "--points", pts, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (header, rows) = try readCSV(out)
        XCTAssertEqual(Array(header.prefix(4)), ["school_id", "name", "longitude", "latitude"], "the layer's fields, then its position")
        XCTAssertEqual(rows.count, 4)
        for (i, p) in Self.positions.enumerated() {
            XCTAssertEqual(rows[i][0], p.id)
            XCTAssertEqual(Double(rows[i][2]), Double(p.x), "longitude of \(p.id) as in the GeoJSON text")
            XCTAssertEqual(Double(rows[i][3]), Double(p.y), "latitude of \(p.id) as in the GeoJSON text")
        }
        XCTAssertEqual(rows[3][2], ""); XCTAssertEqual(rows[3][3], "", "no geometry: no position")
        XCTAssertEqual(rows[0][4], "MMR001"); XCTAssertEqual(rows[1][4], "MMR002")

        // The library says where they come from (the PostgreSQL metadata carries it).
        let table = try PointTable.read(path: pts)
        XCTAssertEqual(table.coordinates, .fromGeometry(x: "longitude", y: "latitude"))
        XCTAssertTrue(table.coordinatesNote().contains("EPSG:4326"), table.coordinatesNote())
    }

    func testProjectedGeoPackageKeepsXAndYInItsCRS() throws {
        let dir = Fixtures.tempDir()
        let src = dir + "/schools.geojson", gpkg = dir + "/schools_utm.gpkg", out = dir + "/out.csv", xlsxOut = dir + "/out.xlsx"
        try geojson().write(toFile: src, atomically: true, encoding: .utf8)
        let made = try runProcess("/usr/bin/ogr2ogr", ["-f", "GPKG", "-t_srs", "EPSG:32647", gpkg, src])
        XCTAssertEqual(made.status, 0, made.stderr)
        // The positions in the GeoPackage, read by ogrinfo: "POINT (x y)" per feature.
        let info = try runProcess("/usr/bin/ogrinfo", ["-al", "-q", gpkg]).stdout
        let re = try NSRegularExpression(pattern: #"POINT \(([-0-9.e+]+) ([-0-9.e+]+)\)"#)
        let points = re.matches(in: info, range: NSRange(info.startIndex..., in: info)).map { m in
            (Double(info[Range(m.range(at: 1), in: info)!])!, Double(info[Range(m.range(at: 2), in: info)!])!)
        }
        XCTAssertEqual(points.count, 3, info)
        let r = try runGeotool(["join", "--points", gpkg, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (header, rows) = try readCSV(out)
        XCTAssertEqual(Array(header.prefix(4)), ["school_id", "name", "x", "y"], "a projected CRS: x and y, in metres")
        for (i, p) in points.enumerated() {
            XCTAssertEqual(Double(rows[i][2])!, p.0, accuracy: 1e-6)
            XCTAssertEqual(Double(rows[i][3])!, p.1, accuracy: 1e-6)
            XCTAssertGreaterThan(Double(rows[i][3])!, 1_000_000, "northings in metres, not degrees")
        }
        XCTAssertEqual(rows[0][4], "MMR001", "located through the layer's CRS")
        // Excel holds them as numbers.
        XCTAssertEqual(try runGeotool(["join", "--points", gpkg, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", xlsxOut]).status, 0)
        let t = try PointTable.read(path: gpkg)
        XCTAssertEqual(t.coordinates, .fromGeometry(x: "x", y: "y"))
        XCTAssertTrue(t.coordinatesNote().contains("32647"), t.coordinatesNote())
    }

    func testALayerWithItsOwnCoordinateFieldsKeepsThem() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/schools.geojson", out = dir + "/out.csv"
        // Fields lon/lat, as a register converted to GeoJSON has them.
        let text = geojson { i in i < 3 ? #", "lon": "\#(Self.positions[i].x)", "lat": "\#(Self.positions[i].y)""# : #", "lon": "", "lat": """# }
        try text.write(toFile: pts, atomically: true, encoding: .utf8)
        let r = try runGeotool(["join", "--points", pts, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (header, rows) = try readCSV(out)
        XCTAssertEqual(Array(header.prefix(5)), ["school_id", "name", "lon", "lat", "VT_PCODE"], "no second pair of coordinates")
        XCTAssertEqual(rows[0][2], Self.positions[0].x, "the layer's own text")
        XCTAssertEqual(try PointTable.read(path: pts).coordinates, .given(x: "lon", y: "lat"))
    }

    // MARK: identical rows

    /// Register rows (1-based in comments), by construction:
    ///  1 S1 Alpha 16.5/95.5   identical to 3 (16.50 is the same latitude)
    ///  2 S2 Beta  16.5/95.5   same position as 1, another school: not flagged
    ///  3 S1 Alpha 16.50/95.5
    ///  4 S3 Gamma 17.2/96.5   identical to 5
    ///  5 S3 Gamma 17.2/96.5
    ///  6 S3 Gamma 17.2/96.6   one coordinate differs: not flagged
    ///  7 S3 "Gamma " ...      the name differs (a trailing space): not flagged
    ///  8 S4 Delta blank       identical to 9 (both without a position)
    ///  9 S4 Delta blank
    /// 10 S5 Eps 16.2/96.2, 11 S5 Eps 16.2/96.2, 12 S5 Eps 16.2/96.2: three identical
    static let register = """
    school_id,name,latitude,longitude
    S1,Alpha,16.5,95.5
    S2,Beta,16.5,95.5
    S1,Alpha,16.50,95.5
    S3,Gamma,17.2,96.5
    S3,Gamma,17.2,96.5
    S3,Gamma,17.2,96.6
    S3,Gamma ,17.2,96.5
    S4,Delta,,
    S4,Delta,,
    S5,Eps,16.2,96.2
    S5,Eps,16.2,96.2
    S5,Eps,16.2,96.2

    """
    static let identical: [Int: [Int]] = [0: [2], 2: [0], 3: [4], 4: [3], 7: [8], 8: [7], 9: [10, 11], 10: [9, 11], 11: [9, 10]]

    func testIdenticalRowsAreFlaggedWithoutIdColumn() throws {
        let dir = Fixtures.tempDir()
        let reg = dir + "/register.csv", out = dir + "/out.csv", qa = dir + "/qa.csv"
        try Self.register.write(toFile: reg, atomically: true, encoding: .utf8)
        // The same positions with every row made distinct (a row number added): the match
        // each row must keep.
        var lines = Self.register.split(separator: "\n").map(String.init)
        lines = [lines[0] + ",n"] + lines.dropFirst().enumerated().map { "\($1),\($0)" }
        let distinct = dir + "/distinct.csv", distinctOut = dir + "/distinct_out.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: distinct, atomically: true, encoding: .utf8)
        XCTAssertEqual(try runGeotool(["join", "--points", distinct, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", distinctOut]).status, 0)
        let expectedMatch = try readCSV(distinctOut).rows.map { $0[6] }

        let r = try runGeotool(["join", "--points", reg, "--zones", zones, "--id", "VT_PCODE", "--quiet", "-o", out, "--report", qa])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (header, rows) = try readCSV(out)
        let m = header.firstIndex(of: "match")!, f = header.firstIndex(of: "flags")!
        XCTAssertEqual(rows.count, 12)
        XCTAssertEqual(rows.map { $0[m] }, expectedMatch, "match is never changed by duplicate_row")
        for (i, row) in rows.enumerated() {
            let flags = row[f].split(separator: ";").map(String.init)
            XCTAssertEqual(flags.contains("duplicate_row"), Self.identical[i] != nil, "row \(i + 1): \(row)")
            if Self.identical[i] != nil { XCTAssertEqual(flags.last, "duplicate_row", "listed last") }
            if row[m] == "inside" && Self.identical[i] == nil { XCTAssertEqual(row[f], "", "a clean row has no flag") }
        }
        XCTAssertEqual(rows[7][f], "missing_coords;duplicate_row")
        XCTAssertTrue(r.stderr.contains("9 row(s) flagged duplicate_row"), r.stderr)

        // The QA report lists every flagged row, naming the rows it repeats.
        let report = try PointTable.read(path: qa)
        let qaRows = Set(report.column("row")!.compactMap { Int($0) }.map { $0 - 1 })
        XCTAssertTrue(Set(Self.identical.keys).isSubset(of: qaRows), "\(qaRows)")
        let actions = report.column("action")!, numbers = report.column("row")!
        let twelve = actions[numbers.firstIndex(of: "12")!]
        XCTAssertTrue(twelve.contains("rows 10 and 11"), twelve)

        // With --id-col the repeated id is flagged too, and both flags are listed.
        let withID = dir + "/with_id.csv"
        XCTAssertEqual(try runGeotool(["join", "--points", reg, "--zones", zones, "--id", "VT_PCODE", "--id-col", "school_id", "--quiet", "-o", withID]).status, 0)
        let idRows = try readCSV(withID).rows
        XCTAssertEqual(idRows[0][m], "duplicate_id"); XCTAssertEqual(idRows[0][f], "duplicate_id;duplicate_row")
        XCTAssertEqual(idRows[1][f], "", "S2 is unique")
        XCTAssertEqual(idRows[5][f], "duplicate_id", "S3 repeated, but this row is not identical to another")
    }

    func testIdenticalRowsOfAPointLayer() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/schools.geojson"
        // Features 0 and 3 identical (S1 twice); 1 and 2 at one position with other names.
        let text = """
        {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"school_id": "S1", "name": "A"}, "geometry": {"type": "Point", "coordinates": [95.5, 16.5]}},
        {"type": "Feature", "properties": {"school_id": "S2", "name": "B"}, "geometry": {"type": "Point", "coordinates": [96.5, 16.5]}},
        {"type": "Feature", "properties": {"school_id": "S2", "name": "C"}, "geometry": {"type": "Point", "coordinates": [96.5, 16.5]}},
        {"type": "Feature", "properties": {"school_id": "S1", "name": "A"}, "geometry": {"type": "Point", "coordinates": [95.5, 16.5]}},
        {"type": "Feature", "properties": {"school_id": "S1", "name": "A"}, "geometry": {"type": "Point", "coordinates": [95.5, 16.6]}}
        ]}
        """
        try text.write(toFile: pts, atomically: true, encoding: .utf8)
        let table = try PointTable.read(path: pts)
        let r = try PointJoiner(zonesPath: zones, options: PointJoinOptions(idField: "VT_PCODE")).join(table)
        XCTAssertEqual(r.identicalRows, [[0, 3]])
        XCTAssertEqual((0..<5).map { r.flagsText($0) }, ["duplicate_row", "", "", "duplicate_row", ""])
        XCTAssertEqual((0..<5).map { r.match[$0] }, Array(repeating: .inside, count: 5))
    }
}
