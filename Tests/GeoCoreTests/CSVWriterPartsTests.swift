import XCTest
import GeoCore
import GeoTestSupport

/// `CSVWriter.writeEncoded(parts:)`: buffers written as they are (not copied together first)
/// land in order between the rows written before and after them, and a failed write is an error.
final class CSVWriterPartsTests: XCTestCase {
    func testPartsLandInOrderBetweenOtherRows() throws {
        let path = Fixtures.tempDir() + "/t.csv"
        // 700 parts, empty ones among them, and one of 3 MB (more than the writer's buffer).
        let parts: [[UInt8]] = (0..<700).map { i in
            if i % 7 == 3 { return [] }
            if i == 400 { return Array(String(repeating: "x,1\n", count: 3 << 18).utf8) }
            return Array("p\(i),\(i * 3)\n".utf8)
        }
        var expected = "a,b\n"
        for i in 0..<700 where i % 7 != 3 { expected += i == 400 ? String(repeating: "x,1\n", count: 3 << 18) : "p\(i),\(i * 3)\n" }
        expected += "mid,2\n" + "q0,0\nq1,1\n" + "end,3\n"
        try CSVWriter.write(to: path) { w in
            try w.writeRow(["a", "b"])
            try w.writeEncoded(parts: parts[...])
            try w.writeRow(["mid", "2"])
            try w.writeEncoded(parts: [Array("q0,0\n".utf8), Array("q1,1\n".utf8)][...])
            try w.writeEncoded(parts: [])
            try w.writeRow([TableCell.text("end"), .number(3)])
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), expected)
    }

    func testAFailedWriteOfPartsNamesTheTable() throws {
        // /dev/full refuses every write (ENOSPC), as a full disk does: a large part at once,
        // small ones when the writer closes.
        let w = try CSVWriter(path: "/dev/full", displayPath: "out/table.csv")
        XCTAssertThrowsError(try w.writeEncoded(parts: [Array("a,1\n".utf8), Array(repeating: 0x41, count: 1 << 20)][...])) {
            XCTAssertEqual(($0 as! GeoKitError).file, "out/table.csv")
        }
        let small = try CSVWriter(path: "/dev/full", displayPath: "out/small.csv")
        XCTAssertNoThrow(try small.writeEncoded(parts: [Array("a,1\n".utf8)][...]))
        XCTAssertThrowsError(try small.close()) { XCTAssertEqual(($0 as! GeoKitError).file, "out/small.csv") }
    }
}
