import CGeo
import Foundation
import GeoCore

/// The vector formats geotool writes, by extension.
public enum OGRFormat {
    /// Formats that carry geometry.
    public static let spatial = ["gpkg", "geojson", "fgb", "shp"]
    /// The GDAL driver for an output extension (nil: CSV or unknown).
    public static func driver(forExtension ext: String) -> String? {
        switch ext.lowercased() {
        case "gpkg": return "GPKG"
        case "geojson": return "GeoJSON"
        case "fgb": return "FlatGeobuf"
        case "shp": return "ESRI Shapefile"
        case "xlsx": return "XLSX"
        default: return nil
        }
    }
    /// The companion files of a shapefile, written and renamed with the `.shp`.
    public static let shapefileParts = ["shx", "dbf", "prj", "cpg"]

    /// The names `shapefileFieldNames` changes, each with its shapefile name, in order.
    public static func shapefileRenames(_ names: [String]) -> [(from: String, to: String)] {
        zip(names, shapefileFieldNames(names)).filter { $0 != $1 }.map { (from: $0, to: $1) }
    }

    /// Field names a shapefile (dBase, 10 characters) can hold, unique case-insensitively:
    /// a longer name is cut to 10 characters, or, when that is taken, to fewer followed
    /// by `_1`, `_2`... (`rain_mean_2001_01` -> `rain_mean_`, then `rain_mea_1`).
    public static func shapefileFieldNames(_ names: [String]) -> [String] {
        var taken = Set(names.filter { $0.utf8.count <= 10 }.map { $0.lowercased() })
        return names.map { name in
            guard name.utf8.count > 10 else { return name }
            func cut(_ s: String, _ bytes: Int) -> String {
                var out = ""
                for ch in s where out.utf8.count + String(ch).utf8.count <= bytes { out.append(ch) }
                return out
            }
            var candidate = cut(name, 10)
            var k = 1
            while taken.contains(candidate.lowercased()) {
                let suffix = "_\(k)"
                candidate = cut(name, 10 - suffix.utf8.count) + suffix
                k += 1
            }
            taken.insert(candidate.lowercased())
            return candidate
        }
    }
}

/// The geometry type of a layer written with geometries.
public enum OGRGeometryKind: Sendable { case multiPolygon, point }

/// WKB of a 2D point (little-endian).
public func pointWKB(x: Double, y: Double) -> [UInt8] {
    var b: [UInt8] = [1, 1, 0, 0, 0]
    withUnsafeBytes(of: x.bitPattern.littleEndian) { b += $0 }
    withUnsafeBytes(of: y.bitPattern.littleEndian) { b += $0 }
    return b
}

extension Table {
    /// A layer of a multi-layer output: its name and the table rows it holds, in order.
    public struct OGRLayerPart: Sendable {
        public var name: String
        public var rows: [Int]
        /// The table's columns this layer holds, each with its field name in the layer (nil:
        /// every column, as the table names it). A roll-up level's layer names its code column
        /// for the level.
        public var fields: [Field]?
        public struct Field: Sendable, Equatable {
            public var column: Int
            public var name: String
            public init(column: Int, name: String) { self.column = column; self.name = name }
        }
        public init(name: String, rows: [Int], fields: [Field]? = nil) { self.name = name; self.rows = rows; self.fields = fields }
    }

