import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// Choropleth maps as SVG written by hand: zones projected with PROJ (an Albers equal-area
// projection centred on the zones for geographic data), scaled to pixels, simplified to
// the output resolution (vertices closer than half a pixel dropped, coordinates with one
// decimal), then drawn grouped by class with a legend, north arrow, scale bar and
// attribution.

/// Zones projected and simplified to a pixel frame, ready to be drawn with any values.
public struct MapGeometry: Sendable {
    public var ids: [String]
    /// Label text per zone (the `labelField` attribute), or "".
    public var labels: [String]
    /// SVG path data per zone, in frame pixels; "" when the zone has nothing to draw.
    public var paths: [String]
    /// A point inside each zone for its label, with the room there (px wide, px high).
    public var labelPoints: [(x: Double, y: Double, width: Double, height: Double)?]
    /// Frame size in pixels.
    public var width: Double, height: Double
    /// Metres per pixel at the frame's centre (nil when the CRS's units are unknown).
    public var metresPerPixel: Double?
    /// The projection used ("" when drawn in the layer's own CRS).
    public var projection: String
    public var projectionName: String
    /// Vertices written, and vertices read.
    public var verticesOut = 0, verticesIn = 0
    /// Per zone, the pixel rings of its largest polygon (labels are placed inside it) and
    /// that polygon's area in px² (larger units are labelled first).
    var labelRings: [[[Point]]] = []
    var labelAreas: [Double] = []
    /// The pixel frame and the CRS drawn in (a PROJ string or WKT; nil: the coordinates as
    /// they are), so other layers (`--outline`) can be drawn on the same frame.
    var frame: PixelFrame?
    var drawCRS: String?
}

extension MapGeometry {
    /// A projection for zones in a geographic CRS spanning `box` (degrees): Albers
    /// equal-area with standard parallels at 1/6 and 5/6 of the latitude span, or
    /// Lambert azimuthal equal-area when the area straddles the equator symmetrically.
    public static func projectionString(for box: Box) -> (proj: String, name: String) {
        let lon0 = (box.xmin + box.xmax) / 2, lat0 = (box.ymin + box.ymax) / 2
        let span = box.ymax - box.ymin
        let lat1 = box.ymin + span / 6, lat2 = box.ymax - span / 6
        func f(_ v: Double) -> String { String(format: "%.4f", v) }
        if abs(lat1 + lat2) < 1 || span < 1e-6 {
            return ("+proj=laea +lat_0=\(f(lat0)) +lon_0=\(f(lon0)) +datum=WGS84 +units=m +no_defs",
                    "Lambert azimuthal equal-area centred on \(f(lon0))°, \(f(lat0))°")
        }
        return ("+proj=aea +lat_0=\(f(lat0)) +lon_0=\(f(lon0)) +lat_1=\(f(lat1)) +lat_2=\(f(lat2)) +datum=WGS84 +units=m +no_defs",
                "Albers equal-area, central meridian \(String(format: "%.1f", lon0))°E, standard parallels \(String(format: "%.1f", lat1))° and \(String(format: "%.1f", lat2))°")
    }

    /// Project and simplify `layer`'s zones (in the layer's own CRS, as read with
    /// `readZones(target: nil)`) into a frame whose longer side is `size` pixels.
    /// `labelField` names an include-field of the layer to label zones with. A layer with
    /// no CRS adds a `.crs` warning (taken as WGS 84 when it looks like degrees).
    public static func build(layer: ZoneLayer, size: Double = 900, labelField: String? = nil,
                             warnings: inout [GeoWarning]) throws -> MapGeometry {
        let box = drawnBounds(layer)
        guard box.xmax >= box.xmin else { throw GeoKitError.input(layer.path, "no zone has a geometry to draw") }
        let source = try sourceCRS(layer, bounds: box, warnings: &warnings)
        let view = try DrawingProjection(source: source, bounds: box)
        let projected = ProjectedZones(layer, transform: view.transform)
        let frame = PixelFrame(projected.bounds, size: size)
        let labelIndex = labelField.flatMap { f in layer.includeFields.firstIndex { $0.lowercased() == f.lowercased() } }
        var paths: [String] = [], labels: [String] = [], labelPoints: [(x: Double, y: Double, width: Double, height: Double)?] = []
        var rings: [[[Point]]] = [], areas: [Double] = []
        var verticesOut = 0
        for (zi, polys) in projected.zones.enumerated() {
            let zone = pixelZone(polys, frame: frame)
            paths.append(zone.path)
            labels.append(labelIndex.map { layer.zones[zi].attributes[$0] } ?? "")
            labelPoints.append(zone.labelPoint)
            rings.append(zone.biggest); areas.append(zone.area)
            verticesOut += zone.vertices
        }
        var g = MapGeometry(ids: layer.zones.map(\.id), labels: labels, paths: paths, labelPoints: labelPoints,
                            width: frame.width, height: frame.height,
                            metresPerPixel: view.metresPerUnit.map { $0 / frame.scale },
                            projection: view.projection, projectionName: view.name,
                            verticesOut: verticesOut, verticesIn: projected.verticesIn)
        g.labelRings = rings; g.labelAreas = areas
        g.frame = frame
        g.drawCRS = view.projection.isEmpty ? source?.wkt : view.projection
        return g
    }

