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

/// Maps a ministry prints: title, legend title, source line, the user's class breaks, a
/// coarser level's boundaries with their names, and labels that never overlap. The SVG is
/// parsed as XML and checked against values computed here from the table and the zones.
final class PrintMapTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let states = Fixtures.path("mimu/states.json")

    /// Every element of an SVG: its name, attributes, text and the ids of its ancestors.
    final class Elements: NSObject, XMLParserDelegate {
        struct Element { var name: String; var attrs: [String: String]; var text = ""; var ancestors: [String]; var inheritedFill: String? }
        var all: [Element] = []
        private var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]) {
            let anc = open.compactMap { all[$0].attrs["id"] }
            let fill = open.reversed().compactMap { all[$0].attrs["fill"] }.first
            all.append(Element(name: name, attrs: a, ancestors: anc, inheritedFill: fill))
            open.append(all.count - 1)
        }
        func parser(_ parser: XMLParser, foundCharacters s: String) { if let i = open.last { all[i].text += s } }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }

        func inGroup(_ id: String, _ name: String) -> [Element] { all.filter { $0.name == name && $0.ancestors.contains(id) } }
        var texts: [String] { all.filter { $0.name == "text" }.map(\.text) }
        var legend: [Element] { all.filter { $0.attrs["class"] == "legend-class" } }
    }

    func parse(_ path: String) throws -> Elements {
        let parser = XMLParser(contentsOf: URL(fileURLWithPath: path))!
        let e = Elements()
        parser.delegate = e
        XCTAssertTrue(parser.parse(), "valid XML: \(String(describing: parser.parserError))")
        return e
    }

    /// Rain per township from `geotool zonal` (with its sidecar), and rain_mean by P-code
    /// read back from the CSV here.
    func rainTable(_ dir: String) throws -> (csv: String, mean: [String: Double]) {
        let csv = dir + "/rain.csv"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR",
                                "--raster", "rain=\(Fixtures.path("mimu/rainfall_dekad.tif"))", "--stats", "mean", "--quiet", "-o", csv])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "TS_PCODE,TS,TS_MMR,rain_mean")
        var mean: [String: Double] = [:]
        for l in lines.dropFirst() {
            let f = l.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(f.count, 4, l)
            if let v = Double(f[3]) { mean[String(f[0])] = v }
        }
        return (csv, mean)
    }

    // MARK: --breaks

    func testUserBreaksClassifyByHand() {
        let v: [Double?] = [10, 50, 60, 100, 150, 250, nil]
        let c = Classification(values: v, breaks: [50, 100, 200], palette: Palette(named: "YlOrRd")!)
        // <= 50: 10, 50; (50, 100]: 60, 100; (100, 200]: 150; > 200: 250.
        XCTAssertEqual(c.counts, [2, 2, 1, 1])
        XCTAssertEqual(c.missing, 1)
        XCTAssertEqual(c.breaks, [10, 50, 100, 200, 250])
        XCTAssertEqual(c.colors, ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"], "ColorBrewer YlOrRd, 4 classes")
        XCTAssertEqual((0..<4).map(c.rangeLabel), ["≤ 50", "50 – 100", "100 – 200", "> 200"])
        // Every class is kept even when empty, so months share one legend.
        let e = Classification(values: [1, 2], breaks: [50, 100], palette: Palette(named: "Blues")!)
        XCTAssertEqual(e.counts, [2, 0, 0])
        // Values of both signs with 0 a break: diverging at 0 (RdBu, reds below).
        let d = Classification(values: [-30, -5, 5, 30], breaks: [-10, 0, 10], palette: Palette(named: "YlOrRd")!)
        XCTAssertTrue(d.diverging)
        XCTAssertEqual(d.colors, ["#ca0020", "#f4a582", "#92c5de", "#0571b0"])
        XCTAssertEqual(d.counts, [1, 1, 1, 1])
    }

    func testBreaksParsing() throws {
        XCTAssertEqual(try parseBreaks("50,100,200"), [50, 100, 200])
        XCTAssertEqual(try parseBreaks(" -1.5, 0 ,2e3"), [-1.5, 0, 2000])
        func message(_ s: String) -> String {
            do { _ = try parseBreaks(s); return "" } catch let e as GeoKitError { return e.messageWithHint } catch { return "\(error)" }
        }
        XCTAssertTrue(message("100,50").contains("ascending") && message("100,50").contains("50 comes after 100"), message("100,50"))
        XCTAssertTrue(message("50,50").contains("ascending"))
        XCTAssertTrue(message("50,abc").contains("'abc' is not a number"))
        XCTAssertTrue(message("50,,100").contains("'' is not a number"))
        XCTAssertTrue(message("nan").contains("not a number"))
        XCTAssertTrue(message("1,2,3,4,5,6,7,8,9").contains("at most 8"))

        // On the command line: one line, non-zero exit, no file.
        let dir = Fixtures.tempDir()
        let (csv, _) = try rainTable(dir)
        for (bad, expect) in [("100,50", "ascending"), ("50,abc", "not a number")] {
            let out = dir + "/bad.svg"
            let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--breaks", bad, "-o", out])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(expect) && r.stderr.contains("--breaks"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            let rep = try runGeotool(["report", csv, "--breaks", bad, "-o", dir + "/bad.html"])
            XCTAssertNotEqual(rep.status, 0)
            XCTAssertTrue(rep.stderr.contains(expect), rep.stderr)
        }
    }

    // MARK: title, legend title, source, breaks on the MIMU townships

    func testTitleLegendSourceAndBreaks() throws {
        let dir = Fixtures.tempDir()
        let (csv, mean) = try rainTable(dir)
        let svg = dir + "/map.svg"
        let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                "--title", "Dekadal rainfall, 2024", "--legend-title", "Rainfall (mm)",
                                "--source", "CHIRPS v2, UCSB", "--breaks", "50,100,200", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        let e = try parse(svg)
        XCTAssertTrue(e.texts.contains("Dekadal rainfall, 2024"))
        XCTAssertTrue(e.texts.contains("Rainfall (mm)"))
        XCTAssertTrue(e.texts.contains("Source: CHIRPS v2, UCSB"))
        // The legend shows the given breaks, and each class counts what a hand classification gives.
        let legend = e.legend
        XCTAssertEqual(legend.count, 4)
        XCTAssertEqual(legend.dropLast().map { Double($0.attrs["data-upper"]!)! }, [50, 100, 200])
        XCTAssertEqual(legend.dropFirst().map { Double($0.attrs["data-lower"]!)! }, [50, 100, 200])
        let labels = legend.map { legendText(e, $0).first ?? "" }
        XCTAssertEqual(labels, ["≤ 50", "50 – 100", "100 – 200", "> 200"])
        func hand(_ v: Double) -> Int { v <= 50 ? 0 : v <= 100 ? 1 : v <= 200 ? 2 : 3 }
        var counts = [0, 0, 0, 0]
        for v in mean.values { counts[hand(v)] += 1 }
        XCTAssertEqual(legend.map { Int($0.attrs["data-count"]!)! }, counts)
        XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "the rainfall spans every class: \(counts)")
        // Units are filled by their class: every township with a value, checked by hand.
        let fill = Dictionary(uniqueKeysWithValues: e.all.filter { $0.name == "path" && $0.attrs["data-id"] != nil }.map { ($0.attrs["data-id"]!, $0.inheritedFill ?? "") })
        for (id, v) in mean { XCTAssertEqual(fill[id], legend[hand(v)].attrs["data-fill"], "\(id) = \(v)") }
        XCTAssertEqual(mean["MMR001001"].map(hand), 1, "Myitkyina, 56.5 mm (README), is in 50-100")

        // Without --source the line comes from the sidecar zonal wrote: the raster's source.
        let svg2 = dir + "/default.svg"
        XCTAssertEqual(try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "-o", svg2]).status, 0)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: csv + ".datapackage.json"))) as! [String: Any]
        let rasterSource = (side["sources"] as! [[String: Any]]).first { ($0["title"] as? String) == "rain" }!
        let line = try parse(svg2).texts.first { $0.hasPrefix("Source: ") }
        XCTAssertNotNil(line)
        XCTAssertTrue(line?.contains(rasterSource["path"] as! String) == true, "\(String(describing: line)) names \(rasterSource)")
        XCTAssertTrue(try parse(svg2).texts.contains("rain_mean"), "legend title defaults to the column")

        // The report takes the same --breaks and --source for its maps.
        let html = dir + "/report.html"
        let rep = try runGeotool(["report", csv, "--zones", townships, "--id", "TS_PCODE", "--breaks", "50,100,200",
                                  "--source", "CHIRPS v2, UCSB", "--outline", states, "-o", html])
        XCTAssertEqual(rep.status, 0, rep.stderr)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("Source: CHIRPS v2, UCSB"))
        XCTAssertTrue(page.contains("data-upper=\"50\"") && page.contains("data-upper=\"200\"") && page.contains("&gt; 200"))
        XCTAssertTrue(page.contains("id=\"m0-outline\"") && page.contains(">Kachin</text>"))
        XCTAssertTrue(page.contains("\"Noto Sans Myanmar\""), "the report's CSS names a font with Myanmar script")
    }

    /// The texts of one legend row.
    func legendText(_ e: Elements, _ row: Elements.Element) -> [String] {
        guard let i = e.all.firstIndex(where: { $0.attrs["class"] == "legend-class" && $0.attrs["data-class"] == row.attrs["data-class"] }) else { return [] }
        return e.all[(i + 1)...].prefix(3).filter { $0.name == "text" }.map(\.text)
    }

    // MARK: --outline

    func testOutlineOfStatesWithNames() throws {
        let dir = Fixtures.tempDir()
        let (csv, _) = try rainTable(dir)
        let svg = dir + "/outline.svg"
        let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--outline", states, "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("ST=Ayeyarwady"), "repairs of the outline's geometry are not warned about: \(r.stderr)")
        let e = try parse(svg)
        // One path per state of the file, named with its ST (read here from the GeoJSON).
        let features = (Fixtures.json("mimu/states.json")["features"] as! [[String: Any]])
        let names = Set(features.map { ($0["properties"] as! [String: Any])["ST"] as! String })
        let paths = e.inGroup("outline", "path")
        XCTAssertEqual(paths.count, features.count)
        XCTAssertEqual(Set(paths.map { $0.attrs["data-name"]! }), names)
        XCTAssertTrue(paths.allSatisfy { $0.inheritedFill == "none" }, "boundaries are lines, not fills")
        // Names where they fit: the large states at least.
        let labels = Set(e.inGroup("outline-labels", "text").map(\.text))
        XCTAssertTrue(labels.isSubset(of: names))
        for big in ["Kachin", "Sagaing", "Shan (North)", "Shan (South)", "Magway"] { XCTAssertTrue(labels.contains(big), "\(big) named: \(labels)") }
        XCTAssertTrue(e.all.contains { $0.attrs["id"] == "legend-outline" })
        // Drawn on the units' frame: the states cover the townships, so both extents agree
        // to within 2% of the frame (the states' file has a few islands more in the south;
        // a different projection or scale would be far off).
        func extent(_ ds: [String]) -> Box {
            var b = Box.empty
            for d in ds { for p in pathPoints(d) { b.expand(x: p.x, y: p.y) } }
            return b
        }
        let units = extent(e.all.filter { $0.name == "path" && $0.attrs["data-id"] != nil }.map { $0.attrs["d"]! })
        let outline = extent(paths.map { $0.attrs["d"]! })
        for (a, b) in [(units.xmin, outline.xmin), (units.xmax, outline.xmax), (units.ymin, outline.ymin), (units.ymax, outline.ymax)] {
            XCTAssertEqual(a, b, accuracy: 18, "units \(units) vs outline \(outline)")
        }

        // --outline-name picks the field; a missing field is one error listing the fields.
        let svg2 = dir + "/codes.svg"
        XCTAssertEqual(try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                       "--outline", states, "--outline-name", "ST_PCODE", "-o", svg2]).status, 0)
        XCTAssertTrue(try parse(svg2).inGroup("outline-labels", "text").allSatisfy { $0.text.hasPrefix("MMR0") })
        let bad = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                  "--outline", states, "--outline-name", "NAME_X", "-o", dir + "/bad.svg"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("NAME_X") && bad.stderr.contains("ST_PCODE, ST"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad.svg"))
        // Options that need another: one line saying which.
        let noOutline = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--outline-name", "ST", "-o", dir + "/x.svg"])
        XCTAssertNotEqual(noOutline.status, 0)
        XCTAssertTrue(noOutline.stderr.contains("--outline-name needs --outline"), noOutline.stderr)
        let noZones = try runGeotool(["report", csv, "--outline", states, "-o", dir + "/x.html"])
        XCTAssertNotEqual(noZones.status, 0)
        XCTAssertTrue(noZones.stderr.contains("--outline needs --zones"), noZones.stderr)
    }

    /// The absolute points of an SVG path written by `appendPath` (M x y l dx dy ... z).
    func pathPoints(_ d: String) -> [Point] {
        var pts: [Point] = []
        for ring in d.split(separator: "z") where ring.hasPrefix("M") {
            let parts = ring.dropFirst().split(separator: "l", maxSplits: 1)
            let start = parts[0].split(separator: " ").map { Double($0)! }
            var x = start[0], y = start[1]
            pts.append(Point(x, y))
            guard parts.count > 1 else { continue }
            let nums = parts[1].replacingOccurrences(of: "-", with: " -").split(separator: " ").map { Double($0)! }
            for i in stride(from: 0, to: nums.count - 1, by: 2) { x += nums[i]; y += nums[i + 1]; pts.append(Point(x, y)) }
        }
        return pts
    }

    // MARK: labels

    /// A placed label's box, from its `<text>` (centre-anchored x, baseline y) and font size,
    /// with the same width estimate and height the placement uses.
    func box(_ t: Elements.Element, size: Double, bold: Bool) -> Box {
        let x = Double(t.attrs["x"]!)!, y = Double(t.attrs["y"]!)! - size * labelBaselineEm
        let w = labelWidth(t.text, size: size, bold: bold), h = size * labelHeightEm
        return Box(xmin: x - w / 2, ymin: y - h / 2, xmax: x + w / 2, ymax: y + h / 2)
    }

    func testLabelsNeverOverlapAndBigUnitsKeepTheirs() throws {
        let dir = Fixtures.tempDir()
        let (csv, _) = try rainTable(dir)
        // The five largest townships by area, computed here (area of lon/lat rings scaled by
        // cos(latitude): good enough to rank units that differ by far more than its error).
        let layer = try VectorDataset(path: townships).readZones(idField: "TS_PCODE", includeFields: ["TS", "TS_MMR"])
        func area(_ g: MultiPolygon) -> Double {
            g.polygons.reduce(0) { s, p in
                let c = cos((p.shell.points.first?.y ?? 0) * .pi / 180)
                return s + abs(p.shell.signedArea) * c - p.holes.reduce(0) { $0 + abs($1.signedArea) * c }
            }
        }
        let biggest = layer.zones.filter { !$0.geometry.isEmpty }.sorted { area($0.geometry) > area($1.geometry) }.prefix(5)
        for (field, fi) in [("TS", 0), ("TS_MMR", 1)] {
            for withOutline in [false, true] {
                let svg = dir + "/labels_\(field)_\(withOutline).svg"
                let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "--labels", field]
                                       + (withOutline ? ["--outline", states] : []) + ["-o", svg])
                XCTAssertEqual(r.status, 0, r.stderr)
                let e = try parse(svg)
                let unitTexts = e.inGroup("labels", "text"), stateTexts = e.inGroup("outline-labels", "text")
                let boxes = unitTexts.map { box($0, size: unitLabelSize, bold: false) } + stateTexts.map { box($0, size: outlineLabelSize, bold: true) }
                XCTAssertGreaterThan(unitTexts.count, 25, "\(field): a useful number of townships labelled")
                var overlaps: [String] = []
                for i in boxes.indices {
                    for j in boxes.indices where j > i {
                        let a = boxes[i], b = boxes[j]
                        if a.xmin < b.xmax && b.xmin < a.xmax && a.ymin < b.ymax && b.ymin < a.ymax { overlaps.append("\(i)/\(j)") }
                    }
                }
                XCTAssertEqual(overlaps, [], "\(field), outline \(withOutline): no two label boxes overlap")
                let texts = Set(unitTexts.map(\.text))
                for z in biggest { XCTAssertTrue(texts.contains(z.attributes[fi]), "\(field), outline \(withOutline): \(z.id) \(z.attributes[fi]) keeps its label") }
                // Every label lies on the map frame, not over the legend.
                let legendX = e.all.first { $0.attrs["class"] == "legend-class" }.flatMap { g in e.all.first { $0.name == "rect" && $0.ancestors.contains("legend-classes") } }.map { Double($0.attrs["x"]!)! } ?? .infinity
                XCTAssertTrue(boxes.allSatisfy { $0.xmax < legendX }, "labels left of the legend (\(legendX))")
            }
        }
    }
}
