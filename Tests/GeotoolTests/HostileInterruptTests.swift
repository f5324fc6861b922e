import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Interrupted runs (part of the outputs group): SIGINT, SIGTERM and SIGKILL while the
/// engine computes and while the table is written. The slow run: the MIMU townships over a
/// 60-band copy of the rainfall raster (made once per test run with gdal_translate), long
/// format with seven statistics: ~2 s of compute, then ~1 s writing a 7 MB table. "During the
/// write" is detected by the table's temporary appearing in the output folder.
final class HostileInterruptTests: HostileTestCase {
    nonisolated(unsafe) static var shared: (folder: String, raster: String, reference: Data)?

    /// The slow raster and the table of an uninterrupted run, made once.
    func slowFixture() throws -> (raster: String, reference: Data) {
        if let s = Self.shared { return (s.raster, s.reference) }
        let folder = Fixtures.tempDir()
        let raster = folder + "/multi.tif"
        try gdal("gdal_translate", ["-q"] + Array(repeating: ["-b", "1"], count: 60).flatMap { $0 } + [rain, raster])
        let out = folder + "/reference.csv"
        let r = try run(args(raster, out))
        guard r.status == 0, let data = FileManager.default.contents(atPath: out) else {
            XCTFail("the uninterrupted reference run failed: \(r)")
            throw XCTSkip("no reference run")
        }
        Self.shared = (folder, raster, data)
        return (raster, data)
    }

    override class func tearDown() {
        if let s = shared { try? FileManager.default.removeItem(atPath: s.folder) }
        shared = nil
        super.tearDown()
    }

    func args(_ raster: String, _ out: String) -> [String] {
        ["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(raster)",
         "--stats", "count,mean,min,max,median,p90,stdev", "--format", "long", "--quiet", "-o", out]
    }

    enum Phase { case compute, write }

    /// Start the slow run, send `sig` in `phase`, and return how it ended.
    func interrupt(_ sig: Int32, in phase: Phase, out: String) throws -> HRun {
        let (raster, _) = try slowFixture()
        let proc = try start(args(raster, out))
        let t0 = Date()
        switch phase {
        case .compute:
            while proc.process.isRunning && Date().timeIntervalSince(t0) < 0.6 { usleep(5_000) }
            XCTAssertTrue(proc.process.isRunning, "the run ended before the signal")
            XCTAssertEqual(temporaries(of: out), [], "still computing: no temporary yet")
        case .write:
            while proc.process.isRunning && temporaries(of: out).isEmpty && Date().timeIntervalSince(t0) < 60 { usleep(1_000) }
            XCTAssertTrue(proc.process.isRunning && !temporaries(of: out).isEmpty, "could not catch the run while it wrote")
            usleep(100_000)   // well inside the write
        }
        proc.signal(sig)
        return proc.wait(timeout: 30)
    }

    /// A rerun succeeds, equals the uninterrupted run and leaves no temporary.
    func assertRerunMatches(_ out: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (raster, reference) = try slowFixture()
        let r = try run(args(raster, out))
        assertSuccess(r, output: out, file: file, line: line)
        XCTAssertTrue(FileManager.default.contents(atPath: out) == reference, "the rerun's table equals the uninterrupted run's", file: file, line: line)
        XCTAssertEqual(temporaries(of: out), [], "no temporary left after the rerun", file: file, line: line)
        XCTAssertEqual(temporaries(of: sidecar(out)), [], "no sidecar temporary left after the rerun", file: file, line: line)
    }

    func assertStopped(_ r: HRun, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.stderr.contains("[hostile suite: killed"), "the run did not stop on the signal", file: file, line: line)
        XCTAssertTrue(r.signalled || r.status != 0, "an interrupted run does not report success: \(r)", file: file, line: line)
    }

    func testSIGINTDuringCompute() throws {
        let out = p("out.csv")
        let r = try interrupt(SIGINT, in: .compute, out: out)
        assertStopped(r)
        assertNoOutput(out)
        try assertRerunMatches(out)
    }

    func testSIGKILLDuringCompute() throws {
        let out = p("out.csv")
        let r = try interrupt(SIGKILL, in: .compute, out: out)
        assertStopped(r)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: sidecar(out)))
        try assertRerunMatches(out)
    }

    func testSIGINTDuringWrite() throws {
        let out = p("out.csv")
        let r = try interrupt(SIGINT, in: .write, out: out)
        assertStopped(r)
        assertNoOutput(out)
        try assertRerunMatches(out)
    }

    func testSIGTERMDuringWrite() throws {
        let out = p("out.csv")
        let r = try interrupt(SIGTERM, in: .write, out: out)
        assertStopped(r)
        assertNoOutput(out)
    }

    func testSIGKILLDuringWriteThenRerunCleansUp() throws {
        let out = p("out.csv")
        let r = try interrupt(SIGKILL, in: .write, out: out)
        assertStopped(r)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no half table under the output's name")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sidecar(out)), "no sidecar without its table")
        try assertRerunMatches(out)
    }

    func testSIGINTDuringWriteKeepsThePreviousOutput() throws {
        let out = write("out.csv", "previous,table\n1,2\n"), side = write("out.csv.datapackage.json", "{\"previous\": true}")
        let before = snapshot([out, side])
        let r = try interrupt(SIGINT, in: .write, out: out)
        assertStopped(r)
        assertUnchanged(before)
        XCTAssertEqual(temporaries(of: out), [])
        XCTAssertEqual(temporaries(of: side), [])
    }
}
