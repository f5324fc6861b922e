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

/// `geotool map` and `geotool report`: classing checked against hand computations, the SVG
/// parsed as XML and checked unit by unit against the table, the PNG and the HTML report
/// rendered by real renderers (rsvg-convert, headless Chromium).
final class MapTests: XCTestCase {

    // MARK: classing

    /// numpy's linear quantile, written out independently of the library.
    func numpyQuantile(_ values: [Double], _ q: Double) -> Double {
        let x = values.sorted()
        let pos = q * Double(x.count - 1)
        let i = Int(pos)
        if i + 1 >= x.count { return x[x.count - 1] }
        let frac = pos - Double(i)
        return x[i] * (1 - frac) + x[i + 1] * frac
    }

    func testQuantileBreaks() {
        // np.quantile([3,1,4,1,5,9,2,6,5,3,5], [0, .25, .5, .75, 1]) == [1, 2.5, 4, 5, 9]
        let v: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
        XCTAssertEqual(classBreaks(v, classes: 4, scheme: .quantile), [1, 2.5, 4, 5, 9])
        // Ties collapse breaks: fewer classes, never an empty one.
        XCTAssertEqual(classBreaks([0, 0, 0, 0, 0, 0, 1, 2], classes: 4, scheme: .quantile), [0, 0.25, 2])
    }

