import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Outputs that would destroy an input, outputs that cannot be written, full disks and
/// leftovers of earlier runs.
final class HostileOutputTests: HostileTestCase {

    func gpkgZones() throws -> String {
        let src = zonesAB("src.geojson")
        try gdal("ogr2ogr", ["-f", "GPKG", p("z.gpkg"), src])
        return p("z.gpkg")
    }

    /// zonal with `zones` and `raster` writing to `output` (as spelled) must be refused and
    /// leave every input as it was.
    func refuseOutput(zones: String, raster: String, output: String, cwd: String? = nil, extra: [String] = [],
                      names: String? = nil, inputs: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let before = snapshot([zones, raster] + inputs)
        let run = try run(["zonal", "--zones", zones, "--id", "zid", "--raster", "r=\(raster)", "--quiet", "-o", output] + extra, cwd: cwd)
        assertError(run, names: names ?? output, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
        let folder = cwd.map { ($0 as NSString).appendingPathComponent((output as NSString).deletingLastPathComponent) }
            ?? (output as NSString).deletingLastPathComponent
        let stem = ((output as NSString).lastPathComponent as NSString).deletingPathExtension
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(".\(stem).") && $0.contains("tmp-") }
        XCTAssertEqual(left, [], "temporaries left", file: file, line: line)
    }

    func testOutputIsTheZonesFile() throws {
        let z = try gpkgZones()
        try refuseOutput(zones: z, raster: try raster16(), output: z)
    }

    func testOutputIsTheZonesFileSpelledDotSlash() throws {
        let z = try gpkgZones()
        try refuseOutput(zones: "z.gpkg", raster: try raster16(), output: "./z.gpkg", cwd: dir, inputs: [z])
    }

