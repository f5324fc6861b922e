import XCTest
import GeoCore
import GeoTestSupport

/// `--myanmar-text` end to end: MIMU's townships with TS_MMR in Zawgyi on every other
/// feature (the Zawgyi forms of TestRasters/myanmar/corpus.json). What counts as Zawgyi is
/// myanmartools' answer recorded in the corpus (> 0.95), not this code's; what a converted
/// name must read is MIMU's own Unicode name.
final class MyanmarTextTests: XCTestCase {
    struct Name { var unicode: String; var zawgyi: String; var zawgyiP: Double?; var unicodeP: Double? }

    /// Per township feature (in layer order): its Unicode name, its Zawgyi form, and
    /// myanmartools' probabilities of both.
    static let names: [Name] = {
        let strings = Fixtures.json("myanmar/corpus.json")["strings"] as! [[String: Any]]
        let u = strings.filter { $0["source"] as? String == "mimu_unicode" }
        let z = strings.filter { $0["source"] as? String == "mimu_zawgyi" }
        return zip(u, z).map { u, z in
            Name(unicode: z["unicode"] as! String, zawgyi: z["text"] as! String,
                 zawgyiP: (z["p"] as? NSNumber)?.doubleValue, unicodeP: (u["p"] as? NSNumber)?.doubleValue)
        }
    }()

    /// The value written for feature `i` in the mixed layer, and myanmartools' probability of it.
    static func written(_ i: Int) -> (text: String, p: Double?) {
        let n = names[i]
        return i % 2 == 0 ? (n.zawgyi, n.zawgyiP) : (n.unicode, n.unicodeP)
    }