    /// The bounds of the zones that have a geometry, in the layer's CRS (empty when none has).
    static func drawnBounds(_ layer: ZoneLayer) -> Box {
        var box = Box.empty
        for z in layer.zones where !z.geometry.isEmpty { let b = z.geometry.bounds; box.expand(x: b.xmin, y: b.ymin); box.expand(x: b.xmax, y: b.ymax) }
        return box
    }

    /// The layer's CRS; without one, WGS 84 when the coordinates look like degrees, else
    /// none (drawn as they are). Either case is a `.crs` warning.
    static func sourceCRS(_ layer: ZoneLayer, bounds box: Box, warnings: inout [GeoWarning]) throws -> SpatialReference? {
        if let wkt = layer.crsWKT, let srs = try? SpatialReference(definition: wkt) { return srs }
        let degreeLike = box.xmin >= -180.001 && box.xmax <= 360.001 && box.ymin >= -90.001 && box.ymax <= 90.001
        if degreeLike {
            warnings.append(GeoWarning(.crs, file: layer.path, "\(layer.path): layer has no CRS; its coordinates look like degrees, taking them as WGS 84 (EPSG:4326)"))
            return try SpatialReference(definition: "EPSG:4326")
        }
        warnings.append(GeoWarning(.crs, file: layer.path, "\(layer.path): layer has no CRS; drawing its coordinates as they are, without a scale bar"))
        return nil
    }

    /// The zones in pixels: one path (simplified rings) per zone, the vertices written and
    /// a label spot in its largest polygon.
    static func pixelZone(_ polys: [[[Point]]], frame: PixelFrame) -> (path: String, vertices: Int, labelPoint: (x: Double, y: Double, width: Double, height: Double)?, biggest: [[Point]], area: Double) {
        var d = ""
        var vertices = 0
        var biggest: (area: Double, rings: [[Point]])? = nil
        for rings in polys {
            var pixelRings: [[Point]] = []
            for (ri, ring) in rings.enumerated() {
                let pr = ring.map(frame.pixel)
                var simple = simplifyRing(pr, tolerance: 0.5)
                if simple.count < 3 {
                    // Smaller than a pixel: keep the shell anyway so every zone shows.
                    guard ri == 0, pr.count >= 3 else { continue }
                    simple = Array(pr.prefix(3))
                }
                pixelRings.append(simple)
                vertices += appendPath(&d, simple)
            }
            if let shell = pixelRings.first {
                let a = abs(Ring(shell).signedArea)
                if biggest == nil || a > biggest!.area { biggest = (a, pixelRings) }
            }
        }
        return (d, vertices, biggest.flatMap { labelSpot($0.rings) }, biggest?.rings ?? [], biggest?.area ?? 0)
    }
}

/// How a map is drawn from the layer's CRS: through an equal-area projection for
/// geographic data, else as it is; with the metres per CRS unit when known.
struct DrawingProjection {
    var transform: CoordinateTransform?
    /// The PROJ string ("" when drawn in the layer's own CRS) and a readable name.
    var projection = "", name = "layer CRS"
    var metresPerUnit: Double?

    init(source: SpatialReference?, bounds box: Box) throws {
        guard let src = source else { return }
        if src.isGeographic {
            let (p, n) = MapGeometry.projectionString(for: box)
            transform = try CoordinateTransform(from: src, to: SpatialReference(definition: p))
            projection = p; name = n; metresPerUnit = 1
        } else {
            name = src.shortName
            if case .planar(let m) = src.areaModel { metresPerUnit = m }
        }
    }
}

/// Every ring of every zone, projected (points that fail to project are dropped), with
/// their bounds and the vertices read.
struct ProjectedZones {
    /// zone -> polygon -> ring (0 = shell) -> points
    var zones: [[[[Point]]]] = []
    var bounds = Box.empty
    var verticesIn = 0

    init(_ layer: ZoneLayer, transform: CoordinateTransform?) {
        for z in layer.zones {
            var polys: [[[Point]]] = []
            for p in z.geometry.polygons {
                var rings: [[Point]] = []
                for r in [p.shell] + p.holes { rings.append(project(r, transform)) }
                polys.append(rings)
            }
            zones.append(polys)
        }
    }

