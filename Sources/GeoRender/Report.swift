import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// One self-contained HTML page about a geotool table: per indicator a map (inline SVG), a
// histogram (inline SVG), the top and bottom ten units and the table's metadata; then a
// sortable table of every unit. No network: CSS and the small sorting script are inline.

public struct ReportOptions: Sendable {
    public var title: String = "Indicator report"
    public var classes = 5
    public var scheme: ClassScheme = .quantile
    public var palette: Palette = .standard
    public var attribution = "Boundaries: MIMU"
    /// The user's class breaks for every map (`--breaks`), the data's source line and the
    /// boundaries drawn over the units (`--outline`).
    public var breaks: [Double]? = nil
    public var source: String? = nil
    public var outline: OutlineGeometry? = nil
    /// Longer side of each map frame, px.
    public var mapSize = 560.0
    /// Shown as "generated" (ISO 8601 date).
    public var generated = Date()
    public init() {}
}

/// Everything the report is about, already read and joined.
public struct ReportInput: Sendable {
    public var table: Table
    public var tablePath: String
    public var idColumn: Int
    public var nameColumn: Int?
    public var indicators: [Int]
    public var metadata: TableMetadata?
    /// Map geometry and the table row of each of its zones; nil: no maps.
    public var geometry: MapGeometry?
    public var rowOfZone: [Int?]
    public var zonesPath: String?
    /// Problems worth showing on the page (unmatched ids...).
    public var notes: [String]
    /// `--min-coverage`: per indicator column, the rows whose coverage is below it (their
    /// values are already empty in `table`); drawn and counted as insufficient data.
    public var insufficient: [Int: [Bool]] = [:]
    public var minCoverage: Double?
    public init(table: Table, tablePath: String, idColumn: Int, nameColumn: Int?, indicators: [Int],
                metadata: TableMetadata?, geometry: MapGeometry?, rowOfZone: [Int?], zonesPath: String?, notes: [String]) {
        self.table = table; self.tablePath = tablePath; self.idColumn = idColumn; self.nameColumn = nameColumn
        self.indicators = indicators; self.metadata = metadata; self.geometry = geometry; self.rowOfZone = rowOfZone
        self.zonesPath = zonesPath; self.notes = notes
    }

    /// The default indicators: every numeric column except the id (and text columns).
    public static func defaultIndicators(_ t: Table, idColumn: Int) -> [Int] {
        t.columns.indices.filter { $0 != idColumn && t.isNumeric($0) }
    }

    /// A name column: the first text column (other than the id) whose values are not P-codes.
    public static func guessNameColumn(_ t: Table, idColumn: Int) -> Int? {
        let preferred = ["name", "ts", "vt", "vt_name", "tract", "dt", "st", "township", "village"]
        let text = t.columns.indices.filter { k in
            k != idColumn && !t.isNumeric(k) && !t.columns[k].lowercased().contains("pcode")
                && t.rows.contains { if case .text = $0[k] { return true }; return false }
        }
        for p in preferred { if let k = text.first(where: { t.columns[$0].lowercased() == p }) { return k } }
        // Prefer a Latin-script column (readable everywhere) over, e.g., Myanmar script.
        return text.first { k in t.rows.prefix(20).allSatisfy { r in r[k].csv.unicodeScalars.allSatisfy { $0.value < 0x250 } } } ?? text.first
    }
}

package func htmlEscape(_ s: String) -> String { xmlEscape(s) }

/// The id prefix of the report's shared zone and outline paths (none: `z12`, `o3`).
let sharedGeometryPrefix = ""

/// The report's HTML.
public func reportHTML(_ input: ReportInput, options o: ReportOptions) -> String {
    let page = ReportPage(input: input, options: o)
    var h = reportHead(page)
    h += metadataBlock(page)
    if !input.notes.isEmpty {
        h += "<ul class=\"notes\">\(input.notes.map { "<li>\(htmlEscape($0))</li>" }.joined())</ul>\n"
    }
    h += indicatorNav(page)
    // The zones' paths once, for every indicator's map to <use>.
    if let g = input.geometry { h += sharedGeometrySVG(g, outline: o.outline, prefix: sharedGeometryPrefix, rowOfZone: input.rowOfZone) }
    for (n, k) in input.indicators.enumerated() { h += indicatorSection(page, number: n, column: k) }
    h += allUnitsSection(page)
    h += "<footer>\(htmlEscape(o.attribution)). Made with geotool \(GeoKitVersion.string).</footer>\n"
    h += "<script>\n\(reportJS)\n</script>\n</body>\n</html>\n"
    return h
}

