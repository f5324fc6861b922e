import XCTest
import GeoCore
import GeoGDAL
import GeoJoin
import GeoTestSupport

/// `geotool join` on hand-made zones and points whose answers are known by construction
/// (TestRasters/join/README.md). Distances are checked against PROJ's `geod -I` (Karney's
/// algorithm, an independent implementation).
final class JoinTests: XCTestCase {
    let zones = Fixtures.path("join/zones.geojson")
    let zonesUTM = Fixtures.path("join/zones_utm47.gpkg")
    let pointsCSV = Fixtures.path("join/points.csv")

    // Rows of points.csv (0-based), by construction.
    let inside = 0, border = 1, near = 2, far = 3, swapped = 4, missing = 5, typo = 6
    let dupA = 7, dupB = 8, mismatch = 9, myanmar = 10, outOfRange = 11, vertex = 12

    func options(nearest: Double = 2000, check: Bool = true) -> PointJoinOptions {
        var o = PointJoinOptions(idField: "VT_PCODE")
        o.includeFields = ["TS_PCODE"]
        o.nearestMetres = nearest
        o.idColumn = "school_id"
        if check { o.checkColumn = "TS_PCODE" }
        return o
    }

    func join(_ zonesPath: String, _ o: PointJoinOptions, points: String? = nil) throws -> (PointTable, PointJoinResult) {
        let pts = try PointTable.read(path: points ?? pointsCSV)
        let r = try PointJoiner(zonesPath: zonesPath, options: o).join(pts)
        return (pts, r)
    }

    // MARK: geodesic

    func testVincentyAgainstReferences() {
        let e = Ellipsoid.wgs84
        // Vincenty (1975) test line Flinders Peak - Buninyong; geod -I gives 54972.271 m.
        XCTAssertEqual(e.distance(lon1: 144.42486789, lat1: -37.95103342, lon2: 143.92649554, lat2: -37.65282114), 54972.271, accuracy: 0.001)
        // geod -I +ellps=WGS84: "16.5 94.99 16.5 95" -> 1067.642; "16.5 94.9 16.5 95" -> 10676.415.
        XCTAssertEqual(e.distance(lon1: 94.99, lat1: 16.5, lon2: 95, lat2: 16.5), 1067.642, accuracy: 0.001)
        XCTAssertEqual(e.distance(lon1: 94.9, lat1: 16.5, lon2: 95, lat2: 16.5), 10676.415, accuracy: 0.001)
        // One degree of the equator is a * pi / 180.
        XCTAssertEqual(e.distance(lon1: 0, lat1: 0, lon2: 1, lat2: 0), 6_378_137 * .pi / 180, accuracy: 0.001)
        XCTAssertEqual(e.distance(lon1: 10, lat1: 20, lon2: 10, lat2: 20), 0)
    }

    // MARK: reading

    func testCSVReaderKeepsEveryRowAndField() throws {
        let p = try PointTable.read(path: pointsCSV)
        XCTAssertEqual(p.columns, ["school_id", "name", "latitude", "longitude", "TS_PCODE"], "BOM stripped, CRLF handled")
        XCTAssertEqual(p.count, 13, "13 data rows; the trailing blank line is not a row")
        XCTAssertEqual(p.fields(myanmar)[1], "ကျောင်း \"A\", line\ntwo", "quotes, comma, newline and Myanmar script survive")
        XCTAssertEqual(p.fields(myanmar)[2], "17.5")
        XCTAssertEqual(p.fields(0)[1], "Inside, one")
        XCTAssertEqual(p.xColumn, "longitude"); XCTAssertEqual(p.yColumn, "latitude")
        XCTAssertEqual(p.status[missing], .missing)
        XCTAssertEqual(p.status[typo], .invalid)
        XCTAssertEqual(p.status[inside], .ok)
        XCTAssertEqual(p.x[inside], 95.5); XCTAssertEqual(p.y[inside], 16.5)
        XCTAssertEqual(p.x[outOfRange], 300)
    }

    func testCoordinateParsing() {
        func parse(_ s: String) -> (CoordinateStatus, Double) {
            let b = Array(s.utf8)
            return b.withUnsafeBufferPointer { parseCoordinate($0, 0, $0.count, false) }
        }
        XCTAssertEqual(parse("95.311005").1, 95.311005)
        XCTAssertEqual(parse(" -16.25 ").1, -16.25)
        XCTAssertEqual(parse("1.5e1").1, 15)
        XCTAssertEqual(parse("17").1, 17)
        XCTAssertEqual(parse("0.1").1, 0.1, "correctly rounded, like strtod")
        XCTAssertEqual(parse("").0, .missing)
        XCTAssertEqual(parse("  ").0, .missing)
        XCTAssertEqual(parse("NA").0, .missing)
        for bad in ["96.1O", "17°30'N", "17,5", "0x10", "nan", "inf", "-", ".", "1.2.3"] {
            XCTAssertEqual(parse(bad).0, bad == "nan" ? .missing : .invalid, bad)
        }
    }

    // MARK: the rules