    func testEqualIntervalBreaks() {
        XCTAssertEqual(classBreaks([0, 3, 10, 7], classes: 5, scheme: .equal), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(classBreaks([4, 4, 4], classes: 5, scheme: .equal), [4, 4])
    }

    func testJenksObviousGroups() {
        let v: [Double] = [1, 1, 2, 2, 50, 51, 52, 100, 101]
        XCTAssertEqual(classBreaks(v, classes: 3, scheme: .jenks), [1, 2, 52, 101])
        XCTAssertEqual(fisherJenksUpperBounds(sorted: v, classes: 3), [2, 52, 101])
        // Brute force on a random sample: the DP's cost is the minimum over all splits.
        let x = Array(0..<60).shuffled().prefix(14).map(Double.init).sorted()   // distinct values
        func ssd(_ a: ArraySlice<Double>) -> Double { let m = a.reduce(0, +) / Double(a.count); return a.reduce(0) { $0 + ($1 - m) * ($1 - m) } }
        var best = Double.infinity
        for i in 1..<x.count { for j in (i + 1)..<x.count { best = min(best, ssd(x[0..<i]) + ssd(x[i..<j]) + ssd(x[j...])) } }
        let uppers = fisherJenksUpperBounds(sorted: x, classes: 3)
        var cost = 0.0, start = 0
        for u in uppers { let end = x.lastIndex(of: u)! + 1; cost += ssd(x[start..<end]); start = end }
        XCTAssertEqual(cost, best, accuracy: 1e-9, "\(x) -> \(uppers)")
    }

    func testClassIndexUpperInclusive() {
        let b: [Double] = [0, 10, 20, 30]
        XCTAssertEqual(classIndex(0, breaks: b), 0)
        XCTAssertEqual(classIndex(10, breaks: b), 0)
        XCTAssertEqual(classIndex(10.0001, breaks: b), 1)
        XCTAssertEqual(classIndex(30, breaks: b), 2)
        XCTAssertNil(classIndex(31, breaks: b))
        XCTAssertNil(classIndex(.nan, breaks: b))
    }

    func testDivergingCentredOnZero() {
        let v: [Double?] = [-3, -2, -1, 1, 2, 3, 4, 5, nil]
        let c = Classification(values: v, classes: 4, scheme: .quantile, palette: Palette(named: "YlOrRd")!)
        XCTAssertTrue(c.diverging)
        // Negatives (3 of 8 -> 2 classes): quantiles of {-3,-2,-1} at 0, 1/2 -> -3, -2, then 0;
        // positives {1..5} in 2 classes: median 3, max 5.
        XCTAssertEqual(c.breaks, [-3, -2, 0, 3, 5])
        // ColorBrewer RdBu, 4 classes: reds below zero, blues above.
        XCTAssertEqual(c.colors, ["#ca0020", "#f4a582", "#92c5de", "#0571b0"])
        XCTAssertEqual(c.counts, [2, 1, 3, 2])   // [-3,-2] (-2,0] (0,3] (3,5]
        XCTAssertEqual(c.missing, 1)
        // A sequential column stays sequential, with ColorBrewer's 5-class YlOrRd.
        let s = Classification(values: [1, 2, 3, 4, 5, 6], classes: 5, scheme: .equal, palette: Palette(named: "YlOrRd")!)
        XCTAssertFalse(s.diverging)
        XCTAssertEqual(s.colors, ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"])
        XCTAssertEqual(Palette(named: "viridis")!.colors(2), ["#440154", "#fde725"])
        XCTAssertEqual(Palette(named: "Blues_r")!.colors(3), ["#3182bd", "#9ecae1", "#deebf7"])
    }

    func testPathWriterRoundsToTenthsWithoutDrift() {
        // Many small steps: relative moves between rounded absolutes never drift.
        let pts = (0..<200).map { Point(Double($0) * 0.73 + 0.04, 5 + sin(Double($0)) * 0.3) }
        var d = ""
        appendPath(&d, simplifyRing(pts, tolerance: 0.5))
        XCTAssertNil(d.range(of: #"\.\d\d"#, options: .regularExpression), "one decimal at most: \(d.prefix(80))")
        // Walk the path back: the last vertex lands within 0.05 of where it should.
        let nums = d.dropFirst().split(whereSeparator: { $0 == "l" || $0 == "z" }).flatMap { part in
            part.replacingOccurrences(of: "-", with: " -").split(separator: " ").map { Double($0)! }
        }
        var x = nums[0], y = nums[1]
        for i in stride(from: 2, to: nums.count, by: 2) { x += nums[i]; y += nums[i + 1] }
        let kept = simplifyRing(pts, tolerance: 0.5).last!
        XCTAssertEqual(x, kept.x, accuracy: 0.051); XCTAssertEqual(y, kept.y, accuracy: 0.051)
    }

    // MARK: warnings as values

    /// Two squares with no CRS; `degrees` places them where coordinates look like degrees.
    func squares(degrees: Bool) -> ZoneLayer {
        let o = degrees ? 95.0 : 500_000.0, d = degrees ? 1.0 : 10_000.0
        let zones = (0..<2).map { i -> Zone in
            let x = o + Double(i) * d
            let ring = Ring([(x, 20), (x + d, 20), (x + d, 20 + d), (x, 20 + d), (x, 20)])
            return Zone(index: i, id: "Z\(i)", attributes: ["zone \(i)"], geometry: MultiPolygon([Polygon(shell: ring)]))
        }
        return ZoneLayer(path: "squares.json", layerName: "squares", idField: "id", includeFields: ["name"], fieldNames: ["id", "name"],
                         crsWKT: nil, zones: zones, warnings: [], pcodeVersion: nil)
    }

    func testMapWarningsAreValues() throws {
        // A layer with no CRS: one `.crs` warning about its file, either way it is drawn.
        var w: [GeoWarning] = []
        let g = try MapGeometry.build(layer: squares(degrees: true), size: 200, labelField: "name", warnings: &w)
        XCTAssertEqual(w.map(\.kind), [.crs]); XCTAssertEqual(w.first?.file, "squares.json")
        XCTAssertFalse(g.projection.isEmpty, "taken as WGS 84 and projected")
        XCTAssertEqual(g.labels, ["zone 0", "zone 1"])
        XCTAssertNotNil(g.metresPerPixel)
        w = []
        let planar = try MapGeometry.build(layer: squares(degrees: false), size: 200, warnings: &w)
        XCTAssertEqual(w.map(\.kind), [.crs])
        XCTAssertTrue(planar.projection.isEmpty); XCTAssertNil(planar.metresPerPixel, "no scale bar")
        XCTAssertEqual(planar.width, 200); XCTAssertEqual(planar.height, 100)
        XCTAssertFalse(choroplethSVG(planar, values: [1, 2], classification: Classification(values: [1, 2], classes: 2, scheme: .equal,
                                                                                                palette: Palette(named: "Blues")!),
                                     options: MapOptions()).contains("scale-bar"))

        // Ids that do not match: `.ids` warnings about the table.
        let t = Table(columns: ["id", "v"], rows: [[.text("Z0"), .number(1)], [.text("Z0"), .number(2)], [.text("Z9"), .number(3)]])
        let join = ZoneTableJoin(table: t, zoneIDs: ["Z0", "Z1"], idField: "id")
        let problems = join.problems(tablePath: "t.csv", zonesPath: "squares.json")
        XCTAssertEqual(problems.map(\.kind), [.ids, .ids, .ids])
        XCTAssertEqual(problems.map(\.file), ["t.csv", "t.csv", "t.csv"])
        XCTAssertEqual(join.zonesWithoutRow, ["Z1"]); XCTAssertEqual(join.rowsWithoutZone, ["Z9"]); XCTAssertEqual(join.duplicateRowIDs, ["Z0"])
    }

    // MARK: CSV reader

    func testCSVReaderQuotesBOMAndHXL() throws {
        let dir = Fixtures.tempDir(), p = dir + "/t.csv"
        let text = "\u{FEFF}id,name,code,v\r\n#adm3+code,#adm3+name,,#indicator\r\nMMR001,\"Myit, \"\"kyina\"\"\",007,1.5\r\nMMR002,\"two\nlines\",010,NA\r\nMMR003,ဗန်းမော်,011,-2e3\r\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        let t = try Table.readCSV(path: p)
        XCTAssertEqual(t.columns, ["id", "name", "code", "v"])
        XCTAssertEqual(t.rows.count, 3, "the HXL row is not data")
        XCTAssertEqual(t.rows[0][1], .text("Myit, \"kyina\""))
        XCTAssertEqual(t.rows[1][1], .text("two\nlines"))
        XCTAssertEqual(t.rows[2][1], .text("ဗန်းမော်"))
        XCTAssertEqual(t.rows[0][2], .text("007"), "codes with leading zeros stay text")
        XCTAssertEqual(t.column("v"), [.number(1.5), .empty, .number(-2000)])
        XCTAssertTrue(t.isNumeric(3)); XCTAssertFalse(t.isNumeric(2))
    }

    // MARK: the CLI on the MIMU townships

    let townships = Fixtures.path("mimu/townships.json")

    /// Rainfall per township from `geotool zonal`, with 3 townships' rows removed, 2 rows
    /// added that match no township, an anomaly column (value minus the median) and a
    /// sidecar naming the unit. Returns the CSV path and the rain_mean per P-code.
    func makeTable(_ dir: String) throws -> (path: String, mean: [String: Double?], removed: [String]) {
        let full = dir + "/full.csv"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS",
                                "--raster", "rain=\(Fixtures.path("mimu/rainfall_dekad.tif"))", "--stats", "mean", "--quiet", "-o", full])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "TS_PCODE,TS,rain_mean")
        let removed = ["MMR001001", "MMR009004", "MMR015010"]
        var mean: [String: Double?] = [:]
        var out = ["TS_PCODE,TS,rain_mean,anomaly"]
        var present: [Double] = []
        var rows: [[String]] = []
        for l in lines.dropFirst() {
            let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if removed.contains(f[0]) { continue }
            rows.append(f)
            if let v = Double(f[2]) { present.append(v) }
        }
        let median = numpyQuantile(present, 0.5)
        for f in rows {
            let v = Double(f[2])
            mean[f[0]] = v
            out.append("\(f[0]),\(f[1]),\(f[2]),\(v.map { String($0 - median) } ?? "")")
        }
        out.append("MMR999001,Nowhere,10,1")
        out.append("MMR999002,Elsewhere,20,2")
        let path = dir + "/rain.csv"
        try (out.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let pkg = #"{"resources": [{"name": "rain", "path": "rain.csv", "schema": {"fields": [{"name": "TS_PCODE"}, {"name": "rain_mean", "unit": "mm per dekad", "description": "mean rainfall"}, {"name": "anomaly", "unit": "mm"}]}}], "sources": [{"title": "WFP rainfall"}], "created": "2024-05-01", "warnings": ["a test warning"]}"#
        try pkg.write(toFile: dir + "/rain.datapackage.json", atomically: true, encoding: .utf8)
        return (path, mean, removed)
    }

    /// What the SVG holds, read with Foundation's XML parser.
    final class SVGReader: NSObject, XMLParserDelegate {
        struct LegendClass { var fill: String; var lower: Double; var upper: Double; var count: Int }
        var legend: [LegendClass] = []
        var missingCount: Int?
        var projection: String?
        var scaleKm: Double?, scalePx: Double?
        var fillOf: [String: String] = [:]   // data-id -> the fill of its group
        var dOf: [String: String] = [:]
        var stack: [[String: String]] = []
        var texts: [String] = []
        var currentText = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]) {
            stack.append(a)
            currentText = ""
            if a["class"] == "legend-class" {
                legend.append(LegendClass(fill: a["data-fill"]!, lower: Double(a["data-lower"]!)!, upper: Double(a["data-upper"]!)!, count: Int(a["data-count"]!)!))
            }
            if a["class"] == "legend-missing" { missingCount = Int(a["data-count"]!) }
            if name == "svg" { projection = a["data-projection"] }
            if a["id"] == "scale-bar" { scaleKm = Double(a["data-km"]!); scalePx = Double(a["data-px"]!) }
            if name == "path", let id = a["data-id"] {
                fillOf[id] = stack.reversed().dropFirst().first { $0["fill"] != nil }?["fill"]
                dOf[id] = a["d"]
            }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { currentText += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(currentText) }
            stack.removeLast()
        }
    }

