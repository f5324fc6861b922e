import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 12, output safety: never destroy an input, never leave a half file, never a silent
/// wrong number. Every case runs the real binary as a user would.
final class OutputSafetyTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let points = Fixtures.path("join/points.csv")
    let joinZones = Fixtures.path("join/zones.geojson")

    func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
    func copy(_ from: String, _ to: String) throws { try FileManager.default.copyItem(atPath: from, toPath: to) }

    /// A refused run: exit 1, exactly one error line naming `names`, the folder as it was
    /// (no output, no temporary) and every file in it byte for byte as before.
    func assertRefused(_ args: [String], in dir: String, naming names: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = files(dir), contents = before.map { bytes(dir + "/" + $0) }
        let r = try runGeotool(args)
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: error:") }
        XCTAssertEqual(errors.count, 1, r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("geotool: warning"), "refused before any work: \(r.stderr)", file: file, line: line)
        for n in names { XCTAssertTrue(errors.first?.contains(n) == true, "names \(n): \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(files(dir), before, "nothing written, nothing left", file: file, line: line)
        XCTAssertEqual(before.map { bytes(dir + "/" + $0) }, contents, "inputs unchanged", file: file, line: line)
    }

    // MARK: 1. outputs that are inputs, or each other

    func testZonalOutputThatIsItsZonesIsRefused() throws {
        let dir = Fixtures.tempDir()
        let z = dir + "/z.gpkg"
        let c = try runProcess("/usr/bin/ogr2ogr", ["-f", "GPKG", z, townships])
        XCTAssertEqual(c.status, 0, c.stderr)
        try assertRefused(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", z, "--quiet"],
                          in: dir, naming: [z])
        // The same file spelt otherwise: `./`, `..`, and through a symbolic link.
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.gpkg", withDestinationPath: z)
        for other in [dir + "/./sub/../z.gpkg", dir + "/link.gpkg"] {
            try assertRefused(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", other, "--quiet"],
                              in: dir, naming: [z, other])
        }
    }

    /// An output that is an existing folder (a part file, a join report, a table) is refused
    /// in one line naming it, and the folder is left as it was.
    func testOutputThatIsAFolderIsRefused() throws {
        let dir = Fixtures.tempDir()
        for name in ["d", "t.csv", "qa.csv"] { try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true) }
        let zonal = ["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--stats", "mean"]
        try assertRefused(zonal + ["--part", "0/2", "--partial", dir + "/d"], in: dir, naming: [dir + "/d", "folder"])
        try assertRefused(zonal + ["-o", dir + "/t.csv"], in: dir, naming: [dir + "/t.csv", "folder"])
        try assertRefused(["join", "--points", points, "--zones", joinZones, "--id", "VT_PCODE", "-o", dir + "/out.csv", "--report", dir + "/qa.csv"],
                          in: dir, naming: [dir + "/qa.csv", "folder"])
    }

    func testJoinOutputThatIsItsPointsIsRefused() throws {
        let dir = Fixtures.tempDir()
        let schools = dir + "/schools.csv"
        try copy(points, schools)
        try assertRefused(["join", "--points", schools, "--zones", joinZones, "--id", "VT_PCODE", "-o", dir + "/./schools.csv"],
                          in: dir, naming: [schools, dir + "/./schools.csv"])
    }

    func testJoinReportThatIsItsPointsIsRefused() throws {
        let dir = Fixtures.tempDir()
        let schools = dir + "/schools.csv"
        try copy(points, schools)
        try assertRefused(["join", "--points", schools, "--zones", joinZones, "--id", "VT_PCODE", "-o", dir + "/out.csv",
                           "--report", schools], in: dir, naming: [schools])
    }

    func testJoinOutputAndReportTheSameFileIsRefused() throws {
        let dir = Fixtures.tempDir()
        let schools = dir + "/schools.csv"
        try copy(points, schools)
        try assertRefused(["join", "--points", schools, "--zones", joinZones, "--id", "VT_PCODE", "-o", dir + "/out.csv",
                           "--report", dir + "/out.csv"], in: dir, naming: [dir + "/out.csv"])
    }

    func testInputNamedAsTheOutputsSidecarIsRefused() throws {
        let dir = Fixtures.tempDir()
        let z = dir + "/out.csv.datapackage.json"   // GeoJSON zones, unluckily named
        try copy(townships, z)
        try assertRefused(["zonal", "--zones", z, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", dir + "/out.csv", "--quiet"],
                          in: dir, naming: [z, dir + "/out.csv"])
    }

    func testMapAndReportOutputThatIsTheirTableIsRefused() throws {
        let dir = Fixtures.tempDir()
        let t = dir + "/t.csv"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", t, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // A table that happens to carry the output's extension.
        try copy(t, dir + "/t.html")
        try copy(t, dir + "/t.svg")
        try assertRefused(["report", dir + "/t.html", "-o", dir + "/t.html"], in: dir, naming: [dir + "/t.html"])
        try assertRefused(["map", dir + "/t.svg", "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "-o", dir + "/t.svg"],
                          in: dir, naming: [dir + "/t.svg"])
    }

    func testBatchOutputFolderThatHoldsAnInputIsRefused() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        // Zones (GeoJSON) in the output folder under the name of an indicator's sidecar.
        let z = dir + "/out/rain.csv.datapackage.json"
        try copy(townships, z)
        let manifest = dir + "/m.yaml"
        try """
        zones:
          path: \(z)
          id: TS_PCODE
        output:
          dir: \(dir)/out
        indicators:
          - name: rain
            source: \(rain)
            stats: [mean]

        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let before = bytes(z)
        let r = try runGeotool(["batch", manifest, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("geotool: error:") && r.stderr.contains(z), r.stderr)
        XCTAssertEqual(files(dir + "/out"), ["rain.csv.datapackage.json"], "nothing written (not even the cache)")
        XCTAssertEqual(bytes(z), before)
    }

    // MARK: 2. table and sidecar together; checked writers

    func testFailedSidecarLeavesNoTable() throws {
        let dir = Fixtures.tempDir()
        // The sidecar's name is taken by a folder: the sidecar cannot be written.
        for ext in ["csv", "xlsx"] {
            try FileManager.default.createDirectory(atPath: dir + "/out.\(ext).datapackage.json", withIntermediateDirectories: true)
            let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)",
                                    "-o", dir + "/out.\(ext)", "--quiet"])
            XCTAssertEqual(r.status, 1, r.stderr)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: error:") }
            XCTAssertEqual(errors.count, 1, r.stderr)
            XCTAssertTrue(errors.first?.contains(dir + "/out.\(ext).datapackage.json") == true, r.stderr)
            XCTAssertFalse(r.stderr.contains(".tmp-"), "errors name the user's path: \(r.stderr)")
            // Only the folders in the sidecars' way (this output's and the earlier one's).
            let folders = (ext == "csv" ? ["csv"] : ["csv", "xlsx"]).map { "out.\($0).datapackage.json" }
            XCTAssertEqual(Set(files(dir)), Set(folders), "no table without its sidecar, no temporary")
        }
    }

    func testFullDiskLeavesNoFile() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        let dir = Fixtures.tempDir() + "/full"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let m = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=12k", "tmpfs", dir])
        guard m.status == 0 else { throw XCTSkip("cannot mount a tmpfs: \(m.stderr)") }
        defer { _ = try? runProcess("/bin/umount", [dir]) }
        for ext in ["xlsx", "csv", "gpkg"] {
            let out = dir + "/rain.\(ext)"
            let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR,ST,DT",
                                    "--raster", "rain=\(rain)", "--stats", "count,sum,mean,min,max,stdev,median,p90", "--format", "long",
                                    "-o", out, "--quiet"])
            XCTAssertEqual(r.status, 1, "\(ext): \(r.stderr)")
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: error:") }
            XCTAssertEqual(errors.count, 1, "\(ext): \(r.stderr)")
            XCTAssertTrue(errors.first?.contains(out) == true || errors.first?.contains(out + ".datapackage.json") == true,
                          "\(ext): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains(".tmp-"), r.stderr)
            XCTAssertEqual(files(dir), [], "\(ext): no file left on the full disk")
        }
    }

    // MARK: 3. signals and stale temporaries

    func testStaleTemporariesOfDeadRunsAreRemoved() throws {
        let dir = Fixtures.tempDir()
        // A finished process's id: not running any more.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run(); p.waitUntilExit()
        let dead = p.processIdentifier, alive = getpid()
        let stale = [".out.tmp-\(dead).csv", ".out.datapackage.tmp-\(dead).json", ".other.tmp-\(dead).gpkg-journal"]
        for f in stale + [".busy.tmp-\(alive).csv", "keep.csv"] { FileManager.default.createFile(atPath: dir + "/" + f, contents: Data("x".utf8)) }
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", dir + "/out.csv", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(files(dir), [".busy.tmp-\(alive).csv", "keep.csv", "out.csv", "out.csv.datapackage.json"])
    }

    /// A zonal run slow enough to interrupt: a 6000 x 6000 Float32 raster over Myanmar.
    func bigRaster() throws -> String {
        let path = NSTemporaryDirectory() + "geokit-tests-big-6000.tif"
        if FileManager.default.fileExists(atPath: path) { return path }
        let tmp = path + ".part.tif"
        let c = try runProcess("/usr/bin/gdal_create", ["-of", "GTiff", "-outsize", "6000", "6000", "-ot", "Float32", "-burn", "1",
                                                       "-a_srs", "EPSG:4326", "-a_ullr", "92", "28.6", "101.2", "9.5", tmp])
        guard c.status == 0 else { throw XCTSkip("gdal_create failed: \(c.stderr)") }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
        return path
    }

    func interrupt(_ sig: Int32, expect status: Int32) throws {
        let big = try bigRaster()
        let dir = Fixtures.tempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = ["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "a=\(big)", "--raster", "b=\(big)",
                       "--stats", "mean,median,p90,stdev", "--threads", "1", "-o", dir + "/out.csv", "--quiet"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        usleep(1_500_000)
        XCTAssertTrue(p.isRunning, "the run is still going when the signal comes")
        kill(p.processIdentifier, sig)
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, "exits (after cleaning up), is not killed")
        XCTAssertEqual(p.terminationStatus, status, String(decoding: e, as: UTF8.self))
        XCTAssertEqual(files(dir), [], "no output, no temporary")
        // The one line geotool says (GeoCore removes the files; the CLI words it).
        let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
        XCTAssertTrue(String(decoding: e, as: UTF8.self).hasSuffix("geotool: error: interrupted by \(name); temporary files removed\n"),
                      String(decoding: e, as: UTF8.self))
    }

    func testSIGINTStopsWithStatus130AndLeavesNothing() throws { try interrupt(SIGINT, expect: 130) }
    func testSIGTERMStopsWithStatus143AndLeavesNothing() throws { try interrupt(SIGTERM, expect: 143) }

    /// Interrupted while the table is written (its temporary is there): the temporaries go.
    func testSIGINTWhileWritingRemovesTheTemporaries() throws {
        let dir = Fixtures.tempDir(), out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // 100 bands x 3 rasters x 9 statistics x 330 units: a long table of ~900,000 rows.
        let c = try runProcess("/usr/bin/gdal_translate", ["-q"] + Array(repeating: ["-b", "1"], count: 100).flatMap { $0 } + [rain, dir + "/b100.tif"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = ["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "a=\(dir)/b100.tif", "--raster", "b=\(dir)/b100.tif",
                       "--raster", "c=\(dir)/b100.tif", "--stats", "count,sum,mean,min,max,range,stdev,variance,cv", "--format", "long",
                       "-o", out + "/t.csv", "--quiet"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        let started = Date()
        while p.isRunning && !files(out).contains(where: { $0.hasPrefix(".t.tmp-") }) && Date().timeIntervalSince(started) < 120 { usleep(200) }
        XCTAssertTrue(p.isRunning && files(out).contains(where: { $0.hasPrefix(".t.tmp-") }), "the signal comes while the table is written")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(files(out), [], "no table, no sidecar, no temporary")
    }

    // MARK: 4. one number rule

    func testNaNAndInfiniteNodataGiveNullInTheSidecar() throws {
        let dir = Fixtures.tempDir()
        for (name, nodata, ext) in [("nan", "nan", "csv"), ("ninf", "-inf", "xlsx"), ("inf", "inf", "csv")] {
            let tif = dir + "/\(name).tif"
            let c = try runProcess("/usr/bin/gdal_translate", ["-q", "-ot", "Float32", "-a_nodata", nodata, rain, tif])
            XCTAssertEqual(c.status, 0, c.stderr)
            let out = dir + "/\(name).\(ext)"
            let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "r=\(tif)", "-o", out, "--quiet"])
            XCTAssertEqual(r.status, 0, "\(nodata): \(r.stderr)")
            let side = out + ".datapackage.json"
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: side))) as! [String: Any]
            let band = ((json["rasters"] as! [[String: Any]])[0]["bands"] as! [[String: Any]])[0]
            XCTAssertTrue(band["nodata"] is NSNull, "\(nodata) nodata is null: \(String(describing: band["nodata"]))")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out))
        }
    }

    // MARK: 5. inputs that are folders

    func testZonesAsAFolderOfShapefilesAreHashed() throws {
        let dir = Fixtures.tempDir()
        let shp = dir + "/shp"
        try FileManager.default.createDirectory(atPath: shp, withIntermediateDirectories: true)
        let c = try runProcess("/usr/bin/ogr2ogr", [shp + "/townships.shp", townships, "-lco", "ENCODING=UTF-8"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let r = try runGeotool(["zonal", "--zones", shp, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "-o", dir + "/out.csv", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out.csv.datapackage.json"))) as! [String: Any]
        let sha = (json["zones"] as! [String: Any])["sha256"] as! String
        XCTAssertEqual(sha.count, 64, "a folder is hashed by its files' names and hashes: \(sha)")
        // The same folder gives the same hash; a changed file changes it.
        XCTAssertEqual(try SHA256.hex(fileAt: shp), sha)
        FileManager.default.createFile(atPath: shp + "/notes.txt", contents: Data("x".utf8))
        XCTAssertNotEqual(try SHA256.hex(fileAt: shp), sha)
    }

    func testRasterThatIsAFolderIsAnErrorNotACrash() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: true)
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(dir)/folder", "-o", dir + "/out.csv", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("geotool: error: \(dir)/folder"), r.stderr)
        XCTAssertEqual(files(dir), ["folder"])
    }
}
