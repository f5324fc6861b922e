import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Hostile point tables and outputs of `geotool join`. Zones: TestRasters/join/zones.geojson
/// (TS1 = lon 95..96 x lat 16..17, TS2 = lon 96..97 x lat 16..17, TS3 = lon 95..97 x lat 17..18).
final class HostileJoinTests: HostileTestCase {

    func join(_ points: String, out: String? = nil, zones: String? = nil, extra: [String] = [], cwd: String? = nil) throws -> HRun {
        try run(["join", "--points", points, "--zones", zones ?? joinZones, "--id", "TS_PCODE", "-o", out ?? p("out.csv")] + extra, cwd: cwd)
    }

    /// The zone found for the point whose first field is `id`.
    func found(_ out: String, _ id: String) -> String? {
        guard let t = table(out), let c = t.columns.firstIndex(of: "found_TS_PCODE") ?? t.columns.firstIndex(of: "TS_PCODE"),
              let r = t.rows.first(where: { $0[0] == .text(id) }) else { return nil }
        if case .text(let s) = r[c] { return s }
        return nil
    }

    func column(_ out: String, _ id: String, _ name: String) -> String? {
        guard let t = table(out), let c = t.columns.firstIndex(of: name),
              let r = t.rows.first(where: { $0[0] == .text(id) }) else { return nil }
        if case .text(let s) = r[c] { return s }
        return r[c].csv
    }

    func refuse(_ points: String, mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let out = p("out.csv")
        let before = snapshot([points, joinZones])
        let r = try join(points, out: out)
        assertError(r, names: points, mentions: mentions, output: out, sidecar: false, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testRowWithMoreFieldsThanHeader() throws {
        let pts = write("pts.csv", "id,latitude,longitude\nA,16.5,95.5,,\nB,16.5,96.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        assertWarning(r, [pts])
        XCTAssertEqual(found(out, "A"), "TS1")
        XCTAssertEqual(found(out, "B"), "TS2")
    }

    func testRowWithFewerFieldsThanHeader() throws {
        let pts = write("pts.csv", "id,latitude,longitude\nA,16.5\nB,16.5,96.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        XCTAssertNil(found(out, "A"), "a row without longitude matches nothing")
        XCTAssertEqual(found(out, "B"), "TS2")
    }

    func testSemicolonSeparated() throws {
        try refuse(write("pts.csv", "id;latitude;longitude\nA;16,5;95,5\n"))
    }

    func testByteOrderMarkHeader() throws {
        let pts = write("pts.csv", "\u{FEFF}id,latitude,longitude\nA,16.5,95.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        XCTAssertEqual(table(out)?.columns.first, "id", "the BOM is not part of the first column's name")
        XCTAssertEqual(found(out, "A"), "TS1")
    }

    func testBrokenQuotes() throws {
        try refuse(write("pts.csv", "id,name,latitude,longitude\nA,\"never closed,16.5,95.5\nB,ok,16.5,96.5\n"))
    }

    func testQuoteInsideUnquotedField() throws {
        let pts = write("pts.csv", "id,name,latitude,longitude\nA,6\" pipe,16.5,95.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        if r.status == 0 {
            XCTAssertEqual(found(out, "A"), "TS1")
        } else {
            assertError(r, names: pts, output: out, sidecar: false)
        }
    }

    func testSwappedCoordinatesAreNotMatchedSilently() throws {
        let pts = write("pts.csv", "id,latitude,longitude\nA,95.5,16.5\nB,16.5,96.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        XCTAssertNil(found(out, "A"))
        XCTAssertTrue((column(out, "A", "match") ?? "").contains("swapped"), "flagged swapped: \(column(out, "A", "match") ?? "nil")")
        XCTAssertEqual(found(out, "B"), "TS2")
    }

    func testNaNAndInfinityCoordinates() throws {
        let pts = write("pts.csv", "id,latitude,longitude\nA,nan,nan\nB,16.5,inf\nC,-inf,95.5\nD,16.5,96.5\n")
        let out = p("out.csv")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        for id in ["A", "B", "C"] {
            XCTAssertNil(found(out, id), "\(id) matches nothing")
            XCTAssertNotEqual(column(out, id, "match"), "inside")
        }
        XCTAssertEqual(found(out, "D"), "TS2")
    }

    func testEmptyPointsFile() throws {
        try refuse(write("pts.csv", bytes: []))
    }

    func testBinaryGarbagePoints() throws {
        try refuse(write("pts.csv", bytes: garbage(4000, seed: 7)))
    }

    func testFolderAsPoints() throws {
        try FileManager.default.createDirectory(atPath: p("pts.csv"), withIntermediateDirectories: true)
        try refuse(p("pts.csv"))
    }

    func testLatin1PointsToXLSXWarned() throws {
        let pts = write("pts.csv", bytes: Array("id,name,latitude,longitude\nA,Caf".utf8) + [0xE9] + Array(",16.5,95.5\n".utf8))
        let out = p("out.xlsx")
        let r = try join(pts, out: out)
        assertSuccess(r, output: out)
        assertWarning(r, [pts])
    }

    func testOutputIsThePoints() throws {
        let pts = try copy(joinPoints, as: "pts.csv")
        let before = snapshot([pts, joinZones])
        let r = try join(pts, out: pts)
        assertError(r, names: pts)
        assertUnchanged(before)
        XCTAssertEqual(temporaries(of: pts), [])
    }

    func testOutputIsThePointsSpelledDotSlash() throws {
        let pts = try copy(joinPoints, as: "pts.csv")
        let before = snapshot([pts])
        let r = try join("pts.csv", out: "./pts.csv", cwd: dir)
        assertError(r, names: "pts.csv")
        assertUnchanged(before)
    }

    func testOutputEqualsReport() throws {
        let pts = try copy(joinPoints, as: "pts.csv"), out = p("same.csv")
        let r = try join(pts, out: out, extra: ["--report", out])
        assertError(r, names: out, output: out, sidecar: false)
    }

    func testReportIsThePoints() throws {
        let pts = try copy(joinPoints, as: "pts.csv"), out = p("out.csv")
        let before = snapshot([pts])
        let r = try join(pts, out: out, extra: ["--report", pts])
        assertError(r, names: pts, output: out, sidecar: false)
        assertUnchanged(before)
    }

    func testOutputIsTheZones() throws {
        let z = try copy(joinZonesUTM, as: "zones.gpkg")
        let before = snapshot([z])
        let r = try join(try copy(joinPoints, as: "pts.csv"), out: z, zones: z)
        assertError(r, names: z)
        assertUnchanged(before)
    }

    func testZonesArePoints() throws {
        let z = write("pz.geojson", #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"TS_PCODE": "P"}, "geometry": {"type": "Point", "coordinates": [95.5, 16.5]}}]}"#)
        let out = p("out.csv")
        let r = try join(try copy(joinPoints, as: "pts.csv"), out: out, zones: z)
        assertError(r, names: z, output: out, sidecar: false)
    }

    func testZonesAreARaster() throws {
        let z = try raster16("z.tif"), out = p("out.csv")
        let r = try join(try copy(joinPoints, as: "pts.csv"), out: out, zones: z)
        assertError(r, names: z, output: out, sidecar: false)
    }

    func testFullDisk() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 0)
        let out = m + "/out.csv"
        let pts = try copy(joinPoints, as: "pts.csv")
        let before = snapshot([pts])
        let r = try join(pts, out: out)
        assertError(r, names: out, output: out, sidecar: false)
        assertUnchanged(before)
    }
}
