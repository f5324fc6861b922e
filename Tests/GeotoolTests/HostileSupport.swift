import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

// Shared helpers of the hostile-input suite (issue 12: never destroy an input, never leave a
// half file, never a silent wrong number). Every case runs the real `geotool` binary on a
// hostile input made in its own temporary folder, then checks the exit code, the one error
// line, the files left behind and the inputs' bytes.

/// A finished run, and how it ended.
struct HRun: CustomStringConvertible {
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String
    var errorLines: [Substring] { stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: error: ") } }
    var warningLines: [Substring] { stderr.split(separator: "\n").filter { $0.hasPrefix("geotool: warning: ") } }
    var description: String { "status \(status)\(signalled ? " (signal)" : ""), stderr: \(stderr.prefix(1500))" }
}

/// A running geotool whose stderr goes to a file that can be watched while it runs.
final class HProcess {
    let process = Process()
    let outPath: String, errPath: String
    init(_ args: [String], cwd: String?, environment: [String: String]?, scratch: String) throws {
        outPath = scratch + "/.hostile-stdout-\(UUID().uuidString)"
        errPath = scratch + "/.hostile-stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: geotoolPath)
        process.arguments = args
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
    }
    var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    func signal(_ s: Int32) { kill(process.processIdentifier, s) }
    /// Wait up to `timeout` seconds; a run still going then is killed (and reported as such).
    func wait(timeout: Double = 90) -> HRun {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        var timedOut = false
        if process.isRunning { timedOut = true; kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        var err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        if timedOut { err += "\n[hostile suite: killed after \(timeout) s]" }
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return HRun(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                    stdout: out, stderr: err)
    }
}

class HostileTestCase: XCTestCase {
    /// This case's own folder (removed afterwards).
    var dir = ""
    private var mounts: [String] = []
    /// Scratch for the stdout/stderr files of runs (not `dir`, whose listing is checked).
    private var scratch = ""

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        scratch = Fixtures.tempDir()
    }

    override func tearDownWithError() throws {
        for m in mounts.reversed() { _ = try? runProcess("/bin/umount", ["-l", m]); try? FileManager.default.removeItem(atPath: m) }
        mounts = []
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: Fixtures

    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let joinPoints = Fixtures.path("join/points.csv")
    let joinZones = Fixtures.path("join/zones.geojson")
    let joinZonesUTM = Fixtures.path("join/zones_utm47.gpkg")

    func p(_ name: String) -> String { dir + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let path = p(name)
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let path = p(name)
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @discardableResult
    func copy(_ fixture: String, as name: String) throws -> String {
        let path = p(name)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        return path
    }

    /// Pseudo-random bytes, the same for the same seed.
    func garbage(_ count: Int, seed: UInt64 = 12) -> [UInt8] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: s >> 33)
        }
    }

    /// A Float32 GeoTIFF on a grid of 1° cells with its top-left corner at (`left`, `top`).
    @discardableResult
    func raster(_ name: String, cols: Int, rows: Int, values: [Float], left: Double = 0, top: Double = 4,
                cell: Double = 1, nodata: Double? = nil, crs: String = "EPSG:4326", bands: Int = 1) throws -> String {
        let path = p(name)
        try writeGeoTIFF(path: path, grid: Grid(left: left, top: top, dx: cell, dy: cell, cols: cols, rows: rows),
                         bands: Array(repeating: values, count: bands), nodata: nodata, crs: crs)
        return path
    }

    /// The 4 x 4 raster over lon 0..4, lat 0..4 with value `row * 4 + col + 1` (1...16).
    @discardableResult
    func raster16(_ name: String = "r.tif", nodata: Double? = nil) throws -> String {
        try raster(name, cols: 4, rows: 4, values: (1...16).map(Float.init), nodata: nodata)
    }

