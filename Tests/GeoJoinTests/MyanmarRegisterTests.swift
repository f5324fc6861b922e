import XCTest
import GeoCore
import GeoGDAL
import GeoJoin
import GeoTestSupport

/// A register with names in both encodings joined to zones named in Unicode: the `zawgyi`
/// flag (never `match`), duplicates and --check-col across encodings, conversion on request,
/// and bad input that must not be flagged. The names are MIMU's township names and their
/// Zawgyi forms from TestRasters/myanmar/corpus.json, chosen where myanmartools (not this
/// code) is sure of both: Zawgyi form above 0.99, Unicode form below 0.01.
final class MyanmarRegisterTests: XCTestCase {
    /// (Zawgyi, Unicode) pairs of MIMU township names.
    static let names: [(z: String, u: String)] = {
        let strings = Fixtures.json("myanmar/corpus.json")["strings"] as! [[String: Any]]
        var unicodeP: [String: Double] = [:]
        for s in strings where s["source"] as? String == "mimu_unicode" { unicodeP[s["text"] as! String] = (s["p"] as! NSNumber).doubleValue }
        return strings.compactMap { s -> (String, String)? in
            guard s["source"] as? String == "mimu_zawgyi", s["truth"] as? String == "zawgyi",
                  let p = (s["p"] as? NSNumber)?.doubleValue, p > 0.99,
                  let u = s["unicode"] as? String, let pu = unicodeP[u], pu < 0.01 else { return nil }
            return (s["text"] as! String, u)
        }
    }()

    /// Three 1-degree zones A, B, C side by side, named (TS_MMR) with three townships' Unicode names.
    func zonesJSON(names: [String]) -> String {
        let features = ["A", "B", "C"].enumerated().map { k, id in
            let x = 95 + Double(k)
            return #"{"type":"Feature","properties":{"ID":"\#(id)","TS_MMR":"\#(names[k])"},"geometry":{"type":"Polygon","coordinates":[[[\#(x),16],[\#(x + 1),16],[\#(x + 1),17],[\#(x),17],[\#(x),16]]]}}"#
        }
        return #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}"
    }

