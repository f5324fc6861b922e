import XCTest
import GeoGDAL
import GeoTestSupport

/// `geotool zonal --part I/N --partial` and `geotool merge`: the merged table is the single
/// run's, byte for byte (the single run is the oracle), and every way parts can go wrong
/// is refused with one line naming the file.
final class MergeTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("parts/rain_tiled.tif")
    let rain3 = Fixtures.path("parts/rain3.tif")
    let classes = Fixtures.path("parts/classes_fine.tif")

    func zonesArgs(_ rasters: [String], stats: String, _ extra: [String] = []) -> [String] {
        ["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,DT_PCODE,ST_PCODE", "--quiet", "--stats", stats]
            + rasters.flatMap { ["--raster", $0] } + extra
    }

    /// Run every part of `n` into `dir`, returning the part files in index order.
    func runParts(_ args: [String], _ n: Int, _ dir: String, threads: [Int] = [], split: String = "zones") throws -> [String] {
        try (0..<n).map { i in
            let path = "\(dir)/p\(i)of\(n)\(split == "zones" ? "" : "-" + split).part"
            let t = threads.isEmpty ? [] : ["--threads", "\(threads[i % threads.count])"]
            let r = try runGeotool(args + t + ["--part", "\(i)/\(n)", "--partial", path, "--split", split])
            XCTAssertEqual(r.status, 0, r.stderr)
            return path
        }
    }

    func merge(_ parts: [String], _ out: String, _ extra: [String] = []) throws -> GeotoolRun {
        try runGeotool(["merge"] + parts + ["--quiet", "-o", out] + extra)
    }

    func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    /// The merge of N parts (given in reverse order) against a single run, for each N.
    func assertMergeEqualsSingle(_ args: [String], counts: [Int], ext: String = "csv", tableArgs: [String] = [],
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = Fixtures.tempDir()
        let single = "\(dir)/single.\(ext)"
        let r = try runGeotool(args + tableArgs + ["-o", single])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertGreaterThan(bytes(single).count, 100, file: file, line: line)
        for n in counts { for split in ["zones", "rows"] {
            // Parts on different thread counts: the numbers must not depend on them.
            let parts = try runParts(args, n, dir, threads: [1, 2, 3], split: split)
            let out = "\(dir)/merged\(n)\(split).\(ext)"
            let m = try merge(parts.reversed(), out, tableArgs)
            XCTAssertEqual(m.status, 0, m.stderr, file: file, line: line)
            XCTAssertTrue(bytes(out) == bytes(single), "\(n) parts split by \(split): the merged table differs from the single run's", file: file, line: line)
            // Warnings once, as in the single run.
            XCTAssertEqual(m.stderr.components(separatedBy: "lie wholly outside").count, r.stderr.components(separatedBy: "lie wholly outside").count,
                           m.stderr, file: file, line: line)
        } }
    }

    func testRainfallStatisticsWithRollupMergeToTheSingleRunsBytes() throws {
        let args = zonesArgs(["rain=\(rain)"], stats: "count,sum,mean,min,max,stdev,median,p90,coverage,nodata_frac,cells,area",
                             ["--rollup", "DT_PCODE,ST_PCODE"])
        try assertMergeEqualsSingle(args, counts: [1, 2, 3, 7])
    }

    func testLongHXLTableChosenAtMergeTime() throws {
        let args = zonesArgs(["rain=\(rain)"], stats: "count,mean,median,coverage", ["--rollup", "DT_PCODE,ST_PCODE", "--unit", "rain=mm"])
        try assertMergeEqualsSingle(args, counts: [3], tableArgs: ["--format", "long", "--hxl"])
        try assertMergeEqualsSingle(args, counts: [2], ext: "xlsx", tableArgs: ["--hxl"])
    }

    func testMultiBandRasterMerges() throws {
        let args = zonesArgs(["r3=\(rain3)"], stats: "count,mean,stdev,median,p90,min,max", ["--rollup", "ST_PCODE"])
        try assertMergeEqualsSingle(args, counts: [2, 7])
    }

    /// Two grids (the class raster is twice as fine): a second grid group, whose zones
    /// finish in another order, with class statistics, weights and a roll-up.
    func testClassesOnASecondGridWithWeightsAndRollup() throws {
        let args = zonesArgs(["rain=\(rain)", "cls=\(classes)"], stats: "count,mean,majority,frac,class_area,weighted_mean,coverage",
                             ["--weights", "w=\(rain3):2", "--rollup", "DT_PCODE,ST_PCODE", "--min-coverage", "0.4"])
        try assertMergeEqualsSingle(args, counts: [2, 3, 7])
    }

    /// Point, line and polygon zones and one without geometry, with buffered points too, on a
    /// one-band-high raster: with more parts than row bands, the zone that meets no cell is
    /// still delivered once (by the part holding band 0).
    func testPointLineAndEmptyZonesMerge() throws {
        let pts = Fixtures.path("points/rain.tif")
        let mixed = ["zonal", "--zones", Fixtures.path("points/mixed.geojson"), "--id", "id", "--quiet", "--stats", "count,mean,max",
                     "--raster", "r=\(pts)"]
        try assertMergeEqualsSingle(mixed, counts: [2, 3])
        let discs = ["zonal", "--zones", Fixtures.path("points/buffered.geojson"), "--id", "id", "--quiet", "--stats", "count,mean,coverage",
                     "--raster", "r=\(pts)", "--buffer", "2km"]
        try assertMergeEqualsSingle(discs, counts: [2, 3])
    }

    /// Variables chosen with --var from one NetCDF file: the merge resolves them again, with
    /// the same names (NAME_var) and dates as the single run.
    func testNetCDFVariablesMerge() throws {
        let nc = Fixtures.path("netcdf/monthly_standard.nc")
        let args = ["zonal", "--zones", townships, "--id", "TS_PCODE", "--quiet", "--stats", "mean,max", "--raster", "p=\(nc)", "--var", "precip,tmax"]
        try assertMergeEqualsSingle(args, counts: [2], tableArgs: ["--format", "long"])
    }

    func testStandardOutputMerge() throws {
        let args = zonesArgs(["rain=\(rain)"], stats: "count,mean,p90", ["--rollup", "ST_PCODE"])
        let single = try runGeotool(args + ["-o", "-"])
        let m = try runGeotool(["merge"] + (try runParts(args, 3, Fixtures.tempDir())) + ["--quiet", "-o", "-"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertGreaterThan(single.stdout.count, 1000)
        XCTAssertEqual(m.stdout, single.stdout)
    }

    func testGeoPackageMerge() throws {
        let args = zonesArgs(["rain=\(rain)"], stats: "count,mean,median", ["--rollup", "ST_PCODE"])
        let dir = Fixtures.tempDir()
        let single = "\(dir)/single.gpkg", out = "\(dir)/merged.gpkg"
        XCTAssertEqual(try runGeotool(args + ["-o", single]).status, 0)
        let m = try merge(try runParts(args, 3, dir), out)
        XCTAssertEqual(m.status, 0, m.stderr)
        // A GeoPackage records when it was written: compare every layer's features and geometry.
        let dump = { (p: String) in try runProcess("/usr/bin/ogrinfo", ["-al", "-q", p]).stdout }
        let a = try dump(single), b = try dump(out)
        XCTAssertGreaterThan(a.count, 10_000)
        XCTAssertEqual(a.replacingOccurrences(of: single, with: ""), b.replacingOccurrences(of: out, with: ""))
    }

    func testSidecarRecordsTheParts() throws {
        let args = zonesArgs(["rain=\(rain)"], stats: "count,mean")
        let dir = Fixtures.tempDir()
        XCTAssertEqual(try runGeotool(args + ["-o", "\(dir)/single.csv"]).status, 0)
        let parts = try runParts(args, 2, dir)
        XCTAssertEqual(try merge(parts, "\(dir)/merged.csv").status, 0)
        func sidecar(_ p: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: bytes(p + ".datapackage.json")) as! [String: Any]
        }
        var a = try sidecar("\(dir)/single.csv"), b = try sidecar("\(dir)/merged.csv")
        let recorded = (b["geotool"] as! [String: Any])["parts"] as! [[String: Any]]
        XCTAssertEqual(recorded.map { $0["part"] as! Int }, [0, 1])
        XCTAssertEqual(recorded.map { $0["path"] as! String }, parts)
        // The same content but for the run's times, command line and the parts.
        for k in ["created", "geotool"] { a[k] = nil; b[k] = nil }
        var ra = a["resources"] as! [[String: Any]], rb = b["resources"] as! [[String: Any]]
        for i in ra.indices { ra[i]["path"] = nil; rb[i]["path"] = nil; ra[i]["name"] = nil; rb[i]["name"] = nil }
        a["resources"] = ra; b["resources"] = rb; a["name"] = nil; b["name"] = nil
        XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b))
    }

    // MARK: refusals, each one line naming the file

    func refusal(_ parts: [String], _ expect: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = Fixtures.tempDir()
        let r = try merge(parts, "\(dir)/out.csv")
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expect), "expected '\(expect)' in: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out.csv"), file: file, line: line)
    }

    func testRefusesCorruptTruncatedMissingDuplicatedAndForeignParts() throws {
        let dir = Fixtures.tempDir()
        let args = zonesArgs(["rain=\(rain)"], stats: "count,mean,median")
        let parts = try runParts(args, 3, dir)
        // One byte changed in the middle of part 1.
        var data = bytes(parts[1])
        data[data.count / 2] ^= 0x40
        let edited = "\(dir)/edited.part"
        FileManager.default.createFile(atPath: edited, contents: data)
        try refusal([parts[0], edited, parts[2]], "\(edited): corrupt or truncated part file")
        // Cut short.
        let cut = "\(dir)/cut.part"
        FileManager.default.createFile(atPath: cut, contents: bytes(parts[2]).prefix(bytes(parts[2]).count - 100))
        try refusal([parts[0], parts[1], cut], "\(cut): corrupt or truncated part file")
        // A part file of another format version.
        var old = bytes(parts[0])
        old[7] = 1
        let oldPath = "\(dir)/format1.part"
        FileManager.default.createFile(atPath: oldPath, contents: old)
        try refusal([oldPath, parts[1], parts[2]], "\(oldPath): part file format 1 is not the one this geotool reads")
        // Not a part at all.
        try refusal([parts[0], rain], "\(rain): not a geotool part file")
        // Part 2 left out; part 1 given twice.
        try refusal([parts[0], parts[1]], "part(s) 2 of 3 are missing")
        try refusal([parts[0], parts[1], parts[1], parts[2]], "part 1/3 is given twice")
        // A part of a run with other statistics.
        let other = try runParts(zonesArgs(["rain=\(rain)"], stats: "count,mean,p90"), 3, Fixtures.tempDir())
        try refusal([parts[0], other[1], parts[2]], "\(other[1]): is a part of a different run than \(parts[0]): other options (stats:")
        // An output that is an input of the run (the zones), or a part.
        let zonesCopy = "\(dir)/zones.json"
        try FileManager.default.copyItem(atPath: townships, toPath: zonesCopy)
        let own = try runParts(zonesArgs(["rain=\(rain)"], stats: "count").map { $0 == townships ? zonesCopy : $0 }, 1, Fixtures.tempDir())
        let over = try runGeotool(["merge", own[0], "--quiet", "-o", zonesCopy])
        XCTAssertNotEqual(over.status, 0)
        XCTAssertTrue(over.stderr.contains(zonesCopy), over.stderr)
        XCTAssertEqual(bytes(zonesCopy), bytes(townships), "the zones are untouched")
        // Parts of another N.
        let four = try runParts(args, 4, Fixtures.tempDir())
        try refusal([parts[0], four[1], parts[2]], "\(four[1]): is part 1/4")
    }

    /// A part whose header says another geotool made it (rewritten with a valid checksum, as
    /// PartFile.swift lays the file out): refused, naming the versions.
    func testRefusesPartsOfAnotherGeotoolVersion() throws {
        let dir = Fixtures.tempDir()
        let parts = try runParts(zonesArgs(["rain=\(rain)"], stats: "count,mean"), 2, dir)
        let data = bytes(parts[1])
        let n = data.count
        let length = Int(data.subdata(in: (n - 72)..<(n - 64)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = try JSONSerialization.jsonObject(with: data.subdata(in: (n - 72 - length)..<(n - 72))) as! [String: Any]
        header["geotool"] = "0.0.9"
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var body = data.prefix(n - 72 - length) + json
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { body.append(contentsOf: $0) }
        let old = "\(dir)/old.part"
        FileManager.default.createFile(atPath: old, contents: body + Data(SHA256.hex(body).utf8))
        try refusal([parts[0], old], "\(old): made by geotool 0.0.9")
    }

    func testRefusesPartsOfARasterThatChangedBetweenThem() throws {
        let dir = Fixtures.tempDir()
        let raster = "\(dir)/rain.tif"
        try FileManager.default.copyItem(atPath: rain, toPath: raster)
        let args = zonesArgs(["rain=\(raster)"], stats: "count,mean")
        let first = try runParts(args, 2, dir)
        // The same values in another file: another SHA-256, so not the same run.
        try FileManager.default.removeItem(atPath: raster)
        try FileManager.default.copyItem(atPath: Fixtures.path("mimu/rainfall_dekad.tif"), toPath: raster)
        let later = "\(dir)/later.part"
        XCTAssertEqual(try runGeotool(args + ["--part", "1/2", "--partial", later]).status, 0)
        try refusal([first[0], later], "\(later): is a part of a different run than \(first[0]): the input \(raster) has another SHA-256")
    }

    func testPartArgumentsAreChecked() throws {
        let dir = Fixtures.tempDir()
        let args = zonesArgs(["rain=\(rain)"], stats: "count")
        let four = try runGeotool(args + ["--part", "4/4", "--partial", "\(dir)/p.part"])
        XCTAssertNotEqual(four.status, 0)
        XCTAssertTrue(four.stderr.contains("I counts from 0 to N-1"), four.stderr)
        let both = try runGeotool(args + ["--part", "0/2", "--partial", "\(dir)/p.part", "-o", "\(dir)/o.csv"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("-o and --partial"), both.stderr)
        let alone = try runGeotool(args + ["--part", "0/2"])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.stderr.contains("--part I/N and --partial PATH go together"), alone.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        let shaped = try runGeotool(args + ["--part", "0/1", "--partial", "\(dir)/p.part", "--format", "long", "--hxl"])
        XCTAssertEqual(shaped.status, 0, shaped.stderr)
        XCTAssertTrue(shaped.stderr.contains("warning: --format, --hxl: the table's shape is chosen when the parts are merged"), shaped.stderr)
    }

    /// A part killed mid-way leaves no part file; run again alone, it merges to the same bytes.
    func testKilledPartRerunMergesToTheSameBytes() throws {
        let dir = Fixtures.tempDir()
        // A raster big enough for the part to be killed while it runs (10 x the cells each way).
        let big = "\(dir)/big.tif"
        let t = try runProcess("/usr/bin/gdal_translate", ["-q", "-outsize", "1000%", "1000%", "-co", "TILED=YES", rain, big])
        XCTAssertEqual(t.status, 0, t.stderr)
        // Six rasters (the big one under six names) make the engine run a few seconds.
        let args = zonesArgs(["a", "b", "c", "d", "e", "f"].map { "\($0)=\(big)" }, stats: "count,mean,median", ["--rollup", "ST_PCODE", "--threads", "1"])
        let single = "\(dir)/single.csv"
        XCTAssertEqual(try runGeotool(args + ["-o", single]).status, 0)
        var parts = try runParts(args, 2, dir)
        try FileManager.default.removeItem(atPath: parts[1])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = args + ["--part", "1/2", "--partial", parts[1]]
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Killed once its temporary part file exists: the engine is running.
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline,
              !((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).contains(where: { $0.hasPrefix(".p1of2.tmp-") }) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: 0.2)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal, "the part was still running when killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: parts[1]), "no part file from a killed run")
        // SIGKILL cannot be caught: its temporary stays (hidden, named by the dead pid); merge never reads it.
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix(".p1of2.tmp-\(p.processIdentifier)") })
        let rerun = try runGeotool(args + ["--part", "1/2", "--partial", parts[1]])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        parts = parts.reversed()
        let m = try merge(parts, "\(dir)/merged.csv")
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(bytes("\(dir)/merged.csv") == bytes(single))
    }
}
