import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Zawgyi to Unicode with ICU's Zawgyi-my transform (GeoGDAL's ZawgyiConverter) against the
/// ground truth: MIMU's own Unicode township names, which make_fixtures.py turned into
/// Zawgyi, and names typed in both encodings; cross-checked with two other converters
/// (python-myanmar, and myanmar-tools' own conversion of a hand-typed news text).
final class MyanmarConversionTests: XCTestCase {
    static let strings = Fixtures.json("myanmar/corpus.json")["strings"] as! [[String: Any]]

    /// Scalars, not Swift's canonical equality: NFC is part of what is checked.
    func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    func testTheBundledModelIsMyanmartools() {
        let data = Data(base64Encoded: zawgyiModelBase64, options: .ignoreUnknownCharacters)!
        XCTAssertEqual(data.count, 27_988)
        XCTAssertEqual(SHA256.hex(data), zawgyiModelSHA256)
    }

    func testZawgyiNamesConvertBackToMIMUsUnicode() throws {
        let c = try ZawgyiConverter.shared()
        var checked = 0
        for s in Self.strings where s["truth"] as? String == "zawgyi" {
            guard let truth = s["unicode"] as? String else { continue }
            let text = s["text"] as! String
            XCTAssertEqual(scalars(c.unicode(text)), scalars(truth), "\(s["source"]!): \(text) -> \(c.unicode(text)), want \(truth)")
            checked += 1
        }
        XCTAssertEqual(checked, 329)   // 309 MIMU names that differ in Zawgyi, 20 typed
    }

    /// Where python-myanmar agrees with ICU, and where it does not, ICU has the ground truth.
    func testCrossCheckWithPythonMyanmar() throws {
        let c = try ZawgyiConverter.shared()
        var agree = 0, total = 0, oursRight = 0, withTruth = 0
        for s in Self.strings where s["truth"] as? String == "zawgyi" {
            let text = s["text"] as! String, theirs = s["python_myanmar"] as! String
            let ours = c.unicode(text)
            total += 1
            if scalars(ours) == scalars(theirs) { agree += 1 }
            if let truth = s["unicode"] as? String {
                withTruth += 1
                if scalars(ours) == scalars(truth) { oursRight += 1 }
                else if scalars(theirs) == scalars(truth) { XCTFail("python-myanmar right, ICU wrong: \(text)") }
            }
        }
        XCTAssertEqual(oursRight, withTruth)
        // python-myanmar misreads some stacked letters (e.g. ၲ, ႐ with ႈ): most, not all, agree.
        XCTAssertGreaterThan(Double(agree) / Double(total), 0.85, "\(agree) of \(total)")
        print("ICU and python-myanmar agree on \(agree) of \(total) Zawgyi strings")
    }

    /// The hand-typed news lines: ICU against myanmar-tools' own conversion of them.
    func testCrossCheckWithMyanmarToolsOnHandTypedText() throws {
        let c = try ZawgyiConverter.shared()
        var agree = 0, total = 0
        for s in Self.strings where s["source"] as? String == "mmgov_line" {
            let theirs = s["myanmar_tools_unicode"] as! String
            total += 1
            if scalars(c.unicode(s["text"] as! String)) == scalars(theirs) { agree += 1 }
        }
        XCTAssertEqual(total, 63)
        print("ICU and myanmar-tools agree on \(agree) of \(total) hand-typed lines")
        XCTAssertGreaterThan(Double(agree) / Double(total), 0.5, "\(agree) of \(total)")
    }

    func testOutputIsNFCAndTheSameFromManyThreads() throws {
        let c = try ZawgyiConverter.shared()
        let texts = Self.strings.filter { $0["truth"] as? String == "zawgyi" }.map { $0["text"] as! String }
        let first = texts.map(c.unicode)
        for u in first { XCTAssertEqual(scalars(u), scalars(u.precomposedStringWithCanonicalMapping)) }
        let fresh = try ZawgyiConverter()
        final class Box: @unchecked Sendable { var out: [[String]] = Array(repeating: [], count: 4) }
        let box = Box(), lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let r = texts.map(fresh.unicode)
            lock.lock(); box.out[k] = r; lock.unlock()
        }
        for r in box.out { XCTAssertEqual(r.map(scalars), first.map(scalars)) }
    }
}
