import CGeo
import Foundation
import GeoCore

// One feature of a zones layer into a `Zone`: fields as text, the geometry transformed
// into the raster's CRS, rings closed, invalid polygons repaired by GEOS, point and line
// features kept as such (or drawn as discs with --buffer). A reader holds what may not
// cross threads (its coordinate transform, disc maker and GEOS context), so a layer read
// in parallel has one reader per range of features.

/// What every reader of one layer shares: field positions and the rules of the run.
struct ZoneReadRules {
    var path: String
    var idField: String
    var idIndex: Int32
    var includeIndexes: [Int32]
    var pcodeVersionIndex: Int32?
    /// Fields stored as integers, by index: their text is formatted here, not by OGR's printf.
    var integerFields: Set<Int32>
    var keepWKB: Bool
    /// Features whose envelope cannot be degrees get an empty row (a geographic layer).
    var checkDegrees: Bool
    var pointsAndLines: Bool
    /// Fields no zone needs (and OGR_STYLE): OGR skips reading them.
    var ignoredFields: [String] = []
}

/// Tell OGR to skip `fields` on `layer` (GeoPackage and SQLite leave them out of their
/// SELECT, shapefiles do not parse them): a zones layer often carries a dozen name and
/// code columns of which a run needs two.
func ignoreFields(_ fields: [String], on layer: OGRLayerH) {
    guard !fields.isEmpty else { return }
    var cstrings = fields.map { strdup($0) } + [nil]
    defer { for c in cstrings { free(c) } }
    cstrings.withUnsafeMutableBufferPointer { buf in
        buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
            _ = OGR_L_SetIgnoredFields(layer, $0)
        }
    }
}

/// Turns the features of one range of a layer into zones, in order.
final class ZoneFeatureReader {
    let rules: ZoneReadRules
    /// Copies of the rules read for every feature (a stored let is read without touching
    /// the struct's references).
    private let isInteger: [Bool], idIndex: Int32, includeIndexes: [Int32]
    private let transform: CoordinateTransform?
    private let discs: DiscMaker?
    private let ctx = GEOSContext()
    var warnings: [GeoWarning] = []
    /// Values that were not UTF-8, by field index.
    var notUTF8: [Int32: Int] = [:]
    /// Features with a geometry, and those of them that are points or lines.
    var features = 0, pointsOrLines = 0
    /// Zones made by `loneRingZone` (from a stream's WKB).
    var fromStream = 0
    var pcodeVersion: String?

    init(_ rules: ZoneReadRules, transform: CoordinateTransform?, discs: DiscMaker?) {
        self.rules = rules; self.transform = transform; self.discs = discs
        // The reader's own arrays (not the rules' shared ones), for the same reason as `path`.
        let fields = Int(([rules.idIndex] + rules.includeIndexes + [rules.pcodeVersionIndex ?? 0]).max()!) + 1
        isInteger = (0..<fields).map { rules.integerFields.contains(Int32($0)) }
        idIndex = rules.idIndex; includeIndexes = rules.includeIndexes.map { $0 }
    }

    private func text(_ f: OGRFeatureH, _ i: Int32) -> String {
        guard OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return "" }
        if isInteger[Int(i)] { return String(OGR_F_GetFieldAsInteger64(f, i)) }
        guard let p = OGR_F_GetFieldAsString(f, i) else { return "" }
        if let s = String(validatingCString: p) { return s }
        notUTF8[i, default: 0] += 1
        return decodeLegacyText(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }

    /// Feature `f`, the `index`-th of the layer (counting from 0), as a zone.
    func read(_ f: OGRFeatureH, index: Int) throws -> Zone {
        let id = text(f, idIndex)
        let attrs = includeIndexes.isEmpty ? [] : includeIndexes.map { text(f, $0) }
        if pcodeVersion == nil, let pv = rules.pcodeVersionIndex, OGR_F_IsFieldSetAndNotNull(f, pv) != 0 {
            pcodeVersion = text(f, pv)
        }
        var zone = Zone(index: index, id: id, attributes: attrs, geometry: MultiPolygon([]), wkb: nil)
        guard let gref = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(gref) == 0 else {
            warn(.noGeometry, index, id, "no geometry; its row is empty")
            return zone
        }
        features += 1
        let pointOrLine = isPointOrLine(OGR_G_GetGeometryType(gref))
        if pointOrLine { pointsOrLines += 1 }
        if rules.keepWKB { zone.wkb = wkbOf(gref) }
        if rules.checkDegrees {
            var e = OGREnvelope()
            OGR_G_GetEnvelope(gref, &e)
            if !fitsDegrees(e) {
                warn(.outOfDegrees, index, id, "coordinates out of range for degrees (extent \(e.MinX), \(e.MinY) - \(e.MaxX), \(e.MaxY)) in a layer whose CRS is geographic; its row is empty")
                return zone
            }
        }
        var disc: OGRGeometryH?
        defer { if let disc { OGR_G_DestroyGeometry(disc) } }
        if rules.pointsAndLines && pointOrLine {
            guard let d = try readPointsOrLines(gref, into: &zone, index: index, id: id) else { return zone }
            disc = d
        }
        readPolygons(gref, disc: disc, into: &zone, index: index, id: id)
        return zone
    }