    func testEveryRuleOnHandMadeZones() throws {
        let (_, r) = try join(zones, options())
        XCTAssertEqual(r.match.count, 13)
        XCTAssertEqual(r.match[inside], .inside); XCTAssertEqual(r.zoneID(inside), "MMR001")
        XCTAssertEqual(r.distance[inside], 0)
        // lon 96 is shared by MMR001 and MMR002 (MMR002 is the first feature): lowest id wins.
        XCTAssertEqual(r.match[border], .border); XCTAssertEqual(r.zoneID(border), "MMR001")
        XCTAssertEqual(r.match[vertex], .border); XCTAssertEqual(r.zoneID(vertex), "MMR001", "corner of all three")
        // 0.01 degrees west of MMR001: 1067.642 m (geod -I), within 2 km.
        XCTAssertEqual(r.match[near], .nearest); XCTAssertEqual(r.zoneID(near), "MMR001")
        XCTAssertEqual(r.distance[near], 1067.642, accuracy: 1.0)
        // 10.7 km away: beyond 2 km.
        XCTAssertEqual(r.match[far], .outside); XCTAssertEqual(r.zoneID(far), "")
        // latitude 95.5 is impossible; exchanged it is inside MMR001: reported, not applied.
        XCTAssertEqual(r.match[swapped], .swappedCoords)
        XCTAssertEqual(r.zoneID(swapped), ""); XCTAssertEqual(r.swappedID(swapped), "MMR001")
        XCTAssertEqual(r.match[missing], .missingCoords)
        XCTAssertEqual(r.match[typo], .invalidCoords)
        XCTAssertEqual(r.match[outOfRange], .invalidCoords, "out of range either way round")
        // Same school_id twice: both flagged, both keep their spatial P-code.
        XCTAssertEqual(r.match[dupA], .duplicateID); XCTAssertEqual(r.zoneID(dupA), "MMR002")
        XCTAssertEqual(r.match[dupB], .duplicateID); XCTAssertEqual(r.zoneID(dupB), "MMR002")
        XCTAssertEqual(r.spatial[dupA], .inside)
        // Register says TS9, the zone found says TS2.
        XCTAssertEqual(r.match[mismatch], .mismatch); XCTAssertEqual(r.zoneID(mismatch), "MMR002")
        XCTAssertEqual(r.foundCode(mismatch), "TS2"); XCTAssertEqual(r.register[mismatch], "TS9")
        XCTAssertEqual(r.match[myanmar], .inside); XCTAssertEqual(r.zoneID(myanmar), "MMR003")
        // Invariant: the counts add up to the rows.
        XCTAssertEqual(r.counts.reduce(0) { $0 + $1.1 }, 13)
    }

    func testNoNearestSearchByDefault() throws {
        let (_, r) = try join(zones, options(nearest: 0, check: false))
        XCTAssertEqual(r.match[near], .outside)
        XCTAssertTrue(r.distance[near].isNaN)
        XCTAssertEqual(r.match[mismatch], .inside, "no --check-col, no mismatch")
    }

    func testNearestRadiusIsInclusiveOfTheDistanceOnly() throws {
        // 1067.6 m: found with 1.1 km, not with 1 km.
        XCTAssertEqual(try join(zones, options(nearest: 1100)).1.match[near], .nearest)
        XCTAssertEqual(try join(zones, options(nearest: 1000)).1.match[near], .outside)
        // 10676.4 m: found with 11 km.
        let r = try join(zones, options(nearest: 11000)).1
        XCTAssertEqual(r.match[far], .nearest)
        XCTAssertEqual(r.distance[far], 10676.415, accuracy: 1.0)
    }

    func testProjectedZonesWithGeographicPoints() throws {
        let (_, r) = try join(zonesUTM, options())
        XCTAssertEqual(r.match[inside], .inside); XCTAssertEqual(r.zoneID(inside), "MMR001")
        XCTAssertEqual(r.match[vertex], .border); XCTAssertEqual(r.zoneID(vertex), "MMR001")
        XCTAssertEqual(r.match[border], .border); XCTAssertEqual(r.zoneID(border), "MMR001")
        XCTAssertEqual(r.match[myanmar], .inside); XCTAssertEqual(r.zoneID(myanmar), "MMR003")
        XCTAssertEqual(r.match[swapped], .swappedCoords); XCTAssertEqual(r.swappedID(swapped), "MMR001")
        XCTAssertEqual(r.match[near], .nearest)
        XCTAssertEqual(r.distance[near], 1067.642, accuracy: 1.0, "geodesic metres, not UTM grid metres")
        XCTAssertEqual(r.match[far], .outside)
    }

