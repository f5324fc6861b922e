import Foundation
import XCTest
import GeoCore
import GeoGDAL

/// Paths of the bundled fixtures (TestRasters/ at the package root).
public enum Fixtures {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("TestRasters")
    public static func path(_ rel: String) -> String { root.appendingPathComponent(rel).path }

    /// The Python every test runs: the environment `scripts/setup.sh test` makes in .venv from
    /// Debian's /usr/bin/python3 with its site packages (shapely, GDAL's bindings) and
    /// frictionless, openpyxl and moto. Never the `python3` on PATH: that may be another
    /// interpreter without them.
    public static let python = venvProgram("python")

    /// A program installed into the test environment (`moto_server`).
    public static func venvProgram(_ name: String) -> String {
        root.deletingLastPathComponent().appendingPathComponent(".venv/bin/" + name).path
    }

    /// A new folder under the system's temporary folder, removed when the test process exits
    /// (kept when GEOKIT_KEEP_TEST_FILES is set, to look at after a failure).
    public static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "geokit-tests-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        TempDirs.add(d)
        return d
    }

    /// A GeoJSON of one 1-degree box zone (id B) over the cells of rows 1-2, columns 1-2 of
    /// the NetCDF and Zarr fixtures in TestRasters/netcdf.
    public static func netcdfBoxZones() throws -> String {
        let zones = tempDir() + "/box.geojson"
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"B"},"geometry":{"type":"Polygon","coordinates":[[[95.5,20.5],[96.5,20.5],[96.5,19.5],[95.5,19.5],[95.5,20.5]]]}}]}"#
            .write(toFile: zones, atomically: true, encoding: .utf8)
        return zones
    }

    public static func json(_ rel: String) -> [String: Any] {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path(rel)))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// The test folders made so far, removed at exit: a suite run makes hundreds.
private enum TempDirs {
    nonisolated(unsafe) static var paths: [String] = []
    static let lock = NSLock()
    static let registered: Bool = {
        atexit {
            guard ProcessInfo.processInfo.environment["GEOKIT_KEEP_TEST_FILES"] == nil else { return }
            TempDirs.lock.lock()
            for p in TempDirs.paths { try? FileManager.default.removeItem(atPath: p) }
            TempDirs.lock.unlock()
        }
        return true
    }()

    static func add(_ path: String) {
        _ = registered
        lock.lock(); paths.append(path); lock.unlock()
    }
}

extension Table {
    /// The numeric value of `column` in the row whose first column is `id` (nil when empty).
    public func value(_ id: String, _ column: String) -> Double? {
        guard let c = columns.firstIndex(of: column) else { XCTFail("no column \(column) in \(columns)"); return nil }
        guard let r = rows.first(where: { $0[0] == .text(id) }) else { XCTFail("no row \(id)"); return nil }
        return r[c].doubleValue
    }
}

public func assertRelative(_ a: Double?, _ b: Double?, _ tol: Double, _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    guard let a, let b else {
        XCTAssertTrue(a == nil && b == nil, "\(what): \(String(describing: a)) vs \(String(describing: b))", file: file, line: line)
        return
    }
    let scale = max(abs(a), abs(b))
    XCTAssertLessThanOrEqual(abs(a - b), tol * scale + 1e-12, "\(what): \(a) vs \(b)", file: file, line: line)
}

/// The RGB planes of a PNG, row by row, read with GDAL (a `.pgw` world file is written
/// beside it first, so GDAL reads it without a georeferencing warning).
public func pngPlanes(_ path: String) throws -> (width: Int, height: Int, planes: [[UInt8]]) {
    try "1\n0\n0\n-1\n0.5\n-0.5\n".write(toFile: (path as NSString).deletingPathExtension + ".pgw", atomically: true, encoding: .utf8)
    let r = try Raster(path: path)
    let w = r.grid.cols, h = r.grid.rows
    var planes: [[UInt8]] = []
    for b in 1...3 {
        var buf = [UInt8](repeating: 0, count: w * h)
        try buf.withUnsafeMutableBytes { try r.read(band: b, window: Window(row: 0, col: 0, rows: h, cols: w), as: .uint8, into: $0.baseAddress!) }
        planes.append(buf)
    }
    return (w, h, planes)
}
