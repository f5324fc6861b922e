import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoRender
import GeoTestSupport

/// Myanmar-script names (TS_MMR) render as letters, not boxes ("tofu"), in the PNG map
/// (rsvg-convert) and the HTML report (headless Chromium). Both renderers find fonts through
/// fontconfig, so each is also run with a fontconfig that has only Noto Sans Myanmar for the
/// script (the rendering must be the same: that is the font used) and with one that has no
/// Myanmar font at all (the tofu rendering, which must differ).
final class MyanmarScriptTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    static let noto = "/usr/share/fonts/truetype/noto"

    /// A fontconfig configuration holding only Noto Sans (Latin), DejaVu Sans and, when
    /// `myanmar`, Noto Sans Myanmar; returns the environment that selects it.
    func fontEnvironment(_ dir: String, myanmar: Bool) throws -> [String: String] {
        let fonts = dir + "/fonts"
        try FileManager.default.createDirectory(atPath: fonts, withIntermediateDirectories: true)
        var files = ["\(Self.noto)/NotoSans-Regular.ttf", "\(Self.noto)/NotoSans-Bold.ttf",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"]
        if myanmar { files += ["\(Self.noto)/NotoSansMyanmar-Regular.ttf", "\(Self.noto)/NotoSansMyanmar-Bold.ttf"] }
        for f in files where FileManager.default.fileExists(atPath: f) {
            try FileManager.default.createSymbolicLink(atPath: fonts + "/" + (f as NSString).lastPathComponent, withDestinationPath: f)
        }
        let conf = """
        <?xml version="1.0"?>
        <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
        <fontconfig><dir>\(fonts)</dir><cachedir>\(dir)/cache</cachedir></fontconfig>
        """
        try conf.write(toFile: dir + "/fonts.conf", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["FONTCONFIG_FILE"] = dir + "/fonts.conf"
        return env
    }

    func requireNotoMyanmar() throws {
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(Self.noto)/NotoSansMyanmar-Regular.ttf"),
                      "Noto Sans Myanmar is installed (Debian fonts-noto-core; scripts/setup.sh installs it)")
    }

    func rainTable(_ dir: String) throws -> String {
        let csv = dir + "/rain.csv"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR",
                                "--raster", "rain=\(Fixtures.path("mimu/rainfall_dekad.tif"))", "--stats", "mean", "--quiet", "-o", csv])
        XCTAssertEqual(r.status, 0, r.stderr)
        return csv
    }

    // MARK: PNG (rsvg-convert)

    /// RGB planes of a PNG, read with GDAL.
    func pixels(_ path: String) throws -> (w: Int, h: Int, rgb: [[UInt8]]) {
        let (w, h, planes) = try pngPlanes(path)
        return (w, h, planes)
    }

    func testPNGMapDrawsMyanmarLabelsWithNotoSansMyanmar() throws {
        try requireNotoMyanmar()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") else {
            return XCTFail("rsvg-convert is not installed (librsvg2-bin; scripts/setup.sh installs it)")
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/fc-match") {
            let m = try runProcess("/usr/bin/fc-match", ["Noto Sans Myanmar"])
            XCTAssertTrue(m.stdout.contains("NotoSansMyanmar"), "fontconfig resolves the family the map names: \(m.stdout)")
        }
        let dir = Fixtures.tempDir()
        let csv = try rainTable(dir)
        let args = ["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--labels", "TS_MMR", "--size", "600", "--png-scale", "2"]
        let svg = dir + "/map.svg"
        XCTAssertEqual(try runGeotool(args + ["-o", svg]).status, 0)
        var pngs: [String: String] = [:]
        for (name, env) in [("system", nil), ("noto", try fontEnvironment(dir + "/fc-noto", myanmar: true)),
                            ("tofu", try fontEnvironment(dir + "/fc-tofu", myanmar: false))] as [(String, [String: String]?)] {
            let png = dir + "/map-\(name).png"
            let r = try runGeotool(args + ["-o", png], environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            pngs[name] = png
        }
        // The Myanmar labels as placed in the SVG (same options), their boxes at twice the size.
        let svgText = try String(contentsOfFile: svg, encoding: .utf8)
        let labelGroup = (svgText.components(separatedBy: "<g id=\"labels\"").dropFirst().first ?? "").components(separatedBy: "</g>")[0]
        let re = try NSRegularExpression(pattern: #"<text x="([0-9.]+)" y="([0-9.]+)">([^<]+)</text>"#)
        let matches = re.matches(in: labelGroup, range: NSRange(labelGroup.startIndex..., in: labelGroup)).prefix(8)
        XCTAssertGreaterThanOrEqual(matches.count, 5, "Myanmar labels placed")
        let system = try pixels(pngs["system"]!), noto = try pixels(pngs["noto"]!), tofu = try pixels(pngs["tofu"]!)
        XCTAssertEqual(system.w, tofu.w); XCTAssertEqual(system.h, tofu.h)
        var differsFromTofu = 0
        for m in matches {
            let ns = labelGroup as NSString
            let x = Double(ns.substring(with: m.range(at: 1)))!, y = Double(ns.substring(with: m.range(at: 2)))!
            let text = ns.substring(with: m.range(at: 3))
            XCTAssertTrue(text.unicodeScalars.contains { (0x1000...0x109F).contains($0.value) }, text)
            let w = labelWidth(text, size: unitLabelSize), h = unitLabelSize * labelHeightEm
            let cy = y - unitLabelSize * labelBaselineEm
            let c0 = max(0, Int(((x - w / 2) * 2).rounded(.down))), c1 = min(system.w, Int(((x + w / 2) * 2).rounded(.up)))
            let r0 = max(0, Int(((cy - h / 2) * 2).rounded(.down))), r1 = min(system.h, Int(((cy + h / 2) * 2).rounded(.up)))
            var same = 0, diff = 0, ink = 0, total = 0
            for r in r0..<r1 {
                for c in c0..<c1 {
                    let i = r * system.w + c
                    let a = (0..<3).map { Int(system.rgb[$0][i]) }, b = (0..<3).map { Int(noto.rgb[$0][i]) }, t = (0..<3).map { Int(tofu.rgb[$0][i]) }
                    if zip(a, b).allSatisfy({ abs($0 - $1) <= 8 }) { same += 1 }
                    if zip(a, t).contains(where: { abs($0 - $1) > 40 }) { diff += 1 }
                    if a.allSatisfy({ $0 < 100 }) { ink += 1 }
                    total += 1
                }
            }
            XCTAssertGreaterThan(ink, total / 50, "\(text): the label is drawn")
            XCTAssertGreaterThanOrEqual(Double(same) / Double(total), 0.99, "\(text): drawn as with Noto Sans Myanmar alone")
            if Double(diff) / Double(total) > 0.05 { differsFromTofu += 1 }
        }
        XCTAssertEqual(differsFromTofu, matches.count, "every label differs from its tofu rendering")
    }

    // MARK: HTML report and SVG labels in Chromium

    /// Run headless Chromium on `html` and return the percent-encoded JSON its script left
    /// in `<body data-out=...>`, decoded.
    func measure(_ chromium: String, _ html: String, profile: String, environment: [String: String]?) throws -> [String: Any] {
        let r = try runProcess(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                                          "--user-data-dir=\(profile)", "--window-size=1280,2000", "--dump-dom", "file://\(html)"],
                               environment: environment)
        guard let m = r.stdout.range(of: #"data-out="[^"]*""#, options: .regularExpression) else {
            XCTFail("no measurement in the DOM: \(r.stderr.suffix(400))"); return [:]
        }
        let enc = r.stdout[m].dropFirst("data-out=\"".count).dropLast()
        let json = enc.removingPercentEncoding ?? ""
        return (try JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }

    /// Measures, in the page as styled, each element's Myanmar text width, plus two probes:
    /// a consonant alone and with a combining vowel sign (shaped: the same width; tofu: wider).
    static let measureScript = """
    <script>
    (function () {
      var out = { texts: [], widths: [], labels: [] };
      var cells = document.querySelectorAll('td, text');
      for (var i = 0; i < cells.length; i++) {
        var t = cells[i].textContent;
        if (!/[\\u1000-\\u109F]/.test(t) || cells[i].children.length) { continue; }
        if (cells[i].tagName.toLowerCase() === 'text') {
          out.labels.push([t, cells[i].getComputedTextLength(), parseFloat(getComputedStyle(cells[i]).fontSize)]);
        } else {
          var range = document.createRange(); range.selectNodeContents(cells[i]);
          out.texts.push(t); out.widths.push(range.getBoundingClientRect().width);
        }
      }
      function probe(s) { var e = document.createElement('span'); e.textContent = s; document.body.appendChild(e); var w = e.getBoundingClientRect().width; e.remove(); return w; }
      out.ka = probe('\\u1000'); out.kaI = probe('\\u1000\\u102D');
      document.body.setAttribute('data-out', encodeURIComponent(JSON.stringify(out)));
    })();
    </script>
    """

    func testReportAndMapLabelsShowMyanmarScriptNotBoxes() throws {
        try requireNotoMyanmar()
        guard let chromium = MapTests.chromium else { throw XCTSkip("chromium is not installed (scripts/setup.sh installs it)") }
        let dir = Fixtures.tempDir()
        let csv = try rainTable(dir)
        let html = dir + "/report.html"
        let r = try runGeotool(["report", csv, "--zones", townships, "--id", "TS_PCODE", "--name", "TS_MMR", "-o", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The map with Myanmar labels, inline in a page (its labels are measured as drawn).
        let svg = dir + "/map.svg"
        XCTAssertEqual(try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--labels", "TS_MMR", "-o", svg]).status, 0)
        var svgText = try String(contentsOfFile: svg, encoding: .utf8)
        svgText = svgText.components(separatedBy: "?>\n").last!
        let mapPage = dir + "/map.html"
        try "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\(svgText)\(Self.measureScript)</body></html>".write(toFile: mapPage, atomically: true, encoding: .utf8)
        // The report as written, with the measuring script added at its end.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let measured = dir + "/report-measured.html"
        try page.replacingOccurrences(of: "</body>", with: Self.measureScript + "</body>").write(toFile: measured, atomically: true, encoding: .utf8)

        let notoEnv = try fontEnvironment(dir + "/fc-noto", myanmar: true), tofuEnv = try fontEnvironment(dir + "/fc-tofu", myanmar: false)
        let system = try measure(chromium, measured, profile: dir + "/p1", environment: nil)
        let noto = try measure(chromium, measured, profile: dir + "/p2", environment: notoEnv)
        let tofu = try measure(chromium, measured, profile: dir + "/p3", environment: tofuEnv)
        let texts = system["texts"] as? [String] ?? []
        let ws = system["widths"] as? [Double] ?? [], wn = noto["widths"] as? [Double] ?? [], wt = tofu["widths"] as? [Double] ?? []
        XCTAssertGreaterThanOrEqual(texts.count, 250, "TS_MMR names in the ranking and unit tables")
        XCTAssertEqual(ws.count, wn.count); XCTAssertEqual(ws.count, wt.count)
        for i in 0..<min(ws.count, wn.count) {
            // Fontconfig without its system settings hints to whole pixels: a few % apart.
            XCTAssertEqual(ws[i], wn[i], accuracy: max(2, 0.06 * wn[i]), "\(texts[i]): as wide as in Noto Sans Myanmar")
        }
        // Boxes have one width per code point, so tofu widths are proportional to the code
        // points; shaped text (stacked consonants, zero-width signs) is far from it.
        let cps = texts.map(myanmarCodePoints)
        XCTAssertLessThan(spread(wt, cps), 1.15, "tofu: one box per code point")
        XCTAssertGreaterThan(spread(ws, cps), 1.5, "Myanmar names are shaped, not drawn as boxes")
        // A combining vowel sign takes no room when shaped; as a box it does.
        let ka = system["ka"] as? Double ?? 0, kaI = system["kaI"] as? Double ?? -1
        XCTAssertEqual(ka, kaI, accuracy: 0.5, "shaped: ကိ is as wide as က")
        XCTAssertGreaterThan((tofu["kaI"] as? Double ?? 0) - (tofu["ka"] as? Double ?? 0), 3, "the tofu rendering the check tells apart")

        // The map's Myanmar labels: drawn as letters, and never wider than the box the
        // placement reserved for them (so boxes that do not overlap mean labels that do not).
        let mapSystem = try measure(chromium, mapPage, profile: dir + "/p4", environment: nil)
        let mapTofu = try measure(chromium, mapPage, profile: dir + "/p5", environment: tofuEnv)
        let labels = mapSystem["labels"] as? [[Any]] ?? [], tofuLabels = mapTofu["labels"] as? [[Any]] ?? []
        XCTAssertGreaterThanOrEqual(labels.count, 10, "Myanmar labels on the map")
        XCTAssertEqual(labels.count, tofuLabels.count)
        for l in labels {
            let text = l[0] as! String, w = l[1] as! Double, size = l[2] as! Double
            XCTAssertLessThanOrEqual(w, labelWidth(text, size: size), "\(text): rendered width within the placement's estimate")
        }
        let labelCps = labels.map { myanmarCodePoints($0[0] as! String) }
        XCTAssertLessThan(spread(tofuLabels.map { $0[1] as! Double }, labelCps), 1.15, "tofu labels: one box per code point")
        XCTAssertGreaterThan(spread(labels.map { $0[1] as! Double }, labelCps), 1.5, "map labels are shaped, not boxes")
    }

    /// Code points of Myanmar script (a zero-width space or a Latin space is no box).
    func myanmarCodePoints(_ s: String) -> Double { Double(s.unicodeScalars.filter { (0x1000...0x109F).contains($0.value) }.count) }

    /// The largest over the smallest width per code point.
    func spread(_ widths: [Double], _ codePoints: [Double]) -> Double {
        let r = zip(widths, codePoints).filter { $0.1 > 0 }.map { $0.0 / $0.1 }
        guard let lo = r.min(), let hi = r.max(), lo > 0 else { return .nan }
        return hi / lo
    }
}
