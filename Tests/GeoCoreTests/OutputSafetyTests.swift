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
            // Both now come from one writer: formatNumber against the rule itself too.
            let rule = !v.isFinite ? "" : abs(v) < 1e15 && v == v.rounded() ? String(Int64(v)) : String(describing: v)
            XCTAssertEqual(formatNumber(v), rule, "\(v.bitPattern)")
        }
    }

    /// appendNumber writes the runtime's shortest digits straight into the array; its text must
    /// stay the standard library's: `String(describing:)` and the stream path the writers used
    /// before (`Double.write(to:)`), for every class of double where a formatter can slip.
    func testAppendNumberIsTheStandardLibrarysText() {
        var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                .leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, .ulpOfOne, 1 / 3, 2 / 3, 0.1 + 0.2]
        // Powers of ten and their neighbours, both signs (the decimal/exponent switches sit there).
        for e in -323...308 {
            let p = Double("1e\(e)")!
            values += [p, p.nextUp, p.nextDown, -p, 5 * p, 9.999999999999999 * p]
        }
        // Powers of two (subnormals to the largest) and their neighbours.
        for e in -1074...1023 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            values += [p, p.nextUp, p.nextDown, -p]
        }
        // Whole numbers around 2^53, 2^54, 1e15 and 1e16, and halves around them.
        for base in [9007199254740992.0, 18014398509481984, 1e15, 1e16, 1e17] {
            var v = base
            for _ in 0..<40 { values += [v, -v, v + 0.5, v - 0.5]; v = v.nextDown }
            v = base
            for _ in 0..<40 { values += [v, -v]; v = v.nextUp }
        }
        var rng = SystemRandomNumberGenerator()
        // Random bit patterns: every exponent, subnormals included.
        for _ in 0..<200_000 { values.append(Double(bitPattern: rng.next())) }
        // Subnormals alone.
        for _ in 0..<20_000 { values.append(Double(bitPattern: rng.next() >> 12)) }
        // Tables' own kind of values: means of a few decimals, short decimals, shares.
        for _ in 0..<100_000 { values.append(Double.random(in: -1e4...1e4)) }
        for _ in 0..<50_000 { values.append(Double(Int64.random(in: -1_000_000_000...1_000_000_000)) / 100) }
        for _ in 0..<50_000 { values.append(Double.random(in: 0...1)) }
        values = values.filter(\.isFinite)
        var row = ""
        for v in values {
            var bytes: [UInt8] = [0x2C]
            appendNumber(v, to: &bytes)
            var streamed = ""
            v.write(to: &streamed)
            let expected = abs(v) < 1e15 && v == v.rounded() ? String(Int64(v)) : String(describing: v)
            let text = String(decoding: bytes, as: UTF8.self)
            // One failure is enough (a broken formatter would report a million).
            if text != "," + expected || streamed != String(describing: v) {
                XCTFail("\(v.bitPattern): \(text) != ,\(expected) (stream: \(streamed))")
                return
            }
            row += "," + expected
        }
        // The same values as one wide row (one capacity check for all), after a cell.
        var bytes = Array("id".utf8)
        appendNumbers(values.count, after: 0x2C, to: &bytes) { values[$0] }
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self) == "id" + row)
        var empty: [UInt8] = []
        appendNumbers(3, after: 0x2C, to: &empty) { [Double.nan, .infinity, -0.0][$0] }
        XCTAssertEqual(String(decoding: empty, as: UTF8.self), ",,,0")
    }

    /// Numbers appended to a buffer that must grow (and to one shared with a copy) land
    /// where they should: the spare-capacity path respects the array's value semantics.
    func testAppendNumberGrowsAndCopiesTheBuffer() {
        var bytes: [UInt8] = []
        var expected = ""
        for i in 0..<10_000 {
            let v = Double(i) * 1.25 - 3000.3
            appendNumber(v, to: &bytes); bytes.append(0x2C)
            expected += formatNumber(v) + ","
            if i == 5_000 {
                let copy = bytes
                appendNumber(-0.5, to: &bytes)
                XCTAssertEqual(String(decoding: copy, as: UTF8.self), expected)
                bytes.removeLast(4)
            }
        }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected)
        var exact: [UInt8] = []
        exact.reserveCapacity(3)
        appendNumber(-123456789012345, to: &exact)
        appendNumber(-2.2250738585072014e-308, to: &exact)
        XCTAssertEqual(String(decoding: exact, as: UTF8.self), "-123456789012345-2.2250738585072014e-308")
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

