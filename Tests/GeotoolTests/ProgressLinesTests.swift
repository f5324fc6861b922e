import Foundation
import XCTest
import GeoCore
import GeoTestSupport

/// `GEOTOOL_PROGRESS=lines` for batch (whole, parts, merge), join and map, as the QGIS
/// plugin reads them: only `geotool: progress: NN%` lines, never going back, the last 100%;
/// none with --quiet; and without the variable, on a pipe, no terminal bar either.
final class ProgressLinesTests: HostileTestCase {

    /// The inherited environment with GEOTOOL_PROGRESS set to `value` (nil: removed).
    func env(progress value: String?) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["GEOTOOL_PROGRESS"] = value
        return e
    }

    /// Run with GEOTOOL_PROGRESS=lines; it must succeed.
    func runLines(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> HRun {
        let r = try run(args, environment: env(progress: "lines"))
        XCTAssertEqual(r.status, 0, r.description, file: file, line: line)
        return r
    }

    /// The percentages of the progress lines of `r`, checked: every line that speaks of
    /// progress is exactly `geotool: progress: NN%`, the percentages never decrease, stay
    /// within 0...100 and end at 100, there are at least `atLeast` of them, and the last
    /// comes before the summary (nothing after it but geotool's own closing lines).
    @discardableResult
    func assertProgressLines(_ r: HRun, atLeast: Int, file: StaticString = #filePath, line: UInt = #line) -> [Int] {
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let re = try! NSRegularExpression(pattern: #"^geotool: progress: (\d+)%$"#)
        var percents: [Int] = []
        for l in lines where l.contains("progress") {
            let ns = l as NSString
            guard let m = re.firstMatch(in: l, range: NSRange(location: 0, length: ns.length)) else {
                XCTFail("not a progress line: \(l.debugDescription)", file: file, line: line)
                continue
            }
            percents.append(Int(ns.substring(with: m.range(at: 1)))!)
        }
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), "no terminal bar on a pipe: \(r.stderr.debugDescription)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(percents.count, atLeast, "progress lines in \(r.stderr)", file: file, line: line)
        XCTAssertEqual(percents, percents.sorted(), "progress never goes back", file: file, line: line)
        XCTAssertTrue(percents.allSatisfy { (0...100).contains($0) }, "\(percents)", file: file, line: line)
        XCTAssertEqual(percents.last, 100, "the last progress line is 100%: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(percents.filter { $0 == 100 }.count, 1, "100% once: \(percents)", file: file, line: line)
        return percents
    }

    /// Neither progress lines nor a bar (--quiet, or no GEOTOOL_PROGRESS on a pipe).
    func assertNoProgress(_ r: HRun, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 0, r.description, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("progress"), r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}") || r.stderr.contains("[#"), r.stderr.debugDescription, file: file, line: line)
    }

    // MARK: batch

    /// Zones A/B and two indicators, each a 3-band series of its own file (so that two parts
    /// each get one), writing to `out`.
    func batchManifest(_ name: String, out: String) throws -> String {
        zonesAB()
        for s in ["rain", "temp"] {
            try raster("\(s).tif", cols: 4, rows: 4, values: (1...16).map(Float.init), bands: 3)
            write("\(s).tif.bands.txt", "2001-01\n2001-02\n2001-03\n")
        }
        return write(name, """
        zones:
          path: z.geojson
          id: zid
        output:
          dir: \(out)
          format: long
        indicators:
          - name: rain
            source: rain.tif
            stats: [mean, count]
          - name: temp
            source: temp.tif
            stats: [mean]

        """)
    }

    func testBatchRunPrintsProgressLinesToOneHundred() throws {
        let m = try batchManifest("m.yaml", out: "out")
        let r = try runLines(["batch", m, "--threads", "1"])
        assertProgressLines(r, atLeast: 2)
        XCTAssertTrue(r.stderr.contains("computed 6 band(s) of 2 file(s)"), r.stderr)
        // A rerun has nothing to compute: still a start and an end.
        let again = try runLines(["batch", m])
        assertProgressLines(again, atLeast: 2)
        XCTAssertTrue(again.stderr.contains("nothing changed"), again.stderr)
    }

    func testBatchPartsAndMergePrintProgressLines() throws {
        let m = try batchManifest("m.yaml", out: "out")
        for i in 0..<2 {
            let r = try runLines(["batch", m, "--part", "\(i)/2", "--threads", "1"])
            assertProgressLines(r, atLeast: 2)
            XCTAssertTrue(r.stderr.contains("computed 3 band(s) of 1 file(s)"), "each part computes its one file: \(r.stderr)")
        }
        let merged = try runLines(["batch", m, "--merge"])
        assertProgressLines(merged, atLeast: 2)
        XCTAssertTrue(merged.stderr.contains("merged 2 part(s)"), merged.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: p("out/rain.csv")) && FileManager.default.fileExists(atPath: p("out/temp.csv")))
    }

    func testBatchQuietAndPlainPipeHaveNoProgress() throws {
        let quiet = try run(["batch", try batchManifest("q.yaml", out: "outq"), "--quiet"], environment: env(progress: "lines"))
        assertNoProgress(quiet)
        XCTAssertTrue(FileManager.default.fileExists(atPath: p("outq/rain.csv")), "the quiet run did the work")
        let plain = try run(["batch", try batchManifest("p.yaml", out: "outp")], environment: env(progress: nil))
        assertNoProgress(plain)
        XCTAssertTrue(plain.stderr.contains("computed 6 band(s)"), plain.stderr)
    }

    // MARK: join

    func join(_ extra: [String]) -> [String] {
        ["join", "--points", joinPoints, "--zones", joinZones, "--id", "TS_PCODE", "-o", p("out.csv")] + extra
    }

    func testJoinPrintsProgressLinesToOneHundred() throws {
        let r = try runLines(join([]))
        assertProgressLines(r, atLeast: 2)
        // With a QA report and a GeoPackage (the other write paths), still ending at 100%.
        let both = try runLines(["join", "--points", joinPoints, "--zones", joinZones, "--id", "TS_PCODE",
                                 "-o", p("out.gpkg"), "--report", p("qa.csv")])
        assertProgressLines(both, atLeast: 2)
    }

    /// More points than one worker chunk (8192), over several threads: the counts reach the
    /// printer from different workers and must still never go back.
    func testJoinOfManyPointsOverThreadsNeverGoesBack() throws {
        var csv = "id,latitude,longitude\n"
        var s: UInt64 = 7
        for i in 0..<60_000 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(s >> 11) / Double(1 << 53)
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let v = Double(s >> 11) / Double(1 << 53)
            csv += "P\(i),\(16 + 2 * u),\(95 + 2 * v)\n"
        }
        let pts = write("many.csv", csv)
        let r = try runLines(["join", "--points", pts, "--zones", joinZones, "--id", "TS_PCODE", "--threads", "4", "-o", p("many_out.csv")])
        assertProgressLines(r, atLeast: 2)
        XCTAssertTrue(r.stderr.contains("joined 60000 points"), r.stderr)
    }

    func testJoinQuietAndPlainPipeHaveNoProgress() throws {
        assertNoProgress(try run(join(["--quiet"]), environment: env(progress: "lines")))
        assertNoProgress(try run(join([]), environment: env(progress: nil)))
    }

    // MARK: map

    func map(_ extra: [String]) -> [String] {
        ["map", write("t.csv", "zid,r_mean\nA,7.5\nB,9.5\n"), "--zones", zonesAB(), "--id", "zid", "--column", "r_mean", "-o", p("map.svg")] + extra
    }

    func testMapPrintsProgressLinesToOneHundred() throws {
        let r = try runLines(map([]))
        assertProgressLines(r, atLeast: 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: p("map.svg")))
    }

    func testMapQuietAndPlainPipeHaveNoProgress() throws {
        assertNoProgress(try run(map(["--quiet"]), environment: env(progress: "lines")))
        assertNoProgress(try run(map([]), environment: env(progress: nil)))
    }

    /// A failed run stops without claiming 100%.
    func testFailedJoinDoesNotReachOneHundred() throws {
        let r = try run(["join", "--points", joinPoints, "--zones", joinZones, "--id", "NO_SUCH_FIELD", "-o", p("out.csv")],
                        environment: env(progress: "lines"))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.stderr.contains("progress: 100%"), r.stderr)
    }
}
