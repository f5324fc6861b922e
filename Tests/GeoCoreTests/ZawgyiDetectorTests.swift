import XCTest
@testable import GeoCore
import GeoTestSupport

/// The Swift port of myanmar-tools' Zawgyi detector against its own implementations: the
/// Java reference's probabilities (the compatibility file myanmar-tools ships) and the
/// PyPI package's on a mixed corpus (TestRasters/myanmar/corpus.json, made once by
/// make_fixtures.py: MIMU's Unicode names, the same names in Zawgyi, hand-typed Zawgyi,
/// Latin, digits, other scripts, mojibake).
final class ZawgyiDetectorTests: XCTestCase {
    struct Sample {
        var source: String, text: String, truth: String
        /// myanmartools' probability; nil for -infinity.
        var p: Double?
    }

    static let corpus = Fixtures.json("myanmar/corpus.json")
    static let samples: [Sample] = (corpus["strings"] as! [[String: Any]]).map {
        Sample(source: $0["source"] as! String, text: $0["text"] as! String, truth: $0["truth"] as! String,
               p: ($0["p"] as? NSNumber)?.doubleValue)
    }

    /// Code points the PyPI package takes for foreign characters (its state lookup is a
    /// binary search of ranges that are not in order), unlike the Java reference and this port.
    static func pypiMisreads(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0xA9E0...0xA9FF).contains($0.value) || (0xAA75...0xAA7F).contains($0.value) || (0x2000...0x200B).contains($0.value) }
    }

    func testModelReadsAndHasTheReferenceShape() {
        let d = ZawgyiDetector.shared
        XCTAssertEqual(d.size, 227)
        XCTAssertTrue(d.spaceStates)
        // The states of the Java reference (ZawgyiUnicodeMarkovModel.getIndexForCodePoint).
        XCTAssertEqual(d.state(0x1000), 1); XCTAssertEqual(d.state(0x103F), 64)
        XCTAssertEqual(d.state(0x104A), 65); XCTAssertEqual(d.state(0x109F), 150)
        XCTAssertEqual(d.state(0xAA60), 151); XCTAssertEqual(d.state(0xA9E0), 183)
        XCTAssertEqual(d.state(0x200B), 226)
        for v: UInt32 in [0x41, 0x20, 0x1040, 0x1049, 0x0E01, 0xFFFD] { XCTAssertEqual(d.state(v), 0, "U+\(String(v, radix: 16))") }
    }

    func testBadModelsAreRefused() {
        XCTAssertThrowsError(try ZawgyiDetector(model: Array("UZMODEL ".utf8)))
        XCTAssertThrowsError(try ZawgyiDetector(model: Array("NOTAMODEL AT ALL".utf8)))
        // The real model with a byte too many.
        let data = Data(base64Encoded: zawgyiModelBase64, options: .ignoreUnknownCharacters)!
        XCTAssertNoThrow(try ZawgyiDetector(model: [UInt8](data)))
        XCTAssertThrowsError(try ZawgyiDetector(model: [UInt8](data) + [0]))
    }

    /// The probabilities of myanmar-tools' Java implementation (its compatibility.tsv, 50
    /// strings: Unicode, Zawgyi, mixed with ASCII, Shan, Mon, Pali, Karen).
    func testAgreesWithTheJavaReference() {
        let rows = Self.corpus["compatibility"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 50)
        for r in rows {
            let text = r["text"] as! String
            let p = ZawgyiDetector.shared.zawgyiProbability(text)
            if let want = (r["p"] as? NSNumber)?.doubleValue {
                XCTAssertEqual(p, want, accuracy: max(1e-12, want * 1e-9), text)
            } else {
                XCTAssertEqual(p, -.infinity, text)
            }
        }
    }

    /// The PyPI package's probability on every string of the corpus: the same function (to
    /// rounding) wherever it reads the code points as the reference does; and the same class
    /// (Zawgyi > 0.95, Unicode < 0.05) on at least 99% of the strings it finds unambiguous.
    func testAgreesWithMyanmartoolsOnTheCorpus() {
        var unambiguous = 0, sameClass = 0, compared = 0
        for s in Self.samples {
            let p = ZawgyiDetector.shared.zawgyiProbability(s.text)
            if !Self.pypiMisreads(s.text) {
                compared += 1
                if let want = s.p { XCTAssertEqual(p, want, accuracy: 1e-12 + want * 1e-9, "\(s.source): \(s.text)") }
                else { XCTAssertEqual(p, -.infinity, "\(s.source): \(s.text)") }
            }
            guard let want = s.p, let oracle = MyanmarEncoding(zawgyiProbability: want), oracle != .ambiguous else { continue }
            unambiguous += 1
            if MyanmarEncoding(zawgyiProbability: p) == oracle { sameClass += 1 }
        }
        XCTAssertGreaterThan(compared, 1400)
        XCTAssertGreaterThan(unambiguous, 900)
        XCTAssertGreaterThanOrEqual(Double(sameClass) / Double(unambiguous), 0.99, "\(sameClass) of \(unambiguous)")
    }

    /// Latin, digits (ASCII and Myanmar), empty, other scripts, Myanmar read as Windows-1252:
    /// no encoding at all, so never flagged.
    func testValuesWithoutMyanmarLettersAreNeverFlagged() {
        let none = Self.samples.filter { $0.truth == "none" }
        XCTAssertGreaterThan(none.count, 350)
        for s in none { XCTAssertNil(MyanmarEncoding(of: s.text), "\(s.source): \(s.text)") }
        for s in ["", " ", "၁၂၃", "No. ၅", "Hello\u{2002}world", "\u{200B}", "ABC\u{200B}DEF"] {
            XCTAssertNil(MyanmarEncoding(of: s), s)
        }
    }

    /// No Unicode name of MIMU's (nor Shan, Mon, Karen text) is taken for Zawgyi.
    func testNoUnicodeValueIsCalledZawgyi() {
        let unicode = Self.samples.filter { $0.truth == "unicode" }
        XCTAssertEqual(unicode.count, 338)
        let wrong = unicode.filter { MyanmarEncoding(of: $0.text) == .zawgyi }
        XCTAssertEqual(wrong.map(\.text), [])
    }

    /// Zawgyi strings (ICU-made and hand-typed): what the model finds, as myanmartools does.
    func testZawgyiIsFoundWhereMyanmartoolsFindsIt() {
        let zawgyi = Self.samples.filter { $0.truth == "zawgyi" }
        let byOracle = zawgyi.filter { ($0.p ?? 0) > MyanmarEncoding.zawgyiAbove }.count
        let byPort = zawgyi.filter { MyanmarEncoding(of: $0.text) == .zawgyi }.count
        XCTAssertEqual(byPort, byOracle)
        // The hand-typed lines of the news text are all found.
        XCTAssertTrue(zawgyi.filter { $0.source == "mmgov_line" }.allSatisfy { MyanmarEncoding(of: $0.text) == .zawgyi })
    }
}

