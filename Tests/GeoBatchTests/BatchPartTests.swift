import XCTest
import GeoCore
import GeoGDAL
import GeoKit
@testable import GeoBatch
import GeoTestSupport

/// `geotool batch M --part I/N` and `--merge` (issue 14): parts then merge give the tables of
/// a single run byte for byte (the oracle: `geotool batch M` on the same inputs), keep the
/// incremental rules, survive a SIGKILL, and bad parts are refused with one line.
extension BatchTests {
    /// Two indicators: 24 one-band monthly files, and one 24-band file (one unit of work,
    /// 24 times a month's): shares are cut by work, not by file count.
    func partsManifest(_ dir: String, out: String, description: String = "Monthly rainfall") throws -> String {
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: out, extra: """
          - name: stack
            source: series.tif
            stats: [min, count]
        """)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "Monthly rainfall", with: description)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Run `geotool batch` with `args`, expecting success; its stderr.
    @discardableResult
    func batchCLI(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try runGeotool(["batch"] + args + ["--threads", "1"])
        XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)", file: file, line: line)
        return r.stderr
    }

    /// Run `geotool batch` with `args`, expecting a one-line error holding `want`.
    func batchFails(_ args: [String], _ want: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runGeotool(["batch"] + args)
        XCTAssertNotEqual(r.status, 0, "\(args) must fail", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("geotool: error: ") && r.stderr.contains(want), "\(want): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
    }

    func testPartsThenMergeGiveTheSingleRunsTables() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 24)
        let single = try partsManifest(dir, out: "single")
        try batchCLI([single, "--quiet"])
        let want = (try bytes(dir + "/single/rain.csv"), try bytes(dir + "/single/stack.csv"))
        XCTAssertGreaterThan(want.0.count, 10_000)

        for n in [1, 2, 3, 5] {
            let out = dir + "/p\(n)"
            let path = try partsManifest(dir, out: "p\(n)")
            if n == 2 {
                // The dry run of a part lists its share: here the 24-band file alone.
                let dry = try runGeotool(["batch", path, "--dry-run", "--part", "1/2"])
                XCTAssertTrue(dry.stdout.contains("rain: 0 band(s) of 0 file(s) to compute") &&
                              dry.stdout.contains("stack: 24 band(s) of 1 file(s) to compute") && dry.stdout.contains("new       \(dir)/series.tif"), dry.stdout)
            }
            var parts: [Process] = []
            for i in 0..<n {
                if n == 3 {
                    // Concurrently, as array tasks sharing the folder would.
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: geotoolPath)
                    p.arguments = ["batch", path, "--part", "\(i)/\(n)", "--threads", "1", "--quiet"]
                    try p.run()
                    parts.append(p)
                } else {
                    try batchCLI([path, "--part", "\(i)/\(n)"])
                }
            }
            for p in parts { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/rain.csv"), "parts write no table")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/.geotool-batch-state.json"), "parts write no state")
            // Shares by work: the 24-band file weighs as much as the 24 one-band files.
            let shards = try (0..<n).map { try BatchRunner(manifest: BatchManifest(path: path)).readShard(out + "/.geotool-batch-parts/part-\($0)-of-\(n).json") }
            XCTAssertEqual(shards.reduce(0) { $0 + $1.bands }, 48, "every band computed once over the parts (N=\(n))")
            XCTAssertEqual(shards.reduce(0) { $0 + $1.files }, 25)
            if n == 2 { XCTAssertEqual(shards.map(\.bands), [24, 24], "halves of the work, not of the 25 files") }
            let merged = try batchCLI([path, "--merge"])
            XCTAssertTrue(merged.contains("merged \(n) part(s): 48 band(s) of 25 file(s) computed by the parts; wrote 2 table(s)"), merged)
            XCTAssertEqual(try bytes(out + "/rain.csv"), want.0, "N=\(n): rain.csv byte-identical to the single run")
            XCTAssertEqual(try bytes(out + "/stack.csv"), want.1, "N=\(n): stack.csv byte-identical to the single run")
            XCTAssertEqual(try sidecarContent(out + "/rain.csv.datapackage.json"), try sidecarContent(dir + "/single/rain.csv.datapackage.json"),
                           "N=\(n): the sidecar says what the single run's says")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/.geotool-batch-parts"), "the merge consumed the parts")
            // A normal run after the merge has nothing to do, and parts of a new round neither.
            let again = try batchCLI([path])
            XCTAssertTrue(again.contains("nothing changed: no raster work"), again)
            if n == 2 {
                for i in 0..<n {
                    let s = try batchCLI([path, "--part", "\(i)/\(n)"])
                    XCTAssertTrue(s.contains("0 file(s) in its share; computed 0 band(s) of 0 file(s)"), s)
                }
                let m2 = try batchCLI([path, "--merge"])
                XCTAssertTrue(m2.contains("0 band(s) of 0 file(s) computed by the parts; wrote 0 table(s) to \(out), 2 up to date"), m2)
            }
            XCTAssertEqual(try bytes(out + "/rain.csv"), want.0)
        }
    }

    func testChangedFileIsTheOnlyWorkOfTheNextParts() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 24)
        let path = try partsManifest(dir, out: "out")
        for i in 0..<3 { try batchCLI([path, "--part", "\(i)/3"]) }
        try batchCLI([path, "--merge"])
        let cacheDir = dir + "/out/.cache/rain"
        let mtimes = { () -> [String: Date] in
            Dictionary(uniqueKeysWithValues: self.files(cacheDir).map { ($0, (try! FileManager.default.attributesOfItem(atPath: cacheDir + "/" + $0))[.modificationDate] as! Date) })
        }
        let before = mtimes()
        XCTAssertEqual(before.count, 24)

        // One month changes: the parts compute it alone, the merge records it alone.
        let changed = dir + "/months/rain-2001.07.tif"
        try writeGeoTIFF(path: changed, grid: Self.grid, bands: [Self.month(50)], nodata: -9999)
        var computed = 0
        for i in 0..<3 {
            let s = try batchCLI([path, "--part", "\(i)/3"])
            if s.contains("1 file(s) in its share; computed 1 band(s) of 1 file(s)") { computed += 1 }
            else { XCTAssertTrue(s.contains("0 file(s) in its share; computed 0 band(s) of 0 file(s)"), s) }
        }
        XCTAssertEqual(computed, 1, "one part holds the one changed file")
        let merged = try batchCLI([path, "--merge"])
        XCTAssertTrue(merged.contains("merged 3 part(s): 1 band(s) of 1 file(s) computed by the parts; wrote 1 table(s)"), merged)
        let after = mtimes()
        let name = try XCTUnwrap(BatchRunner(manifest: BatchManifest(path: path)).state.indicators["rain"]?.sources[changed]?.cache)
        for (f, t) in after where f != name { XCTAssertEqual(t, before[f], "\(f) untouched") }
        XCTAssertNotEqual(after[name], before[name])
        let state = try JSONDecoder().decode(BatchState.self, from: bytes(dir + "/out/.geotool-batch-state.json"))
        XCTAssertEqual(state.indicators["rain"]?.sources[changed]?.fingerprint, try batchFingerprint(changed))
        XCTAssertEqual(state.inputs[changed]?.sha256, try SHA256.hex(fileAt: changed), "the part's hash of the new file is recorded")

        // The tables equal a fresh single run on the changed inputs.
        try batchCLI([try partsManifest(dir, out: "fresh"), "--quiet"])
        XCTAssertEqual(try bytes(dir + "/out/rain.csv"), try bytes(dir + "/fresh/rain.csv"))
        XCTAssertEqual(try bytes(dir + "/out/stack.csv"), try bytes(dir + "/fresh/stack.csv"))
        let again = try batchCLI([try partsManifest(dir, out: "out")])
        XCTAssertTrue(again.contains("nothing changed: no raster work"), again)
    }

    func testBadPartsAreRefusedWithOneLine() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 6)
        let path = try partsManifest(dir, out: "out")
        try batchFails([path, "--part", "4/4"], "parts count from 0 to N-1 (as SLURM_ARRAY_TASK_ID), so part 4 of 4 does not exist; use 0/4 to 3/4")
        try batchFails([path, "--part", "x"], "give I/N")
        // The library names the run that fixes it (a `Remedy`); the CLI words it as a command line.
        try batchFails([path, "--merge"], "no parts to merge (run geotool batch \(path) --part I/N for I = 0 to N-1 first)")
        let parts = dir + "/out/.geotool-batch-parts"
        for i in 0..<3 { try batchCLI([path, "--part", "\(i)/3"]) }
        let fm = FileManager.default
        let keep = dir + "/keep"
        try fm.copyItem(atPath: parts, toPath: keep)
        let restore = {
            try? fm.removeItem(atPath: parts)
            try fm.copyItem(atPath: keep, toPath: parts)
        }

        try fm.removeItem(atPath: parts + "/part-1-of-3.json")
        try batchFails([path, "--merge"], "\(parts): missing part(s) 1 of 3 (run geotool batch \(path) --part I/3 for each, then merge)")
        try restore()
        // Truncated, or one byte changed.
        let p1 = parts + "/part-1-of-3.json"
        let good = try bytes(p1)
        try good.prefix(good.count - 10).write(to: URL(fileURLWithPath: p1))
        try batchFails([path, "--merge"], "\(p1): the part file is corrupt or truncated")
        var flipped = good
        flipped[flipped.count / 2] ^= 0x01
        try flipped.write(to: URL(fileURLWithPath: p1))
        try batchFails([path, "--merge"], "\(p1): the part file is corrupt or truncated")
        // A copy of another part under its name.
        try restore()
        try fm.removeItem(atPath: p1)
        try fm.copyItem(atPath: parts + "/part-0-of-3.json", toPath: p1)
        try batchFails([path, "--merge"], "\(p1): holds part 0 of 3, as does part-0-of-3.json")
        // A part of another split left beside.
        try restore()
        try fm.copyItem(atPath: parts + "/part-0-of-3.json", toPath: parts + "/part-0-of-2.json")
        try batchFails([path, "--merge"], "parts of different splits")
        // A part computed for another manifest (another description).
        try restore()
        _ = try partsManifest(dir, out: "out", description: "Rain per month")
        try batchCLI([path, "--part", "2/3"])
        _ = try partsManifest(dir, out: "out")
        try batchFails([path, "--merge"], "\(parts)/part-2-of-3.json: computed for another manifest")
        try batchFails([path, "--merge"], "'s) (rerun geotool batch \(path) --part 2/3)")
        // A part of another geotool: its shard re-signed after the version was changed.
        try restore()
        let p0 = parts + "/part-0-of-3.json"
        let text = try String(contentsOfFile: p0, encoding: .utf8)
        let body = String(text[text.index(after: text.firstIndex(of: "\n")!)...])
            .replacingOccurrences(of: "\"geotool\":\"\(GeoKitVersion.string)\"", with: "\"geotool\":\"0.0.1\"")
        XCTAssertTrue(body.contains("\"geotool\":\"0.0.1\""))
        try ("geotool-batch-part 1 sha256=\(SHA256.hex(text: body))\n" + body).write(toFile: p0, atomically: true, encoding: .utf8)
        try batchFails([path, "--merge"], "\(p0): computed by geotool 0.0.1, not this geotool \(GeoKitVersion.string)")
        // A run since the parts planned: the state they planned from is gone.
        try restore()
        try batchCLI([path, "--quiet"])
        try batchFails([path, "--merge"], "computed against another state of \(dir)/out")
        try fm.removeItem(atPath: dir + "/out/.geotool-batch-state.json")
        try fm.removeItem(atPath: dir + "/out/.cache")
        for f in ["rain.csv", "rain.csv.datapackage.json", "stack.csv", "stack.csv.datapackage.json"] { try fm.removeItem(atPath: dir + "/out/" + f) }
        // A damaged cache file of a part.
        try restore()
        let cacheFile = try XCTUnwrap(FileManager.default.enumerator(atPath: parts + "/part-0-of-3")?.compactMap { $0 as? String }.first { $0.hasSuffix(".f64") })
        try Data(count: 16).write(to: URL(fileURLWithPath: parts + "/part-0-of-3/" + cacheFile))
        try batchFails([path, "--merge"], "missing or damaged")
        XCTAssertFalse(fm.fileExists(atPath: dir + "/out/rain.csv"), "no table from a refused merge")
        XCTAssertFalse(fm.fileExists(atPath: dir + "/out/.geotool-batch-state.json"), "no state from a refused merge")
        // Restored, the merge goes through and gives the single run's tables.
        try restore()
        try batchCLI([path, "--merge"])
        try batchCLI([try partsManifest(dir, out: "single"), "--quiet"])
        XCTAssertEqual(try bytes(dir + "/out/rain.csv"), try bytes(dir + "/single/rain.csv"))
        XCTAssertEqual(try bytes(dir + "/out/stack.csv"), try bytes(dir + "/single/stack.csv"))
    }

    func testKilledPartRerunAloneMergesToTheSameBytes() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/months", withIntermediateDirectories: true)
        for k in 0..<120 { try writeMonth(dir, k) }
        let ref = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "ref", baseline: "[2001, 2005]")
        try batchCLI([ref, "--quiet"])
        let want = try bytes(dir + "/ref/rain.csv")
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "out", baseline: "[2001, 2005]")
        let args = ["--threads", "1", "--batch-size", "4", "--quiet"]
        let out = dir + "/out", parts = out + "/.geotool-batch-parts"
        try batchCLI([path, "--part", "0/2"] + args)
        let shard0 = try bytes(parts + "/part-0-of-2.json")
        // Run twice: nothing to do, the same shard.
        let twice = try batchCLI([path, "--part", "0/2", "--threads", "1"])
        XCTAssertTrue(twice.contains("part 0/2: 60 file(s) in its share; computed 0 band(s) of 0 file(s)"), twice)
        let shard0Again = try BatchRunner(manifest: BatchManifest(path: path)).readShard(parts + "/part-0-of-2.json")
        let shard0First = try BatchRunner(manifest: BatchManifest(path: path)).readShard(parts + "/part-0-of-2.json")
        XCTAssertEqual(shard0Again.indicators["rain"]?.sources.count, 60)
        XCTAssertEqual(shard0First.bands, 60)
        _ = shard0

        // Part 1 killed after its 9th file: unfinished (or not written yet), refused by the merge.
        let cacheFiles = { self.files(parts + "/part-1-of-2/rain").filter { !$0.hasPrefix(".") && $0.hasSuffix(".f64") }.count }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = ["batch", path, "--part", "1/2"] + args
        try p.run()
        let started = Date()
        while p.isRunning && cacheFiles() < 9 && Date().timeIntervalSince(started) < 120 { usleep(500) }
        XCTAssertTrue(p.isRunning, "the kill lands mid-run")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let r = try runGeotool(["batch", path, "--merge"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("is unfinished") || r.stderr.contains("missing part(s) 1 of 2"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/rain.csv"))

        // Rerun alone: it keeps what its shard holds, computes the rest; the merge gives the bytes.
        let kept = (try? BatchRunner(manifest: BatchManifest(path: path)).readShard(parts + "/part-1-of-2.json"))?.indicators["rain"]?.sources.count ?? 0
        XCTAssertGreaterThanOrEqual(kept, 4, "a pass of 4 files was saved before the kill")
        let resumed = try batchCLI([path, "--part", "1/2", "--threads", "1", "--batch-size", "4"])
        XCTAssertTrue(resumed.contains("60 file(s) in its share; computed \(60 - kept) band(s) of \(60 - kept) file(s)"), "kept \(kept): \(resumed)")
        try batchCLI([path, "--merge"])
        XCTAssertEqual(try bytes(out + "/rain.csv"), want, "byte-identical to the single run")
        let all = FileManager.default.enumerator(atPath: out)!.compactMap { $0 as? String }
        XCTAssertTrue(all.allSatisfy { !$0.contains(".tmp-") }, "\(all.filter { $0.contains(".tmp-") })")
    }
}
