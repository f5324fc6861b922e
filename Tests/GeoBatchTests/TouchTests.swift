import XCTest
import GeoCore
import GeoGDAL
import GeoKit
@testable import GeoBatch
import GeoTestSupport

/// `touch FILE`: docs/batch.md says a file whose mtime alone changed is compared by its full
/// SHA-256 and kept when equal (issue 12).
extension BatchTests {
    func testTouchedFileIsHashedNotRecomputed() throws {
        let dir = Fixtures.tempDir()
        try makeSeries(dir, months: 3, multi: false)
        let path = manifest(dir, source: "months/rain-{yyyy}.{mm}.tif", derive: false)
        let (_, first) = try run(path)
        XCTAssertEqual(first.filesComputed, 3)
        let table = dir + "/out/rain.csv"
        let before = try Data(contentsOf: URL(fileURLWithPath: table))

        // Same bytes, a new modification time.
        let touched = dir + "/months/rain-2001.02.tif"
        let oldFP = try batchFingerprint(touched)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: touched)
        let newFP = try batchFingerprint(touched)
        XCTAssertNotEqual(oldFP.mtime, newFP.mtime)

        let (runner, again) = try run(path)
        XCTAssertFalse(again.didRasterWork, "\(again.plan.map { "\($0.path): \($0.status) \($0.reason)" })")
        XCTAssertEqual(again.filesComputed, 0)
        XCTAssertTrue(again.plan.allSatisfy { $0.status == .unchanged }, "\(again.plan.map(\.reason))")
        XCTAssertEqual(again.tablesUpToDate, ["rain"])
        XCTAssertEqual(before, try Data(contentsOf: URL(fileURLWithPath: table)))
        // The state records the new mtime, so the next run does not hash again.
        XCTAssertEqual(runner.state.inputs[touched]?.fingerprint, newFP)
        XCTAssertEqual(runner.state.indicators["rain"]?.sources[touched]?.fingerprint, newFP)
        let saved = try JSONDecoder().decode(BatchState.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/.geotool-batch-state.json")))
        XCTAssertEqual(saved.inputs[touched]?.fingerprint, newFP)
        XCTAssertEqual(saved.indicators["rain"]?.sources[touched]?.fingerprint, newFP)

        // A real change of content is still recomputed.
        try writeGeoTIFF(path: touched, grid: Self.grid, bands: [Self.month(40)], nodata: -9999)
        let (_, changed) = try run(path)
        XCTAssertEqual(changed.filesComputed, 1)
        XCTAssertEqual(changed.plan.first { $0.status == .changed }?.path, touched)
    }
}
