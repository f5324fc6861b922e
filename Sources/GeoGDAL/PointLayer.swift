import CGeo
import Foundation
import GeoCore

/// The features of a point layer as plain values: every field as text and each feature's
/// position (a single point, a multipoint of one, nothing, or some other geometry).
public struct PointFeatures: Sendable {
    public enum Position: Sendable, Equatable {
        case point(x: Double, y: Double)
        case missing
        case notPoint
    }
    public var columns: [String]
    public var rows: [[String]]
    public var positions: [Position]
    public var crsWKT: String?
}

extension VectorDataset {
    /// Read every feature of a layer (default: the first) as text fields and a position.
    public func readPoints(layer name: String? = nil, filter: String? = nil) throws -> PointFeatures {
        let l = try layer(named: name)
        try setFilter(l, filter, option: .pointsWhere)
        let columns = try fieldNames(layer: name)
        let crs = OGR_L_GetSpatialRef(l).map { SpatialReference(borrowing: $0).wkt }
        var rows: [[String]] = [], positions: [PointFeatures.Position] = []
        OGR_L_ResetReading(l)
        while let f = OGR_L_GetNextFeature(l) {
            defer { OGR_F_Destroy(f) }
            rows.append((0..<Int32(columns.count)).map {
                OGR_F_IsFieldSetAndNotNull(f, $0) != 0 ? String(cString: OGR_F_GetFieldAsString(f, $0)) : ""
            })
            guard let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0 else { positions.append(.missing); continue }
            let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
            var pt: OGRGeometryH? = g
            if t == wkbMultiPoint && OGR_G_GetGeometryCount(g) == 1 { pt = OGR_G_GetGeometryRef(g, 0) }
            else if t != wkbPoint { pt = nil }
            if let pt { positions.append(.point(x: OGR_G_GetX(pt, 0), y: OGR_G_GetY(pt, 0))) } else { positions.append(.notPoint) }
        }
        return PointFeatures(columns: columns, rows: rows, positions: positions, crsWKT: crs)
    }
}