    var dir = ""
    var n: [(z: String, u: String)] { Self.names }

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        XCTAssertGreaterThanOrEqual(Self.names.count, 6)
        try zonesJSON(names: [n[0].u, n[1].u, n[2].u]).write(toFile: dir + "/zones.geojson", atomically: true, encoding: .utf8)
    }

    /// The register; `unicode` writes every name in its Unicode form (the ground truth of a conversion).
    func register(unicode: Bool = false) -> String {
        func z(_ k: Int) -> String { unicode ? n[k].u : n[k].z }
        return """
        school_id,name,township,longitude,latitude
        K1,\(n[3].u),\(n[0].u),95.5,16.5
        K2,\(z(3)),\(z(0)),95.5,16.5
        K3,\(n[4].u),\(z(1)),96.5,16.5
        K4,\(n[5].u),\(n[0].u),96.5,16.5
        K5,เชียงใหม่,\(n[0].u),95.5,16.5
        K6,,\(n[0].u),95.5,16.5
        K7,School 7,\(z(2)),97.5,16.5

        """
    }
    let k1 = 0, k2 = 1, k3 = 2, k4 = 3, k5 = 4, k6 = 5, k7 = 6

    func join(_ csv: String, mode: MyanmarTextMode = .detect, name: String = "register.csv") throws -> (PointTable, PointJoinResult) {
        let path = dir + "/" + name
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        var points = try PointTable.read(path: path)
        if mode == .unicode { try points.checkMyanmarText(.unicode) }
        var o = PointJoinOptions(idField: "ID")
        o.idColumn = "name"
        o.checkColumn = "township"
        o.checkField = "TS_MMR"
        o.myanmarText = mode
        return (points, try PointJoiner(zonesPath: dir + "/zones.geojson", options: o).join(points))
    }

    func testMixedRegisterIsFlaggedAndComparedInUnicode() throws {
        let (points, r) = try join(register())
        // zawgyi: a flag of the rows with a Zawgyi field, never their match.
        XCTAssertEqual((0..<points.count).filter { r.flags($0).contains(.zawgyi) }, [k2, k3, k7])
        XCTAssertFalse(r.match.contains(.zawgyi))
        XCTAssertEqual(r.zawgyiFields[k2], [1, 2]); XCTAssertEqual(r.zawgyiFields[k3], [2]); XCTAssertEqual(r.zawgyiFields[k7], [2])
        // The same school written once in each encoding is a duplicate; no other name repeats.
        XCTAssertEqual((0..<points.count).filter { r.match[$0] == .duplicateID }, [k1, k2])
        // The townships written in Zawgyi agree with the zones' Unicode names; K4's does not.
        XCTAssertEqual((0..<points.count).filter { r.mismatch[$0] }, [k4])
        XCTAssertEqual(r.match[k3], .inside); XCTAssertEqual(r.match[k7], .inside)
        XCTAssertEqual(r.flagsText(k7), "zawgyi"); XCTAssertEqual(r.flagsText(k2), "duplicate_id;zawgyi")
        XCTAssertEqual(r.flagsText(k5), ""); XCTAssertEqual(r.flagsText(k6), "")
        // One warning per column with Zawgyi values, counted.
        let text = points.warnings.filter { $0.kind == .text }
        XCTAssertEqual(text.count, 2)
        let counts = points.myanmar.check!.counts
        XCTAssertEqual(counts[1].zawgyi, 1); XCTAssertEqual(counts[1].unicode, 3)
        XCTAssertEqual(counts[2].zawgyi, 3); XCTAssertEqual(counts[2].unicode, 4)
        XCTAssertEqual(counts[0].myanmar, 0)
        // Detect mode changes no text: the rows are written as read.
        let out = dir + "/out.csv"
        try r.write(points, to: out)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let input = register().split(separator: "\n")
        for i in 1..<input.count { XCTAssertTrue(lines[i].hasPrefix(input[i] + ","), "\(lines[i])") }
    }

    /// A row typed twice, once in each encoding, is the same row: `duplicate_row` on both
    /// (the register's other rows differ in a field, or only in their id).
    func testIdenticalRowsAcrossEncodingsAreDuplicateRows() throws {
        let csv = """
        school_id,name,township,longitude,latitude
        X,\(n[3].u),\(n[0].u),95.5,16.5
        X,\(n[3].z),\(n[0].z),95.5,16.5
        Y,\(n[3].u),\(n[0].u),95.5,16.5
        X,\(n[4].z),\(n[0].z),95.5,16.5

        """
        let (points, r) = try join(csv, name: "twice.csv")
        XCTAssertEqual((0..<points.count).filter { r.flags($0).contains(.duplicateRow) }, [0, 1])
        XCTAssertEqual(r.flagsText(1).split(separator: ";").last, "zawgyi")
    }

    /// Converted, the register joins exactly as the same register typed in Unicode (every
    /// column but flags, which still says which rows were Zawgyi in the register).
    func testConversionGivesTheUnicodeRegister() throws {
        let (points, r) = try join(register(), mode: .unicode)
        let (truthPoints, truth) = try join(register(unicode: true), name: "unicode.csv")
        XCTAssertEqual(truthPoints.warnings.filter { $0.kind == .text }, [])
        XCTAssertTrue(truth.zawgyiFields.isEmpty)
        let a = r.table(points), b = truth.table(truthPoints)
        XCTAssertEqual(a.columns, b.columns)
        let flags = a.columns.firstIndex(of: "flags")!
        for i in a.rows.indices {
            var x = a.rows[i], y = b.rows[i]
            x.remove(at: flags); y.remove(at: flags)
            XCTAssertEqual(x, y, "row \(i + 1)")
        }
        XCTAssertEqual(r.match, truth.match)
        XCTAssertEqual((0..<points.count).filter { r.flags($0).contains(.zawgyi) }, [k2, k3, k7])
        // The CSV, written field by field for the converted rows, has the Unicode names.
        let out = dir + "/out.csv", outTruth = dir + "/truth.csv"
        try r.write(points, to: out); try truth.write(truthPoints, to: outTruth)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let truthLines = try String(contentsOfFile: outTruth, encoding: .utf8).split(separator: "\n")
        for (x, y) in zip(lines, truthLines) {
            XCTAssertEqual(x.split(separator: ",", omittingEmptySubsequences: false).dropLast(), y.split(separator: ",", omittingEmptySubsequences: false).dropLast())
        }
        XCTAssertEqual(points.myanmar.check!.counts[2].converted, 3)
        XCTAssertEqual(r.myanmarTextEntry?.mode, "unicode")
    }

    /// The QA report lists a row whose only flag is zawgyi, with its Unicode spelling (MIMU's).
    func testReportGivesTheUnicodeSpelling() throws {
        let (points, r) = try join(register())
        let qa = r.report(points, idColumn: "school_id", checkColumn: "township")
        let row = qa.rows.first { $0[0] == .number(Double(k7 + 1)) }
        XCTAssertNotNil(row)
        let action = qa.columns.firstIndex(of: "action")!
        guard case .text(let a)? = row?[action] else { return XCTFail("no action") }
        XCTAssertTrue(a.contains(n[2].u), a)
    }

    /// Zones named in Zawgyi, a register in Unicode: compared in Unicode; converted on request.
    func testZawgyiZones() throws {
        try zonesJSON(names: [n[0].z, n[1].z, n[2].z]).write(toFile: dir + "/zones.geojson", atomically: true, encoding: .utf8)
        let csv = "school_id,name,township,longitude,latitude\nK1,A,\(n[0].u),95.5,16.5\nK2,B,\(n[1].u),96.5,16.5\n"
        for mode in MyanmarTextMode.allCases {
            var o = PointJoinOptions(idField: "ID")
            o.includeFields = ["TS_MMR"]
            o.checkColumn = "township"; o.checkField = "TS_MMR"
            o.myanmarText = mode
            try csv.write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
            let points = try PointTable.read(path: dir + "/r.csv")
            let joiner = try PointJoiner(zonesPath: dir + "/zones.geojson", options: o)
            let r = try joiner.join(points)
            XCTAssertEqual(r.mismatch, [false, false], "\(mode)")
            XCTAssertEqual(joiner.warnings.filter { $0.kind == .text }.count, 1)
            XCTAssertEqual(joiner.zonesMyanmarText.counts[0].zawgyi, 3)
            XCTAssertTrue(r.zawgyiFields.isEmpty)   // the register's own text is Unicode
            let found = r.table(points).column("found_TS_MMR") ?? r.table(points).column("TS_MMR")!
            XCTAssertEqual(found, mode == .unicode ? [.text(n[0].u), .text(n[1].u)] : [.text(n[0].z), .text(n[1].z)])
        }
    }

    /// A point layer (GeoJSON) with a Zawgyi name: flagged too, and the same point typed in
    /// Unicode is the same row.
    func testPointLayerRegister() throws {
        let path = dir + "/schools.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"\#(n[3].z)"},"geometry":{"type":"Point","coordinates":[95.5,16.5]}},{"type":"Feature","properties":{"name":"\#(n[3].u)"},"geometry":{"type":"Point","coordinates":[95.5,16.5]}}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        var points = try PointTable.read(path: path)
        let r = try PointJoiner(zonesPath: dir + "/zones.geojson", options: PointJoinOptions(idField: "ID")).join(points)
        // The same name at the same place, once in each encoding: one row twice (duplicate_row),
        // the Zawgyi one also flagged zawgyi.
        XCTAssertEqual(r.flagsText(0), "duplicate_row;zawgyi"); XCTAssertEqual(r.flagsText(1), "duplicate_row")
        try points.checkMyanmarText(.unicode)
        XCTAssertEqual(points.column("name"), [n[3].u, n[3].u])
    }

    /// Another script, Windows-1252 bytes, empty names, Latin and digits: no zawgyi flag,
    /// no warning about Myanmar text.
    func testBadInputIsNotFlagged() throws {
        let cases: [(String, [UInt8])] = [
            ("thai.csv", Array("id,name,longitude,latitude\n1,เชียงใหม่,95.5,16.5\n2,กรุงเทพมหานคร,95.5,16.5\n3,ลำปาง,95.6,16.5\n".utf8)),
            ("empty.csv", Array("id,name,longitude,latitude\n1,,95.5,16.5\n2,\"\",95.5,16.5\n3, ,95.5,16.5\n".utf8)),
            ("latin.csv", Array("id,name,longitude,latitude\n1,BEHS No. 1,95.5,16.5\n2,၁၂၃,95.5,16.5\n3,12,95.5,16.5\n".utf8)),
            // Myanmar UTF-8 with one Windows-1252 byte (é): the file is read as Windows-1252.
            ("legacy.csv", Array("id,name,longitude,latitude\n1,\(n[3].z),95.5,16.5\n2,Caf".utf8) + [0xE9] + Array(",95.5,16.5\n".utf8)),
        ]
        for (name, bytes) in cases {
            let path = dir + "/" + name
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let points = try PointTable.read(path: path)
            let r = try PointJoiner(zonesPath: dir + "/zones.geojson", options: PointJoinOptions(idField: "ID")).join(points)
            XCTAssertTrue(r.zawgyiFields.isEmpty, name)
            XCTAssertEqual((0..<points.count).map(r.flagsText), Array(repeating: "", count: points.count), name)
            XCTAssertEqual(points.warnings.filter { $0.kind == .text }, [], name)
            XCTAssertNil(r.myanmarTextEntry, name)
            if name == "legacy.csv" { XCTAssertEqual(points.warnings.filter { $0.kind == .input }.count, 1) }
        }
    }

    /// Unicode-only registers: the same table with and without conversion asked for.
    func testUnicodeOnlyRegisterIsTheSameInBothModes() throws {
        let points = Fixtures.path("join/points.csv")
        var outs: [Data] = []
        for mode in MyanmarTextMode.allCases {
            var p = try PointTable.read(path: points)
            try p.checkMyanmarText(mode)
            var o = PointJoinOptions(idField: "VT_PCODE")
            o.includeFields = ["TS_PCODE"]; o.idColumn = "school_id"; o.checkColumn = "TS_PCODE"; o.myanmarText = mode
            let r = try PointJoiner(zonesPath: Fixtures.path("join/zones.geojson"), options: o).join(p)
            XCTAssertTrue(r.zawgyiFields.isEmpty)
            let out = dir + "/points-\(mode).csv"
            try r.write(p, to: out)
            outs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(outs[0], outs[1])
    }
}
