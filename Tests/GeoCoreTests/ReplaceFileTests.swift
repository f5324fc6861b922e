import XCTest
import GeoCore

/// `replaceFile` puts a finished temporary in place as rename(2) does: the new file itself
/// (its inode) at the path, nothing left under the temporary's name, a folder in the way
/// refused and left as it was, a link in the way replaced, not followed.
final class ReplaceFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "replace-file-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ text: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    private func inode(_ path: String) -> UInt64 {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    private func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    func testAnOldFileIsReplacedByTheNewOne() throws {
        let path = try write("old table\n", "t.csv"), tmp = try write("new table\n", ".t.tmp-1.csv")
        let newInode = inode(tmp)
        XCTAssertEqual(replaceFile(tmp, path), 0)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new table\n")
        XCTAssertEqual(inode(path), newInode, "the temporary itself is in place, not a copy")
        XCTAssertEqual(try listing(), ["t.csv"], "the old file is gone, nothing under the temporary's name")
    }

    func testWithoutAnOldFileTheNewOneIsMoved() throws {
        let tmp = try write("new\n", ".t.tmp-1.csv"), path = dir + "/t.csv"
        let newInode = inode(tmp)
        XCTAssertEqual(replaceFile(tmp, path), 0)
        XCTAssertEqual(inode(path), newInode)
        XCTAssertEqual(try listing(), ["t.csv"])
    }

    func testAFolderInTheWayIsRefusedAndKept() throws {
        let path = dir + "/t.csv"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        _ = try write("inside\n", "t.csv/keep.txt")
        let tmp = try write("new\n", ".t.tmp-1.csv")
        XCTAssertEqual(replaceFile(tmp, path), -1, "a file is not put in a folder's place (rename's EISDIR)")
        XCTAssertEqual(try String(contentsOfFile: path + "/keep.txt", encoding: .utf8), "inside\n")
        XCTAssertEqual(try String(contentsOfFile: tmp, encoding: .utf8), "new\n", "the temporary is left for the caller to remove")
    }

    func testALinkInTheWayIsReplacedNotFollowed() throws {
        let other = try write("someone else's\n", "other.csv"), path = dir + "/t.csv"
        XCTAssertEqual(symlink(other, path), 0)
        let tmp = try write("new\n", ".t.tmp-1.csv")
        XCTAssertEqual(replaceFile(tmp, path), 0)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new\n")
        XCTAssertEqual(try String(contentsOfFile: other, encoding: .utf8), "someone else's\n")
        XCTAssertEqual(try listing(), ["other.csv", "t.csv"])
    }
}