    func readSVG(_ path: String) throws -> SVGReader {
        let parser = XMLParser(contentsOf: URL(fileURLWithPath: path))!
        let r = SVGReader()
        parser.delegate = r
        XCTAssertTrue(parser.parse(), "valid XML: \(String(describing: parser.parserError))")
        return r
    }

    func testMapOfMIMUTownships() throws {
        let dir = Fixtures.tempDir()
        let (csv, mean, removed) = try makeTable(dir)
        let svg = dir + "/rain_mean.svg"
        let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean",
                                "--classes", "5", "--scheme", "quantile", "--labels", "TS", "--title", "Rainfall", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Unmatched ids on stderr: counts and the first ids.
        XCTAssertTrue(r.stderr.contains("3 zone(s)") && removed.allSatisfy(r.stderr.contains), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 row(s)") && r.stderr.contains("MMR999001"), r.stderr)

        let s = try readSVG(svg)
        // The units: the 330 townships of the TopoJSON (independently counted here).
        let topo = Fixtures.json("mimu/townships.json")
        let objects = (topo["objects"] as! [String: Any]).values.first as! [String: Any]
        let ids = (objects["geometries"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])["TS_PCODE"] as! String }
        XCTAssertEqual(ids.count, 330)
        let values: [String: Double] = Dictionary(uniqueKeysWithValues: ids.compactMap { id in mean[id].flatMap { $0 }.map { (id, $0) } })
        XCTAssertEqual(values.count, 330 - 69 - 3, "67 townships off the raster and 2 without geometry have no mean; 3 rows removed")

        // Breaks: numpy-linear quantiles of the units' values.
        XCTAssertEqual(s.legend.count, 5)
        let expected = (0...5).map { numpyQuantile(Array(values.values), Double($0) / 5) }
        for k in 0..<5 {
            XCTAssertEqual(s.legend[k].lower, expected[k], accuracy: 1e-9 * expected[k])
            XCTAssertEqual(s.legend[k].upper, expected[k + 1], accuracy: 1e-9 * expected[k + 1])
        }
        // Counts add up to the units, and each class count is what the breaks give.
        XCTAssertEqual(s.legend.map(\.count).reduce(0, +) + s.missingCount!, 330)
        XCTAssertEqual(s.missingCount, 330 - values.count)
        for (k, c) in s.legend.enumerated() {
            let n = values.values.filter { k == 0 ? $0 >= c.lower && $0 <= c.upper : $0 > c.lower && $0 <= c.upper }.count
            XCTAssertEqual(c.count, n, "class \(k)")
        }
        XCTAssertEqual(s.legend.map(\.fill), ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"], "ColorBrewer YlOrRd, 5 classes")
        // Every township with a value is drawn with its class's fill; the others hatched.
        for (id, v) in values {
            let k = s.legend.firstIndex { v <= $0.upper }!
            XCTAssertEqual(s.fillOf[id], s.legend[k].fill, "\(id) = \(v)")
        }
        for id in ids where values[id] == nil && s.fillOf[id] != nil {
            XCTAssertTrue(s.fillOf[id]!.hasPrefix("url(#"), "\(id) has no value: hatched")
        }
        XCTAssertEqual(s.fillOf.count, 328, "every township with a geometry is drawn (Aungmyaythazan is empty, Cocokyun null)")
        // Small and crisp: one decimal, simplified.
        let size = try FileManager.default.attributesOfItem(atPath: svg)[.size] as! Int
        XCTAssertLessThan(size, 200_000)
        for d in s.dOf.values { XCTAssertNil(d.range(of: #"\.\d\d"#, options: .regularExpression)) }
        // Title, unit from the sidecar, legend, scale bar, attribution, labels.
        XCTAssertTrue(s.texts.contains("Rainfall"))
        XCTAssertTrue(s.texts.contains("mm per dekad"), "unit from rain.datapackage.json")
        XCTAssertTrue(s.texts.contains("no data: \(330 - values.count)"))
        XCTAssertTrue(s.texts.contains { $0.hasSuffix(" km") })
        XCTAssertTrue(s.texts.contains("Boundaries: MIMU"))
        XCTAssertTrue(s.texts.contains("Myitkyina") || s.texts.contains("Tanai"), "large townships are labelled")
        // Projected (Albers equal-area), not stretched: the drawing's height, in km by the
        // scale bar, is the zones' north-south extent (about 110.6 km per degree of latitude).
        XCTAssertTrue(s.projection?.hasPrefix("+proj=aea") == true, String(describing: s.projection))
        var ymin = Double.infinity, ymax = -Double.infinity
        for d in s.dOf.values {
            for ring in d.split(separator: "z") where ring.hasPrefix("M") {
                let parts = ring.dropFirst().split(separator: "l", maxSplits: 1)
                let start = parts[0].split(separator: " ").map { Double($0)! }
                var y = start[1]
                ymin = min(ymin, y); ymax = max(ymax, y)
                guard parts.count > 1 else { continue }
                let nums = parts[1].replacingOccurrences(of: "-", with: " -").split(separator: " ").map { Double($0)! }
                for i in stride(from: 1, to: nums.count, by: 2) { y += nums[i]; ymin = min(ymin, y); ymax = max(ymax, y) }
            }
        }
        let layer = try VectorDataset(path: townships).readZones(idField: "TS_PCODE")
        var lat0 = Double.infinity, lat1 = -Double.infinity
        for z in layer.zones where !z.geometry.isEmpty { lat0 = min(lat0, z.geometry.bounds.ymin); lat1 = max(lat1, z.geometry.bounds.ymax) }
        let kmPerPx = s.scaleKm! / s.scalePx!
        assertRelative((ymax - ymin) * kmPerPx, (lat1 - lat0) * 110.6, 0.03, "north-south extent in km")
    }

    func testDivergingMapAndPNG() throws {
        let dir = Fixtures.tempDir()
        let (csv, mean, _) = try makeTable(dir)
        let png = dir + "/anomaly.png"
        let r = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "anomaly", "--scheme", "jenks", "-o", png])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The same map as SVG, to read its legend.
        let svg = dir + "/anomaly.svg"
        XCTAssertEqual(try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "anomaly", "--scheme", "jenks", "-o", svg]).status, 0)
        let s = try readSVG(svg)
        XCTAssertTrue(s.legend.contains { $0.upper == 0 }, "0 is a class break")
        let rdbu = Set(["#ca0020", "#f4a582", "#92c5de", "#0571b0", "#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac",
                        "#d6604d", "#4393c3", "#67001f", "#053061"])
        XCTAssertTrue(s.legend.allSatisfy { rdbu.contains($0.fill) }, "\(s.legend.map(\.fill))")
        XCTAssertTrue(s.texts.contains("mm"))
        XCTAssertEqual(s.legend.map(\.count).reduce(0, +), mean.values.compactMap { $0 }.count - 0)

        // The PNG, decoded with GDAL: the map's colours are there, on a white page.
        let raster = try readPNG(png)
        let w = raster.grid.cols, h = raster.grid.rows
        XCTAssertGreaterThan(w, 500); XCTAssertGreaterThan(h, 800)
        let colours = try pixelColours(raster)
        let legendRGB = s.legend.map { rgb($0.fill) }
        for c in legendRGB { XCTAssertGreaterThan(colours[c] ?? 0, 100, "legend colour \(c) painted") }
        XCTAssertGreaterThan(Double(colours[0xFFFFFF] ?? 0) / Double(w * h), 0.3, "white background")

        // Without rsvg-convert: one clear line, no file.
        let missing = dir + "/no.png"
        let e = try runGeotool(["map", csv, "--zones", townships, "--id", "TS_PCODE", "--column", "anomaly", "-o", missing], environment: ["PATH": "/nonexistent"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("rsvg-convert") && e.stderr.contains("librsvg2-bin"), e.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    func rgb(_ hex: String) -> Int { Int(hex.dropFirst(), radix: 16)! }

    /// A PNG read with GDAL (a world file beside it gives it the pixel grid GeoKit wants).
    func readPNG(_ path: String) throws -> Raster {
        try "1\n0\n0\n-1\n0.5\n-0.5\n".write(toFile: (path as NSString).deletingPathExtension + ".pgw", atomically: true, encoding: .utf8)
        return try Raster(path: path)
    }

    /// Pixel counts per 0xRRGGBB of an RGB(A) image.
    func pixelColours(_ raster: Raster) throws -> [Int: Int] {
        let w = raster.grid.cols, h = raster.grid.rows
        XCTAssertGreaterThanOrEqual(raster.bands.count, 3)
        var planes: [[UInt8]] = []
        for b in 1...3 {
            var buf = [UInt8](repeating: 0, count: w * h)
            try buf.withUnsafeMutableBytes { try raster.read(band: b, window: Window(row: 0, col: 0, rows: h, cols: w), as: .uint8, into: $0.baseAddress!) }
            planes.append(buf)
        }
        var counts: [Int: Int] = [:]
        for i in 0..<(w * h) { counts[Int(planes[0][i]) << 16 | Int(planes[1][i]) << 8 | Int(planes[2][i]), default: 0] += 1 }
        return counts
    }

    // MARK: the report in a real browser

    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    func testReportInHeadlessChromium() throws {
        guard let chromium = Self.chromium else {
            throw XCTSkip("chromium is not installed (scripts/setup.sh installs it)")
        }
        let dir = Fixtures.tempDir()
        let (csv, mean, _) = try makeTable(dir)
        let html = dir + "/report.html"
        let r = try runGeotool(["report", csv, "--zones", townships, "--id", "TS_PCODE", "-o", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        // Self-contained: nothing fetched from elsewhere.
        XCTAssertNil(page.range(of: #"(src|href)="(https?:)?//"#, options: .regularExpression))
        XCTAssertFalse(page.contains("<link"))
        XCTAssertTrue(page.contains("mm per dekad") && page.contains("a test warning") && page.contains("WFP rainfall"), "metadata from the sidecar")
        XCTAssertTrue(page.contains("@media print"))
        // Highest ten by rain_mean, computed here.
        let ranked = mean.compactMap { k, v in v.map { (k, $0) } }.sorted { $0.1 > $1.1 }
        let top = ranked[0].0
        XCTAssertTrue(page.contains("<code>\(top)</code>"))

        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                      "--user-data-dir=\(dir)/chromium-profile", "--window-size=1280,2000"]
        let shot = dir + "/shot.png"
        let s = try runProcess(chromium, common + ["--screenshot=\(shot)", "file://\(html)"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: shot), "screenshot written: \(s.stderr.suffix(500))")
        let colours = try pixelColours(try readPNG(shot))
        let total = colours.values.reduce(0, +)
        let nonWhite = total - (colours[0xFFFFFF] ?? 0)
        XCTAssertGreaterThan(Double(nonWhite) / Double(total), 0.08, "not a blank page")
        let ylorrd = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"].map(rgb)
        XCTAssertGreaterThanOrEqual(ylorrd.filter { (colours[$0] ?? 0) > 200 }.count, 4, "the map's palette colours are painted")

        // The script ran without error, and sorting works: #sort=-rain_mean puts the wettest first.
        let dom = try runProcess(chromium, common + ["--dump-dom", "file://\(html)#sort=-rain_mean"])
        XCTAssertTrue(dom.stdout.contains("data-report-js=\"ok\""), "script ran: \(dom.stdout.prefix(300)) \(dom.stderr.suffix(500))")
        guard let table = dom.stdout.range(of: "id=\"units-table\""),
              let body = dom.stdout.range(of: "<tbody>", range: table.upperBound..<dom.stdout.endIndex),
              let rowEnd = dom.stdout.range(of: "</tr>", range: body.upperBound..<dom.stdout.endIndex) else {
            return XCTFail("no units table in the DOM")
        }
        let firstRow = dom.stdout[body.upperBound..<rowEnd.lowerBound]
        XCTAssertTrue(firstRow.contains(top), "first row after sorting: \(firstRow)")
        XCTAssertTrue(dom.stdout.contains("aria-sort=\"descending\""))
    }
}