/// What every part of the report reads: the input, the options, the palette and the
/// units' names and P-codes.
private struct ReportPage {
    let input: ReportInput
    let options: ReportOptions
    let palette: Palette
    var table: Table { input.table }

    init(input: ReportInput, options: ReportOptions) {
        self.input = input; self.options = options
        palette = options.palette
    }
    func cellText(_ r: Int, _ k: Int) -> String {
        switch table.rows[r][k] { case .text(let s): return s; case .number(let v): return formatNumber(v); case .empty: return "" }
    }
    /// Row `r`'s unit name ("" without a name column) and P-code.
    func name(_ r: Int) -> String { input.nameColumn.map { cellText(r, $0) } ?? "" }
    func id(_ r: Int) -> String { cellText(r, input.idColumn) }
}

/// The page up to the header's subtitle: head, inline CSS, title, what the table is.
private func reportHead(_ page: ReportPage) -> String {
    let input = page.input, o = page.options, t = page.table
    let iso = ISO8601DateFormatter()
    iso.formatOptions = [.withFullDate]
    return """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(htmlEscape(o.title))</title>
    <style>
    \(reportCSS)
    </style>
    </head>
    <body>
    <header>
    <h1>\(htmlEscape(o.title))</h1>
    <p class="sub">Table <code>\(htmlEscape((input.tablePath as NSString).lastPathComponent))</code>: \(t.rows.count) rows, \(input.indicators.count) indicator(s)\(input.zonesPath.map { "; zones <code>\(htmlEscape(($0 as NSString).lastPathComponent))</code>" } ?? ""). Generated \(iso.string(from: o.generated)) by geotool \(GeoKitVersion.string).</p>

    """
}

/// The table's metadata from its sidecar as a definition list, or a note that it has none.
private func metadataBlock(_ page: ReportPage) -> String {
    guard let m = page.input.metadata else {
        return "<p class=\"note\">No metadata sidecar (<code>\(htmlEscape(((page.input.tablePath as NSString).deletingPathExtension as NSString).lastPathComponent)).datapackage.json</code>) beside the table.</p>\n"
    }
    var h = "<div class=\"meta\">"
    if let ti = m.title, ti != page.options.title { h += "<p><b>\(htmlEscape(ti))</b></p>" }
    if let d = m.description { h += "<p>\(htmlEscape(d))</p>" }
    h += "<dl>"
    if let c = m.created { h += "<dt>Created</dt><dd>\(htmlEscape(c))</dd>" }
    if !m.sources.isEmpty { h += "<dt>Sources</dt><dd>\(m.sources.map(htmlEscape).joined(separator: "<br>"))</dd>" }
    if let a = m.zonesAttribution { h += "<dt>Boundaries</dt><dd>\(htmlEscape(a))</dd>" }
    for (k, v) in m.method { h += "<dt>\(htmlEscape(k.prefix(1).uppercased() + k.dropFirst()))</dt><dd>\(htmlEscape(v))</dd>" }
    if !m.licenses.isEmpty { h += "<dt>Licences</dt><dd>\(m.licenses.map(htmlEscape).joined(separator: "<br>"))</dd>" }
    if !m.warnings.isEmpty {
        h += "<dt>Warnings</dt><dd><details><summary>\(m.warnings.count) warning(s)</summary><ul>\(m.warnings.map { "<li>\(htmlEscape($0))</li>" }.joined())</ul></details></dd>"
    }
    if !m.limitations.isEmpty { h += "<dt>Limitations</dt><dd>\(m.limitations.map(htmlEscape).joined(separator: "<br>"))</dd>" }
    return h + "</dl></div>\n"
}

/// Links to each indicator's section and to the table of all units; closes the header.
private func indicatorNav(_ page: ReportPage) -> String {
    let t = page.table
    return "<nav><b>Indicators:</b> " + page.input.indicators.map { "<a href=\"#ind-\(anchor(t.columns[$0]))\">\(htmlEscape(t.columns[$0]))</a>" }.joined(separator: " · ")
        + " · <a href=\"#all-units\">All units</a></nav>\n</header>\n<main>\n"
}

