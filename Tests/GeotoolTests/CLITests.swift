import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

final class CLITests: XCTestCase {
    func geotool(_ args: [String]) throws -> GeotoolRun { try runGeotool(args) }

    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    func testMIMUTownshipsEndToEnd() throws {
        let dir = Fixtures.tempDir()
        let out = dir + "/rain.csv"
        let r = try geotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR,ST_PCODE",
                             "--raster", "rain=\(rain)", "--stats", "count,mean,min,max", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The file's known defects are reported, not fatal.
        XCTAssertTrue(r.stderr.contains("MMR010001"), "empty Aungmyaythazan is reported")
        XCTAssertTrue(r.stderr.contains("make-valid"), "self-intersections are repaired and reported")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, "TS_PCODE,TS,TS_MMR,ST_PCODE,rain_count,rain_mean,rain_min,rain_max")
        XCTAssertEqual(lines.count - 1, 330, "one row per feature, including the null and empty ones")
        XCTAssertTrue(text.contains("ဗန်းမော်") || text.contains("မြစ်ကြီးနား"), "Myanmar-script names survive")
        // exactextract 0.3.0 on the same township and raster: count 219.81079239, mean 56.50048807
        // (its coverage fractions are single precision: agreement to ~1e-8).
        let row = lines.first { $0.hasPrefix("MMR001001,") }!.split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(Double(row[4])!, 219.81079239031533, accuracy: 219.8 * 1e-7)
        XCTAssertEqual(Double(row[5])!, 56.500488068898854, accuracy: 56.5 * 1e-7)
        // Chin (MMR004) lies outside the raster: count 0, mean empty (not zero).
        let chin = lines.first { $0.hasPrefix("MMR004001,") }!.split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(chin[4], "0"); XCTAssertEqual(chin[5], "")
        // Empty Aungmyaythazan keeps its row.
        XCTAssertTrue(lines.contains { $0.hasPrefix("MMR010001,") })
    }

    func testCenterMethodMatchesRasterstats() throws {
        let dir = Fixtures.tempDir(), out = dir + "/c.csv"
        let r = try geotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)",
                             "--stats", "count,mean", "--method", "center", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try String(contentsOfFile: out, encoding: .utf8)
        // rasterstats 0.21.0 zonal_stats on the same files: Myitkyina 223 / 56.596412556,
        // Zay Yar Thi Ri 17 / 214.0, Tachileik 124 / 58.419354839, Insein 1 / 136.0.
        XCTAssertTrue(t.contains("MMR001001,223,56.5964125560538"))
        XCTAssertTrue(t.contains("MMR018001,17,214\n"))
        XCTAssertTrue(t.contains("MMR016009,124,58.4193548387096"))
        XCTAssertTrue(t.contains("MMR013001,1,136\n"))
    }

    func testSpatialAndSpreadsheetOutputs() throws {
        let dir = Fixtures.tempDir()
        for ext in ["gpkg", "xlsx"] {
            let out = dir + "/rain.\(ext)"
            let r = try geotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS_MMR",
                                 "--raster", "rain=\(rain)", "--stats", "mean", "-o", out, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let back = try VectorDataset(path: out)
            let layer = try back.readZones(idField: "TS_PCODE", includeFields: ["TS_MMR", "rain_mean"])
            XCTAssertEqual(layer.zones.count, 330)
            XCTAssertEqual(layer.zones.first { $0.id == "MMR001001" }?.attributes[0], "မြစ်ကြီးနား")
            if ext == "gpkg" { XCTAssertFalse(layer.zones.first { $0.id == "MMR001001" }!.geometry.isEmpty) }
        }
    }

    func testInfo() throws {
        let r = try geotool(["info", rain])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("138 x 389"))
        XCTAssertTrue(r.stdout.contains("nodata -9999"))
        let v = try geotool(["info", townships])
        XCTAssertTrue(v.stdout.contains("TS_PCODE"))
    }

    /// Each bad input: exit non-zero, exactly one line on stderr naming the problem, no file.
    func assertCleanFailure(_ args: [String], mentions: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = Fixtures.tempDir(), out = dir + "/out.csv"
        let r = try geotool(args + ["-o", out])
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("geotool: warning") }
        XCTAssertEqual(lines.count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "'\(mentions)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output file", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "no temporary left", file: file, line: line)
    }

    func testBadInput() throws {
        let z = ["zonal", "--zones", townships, "--id", "TS_PCODE"]
        try assertCleanFailure(["zonal", "--zones", "/no/such.gpkg", "--id", "X", "--raster", rain], mentions: "/no/such.gpkg: no such file")
        try assertCleanFailure(z + ["--raster", "r=/no/such.tif"], mentions: "/no/such.tif: no such file")
        try assertCleanFailure(z + ["--raster", "r=\(townships)"], mentions: "not a raster")
        try assertCleanFailure(["zonal", "--zones", townships, "--id", "NOPE", "--raster", rain], mentions: "no field 'NOPE'")
        try assertCleanFailure(z + ["--raster", "r=\(rain):3"], mentions: "no band 3")
        try assertCleanFailure(z + ["--raster", rain, "--stats", "mean,bogus"], mentions: "unknown statistic 'bogus'")
        try assertCleanFailure(["zonal", "--zones", Fixtures.path("empty.geojson"), "--id", "id", "--raster", rain], mentions: "no features")
        try assertCleanFailure(z + ["--raster", rain, "--method", "nearest"], mentions: "unknown --method")
        try assertCleanFailure(z + ["--raster", rain, "--stats", "weighted_mean"], mentions: "--weights")
    }

    func testUnwritableOutput() throws {
        let r = try geotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", rain, "-o", "/no/such/dir/out.csv"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("/no/such/dir/out.csv: cannot write"), r.stderr)
    }
}

/// An input that would make a huge message (a CSV header of 200,000 columns) still gives one
/// error line of reasonable length.
final class LongErrorTests: XCTestCase {
    func testHugeHeaderGivesOneShortLine() throws {
        let dir = Fixtures.tempDir()
        let pts = dir + "/wide.csv"
        try ((0..<200_000).map { "c\($0)" }.joined(separator: ",") + "\n").write(toFile: pts, atomically: true, encoding: .utf8)
        let r = try runGeotool(["join", "--points", pts, "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                "-o", dir + "/out.csv"])
        XCTAssertEqual(r.status, 1)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr.prefix(300) + "")
        XCTAssertTrue(lines[0].hasPrefix("geotool: error: \(pts): "), String(lines[0].prefix(200)))
        XCTAssertLessThan(lines[0].count, 800)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.csv"))
    }
}
