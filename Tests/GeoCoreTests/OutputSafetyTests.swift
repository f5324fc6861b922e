import XCTest
import GeoCore
import GeoTestSupport

final class OutputSafetyCoreTests: XCTestCase {
    func testRealPathsOfFilesThatDoNotExistYet() throws {
        let dir = Fixtures.tempDir()
        let real = OutputSafety.realPath(dir)
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/l", withDestinationPath: dir + "/a")
        XCTAssertEqual(OutputSafety.realPath(dir + "/l/new.csv"), real + "/a/new.csv")
        XCTAssertEqual(OutputSafety.realPath(dir + "/a/./../a/new.csv"), real + "/a/new.csv")
        XCTAssertEqual(OutputSafety.realPath(dir + "/nope/../a/x.csv"), real + "/a/x.csv")
    }

    func testOutputsThatAreInputsOrEachOtherAreRefused() throws {
        let dir = Fixtures.tempDir()
        FileManager.default.createFile(atPath: dir + "/in.csv", contents: Data("a\n".utf8))
        XCTAssertThrowsError(try OutputSafety.check(inputs: [dir + "/in.csv"], outputs: [.init(dir + "/./in.csv")])) {
            let e = $0 as! GeoKitError
            XCTAssertTrue(e.message.contains(dir + "/in.csv") && e.message.contains(dir + "/./in.csv"), e.message)
        }
        XCTAssertThrowsError(try OutputSafety.check(inputs: [], outputs: [.init(dir + "/o.csv"), .init(dir + "/o.csv")]))
        XCTAssertThrowsError(try OutputSafety.check(inputs: [dir + "/o.datapackage.json"],
                                                    outputs: [.init(dir + "/o.csv", sidecar: dir + "/o.datapackage.json")]))
        XCTAssertNoThrow(try OutputSafety.check(inputs: [dir + "/in.csv"], outputs: [.init(dir + "/o.csv", sidecar: dir + "/o.datapackage.json")]))
    }

    func testInfinityAndNaNAreEmptyInCSV() throws {
        XCTAssertEqual(formatNumber(.nan), "")
        XCTAssertEqual(formatNumber(.infinity), "")
        XCTAssertEqual(formatNumber(-.infinity), "")
        XCTAssertEqual(TableCell.number(-.infinity).csv, "")
        let dir = Fixtures.tempDir()
        try Table(columns: ["a", "b", "c"], rows: [[.number(.infinity), .number(-.infinity), .number(1.5)]]).writeCSV(to: dir + "/t.csv")
        XCTAssertEqual(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8), "a,b,c\n,,1.5\n")
    }

    /// The table writers' byte path gives formatNumber's text: integers, the 1e15 edge,
    /// exponents, negative zero, empty for NaN and infinities, and random bit patterns.
    func testAppendNumberIsFormatNumber() {
        var values: [Double] = [0, -0.0, 1, -1, 42, 1e15 - 1, 1e15, -1e15, 1e16, 1e-5, 1.5e-7, 0.1, -2.5, 123456.789, 5e-324,
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, Double(Int64.max), .nan, .infinity, -.infinity,
                                // Around the whole-number test (converted to Int64 and back): halves, the last
                                // doubles below and above 1e15 and whole numbers, Int64's limits.
                                0.5, -0.5, 1e15 - 0.5, -(1e15 - 0.5), (1e15).nextDown, -(1e15).nextDown, (1e15).nextUp, 2.0.nextUp,
                                (-3.0).nextDown, (4503599627370496.0).nextDown, 4503599627370497, Double(Int64.min), -9.3e18, 9.3e18]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double(bitPattern: rng.next())) }
        for _ in 0..<20_000 { values.append(Double(Int64.random(in: -1_000_000_000...1_000_000_000)) / 1000) }
        for v in values {
            var bytes: [UInt8] = [0x2C]
            appendNumber(v, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "," + formatNumber(v), "\(v.bitPattern)")
        }
    }

    func testJSONNumbersNaNAndInfinityAreNull() throws {
        let v = JSONValue.object(["a": .number(.nan), "b": .array([.number(1.5), .number(-.infinity)]), "c": .object(["d": .number(.infinity)]),
                                  "e": .number(3), "f": .string("x")])
        XCTAssertEqual(v.canonicalText, #"{"a":null,"b":[1.5,null],"c":{"d":null},"e":3,"f":"x"}"#)
    }

    func testTemporariesAreRemovedOnRequestAndTheTableIsRenamedLast() throws {
        let dir = Fixtures.tempDir()
        var seen: [String] = []
        XCTAssertThrowsError(try writeAtomically([dir + "/s.json", dir + "/t.csv"]) { tmps in
            for t in tmps { FileManager.default.createFile(atPath: t, contents: Data()) }
            FileManager.default.createFile(atPath: tmps[1] + "-journal", contents: Data())
            seen = TemporaryFiles.open
            XCTAssertEqual(Set(seen), Set(tmps))
            TemporaryFiles.removeAll()
            throw GeoKitError.io(dir + "/t.csv", "stopped")
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        XCTAssertEqual(TemporaryFiles.open, [])
        // A failed rename of the first file (a folder has its name) leaves the second unwritten.
        try FileManager.default.createDirectory(atPath: dir + "/s.json", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/s.json/x", contents: Data())
        XCTAssertThrowsError(try writeAtomically([dir + "/s.json", dir + "/t.csv"]) { tmps in
            for t in tmps { FileManager.default.createFile(atPath: t, contents: Data("1".utf8)) }
        }) { XCTAssertTrue(($0 as! GeoKitError).message.hasPrefix(dir + "/s.json:"), "\($0)") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["s.json"])
    }

    func testStaleTemporariesOnlyOfDeadProcesses() throws {
        let dir = Fixtures.tempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run(); p.waitUntilExit()
        let dead = p.processIdentifier
        for f in [".a.tmp-\(dead).csv", ".a.tmp-\(dead)", ".b.tmp-\(getpid()).csv", "a.tmp-\(dead).csv", ".c.tmp-x.csv"] {
            FileManager.default.createFile(atPath: dir + "/" + f, contents: Data())
        }
        removeStaleTemporaries(in: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), [".b.tmp-\(getpid()).csv", ".c.tmp-x.csv", "a.tmp-\(dead).csv"])
    }

    /// The folder of a path, written by hand: a bare name is in ".", also a one-character
    /// one (Foundation's deletingLastPathComponent traps on "d").
    func testParentFolder() {
        XCTAssertEqual(parentFolder("d"), ".")
        XCTAssertEqual(parentFolder("table.csv"), ".")
        XCTAssertEqual(parentFolder("a/b"), "a")
        XCTAssertEqual(parentFolder("/x"), "/")
        XCTAssertEqual(parentFolder("/work/out/d"), "/work/out")
        XCTAssertEqual(parentFolder("../p"), "..")
    }
}

