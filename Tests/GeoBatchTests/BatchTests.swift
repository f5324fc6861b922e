import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoBatch
import GeoTestSupport

/// `geotool batch`: manifests, values against `ZonalJob` on the same bands, derived series
/// against their definitions, incremental reruns, interruption, and bad manifests.
final class BatchTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")

    // A tiny monthly series over Myanmar: 0.5° cells, 19 x 39, with some nodata.
    static let cols = 19, rows = 39
    static let grid = Grid(left: 92, top: 28.75, dx: 0.5, dy: 0.5, cols: cols, rows: rows)

    static func month(_ k: Int) -> [Float] {
        (0..<(rows * cols)).map { i in
            let r = i / cols, c = i % cols
            if (r + c + k) % 23 == 0 { return -9999 }
            return Float(10 + k * 3 + (r * 7 + c * 13 + k * 5) % 17) + Float(k % 12) * 0.25
        }
    }
    static func date(_ k: Int, from year: Int = 2001) -> String { String(format: "%04d-%02d", year + k / 12, k % 12 + 1) }

    /// `n` months as one multi-band file (with its .bands.txt) and as one file per month.
    func makeSeries(_ dir: String, months n: Int, split: Bool = true, multi: Bool = true) throws {
        if multi {
            try writeGeoTIFF(path: dir + "/series.tif", grid: Self.grid,
                             bands: (0..<n).map(Self.month), nodata: -9999)
            try (0..<n).map { Self.date($0) }.joined(separator: "\n").write(toFile: dir + "/series.tif.bands.txt", atomically: true, encoding: .utf8)
        }
        if split {
            try FileManager.default.createDirectory(atPath: dir + "/months", withIntermediateDirectories: true)
            for k in 0..<n { try writeMonth(dir, k) }
        }
    }

    func writeMonth(_ dir: String, _ k: Int) throws {
        let d = Self.date(k)
        try writeGeoTIFF(path: dir + "/months/rain-\(d.prefix(4)).\(d.suffix(2)).tif", grid: Self.grid,
                             bands: [Self.month(k)], nodata: -9999)
    }

    func manifest(_ dir: String, source: String, out: String = "out", stats: String = "[mean, max]", extra: String = "",
                  derive: Bool = true, baseline: String = "[2001, 2002]") -> String {
        let text = """
        zones:
          path: \(townships)
          id: TS_PCODE
          include: [TS, ST_PCODE]
          rollup: [DT_PCODE, ST_PCODE]
        output:
          dir: \(out)
          format: long
        indicators:
          - name: rain
            description: Monthly rainfall
            unit: mm
            source: \(source)
            stats: \(stats)
            method: exact
        \(extra)
        """ + (derive ? """

            derive:
              annual: sum
              anomaly: {baseline: \(baseline)}

        """ : "\n")
        let path = dir + "/indicators.yaml"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ path: String, batchSize: Int = 0) throws -> (BatchRunner, BatchReport) {
        var o = BatchOptions()
        o.threads = 2
        o.batchSize = batchSize
        let r = BatchRunner(manifest: try BatchManifest(path: path), options: o)
        return (r, try r.run())
    }

    /// Values of the long table: (pcode, indicator, stat, date) -> value (nil: empty).
    func values(_ csv: String) throws -> [String: Double?] {
        let t = try Table.readCSV(path: csv)
        let c = { (n: String) in t.columns.firstIndex(of: n)! }
        var out: [String: Double?] = [:]
        for r in t.rows {
            let key = [r[c("pcode")], r[c("indicator")], r[c("stat")], r[c("date")]].map { cell -> String in
                switch cell { case .text(let s): return s; case .number(let v): return formatNumber(v); case .empty: return "" }
            }.joined(separator: "|")
            XCTAssertNil(out[key], "row \(key) appears once")
            out[key] = r[c("value")].doubleValue
        }
        return out
    }

    // MARK: values

    func testSeriesEqualsZonalAndDerivedSeriesFollowTheirDefinitions() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 24)
        // One multi-band file.
        let (_, rep1) = try run(manifest(dir, source: "series.tif", out: "one"))
        XCTAssertEqual(rep1.bandsComputed, 24)
        XCTAssertEqual(rep1.passes, 1, "24 bands on one grid share one coverage pass")
        let one = try values(dir + "/one/rain.csv")
        // One file per month, with the dates in the names.
        let (_, rep2) = try run(manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "split"))
        XCTAssertEqual(rep2.filesComputed, 24)
        let split = try values(dir + "/split/rain.csv")
        XCTAssertEqual(Set(one.keys), Set(split.keys))
        for (k, v) in one { assertRelative(v, split[k]!, 1e-12, "one file vs split files: \(k)") }

        // geotool zonal (ZonalJob) on the same bands.
        var job = ZonalJob(zonesPath: townships, idField: "TS_PCODE", includeFields: ["TS", "ST_PCODE"],
                           rasters: [RasterSpec(name: "rain", path: dir + "/series.tif")], stats: [.mean, .max])
        job.rollup = ["DT_PCODE", "ST_PCODE"]
        let z = try job.run()
        let cols = z.indicatorColumns
        XCTAssertEqual(cols.count, 48)
        var compared = 0, nonEmpty = 0
        for u in z.units {
            for c in cols {
                let key = "\(u.id)|rain|\(c.stat.name)|\(Self.date(c.band))"
                guard let got = one[key] else { XCTFail("no row \(key)"); continue }
                let want = z.value(u, c).doubleValue
                assertRelative(got, want, 1e-12, key)
                compared += 1
                if want != nil { nonEmpty += 1 }
            }
        }
        XCTAssertEqual(compared, z.units.count * 48)
        XCTAssertGreaterThan(nonEmpty, compared / 2)
        XCTAssertTrue(z.units.contains { $0.level == "state" } && z.units.contains { $0.level == "country" }, "roll-ups are in")

        // Annual sums: the sum of the 12 months; anomalies: value minus the mean of the same
        // calendar month over the baseline (2001-2002), and its percentage.
        var checked = 0
        for u in z.units {
            for stat in ["mean", "max"] {
                let month = { (k: Int) in one["\(u.id)|rain|\(stat)|\(Self.date(k))"]! }
                for y in 0..<2 {
                    let months = (0..<12).map { month(y * 12 + $0) }
                    let annual = one["\(u.id)|rain_annual|\(stat)|\(2001 + y)"]!
                    if months.contains(where: { $0 == nil }) { XCTAssertNil(annual); continue }
                    assertRelative(annual, months.reduce(0) { $0 + $1! }, 1e-12, "annual \(u.id) \(stat) \(2001 + y)")
                    checked += 1
                }
                for k in 0..<24 {
                    let base = [month(k % 12), month(k % 12 + 12)].compactMap { $0 }
                    let anomaly = one["\(u.id)|rain_anomaly|\(stat)|\(Self.date(k))"]!
                    let pct = one["\(u.id)|rain_anomaly_pct|\(stat)|\(Self.date(k))"]!
                    guard let v = month(k), !base.isEmpty else { XCTAssertNil(anomaly); continue }
                    let mean = base.reduce(0, +) / Double(base.count)
                    assertRelative(anomaly, v - mean, 1e-9, "anomaly \(u.id) \(stat) \(k)")
                    if mean != 0 { assertRelative(pct, (v - mean) / mean * 100, 1e-9, "anomaly_pct") } else { XCTAssertNil(pct) }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)

        // The sidecar describes the table and the derived rows.
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/one/rain.csv.datapackage.json"))) as! [String: Any]
        let batch = side["batch"] as! [String: Any]
        XCTAssertNotNil((batch["derived"] as! [String: String])["rain_anomaly_pct"])
        let res = (side["resources"] as! [[String: Any]])[0]
        let lines = try String(contentsOfFile: dir + "/one/rain.csv", encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(res["rows"] as? Int, lines - 1)
        XCTAssertEqual((side["rasters"] as! [[String: Any]]).count, 1)
    }

    // MARK: incremental

    func testRerunDoesNoRasterWorkAndAddingAMonthComputesOnlyIt() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 23, multi: false)
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif")
        let (_, first) = try run(path)
        XCTAssertEqual(first.filesComputed, 23)
        XCTAssertEqual(first.tablesWritten, ["rain"])
        let table = dir + "/out/rain.csv"
        let before = try Data(contentsOf: URL(fileURLWithPath: table))

        // Nothing changed: no raster work, tables untouched.
        let (_, again) = try run(path)
        XCTAssertFalse(again.didRasterWork)
        XCTAssertEqual(again.bandsComputed, 0)
        XCTAssertEqual(again.tablesUpToDate, ["rain"])
        XCTAssertTrue(again.plan.allSatisfy { $0.status == .unchanged })
        let cli = try runGeotool(["batch", path])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        XCTAssertTrue(cli.stderr.contains("nothing changed: no raster work"), cli.stderr)
        let dry = try runGeotool(["batch", path, "--dry-run"])
        XCTAssertTrue(dry.stdout.contains("0 band(s) of 0 file(s) to compute, 23 file(s) unchanged"), dry.stdout)

        // A 24th month: only it is computed, and the table equals a from-scratch run.
        try writeMonth(dir, 23)
        let dry2 = try runGeotool(["batch", path, "--dry-run"])
        XCTAssertTrue(dry2.stdout.contains("new       \(dir)/months/rain-2002.12.tif"), dry2.stdout)
        let (_, added) = try run(path)
        XCTAssertEqual(added.filesComputed, 1)
        XCTAssertEqual(added.bandsComputed, 1)
        let after = try Data(contentsOf: URL(fileURLWithPath: table))
        XCTAssertNotEqual(before, after)
        let fresh = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "fresh")
        _ = try run(fresh)
        XCTAssertEqual(after, try Data(contentsOf: URL(fileURLWithPath: dir + "/fresh/rain.csv")), "incremental table == from-scratch table")
        XCTAssertTrue(try String(contentsOfFile: table, encoding: .utf8).contains(",rain_annual,mean,,2002,"), "2002 is complete now")

        // A changed file is recomputed; a description change rewrites the table only; a
        // statistics change recomputes everything.
        try writeGeoTIFF(path: dir + "/months/rain-2001.05.tif", grid: Self.grid,
                             bands: [Self.month(40)], nodata: -9999)
        let (_, changed) = try run(manifest(dir, source: "months/rain-{yyyy}.{mm}.tif"))
        XCTAssertEqual(changed.filesComputed, 1)
        XCTAssertEqual(changed.plan.first { $0.status == .changed }?.path, dir + "/months/rain-2001.05.tif")
        let desc = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif")
        var text = try String(contentsOfFile: desc, encoding: .utf8)
        text = text.replacingOccurrences(of: "Monthly rainfall", with: "Rainfall per month")
        try text.write(toFile: desc, atomically: true, encoding: .utf8)
        let (_, redescribed) = try run(desc)
        XCTAssertFalse(redescribed.didRasterWork)
        XCTAssertEqual(redescribed.tablesWritten, ["rain"])
        let (_, restat) = try run(manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", stats: "[mean]"))
        XCTAssertEqual(restat.filesComputed, 24)
        XCTAssertTrue(restat.plan.allSatisfy { $0.reason.contains("statistics") }, "\(restat.plan.map(\.reason))")
    }

    // MARK: interruption

    /// A moment to kill a run at, seen from outside on its output folder (the library has no
    /// test hook): the n-th cache file written by this run, the table being written, or a
    /// random delay after the start.
    enum KillMoment { case cacheFiles(Int), tableWrite, randomDelay }

    /// Files of `dir` (none if it does not exist).
    /// A state file that does not decode is not dropped silently: one warning naming it, then
    /// every indicator computed again, to the same table as the first run.
    func testDamagedStateIsSaidAndTheRunStartsAfresh() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 6, multi: false)
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif")
        _ = try run(path)
        let table = dir + "/out/rain.csv", state = dir + "/out/.geotool-batch-state.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: table))
        try "{\"version\": 1, \"indicators\": [".write(toFile: state, atomically: true, encoding: .utf8)
        let (_, again) = try run(path)
        XCTAssertEqual(again.filesComputed, 6)
        XCTAssertEqual(again.warnings.filter { $0.file == state }.count, 1, "\(again.warnings)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: table)), before)
        let cli = try runGeotool(["batch", path])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        XCTAssertFalse(cli.stderr.contains(".geotool-batch-state.json: not a batch state"), "the rerun wrote a good state: \(cli.stderr)")
    }

    func files(_ dir: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }

    /// Start `geotool args`, wait for `moment` (polling the output folder `out`), send
    /// `signal` and wait for the end; whether the signal landed while the run was running.
    func killRun(_ args: [String], out: String, at moment: KillMoment, signal: Int32) throws -> Bool {
        let cacheFiles = { self.files(out + "/.cache/rain").filter { !$0.hasPrefix(".") && $0.hasSuffix(".f64") }.count }
        let before = cacheFiles()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        let launched = Date()
        try p.run()
        func reached() -> Bool {
            switch moment {
            case .cacheFiles(let n): return cacheFiles() >= before + n
            case .tableWrite:
                // Its temporary is there (or, were the write not atomic, the table itself changes).
                let modified = (try? FileManager.default.attributesOfItem(atPath: out + "/rain.csv"))?[.modificationDate] as? Date
                return files(out).contains { $0.hasPrefix(".rain.tmp-") } || modified.map { $0 >= launched } == true
            case .randomDelay: return true
            }
        }
        if case .randomDelay = moment { usleep(UInt32.random(in: 0...400_000)) }
        let started = Date()
        while p.isRunning && !reached() && Date().timeIntervalSince(started) < 120 { usleep(500) }
        let landed = p.isRunning
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        return landed
    }

    /// The sidecar without what depends on when and how it was run.
    func sidecarContent(_ path: String) throws -> NSDictionary {
        var d = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        d["created"] = nil
        var g = d["geotool"] as! [String: Any]
        for k in ["started", "seconds", "command"] { g[k] = nil }
        d["geotool"] = g
        return d as NSDictionary
    }

    func testKilledRunsResumeToByteIdenticalTables() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/months", withIntermediateDirectories: true)
        for k in 0..<120 { try writeMonth(dir, k) }
        let ref = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "ref", baseline: "[2001, 2005]")
        let args = ["--threads", "1", "--batch-size", "4", "--quiet"]
        let r0 = try runGeotool(["batch", ref] + args)
        XCTAssertEqual(r0.status, 0, r0.stderr)
        let want = try Data(contentsOf: URL(fileURLWithPath: dir + "/ref/rain.csv"))
        let cacheSize = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: dir + "/ref/.cache/rain/" + files(dir + "/ref/.cache/rain")[0])[.size] as? Int)
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", out: "int", baseline: "[2001, 2005]")
        let out = dir + "/int"
        // Kills while files are computed (right after a file's cache lands, before or after
        // the state records it), while the table is written, and at random moments.
        let moments: [(KillMoment, Int32)] = [(.cacheFiles(1), SIGKILL), (.cacheFiles(9), SIGINT), (.cacheFiles(30), SIGKILL),
                                             (.tableWrite, SIGKILL), (.randomDelay, SIGINT), (.randomDelay, SIGKILL)]
        for (moment, signal) in moments {
            let landed = try killRun(["batch", path] + args, out: out, at: moment, signal: signal)
            if case .randomDelay = moment {} else { XCTAssertTrue(landed, "the kill at \(moment) lands mid-run") }
            // Whatever is under a final name is complete.
            if let t = try? String(contentsOfFile: out + "/rain.csv", encoding: .utf8) {
                XCTAssertTrue(t.hasSuffix("\n") && t.hasPrefix("pcode,"), "a table under its final name is whole")
                XCTAssertEqual(Data(t.utf8), want, "a table under its final name is the final table")
            }
            if let s = FileManager.default.contents(atPath: out + "/.geotool-batch-state.json") {
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: s), "the state is whole")
            }
            for f in files(out + "/.cache/rain") where !f.hasPrefix(".") {
                let size = try FileManager.default.attributesOfItem(atPath: out + "/.cache/rain/" + f)[.size] as? Int
                XCTAssertEqual(size, cacheSize, "a cache file under its final name is whole (after \(moment))")
            }
        }
        let done = try runGeotool(["batch", path] + args)
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/rain.csv")), want, "byte-identical to an uninterrupted run")
        XCTAssertEqual(try sidecarContent(out + "/rain.csv.datapackage.json"), try sidecarContent(dir + "/ref/rain.csv.datapackage.json"),
                       "the sidecar says what an uninterrupted run's says")
        // No temporaries left anywhere under the output folder.
        let all = FileManager.default.enumerator(atPath: out)!.compactMap { $0 as? String }
        XCTAssertTrue(all.allSatisfy { !$0.contains(".tmp-") }, "\(all.filter { $0.contains(".tmp-") })")
        XCTAssertEqual(Set(all.filter { !$0.hasPrefix(".cache") }), ["rain.csv", "rain.csv.datapackage.json", ".geotool-batch-state.json"])
        // And a rerun now has nothing to do.
        let again = try runGeotool(["batch", path, "--threads", "1"])
        XCTAssertTrue(again.stderr.contains("nothing changed: no raster work"), again.stderr)
    }

    // MARK: bad manifests

    func testBadManifestsGiveFileLineAndReasonAndNoOutput() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 3, split: true)
        try "2001-01\n2001-13\n2001-03\n".write(toFile: dir + "/bad-dates.txt", atomically: true, encoding: .utf8)
        try "2001-01\n2001-02\n".write(toFile: dir + "/short-dates.txt", atomically: true, encoding: .utf8)
        let good = manifest(dir, source: "series.tif", derive: false)
        let base = try String(contentsOfFile: good, encoding: .utf8)
        func lineOf(_ s: String, in t: String) -> Int { t.components(separatedBy: "\n").firstIndex { $0.contains(s) }! + 1 }
        let cases: [(String, String, String, String)] = [
            // (replace, with, expected reason, line marker in the new text)
            ("    stats: [mean, max]", "    stat: [mean, max]", "unknown key 'stat' in indicator 'rain' (did you mean 'stats'?)", "stat:"),
            ("    source: series.tif", "    source: nothere.tif", "nothere.tif: no such file", "nothere"),
            ("    source: series.tif", "    source: months/rain-{yyyy}.{mm}.tiff", "no file matches the pattern", "tiff"),
            ("    source: series.tif", "    source: series.tif\n    dates: bad-dates.txt", "bad-dates.txt:2: bad date '2001-13'", "bad-dates"),
            ("    source: series.tif", "    source: series.tif\n    dates: short-dates.txt", "short-dates.txt has 2 date(s) for the 3 band(s)", "short-dates"),
            ("    stats: [mean, max]", "    stats: [mean, maximum]", "unknown statistic 'maximum'", "maximum"),
            ("  id: TS_PCODE", "  id: TS_PCOD", "no field 'TS_PCOD'", "TS_PCOD"),
            ("    method: exact", "    method: exact\n    derive:\n      annual: total", "annual must be sum or mean", "total"),
            ("output:", "outptu:", "unknown key 'outptu' in the manifest (did you mean 'output'?)", "outptu"),
        ]
        for (old, new, reason, marker) in cases {
            let text = base.replacingOccurrences(of: old, with: new)
            XCTAssertNotEqual(text, base, old)
            let path = dir + "/bad.yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try runGeotool(["batch", path])
            XCTAssertNotEqual(r.status, 0)
            let want = "geotool: error: \(path):\(lineOf(marker, in: text)): "
            XCTAssertTrue(r.stderr.hasPrefix(want) && r.stderr.contains(reason), "\(reason): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"), "no output for \(reason)")
        }
        // Not YAML at all.
        try "zones: [\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let r = try runGeotool(["batch", dir + "/bad.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.hasPrefix("geotool: error: \(dir)/bad.yaml:"), r.stderr)
    }
}
