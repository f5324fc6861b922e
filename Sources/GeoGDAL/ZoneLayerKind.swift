import CGeo
import Foundation

/// The geometry type of an output layer of zones. Polygon zones make a MultiPolygon layer
/// (each polygon promoted); point or line zones make a layer of their own kind (Point when
/// every one is a Point, else promoted to MultiPoint / MultiLineString); a layer mixing
/// kinds is of unknown type (GeoPackage, GeoJSON and FlatGeobuf hold it; a shapefile cannot).
package struct ZoneLayerKind {
    package var type: OGRwkbGeometryType = wkbMultiPolygon
    package var isMixed: Bool { type == wkbUnknown }

    package init(_ geometries: [[UInt8]?]) {
        var families = Set<Int>(), onlyPoints = true
        for case let wkb? in geometries where wkb.count >= 5 {
            let t = wkbType(wkb)
            if t != 1 { onlyPoints = false }
            switch t {
            case 1, 4: families.insert(0)
            case 2, 5, 8, 9, 11: families.insert(1)
            case 3, 6, 10, 12, 15, 17: families.insert(2)
            default: families.insert(3)   // collections: as they are
            }
        }
        if families.count > 1 || families == [3] { type = wkbUnknown }
        else if families == [0] { type = onlyPoints ? wkbPoint : wkbMultiPoint }
        else if families == [1] { type = wkbMultiLineString }
    }

    /// `g` in the layer's type (the same geometry when the layer takes it as it is).
    package func conform(_ g: OGRGeometryH) -> OGRGeometryH {
        switch type {
        case wkbMultiPolygon: return OGR_G_ForceToMultiPolygon(g)
        case wkbMultiPoint: return OGR_G_ForceToMultiPoint(g)
        case wkbMultiLineString: return OGR_G_ForceToMultiLineString(g)
        default: return g
        }
    }
}

/// The 2D base type of a WKB geometry (ISO Z/M codes and EWKB flags stripped).
private func wkbType(_ wkb: [UInt8]) -> Int {
    let b = wkb[1...4].map(UInt32.init)
    let raw = wkb[0] == 1 ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
    return Int(raw & 0x0FFF_FFFF) % 1000
}
