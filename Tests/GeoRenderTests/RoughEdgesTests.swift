import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// The outline's legend entry, the histogram's tick labels and the size of a report of many
/// indicators: checked on the rendered PNG, on label boxes from font metrics, and against
/// the table's own values.
final class RoughEdgesTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let states = Fixtures.path("mimu/states.json")

    /// Every match of `pattern` in `s`: the capture groups of each.
    func matches(_ pattern: String, _ s: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return re.matches(in: s, range: NSRange(s.startIndex..., in: s)).map { m in
            (1..<m.numberOfRanges).map { Range(m.range(at: $0), in: s).map { String(s[$0]) } ?? "" }
        }
    }

    /// A CSV as header and rows (no quoted fields in these tables).
    func readCSV(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines[0], Array(lines.dropFirst()))
    }

    // MARK: the outline's legend entry

    /// RGB of every pixel of a PNG (read with GDAL), row by row.
    func pixels(_ png: String) throws -> (width: Int, height: Int, rgb: (Int, Int) -> (UInt8, UInt8, UInt8)) {
        let (w, h, planes) = try pngPlanes(png)
        return (w, h, { x, y in (planes[0][y * w + x], planes[1][y * w + x], planes[2][y * w + x]) })
    }

    func testOutlineLegendEntryNamesTheLevelAndStaysInTheLegend() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/rain.csv"
        XCTAssertEqual(try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(Fixtures.path("mimu/rainfall_dekad.tif"))",
                                       "--stats", "mean", "--quiet", "-o", csv]).status, 0)
        // The states under the kind of file name a download has.
        let outline = dir + "/mmr_polbnda_adm1_250k_mimu_20240215_boundaries.json"
        try FileManager.default.copyItem(atPath: states, toPath: outline)
        let fields = Set(((Fixtures.json("mimu/states.json")["features"] as! [[String: Any]])[0]["properties"] as! [String: Any]).keys)
        XCTAssertTrue(fields.contains("ST_PCODE"), "a layer of states by its P-code field")
        for (label, expected) in [(nil, ["State/region boundaries"]),
                                  ("Boundaries of the states and regions of Myanmar, MIMU 250k, edition of February 2024", nil)] as [(String?, [String]?)] {
            let svg = dir + "/map.svg", png = dir + "/map.png"
            let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--outline", outline]
                                   + (label.map { ["--outline-label", $0] } ?? []) + ["-o", svg])
            XCTAssertEqual(r.status, 0, r.stderr)
            let text = try String(contentsOfFile: svg, encoding: .utf8)
            guard let entry = matches(#"<g id="legend-outline">(.*?)</g>"#, text).first?[0] else { return XCTFail("no outline legend entry") }
            let lines = matches(#"<text x="([0-9.]+)" y="([0-9.]+)"[^>]*>([^<]*)</text>"#, entry)
            if let expected { XCTAssertEqual(lines.map { $0[2] }, expected) }
            else { XCTAssertEqual(lines.map { $0[2] }.joined(separator: " "), label, "wrapped, every word kept") }
            XCTAssertFalse(entry.contains("mmr_polbnda"), "not the file name")
            // Rendered: the entry's ink lies within the legend column (230 px from the
            // swatch), and nothing of it beyond.
            XCTAssertEqual(try runProcess("/usr/bin/rsvg-convert", [svg, "-o", png]).status, 0)
            let img = try pixels(png)
            let x0 = Int(Double(matches(#"<line x1="([0-9.]+)""#, entry)[0][0])!)
            let yTop = Int(Double(lines.first![1])!) - 12, yBottom = Int(Double(lines.last![1])!) + 4
            func ink(_ xs: Range<Int>) -> Int {
                var n = 0
                for y in yTop..<yBottom { for x in xs where x < img.width { let p = img.rgb(x, y); if p.0 < 200 || p.1 < 200 || p.2 < 200 { n += 1 } } }
                return n
            }
            XCTAssertGreaterThan(ink(x0 + 30 ..< x0 + 230), 50, "the label is drawn")
            XCTAssertEqual(ink(x0 + 230 ..< img.width), 0, "nothing runs past the legend column (label \(label ?? "default"))")
        }
    }

    // MARK: histogram tick labels

    /// numpy's linear quantile.
    func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q, f = Int(h.rounded(.down))
        return f + 1 < sorted.count ? sorted[f] + (h - Double(f)) * (sorted[f + 1] - sorted[f]) : sorted[f]
    }

    /// A text's advance in DejaVu Sans (the widest of the fonts the report names): digits
    /// 1303/2048 em, the point and comma 651/2048, anything else taken as 0.7 em.
    func dejaVuWidth(_ s: String, size: Double) -> Double {
        s.reduce(0.0) { $0 + ($1.isNumber ? 1303.0 / 2048 : ".,".contains($1) ? 651.0 / 2048 : 0.7) } * size
    }

    func testHistogramTickLabelsOfSmallValuesNeverOverlap() throws {
        let dir = Fixtures.tempDir()
        // 99 values from 0.001 to 0.009, crowded at the low end: the quantile breaks are
        // 0.001, 0.00106, 0.0015, 0.0027, 0.0051 and 0.009, three of them within 26 px.
        let values = (0..<99).map { 0.001 + 0.008 * pow(Double($0) / 98, 3) }
        let csv = dir + "/small.csv", html = dir + "/small.html"
        try (["pcode,small"] + values.enumerated().map { String(format: "P%03d,%.9f", $0, $1) }).joined(separator: "\n").appending("\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try runGeotool(["report", csv, "-o", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        guard let svg = matches(#"(<svg[^>]*class="histogram".*?</svg>)"#, page).first?[0] else { return XCTFail("no histogram") }
        let width = Double(matches(#"width="([0-9.]+)""#, svg)[0][0])!
        let axisY = Double(matches(##"<line x1="[0-9.]+" y1="([0-9.]+)" x2="[0-9.]+" y2="[0-9.]+" stroke="#333"/>"##, svg)[0][0])!
        let texts = matches(#"<text x="([0-9.]+)" y="([0-9.]+)"( text-anchor="(\w+)")?[^>]*>([^<]*)</text>"#, svg)
            .filter { Double($0[1])! > axisY && Double($0[1])! < axisY + 40 && Double($0[4]) != nil }
        let sorted = values.sorted()
        let breaks = [0, 0.2, 0.4, 0.6, 0.8, 1].map { quantile(sorted, $0) }
        // Sensible precision: the fewest decimals that tell neighbouring breaks apart.
        let decimals = (0...8).first { d in
            let l = breaks.map { String(format: "%.\(d)f", $0) }
            return zip(l, l.dropFirst()).allSatisfy { $0 != $1 }
        }!
        XCTAssertEqual(decimals, 4)
        let labels = texts.map { $0[4] }
        XCTAssertTrue(labels.allSatisfy { $0.split(separator: ".").last?.count == decimals }, "\(labels)")
        for l in labels { XCTAssertTrue(breaks.contains { String(format: "%.\(decimals)f", $0) == l }, "\(l) labels a class break") }
        XCTAssertTrue(labels.contains(String(format: "%.4f", breaks.first!)) && labels.contains(String(format: "%.4f", breaks.last!)), "\(labels)")
        XCTAssertEqual(Set(labels).count, labels.count, "no label twice")
        // Boxes from the font's advance widths and the anchor; one em high above the
        // baseline's descent.
        var boxes: [(x0: Double, x1: Double, y0: Double, y1: Double)] = []
        for t in texts {
            let x = Double(t[0])!, y = Double(t[1])!, w = dejaVuWidth(t[4], size: 10)
            let x0: Double = t[3] == "start" ? x : t[3] == "end" ? x - w : x - w / 2
            boxes.append((x0, x0 + w, y - 7.5, y + 2.5))
        }
        for (i, a) in boxes.enumerated() {
            XCTAssertGreaterThanOrEqual(a.x0, 0); XCTAssertLessThanOrEqual(a.x1, width, "\(labels[i]) inside the histogram")
            for (j, b) in boxes.enumerated() where j > i {
                XCTAssertFalse(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, "\(labels[i]) overlaps \(labels[j])")
            }
        }
        // Every break keeps its tick mark.
        XCTAssertEqual(matches(##"<line x1="[0-9.]+" y1="[0-9.]+" x2="[0-9.]+" y2="[0-9.]+" stroke="#333"/>"##, svg).count, 2 + breaks.count)
    }

    // MARK: a report of 48 indicators

    /// 48 indicators (12 statistics of 4 rasters) by MIMU township, with their values.
    func fortyEight(_ dir: String) throws -> (csv: String, header: [String], rows: [[String]]) {
        let csv = dir + "/t48.csv"
        let rain = Fixtures.path("mimu/rainfall_dekad.tif")
        let rasters = ["a", "b", "c", "d"].flatMap { ["--raster", "\($0)=\(rain)"] }
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS"] + rasters
                               + ["--stats", "mean,min,max,sum,stdev,median,p10,p90,majority,minority,variety,range", "--quiet", "-o", csv])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (header, rows) = try readCSV(csv)
        XCTAssertEqual(header.count, 2 + 48)
        return (csv, header, rows)
    }

    func testAFortyEightIndicatorReportIsSmallAndEveryIndicatorHasItsMap() throws {
        let dir = Fixtures.tempDir()
        let (csv, header, rows) = try fortyEight(dir)
        let html = dir + "/r48.html"
        let r = try runGeotool(["report", csv, "--zones", townships, "--id", "TS_PCODE", "-o", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        let size = try FileManager.default.attributesOfItem(atPath: html)[.size] as! Int
        XCTAssertLessThan(size, 1_150_000, "48 maps of 330 townships share one copy of the geometry (was 4.7 MB)")
        let page = try String(contentsOfFile: html, encoding: .utf8)

        // The zones' paths once: P-codes of the table's townships, each once.
        let defs = matches(#"<path id="z(\d+)" data-id="([^"]*)" d="[^"]*"/>"#, page)
        let zoneCode = Dictionary(uniqueKeysWithValues: defs.map { (Int($0[0])!, $0[1]) })
        let tableCodes = Set(rows.map { $0[0] })
        XCTAssertEqual(defs.count, 328, "330 townships, 2 without geometry")
        XCTAssertEqual(Set(zoneCode.values).count, 328)
        XCTAssertTrue(Set(zoneCode.values).isSubset(of: tableCodes))

        // Every indicator has its section and map; every drawn township once per map, in the
        // class whose legend range holds its value in the table.
        let valueOf: [String: [String: Double]] = Dictionary(uniqueKeysWithValues: header.indices.dropFirst(2).map { k in
            (header[k], Dictionary(uniqueKeysWithValues: rows.compactMap { row in Double(row[k]).map { (row[0], $0) } }))
        })
        for column in header.dropFirst(2) {
            guard let section = matches(#"<section class="indicator" id="ind-\#(column.replacingOccurrences(of: "_", with: "-"))"[^>]*>(.*?)</section>"#, page).first?[0],
                  let map = matches(#"(<svg[^>]*class="choropleth".*?</svg>)"#, section).first?[0] else {
                XCTFail("\(column): no map"); continue
            }
            let legend = matches(#"<g class="legend-class" data-class="(\d+)" data-fill="[^"]*" data-lower="([^"]*)" data-upper="([^"]*)""#, map)
            var seen = Set<Int>()
            for group in matches(#"<g class="(class-\d+|no-data)"[^>]*>(.*?)</g>"#, map) {
                for use in matches(##"<use href="#z(\d+)"/>"##, group[1]) {
                    let z = Int(use[0])!
                    XCTAssertTrue(seen.insert(z).inserted, "\(column): zone \(z) drawn twice")
                    let value = valueOf[column]?[zoneCode[z] ?? ""]
                    if group[0] == "no-data" { XCTAssertNil(value, "\(column) \(zoneCode[z] ?? "?")"); continue }
                    let k = Int(group[0].dropFirst(6))!, range = legend[k]
                    guard let v = value else { XCTFail("\(column) \(zoneCode[z] ?? "?") has no value"); continue }
                    XCTAssertTrue(v >= Double(range[1])! && v <= Double(range[2])!, "\(column) \(zoneCode[z]!): \(v) in class \(k) \(range)")
                }
            }
            XCTAssertEqual(seen.count, 328, "\(column): every drawn township")
        }
    }

    /// Hover on a map in Chromium: the unit's name, P-code and value, from the page's script.
    func testMapHoverShowsNameCodeAndValue() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (scripts/setup.sh installs it)")
        }
        let dir = Fixtures.tempDir()
        let csv = dir + "/rain.csv", html = dir + "/r.html"
        XCTAssertEqual(try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS", "--raster", "rain=\(Fixtures.path("mimu/rainfall_dekad.tif"))",
                                       "--stats", "mean", "--quiet", "-o", csv]).status, 0)
        XCTAssertEqual(try runGeotool(["report", csv, "--zones", townships, "--id", "TS_PCODE", "-o", html]).status, 0)
        let (_, rows) = try readCSV(csv)
        // MMR001001 (Myitkyina) and its mean, read from the table; then hovered in the page.
        let row = rows.first { $0[0] == "MMR001001" }!
        var page = try String(contentsOfFile: html, encoding: .utf8)
        guard let zone = matches(#"<path id="z(\d+)" data-id="MMR001001""#, page).first?[0] else {
            return XCTFail("the zones' paths are not shared in the page")
        }
        let probe = """
        <script>
        var u = document.querySelector('#ind-rain-mean svg.choropleth use[href="#z\(zone)"]');
        u.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: 20, clientY: 20}));
        var tip = document.querySelector('.map-tip');
        document.documentElement.setAttribute('data-tip', tip.textContent + '|' + tip.style.display);
        </script>
        """
        page = page.replacingOccurrences(of: "</body>", with: probe + "</body>")
        let probed = dir + "/probe.html"
        try page.write(toFile: probed, atomically: true, encoding: .utf8)
        let dom = try runProcess(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(dir)/profile", "--dump-dom", "file://\(probed)"])
        guard let tip = matches(#"data-tip="([^"]*)""#, dom.stdout).first?[0] else { return XCTFail("no tip: \(dom.stderr.suffix(400))") }
        let parts = tip.split(separator: "|").map(String.init)
        XCTAssertEqual(parts.last, "block", tip)
        XCTAssertTrue(parts[0].hasPrefix("\(row[1]) MMR001001: "), tip)
        let value = parts[0].components(separatedBy: ": ").last!.split(separator: " ").first!   // then the unit, if any
        let shown = Double(value.replacingOccurrences(of: ",", with: ""))!
        XCTAssertEqual(shown, Double(row[2])!, accuracy: 0.5, "the value as the table shows it (rounded)")
    }
}
