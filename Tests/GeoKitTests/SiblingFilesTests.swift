import Foundation
import XCTest
import GeoCore
@testable import GeoGDAL
import GeoTestSupport

/// In a folder of many names a raster opens without GDAL's listing of the folder
/// (`SiblingFiles`); its sidecars must still be found. The sidecar here is an external mask
/// (`r.tif.msk`, written by gdal_translate), which decides which cells are read as valid.
final class SiblingFilesTests: XCTestCase {
    private let grid = Grid(left: 92, top: 20, dx: 0.01, dy: 0.01, cols: 8, rows: 4)

    /// A folder holding `r.tif` with an external mask (cells whose value is 0 are masked) and
    /// filler files up to `names` names.
    private func folder(names: Int) throws -> String {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        let values: [Float] = (0..<grid.cols * grid.rows).map { $0 % 3 == 0 ? 0 : Float($0) }
        try writeGeoTIFF(path: d + "/src.tif", grid: grid, bands: [values])
        let r = try runProcess("/usr/bin/gdal_translate", ["-q", "--config", "GDAL_TIFF_INTERNAL_MASK", "NO", "-mask", "1", d + "/src.tif", d + "/r.tif"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: d + "/r.tif.msk"), "gdal_translate wrote no external mask")
        let present = try FileManager.default.contentsOfDirectory(atPath: d).count
        for k in 0..<max(0, names - present) { FileManager.default.createFile(atPath: d + "/filler-\(k).txt", contents: nil) }
        return d
    }

    /// The mask read through the raster: 0 exactly where the value is 0 (the mask's own rule).
    private func assertMaskFound(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try Raster(path: path)
        XCTAssertTrue(r.bands[0].hasMask, "the .msk sidecar was not found", file: file, line: line)
        let w = Window(row: 0, col: 0, rows: grid.rows, cols: grid.cols)
        var mask = [UInt8](repeating: 7, count: w.cellCount)
        try mask.withUnsafeMutableBufferPointer { try r.readMask(band: 1, window: w, into: $0.baseAddress!) }
        XCTAssertEqual(mask.map { $0 != 0 }, (0..<w.cellCount).map { $0 % 3 != 0 }, file: file, line: line)
    }

    func testSidecarFoundInFoldersOfFewAndManyNames() throws {
        for names in [3, SiblingFiles.manyNames + 5] {
            let d = try folder(names: names)
            XCTAssertEqual(SiblingFiles.skipsListing(d + "/r.tif"), names > SiblingFiles.manyNames, "\(names) names")
            try assertMaskFound(d + "/r.tif")
        }
    }

    /// A folder is counted once, and again when a name is added (its modification time moves).
    func testFolderCountedOnceUntilItChanges() throws {
        let d = try folder(names: SiblingFiles.manyNames + 5)
        // The folder's time set in the past: a name added now moves it, whatever the clock's tick.
        var past = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
        XCTAssertEqual(utimes(d, &past), 0)
        let before = SiblingFiles.foldersCounted
        XCTAssertTrue(SiblingFiles.skipsListing(d + "/r.tif"))
        XCTAssertTrue(SiblingFiles.skipsListing(d + "/src.tif"))
        XCTAssertEqual(SiblingFiles.foldersCounted, before + 1)
        FileManager.default.createFile(atPath: d + "/one-more.txt", contents: nil)
        XCTAssertTrue(SiblingFiles.skipsListing(d + "/r.tif"))
        XCTAssertEqual(SiblingFiles.foldersCounted, before + 2)
    }

    /// The user's own GDAL_DISABLE_READDIR_ON_OPEN is GDAL's to apply; names GDAL takes apart
    /// (a subdataset) or fetches (`/vsi...`) are left to it too.
    func testLeftToGDAL() throws {
        let d = try folder(names: SiblingFiles.manyNames + 5)
        setenv("GDAL_DISABLE_READDIR_ON_OPEN", "NO", 1)
        XCTAssertFalse(SiblingFiles.skipsListing(d + "/r.tif"))
        unsetenv("GDAL_DISABLE_READDIR_ON_OPEN")
        XCTAssertTrue(SiblingFiles.skipsListing(d + "/r.tif"))
        try assertMaskFound(d + "/r.tif")
        XCTAssertFalse(SiblingFiles.skipsListing("/vsicurl/http://127.0.0.1:9/r.tif"))
        XCTAssertFalse(SiblingFiles.skipsListing("GTIFF_DIR:1:" + d + "/r.tif"))
        XCTAssertFalse(SiblingFiles.skipsListing(d))
    }
}