/// One indicator (column `k`, the `n`th): heading, description, map, summary, histogram
/// and the highest and lowest ten units.
private func indicatorSection(_ page: ReportPage, number n: Int, column k: Int) -> String {
    let input = page.input, o = page.options, t = page.table
    let col = t.columns[k]
    let field = input.metadata?.fields[col]
    let unit = field?.unit
    let rowValues: [Double?] = t.rows.map { $0[k].doubleValue }
    // Classes over the units drawn (the zones) when there is a map, else over the rows.
    let unitValues: [Double?] = input.geometry != nil ? input.rowOfZone.map { $0.flatMap { rowValues[$0] } } : rowValues
    let c = o.breaks.map { Classification(values: unitValues, breaks: $0, palette: page.palette) }
        ?? Classification(values: unitValues, classes: o.classes, scheme: o.scheme, palette: page.palette)
    let low = input.insufficient[k]
    var h = "<section class=\"indicator\" id=\"ind-\(anchor(col))\" data-col=\"\(htmlEscape(col))\"\(unit.map { " data-unit=\"\(htmlEscape($0))\"" } ?? "")>\n<h2>\(htmlEscape(col))\(unit.map { " <span class=\"unit\">(\(htmlEscape($0)))</span>" } ?? "")</h2>\n"
    if let d = field?.description { h += "<p class=\"desc\">\(htmlEscape(d))</p>\n" }
    h += "<div class=\"grid\">\n<div class=\"map\">\n"
    h += indicatorMap(page, number: n, column: col, unit: unit, values: unitValues, classification: c,
                      insufficient: low.map { f in input.rowOfZone.map { r in r.map { f[$0] } ?? false } })
    h += "</div>\n<div class=\"side\">\n"
    h += summaryAndHistogram(rowValues, classification: c, unit: unit, number: n,
                             insufficient: low.map { ($0.filter { $0 }.count, input.minCoverage ?? 0) })
    h += rankTables(page, column: col, values: rowValues, classification: c)
    return h + "</div>\n</div>\n</section>\n"
}

/// The indicator's choropleth (inline SVG, ids prefixed `m<n>-`), or a note without zones.
private func indicatorMap(_ page: ReportPage, number n: Int, column col: String, unit: String?,
                          values: [Double?], classification c: Classification, insufficient: [Bool]? = nil) -> String {
    guard let g = page.input.geometry else {
        return "<p class=\"note\">No zones given: no map (use \(Setting.zones) and \(Setting.id)).</p>\n"
    }
    var mo = MapOptions()
    mo.legendTitle = col; mo.unit = unit; mo.attribution = page.options.attribution
    mo.source = page.options.source; mo.outline = page.options.outline
    mo.notes = ["Projection: \(g.projectionName)."]
    // Hover text comes from the page's script (name, P-code and value from the table of
    // all units), not from a <title> per unit and map.
    mo.idPrefix = "m\(n)-"; mo.standalone = false; mo.tooltips = false
    mo.sharedGeometry = sharedGeometryPrefix
    mo.insufficient = insufficient; mo.minCoverage = page.input.minCoverage
    return choroplethSVG(g, values: values, classification: c, options: mo)
}

/// Counts, min, max, median and mean of the rows' values, and their histogram.
private func summaryAndHistogram(_ rowValues: [Double?], classification c: Classification, unit: String?, number n: Int,
                                 insufficient: (count: Int, min: Double)? = nil) -> String {
    let sorted = rowValues.compactMap { $0 }.sorted()
    guard !sorted.isEmpty else { return "<p class=\"note\">No values in this column.</p>\n" }
    let mean = sorted.reduce(0, +) / Double(sorted.count)
    let d = c.decimals
    var h = "<table class=\"summary\"><tr><th>units with a value</th><td>\(sorted.count)</td><th>no value</th><td>\(rowValues.count - sorted.count - (insufficient?.count ?? 0))</td></tr>"
    if let i = insufficient {
        h += "<tr><th colspan=\"3\">\(htmlEscape("insufficient data (coverage < \(formatNumber(i.min))): \(i.count)"))</th><td>\(i.count)</td></tr>"
    }
    h += "<tr><th>min</th><td>\(formatFixed(sorted.first!, d))</td><th>max</th><td>\(formatFixed(sorted.last!, d))</td></tr>"
    h += "<tr><th>median</th><td>\(formatFixed(linearQuantile(sorted: sorted, 0.5), d))</td><th>mean</th><td>\(formatFixed(mean, d))</td></tr></table>\n"
    return h + histogramSVG(sorted, classification: c, unit: unit, idPrefix: "h\(n)-")
}

