import CGeo
import Foundation
import GeoCore

extension Table {
    /// Write through an OGR driver (`GPKG`, `XLSX`...). Text columns stay text, the others
    /// are reals. `geometries` (WKB, in `crsWKT`) are attached row by row when given.
    public func writeOGR(to path: String, driver: String, layerName: String,
                         geometries: [[UInt8]?]? = nil, crsWKT: String? = nil) throws {
        GDAL.initialize()
        guard let drv = GDALGetDriverByName(driver) else { throw GeoKitError.io(path, "GDAL has no \(driver) driver") }
        try writeAtomically(path) { tmp in
            CPLErrorReset()
            guard let ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, nil) else {
                throw GeoKitError.io(path, "cannot create: \(GDAL.lastError("unknown error"))")
            }
            var closed = false
            defer { if !closed { GDALClose(ds) } }
            var srs: OGRSpatialReferenceH?
            if let crsWKT, geometries != nil {
                srs = OSRNewSpatialReference(crsWKT)
                OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
            }
            defer { if let srs { OSRRelease(srs) } }
            let gtype = geometries == nil ? wkbNone : wkbMultiPolygon
            guard let layer = GDALDatasetCreateLayer(ds, layerName, srs, gtype, nil) else {
                throw GeoKitError.io(path, "cannot create layer: \(GDAL.lastError("unknown error"))")
            }
            // A column is text when any of its cells is text.
            let isText = columns.indices.map { c in rows.contains { if case .text = $0[c] { return true }; return false } }
            for (c, name) in columns.enumerated() {
                let fd = OGR_Fld_Create(name, isText[c] ? OFTString : OFTReal)
                OGR_L_CreateField(layer, fd, 1)
                OGR_Fld_Destroy(fd)
            }
            _ = GDALDatasetStartTransaction(ds, 0)
            let defn = OGR_L_GetLayerDefn(layer)
            for (i, row) in rows.enumerated() {
                let f = OGR_F_Create(defn)
                for (c, cell) in row.enumerated() {
                    switch cell {
                    case .text(let s): OGR_F_SetFieldString(f, Int32(c), s)
                    case .number(let v): if !v.isNaN { OGR_F_SetFieldDouble(f, Int32(c), v) }
                    case .empty: OGR_F_SetFieldNull(f, Int32(c))
                    }
                }
                if let geoms = geometries, i < geoms.count, var wkb = geoms[i] {
                    var g: OGRGeometryH?
                    wkb.withUnsafeMutableBufferPointer { _ = OGR_G_CreateFromWkb($0.baseAddress, srs, &g, Int32($0.count)) }
                    if let g {
                        let mp = OGR_G_ForceToMultiPolygon(g)
                        OGR_F_SetGeometryDirectly(f, mp)
                    }
                }
                if OGR_L_CreateFeature(layer, f) != OGRERR_NONE {
                    OGR_F_Destroy(f)
                    throw GeoKitError.io(path, "cannot write row \(i + 1): \(GDAL.lastError("unknown error"))")
                }
                OGR_F_Destroy(f)
            }
            _ = GDALDatasetCommitTransaction(ds)
            closed = true
            CPLErrorReset()
            GDALClose(ds)
            if CPLGetLastErrorType() == CE_Failure {
                throw GeoKitError.io(path, "cannot finish writing: \(GDAL.lastError("unknown error"))")
            }
        }
    }

    /// Write by the extension of `path`: .csv, .gpkg (with geometries) or .xlsx.
    public func write(to path: String, geometries: [[UInt8]?]? = nil, crsWKT: String? = nil,
                      layerName: String = "zonal", bom: Bool = false, guardFormulas: Bool = true) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": try writeCSV(to: path, bom: bom, guardFormulas: guardFormulas)
        case "gpkg": try writeOGR(to: path, driver: "GPKG", layerName: layerName, geometries: geometries, crsWKT: crsWKT)
        case "xlsx": try writeOGR(to: path, driver: "XLSX", layerName: layerName)
        default: throw GeoKitError(.argument, file: path, "unknown output format; use .csv, .gpkg or .xlsx")
        }
    }
}
