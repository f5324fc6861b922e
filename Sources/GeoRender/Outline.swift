import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// Boundaries of a coarser level (`--outline states.json`) drawn over the units, in the
// units' projection and pixel frame, with their names as labels.

/// An outline layer's zones as pixel paths on a map's frame, with their names.
public struct OutlineGeometry: Sendable {
    public var names: [String]
    public var paths: [String]
    var labelPoints: [(x: Double, y: Double, width: Double, height: Double)?]
    var labelRings: [[[Point]]]
    var labelAreas: [Double]
    /// The file drawn (kept in the SVG's `data-source`).
    public var path: String
    /// The legend's words for the lines: the layer's level ("State/region boundaries"),
    /// `--outline-label`, or "Boundaries".
    public var label: String = "Boundaries"

    /// Project `layer` (read in its own CRS, its `nameField` the first include-field) onto
    /// `map`'s frame. A layer with no CRS adds a `.crs` warning.
    public static func build(layer: ZoneLayer, nameField: String?, on map: MapGeometry,
                             warnings: inout [GeoWarning]) throws -> OutlineGeometry {
        guard let frame = map.frame else { throw GeoKitError.input(layer.path, "the map has no frame to draw the outline on") }
        let box = MapGeometry.drawnBounds(layer)
        guard box.xmax >= box.xmin else { throw GeoKitError.input(layer.path, "no feature has a geometry to draw (\(Setting.outline))") }
        let source = try MapGeometry.sourceCRS(layer, bounds: box, warnings: &warnings)
        var transform: CoordinateTransform?
        if let source, let target = map.drawCRS {
            transform = try CoordinateTransform(from: source, to: SpatialReference(definition: target))
        }
        let projected = ProjectedZones(layer, transform: transform)
        let nameIndex = nameField.flatMap { f in layer.includeFields.firstIndex { $0.lowercased() == f.lowercased() } }
        var o = OutlineGeometry(names: [], paths: [], labelPoints: [], labelRings: [], labelAreas: [], path: layer.path)
        for (zi, polys) in projected.zones.enumerated() {
            let zone = MapGeometry.pixelZone(polys, frame: frame)
            o.paths.append(zone.path)
            o.names.append(nameIndex.map { layer.zones[zi].attributes[$0] } ?? "")
            o.labelPoints.append(zone.labelPoint); o.labelRings.append(zone.biggest); o.labelAreas.append(zone.area)
        }
        return o
    }

    /// The legend's words for an outline layer with these fields: its finest P-code level
    /// ("District boundaries" for a layer with DT_PCODE and ST_PCODE; "Admin level 1
    /// boundaries" for adm1_pcode), or nil when no field names a level.
    public static func levelLabel(fields: [String]) -> String? {
        let levels = fields.compactMap { f in AdminLevel(field: f).map { (field: f, level: $0) } }
        guard let finest = levels.max(by: { $0.level < $1.level }) else { return nil }
        if finest.field.lowercased().hasPrefix("adm") { return "Admin level \(finest.level.rawValue) boundaries" }
        switch finest.level {
        case .country: return "Country boundary"
        case .state: return "State/region boundaries"
        case .district: return "District boundaries"
        case .township: return "Township boundaries"
        case .villageTract: return "Village tract boundaries"
        }
    }

    /// A field naming the features of an outline layer: the name field of its first
    /// P-code field (ST for ST_PCODE, adm1_en for adm1_pcode), else NAME or name_en.
    public static func guessNameField(_ fields: [String]) -> String? {
        for f in fields where f.lowercased().hasSuffix("_pcode") {
            if let n = parentNameField(f, fields) { return n }
        }
        return fields.first { ["name", "name_en", "nom", "nombre"].contains($0.lowercased()) }
    }
}

/// The outline's boundaries: no fill, a dark line over the units.
func outlineSVG(_ o: OutlineGeometry, prefix p: String, offset: (Double, Double), width: Double, height: Double,
                shared: String? = nil) -> String {
    // Clipped to the map frame: parts of the outline beyond the units (islands the units'
    // file leaves out) stay off the legend and footer.
    var s = "<clipPath id=\"\(p)frame\"><rect x=\"-2\" y=\"-2\" width=\"\(f1(width + 4))\" height=\"\(f1(height + 4))\"/></clipPath>\n"
    s += "<g id=\"\(p)outline\" clip-path=\"url(#\(p)frame)\" transform=\"translate(\(f1(offset.0)) \(f1(offset.1)))\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.3\" stroke-linejoin=\"round\" data-source=\"\(xmlEscape((o.path as NSString).lastPathComponent))\">\n"
    for (i, d) in o.paths.enumerated() where !d.isEmpty {
        if let shared { s += "<use href=\"#\(shared)o\(i)\"/>"; continue }
        s += "<path data-name=\"\(xmlEscape(o.names[i]))\" d=\"\(d)\"/>\n"
    }
    if shared != nil { s += "\n" }
    return s + "</g>\n"
}