/// The ten units with the highest and the ten with the lowest values (ties by P-code).
private func rankTables(_ page: ReportPage, column col: String, values rowValues: [Double?], classification c: Classification) -> String {
    let ranked = page.table.rows.indices.filter { rowValues[$0] != nil }
        .sorted { (rowValues[$0]!, page.id($1)) > (rowValues[$1]!, page.id($0)) }
    guard !ranked.isEmpty else { return "" }
    func rankTable(_ caption: String, _ rows: ArraySlice<Int>) -> String {
        var s = "<table class=\"rank\"><caption>\(caption)</caption><thead><tr><th>#</th><th>Name</th><th>P-code</th><th class=\"num\">\(htmlEscape(col))</th></tr></thead><tbody>"
        for (i, r) in rows.enumerated() {
            s += "<tr><td>\(i + 1)</td><td>\(htmlEscape(page.name(r)))</td><td><code>\(htmlEscape(page.id(r)))</code></td><td class=\"num\">\(formatFixed(rowValues[r]!, c.decimals))</td></tr>"
        }
        return s + "</tbody></table>\n"
    }
    return "<div class=\"ranks\">" + rankTable("Highest ten", ranked.prefix(10))
        + rankTable("Lowest ten", ArraySlice(ranked.reversed().prefix(10))) + "</div>\n"
}

/// Every unit in a sortable table: the id, the name, the indicators and the text columns.
private func allUnitsSection(_ page: ReportPage) -> String {
    let input = page.input, t = page.table
    var h = "<section id=\"all-units\" class=\"all\">\n<h2>All units</h2>\n<p class=\"note no-print\">Click a column heading to sort; click again to reverse.</p>\n"
    h += "<div class=\"scroll\"><table class=\"sortable\" id=\"units-table\"><thead><tr>"
    let shown = t.columns.indices.filter { $0 == input.idColumn || $0 == input.nameColumn || input.indicators.contains($0) || !t.isNumeric($0) }
    let decimals: [Int: Int] = Dictionary(uniqueKeysWithValues: input.indicators.map { k in
        (k, Classification(values: t.rows.map { $0[k].doubleValue }, classes: 2, scheme: .equal, palette: page.palette).decimals)
    })
    // Numeric columns right-aligned by one rule, not a class on each of their cells.
    let numericPositions = shown.enumerated().filter { t.isNumeric($0.element) }.map { "#units-table td:nth-child(\($0.offset + 1))" }
    if !numericPositions.isEmpty {
        h += "<style>\(numericPositions.joined(separator: ",")) { text-align: right; font-variant-numeric: tabular-nums; }</style>\n"
    }
    for k in shown {
        let num = t.isNumeric(k)
        let role = k == input.idColumn ? " data-role=\"id\"" : k == input.nameColumn ? " data-role=\"name\"" : ""
        h += "<th data-type=\"\(num ? "num" : "text")\" data-col=\"\(htmlEscape(t.columns[k]))\"\(role) class=\"\(num ? "num" : "")\" title=\"Sort\">\(htmlEscape(t.columns[k]))</th>"
    }
    h += "</tr></thead><tbody>\n"
    // Per numeric column, the shortest keys that sort as the values do.
    var keys: [Int: [String?]] = [:]
    for k in shown where t.isNumeric(k) { keys[k] = SortKeys.shortest(t.rows.map { $0[k].doubleValue }) }
    for r in t.rows.indices {
        h += "<tr>"
        for k in shown {
            switch t.rows[r][k] {
            case .number(let v):
                // The key to sort by, unless the text shown sorts as it does.
                let text = formatFixed(v, decimals[k] ?? 2)
                let key = keys[k]?[r] ?? formatNumber(v)
                if Double(text.replacingOccurrences(of: ",", with: "")) == Double(key) { h += "<td>\(text)</td>" }
                else { h += "<td data-v=\"\(key)\">\(text)</td>" }
            case .text(let s): h += "<td>\(htmlEscape(s))</td>"
            case .empty: h += "<td></td>"
            }
        }
        h += "</tr>\n"
    }
    return h + "</tbody></table></div>\n</section>\n</main>\n"
}

