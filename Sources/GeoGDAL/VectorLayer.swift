import CGeo
import Foundation
import GeoCore

// Line and polygon layers read for `geotool vector`: each feature's linear or polygonal
// part as WKB in the zones' CRS, with its class value. Mixed layers are read feature by
// feature: a line layer keeps the lines of every feature (a polygon or a point adds
// nothing), a polygon layer keeps the polygons.

/// Which part of a feature's geometry a layer contributes.
public enum VectorPart: String, Sendable, CaseIterable {
    case lines, polygons
}

/// The features of a line or polygon layer, ready for the overlay: plain values.
public struct VectorFeatures: Sendable {
    public var path: String
    public var part: VectorPart
    /// ISO WKB in the zones' CRS, valid (polygons repaired with make-valid), one per kept feature.
    public var wkb: [[UInt8]]
    public var boxes: [Box]
    /// The class value of each kept feature, as written (empty strings without a class field).
    public var classValues: [String]
    /// Features read (after the filter).
    public var featureCount = 0
    /// Features with nothing of `part` (a point in a line layer, an empty geometry).
    public var skipped = 0
    /// Polygon features that were invalid and repaired with make-valid.
    public var repaired = 0
    public var crsWKT: String?
    /// The layer had no CRS and was taken to be in the zones' CRS.
    public var crsAssumed = false

    public init(path: String, part: VectorPart, wkb: [[UInt8]], boxes: [Box], classValues: [String]) {
        self.path = path; self.part = part; self.wkb = wkb; self.boxes = boxes; self.classValues = classValues
    }
}

extension VectorDataset {
    /// Read every feature of a layer (default: the first, which must be the only one) as
    /// its `part`, transformed to `target` when the layer's CRS differs.
    public func readFeatures(_ part: VectorPart, layer name: String? = nil, filter: String? = nil,
                             classField: String? = nil, target: SpatialReference) throws -> VectorFeatures {
        try requireOneLayer(unless: name)
        let l = try layer(named: name)
        try setFilter(l, filter, option: .layerWhere)
        let names = try fieldNames(layer: name)
        var classIndex: Int32 = -1
        if let classField {
            guard let i = names.firstIndex(where: { $0.lowercased() == classField.lowercased() }) else {
                throw GeoKitError.input(path, "no field '\(classField)' for \(Setting.by)\(didYouMean(classField, names)) (fields: \(names.joined(separator: ", ")))")
            }
            classIndex = Int32(i)
        }
        var out = VectorFeatures(path: path, part: part, wkb: [], boxes: [], classValues: [])
        var transform: CoordinateTransform?
        if let srs = OGR_L_GetSpatialRef(l) {
            let own = SpatialReference(borrowing: srs)
            out.crsWKT = own.wkt
            if !own.isSame(target) {
                let src = try SpatialReference(definition: own.wkt)
                transform = try CoordinateTransform(from: src, to: target)
            }
        } else {
            out.crsAssumed = true
        }
        OGR_L_ResetReading(l)
        while let f = OGR_L_GetNextFeature(l) {
            defer { OGR_F_Destroy(f) }
            out.featureCount += 1
            guard let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0, let kept = partOf(g, part) else { out.skipped += 1; continue }
            var geom = kept
            if let transform, OGR_G_Transform(geom, transform.handle) != OGRERR_NONE {
                OGR_G_DestroyGeometry(geom)
                throw GeoKitError(.crs, file: path, "feature \(OGR_F_GetFID(f)) cannot be transformed to the zones' CRS")
            }
            if part == .polygons && OGR_G_IsValid(geom) == 0 {
                let fixed = OGR_G_MakeValid(geom)
                OGR_G_DestroyGeometry(geom)
                guard let fixed, let poly = partOf(fixed, .polygons) else {
                    if let fixed { OGR_G_DestroyGeometry(fixed) }
                    out.skipped += 1; out.repaired += 1; continue
                }
                OGR_G_DestroyGeometry(fixed)
                geom = poly
                out.repaired += 1
            }
            defer { OGR_G_DestroyGeometry(geom) }
            var env = OGREnvelope()
            OGR_G_GetEnvelope(geom, &env)
            out.wkb.append(wkbOf(geom))
            out.boxes.append(Box(xmin: env.MinX, ymin: env.MinY, xmax: env.MaxX, ymax: env.MaxY))
            out.classValues.append(classIndex >= 0 && OGR_F_IsFieldSetAndNotNull(f, classIndex) != 0
                                   ? String(cString: OGR_F_GetFieldAsString(f, classIndex)) : "")
        }
        return out
    }
}

/// A new multi-geometry with the lines (or polygons) of `g`, curves linearised; nil when
/// it has none. The caller destroys it.
private func partOf(_ g: OGRGeometryH, _ part: VectorPart) -> OGRGeometryH? {
    let multi = OGR_G_CreateGeometry(part == .lines ? wkbMultiLineString : wkbMultiPolygon)!
    func visit(_ g: OGRGeometryH) {
        let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
        let isLine = OGR_GT_IsCurve(t) != 0, isPolygon = OGR_GT_IsSurface(t) != 0
        if isLine || isPolygon {
            guard (part == .lines) == isLine, OGR_G_IsEmpty(g) == 0 else { return }
            let linear = OGR_GT_IsNonLinear(t) != 0 ? OGR_G_GetLinearGeometry(g, 0, nil) : OGR_G_Clone(g)
            if let linear {
                // A linearised curve polygon is a polygon; a compound curve a line string.
                let forced = part == .lines ? OGR_G_ForceToLineString(linear) : OGR_G_ForceToPolygon(linear)
                if let forced { OGR_G_AddGeometryDirectly(multi, forced) }
            }
            return
        }
        for i in 0..<OGR_G_GetGeometryCount(g) { if let sub = OGR_G_GetGeometryRef(g, i) { visit(sub) } }
    }
    visit(g)
    if OGR_G_GetGeometryCount(multi) == 0 { OGR_G_DestroyGeometry(multi); return nil }
    return multi
}