    private mutating func project(_ r: Ring, _ transform: CoordinateTransform?) -> [Point] {
        var xs = r.points.map(\.x), ys = r.points.map(\.y)
        verticesIn += xs.count
        var ok = [Bool](repeating: true, count: xs.count)
        if let t = transform { ok = t.transform(x: &xs, y: &ys) }
        var pts: [Point] = []
        pts.reserveCapacity(xs.count)
        for i in 0..<xs.count where ok[i] && xs[i].isFinite && ys[i].isFinite {
            pts.append(Point(xs[i], ys[i])); bounds.expand(x: xs[i], y: ys[i])
        }
        return pts
    }
}

/// Projected coordinates to pixels: `bounds` scaled so its longer side is `size` pixels,
/// y pointing down.
struct PixelFrame {
    let bounds: Box
    /// Pixels per projected unit, and the frame's size in whole pixels.
    let scale: Double, width: Double, height: Double

    init(_ bounds: Box, size: Double) {
        self.bounds = bounds
        let dx = max(bounds.xmax - bounds.xmin, 1e-12), dy = max(bounds.ymax - bounds.ymin, 1e-12)
        scale = size / max(dx, dy)
        width = (dx * scale).rounded(.up); height = (dy * scale).rounded(.up)
    }

    @inline(__always) func pixel(_ p: Point) -> Point { Point((p.x - bounds.xmin) * scale, (bounds.ymax - p.y) * scale) }
}

/// Simplify a ring for drawing: radial distance (`simplifyRingRadial`), then Douglas-Peucker
/// at 0.7 × `tolerance`, which removes the near-collinear vertices a sub-pixel zigzag leaves.
package func simplifyRing(_ pts: [Point], tolerance: Double) -> [Point] {
    let r = simplifyRingRadial(pts, tolerance: tolerance)
    guard r.count > 4 else { return r }
    // Split the closed ring at vertex 0 and the vertex farthest from it; simplify both chains.
    var far = 0, best = -1.0
    for (i, p) in r.enumerated() {
        let d = (p.x - r[0].x) * (p.x - r[0].x) + (p.y - r[0].y) * (p.y - r[0].y)
        if d > best { best = d; far = i }
    }
    let t = 0.7 * tolerance
    let closed = r + [r[0]]
    var keep = [Bool](repeating: false, count: closed.count)
    keep[0] = true; keep[far] = true; keep[closed.count - 1] = true
    var stack = [(0, far), (far, closed.count - 1)]
    while let (a, b) = stack.popLast() {
        guard b > a + 1 else { continue }
        let p = closed[a], q = closed[b]
        let vx = q.x - p.x, vy = q.y - p.y, len2 = vx * vx + vy * vy
        var idx = -1, dmax = t * t
        for i in (a + 1)..<b {
            let w = closed[i]
            var d2: Double
            if len2 == 0 { d2 = (w.x - p.x) * (w.x - p.x) + (w.y - p.y) * (w.y - p.y) }
            else {
                let cross = vx * (w.y - p.y) - vy * (w.x - p.x)
                d2 = cross * cross / len2
            }
            if d2 > dmax { dmax = d2; idx = i }
        }
        if idx >= 0 { keep[idx] = true; stack.append((a, idx)); stack.append((idx, b)) }
    }
    let out = (0..<(closed.count - 1)).filter { keep[$0] }.map { closed[$0] }
    return out.count >= 3 ? out : r
}

/// Drop vertices closer than `tolerance` to the last kept one (the first is always kept;
/// the closing vertex is dropped: paths are closed with Z).
package func simplifyRingRadial(_ pts: [Point], tolerance: Double) -> [Point] {
    guard var last = pts.first else { return [] }
    var out = [last]
    let t2 = tolerance * tolerance
    let n = (pts.count > 1 && pts.last! == pts.first!) ? pts.count - 1 : pts.count
    for i in 1..<max(1, n) {
        let p = pts[i]
        let ddx = p.x - last.x, ddy = p.y - last.y
        if ddx * ddx + ddy * ddy >= t2 { out.append(p); last = p }
    }
    // The last kept vertex may sit on top of the first.
    while out.count > 1 {
        let ddx = out.last!.x - out[0].x, ddy = out.last!.y - out[0].y
        if ddx * ddx + ddy * ddy < t2 { out.removeLast() } else { break }
    }
    return out
}

/// Append a ring as path data: absolute move, then relative lines between coordinates
/// rounded to 0.1 px (differences of rounded values, so no error accumulates). Returns the
/// vertices written.
@discardableResult
package func appendPath(_ d: inout String, _ ring: [Point]) -> Int {
    guard let first = ring.first else { return 0 }
    var lx = Int((first.x * 10).rounded()), ly = Int((first.y * 10).rounded())
    d += "M" + tenths(lx) + " " + tenths(ly) + "l"
    var n = 1, firstPair = true
    for p in ring.dropFirst() {
        let x = Int((p.x * 10).rounded()), y = Int((p.y * 10).rounded())
        if x == lx && y == ly { continue }
        let a = tenths(x - lx), b = tenths(y - ly)
        if !firstPair && !a.hasPrefix("-") { d += " " }
        d += a
        if !b.hasPrefix("-") { d += " " }
        d += b
        lx = x; ly = y; n += 1; firstPair = false
    }
    if firstPair { d.removeLast() }   // no line: drop the "l"
    d += "z"
    return n
}