func anchor(_ s: String) -> String {
    String(s.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" })
}

/// A histogram of sorted values as inline SVG: 20 equal-width bins, each bar coloured by
/// the map class of its centre, class breaks as ticks under the axis.
func histogramSVG(_ sorted: [Double], classification c: Classification, unit: String?, idPrefix: String) -> String {
    let w = 460.0, hgt = 190.0, left = 40.0, right = 12.0, top = 10.0, bottom = 42.0
    let lo = sorted.first!, hi = sorted.last!
    let nb = hi > lo ? 20 : 1
    var counts = [Int](repeating: 0, count: nb)
    for v in sorted {
        let b = hi > lo ? min(nb - 1, Int((v - lo) / (hi - lo) * Double(nb))) : 0
        counts[b] += 1
    }
    let maxCount = max(1, counts.max()!)
    let pw = w - left - right, ph = hgt - top - bottom
    let bw = pw / Double(nb)
    func x(_ v: Double) -> Double { hi > lo ? left + (v - lo) / (hi - lo) * pw : left + pw / 2 }
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\" width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" font-family=\"\(mapFontFamily)\" font-size=\"10\">\n"
    s += "<title>Histogram: \(sorted.count) values in \(nb) bins</title>\n"
    s += "<g class=\"bars\" stroke=\"#555\" stroke-width=\"0.5\">\n"
    for b in 0..<nb where counts[b] > 0 {
        let bh = Double(counts[b]) / Double(maxCount) * ph
        let mid = lo + (Double(b) + 0.5) * (hi - lo) / Double(nb)
        let fill = c.color(hi > lo ? mid : lo) ?? "#999"
        s += "<rect x=\"\(f1(left + Double(b) * bw + 0.5))\" y=\"\(f1(top + ph - bh))\" width=\"\(f1(max(1, bw - 1)))\" height=\"\(f1(bh))\" fill=\"\(fill)\"><title>\(counts[b])</title></rect>\n"
    }
    s += "</g>\n"
    s += "<line x1=\"\(f1(left))\" y1=\"\(f1(top + ph))\" x2=\"\(f1(left + pw))\" y2=\"\(f1(top + ph))\" stroke=\"#333\"/>\n"
    s += "<line x1=\"\(f1(left))\" y1=\"\(f1(top))\" x2=\"\(f1(left))\" y2=\"\(f1(top + ph))\" stroke=\"#333\"/>\n"
    s += "<text x=\"\(f1(left - 4))\" y=\"\(f1(top + 8))\" text-anchor=\"end\">\(maxCount)</text><text x=\"\(f1(left - 4))\" y=\"\(f1(top + ph))\" text-anchor=\"end\">0</text>\n"
    // A mark at every class break; labels where they fit (see `placeTickLabels`).
    let xs = c.breaks.map(x)
    for bx in xs {
        s += "<line x1=\"\(f1(bx))\" y1=\"\(f1(top + ph))\" x2=\"\(f1(bx))\" y2=\"\(f1(top + ph + 5))\" stroke=\"#333\"/>\n"
    }
    let labels = tickLabels(c.breaks)
    s += "<g class=\"tick-labels\">"
    for t in placeTickLabels(xs: xs, labels: labels, size: 10, width: w) {
        s += "<text x=\"\(f1(t.x))\" y=\"\(f1(top + ph + 16 + Double(t.row) * 11))\" text-anchor=\"\(t.anchor)\">\(xmlEscape(labels[t.index]))</text>"
    }
    s += "</g>\n"
    s += "<text x=\"\(f1(left + pw / 2))\" y=\"\(f1(hgt - 2))\" text-anchor=\"middle\" fill=\"#444\">\(xmlEscape("value" + (unit.map { " (\($0))" } ?? "") + "; ticks: class breaks"))</text>\n"
    return s + "</svg>\n"
}

/// Labels for axis ticks at ascending `values`: the fewest decimals (at most 6) that tell
/// every two neighbouring values apart, so 0.001, 0.0026 and 0.0043 read 0.0010, 0.0026,
/// 0.0043, and 200, 250, 300 read as whole numbers; values closer than 6 decimals tell
/// apart get significant digits (2.5e-07).
func tickLabels(_ values: [Double]) -> [String] {
    func distinct(_ labels: [String]) -> Bool { zip(labels, labels.dropFirst()).allSatisfy { $0 != $1 } }
    for d in 0...6 {
        let labels = values.map { formatFixed($0, d) }
        if distinct(labels) { return labels }
    }
    for digits in 2...15 {
        let labels = values.map { String(format: "%.\(digits - 1)e", $0) }
        if distinct(labels) { return labels }
    }
    return values.map { "\($0)" }
}

/// A tick label placed under an axis: the tick it labels, its row (0 or 1, a line lower),
/// and where its text is anchored.
struct PlacedTick: Equatable {
    var index: Int
    var row: Int
    var x: Double
    var anchor: String
}

/// Which tick labels to draw so that none overlaps another or leaves `0..<width`: the
/// first and the last, then the others left to right, each on the first of two rows
/// where its box (`labelWidth` wide, an upper estimate) keeps 3 px from every label
/// there; a label that fits on neither row is left out (its tick mark stays). A label that
/// would cross the edge is anchored at its tick instead of centred on it.
func placeTickLabels(xs: [Double], labels: [String], size: Double, width: Double) -> [PlacedTick] {
    let gap = 3.0
    var rows: [[(Double, Double)]] = [[], []]
    var placed: [PlacedTick] = []
    func box(_ i: Int) -> (x0: Double, x1: Double, x: Double, anchor: String) {
        let w = labelWidth(labels[i], size: size), x = xs[i]
        if x - w / 2 < 0 { return (x, x + w, x, "start") }
        if x + w / 2 > width { return (x - w, x, x, "end") }
        return (x - w / 2, x + w / 2, x, "middle")
    }
    func tryPlace(_ i: Int) {
        let b = box(i)
        guard b.x0 >= 0, b.x1 <= width, !placed.contains(where: { labels[$0.index] == labels[i] }) else { return }
        for r in 0..<2 where !rows[r].contains(where: { b.x0 < $0.1 + gap && $0.0 < b.x1 + gap }) {
            rows[r].append((b.x0, b.x1))
            placed.append(PlacedTick(index: i, row: r, x: b.x, anchor: b.anchor))
            return
        }
    }
    guard !xs.isEmpty else { return [] }
    tryPlace(0)
    if xs.count > 1 { tryPlace(xs.count - 1) }
    for i in xs.indices.dropFirst().dropLast() { tryPlace(i) }
    return placed.sorted { $0.index < $1.index }
}

let reportCSS = """
:root { --ink: #222; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "Noto Sans Myanmar", "DejaVu Sans", Verdana, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1240px; padding: 0 20px 40px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 18px 0 4px; }
h2 { font-size: 19px; margin: 0 0 6px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.unit { font-weight: normal; color: var(--muted); font-size: 15px; }
.sub, .note, .desc { color: var(--muted); margin: 4px 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.meta dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; font-size: 13px; }
.meta dt { font-weight: bold; color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.notes { color: #8a4b00; font-size: 13px; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 0; z-index: 2; }
nav a { color: #1f5f99; text-decoration: none; }
section { margin: 26px 0; }
.grid { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr); gap: 20px; align-items: start; }
.map svg { max-width: 100%; height: auto; display: block; }
.histogram { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 2px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
.summary { margin-bottom: 8px; }
.summary th { color: var(--muted); font-weight: normal; }
.ranks { display: flex; flex-wrap: wrap; gap: 16px; }
.scroll { overflow-x: auto; max-height: 80vh; overflow-y: auto; border: 1px solid var(--line); }
.sortable th { cursor: pointer; position: sticky; top: 0; background: #f4f4f4; white-space: nowrap; user-select: none; }
.sortable th[aria-sort=ascending]::after { content: " ▲"; }
.sortable th[aria-sort=descending]::after { content: " ▼"; }
.sortable tbody tr:nth-child(even) { background: #fafafa; }
footer { color: var(--muted); font-size: 12px; margin-top: 30px; }
.map-tip { position: absolute; display: none; background: #fff; border: 1px solid #999; border-radius: 3px; padding: 2px 6px; font-size: 12px; pointer-events: none; z-index: 5; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav, .no-print, .map-tip { display: none; }
  section.indicator { break-before: page; margin: 0; }
  .grid { grid-template-columns: 48% 52%; gap: 10px; }
  .map svg { width: 100%; height: auto; max-height: 22cm; }
  .histogram { width: 100%; height: auto; }
  .ranks { gap: 8px; flex-wrap: wrap; }
  .ranks table, .summary { font-size: 7pt; }
  .scroll { overflow: visible; max-height: none; border: none; }
  .sortable th { position: static; }
  table { font-size: 7.5pt; }
  tr, .map, .histogram { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

/// Sorting (click a heading; `#sort=COLUMN` or `#sort=-COLUMN` sorts on load) and a marker
/// on <html data-report-js> showing the script ran (or the error it met).
let reportJS = """
(function () {
  'use strict';
  var root = document.documentElement;
  window.addEventListener('error', function (e) { root.setAttribute('data-report-js', 'error: ' + e.message); });
  function key(td, num) {
    var v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;
    if (v === '') { return null; }
    return num ? parseFloat(v.replace(/,/g, '')) : v.toLowerCase();
  }
  function sortBy(table, col, descending) {
    var ths = table.tHead.rows[0].cells, th = ths[col];
    var num = th.getAttribute('data-type') === 'num';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col], num), y = key(b.cells[col], num);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }          /* empty cells last, either way */
      if (y === null) { return -1; }
      var c = num ? x - y : x.localeCompare(y);
      return descending ? -c : c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
    for (var i = 0; i < ths.length; i++) { ths[i].removeAttribute('aria-sort'); }
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () { sortBy(table, i, th.getAttribute('aria-sort') === 'ascending'); });
    });
  });
  var m = /^#sort=(-?)(.+)$/.exec(decodeURIComponent(location.hash || ''));
  if (m && tables.length) {
    var ths = tables[0].tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) {
      if (ths[i].getAttribute('data-col') === m[2]) { sortBy(tables[0], i, m[1] === '-'); }
    }
  }
  /* Hover on a map: the unit's name, P-code and value, read from the table of all units
     (the maps <use> one shared copy of the zones, data-zone-rows maps a zone to its row). */
  var geo = document.querySelector('svg.shared-geometry');
  var units = document.getElementById('units-table');
  if (geo && units) {
    var prefix = '#' + geo.getAttribute('data-prefix') + 'z';
    var zoneRows = geo.getAttribute('data-zone-rows').split(',').map(Number);
    var rowsInOrder = Array.prototype.slice.call(units.tBodies[0].rows);
    var heads = Array.prototype.slice.call(units.tHead.rows[0].cells);
    var column = function (attr, value) {
      for (var i = 0; i < heads.length; i++) { if (heads[i].getAttribute(attr) === value) { return i; } }
      return -1;
    };
    var nameCol = column('data-role', 'name');
    var tip = document.createElement('div');
    tip.className = 'map-tip';
    document.body.appendChild(tip);
    document.addEventListener('mouseover', function (e) {
      var u = e.target, href = u && u.getAttribute ? (u.getAttribute('href') || '') : '';
      var sec = u && u.closest ? u.closest('section.indicator') : null;
      if (u.tagName !== 'use' || href.indexOf(prefix) !== 0 || !sec) { tip.style.display = 'none'; return; }
      var zone = parseInt(href.slice(prefix.length), 10), row = rowsInOrder[zoneRows[zone]];
      var path = document.getElementById(href.slice(1));
      var value = 'no data', name = '';
      if (u.parentNode.getAttribute('class') === 'insufficient') { value = 'insufficient data'; }
      if (row) {
        var c = column('data-col', sec.getAttribute('data-col'));
        var text = c >= 0 ? row.cells[c].textContent : '';
        if (text !== '') { value = text + (sec.hasAttribute('data-unit') ? ' ' + sec.getAttribute('data-unit') : ''); }
        if (nameCol >= 0) { name = row.cells[nameCol].textContent + ' '; }
      }
      tip.textContent = name + (path ? path.getAttribute('data-id') : '') + ': ' + value;
      tip.style.left = (e.pageX + 12) + 'px';
      tip.style.top = (e.pageY + 12) + 'px';
      tip.style.display = 'block';
    });
  }
  if (!root.hasAttribute('data-report-js')) { root.setAttribute('data-report-js', 'ok'); }
})();
"""
