import XCTest
import Foundation
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Each job collects the GDAL warnings of its own threads: two jobs running at once in one
/// process (the C interface, Python) do not report each other's.
final class JobWarningTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")

    /// A raster over Myanmar: a GeoTIFF, or a GeoPackage whose application_id is not
    /// GeoPackage's, on which GDAL warns "GPKG: bad application_id" at every open.
    func raster(_ dir: String, warned: Bool) throws -> String {
        let tif = dir + "/plain.tif"
        try tool("gdal_create", ["-q", "-of", "GTiff", "-outsize", "20", "40", "-bands", "1", "-ot", "Byte", "-burn", "5",
                                 "-a_srs", "EPSG:4326", "-a_ullr", "92", "29", "102", "9", tif])
        guard warned else { return tif }
        let gpkg = dir + "/warned.gpkg"
        try tool("gdal_translate", ["-q", "-of", "GPKG", tif, gpkg])
        try tool("ogrinfo", ["-q", gpkg, "-sql", "PRAGMA application_id = 1234"])
        return gpkg
    }

    func tool(_ name: String, _ args: [String]) throws {
        let r = try runProcess("/usr/bin/" + name, args)
        XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
    }

    func job(_ path: String) -> ZonalJob {
        var j = ZonalJob(zonesPath: townships, idField: "TS_PCODE", rasters: [RasterSpec(name: "r", path: path)], stats: [.mean])
        j.threads = 2
        return j
    }

    func testTwoJobsOnTwoThreadsReportOnlyTheirOwnGDALWarnings() throws {
        let dir = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let warned = try raster(dir, warned: true), quiet = try raster(dir, warned: false)
        _ = GDALMessages.shared.drain()
        // The quiet job finishes while the warned one is in its engine (its rasters opened,
        // the warning raised), and the warned one finishes after: with one collector for the
        // process, the quiet job would take the warning.
        let warnedInEngine = DispatchSemaphore(value: 0), quietDone = DispatchSemaphore(value: 0)
        let results = JobResults()
        let warnedJob = job(warned), quietJob = job(quiet)
        let once = OnceFlag(), onceQuiet = OnceFlag()
        results.start("warned") {
            try warnedJob.run { _, _ in
                if once.first() { warnedInEngine.signal(); _ = quietDone.wait(timeout: .now() + 60) }
            }
        }
        results.start("quiet") {
            try quietJob.run { _, _ in
                if onceQuiet.first() { _ = warnedInEngine.wait(timeout: .now() + 60) }
            }
        }
        // The quiet job finishes first; then the warned one may.
        XCTAssertTrue(results.wait(for: ["quiet"]))
        quietDone.signal()
        XCTAssertTrue(results.wait(for: ["quiet", "warned"]))
        let warnedResult = try XCTUnwrap(results["warned"]).get(), quietResult = try XCTUnwrap(results["quiet"]).get()
        func said(_ r: ZonalResult) -> [String] { r.warnings.map(\.message).filter { $0.contains("application_id") } }
        XCTAssertEqual(said(warnedResult).count, 1, "\(warnedResult.warnings)")
        XCTAssertEqual(said(quietResult), [], "\(quietResult.warnings)")
        // Nothing left over for threads outside a job.
        XCTAssertEqual(GDALMessages.shared.drain().filter { $0.message.contains("application_id") }.count, 0)
        // The rasters' values: a job read its own raster.
        XCTAssertEqual(warnedResult.units[0].scalar[0], 5, accuracy: 1e-9)
        XCTAssertEqual(quietResult.units[0].scalar[0], 5, accuracy: 1e-9)
    }
}

/// True the first time it is asked, from any thread.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var asked = false
    func first() -> Bool { lock.lock(); defer { asked = true; lock.unlock() }; return !asked }
}

/// Jobs run each on a thread of its own, and their results.
final class JobResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: Result<ZonalResult, Error>] = [:]

    func start(_ name: String, _ body: @escaping @Sendable () throws -> ZonalResult) {
        Thread {
            let r = Result { try body() }
            self.lock.lock(); self.results[name] = r; self.lock.unlock()
        }.start()
    }

    subscript(_ name: String) -> Result<ZonalResult, Error>? { lock.lock(); defer { lock.unlock() }; return results[name] }

    /// Whether every job named finished within two minutes.
    func wait(for names: [String]) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if names.allSatisfy({ self[$0] != nil }) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }
}
