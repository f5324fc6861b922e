import CGeo
import Foundation
import GeoCore

// Point and line zones read from OGR geometries, and geodesic discs for `--buffer`.

/// The points and lines of an OGR geometry (curves linearised), in its own coordinates.
package func pointsAndLinesOf(_ g: OGRGeometryH) -> (points: [Point], lines: [[Point]]) {
    var points: [Point] = [], lines: [[Point]] = []
    func visit(_ g: OGRGeometryH) {
        let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
        if t == wkbPoint {
            if OGR_G_IsEmpty(g) == 0 { points.append(Point(OGR_G_GetX(g, 0), OGR_G_GetY(g, 0))) }
            return
        }
        if OGR_GT_IsCurve(t) != 0 {
            let linear = OGR_GT_IsNonLinear(t) != 0 ? OGR_G_GetLinearGeometry(g, 0, nil) : nil
            defer { if let linear { OGR_G_DestroyGeometry(linear) } }
            let l = linear ?? g
            let n = OGR_G_GetPointCount(l)
            if n > 0 { lines.append((0..<n).map { Point(OGR_G_GetX(l, $0), OGR_G_GetY(l, $0)) }) }
            return
        }
        for i in 0..<OGR_G_GetGeometryCount(g) { if let sub = OGR_G_GetGeometryRef(g, i) { visit(sub) } }
    }
    visit(g)
    return (points, lines)
}

/// Draws geodesic discs of one radius around points of a layer, in the target CRS.
package struct DiscMaker {
    let radius: Double
    let toWGS84: CoordinateTransform
    let fromWGS84: CoordinateTransform

    /// The discs are drawn on WGS 84 and transformed to `target` (or back to the layer's CRS
    /// when the raster has none): a disc needs to know where it is on the Earth.
    package init(radius: Double, layer: SpatialReference?, target: SpatialReference?, path: String) throws {
        guard let from = layer ?? target, let to = target ?? layer else {
            throw GeoKitError(.crs, file: path, "\(Setting.buffer) draws discs in metres on the Earth, but neither the zones nor the raster have a CRS; assign one (ogr2ogr -a_srs or gdal_edit.py -a_srs)")
        }
        let wgs84 = try SpatialReference(definition: "EPSG:4326")
        self.radius = radius
        toWGS84 = try CoordinateTransform(from: from, to: wgs84)
        fromWGS84 = try CoordinateTransform(from: wgs84, to: to)
    }

    /// A multipolygon of the discs around `points` (overlapping discs merged), in the
    /// target CRS; nil when a point cannot be transformed.
    package func discs(around points: [Point]) -> OGRGeometryH? {
        guard !points.isEmpty else { return nil }
        var x = points.map(\.x), y = points.map(\.y)
        guard toWGS84.transform(x: &x, y: &y).allSatisfy({ $0 }) else { return nil }
        let mp = OGR_G_CreateGeometry(wkbMultiPolygon)!
        for i in points.indices {
            let ring = Ellipsoid.wgs84.disc(lon: x[i], lat: y[i], radius: radius)
            var rx = ring.points.map(\.x), ry = ring.points.map(\.y)
            guard fromWGS84.transform(x: &rx, y: &ry).allSatisfy({ $0 }) else { OGR_G_DestroyGeometry(mp); return nil }
            let r = OGR_G_CreateGeometry(wkbLinearRing)!
            for k in rx.indices { OGR_G_AddPoint_2D(r, rx[k], ry[k]) }
            OGR_G_AddPoint_2D(r, rx[0], ry[0])
            let poly = OGR_G_CreateGeometry(wkbPolygon)!
            OGR_G_AddGeometryDirectly(poly, r)
            OGR_G_AddGeometryDirectly(mp, poly)
        }
        guard points.count > 1 else { return mp }
        // Discs of a MultiPoint may overlap: the zone is their union, each cell once.
        let union = OGR_G_UnionCascaded(mp)
        OGR_G_DestroyGeometry(mp)
        return union
    }
}
