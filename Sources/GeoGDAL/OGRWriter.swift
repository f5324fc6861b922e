import CGeo
import Foundation
import GeoCore

extension Table {
    /// Write through an OGR driver (`GPKG`, `XLSX`...). Text columns stay text, the others
    /// are reals. `geometries` (WKB, in `crsWKT`) are attached row by row when given.
    /// Written atomically, or to `temporary` when the caller's `writeAtomically` gives one
    /// (a table written with its sidecar). Errors name `path`, never the temporary.
    public func writeOGR(to path: String, temporary: String? = nil, driver: String, layerName: String,
                         geometries: [[UInt8]?]? = nil, crsWKT: String? = nil) throws {
        GDAL.initialize()
        guard let drv = GDALGetDriverByName(driver) else { throw GeoKitError.io(path, "GDAL has no \(driver) driver") }
        guard let temporary else {
            try writeAtomically(path) { try writeOGR(to: path, temporary: $0, driver: driver, layerName: layerName,
                                                     geometries: geometries, crsWKT: crsWKT) }
            return
        }
        let tmp = temporary
        // GDAL's messages name the file it writes: the hidden temporary. Name the user's path.
        func gdalError(_ fallback: String) -> String { GDAL.lastError(fallback).replacingOccurrences(of: tmp, with: path) }
        do {
            CPLErrorReset()
            guard let ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, nil) else {
                throw GeoKitError.io(path, "cannot create: \(gdalError("unknown error"))")
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
                throw GeoKitError.io(path, "cannot create layer: \(gdalError("unknown error"))")
            }
            // A column is text when any of its cells is text.
            let isText = columns.indices.map { c in rows.contains { if case .text = $0[c] { return true }; return false } }
            for (c, name) in columns.enumerated() {
                let fd = OGR_Fld_Create(name, isText[c] ? OFTString : OFTReal)
                let err = OGR_L_CreateField(layer, fd, 1)
                OGR_Fld_Destroy(fd)
                if err != OGRERR_NONE { throw GeoKitError.io(path, "cannot create column \(name): \(gdalError("unknown error"))") }
            }
            // Drivers without transactions (XLSX) refuse to start one: then there is none to commit.
            let inTransaction = GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE
            let defn = OGR_L_GetLayerDefn(layer)
            for (i, row) in rows.enumerated() {
                let f = OGR_F_Create(defn)
                for (c, cell) in row.enumerated() {
                    switch cell {
                    case .text(let s): OGR_F_SetFieldString(f, Int32(c), s)
                    // The number rule: NaN and ±infinity are empty cells.
                    case .number(let v): if v.isFinite { OGR_F_SetFieldDouble(f, Int32(c), v) }
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
                    throw GeoKitError.io(path, "cannot write row \(i + 1): \(gdalError("unknown error"))")
                }
                OGR_F_Destroy(f)
            }
            if inTransaction && GDALDatasetCommitTransaction(ds) != OGRERR_NONE {
                throw GeoKitError.io(path, "cannot write: \(gdalError("unknown error"))")
            }
            closed = true
            CPLErrorReset()
            GDALClose(ds)
            if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
                throw GeoKitError.io(path, "cannot finish writing: \(gdalError("unknown error"))")
            }
        }
        // GDAL's XLSX writer builds the zip when it closes and says nothing when the disk
        // fills: a complete file ends with a zip's end-of-central-directory record.
        if driver == "XLSX" && !isCompleteZip(tmp) {
            throw GeoKitError.io(path, "cannot write: the spreadsheet is incomplete (disk full?)")
        }
        guard FileManager.default.fileExists(atPath: tmp) else {
            throw GeoKitError.io(path, "cannot write: GDAL wrote no file")
        }
    }

    /// Write by the extension of `path`: .csv, .gpkg (with geometries) or .xlsx.
    /// Atomically, or to `temporary` when a caller's `writeAtomically` gives one.
    public func write(to path: String, temporary: String? = nil, geometries: [[UInt8]?]? = nil, crsWKT: String? = nil,
                      layerName: String = "zonal", bom: Bool = false, guardFormulas: Bool = true) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv":
            if let temporary {
                try CSVWriter.write(to: path, temporary: temporary, bom: bom, guardFormulas: guardFormulas) { w in
                    try w.writeRow(columns)
                    if let hxl { try w.writeRow(hxl) }
                    for r in rows { try w.writeRow(r) }
                }
            } else {
                try writeCSV(to: path, bom: bom, guardFormulas: guardFormulas)
            }
        case "gpkg": try writeOGR(to: path, temporary: temporary, driver: "GPKG", layerName: layerName, geometries: geometries, crsWKT: crsWKT)
        case "xlsx": try writeOGR(to: path, temporary: temporary, driver: "XLSX", layerName: layerName)
        default: throw GeoKitError(.argument, file: path, "unknown output format; use .csv, .gpkg or .xlsx")
        }
    }
}

/// Whether `path` ends with a zip's end-of-central-directory record (`PK\u{5}\u{6}` within
/// its last 64 KiB + 22 bytes, the most a zip comment allows) whose central directory lies
/// inside the file.
package func isCompleteZip(_ path: String) -> Bool {
    guard let f = fopen(path, "rb") else { return false }
    defer { fclose(f) }
    guard fseeko(f, 0, SEEK_END) == 0 else { return false }
    let size = Int(ftello(f))
    guard size >= 22 else { return false }
    let n = min(size, 22 + 65535)
    guard fseeko(f, off_t(size - n), SEEK_SET) == 0 else { return false }
    var tail = [UInt8](repeating: 0, count: n)
    guard fread(&tail, 1, n, f) == n else { return false }
    var i = n - 22
    while i >= 0 {
        if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 5 && tail[i + 3] == 6 {
            func u32(_ k: Int) -> Int { Int(tail[k]) | Int(tail[k + 1]) << 8 | Int(tail[k + 2]) << 16 | Int(tail[k + 3]) << 24 }
            let cdSize = u32(i + 12), cdOffset = u32(i + 16)
            let eocd = size - n + i
            return cdOffset + cdSize <= eocd && i + 22 + (Int(tail[i + 20]) | Int(tail[i + 21]) << 8) == n
        }
        i -= 1
    }
    return false
}