/// An integer number of tenths as text: 123 -> "12.3", 40 -> "4", -5 -> "-0.5".
package func tenths(_ v: Int) -> String {
    let a = abs(v), sign = v < 0 ? "-" : ""
    return a % 10 == 0 ? sign + String(a / 10) : sign + String(a / 10) + "." + String(a % 10)
}

/// Where to put a label in a polygon (pixel rings, shell first): the middle of the widest
/// inside stretch of the horizontal line through the shell's centroid (which may lie outside
/// a concave shape), with that stretch's width and the shell's height as the room.
package func labelSpot(_ rings: [[Point]]) -> (x: Double, y: Double, width: Double, height: Double)? {
    guard let shell = rings.first, shell.count >= 3 else { return nil }
    var a = 0.0, cy = 0.0, ymin = Double.infinity, ymax = -Double.infinity
    for i in 0..<shell.count {
        let p = shell[i], q = shell[(i + 1) % shell.count]
        let c = p.x * q.y - q.x * p.y
        a += c; cy += (p.y + q.y) * c
        ymin = min(ymin, p.y); ymax = max(ymax, p.y)
    }
    let y = a != 0 ? cy / (3 * a) : (ymin + ymax) / 2
    // The widest stretch; the first of equal ones.
    var best: (Double, Double)? = nil
    for st in insideStretches(rings, y: y) where best == nil || st.1 - st.0 > best!.1 - best!.0 { best = st }
    guard let (x0, x1) = best else { return nil }
    return ((x0 + x1) / 2, y, x1 - x0, ymax - ymin)
}

package func xmlEscape(_ s: String) -> String {
    var o = ""
    o.reserveCapacity(s.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": o += "&amp;"
        case "<": o += "&lt;"
        case ">": o += "&gt;"
        case "\"": o += "&quot;"
        default:
            // Characters XML 1.0 forbids (control characters) are dropped.
            if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" { continue }
            o.unicodeScalars.append(c)
        }
    }
    return o
}

/// What to write around the zones.
public struct MapOptions: Sendable {
    public var title: String = ""
    /// A line under the title (e.g. the column's description).
    public var subtitle: String = ""
    /// Legend heading (the column) and its unit.
    public var legendTitle: String = ""
    public var unit: String?
    public var attribution: String = "Boundaries: MIMU"
    /// The data's source ("CHIRPS v2, UCSB"), printed as "Source: ..." under the map.
    public var source: String?
    /// Boundaries of a coarser level drawn over the units, named where the name fits.
    public var outline: OutlineGeometry? = nil
    /// Extra notes for the footer (data file, projection...).
    public var notes: [String] = []
    /// Prefix for element ids, so several maps can share one HTML page.
    public var idPrefix: String = ""
    /// Hover text per unit (name, P-code, value) — off for very large layers to stay small.
    public var tooltips: Bool = true
    /// Name per zone for tooltips (defaults to the geometry's labels).
    public var names: [String]? = nil
    /// Draw labels (from `MapGeometry.labels`) where they fit.
    public var drawLabels: Bool = false
    /// Start with an XML declaration (standalone .svg files).
    public var standalone: Bool = true
    /// Per zone, whether its coverage is below `minCoverage` (`--min-coverage`): drawn
    /// cross-hatched as "insufficient data" and counted apart from no data. Such zones'
    /// values are nil (left out of the classes).
    public var insufficient: [Bool]? = nil
    public var minCoverage: Double? = nil
    /// Draw the zones (and outline) as `<use>` of paths defined once elsewhere in the
    /// document (`sharedGeometrySVG`), with this id prefix: a report's maps share one copy
    /// of the geometry instead of each repeating it.
    public var sharedGeometry: String? = nil
    public init() {}
}

