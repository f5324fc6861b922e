import XCTest
import GeoCore
import GeoJoin
import GeoTestSupport

/// The border rule, every flag of a row, `border_ok` and the QA report, on zones and points
/// made in metres (UTM 47N) so that every answer is known by construction:
///
///     P9  x 500200..500400, y 1800200..1800400   (overlaps P2; listed first)
///     P2  x 500000..501000, y 1800000..1801000
///     P1  x 501000..502000, y 1800000..1801000   (shares the edge x = 501000 with P2)
///
/// Field TS: T9, T2, T1. The rule is also checked against an independent implementation
/// with GEOS through shapely (polygon covers and distance).
final class RegisterTests: XCTestCase {
    static let zonesJSON = """
    {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}},
     "features": [
      {"type": "Feature", "properties": {"ID": "P9", "TS": "T9"}, "geometry": {"type": "Polygon", "coordinates":
        [[[500200, 1800200], [500400, 1800200], [500400, 1800400], [500200, 1800400], [500200, 1800200]]]}},
      {"type": "Feature", "properties": {"ID": "P2", "TS": "T2"}, "geometry": {"type": "Polygon", "coordinates":
        [[[500000, 1800000], [501000, 1800000], [501000, 1801000], [500000, 1801000], [500000, 1800000]]]}},
      {"type": "Feature", "properties": {"ID": "P1", "TS": "T1"}, "geometry": {"type": "Polygon", "coordinates":
        [[[501000, 1800000], [502000, 1800000], [502000, 1801000], [501000, 1801000], [501000, 1800000]]]}}
     ]}
    """
    // Rows (0-based) and what each is, by construction.
    static let pointsCSV = """
    school_id,name,x,y,TS
    A01,Inside P2 0.1 m from P1,500999.9,1800500,T2
    A02,On the shared edge,501000,1800500,T1
    A03,In the overlap of P2 and P9,500300,1800300,T2
    A04,Inside P2 0.3 m from P1,500999.7,1800500,T2
    A05,Register names the neighbour,500999.9,1800600,T1
    A06,Register names neither,500999.9,1800700,T5
    A07,Duplicate with blank x,,1800500,T2
    A07,Duplicate,500500,1800500,T2
    A08,0.1 m outside P2 only,499999.9,1800500,T2
    A09,On the edge; register names the higher id,501000,1800800,T2

    """
    let nearB = 0, edge = 1, overlap = 2, clear = 3, neighbourCode = 4, neither = 5
    let dupBlank = 6, dup = 7, justOutside = 8, edgeHigher = 9