    func testOutputIsASymlinkToTheZones() throws {
        let z = try gpkgZones()
        try FileManager.default.createSymbolicLink(atPath: p("link.gpkg"), withDestinationPath: z)
        try refuseOutput(zones: z, raster: try raster16(), output: p("link.gpkg"))
        XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: p("link.gpkg")), z, "the link is kept")
    }

    func testOutputIsTheZonesThroughOtherFolderSpelling() throws {
        let z = try gpkgZones()
        try FileManager.default.createDirectory(atPath: p("sub"), withIntermediateDirectories: true)
        try refuseOutput(zones: z, raster: try raster16(), output: p("sub/../z.gpkg"))
    }

    func testOutputIsTheGazetteer() throws {
        let g = write("g.csv", "child,parent\nA,X\nB,X\n")
        try refuseOutput(zones: zonesAB(), raster: try raster16(), output: g, extra: ["--gazetteer", g], inputs: [g])
    }

    func testZonesNamedLikeTheOutputsSidecar() throws {
        // A GeoJSON zones layer that happens to be called out.csv.datapackage.json.
        let z = zonesAB("out.csv.datapackage.json")
        try refuseOutput(zones: z, raster: try raster16(), output: p("out.csv"), names: p("out."))
        XCTAssertFalse(FileManager.default.fileExists(atPath: p("out.csv")))
    }

    func testRasterNamedLikeTheOutputsSidecar() throws {
        let r = try raster16("out.csv.datapackage.json")
        try refuseOutput(zones: zonesAB(), raster: r, output: p("out.csv"), names: p("out."))
    }

    func testOutputIsAFolder() throws {
        try FileManager.default.createDirectory(atPath: p("out.csv"), withIntermediateDirectories: true)
        write("out.csv/keep.txt", "keep")
        let run = try zonal(zonesAB(), try raster16(), p("out.csv"))
        assertError(run, names: p("out.csv"))
        XCTAssertEqual(FileManager.default.contents(atPath: p("out.csv/keep.txt")), Data("keep".utf8))
        XCTAssertEqual(temporaries(of: p("out.csv")), [])
    }

    func testOutputInAMissingFolder() throws {
        let out = p("no/such/out.csv")
        let run = try zonal(zonesAB(), try raster16(), out)
        assertError(run, names: out, output: out)
    }

    func testExistingOutputSurvivesAFailedRun() throws {
        let out = write("out.csv", "keep,me\n1,2\n"), side = write("out.csv.datapackage.json", "{\"keep\": true}")
        let before = snapshot([out, side])
        let run = try zonal(zonesAB(), write("bad.tif", bytes: garbage(999)), out)
        assertError(run, names: p("bad.tif"))
        assertUnchanged(before)
        XCTAssertEqual(temporaries(of: out), [])
    }

    func testSuccessfulRunReplacesTableAndSidecarTogether() throws {
        let out = write("out.csv", "old\n"), side = write("out.csv.datapackage.json", "{}")
        let run = try zonal(zonesAB(), try raster16(), out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
        assertValidJSON(side)
        XCTAssertTrue(((try? String(contentsOfFile: side, encoding: .utf8)) ?? "").contains("r_mean"), "the sidecar is the new one")
    }

    func testStaleTemporariesOfADeadRunAreRemoved() throws {
        // A pid that no longer runs: a finished child's.
        let p0 = Process()
        p0.executableURL = URL(fileURLWithPath: "/bin/true")
        try p0.run(); p0.waitUntilExit()
        let dead = p0.processIdentifier
        let staleTable = write(".out.tmp-\(dead).csv", "half,a,file\n1,")
        let staleSide = write(".out.csv.datapackage.tmp-\(dead).json", "{\"half\":")
        let out = p("out.csv")
        let run = try zonal(zonesAB(), try raster16(), out)
        assertSuccess(run, output: out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staleTable), "stale temporary of a dead run removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: staleSide), "stale sidecar temporary of a dead run removed")
    }

    func testReadOnlyFileSystem() throws {
        let m = try smallDisk(kilobytes: 200)
        let r = try runProcess("/bin/mount", ["-o", "remount,ro", m])
        guard r.status == 0 else { throw XCTSkip("cannot remount read-only: \(r.stderr)") }
        let out = m + "/out.csv"
        let run = try zonal(zonesAB(), try raster16(), out)
        assertError(run, names: out, output: out)
    }

    // MARK: Full disk (a 200 KB tmpfs, filled up)

    func townshipsRun(_ out: String, stats: String = "count,mean,min,max,stdev,median,p90") throws -> HRun {
        try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR,ST_PCODE",
                 "--raster", "rain=\(rain)", "--stats", stats, "--quiet", "-o", out])
    }

    func testFullDiskCSV() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 8192)
        let out = m + "/out.csv"
        let before = snapshot([townships, rain, m + "/filler.bin"])
        let run = try townshipsRun(out)
        assertError(run, names: out, output: out)
        assertUnchanged(before)
    }

    func testFullDiskWhenOnlyTheTableFits() throws {
        // Reference sizes from a run on the ordinary disk.
        let refOut = p("ref.csv")
        assertSuccess(try townshipsRun(refOut), output: refOut)
        let tableBytes = (try FileManager.default.attributesOfItem(atPath: refOut)[.size] as? Int) ?? 0
        let page = 4096, tablePages = (tableBytes + page - 1) / page
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: tablePages * page + page / 2)
        let out = m + "/out.csv"
        let run = try townshipsRun(out)
        // The sidecar (several KB) cannot fit: neither file may appear.
        assertError(run, names: nil, output: out)
        XCTAssertTrue(run.errorLines.first?.contains(m) ?? false, "the error names a file on the full disk: \(run)")
    }

    func testFullDiskGeoPackage() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 16384)
        let out = m + "/out.gpkg"
        let run = try townshipsRun(out, stats: "mean")
        assertError(run, names: out, output: out)
    }

    func testFullDiskXLSX() throws {
        let m = try smallDisk(kilobytes: 200)
        try fill(m, leaving: 4096)
        let out = m + "/out.xlsx"
        let run = try townshipsRun(out)
        assertError(run, names: out, output: out)
    }
}