/// The zones' paths (ids `<prefix>z<zone>`, with their P-codes in `data-id`) and the
/// outline's (`<prefix>o<feature>`, with `data-name`) in a hidden SVG, for maps drawn with
/// `MapOptions.sharedGeometry` in the same HTML document. `data-zone-rows` maps each zone
/// to its table row (-1: none), for the page's script.
public func sharedGeometrySVG(_ g: MapGeometry, outline: OutlineGeometry?, prefix p: String, rowOfZone: [Int?]) -> String {
    var s = "<svg class=\"shared-geometry\" width=\"0\" height=\"0\" aria-hidden=\"true\" style=\"position:absolute\" data-prefix=\"\(p)\" data-zone-rows=\"\(rowOfZone.map { String($0 ?? -1) }.joined(separator: ","))\"><defs>\n"
    for (i, d) in g.paths.enumerated() where !d.isEmpty {
        s += "<path id=\"\(p)z\(i)\" data-id=\"\(xmlEscape(g.ids[i]))\" d=\"\(d)\"/>\n"
    }
    if let o = outline {
        for (i, d) in o.paths.enumerated() where !d.isEmpty {
            s += "<path id=\"\(p)o\(i)\" data-name=\"\(xmlEscape(o.names[i]))\" d=\"\(d)\"/>\n"
        }
    }
    return s + "</defs></svg>\n"
}

/// The SVG text of a choropleth of `values` (one per zone of `geometry`, nil = no data).
public func choroplethSVG(_ g: MapGeometry, values: [Double?], classification c: Classification,
                          options o: MapOptions) -> String {
    precondition(values.count == g.ids.count)
    let layout = ChoroplethLayout(g, o)
    // The legend column is laid out first: its height decides the canvas.
    var ly = layout.mapY + 4
    var legend = legendHeadingSVG(o, layout: layout, y: &ly)
    legend += legendClassesSVG(c, prefix: o.idPrefix, layout: layout, y: &ly,
                               insufficient: o.insufficient.map { $0.filter { $0 }.count }, minCoverage: o.minCoverage)
    legend += classSchemeSVG(c, x: layout.legendX, y: &ly)
    if let ol = o.outline { legend += outlineLegendSVG(ol, x: layout.legendX, prefix: o.idPrefix, y: &ly) }
    legend += northArrowSVG(x: layout.legendX, prefix: o.idPrefix, y: &ly)
    legend += scaleBarSVG(metresPerPixel: g.metresPerPixel, x: layout.legendX, prefix: o.idPrefix, y: &ly)

    let bodyBottom = max(layout.mapY + g.height, ly)
    let footer = footerLines(o, width: layout.width)
    let height = (bodyBottom + 14 + Double(footer.count) * 14 + 6).rounded(.up)

    var s = ""
    s.reserveCapacity(g.paths.reduce(0) { $0 + $1.count } + 64 * g.ids.count + 8192)
    s += svgHeadSVG(g, o, width: layout.width, height: height)
    s += unitsSVG(g, values: values, classification: c, options: o, layout: layout)
    if let outline = o.outline {
        s += outlineSVG(outline, prefix: o.idPrefix, offset: (layout.mapX, layout.mapY), width: g.width, height: g.height, shared: o.sharedGeometry)
    }
    s += labelsSVG(g, options: o, layout: layout)
    s += "<g id=\"\(o.idPrefix)legend\">\n" + legend + "</g>\n"
    s += attributionSVG(footer, y: bodyBottom + 18, prefix: o.idPrefix)
    s += "</svg>\n"
    return s
}

/// Where a choropleth's parts go: the map frame at the left under the title, the legend
/// column to its right.
struct ChoroplethLayout {
    static let margin = 16.0, legendWidth = 230.0, gap = 24.0
    let mapX: Double, mapY: Double, legendX: Double
    /// The canvas width, whole pixels.
    let width: Double
    /// The right edge of the legend's counts column.
    var countX: Double { legendX + Self.legendWidth - 4 }

    init(_ g: MapGeometry, _ o: MapOptions) {
        mapX = Self.margin
        mapY = o.title.isEmpty ? 16.0 : o.subtitle.isEmpty ? 52.0 : 70.0
        legendX = mapX + g.width + Self.gap
        width = (legendX + Self.legendWidth + Self.margin).rounded(.up)
    }
}

/// One `<text>` element, its content escaped, with a newline.
private func svgText(_ x: Double, _ y: Double, _ s: String, size: Double = 12, extra: String = "") -> String {
    "<text x=\"\(f1(x))\" y=\"\(f1(y))\" font-size=\"\(f1(size))\"\(extra)>\(xmlEscape(s))</text>\n"
}

/// The legend's title, unit and the heading of its counts column.
private func legendHeadingSVG(_ o: MapOptions, layout: ChoroplethLayout, y ly: inout Double) -> String {
    let x = layout.legendX
    var legend = svgText(x, ly + 12, o.legendTitle, size: 13, extra: " font-weight=\"bold\"")
    ly += 18
    if let u = o.unit, !u.isEmpty { legend += svgText(x, ly + 12, u, size: 11, extra: " fill=\"#444\""); ly += 16 }
    ly += 12
    legend += svgText(layout.countX, ly, "units", size: 9, extra: " text-anchor=\"end\" fill=\"#777\"")
    ly += 4
    return legend
}