    /// A geometry warning about feature `index` (its id, when it has one).
    private func warn(_ topic: GeoWarning.Topic, _ index: Int, _ id: String, _ what: String) {
        warnings.append(GeoWarning(.geometry, file: rules.path, "\(featureLabel(index, id)): \(what)", topic: topic,
                                   subject: id.isEmpty ? "feature \(index)" : id))
    }

    /// `feature N (ID_FIELD=id)`, built only for a message: most features never need it.
    private func featureLabel(_ index: Int, _ id: String) -> String {
        id.isEmpty ? "feature \(index)" : "feature \(index) (\(rules.idField)=\(id))"
    }

    /// A point or line feature `g` (in a layer read with points and lines): its points and
    /// lines into `zone` (transformed to the raster's CRS), and nil; or with discs, the
    /// disc that replaces the points, in the target CRS, to be read on as a polygon (the
    /// caller frees it).
    private func readPointsOrLines(_ g: OGRGeometryH, into zone: inout Zone, index: Int, id: String) throws -> OGRGeometryH? {
        let parts = pointsAndLinesOf(g)
        if discs != nil, !parts.lines.isEmpty {
            throw GeoKitError(.argument, file: rules.path, "\(featureLabel(index, id)) is a line: \(Setting.buffer) applies to point zones only",
                              hint: "leave out \(Setting.buffer) to weight each cell by the length of line in it, or buffer the lines first (e.g. with QGIS or ogr2ogr) and give polygons")
        }
        if let discs {
            guard let d = discs.discs(around: parts.points) else {
                warn(.notBuffered, index, id, "cannot be transformed to WGS 84 for \(Setting.buffer); its row is empty")
                return nil
            }
            zone.isBufferedPoint = true
            return d
        }
        guard let t = transform else {
            (zone.points, zone.lines) = parts
            return nil
        }
        // The feature's own geometry is read in place: transformed in a copy.
        let copy = OGR_G_Clone(g)!
        defer { OGR_G_DestroyGeometry(copy) }
        if OGR_G_Transform(copy, t.handle) != OGRERR_NONE {
            warn(.notTransformed, index, id, "cannot be transformed to the raster's CRS; its row is empty")
            return nil
        }
        (zone.points, zone.lines) = pointsAndLinesOf(copy)
        return nil
    }

    /// The polygons of feature geometry `gref` (or of `disc`, already in the target CRS)
    /// into `zone`: rings closed, transformed to the raster's CRS, repaired by GEOS when
    /// invalid.
    private func readPolygons(_ gref: OGRGeometryH, disc: OGRGeometryH?, into zone: inout Zone, index: Int, id: String) {
        // The feature's own geometry is read in place; a copy is made only to change it
        // (close rings, transform). A disc is the caller's to change.
        var g = disc ?? gref
        var owned: OGRGeometryH?
        defer { if let owned { OGR_G_DestroyGeometry(owned) } }
        func own() { if disc == nil && owned == nil { owned = OGR_G_Clone(gref); g = owned! } }
        let inTarget = disc != nil
        // Nothing to change (no transform): a closed simple ring is the zone as it is, found
        // without the walk over the rings below. (An unclosed ring is not "certainly valid".)
        if !inTarget && transform == nil, let shell = certainlyValidShell(g) {
            zone.geometry = MultiPolygon([Polygon(shell: Ring(shell))])
            return
        }
        // GDAL reads unclosed rings as they are (GEOS cannot): close them first.
        let unclosed = unclosedRings(g)
        if unclosed > 0 {
            own()
            OGR_G_CloseRings(g)
            warn(.unclosedRings, index, id, "\(unclosed) ring(s) not closed; closed by repeating the first point")
        }
        if !inTarget, let t = transform {
            own()
            if OGR_G_Transform(g, t.handle) != OGRERR_NONE {
                warn(.notTransformed, index, id, "cannot be transformed to the raster's CRS; its row is empty")
                return
            }
        }
        if let shell = certainlyValidShell(g) {
            zone.geometry = MultiPolygon([Polygon(shell: Ring(shell))])
            return
        }
        zone.geometry = repairedPolygons(g, index, id)
    }

    /// The polygonal part of `g` through GEOS, made valid when it is not (with a warning).
    private func repairedPolygons(_ g: OGRGeometryH, _ index: Int, _ id: String) -> MultiPolygon {
        do {
            var geom = try Geometry(wkb: wkbOf(g), context: ctx)
            if !geom.isValid {
                let why = geom.invalidReason
                geom = try geom.makeValid()
                warn(.repairedGeometry, index, id, "invalid geometry (\(why)); repaired with GEOS make-valid")
            }
            let polygons = geom.polygons()
            if polygons.isEmpty {
                warn(.notPolygonal, index, id, "geometry has no polygonal part; its row is empty")
            }
            return polygons
        } catch {
            warn(.unreadableGeometry, index, id, "\(error); its row is empty")
            return MultiPolygon([])
        }
    }

