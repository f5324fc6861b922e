import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// `geotool map` and `geotool report` on tables that are not geotool tables, outputs over
/// their inputs, full disks, and text that must not become markup.
final class HostileMapTests: HostileTestCase {

    func goodTable(_ name: String = "t.csv") -> String { write(name, "zid,r_mean\nA,7.5\nB,9.5\n") }

    func map(_ table: String, column: String = "r_mean", out: String? = nil, cwd: String? = nil) throws -> HRun {
        try run(["map", table, "--zones", zonesAB(), "--id", "zid", "--column", column, "-o", out ?? p("map.svg")], cwd: cwd)
    }

    func report(_ table: String, out: String? = nil) throws -> HRun {
        try run(["report", table, "--zones", zonesAB(), "--id", "zid", "-o", out ?? p("report.html")])
    }

    func refuseMap(_ table: String, column: String = "r_mean", file: StaticString = #filePath, line: UInt = #line) throws {
        let before = snapshot([table])
        let r = try map(table, column: column)
        assertError(r, names: table, output: p("map.svg"), sidecar: false, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testMapOnATableOfOtherIDs() throws {
        try refuseMap(write("t.csv", "code,value\nX1,3\nX2,4\n"), column: "value")
    }

    func testMapOnAnEmptyTable() throws {
        try refuseMap(write("t.csv", bytes: []))
    }

    func testMapOnGarbage() throws {
        try refuseMap(write("t.csv", bytes: garbage(3000, seed: 9)))
    }

    func testMapOnATextColumn() throws {
        try refuseMap(write("t.csv", "zid,name\nA,north\nB,south\n"), column: "name")
    }

    func testMapOnAFolder() throws {
        try FileManager.default.createDirectory(atPath: p("t.csv"), withIntermediateDirectories: true)
        try refuseMap(p("t.csv"))
    }

    func testMapOnBrokenQuotes() throws {
        try refuseMap(write("t.csv", "zid,r_mean\nA,\"7.5\nB,9.5\n"))
    }

    func testMapOnAGeoPackageNotACSV() throws {
        try gdal("ogr2ogr", ["-f", "GPKG", p("t.gpkg"), zonesAB("src.geojson")])
        try refuseMap(p("t.gpkg"))
    }

    func testMapOutputIsTheTable() throws {
        let t = goodTable("t.svg")
        let before = snapshot([t])
        let r = try map(t, out: t)
        assertError(r, names: t)
        assertUnchanged(before)
        XCTAssertEqual(temporaries(of: t), [])
    }

    func testMapOutputIsASymlinkToTheTable() throws {
        let t = goodTable()
        try FileManager.default.createSymbolicLink(atPath: p("map.svg"), withDestinationPath: t)
        let before = snapshot([t])
        let r = try map(t, out: p("map.svg"))
        assertError(r, names: p("map.svg"))
        assertUnchanged(before)
        XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: p("map.svg")), t)
    }

    func testMapWithABrokenSidecarStillMaps() throws {
        let t = goodTable()
        write("t.datapackage.json", "{\"resources\": [")
        let r = try map(t)
        assertSuccess(r, output: p("map.svg"))
        assertWarning(r, ["t.datapackage.json"])
    }

    func testMapSVGIsWellFormedWithMarkupInNames() throws {
        let t = write("t.csv", "zid,\"a&b<c>\"\nA,7.5\nB,9.5\n")
        let r = try map(t, column: "a&b<c>")
        assertSuccess(r, output: p("map.svg"))
        let data = FileManager.default.contents(atPath: p("map.svg")) ?? Data()
        let parser = XMLParser(data: data)
        XCTAssertTrue(parser.parse(), "the SVG is well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
    }

    func testMapFullDisk() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 0)
        let out = m + "/map.svg"
        let r = try map(goodTable(), out: out)
        assertError(r, names: out, output: out, sidecar: false)
    }

    func testReportOnATableWithoutNumbers() throws {
        let t = write("t.csv", "zid,name\nA,north\nB,south\n")
        let before = snapshot([t])
        let r = try report(t)
        assertError(r, names: t, output: p("report.html"), sidecar: false)
        assertUnchanged(before)
    }

    func testReportOnGarbage() throws {
        let t = write("t.csv", bytes: garbage(5000, seed: 11))
        let r = try report(t)
        assertError(r, names: t, output: p("report.html"), sidecar: false)
    }

    func testReportOutputIsTheTable() throws {
        let t = goodTable("t.html")
        let before = snapshot([t])
        let r = try report(t, out: t)
        assertError(r, names: t)
        assertUnchanged(before)
    }

    func testReportEscapesScriptInText() throws {
        let t = write("t.csv", "zid,name,r_mean\nA,<script>alert(1)</script>,7.5\nB,\"<img src=x onerror=alert(2)>\",9.5\n")
        let r = try report(t)
        assertSuccess(r, output: p("report.html"))
        let html = (try? String(contentsOfFile: p("report.html"), encoding: .utf8)) ?? ""
        XCTAssertFalse(html.contains("<script>alert(1)"), "table text becomes markup")
        XCTAssertFalse(html.contains("<img src=x"), "table text becomes markup")
    }

    func testReportFullDisk() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 0)
        let out = m + "/report.html"
        let r = try report(goodTable(), out: out)
        assertError(r, names: out, output: out, sidecar: false)
    }
}
