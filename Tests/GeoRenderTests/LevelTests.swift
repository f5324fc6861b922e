import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import GeoCore
import GeoTestSupport

/// Issue 11 end to end with the real binary: one roll-up run of `geotool zonal` on the MIMU
/// townships, then maps at township, district and state level and reports, from wide and
/// long tables written as CSV, XLSX and GeoPackage. Every map must fill exactly the units of
/// its level with that level's row; reports rank one level and no quality column; units
/// outside the raster are no data, never 0.
final class LevelTests: XCTestCase {
    static let townships = Fixtures.path("mimu/townships.json")
    static let districts = Fixtures.path("mimu/districts.json")
    static let states = Fixtures.path("mimu/states.json")
    static let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    /// `geotool zonal` with a roll-up to districts, states and the country.
    static func zonal(_ out: String, stats: String = "mean,sum,count,coverage,nodata_frac", format: String = "wide",
                      hxl: Bool = true) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,DT_PCODE,ST_PCODE",
                        "--rollup", "DT_PCODE,ST_PCODE", "--raster", "rain=\(rain)", "--stats", stats, "--format", format,
                        "--quiet", "-o", out] + (hxl && !out.hasSuffix(".gpkg") ? ["--hxl"] : []))   // GeoPackage has no HXL row
    }

    /// id -> value of `column` on the rows of `level`, from the CSV read independently
    /// (header, HXL row skipped, no quoted fields in these tables).
    static func csvValues(_ path: String, level: String, column: String) throws -> [String: Double?] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let h = lines[0]
        let lc = h.firstIndex(of: "level")!, vc = h.firstIndex(of: column)!
        var out: [String: Double?] = [:]
        for f in lines.dropFirst() where f[lc] == level { out[f[0]] = Double(f[vc]) }
        return out
    }

    static func readSVG(_ path: String) throws -> MapTests.SVGReader {
        let parser = XMLParser(contentsOf: URL(fileURLWithPath: path))!
        let r = MapTests.SVGReader()
        parser.delegate = r
        XCTAssertTrue(parser.parse(), "valid XML: \(String(describing: parser.parserError))")
        return r
    }

    /// Zone ids of a layer, read from the GeoJSON/TopoJSON independently.
    static func zoneIDs(_ path: String, field: String) -> [String] {
        let j = Fixtures.json(String(path.dropFirst(Fixtures.path("").count)))
        if let feats = j["features"] as? [[String: Any]] {
            return feats.map { ($0["properties"] as! [String: Any])[field] as! String }
        }
        let objects = (j["objects"] as! [String: Any]).values.first as! [String: Any]
        return (objects["geometries"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])[field] as! String }
    }

    /// Every drawn unit's fill is its value's class (or the hatch without a value), and
    /// every unit with a value is drawn.
    func assertFills(_ s: MapTests.SVGReader, _ expected: [String: Double?], ids: [String], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(s.legend.isEmpty, what, file: file, line: line)
        var withValue = 0
        for id in ids {
            guard let fill = s.fillOf[id] else { continue }
            if let v = expected[id] ?? nil {
                withValue += 1
                guard let k = s.legend.firstIndex(where: { v <= $0.upper * (1 + 1e-12) }) else {
                    XCTFail("\(what): \(id) = \(v) above every class", file: file, line: line); continue
                }
                XCTAssertEqual(fill, s.legend[k].fill, "\(what): \(id) = \(v)", file: file, line: line)
            } else {
                XCTAssertTrue(fill.hasPrefix("url(#"), "\(what): \(id) has no value: hatched, not \(fill)", file: file, line: line)
            }
        }
        XCTAssertEqual(s.legend.map(\.count).reduce(0, +), withValue, "\(what): legend counts", file: file, line: line)
        XCTAssertGreaterThan(withValue, 0, what, file: file, line: line)
    }

    func testMapsAtEveryLevelFromOneRollupRun() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/rain.csv"
        XCTAssertEqual(try Self.zonal(csv).status, 0)
        for (zones, id, level, n) in [(Self.townships, "TS_PCODE", "township", 330), (Self.districts, "DT_PCODE", "district", 80),
                                      (Self.states, "ST_PCODE", "state", 18)] {
            let expected = try Self.csvValues(csv, level: level, column: "rain_mean")
            XCTAssertEqual(expected.count, n)
            let svg = dir + "/\(level).svg"
            let r = try runGeotool(["map", csv, "--zones", zones, "--id", id, "--column", "rain_mean", "-o", svg])
            XCTAssertEqual(r.status, 0, r.stderr)
            let s = try Self.readSVG(svg)
            let ids = Self.zoneIDs(zones, field: id)
            assertFills(s, expected, ids: ids, "\(level) map")
            // Only units of this level are drawn (no township id on a district map...).
            XCTAssertEqual(Set(s.fillOf.keys).subtracting(ids), [], level)
            if level != "township" {
                XCTAssertEqual(s.missingCount, expected.values.filter { $0 == nil }.count, "\(level): no data only where the row has none")
                XCTAssertFalse(r.stderr.contains("have no row"), r.stderr)
            }
        }
        // --level explicitly, and a level the zones are not at: one clear error.
        let svg = dir + "/d2.svg"
        XCTAssertEqual(try runGeotool(["map", csv, "--zones", Self.districts, "--id", "DT_PCODE", "--column", "rain_mean",
                                       "--level", "district", "-o", svg]).status, 0)
        let bad = try runGeotool(["map", csv, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                  "--level", "district", "-o", dir + "/bad.svg"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("district") && bad.stderr.contains("township"), bad.stderr)
        let none = try runGeotool(["map", csv, "--zones", Self.districts, "--id", "DT_PCODE", "--column", "rain_mean",
                                   "--level", "village", "-o", dir + "/none.svg"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("township, district, state, country"), none.stderr)
    }

    func testEveryFormatAndShapeMapsAtEveryLevel() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/ref.csv"
        XCTAssertEqual(try Self.zonal(csv).status, 0)
        for shape in ["wide", "long"] {
            for ext in ["csv", "xlsx", "gpkg"] {
                let table = dir + "/\(shape)_\(ext).\(ext)"
                let z = try Self.zonal(table, format: shape)
                XCTAssertEqual(z.status, 0, z.stderr)
                for (zones, id, level) in [(Self.townships, "TS_PCODE", "township"), (Self.districts, "DT_PCODE", "district"),
                                           (Self.states, "ST_PCODE", "state")] {
                    let svg = dir + "/\(shape)_\(ext)_\(level).svg"
                    let args = shape == "wide" ? ["--column", "rain_mean"] : ["--indicator", "rain", "--stat", "mean"]
                    let r = try runGeotool(["map", table, "--zones", zones, "--id", id, "-o", svg] + args)
                    XCTAssertEqual(r.status, 0, "\(shape) \(ext) \(level): \(r.stderr)")
                    guard r.status == 0 else { continue }
                    let s = try Self.readSVG(svg)
                    assertFills(s, try Self.csvValues(csv, level: level, column: "rain_mean"), ids: Self.zoneIDs(zones, field: id),
                                "\(shape) \(ext) \(level)")
                    XCTAssertTrue(s.texts.contains("rain_mean"), "legend names the indicator and statistic, not 'value': \(shape) \(ext)")
                }
            }
        }
    }

    func testLongTableChoosesTheStatisticOrListsTheChoices() throws {
        let dir = Fixtures.tempDir()
        let long = dir + "/long.csv", ref = dir + "/ref.csv"
        XCTAssertEqual(try Self.zonal(long, stats: "mean,count,coverage", format: "long").status, 0)
        XCTAssertEqual(try Self.zonal(ref, stats: "mean,count,coverage").status, 0)
        // One indicator statistic besides the quality ones: that one, not the first row's `count`.
        let svg = dir + "/m.svg"
        let r = try runGeotool(["map", long, "--zones", Self.townships, "--id", "TS_PCODE", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        if r.status == 0 {
            let s = try Self.readSVG(svg)
            assertFills(s, try Self.csvValues(ref, level: "township", column: "rain_mean"), ids: Self.zoneIDs(Self.townships, field: "TS_PCODE"), "long default")
            XCTAssertFalse(s.texts.contains("value"))
        }
        // Two: an error listing them.
        let two = dir + "/two.csv"
        XCTAssertEqual(try Self.zonal(two, stats: "mean,max,coverage", format: "long").status, 0)
        let e = try runGeotool(["map", two, "--zones", Self.townships, "--id", "TS_PCODE", "-o", dir + "/e.svg"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("--stat") && e.stderr.contains("mean") && e.stderr.contains("max"), e.stderr)
        XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, e.stderr)
        // Quality only when asked for by name.
        let q = try runGeotool(["map", two, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "rain_coverage", "-o", dir + "/q.svg"])
        XCTAssertEqual(q.status, 0, q.stderr)
    }

    /// The report's rank tables: the P-codes listed.
    func rankedCodes(_ html: String, indicator: String) -> [String] {
        guard let sec = html.range(of: "id=\"ind-\(indicator)\""),
              let end = html.range(of: "</section>", range: sec.upperBound..<html.endIndex) else { return [] }
        let part = String(html[sec.upperBound..<end.lowerBound])
        let re = try! NSRegularExpression(pattern: "<td><code>([^<]*)</code></td>")
        return re.matches(in: part, range: NSRange(part.startIndex..., in: part)).map { String(part[Range($0.range(at: 1), in: part)!]) }
    }

    /// `ogr2ogr -f CSV` of an SQL query on a GeoPackage: header, then rows (no quoted fields
    /// in the columns asked for).
    static func ogrRows(_ gpkg: String, _ sql: String) throws -> [[String]] {
        let r = try runProcess("/usr/bin/ogr2ogr", ["-f", "CSV", "/vsistdout/", gpkg, "-sql", sql])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Issue 28: each roll-up layer of a GeoPackage names its code column for its level
    /// (DT_PCODE, ST_PCODE, pcode for the country), holding the codes of that level, and
    /// the report of district rows says "by district".
    func testGeoPackageRollupLayersNameTheirCodeColumn() throws {
        let dir = Fixtures.tempDir()
        let gpkg = dir + "/r.gpkg", csv = dir + "/r.csv"
        XCTAssertEqual(try Self.zonal(gpkg).status, 0)
        XCTAssertEqual(try Self.zonal(csv, hxl: false).status, 0)
        // The codes of each level, from the townships' own attributes (read independently).
        let j = Fixtures.json("mimu/townships.json")
        let objects = (j["objects"] as? [String: Any])?.values.first as? [String: Any]
        let props = ((objects?["geometries"] ?? j["features"]) as! [[String: Any]]).map { $0["properties"] as! [String: Any] }
        let districts = Set(props.compactMap { $0["DT_PCODE"] as? String }), states = Set(props.compactMap { $0["ST_PCODE"] as? String })
        for (layer, code, expected, gone) in [("zonal_district", "DT_PCODE", districts, "TS_PCODE"), ("zonal_state", "ST_PCODE", states, "TS_PCODE"),
                                              ("zonal_country", "pcode", Set(["MMR"]), "TS_PCODE")] {
            let info = try runProcess("/usr/bin/ogrinfo", ["-so", gpkg, layer]).stdout
            let fields = info.split(separator: "\n").compactMap { l in l.range(of: ": ").flatMap { r in l[..<r.lowerBound].contains(" ") ? nil : String(l[..<r.lowerBound]) } }
            XCTAssertTrue(fields.contains(code), "\(layer): \(info)")
            XCTAssertFalse(fields.contains(gone), "\(layer) has no \(gone) column: \(info)")
            XCTAssertEqual(fields.filter { $0.lowercased() == code.lowercased() }.count, 1, "one \(code) column in \(layer)")
            let rows = try Self.ogrRows(gpkg, "SELECT \(code), rain_mean FROM \(layer)")
            guard rows.count > 1 else { XCTFail("\(layer): no \(code) rows"); continue }
            XCTAssertEqual(rows[0], [code, "rain_mean"])
            XCTAssertEqual(Set(rows.dropFirst().map { $0[0] }), expected, layer)
            // The values stay the table's: as the CSV's rows of that level.
            let level = String(layer.dropFirst("zonal_".count))
            let want = try Self.csvValues(csv, level: level, column: "rain_mean")
            for r in rows.dropFirst() {
                let got = Double(r[1]), ref = want[r[0]] ?? nil
                XCTAssertEqual(got == nil, ref == nil, "\(layer) \(r[0])")
                if let got, let ref { XCTAssertEqual(got, ref, accuracy: 1e-9 * max(1, abs(ref)), "\(layer) \(r[0])") }
            }
        }
        // The zones' layer keeps the id field; a district row keeps its state.
        let zonal = try Self.ogrRows(gpkg, "SELECT TS_PCODE FROM zonal")
        XCTAssertEqual(zonal.count - 1, props.count)
        let dst = try Self.ogrRows(gpkg, "SELECT DT_PCODE, ST_PCODE FROM zonal_district WHERE DT_PCODE = 'MMR001D001'")
        XCTAssertEqual(dst.dropFirst().first, ["MMR001D001", "MMR001"])
        for table in [gpkg, csv] {
            let html = dir + "/d-\((table as NSString).pathExtension).html"
            let r = try runGeotool(["report", table, "--zones", Self.districts, "--id", "DT_PCODE", "-o", html])
            XCTAssertEqual(r.status, 0, r.stderr)
            let page = try String(contentsOfFile: html, encoding: .utf8)
            XCTAssertTrue(page.contains("<h1>Zonal statistics: rain by district</h1>"), "\(table): \(page.prefix(600))")
            XCTAssertTrue(page.contains("<title>Zonal statistics: rain by district</title>"), table)
        }
    }

    func testReportRanksOneLevelAndNoQualityColumn() throws {
        let dir = Fixtures.tempDir()
        for shape in ["wide", "long"] {
            let csv = dir + "/\(shape).csv"
            XCTAssertEqual(try Self.zonal(csv, format: shape).status, 0)
            let html = dir + "/\(shape).html"
            let r = try runGeotool(["report", csv, "--zones", Self.townships, "--id", "TS_PCODE", "-o", html])
            XCTAssertEqual(r.status, 0, r.stderr)
            guard r.status == 0 else { continue }
            let page = try String(contentsOfFile: html, encoding: .utf8)
            XCTAssertTrue(page.contains("330 rows") || page.contains("330 units"), "\(shape): townships only")
            for q in ["rain_count", "rain_coverage", "rain_nodata_frac", "band", "value"] {
                XCTAssertFalse(page.contains("id=\"ind-\(q.replacingOccurrences(of: "_", with: "-"))\""), "\(shape): \(q) is not an indicator")
            }
            XCTAssertTrue(page.contains("id=\"ind-rain-mean\"") && page.contains("id=\"ind-rain-sum\""), shape)
            let ranked = rankedCodes(page, indicator: "rain-sum")
            XCTAssertEqual(ranked.count, 20)
            XCTAssertTrue(ranked.allSatisfy { $0.count == 9 }, "\(shape): townships only: \(ranked)")
            // Townships outside the raster have a sum of 0 in the table but no data: not ranked lowest.
            XCTAssertFalse(ranked.contains("MMR017012"), "\(shape): Kyangin is outside the raster")
            XCTAssertTrue(page.contains("<th>no value</th><td>69</td>"), "\(shape): 67 outside the raster and 2 without geometry")
            // At district level with district boundaries: only districts.
            let dhtml = dir + "/\(shape)_d.html"
            let d = try runGeotool(["report", csv, "--zones", Self.districts, "--id", "DT_PCODE", "-o", dhtml])
            XCTAssertEqual(d.status, 0, d.stderr)
            let dpage = try String(contentsOfFile: dhtml, encoding: .utf8)
            let dr = rankedCodes(dpage, indicator: "rain-mean")
            XCTAssertEqual(dr.count, 20)
            XCTAssertTrue(dr.allSatisfy { $0.count == 10 && $0.contains(where: { $0 == "D" || $0 == "S" }) }, "\(shape): districts only: \(dr)")
        }
    }

    func testOutsideTheRasterIsNoDataInTheMap() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/rain.csv"
        XCTAssertEqual(try Self.zonal(csv).status, 0)
        let svg = dir + "/sum.svg"
        let r = try runGeotool(["map", csv, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "rain_sum", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try Self.readSVG(svg)
        XCTAssertTrue(s.fillOf["MMR017012"]?.hasPrefix("url(#") == true, "outside the raster: hatched, not a 0")
        XCTAssertEqual(s.missingCount, 69, "67 outside the raster and 2 without geometry")
    }

    func testMinCoverageHatchesInsufficientUnits() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/rain.csv"
        XCTAssertEqual(try Self.zonal(csv).status, 0)
        let cov = try Self.csvValues(csv, level: "township", column: "rain_coverage")
        let mean = try Self.csvValues(csv, level: "township", column: "rain_mean")
        let low = Set(cov.compactMap { id, c in (c.map { $0 < 0.5 } ?? false) && (mean[id] ?? nil) != nil ? id : nil })
        XCTAssertGreaterThan(low.count, 0)
        let svg = dir + "/cov.svg"
        let r = try runGeotool(["map", csv, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                "--min-coverage", "0.5", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        guard r.status == 0 else { return }
        let s = try Self.readSVG(svg)
        for id in low where s.fillOf[id] != nil { XCTAssertEqual(s.fillOf[id], "url(#insufficient)", id) }
        XCTAssertTrue(s.texts.contains("insufficient data (coverage < 0.5): \(low.count)"), "\(s.texts)")
        XCTAssertEqual(s.legend.map(\.count).reduce(0, +), mean.values.compactMap { $0 }.count - low.count)
        // Report too.
        let html = dir + "/r.html"
        let rr = try runGeotool(["report", csv, "--zones", Self.townships, "--id", "TS_PCODE", "--min-coverage", "0.5", "-o", html])
        XCTAssertEqual(rr.status, 0, rr.stderr)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("insufficient data (coverage &lt; 0.5): \(low.count)"))
        XCTAssertTrue(rankedCodes(page, indicator: "rain-mean").allSatisfy { !low.contains($0) })
        // Without a coverage column: say what to add.
        let nocov = dir + "/nocov.csv"
        XCTAssertEqual(try Self.zonal(nocov, stats: "mean").status, 0)
        let e = try runGeotool(["map", nocov, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                "--min-coverage", "0.5", "-o", dir + "/e.svg"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("coverage") && e.stderr.contains("--stats"), e.stderr)
    }

    func testSpreadsheetAndGeoPackageErrorsAreOneCleanLine() throws {
        let dir = Fixtures.tempDir()
        for ext in ["xlsx", "gpkg"] {
            let t = dir + "/rain.\(ext)"
            XCTAssertEqual(try Self.zonal(t).status, 0)
            for cmd in [["map", t, "--zones", Self.townships, "--id", "TS_PCODE", "--column", "nope", "-o", dir + "/x.svg"],
                        ["report", t, "--zones", Self.townships, "--id", "TS_PCODE", "--columns", "nope", "-o", dir + "/x.html"]] {
                let r = try runGeotool(cmd)
                XCTAssertNotEqual(r.status, 0)
                let lines = r.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(ext) \(cmd[0]): \(r.stderr.prefix(300))")
                XCTAssertTrue(r.stderr.contains(t), r.stderr)
                XCTAssertTrue(r.stderr.contains("rain_mean"), "lists the real columns: \(r.stderr.prefix(300))")
                XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0 == "\u{FFFD}" },
                               "no binary: \(r.stderr.prefix(300))")
                XCTAssertFalse(r.stderr.contains("PK") || r.stderr.contains("SQLite format"), r.stderr)
            }
        }
    }
}