    /// Write through an OGR driver (`GPKG`, `GeoJSON`...; `XLSX` goes to our own writer,
    /// `writeXLSX`). Text columns stay text, the others
    /// are reals. `geometries` (WKB, in `crsWKT`, one per row) are attached row by row when
    /// given. `layers` splits the rows among named layers (default: one layer `layerName`
    /// with every row).
    /// Written atomically, or to `temporary` when the caller's `writeAtomically` gives one
    /// (a table written with its sidecar). Errors name `path`, never the temporary.
    public func writeOGR(to path: String, temporary: String? = nil, driver: String, layerName: String,
                         geometries: [[UInt8]?]? = nil, crsWKT: String? = nil, layers: [OGRLayerPart]? = nil,
                         geometryKind: OGRGeometryKind = .multiPolygon) throws {
        if driver == "XLSX" { return try writeXLSX(to: path, temporary: temporary, layerName: layerName, layers: layers) }
        GDAL.initialize()
        guard let drv = GDALGetDriverByName(driver) else { throw GeoKitError.io(path, "GDAL has no \(driver) driver") }
        guard let temporary else {
            try writeAtomically(path) { try writeOGR(to: path, temporary: $0, driver: driver, layerName: layerName,
                                                     geometries: geometries, crsWKT: crsWKT, layers: layers, geometryKind: geometryKind) }
            return
        }
        if hxl != nil {
            throw GeoKitError(.argument, file: path, "the HXL row goes in CSV and XLSX tables; a \(driver == "GPKG" ? "GeoPackage" : driver) has none (leave out \(Setting.hxl))")
        }
        let shapefile = driver == "ESRI Shapefile"
        let fieldNames = shapefile ? OGRFormat.shapefileFieldNames(columns) : columns
        if shapefile && (layers?.count ?? 1) > 1 {
            throw GeoKitError(.argument, file: path, "a shapefile holds one layer")
        }
        let tmp = temporary
        // GDAL's messages name the file it writes: the hidden temporary. Name the user's path.
        func gdalError(_ fallback: String) -> String { GDAL.lastError(fallback).replacingOccurrences(of: tmp, with: path) }
        let parts = layers ?? [OGRLayerPart(name: layerName, rows: Array(rows.indices))]
        // A column is text when any of its cells is text (over every layer: one type per name).
        let isText = columns.indices.map { c in rows.contains { if case .text = $0[c] { return true }; return false } }
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
            let zoneKind = ZoneLayerKind(geometryKind == .point ? [] : geometries ?? [])
            if shapefile && zoneKind.isMixed {
                throw GeoKitError(.argument, file: path, "a shapefile holds one geometry type, and these zones mix polygons, points and lines; write .gpkg, .geojson or .fgb")
            }
            let gtype = geometries == nil ? wkbNone : geometryKind == .point ? wkbPoint : zoneKind.type
            // Shapefiles: UTF-8 text, said in the .cpg.
            var options: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            if shapefile { options = CSLSetNameValue(options, "ENCODING", "UTF-8") }
            defer { CSLDestroy(options) }
            for part in parts {
                guard let layer = GDALDatasetCreateLayer(ds, part.name, srs, gtype, options) else {
                    throw GeoKitError.io(path, "cannot create layer \(part.name): \(gdalError("unknown error"))")
                }
                let fields = part.fields ?? fieldNames.enumerated().map { OGRLayerPart.Field(column: $0, name: $1) }
                try createFields(fields, on: layer, isText: isText, path: path, error: gdalError)
                // Drivers without transactions refuse to start one: then there is none to commit.
                let inTransaction = GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE
                try writeFeatures(part.rows, to: layer, fields: fields, geometries: geometries, srs: srs,
                                  conform: { geometryKind == .point ? $0 : zoneKind.conform($0) }, path: path, error: gdalError)
                if inTransaction && GDALDatasetCommitTransaction(ds) != OGRERR_NONE {
                    throw GeoKitError.io(path, "cannot write: \(gdalError("unknown error"))")
                }
            }
            closed = true
            CPLErrorReset()
            GDALClose(ds)
            if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
                throw GeoKitError.io(path, "cannot finish writing: \(gdalError("unknown error"))")
            }
        }
        guard FileManager.default.fileExists(atPath: tmp) else {
            throw GeoKitError.io(path, "cannot write: GDAL wrote no file")
        }
        // A shapefile's companions take their final names now; the .shp is renamed last by
        // the caller's writeAtomically.
        if shapefile && tmp != path { try renameShapefileCompanions(of: tmp, to: path) }
    }

    /// The columns `fields` on `layer`: text where `isText` says, else reals.
    private func createFields(_ fields: [OGRLayerPart.Field], on layer: OGRLayerH, isText: [Bool], path: String,
                              error: (String) -> String) throws {
        for field in fields {
            let (c, name) = (field.column, field.name)
            let fd = OGR_Fld_Create(name, isText[c] ? OFTString : OFTReal)
            let err = OGR_L_CreateField(layer, fd, 1)
            OGR_Fld_Destroy(fd)
            if err != OGRERR_NONE { throw GeoKitError.io(path, "cannot create column \(name): \(error("unknown error"))") }
        }
    }

    /// Rows `indices` as features of `layer`: their `fields`, and their geometries (WKB in
    /// `srs`, made the layer's type by `conform`). Errors name `path`; `error(fallback)`:
    /// GDAL's last error.
    private func writeFeatures(_ indices: [Int], to layer: OGRLayerH, fields: [OGRLayerPart.Field], geometries: [[UInt8]?]?,
                               srs: OGRSpatialReferenceH?, conform: (OGRGeometryH) -> OGRGeometryH?, path: String,
                               error: (String) -> String) throws {
        let defn = OGR_L_GetLayerDefn(layer)
        for i in indices {
            let row = rows[i]
            let f = OGR_F_Create(defn)
            for (k, field) in fields.enumerated() {
                switch row[field.column] {
                case .text(let s): OGR_F_SetFieldString(f, Int32(k), s)
                // The number rule: NaN and ±infinity are empty cells.
                case .number(let v): if v.isFinite { OGR_F_SetFieldDouble(f, Int32(k), v) }
                case .empty: OGR_F_SetFieldNull(f, Int32(k))
                }
            }
            if let geoms = geometries, i < geoms.count, var wkb = geoms[i] {
                var g: OGRGeometryH?
                wkb.withUnsafeMutableBufferPointer { _ = OGR_G_CreateFromWkb($0.baseAddress, srs, &g, Int32($0.count)) }
                if let g { OGR_F_SetGeometryDirectly(f, conform(g)) }
            }
            if OGR_L_CreateFeature(layer, f) != OGRERR_NONE {
                OGR_F_Destroy(f)
                throw GeoKitError.io(path, "cannot write row \(i + 1): \(error("unknown error"))")
            }
            OGR_F_Destroy(f)
        }
    }

    /// Write by the extension of `path`: .csv, .gpkg (with geometries) or .xlsx.
    /// Atomically, or to `temporary` when a caller's `writeAtomically` gives one.
    public func write(to path: String, temporary: String? = nil, geometries: [[UInt8]?]? = nil, crsWKT: String? = nil,
                      layerName: String = "zonal", layers: [OGRLayerPart]? = nil, bom: Bool = false, guardFormulas: Bool = true,
                      geometryKind: OGRGeometryKind = .multiPolygon) throws {
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
        case "gpkg", "geojson", "fgb", "shp":
            let ext = (path as NSString).pathExtension.lowercased()
            try writeOGR(to: path, temporary: temporary, driver: OGRFormat.driver(forExtension: ext)!, layerName: layerName,
                         geometries: geometries, crsWKT: crsWKT, layers: ext == "gpkg" ? layers : nil, geometryKind: geometryKind)
        case "xlsx": try writeXLSX(to: path, temporary: temporary, layerName: layerName, layers: layers)
        default: throw GeoKitError(.argument, file: path, "unknown output format; use .csv, .gpkg, .geojson, .fgb, .shp or .xlsx")
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

/// A shapefile's companions (.dbf, .shx, .prj, .cpg) written beside temporary `tmp` renamed
/// beside `path`.
private func renameShapefileCompanions(of tmp: String, to path: String) throws {
    let tmpStem = (tmp as NSString).deletingPathExtension, stem = (path as NSString).deletingPathExtension
    for e in OGRFormat.shapefileParts where FileManager.default.fileExists(atPath: tmpStem + "." + e) {
        if rename(tmpStem + "." + e, stem + "." + e) != 0 {
            throw GeoKitError.io(stem + "." + e, "cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