    /// Whether a lone ring read elsewhere (from a stream's WKB) can be the zone as it is: no
    /// transform, no discs, no WKB kept.
    var takesLoneRings: Bool { transform == nil && discs == nil && !rules.keepWKB }

    /// The zone of feature `index` whose geometry is the closed ring `points`, when `read`
    /// would take that ring as it is (it fits degrees where it must, and is certainly a
    /// valid polygon); nil when the feature needs `read`.
    func loneRingZone(_ points: [Point], index: Int, id: String, attributes: [String]) -> Zone? {
        if rules.checkDegrees {
            var e = OGREnvelope(MinX: .infinity, MaxX: -.infinity, MinY: .infinity, MaxY: -.infinity)
            for p in points { e.MinX = min(e.MinX, p.x); e.MaxX = max(e.MaxX, p.x); e.MinY = min(e.MinY, p.y); e.MaxY = max(e.MaxY, p.y) }
            guard fitsDegrees(e) else { return nil }
        }
        guard isCertainlySimpleRing(points) else { return nil }
        features += 1; fromStream += 1
        return Zone(index: index, id: id, attributes: attributes, geometry: MultiPolygon([Polygon(shell: Ring(points))]), wkb: nil)
    }

    /// Add what `other` (the reader of the next range) read.
    func append(_ other: ZoneFeatureReader) {
        warnings += other.warnings
        notUTF8.merge(other.notUTF8, uniquingKeysWith: +)
        features += other.features
        pointsOrLines += other.pointsOrLines
        fromStream += other.fromStream
        if pcodeVersion == nil { pcodeVersion = other.pcodeVersion }
    }
}

/// True when an envelope can hold degrees (longitudes up to ±360 for layers beyond the
/// antimeridian, latitudes ±90 with a little slack for rounding).
func fitsDegrees(_ e: OGREnvelope) -> Bool {
    !(e.MinX < -360 || e.MaxX > 360 || e.MinY < -90.001 || e.MaxY > 90.001)
}

private func isPointOrLine(_ type: OGRwkbGeometryType) -> Bool {
    // Polygons first: nearly every zone is one.
    if type == wkbPolygon || type == wkbMultiPolygon { return false }
    let t = OGR_GT_Flatten(type)
    return t == wkbPoint || t == wkbMultiPoint || OGR_GT_IsCurve(t) != 0 || OGR_GT_IsSubClassOf(t, wkbMultiCurve) != 0
}

/// The points of `g` when it is a polygon (or a multipolygon of one polygon) of one ring
/// that `isCertainlySimpleRing` passes (then GEOS would find it valid and return these same
/// points); nil otherwise.
private func certainlyValidShell(_ g: OGRGeometryH) -> [Point]? {
    var polygon = g
    let type = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
    if type == wkbMultiPolygon {
        guard OGR_G_GetGeometryCount(g) == 1, let p = OGR_G_GetGeometryRef(g, 0) else { return nil }
        polygon = p
    } else if type != wkbPolygon { return nil }
    guard OGR_GT_Flatten(OGR_G_GetGeometryType(polygon)) == wkbPolygon, OGR_G_GetGeometryCount(polygon) == 1,
          let ring = OGR_G_GetGeometryRef(polygon, 0) else { return nil }
    let n = Int(OGR_G_GetPointCount(ring))
    guard n >= 4, n <= 64 else { return nil }
    // One call copies the coordinates straight into the points (x and y interleaved).
    var pts = [Point](repeating: Point(0, 0), count: n)
    let stride = Int32(MemoryLayout<Point>.stride)
    let got = pts.withUnsafeMutableBytes { b in
        OGR_G_GetPoints(ring, b.baseAddress, stride, b.baseAddress! + MemoryLayout<Double>.stride, stride, nil, 0)
    }
    guard Int(got) == n else { return nil }
    return isCertainlySimpleRing(pts) ? pts : nil
}

/// The rings of polygons in `g` whose last point is not their first.
private func unclosedRings(_ g: OGRGeometryH) -> Int {
    let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
    let n = OGR_G_GetGeometryCount(g)
    guard n > 0 else { return 0 }
    var count = 0
    let isPolygon = t == wkbPolygon || t == wkbTriangle
    for i in 0..<n {
        guard let sub = OGR_G_GetGeometryRef(g, i) else { continue }
        if isPolygon {
            let m = OGR_G_GetPointCount(sub)
            if m > 0 && (OGR_G_GetX(sub, 0) != OGR_G_GetX(sub, m - 1) || OGR_G_GetY(sub, 0) != OGR_G_GetY(sub, m - 1)) { count += 1 }
        } else {
            count += unclosedRings(sub)
        }
    }
    return count
}