    func gdal(_ tool: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runProcess("/usr/bin/" + tool, args)
        XCTAssertEqual(r.status, 0, "\(tool) \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        if r.status != 0 { throw XCTSkip("\(tool) failed: \(r.stderr)") }
    }

    /// A GeoJSON FeatureCollection of polygons (rings as [[x, y]]) with a `zid` property.
    @discardableResult
    func zones(_ name: String, _ features: [(id: String?, rings: [[(Double, Double)]])], crs: String? = nil) -> String {
        let feats = features.map { f -> String in
            let rings = f.rings.map { r in "[" + r.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]" }.joined(separator: ", ")
            let id = f.id.map { "\"\($0)\"" } ?? "null"
            return #"{"type": "Feature", "properties": {"zid": \#(id)}, "geometry": {"type": "Polygon", "coordinates": [\#(rings)]}}"#
        }
        let crsText = crs.map { #""crs": {"type": "name", "properties": {"name": "\#($0)"}}, "# } ?? ""
        return write(name, #"{"type": "FeatureCollection", \#(crsText)"features": [\#(feats.joined(separator: ",\n"))]}"#)
    }

    /// A closed axis-aligned rectangle ring.
    func rect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> [(Double, Double)] {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    }

    /// Zones A = lon 0..2 and B = lon 2..4 (lat 0..4) over `raster16`.
    @discardableResult
    func zonesAB(_ name: String = "z.geojson") -> String {
        zones(name, [("A", [rect(0, 0, 2, 4)]), ("B", [rect(2, 0, 4, 4)])])
    }

    // MARK: Running

    func run(_ args: [String], cwd: String? = nil, environment: [String: String]? = nil, timeout: Double = 90) throws -> HRun {
        try HProcess(args, cwd: cwd, environment: environment, scratch: scratch).wait(timeout: timeout)
    }

    func start(_ args: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> HProcess {
        try HProcess(args, cwd: cwd, environment: environment, scratch: scratch)
    }

    /// `geotool zonal` of `raster` over `zones` (id field `id`) with `stats`, to `out`.
    func zonal(_ zones: String, _ raster: String, _ out: String, stats: String = "count,mean", extra: [String] = []) throws -> HRun {
        try run(["zonal", "--zones", zones, "--id", "zid", "--raster", "r=\(raster)", "--stats", stats, "--quiet", "-o", out] + extra)
    }

    // MARK: Inputs unchanged

    /// Bytes of each input (a folder: its file names and their bytes) before a run.
    func snapshot(_ paths: [String]) -> [String: Data] {
        var s: [String: Data] = [:]
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { s[path] = Data("<absent>".utf8); continue }
            if isDir.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
                var d = Data(names.joined(separator: "\n").utf8)
                for n in names { d += FileManager.default.contents(atPath: path + "/" + n) ?? Data() }
                s[path] = d
            } else {
                s[path] = FileManager.default.contents(atPath: path) ?? Data("<unreadable>".utf8)
            }
        }
        return s
    }

    func assertUnchanged(_ before: [String: Data], file: StaticString = #filePath, line: UInt = #line) {
        let after = snapshot(Array(before.keys))
        for (path, data) in before where after[path] != data {
            XCTFail("input changed: \(path) (\(data.count) bytes before, \(after[path]?.count ?? -1) after)", file: file, line: line)
        }
    }

    // MARK: Outputs

    /// Temporaries of `output` in its folder: `.NAME.tmp-*`.
    func temporaries(of output: String) -> [String] {
        let folder = (output as NSString).deletingLastPathComponent
        let stem = ((output as NSString).lastPathComponent as NSString).deletingPathExtension
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.filter { $0.hasPrefix(".\(stem).") && $0.contains(".tmp-") || $0.hasPrefix(".\(stem).tmp-") }.sorted()
    }

    func sidecar(_ output: String) -> String { output + ".datapackage.json" }   // named after the whole output

    /// No file under the output's name (nor its sidecar, when `sidecar`) and no temporary of either.
    func assertNoOutput(_ output: String, sidecar checkSidecar: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "a file is left under the output's name \(output)", file: file, line: line)
        XCTAssertEqual(temporaries(of: output), [], "temporaries left beside \(output)", file: file, line: line)
        if checkSidecar {
            let side = sidecar(output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: side), "a sidecar is left: \(side)", file: file, line: line)
            XCTAssertEqual(temporaries(of: side), [], "temporaries of the sidecar left beside \(side)", file: file, line: line)
        }
    }