    /// townships.json with TS_MMR in Zawgyi on the even features (the file's text with each
    /// TS_MMR value replaced, in layer order, so that GDAL reads it as the original).
    static let mixedZones: String = {
        let path = Fixtures.tempDir() + "/townships_mixed.json"
        let text = try! String(contentsOfFile: Fixtures.path("mimu/townships.json"), encoding: .utf8)
        let re = try! NSRegularExpression(pattern: #""TS_MMR":"([^"]*)""#)
        let ns = text as NSString
        var out = "", at = 0, i = 0
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            XCTAssertEqual(ns.substring(with: m.range(at: 1)).precomposedStringWithCanonicalMapping, names[i].unicode)
            out += ns.substring(with: NSRange(location: at, length: m.range.location - at)) + #""TS_MMR":"\#(written(i).text)""#
            at = m.range.location + m.range.length; i += 1
        }
        out += ns.substring(from: at)
        XCTAssertEqual(i, names.count)
        try! out.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    /// Expected counts by myanmartools' probabilities (the oracle) of the values written.
    func expectedCounts() -> (zawgyi: Int, unicode: Int, ambiguous: Int) {
        var c = (zawgyi: 0, unicode: 0, ambiguous: 0)
        for i in Self.names.indices {
            guard let p = Self.written(i).p else { continue }
            if p > 0.95 { c.zawgyi += 1 } else if p < 0.05 { c.unicode += 1 } else { c.ambiguous += 1 }
        }
        return c
    }

    func zonal(_ zones: String, _ extra: [String] = []) throws -> (GeotoolRun, Table, [String: Any]) {
        let out = Fixtures.tempDir() + "/rain.csv"
        let r = try runGeotool(["zonal", "--zones", zones, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR",
                                "--raster", "rain=\(rain)", "--stats", "mean", "--quiet", "-o", out] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as! [String: Any]
        return (r, try Table.readCSV(path: out), sidecar)
    }

    func column(_ t: Table, _ name: String) -> [String] {
        t.column(name)!.map { if case .text(let s) = $0 { return s }; return "" }
    }

    func testZonalDetectsAndCounts() throws {
        let (r, t, sidecar) = try zonal(Self.mixedZones)
        let want = expectedCounts()
        XCTAssertGreaterThan(want.zawgyi, 140)
        // One warning, for TS_MMR; the names as written.
        XCTAssertEqual(r.stderr.components(separatedBy: "column TS_MMR").count - 1, 1, r.stderr)
        XCTAssertFalse(r.stderr.contains("column TS:"))
        XCTAssertEqual(column(t, "TS_MMR").map { $0.precomposedStringWithCanonicalMapping },
                       Self.names.indices.map { Self.written($0).text.precomposedStringWithCanonicalMapping })
        let entry = sidecar["myanmar_text"] as! [String: Any]
        XCTAssertEqual(entry["mode"] as? String, "detect")
        let cols = entry["columns"] as! [[String: Any]]
        XCTAssertEqual(cols.map { $0["column"] as? String }, ["TS_MMR"])
        XCTAssertEqual(cols[0]["zawgyi"] as? Int, want.zawgyi)
        XCTAssertEqual(cols[0]["unicode"] as? Int, want.unicode)
        XCTAssertEqual(cols[0]["ambiguous"] as? Int, want.ambiguous)
        XCTAssertEqual(cols[0]["converted"] as? Int, 0)
        XCTAssertTrue((sidecar["warnings"] as! [String]).contains { $0.contains("TS_MMR") })
    }

    func testZonalConvertsToMIMUsUnicode() throws {
        let (_, t, sidecar) = try zonal(Self.mixedZones, ["--myanmar-text", "unicode"])
        let got = column(t, "TS_MMR")
        for i in Self.names.indices {
            let (text, p) = Self.written(i)
            // Zawgyi by the oracle: converted to MIMU's name; anything else: as written.
            let want = (p ?? 0) > 0.95 ? Self.names[i].unicode : text
            XCTAssertEqual(got[i].unicodeScalars.map(\.value), want.unicodeScalars.map(\.value), "feature \(i + 1): \(text)")
        }
        let cols = (sidecar["myanmar_text"] as! [String: Any])["columns"] as! [[String: Any]]
        XCTAssertEqual(cols[0]["converted"] as? Int, expectedCounts().zawgyi)
        XCTAssertNotNil((sidecar["myanmar_text"] as! [String: Any])["conversion"])
    }

    /// MIMU's own (Unicode) file: no warning, and the sidecar says nothing of Myanmar text
    /// unless conversion was asked for.
    func testUnicodeOnlyZonesSayNothing() throws {
        let (r, _, sidecar) = try zonal(Fixtures.path("mimu/townships.json"))
        XCTAssertFalse(r.stderr.contains("Zawgyi"), r.stderr)
        XCTAssertNil(sidecar["myanmar_text"])
        let (r2, _, sidecar2) = try zonal(Fixtures.path("mimu/townships.json"), ["--myanmar-text", "unicode"])
        XCTAssertFalse(r2.stderr.contains("Zawgyi"), r2.stderr)
        let cols = (sidecar2["myanmar_text"] as! [String: Any])["columns"] as! [[String: Any]]
        XCTAssertEqual(cols[0]["zawgyi"] as? Int, 0); XCTAssertEqual(cols[0]["converted"] as? Int, 0)
    }

    func testPartsAndMergeKeepTheOption() throws {
        let dir = Fixtures.tempDir()
        let args = ["zonal", "--zones", Self.mixedZones, "--id", "TS_PCODE", "--include-cols", "TS_MMR", "--raster", "rain=\(rain)",
                    "--stats", "mean", "--quiet", "--myanmar-text", "unicode"]
        XCTAssertEqual(try runGeotool(args + ["-o", dir + "/single.csv"]).status, 0)
        for i in 0..<2 { XCTAssertEqual(try runGeotool(args + ["--part", "\(i)/2", "--partial", "\(dir)/p\(i).part"]).status, 0) }
        let m = try runGeotool(["merge", dir + "/p0.part", dir + "/p1.part", "--quiet", "-o", dir + "/merged.csv"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/merged.csv"), FileManager.default.contents(atPath: dir + "/single.csv"))
    }

    /// Map labels: drawn in Unicode with the option, as written (with a warning) without.
    func testMapLabels() throws {
        let dir = Fixtures.tempDir()
        let table = dir + "/rain.csv"
        XCTAssertEqual(try runGeotool(["zonal", "--zones", Self.mixedZones, "--id", "TS_PCODE", "--raster", "rain=\(rain)",
                                       "--stats", "mean", "--quiet", "-o", table]).status, 0)
        let zawgyiOnly = Self.names.indices.filter { ($0 % 2 == 0) && (Self.names[$0].zawgyiP ?? 0) > 0.95 }
        for mode in ["detect", "unicode"] {
            let svg = dir + "/\(mode).svg"
            let r = try runGeotool(["map", table, "--zones", Self.mixedZones, "--id", "TS_PCODE", "--column", "rain_mean",
                                    "--labels", "TS_MMR", "--quiet", "--myanmar-text", mode, "-o", svg])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("column TS_MMR"), r.stderr)
            let text = try String(contentsOfFile: svg, encoding: .utf8)
            let zawgyiDrawn = zawgyiOnly.filter { text.contains(">" + Self.names[$0].zawgyi + "<") }.count
            let unicodeDrawn = zawgyiOnly.filter { text.contains(">" + Self.names[$0].unicode + "<") }.count
            if mode == "unicode" { XCTAssertEqual(zawgyiDrawn, 0); XCTAssertGreaterThan(unicodeDrawn, 10) }
            else { XCTAssertEqual(unicodeDrawn, 0); XCTAssertGreaterThan(zawgyiDrawn, 10) }
        }
    }

    /// Report: the table's names (an include column) shown in Unicode with the option.
    func testReportNames() throws {
        let dir = Fixtures.tempDir()
        let table = dir + "/rain.csv"
        XCTAssertEqual(try runGeotool(["zonal", "--zones", Self.mixedZones, "--id", "TS_PCODE", "--include-cols", "TS_MMR",
                                       "--raster", "rain=\(rain)", "--stats", "mean", "--quiet", "-o", table]).status, 0)
        let converted = Self.names.indices.filter { ($0 % 2 == 0) && (Self.names[$0].zawgyiP ?? 0) > 0.95 }
        for mode in ["detect", "unicode"] {
            let html = dir + "/\(mode).html"
            let r = try runGeotool(["report", table, "--myanmar-text", mode, "-o", html])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("column TS_MMR"), r.stderr)
            let text = try String(contentsOfFile: html, encoding: .utf8)
            // Whole cells (">name<"): one name may be part of another.
            let shown = converted.filter { text.contains(">" + (mode == "unicode" ? Self.names[$0].unicode : Self.names[$0].zawgyi) + "<") }.count
            let other = converted.filter { text.contains(">" + (mode == "unicode" ? Self.names[$0].zawgyi : Self.names[$0].unicode) + "<") }.count
            XCTAssertEqual(shown, converted.count, mode)
            XCTAssertEqual(other, 0, mode)
        }
    }

    func testJoinSummaryAndABadValue() throws {
        let dir = Fixtures.tempDir()
        let n = Self.names[0]
        try "id,name,longitude,latitude\n1,\(n.zawgyi),96.0,17.0\n2,\(n.unicode),96.0,17.0\n".write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
        let r = try runGeotool(["join", "--points", dir + "/r.csv", "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                "--id-col", "name", "--quiet", "-o", dir + "/out.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("1 row(s) flagged zawgyi"), r.stderr)
        XCTAssertTrue(r.stderr.contains("duplicate_id   2"), r.stderr)
        let bad = try runGeotool(["join", "--points", dir + "/r.csv", "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                  "--myanmar-text", "zawgyi", "-o", dir + "/bad.csv"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--myanmar-text"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.csv"))
    }
}