/// One legend row per class (swatch, range, units in it), then the no-data row.
private func legendClassesSVG(_ c: Classification, prefix p: String, layout: ChoroplethLayout, y ly: inout Double,
                              insufficient: Int? = nil, minCoverage: Double? = nil) -> String {
    let x = layout.legendX, countX = layout.countX
    var legend = "<g id=\"\(p)legend-classes\">\n"
    for k in 0..<c.classCount {
        let lo = c.breaks[k], hi = c.breaks[k + 1]
        let range = c.rangeLabel(k).replacingOccurrences(of: "-", with: "−")
        legend += "<g class=\"legend-class\" data-class=\"\(k)\" data-fill=\"\(c.colors[k])\" data-lower=\"\(formatNumber(lo))\" data-upper=\"\(formatNumber(hi))\" data-count=\"\(c.counts[k])\">"
        legend += "<rect x=\"\(f1(x))\" y=\"\(f1(ly))\" width=\"22\" height=\"15\" fill=\"\(c.colors[k])\" stroke=\"#666\" stroke-width=\"0.5\"/>"
        legend += svgText(x + 30, ly + 12, range, size: 12).dropLast()
        legend += svgText(countX, ly + 12, "\(c.counts[k])", size: 11, extra: " text-anchor=\"end\" fill=\"#555\"").dropLast()
        legend += "</g>\n"
        ly += 20
    }
    let noData = c.missing - (insufficient ?? 0)
    legend += "<g class=\"legend-missing\" data-count=\"\(noData)\">"
    legend += "<rect x=\"\(f1(x))\" y=\"\(f1(ly))\" width=\"22\" height=\"15\" fill=\"url(#\(p)hatch)\" stroke=\"#666\" stroke-width=\"0.5\"/>"
    legend += svgText(x + 30, ly + 12, "no data: \(noData)", size: 12).dropLast()
    legend += "</g>\n"
    if let n = insufficient {
        ly += 20
        legend += "<g class=\"legend-insufficient\" data-count=\"\(n)\">"
        legend += "<rect x=\"\(f1(x))\" y=\"\(f1(ly))\" width=\"22\" height=\"15\" fill=\"url(#\(p)insufficient)\" stroke=\"#666\" stroke-width=\"0.5\"/>"
        legend += svgText(x + 30, ly + 12, "insufficient data (coverage < \(minCoverage.map(formatNumber) ?? "?")): \(n)", size: 12).dropLast()
        legend += "</g>\n"
    }
    legend += "</g>\n"
    ly += 22
    return legend
}

/// The line naming the class scheme under the legend.
private func classSchemeSVG(_ c: Classification, x: Double, y ly: inout Double) -> String {
    let schemeName = ["quantile": "Quantile", "equal": "Equal-interval", "jenks": "Jenks natural-breaks"][c.scheme.rawValue]!
    let schemeText = (c.explicitBreaks ? "Classes at the given breaks" : schemeName + " classes") + (c.diverging ? ", diverging at 0" : "")
    let legend = svgText(x, ly + 10, schemeText, size: 10, extra: " fill=\"#555\"")
    ly += 26
    return legend
}

/// The outline's line and what it is ("State/region boundaries"), wrapped to the legend's width.
private func outlineLegendSVG(_ ol: OutlineGeometry, x: Double, prefix p: String, y ly: inout Double) -> String {
    let size = 11.0, lineHeight = 14.0
    var legend = "<g id=\"\(p)legend-outline\"><line x1=\"\(f1(x))\" y1=\"\(f1(ly + 6))\" x2=\"\(f1(x + 22))\" y2=\"\(f1(ly + 6))\" stroke=\"#222\" stroke-width=\"1.3\"/>"
    let lines = wrapToWidth(ol.label, width: ChoroplethLayout.legendWidth - 30, size: size)
    for (k, line) in lines.enumerated() {
        legend += svgText(x + 30, ly + 10 + Double(k) * lineHeight, line, size: size).dropLast()
    }
    legend += "</g>\n"
    ly += 24 + Double(max(0, lines.count - 1)) * lineHeight
    return legend
}

/// Break text into lines no wider than `width` px at font `size` (by `labelWidth`, an upper
/// estimate) at spaces; a word wider than that alone is cut where it must be.
package func wrapToWidth(_ s: String, width: Double, size: Double) -> [String] {
    var lines: [String] = [], cur = ""
    func fits(_ t: String) -> Bool { labelWidth(t, size: size) <= width }
    for word in s.split(separator: " ").map(String.init) {
        let joined = cur.isEmpty ? word : cur + " " + word
        if fits(joined) { cur = joined; continue }
        if !cur.isEmpty { lines.append(cur) }
        cur = word
        while !fits(cur) {
            // The longest head of the word that fits (at least one character).
            var head = ""
            for c in cur { if fits(head + String(c)) || head.isEmpty { head.append(c) } else { break } }
            lines.append(head)
            cur = String(cur.dropFirst(head.count))
        }
    }
    if !cur.isEmpty { lines.append(cur) }
    return lines
}