/// Counting, positions, conversion and reporting of MyanmarTextCheck, on arrays (with a
/// stand-in converter: ICU's is in GeoGDAL and tested in GeoKitTests).
final class MyanmarTextCheckTests: XCTestCase {
    let zawgyi = "ေနျပည္ေတာ္", unicode = "နေပြည်တော်", ambiguous = "ဒလ"

    func testCountsPositionsAndDetectLeavesTextAsItIs() {
        var check = MyanmarTextCheck(file: "r.csv", source: "points", unit: "row", mode: .detect, columns: ["name", "code"])
        var names = [zawgyi, unicode, "", "School 5", ambiguous, zawgyi]
        let before = names
        let e = check.take(column: 0, values: &names) { _ in XCTFail("no conversion in detect mode"); return "" }
        XCTAssertEqual(e, [.zawgyi, .unicode, nil, nil, .ambiguous, .zawgyi])
        XCTAssertEqual(names, before)
        XCTAssertEqual(check.counts[0].zawgyi, 2); XCTAssertEqual(check.counts[0].unicode, 1); XCTAssertEqual(check.counts[0].ambiguous, 1)
        XCTAssertEqual(check.counts[0].zawgyiAt, [1, 6]); XCTAssertEqual(check.counts[0].ambiguousAt, [5])
        XCTAssertEqual(check.counts[0].converted, 0)
        XCTAssertEqual(check.counts[1].myanmar, 0)
        XCTAssertTrue(check.hasNews)
        XCTAssertEqual(check.warnings.count, 1)
        XCTAssertEqual(check.warnings.first?.kind, .text)
        XCTAssertEqual(check.warnings.first?.file, "r.csv")
        let entry = MyanmarTextCheck.sidecarEntry([check])!
        XCTAssertEqual(entry.mode, "detect")
        XCTAssertNil(entry.conversion)
        XCTAssertEqual(entry.columns.count, 1)   // the code column has no Myanmar value
        XCTAssertEqual(entry.columns[0].zawgyi, 2); XCTAssertEqual(entry.columns[0].ambiguous, 1)
    }

    func testUnicodeModeConvertsZawgyiOnly() {
        var check = MyanmarTextCheck(file: "z.gpkg", source: "zones", unit: "feature", mode: .unicode, columns: ["TS_MMR"])
        var names = [zawgyi, unicode, ambiguous, "Latin"]
        var asked: [String] = []
        check.take(column: 0, values: &names) { asked.append($0); return "converted:" + $0 }
        XCTAssertEqual(asked, [zawgyi])
        XCTAssertEqual(names, ["converted:" + zawgyi, unicode, ambiguous, "Latin"])
        XCTAssertEqual(check.counts[0].converted, 1)
        XCTAssertEqual(MyanmarTextCheck.sidecarEntry([check])?.mode, "unicode")
        XCTAssertNotNil(MyanmarTextCheck.sidecarEntry([check])?.conversion)
    }

    /// Unicode-only text: nothing to say, so no warning and no sidecar entry (the run's
    /// outputs stay as they were); with conversion asked for, the entry says so.
    func testUnicodeOnlyTextHasNoNews() {
        for mode in MyanmarTextMode.allCases {
            var check = MyanmarTextCheck(file: "t.csv", source: "table", unit: "row", mode: mode, columns: ["n"])
            var names = [unicode, ambiguous, "", "x"]
            check.take(column: 0, values: &names) { $0 }
            XCTAssertEqual(check.warnings, [])
            XCTAssertEqual(MyanmarTextCheck.sidecarEntry([check]) == nil, mode == .detect)
        }
        XCTAssertNil(MyanmarTextCheck.sidecarEntry([]))
    }

    func testWarningListsTheFirstPositions() {
        var check = MyanmarTextCheck(file: "r.csv", source: "points", unit: "row", mode: .detect, columns: ["name"])
        var names = [String](repeating: zawgyi, count: 9)
        check.take(column: 0, values: &names) { $0 }
        XCTAssertEqual(check.counts[0].zawgyiAt, [1, 2, 3, 4, 5])
        XCTAssertTrue(check.warnings[0].message.contains("rows 1, 2, 3, 4, 5 and 4 more"), check.warnings[0].message)
    }
}
