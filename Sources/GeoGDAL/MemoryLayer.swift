import CGeo
import Foundation
import GeoCore

extension VectorDataset {
    /// Zones a caller holds in memory as one layer of OGR's Memory driver (no file): a
    /// string field `id` and each zone's WKB geometry, in `crs` (nil: none, the raster's is
    /// assumed). `readZones` then reads it as it reads a file's layer, `name` standing for
    /// the path. An empty WKB is a zone without geometry (an empty row).
    public convenience init(inMemory name: String, wkb: [[UInt8]], ids: [String], crs: String?) throws {
        guard wkb.count == ids.count else {
            throw GeoKitError.argument("\(name): \(wkb.count) geometries but \(ids.count) ids")
        }
        GDAL.initialize()
        guard let driver = GDALGetDriverByName("Memory"),
              let ds = GDALCreate(driver, name, 0, 0, 0, GDT_Unknown, nil) else {
            throw GeoKitError(.internal, "internal error: GDAL's Memory driver is missing")
        }
        self.init(handle: ds, path: name)
        let srs = try crs.map { c in
            do { return try SpatialReference(definition: c) } catch { throw GeoKitError.crs(name, "not a CRS GDAL knows: \(c.prefix(80))") }
        }
        guard let layer = GDALDatasetCreateLayer(ds, "zones", srs?.handle, wkbUnknown, nil) else {
            throw GeoKitError(.internal, "internal error: cannot create an in-memory layer")
        }
        let field = OGR_Fld_Create(MemoryZones_idField, OFTString)
        OGR_L_CreateField(layer, field, 1)
        OGR_Fld_Destroy(field)
        let defn = OGR_L_GetLayerDefn(layer)
        for (i, bytes) in wkb.enumerated() {
            guard let f = OGR_F_Create(defn) else { throw GeoKitError(.internal, "internal error: cannot create a feature") }
            defer { OGR_F_Destroy(f) }
            OGR_F_SetFieldString(f, 0, ids[i])
            if !bytes.isEmpty {
                var g: OGRGeometryH?
                let err = bytes.withUnsafeBytes { OGR_G_CreateFromWkb($0.baseAddress, nil, &g, Int32($0.count)) }
                guard err == OGRERR_NONE, let g else {
                    throw GeoKitError.input(name, "zone \(i) (id \(ids[i])): not a WKB geometry (\(bytes.count) bytes)")
                }
                OGR_F_SetGeometryDirectly(f, g)
            }
            guard OGR_L_CreateFeature(layer, f) == OGRERR_NONE else {
                throw GeoKitError(.internal, "internal error: cannot add zone \(i) to the in-memory layer")
            }
        }
    }
}

/// The id field's name (GeoKit's `MemoryZones.idField` says the same).
private let MemoryZones_idField = "id"