private func northArrowSVG(x: Double, prefix p: String, y ly: inout Double) -> String {
    let ax = x + 12, ay = ly + 16
    var legend = "<g id=\"\(p)north-arrow\">"
    legend += svgText(ax, ay, "N", size: 12, extra: " text-anchor=\"middle\" font-weight=\"bold\"").dropLast()
    legend += "<path d=\"M\(f1(ax)) \(f1(ay + 4))l-7 22 7-6 7 6z\" fill=\"#333\"/></g>\n"
    ly += 48
    return legend
}

/// A two-part scale bar of a round length near 150 px; nothing when the scale is unknown.
private func scaleBarSVG(metresPerPixel: Double?, x: Double, prefix p: String, y ly: inout Double) -> String {
    guard let mpp = metresPerPixel, mpp > 0 else { return "" }
    let targetKm = 150 * mpp / 1000
    let mag = pow(10, (log10(targetKm)).rounded(.down))
    let nice = [5.0, 2, 1].map { $0 * mag }.first { $0 <= targetKm } ?? mag
    let len = nice * 1000 / mpp
    let sy = ly + 4
    var legend = "<g id=\"\(p)scale-bar\" data-km=\"\(formatNumber(nice))\" data-px=\"\(f1(len))\">"
    legend += "<rect x=\"\(f1(x))\" y=\"\(f1(sy))\" width=\"\(f1(len / 2))\" height=\"5\" fill=\"#333\"/>"
    legend += "<rect x=\"\(f1(x + len / 2))\" y=\"\(f1(sy))\" width=\"\(f1(len / 2))\" height=\"5\" fill=\"#fff\" stroke=\"#333\" stroke-width=\"0.8\"/>"
    legend += svgText(x, sy + 18, "0", size: 10, extra: " text-anchor=\"middle\"").dropLast()
    legend += svgText(x + len / 2, sy + 18, formatNumber(nice / 2), size: 10, extra: " text-anchor=\"middle\"").dropLast()
    legend += svgText(x + len, sy + 18, formatNumber(nice) + " km", size: 10, extra: " text-anchor=\"middle\"").dropLast()
    legend += "</g>\n"
    ly += 30
    return legend
}

/// The attribution and notes, wrapped to the canvas width.
private func footerLines(_ o: MapOptions, width: Double) -> [String] {
    let maxChars = max(40, Int((width - 2 * ChoroplethLayout.margin) / 6.2))
    let source = o.source.map { $0.isEmpty ? "" : "Source: " + $0 } ?? ""
    return ([source, o.attribution] + o.notes).filter { !$0.isEmpty }.flatMap { wrapText($0, maxChars) }
}

/// The XML declaration (standalone), the `<svg>` element, the hatch pattern for no data,
/// the white background, the title and subtitle.
private func svgHeadSVG(_ g: MapGeometry, _ o: MapOptions, width: Double, height: Double) -> String {
    let font = mapFontFamily
    let p = o.idPrefix, margin = ChoroplethLayout.margin
    var s = ""
    if o.standalone { s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" }
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"\(font)\" class=\"choropleth\"\(g.projection.isEmpty ? "" : " data-projection=\"\(xmlEscape(g.projection))\"")>\n"
    s += "<title>\(xmlEscape(o.title.isEmpty ? o.legendTitle : o.title))</title>\n"
    s += "<defs><pattern id=\"\(p)hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
    s += "<rect width=\"5\" height=\"5\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#999\" stroke-width=\"1.6\"/></pattern>"
    if o.insufficient != nil {
        s += "<pattern id=\"\(p)insufficient\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
        s += "<rect width=\"6\" height=\"6\" fill=\"#eee\"/><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#777\" stroke-width=\"0.9\"/></pattern>"
    }
    s += "</defs>\n"
    s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
    if !o.title.isEmpty { s += svgText(margin, 32, o.title, size: 20, extra: " font-weight=\"bold\"") }
    if !o.subtitle.isEmpty { s += svgText(margin, 52, o.subtitle, size: 12, extra: " fill=\"#444\"") }
    return s
}