    /// A refused run: exit status 1, exactly one `geotool: error: ` line naming `names` (the
    /// path as the user gave it, never a hidden temporary), every stderr line a geotool line,
    /// and (when `output` is given) nothing left under the output's name.
    func assertError(_ r: HRun, names: String?, mentions: [String] = [], output: String? = nil, sidecar: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.signalled, "geotool died on a signal: \(r)", file: file, line: line)
        XCTAssertEqual(r.status, 1, "exit status: \(r)", file: file, line: line)
        let errs = r.errorLines
        XCTAssertEqual(errs.count, 1, "exactly one error line: \(r)", file: file, line: line)
        if r.status != 0, let l = r.stderr.split(separator: "\n").first(where: { !$0.hasPrefix("geotool: ") }) {
            XCTFail("a stderr line that is not geotool's: \(l.prefix(300))", file: file, line: line)
        }
        if let e = errs.first {
            if let names { XCTAssertTrue(e.contains(names), "the error names \(names): \(e)", file: file, line: line) }
            for m in mentions { XCTAssertTrue(e.lowercased().contains(m.lowercased()), "the error mentions '\(m)': \(e)", file: file, line: line) }
            XCTAssertFalse(e.contains(".tmp-"), "the error names a hidden temporary: \(e)", file: file, line: line)
            XCTAssertFalse(e.contains("Error Domain="), "a raw Foundation error, not a message: \(e.prefix(300))", file: file, line: line)
            XCTAssertLessThan(e.count, 900, "one short line", file: file, line: line)
        }
        if let output { assertNoOutput(output, sidecar: sidecar, file: file, line: line) }
    }

    /// A run that worked: exit 0, no error line, no temporaries left.
    func assertSuccess(_ r: HRun, output: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.signalled, "geotool died on a signal: \(r)", file: file, line: line)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        XCTAssertEqual(r.errorLines.count, 0, "\(r)", file: file, line: line)
        if let output {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output), "no output \(output)", file: file, line: line)
            XCTAssertEqual(temporaries(of: output), [], "temporaries left beside \(output)", file: file, line: line)
        }
    }

    /// A warning line that mentions every one of `words`.
    func assertWarning(_ r: HRun, _ words: [String], file: StaticString = #filePath, line: UInt = #line) {
        let hit = r.warningLines.contains { w in words.allSatisfy { w.lowercased().contains($0.lowercased()) } }
        XCTAssertTrue(hit, "a warning mentioning \(words): \(r)", file: file, line: line)
    }

    /// The table written at `path` (nil when unreadable).
    func table(_ path: String) -> Table? { try? Table.readCSV(path: path) }

    /// The cell of `column` in the row whose first field is `id` (nil when empty or absent).
    func value(_ path: String, _ id: String, _ column: String, file: StaticString = #filePath, line: UInt = #line) -> Double? {
        guard let t = table(path) else { XCTFail("cannot read \(path)", file: file, line: line); return nil }
        guard let c = t.columns.firstIndex(of: column) else { XCTFail("no column \(column) in \(t.columns)", file: file, line: line); return nil }
        guard let r = t.rows.first(where: { $0[0] == .text(id) }) else { XCTFail("no row \(id) in \(path)", file: file, line: line); return nil }
        return r[c].doubleValue
    }

    /// The text of `column` in the row whose first field is `id`.
    func text(_ path: String, _ id: String, _ column: String) -> String? {
        guard let t = table(path), let c = t.columns.firstIndex(of: column),
              let r = t.rows.first(where: { $0[0] == .text(id) }) else { return nil }
        return r[c].csv
    }

    /// The sidecar parses as JSON (NaN, Infinity are not JSON).
    func assertValidJSON(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let data = FileManager.default.contents(atPath: path) else { XCTFail("no \(path)", file: file, line: line); return }
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "\(path) is not valid JSON: \(String(decoding: data.prefix(400), as: UTF8.self))", file: file, line: line)
        let text = String(decoding: data, as: UTF8.self)
        for bad in ["NaN", "Infinity", "inf,", "nan,"] where text.contains(": \(bad)") || text.contains(":\(bad)") {
            XCTFail("\(path) holds \(bad)", file: file, line: line)
        }
    }

    // MARK: Full disk

    /// A fresh tmpfs of `kilobytes` (unmounted in tearDown); skipped when not root or mount fails.
    func smallDisk(kilobytes: Int) throws -> String {
        guard getuid() == 0 else { throw XCTSkip("full-disk cases need root to mount a tmpfs") }
        let m = Fixtures.tempDir()
        let r = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", m])
        guard r.status == 0 else { throw XCTSkip("cannot mount a tmpfs: \(r.stderr)") }
        mounts.append(m)
        return m
    }

    /// Fill `folder` (a small tmpfs) so that about `leave` bytes stay free.
    func fill(_ folder: String, leaving leave: Int) throws {
        var st = statvfs()
        guard statvfs(folder, &st) == 0 else { throw XCTSkip("statvfs failed") }
        let free = Int(st.f_bavail) * Int(st.f_frsize)
        let size = max(0, free - leave)
        FileManager.default.createFile(atPath: folder + "/filler.bin", contents: Data(count: size))
    }
}