    var dir = ""
    var zones: String { dir + "/zones.geojson" }
    var points: String { dir + "/points.csv" }

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        try Self.zonesJSON.write(toFile: zones, atomically: true, encoding: .utf8)
        try Self.pointsCSV.write(toFile: points, atomically: true, encoding: .utf8)
    }

    func join(tolerance: Double = 0.2, check: Bool = true) throws -> (PointTable, PointJoinResult) {
        var o = PointJoinOptions(idField: "ID")
        o.pointsCRS = "EPSG:32647"
        o.borderToleranceMetres = tolerance
        o.idColumn = "school_id"
        if check { o.checkColumn = "TS" }
        let pts = try PointTable.read(path: points)
        return (pts, try PointJoiner(zonesPath: zones, options: o).join(pts))
    }

    func testAPointInsideOneZoneKeepsItNearAnother() throws {
        let (_, r) = try join()
        // Inside P2, 0.1 m from P1 (a lower id): P2, flagged border, the id order not used.
        XCTAssertEqual(r.zoneID(nearB), "P2"); XCTAssertEqual(r.spatial[nearB], .border)
        XCTAssertEqual(r.borders[nearB], BorderZones(others: [2], tieBreak: false), "P1 is the other zone (feature 2)")
        XCTAssertEqual(r.borderIDs(nearB), "P1")
        // 0.3 m from P1: beyond the tolerance, a clean inside match.
        XCTAssertEqual(r.zoneID(clear), "P2"); XCTAssertEqual(r.match[clear], .inside)
        // On the shared edge both cover it: the lowest id.
        XCTAssertEqual(r.zoneID(edge), "P1"); XCTAssertEqual(r.spatial[edge], .border)
        XCTAssertEqual(r.borders[edge]?.tieBreak, true); XCTAssertEqual(r.borderIDs(edge), "P2")
        // In the overlap of P2 and P9 (P9 listed first): the lowest id.
        XCTAssertEqual(r.zoneID(overlap), "P2"); XCTAssertEqual(r.spatial[overlap], .border)
        XCTAssertEqual(r.borders[overlap]?.tieBreak, true); XCTAssertEqual(r.borderIDs(overlap), "P9")
        // 0.1 m outside P2 and far from every other zone: P2, inside (the tolerance absorbs rounding).
        XCTAssertEqual(r.zoneID(justOutside), "P2"); XCTAssertEqual(r.match[justOutside], .inside)
    }

    func testExactSemanticsWithoutTolerance() throws {
        let (_, r) = try join(tolerance: 0, check: false)
        XCTAssertEqual(r.match[nearB], .inside); XCTAssertEqual(r.zoneID(nearB), "P2")
        XCTAssertEqual(r.match[edge], .border); XCTAssertEqual(r.zoneID(edge), "P1", "GEOS covers: on both boundaries")
        XCTAssertEqual(r.match[overlap], .border); XCTAssertEqual(r.zoneID(overlap), "P2")
        XCTAssertEqual(r.match[justOutside], .outside)
    }

    func testEveryFlagOfARowIsKept() throws {
        let (_, r) = try join()
        XCTAssertEqual(r.match[dupBlank], .missingCoords, "the primary flag keeps its precedence")
        XCTAssertEqual(r.flags(dupBlank), [.missingCoords, .duplicateID])
        XCTAssertEqual(r.flagsText(dupBlank), "missing_coords;duplicate_id")
        XCTAssertEqual(r.flagsText(dup), "duplicate_id")
        XCTAssertEqual(r.flagsText(clear), "")
        XCTAssertEqual(r.flagsText(neither), "mismatch;border")
        // Invariant: the first flag is the match value; no flags exactly for clean inside rows.
        for i in 0..<r.match.count {
            XCTAssertEqual(r.flags(i).first ?? .inside, r.match[i], "row \(i)")
        }
    }

    func testRegisterCodeOfABorderingUnitIsBorderOK() throws {
        let (_, r) = try join()
        // Found P2 (T2); the register says T1, the code of P1, 0.1 m away: border_ok.
        XCTAssertEqual(r.match[neighbourCode], .borderOK); XCTAssertEqual(r.zoneID(neighbourCode), "P2")
        XCTAssertEqual(r.flagsText(neighbourCode), "border_ok;border")
        // On the edge: P1 given (lowest id); the register's T2 is P2's: border_ok too.
        XCTAssertEqual(r.match[edgeHigher], .borderOK); XCTAssertEqual(r.zoneID(edgeHigher), "P1")
        // T5 is neither unit: still a mismatch.
        XCTAssertEqual(r.match[neither], .mismatch)
        // The register agrees with the zone given: border, nothing else.
        XCTAssertEqual(r.match[nearB], .border); XCTAssertEqual(r.match[edge], .border)
        // Without the tolerance the same rows are plain mismatches (no border to be on)...
        let (_, exact) = try join(tolerance: 0)
        XCTAssertEqual(exact.match[neighbourCode], .mismatch)
        // ...except on the edge, which both zones cover.
        XCTAssertEqual(exact.match[edgeHigher], .borderOK)
    }

    /// The same rule written independently with shapely (GEOS): the zone covering the point
    /// when exactly one id does, else the lowest id among the zones covering it or within
    /// the tolerance of it; a border when two or more ids are within the tolerance.
    func testBorderRuleAgainstShapely() throws {
        let script = """
        import csv, json, sys
        from shapely.geometry import shape, Point
        zones = [(f["properties"]["ID"], shape(f["geometry"])) for f in json.load(open(sys.argv[1]))["features"]]
        tol = float(sys.argv[3])
        for row in csv.DictReader(open(sys.argv[2])):
            if not row["x"] or not row["y"]:
                print(row["school_id"] + ",,,"); continue
            p = Point(float(row["x"]), float(row["y"]))
            covering = sorted({z for z, g in zones if g.covers(p)})
            near = sorted({z for z, g in zones if g.distance(p) <= tol} | set(covering))
            zone = covering[0] if len(covering) == 1 else (near[0] if near else "")
            others = [z for z in near if z != zone]
            print(",".join([row["school_id"], zone, "border" if others else "", ";".join(others)]))
        """
        for tol in [0.2, 0.05, 0.0] {
            let p = try runProcess(Fixtures.python, ["-c", script, zones, points, String(tol)])
            XCTAssertEqual(p.status, 0, "shapely (scripts/setup.sh test installs python3-shapely): " + p.stderr)
            let expected = p.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let (pts, r) = try join(tolerance: tol, check: false)
            XCTAssertEqual(expected.count, pts.count)
            for (i, e) in expected.enumerated() where e[0] == pts.fields(i)[0] && pts.status[i] == .ok {
                XCTAssertEqual(r.zoneID(i), e[1], "row \(i), tolerance \(tol)")
                XCTAssertEqual(r.spatial[i] == .border, e[2] == "border", "row \(i), tolerance \(tol)")
                XCTAssertEqual(r.borderIDs(i), e[3], "row \(i), tolerance \(tol)")
            }
        }
    }

    /// The binary, as an officer gets it: the table keeps its columns and adds `flags`;
    /// the QA report has the register's id, name, coordinates as written and code, and one
    /// action per flag.
    func testReportHasTheRegisterColumnsAndOneActionPerFlag() throws {
        let out = dir + "/out.csv", qa = dir + "/qa.csv"
        let run = try runGeotool(["join", "--points", points, "--points-crs", "EPSG:32647", "--zones", zones, "--id", "ID",
                                  "--id-col", "school_id", "--check-col", "TS", "-o", out, "--report", qa])
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try PointTable.read(path: out)
        XCTAssertEqual(table.columns, ["school_id", "name", "x", "y", "TS", "ID", "found_TS", "match", "distance_m", "swapped_ID", "flags"],
                       "the columns before flags as before it existed")
        XCTAssertEqual(table.column("flags")?[dupBlank], "missing_coords;duplicate_id")
        XCTAssertEqual(table.column("match")?[neighbourCode], "border_ok")

        let report = try PointTable.read(path: qa)
        XCTAssertEqual(report.columns, ["row", "school_id", "name", "y", "x", "match", "flags", "action", "reason",
                                        "ID", "swapped_ID", "TS", "found_TS", "distance_m", "border_ID"])
        // Flagged rows only: not the clean inside ones (A04, A08).
        XCTAssertEqual(report.column("row"), ["1", "2", "3", "5", "6", "7", "8", "10"])
        func qaRow(_ row: Int) -> [String: String] {
            let k = report.column("row")!.firstIndex(of: String(row + 1))!
            return Dictionary(uniqueKeysWithValues: zip(report.columns, report.fields(k)))
        }
        let blank = qaRow(dupBlank)
        XCTAssertEqual(blank["school_id"], "A07"); XCTAssertEqual(blank["name"], "Duplicate with blank x")
        XCTAssertEqual(blank["x"], "", "coordinates as written"); XCTAssertEqual(blank["y"], "1800500")
        XCTAssertEqual(blank["TS"], "T2")
        XCTAssertEqual(blank["flags"], "missing_coords;duplicate_id")
        let actions = blank["action"]!.components(separatedBy: " | ")
        XCTAssertEqual(actions.count, 2, blank["action"]!)
        XCTAssertTrue(actions[0].contains("Fill in the blank"), actions[0])
        XCTAssertTrue(actions[1].contains("also on row 8"), actions[1])
        let ok = qaRow(neighbourCode)
        XCTAssertEqual(ok["flags"], "border_ok;border"); XCTAssertEqual(ok["ID"], "P2"); XCTAssertEqual(ok["border_ID"], "P1")
        XCTAssertEqual(ok["TS"], "T1"); XCTAssertEqual(ok["found_TS"], "T2")
        XCTAssertTrue(ok["action"]!.hasPrefix("No change needed"), ok["action"]!)
        // --name-col names the column; one that is not there stops the run before any output.
        let named = try runGeotool(["join", "--points", points, "--points-crs", "EPSG:32647", "--zones", zones, "--id", "ID",
                                    "--name-col", "TS", "-o", dir + "/named.csv", "--report", dir + "/named-qa.csv"])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try PointTable.read(path: dir + "/named-qa.csv").columns.prefix(2), ["row", "TS"])
        let bad = try runGeotool(["join", "--points", points, "--zones", zones, "--id", "ID", "--name-col", "nope",
                                  "-o", dir + "/bad.csv", "--report", dir + "/bad-qa.csv"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--name-col") && bad.stderr.contains(points), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.csv"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad-qa.csv"))
        // Every flagged row has exactly one action per flag.
        for k in 0..<report.count {
            let f = report.fields(k)
            let flags = f[6].split(separator: ";").count, actions = f[7].components(separatedBy: " | ").count
            XCTAssertEqual(flags, actions, f.joined(separator: ","))
        }
    }
}
