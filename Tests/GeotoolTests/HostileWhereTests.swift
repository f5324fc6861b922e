import Foundation
import XCTest
import GeoCore
import GeoTestSupport

/// A field misspelt in `--where` is named, with the closest field, on every driver and in
/// every command that filters zones; a good filter (functions, quoted names) still works.
final class HostileWhereTests: HostileTestCase {
    /// The MIMU townships as `ext` (GeoPackage, shapefile, FlatGeobuf by ogr2ogr; GeoJSON as it is).
    func townships(_ ext: String) throws -> String {
        if ext == "json" { return try copy(townships, as: "townships.json") }
        let out = p("townships.\(ext)")
        try gdal("ogr2ogr", ["-nln", "townships", out, townships])
        return out
    }

    func assertNamesField(_ r: HRun, _ file: String, misspelt: String = "ST_PCOD", line: UInt = #line) {
        assertError(r, names: file, mentions: ["no field '\(misspelt)'", "did you mean 'ST_PCODE'?"], line: line)
        XCTAssertFalse(r.stderr.contains("has no features"), r.stderr, line: line)
    }

    func testMisspeltFieldIsNamedOnEveryDriver() throws {
        for ext in ["gpkg", "shp", "json", "fgb"] {
            let z = try townships(ext), out = p("out-\(ext).csv")
            let r = try run(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "r=\(rain)", "--where", "ST_PCOD = 'MMR013'", "-o", out])
            assertNamesField(r, z)
            assertNoOutput(out)
        }
    }

    /// SQLite takes a double-quoted unknown name for a string: no error, no feature. Named too.
    func testQuotedMisspeltFieldOnAGeoPackage() throws {
        let z = try townships("gpkg")
        let r = try run(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "r=\(rain)", "--where", #""ST_PCOD" = 'MMR013'"#, "-o", p("o.csv")])
        assertNamesField(r, z)
    }

    /// A filter with a function and a quoted field is no false alarm: the rows are the ones
    /// ogrinfo counts for the same filter.
    func testGoodFiltersStillWork() throws {
        for ext in ["gpkg", "json"] {
            let z = try townships(ext), out = p("ok-\(ext).csv")
            let filter = #"substr("ST_PCODE", 1, 6) = 'MMR013' AND TS_PCODE IS NOT NULL"#
            let r = try run(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "r=\(rain)", "--where", filter, "--quiet", "-o", out])
            assertSuccess(r, output: out)
            let info = try runProcess("/usr/bin/ogrinfo", ["-so", "-al", "-where", filter, z]).stdout
            let count = info.split(separator: "\n").first { $0.hasPrefix("Feature Count: ") }.map { Int($0.dropFirst(15))! }
            let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count - 1
            XCTAssertEqual(rows, count, "\(ext): \(info)")
            XCTAssertEqual(rows, 44, "Yangon's townships")
        }
    }

    func testMapReportAndJoinNameTheField() throws {
        let z = try townships("gpkg"), table = p("rain.csv")
        assertSuccess(try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "r=\(rain)", "--stats", "mean", "--quiet", "-o", table]), output: table)
        let filter = ["--where", "ST_PCOD = 'MMR013'"]
        assertNamesField(try run(["map", table, "--zones", z, "--id", "TS_PCODE", "--column", "r_mean", "-o", p("m.svg")] + filter), z)
        assertNoOutput(p("m.svg"))
        assertNamesField(try run(["report", table, "--zones", z, "--id", "TS_PCODE", "-o", p("r.html")] + filter), z)
        assertNoOutput(p("r.html"))
        assertNamesField(try run(["join", "--points", joinPoints, "--zones", z, "--id", "TS_PCODE", "-o", p("j.csv")] + filter), z)
        assertNoOutput(p("j.csv"))
    }

    /// `--points-where` on a GeoPackage of points: the same, naming that option.
    func testPointsWhereNamesTheField() throws {
        let pts = p("points.gpkg")
        try gdal("ogr2ogr", ["-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude", "-a_srs", "EPSG:4326", "-nln", "points", pts, joinPoints])
        let r = try run(["join", "--points", pts, "--points-where", "school_idd = 'S1'", "--zones", joinZones, "--id", "TS_PCODE", "-o", p("j.csv")])
        assertError(r, names: pts, mentions: ["--points-where", "no field 'school_idd'", "did you mean 'school_id'?"])
    }
}