    func testBorderTolerance() throws {
        // 1e-6 degrees east of the MMR001/MMR002 border at 16.5 N is about 0.107 m.
        let dir = Fixtures.tempDir()
        let csv = dir + "/p.csv"
        try "id,lat,lon\na,16.5,96.000001\nb,16.5,96.00001\n".write(toFile: csv, atomically: true, encoding: .utf8)
        var o = PointJoinOptions(idField: "VT_PCODE")
        let pts = try PointTable.read(path: csv)
        let r = try PointJoiner(zonesPath: zones, options: o).join(pts)   // default 0.2 m
        // Inside MMR002, within the tolerance of MMR001: on the border, but in MMR002 (not the lower id).
        XCTAssertEqual(r.match[0], .border); XCTAssertEqual(r.zoneID(0), "MMR002")
        XCTAssertEqual(r.borderIDs(0), "MMR001")
        XCTAssertEqual(r.match[1], .inside, "1.07 m from the border"); XCTAssertEqual(r.zoneID(1), "MMR002")
        o.borderToleranceMetres = 0
        let exact = try PointJoiner(zonesPath: zones, options: o).join(pts)
        XCTAssertEqual(exact.match[0], .inside); XCTAssertEqual(exact.zoneID(0), "MMR002")
    }

    // MARK: output

    func testCSVOutputKeepsRowsAndAddsColumns() throws {
        let (pts, r) = try join(zones, options())
        let dir = Fixtures.tempDir()
        let out = dir + "/out.csv"
        try r.write(pts, to: out)
        // Read back with the same RFC 4180 reader: every row, every original field.
        let back = try PointTable.read(path: out)
        XCTAssertEqual(back.columns, ["school_id", "name", "latitude", "longitude", "TS_PCODE",
                                      "VT_PCODE", "found_TS_PCODE", "match", "distance_m", "swapped_VT_PCODE", "flags"])
        XCTAssertEqual(back.count, pts.count)
        for i in 0..<pts.count { XCTAssertEqual(Array(back.fields(i).prefix(5)), pts.fields(i), "row \(i)") }
        XCTAssertEqual(back.fields(myanmar)[1], "ကျောင်း \"A\", line\ntwo")
        XCTAssertEqual(back.fields(border)[5...7], ["MMR001", "TS1", "border"])
        XCTAssertEqual(back.fields(swapped)[5], ""); XCTAssertEqual(back.fields(swapped)[9], "MMR001")
        XCTAssertEqual(Double(back.fields(near)[8])!, 1067.642, accuracy: 1.0)
        // The QA report lists exactly the rows that are not a clean inside match.
        let qa = r.report(pts, idColumn: "school_id", checkColumn: "TS_PCODE")
        let notInside = r.match.indices.filter { r.match[$0] != .inside }.map { Double($0 + 1) }
        XCTAssertEqual(qa.column("row")?.compactMap(\.doubleValue), notInside)
        XCTAssertFalse(notInside.contains(Double(inside + 1)))
    }

    // MARK: bad input (the binary, as a user runs it)

    func testBadInputGivesOneLineAndNoOutput() throws {
        let dir = Fixtures.tempDir()
        let out = dir + "/out.csv"
        let noCoords = dir + "/nocoords.csv"
        try "id,name\n1,a\n".write(toFile: noCoords, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--points", noCoords, "--zones", zones, "--id", "VT_PCODE"], noCoords),
            (["--points", dir + "/missing.csv", "--zones", zones, "--id", "VT_PCODE"], "no such file"),
            (["--points", pointsCSV, "--zones", zones, "--id", "NOPE"], "NOPE"),
            (["--points", pointsCSV, "--zones", zones, "--id", "VT_PCODE", "--nearest", "2mi"], "--nearest"),
            (["--points", pointsCSV, "--zones", dir + "/nozones.gpkg", "--id", "VT_PCODE"], "nozones.gpkg"),
            (["--points", pointsCSV, "--zones", zones, "--id", "VT_PCODE", "--id-col", "nope"], "nope"),
        ]
        for (args, expect) in cases {
            let r = try runGeotool(["join"] + args + ["-o", out])
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("geotool: error: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(expect), "\(r.stderr) should mention \(expect)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output file after: \(r.stderr)")
        }
        // And a good run does write it.
        let ok = try runGeotool(["join", "--points", pointsCSV, "--zones", zones, "--id", "VT_PCODE", "-o", out])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
    }
}

/// A register whose cells would run as spreadsheet formulas: written neutralised by default,
/// verbatim with --no-formula-guard; negative coordinates stay numbers.
final class JoinFormulaGuardTests: XCTestCase {
    func testJoinCSVNeutralisesFormulas() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/pts.csv"
        try "id,name,lon,lat\n=HYPERLINK(\"http://x\"),ok,96.1,16.8\nS2,-5,-96.2,16.9\n".write(toFile: pts, atomically: true, encoding: .utf8)
        let zones = Fixtures.path("mimu/townships.json")
        var r = try runGeotool(["join", "--points", pts, "--zones", zones, "--id", "TS_PCODE", "-o", dir + "/out.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].hasPrefix("\"'=HYPERLINK(\"\"http://x\"\")\",ok,96.1,16.8,"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("S2,-5,-96.2,16.9,"), lines[2])
        r = try runGeotool(["join", "--points", pts, "--zones", zones, "--id", "TS_PCODE", "-o", dir + "/raw.csv", "--no-formula-guard"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let raw = try String(contentsOfFile: dir + "/raw.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(raw[1].hasPrefix("=HYPERLINK(\"http://x\"),ok,"), raw[1])
    }
}
