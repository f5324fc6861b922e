import XCTest
import GeoCore
import GeoGDAL
import GeoJoin
import GeoTestSupport

/// Rows with more fields than the header (`A,16.5,95.5,,` from Excel exports): the added
/// columns must stay under their own names (issue 12).
final class LongRowTests: XCTestCase {
    let zones = Fixtures.path("join/zones.geojson")

    func options() -> PointJoinOptions {
        var o = PointJoinOptions(idField: "VT_PCODE")
        o.includeFields = ["TS_PCODE"]
        return o
    }

    func write(_ text: String) -> String {
        let p = Fixtures.tempDir() + "/points.csv"
        try? text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testTrailingEmptyExtraFieldsAreDropped() throws {
        // S1 lies inside MMR001 (TS1) (TestRasters/join/README.md); its row ends with two empty fields.
        let p = write("school_id,latitude,longitude\nS1,16.5,95.5,,\nS2,16.5,95.5\nS3,\"16.5\",95.5,\"\"\r\n")
        let pts = try PointTable.read(path: p)
        XCTAssertEqual(pts.fields(0), ["S1", "16.5", "95.5"])
        XCTAssertEqual(pts.fields(2), ["S3", "16.5", "95.5"])
        let r = try PointJoiner(zonesPath: zones, options: options()).join(pts)
        let dir = Fixtures.tempDir()
        // CSV: every row has exactly the output's columns, the P-code under VT_PCODE.
        try r.write(pts, to: dir + "/out.csv")
        let back = try PointTable.read(path: dir + "/out.csv")
        XCTAssertEqual(back.columns, ["school_id", "latitude", "longitude", "VT_PCODE", "TS_PCODE", "match", "distance_m", "swapped_VT_PCODE", "flags"])
        let text = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        XCTAssertEqual(lines[1], "S1,16.5,95.5,MMR001,TS1,inside,0,,")
        XCTAssertEqual(lines[2], "S2,16.5,95.5,MMR001,TS1,inside,0,,")
        XCTAssertEqual(lines[3], "S3,\"16.5\",95.5,MMR001,TS1,inside,0,,")
        // Cells (GeoPackage, Excel): the same columns.
        let t = r.table(pts)
        for row in t.rows { XCTAssertEqual(row.count, t.columns.count) }
        XCTAssertEqual(t.rows[0][3], .text("MMR001"))
        try r.write(pts, to: dir + "/out.xlsx")
    }

    func testNonEmptyExtraFieldIsAnErrorNamingTheRow() throws {
        let p = write("school_id,latitude,longitude\nS1,16.5,95.5\nS2,16.5,95.5,,oops\n")
        XCTAssertThrowsError(try PointTable.read(path: p)) { e in
            let g = e as? GeoKitError
            XCTAssertEqual(g?.kind, .input)
            XCTAssertEqual(g?.file, p)
            XCTAssertEqual(g?.line, 3, "\(e)")
            XCTAssertTrue("\(e)".contains("data row 2"), "\(e)")
            XCTAssertTrue("\(e)".contains("5 fields"), "\(e)")
        }
    }
}

/// A register saved in a Western code page (Latin-1 bytes): its names reach the output as
/// proper UTF-8 and the run says it guessed the encoding; before, they became U+FFFD silently.
final class LegacyEncodingRegisterTests: XCTestCase {
    func testLatin1RegisterIsDecodedAndWarned() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/latin.csv"
        try Data("id,name,lon,lat\nA,Caf".utf8 + [0xE9] + Data(" Mandalay,96.1,16.8\n".utf8)).write(to: URL(fileURLWithPath: pts))
        let r = try runGeotool(["join", "--points", pts, "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                "-o", dir + "/out.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("geotool: warning: \(pts): not UTF-8"), r.stderr)
        let out = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        XCTAssertTrue(out.contains("A,Café Mandalay,96.1,16.8,MMR013027,inside"), out)
    }
}
