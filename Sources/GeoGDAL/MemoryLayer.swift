import CGeo
import Foundation
import GeoCore

/// Zones held in memory as WKB (`ids[i]` for `wkb[i]`; empty bytes: no geometry), read as a
/// file's layer is read, by the same `ZoneFeatureReader` (rings closed, invalid polygons
/// repaired with GEOS, transformed from `crs` into `target`, points and lines kept), without
/// a layer: each WKB becomes a transient OGR feature. In ranges on `threads` threads, one
/// reader per range, joined in order (as `readInParallel` joins a file's ranges). `name`
/// stands for the path in messages.
public func readMemoryZones(name: String, wkb: [[UInt8]], ids: [String], crs: String?, target: SpatialReference?,
                            keepWKB: Bool = false, threads: Int = 1) throws -> ZoneLayer {
    guard wkb.count == ids.count else { throw GeoKitError.argument("\(name): \(wkb.count) geometries but \(ids.count) ids") }
    guard !wkb.isEmpty else { throw GeoKitError.input(name, "no zones") }
    GDAL.initialize()
    let srs = try crs.map { c in
        do { return try SpatialReference(definition: c) } catch { throw GeoKitError.crs(name, "not a CRS GDAL knows: \(c.prefix(80))") }
    }
    var warnings: [GeoWarning] = []
    var transformTarget: (SpatialReference, SpatialReference)?
    if let target {
        if let srs {
            if !srs.isSame(target) { transformTarget = (srs, target) }
        } else {
            warnings.append(GeoWarning(.crs, file: name, "\(name): zones have no CRS; assuming the raster's (\(target.shortName))"))
        }
    }
    let rules = ZoneReadRules(path: name, idField: MemoryZonesIDField, idIndex: 0, includeIndexes: [], pcodeVersionIndex: nil,
                              integerFields: [], keepWKB: keepWKB, checkDegrees: false, pointsAndLines: true)
    let n = wkb.count
    let perRange = max(1024, (n + 4 * max(1, threads) - 1) / (4 * max(1, threads)))
    let ranges = stride(from: 0, to: n, by: perRange).map { $0..<min(n, $0 + perRange) }
    // Readers are made here, on one thread (their PROJ objects are made from shared ones).
    let readers = try ranges.map { _ in
        ZoneFeatureReader(rules, transform: try transformTarget.map { try CoordinateTransform(from: $0.0, to: $0.1) }, discs: nil)
    }
    var parts = [[Zone]](repeating: [], count: ranges.count)
    try parts.withUnsafeMutableBufferPointer { out in
        let out = out
        try WorkerPool(threads: threads).run(tasks: ranges.count) { k in
            out[k] = try readRange(ranges[k], wkb: wkb, ids: ids, name: name, reader: readers[k])
        }
    }
    for r in readers.dropFirst() { readers[0].append(r) }
    warnings += readers[0].warnings
    var layer = ZoneLayer(path: name, layerName: "zones", idField: MemoryZonesIDField, includeFields: [], fieldNames: [MemoryZonesIDField],
                          crsWKT: srs?.wkt, zones: parts.flatMap { $0 }, warnings: warnings, pcodeVersion: nil)
    layer.zonesFromStream = readers[0].fromStream
    return layer
}

/// One range of in-memory zones through `reader`, a transient feature each.
private func readRange(_ range: Range<Int>, wkb: [[UInt8]], ids: [String], name: String, reader: ZoneFeatureReader) throws -> [Zone] {
    let defn = OGR_FD_Create("zones")
    OGR_FD_Reference(defn)
    defer { OGR_FD_Release(defn) }
    let field = OGR_Fld_Create(MemoryZonesIDField, OFTString)
    OGR_FD_AddFieldDefn(defn, field)
    OGR_Fld_Destroy(field)
    var zones: [Zone] = []
    zones.reserveCapacity(range.count)
    // A lone ring that is certainly a valid polygon, with nothing to change (no transform,
    // no WKB kept), is made straight from its WKB, as `read` would make it (the shortcut a
    // GeoPackage's Arrow stream takes); anything else (holes, parts, a ring that may be
    // invalid and goes to GEOS, points, lines, no geometry) becomes an OGR feature for `read`.
    let loneRings = reader.takesLoneRings
    for i in range {
        if loneRings, !wkb[i].isEmpty,
           let zone = wkb[i].withUnsafeBytes({ b in
               loneRingPoints(wkb: b).flatMap { reader.loneRingZone($0, index: i, id: ids[i], attributes: []) }
           }) {
            zones.append(zone)
            continue
        }
        guard let f = OGR_F_Create(defn) else { throw GeoKitError(.internal, "internal error: cannot create a feature") }
        defer { OGR_F_Destroy(f) }
        OGR_F_SetFieldString(f, 0, ids[i])
        if !wkb[i].isEmpty {
            var g: OGRGeometryH?
            let err = wkb[i].withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, nil, &g, Int32($0.count)) }
            guard err == OGRERR_NONE, let g else {
                throw GeoKitError.input(name, "zone \(i) (id \(ids[i])): not a WKB geometry (\(wkb[i].count) bytes)")
            }
            OGR_F_SetGeometryDirectly(f, g)
        }
        zones.append(try reader.read(f, index: i))
    }
    return zones
}

private let MemoryZonesIDField = "id"