/// The zones' paths grouped by class (one fill per group, no data last), each with its
/// hover text when `tooltips` is on.
private func unitsSVG(_ g: MapGeometry, values: [Double?], classification c: Classification,
                      options o: MapOptions, layout: ChoroplethLayout) -> String {
    let p = o.idPrefix
    let strokeW = g.ids.count > 3000 ? "0.1" : g.ids.count > 800 ? "0.2" : "0.4"
    var s = "<g id=\"\(p)units\" transform=\"translate(\(f1(layout.mapX)) \(f1(layout.mapY)))\" stroke=\"#fff\" stroke-width=\"\(strokeW)\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">\n"
    var members = [[Int]](repeating: [], count: c.classCount + 2)
    for i in 0..<g.ids.count where !g.paths[i].isEmpty {
        members[o.insufficient?[i] == true ? c.classCount + 1 : c.classOf(values[i]) ?? c.classCount].append(i)
    }
    let names = o.names ?? g.labels
    for k in 0...(c.classCount + (o.insufficient == nil ? 0 : 1)) {
        let fill = k < c.classCount ? c.colors[k] : k == c.classCount ? "url(#\(p)hatch)" : "url(#\(p)insufficient)"
        let cls = k < c.classCount ? "class-\(k)" : k == c.classCount ? "no-data" : "insufficient"
        s += "<g class=\"\(cls)\" fill=\"\(fill)\"\(k >= c.classCount ? " stroke=\"#aaa\"" : "")>\n"
        if let shared = o.sharedGeometry {
            // One short element per zone: its path is in the document once.
            for i in members[k] { s += "<use href=\"#\(shared)z\(i)\"/>" }
            s += "\n"
        } else {
            for i in members[k] {
                s += "<path data-id=\"\(xmlEscape(g.ids[i]))\" d=\"\(g.paths[i])\""
                if o.tooltips {
                    let name = names[i].isEmpty ? "" : names[i] + " "
                    let v = o.insufficient?[i] == true ? "insufficient data" : values[i].map { c.label($0) + (o.unit.map { " " + $0 } ?? "") } ?? "no data"
                    s += "><title>\(xmlEscape("\(name)\(g.ids[i]): \(v)"))</title></path>\n"
                } else {
                    s += "/>\n"
                }
            }
        }
        s += "</g>\n"
    }
    return s + "</g>\n"
}

/// The outline's names (bold), then the zones' labels, largest units first; a label that
/// fits nowhere in its unit without overlapping another is dropped (`placeLabels`).
private func labelsSVG(_ g: MapGeometry, options o: MapOptions, layout: ChoroplethLayout) -> String {
    var taken = LabelBoxes()
    var s = ""
    let offset = (layout.mapX, layout.mapY)
    if let ol = o.outline {
        let req = ol.names.indices.filter { ol.labelPoints[$0] != nil && !ol.names[$0].isEmpty }
            .sorted { ol.labelAreas[$0] > ol.labelAreas[$1] }
            .map { LabelRequest(index: $0, text: ol.names[$0], size: outlineLabelSize, bold: true, rings: ol.labelRings[$0], spill: 2, spot: ol.labelPoints[$0]!, area: ol.labelAreas[$0]) }
        let placed = placeLabels(req, width: g.width, height: g.height, boxes: &taken)
        s += labelsGroupSVG(placed, texts: ol.names, id: "\(o.idPrefix)outline-labels", size: outlineLabelSize, bold: true, offset: offset)
    }
    if o.drawLabels && !g.labelRings.isEmpty {
        let req = g.ids.indices.filter { g.labelPoints[$0] != nil && !g.labels[$0].isEmpty }
            .sorted { g.labelAreas[$0] > g.labelAreas[$1] }
            .map { LabelRequest(index: $0, text: g.labels[$0], size: unitLabelSize, bold: false, rings: g.labelRings[$0], spot: g.labelPoints[$0]!, area: g.labelAreas[$0]) }
        let placed = placeLabels(req, width: g.width, height: g.height, boxes: &taken)
        s += labelsGroupSVG(placed, texts: g.labels, id: "\(o.idPrefix)labels", size: unitLabelSize, bold: false, offset: offset)
    }
    return s
}

/// Font sizes (px) of the units' labels and of the outline's names.
public let unitLabelSize = 8.0, outlineLabelSize = 11.0

/// The footer lines under the map and legend, from `y` down.
private func attributionSVG(_ lines: [String], y: Double, prefix p: String) -> String {
    var fy = y
    var s = "<g id=\"\(p)attribution\" font-size=\"10\" fill=\"#444\">\n"
    for line in lines {
        s += svgText(ChoroplethLayout.margin, fy, line, size: 10).replacingOccurrences(of: " font-size=\"10\"", with: "")
        fy += 14
    }
    return s + "</g>\n"
}

/// Break text into lines of at most `n` characters at spaces.
package func wrapText(_ s: String, _ n: Int) -> [String] {
    var lines: [String] = [], cur = ""
    for w in s.split(separator: " ", omittingEmptySubsequences: false) {
        if !cur.isEmpty && cur.count + 1 + w.count > n { lines.append(cur); cur = String(w) } else { cur += (cur.isEmpty ? "" : " ") + w }
    }
    if !cur.isEmpty { lines.append(cur) }
    return lines
}

package func f1(_ v: Double) -> String { tenths(Int((v * 10).rounded())) }
