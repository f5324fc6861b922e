import CGeo
import Foundation
import GeoCore

/// An OGR vector dataset opened read-only.
public final class VectorDataset {
    package let handle: GDALDatasetH
    public let path: String

    public init(path: String) throws {
        GDAL.initialize()
        CPLErrorReset()
        let flags = UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        // Unclosed rings are closed and reported once per feature by `readZones`.
        CPLPushErrorHandler(withoutUnclosedRingWarnings)
        let opened = GDALOpenEx(path, flags, nil, nil, nil)
        CPLPopErrorHandler()
        guard let h = opened else {
            if !FileManager.default.fileExists(atPath: path) { throw GeoKitError.input(path, "no such file") }
            throw GeoKitError.input(path, "not a vector layer GDAL can read (\(GDAL.lastError("unrecognised format")))")
        }
        handle = h
        self.path = path
    }
    deinit { GDALClose(handle) }

    /// Zones must come from one layer: a source of several (a folder of shapefiles, a
    /// GeoPackage of many tables) without `--layer` is an error naming them, not a silent
    /// pick of the first.
    public func requireOneLayer(unless layer: String?) throws {
        guard layer == nil else { return }
        let names = layerNames
        if names.count > 1 {
            throw GeoKitError.input(path, "holds \(names.count) layers (\(names.prefix(20).joined(separator: ", "))\(names.count > 20 ? ", ..." : "")); choose one with \(Setting.layer)")
        }
    }

    public var layerNames: [String] {
        (0..<Int(GDALDatasetGetLayerCount(handle))).map {
            String(cString: OGR_L_GetName(GDALDatasetGetLayer(handle, Int32($0))))
        }
    }

    package func layer(named name: String?) throws -> OGRLayerH {
        if let name {
            guard let l = GDALDatasetGetLayerByName(handle, name) else {
                throw GeoKitError.input(path, "no layer '\(name)'\(didYouMean(name, layerNames)) (layers: \(layerNames.joined(separator: ", ")))")
            }
            return l
        }
        guard GDALDatasetGetLayerCount(handle) > 0, let l = GDALDatasetGetLayer(handle, 0) else {
            throw GeoKitError.input(path, "no layers")
        }
        return l
    }

    /// Set an OGR attribute filter (`--where`, SQL WHERE syntax) on a layer: later reads of
    /// it see only the matching features. A bad expression is one error naming the file,
    /// and a field the layer does not have is named, on every driver: drivers that hand the
    /// filter to a database (GeoPackage) only fail when a feature is read, so one is.
    package func setFilter(_ l: OGRLayerH, _ filter: String?, option: Setting = .where) throws {
        guard let filter else { return }
        CPLErrorReset()
        CPLPushErrorHandler(CPLQuietErrorHandler)
        var failed = OGR_L_SetAttributeFilter(l, filter) != OGRERR_NONE
        if !failed {
            if let f = OGR_L_GetNextFeature(l) { OGR_F_Destroy(f) } else { failed = CPLGetLastErrorType().rawValue >= CE_Failure.rawValue }
            OGR_L_ResetReading(l)
        }
        CPLPopErrorHandler()
        if failed {
            let problem = GDAL.lastError("not a valid attribute filter")
            CPLErrorReset()
            OGR_L_SetAttributeFilter(l, nil)
            throw filterError(l, filter, option: option) ?? GeoKitError(.argument, file: path, "\(option, filter, quoted: true): \(problem)",
                                                                        hint: "write it as an SQL condition on the layer's fields, e.g. ST_PCODE = 'MMR013' (fields: \(layerFields(l).prefix(20).joined(separator: ", ")))")
        }
    }

    /// The error for a filter that names a field `l` does not have (nil when every name is
    /// a field): the first unknown name, with the closest field.
    package func filterError(_ l: OGRLayerH, _ filter: String, option: Setting = .where) -> GeoKitError? {
        let fields = layerFields(l)
        let own = [OGR_L_GetFIDColumn(l), OGR_L_GetGeometryColumn(l)].compactMap { $0.map { String(cString: $0) } }
        guard let name = WhereFields.unknown(in: filter, fields: fields + own).first else { return nil }
        let layerName = String(cString: OGR_L_GetName(l))
        return GeoKitError(.argument, file: path, "\(option, filter, quoted: true): no field '\(name)' in layer '\(layerName)'\(didYouMean(name, fields))",
                           hint: "fields: \(fields.prefix(20).joined(separator: ", "))\(fields.count > 20 ? ", ..." : "")")
    }

    private func layerFields(_ l: OGRLayerH) -> [String] {
        let defn = OGR_L_GetLayerDefn(l)
        return (0..<Int(OGR_FD_GetFieldCount(defn))).map { String(cString: OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, Int32($0)))) }
    }

    public func fieldNames(layer name: String? = nil) throws -> [String] {
        let l = try layer(named: name)
        let defn = OGR_L_GetLayerDefn(l)
        return (0..<Int(OGR_FD_GetFieldCount(defn))).map {
            String(cString: OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, Int32($0))))
        }
    }

    /// Read every feature: id and include fields as text, geometry transformed into `target`
    /// (when both CRSs are known and differ), repaired with GEOS make-valid when invalid.
    /// With `pointsAndLines`, point and line features become point and line zones (with
    /// `buffer` metres, points become geodesic discs); without, they are refused.
    public func readZones(layer name: String? = nil, idField: String, includeFields: [String] = [],
                          target: SpatialReference? = nil, keepWKB: Bool = false, filter: String? = nil,
                          pointsAndLines: Bool = false, buffer: Double? = nil, threads: Int = 1,
                          minFeaturesPerRange: Int = 4096) throws -> ZoneLayer {
        let l = try layer(named: name)
        let layerName = String(cString: OGR_L_GetName(l))
        try setFilter(l, filter)
        if OGR_L_GetFeatureCount(l, 1) == 0 {
            // SQLite reads a quoted unknown name ("ST_PCOD") as a string: no error, no match.
            if let filter { throw filterError(l, filter) ?? GeoKitError.input(path, "no feature of layer '\(layerName)' matches \(Setting.where, filter, quoted: true)") }
            throw GeoKitError.input(path, "layer '\(layerName)' has no features")
        }
        let names = try fieldNames(layer: name)
        func fieldIndex(_ f: String) throws -> Int32 {
            if let i = names.firstIndex(of: f) { return Int32(i) }
            if let i = names.firstIndex(where: { $0.lowercased() == f.lowercased() }) { return Int32(i) }
            throw GeoKitError.input(path, "no field '\(f)' in layer '\(layerName)'\(didYouMean(f, names)) (fields: \(names.joined(separator: ", ")))")
        }
        let idIndex = try fieldIndex(idField)
        let incIndex = try includeFields.map(fieldIndex)
        let pcodeV = names.firstIndex(where: { $0.lowercased() == "pcode_v" }).map(Int32.init)

        CPLPushErrorHandler(withoutUnclosedRingWarnings)
        defer { CPLPopErrorHandler() }
        let layerSRS = try layerCRS(l)
        var warnings: [GeoWarning] = []
        let (transformTarget, checkDegrees) = target.map { crsPlan(l, layerSRS: layerSRS, target: $0, warnings: &warnings) } ?? (nil, false)
        let defn = OGR_L_GetLayerDefn(l)
        let integerFields = Set(([idIndex] + incIndex + [pcodeV].compactMap { $0 }).filter {
            let t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, $0))
            return t == OFTInteger || t == OFTInteger64
        })
        let needed = Set([idIndex] + incIndex + [pcodeV].compactMap { $0 })
        let ignored = names.indices.filter { !needed.contains(Int32($0)) }.map { names[$0] } + ["OGR_STYLE"]
        let rules = ZoneReadRules(path: path, idField: idField, idIndex: idIndex, includeIndexes: incIndex,
                                  pcodeVersionIndex: pcodeV, integerFields: integerFields, keepWKB: keepWKB,
                                  checkDegrees: checkDegrees, pointsAndLines: pointsAndLines, ignoredFields: ignored)
        ignoreFields(ignored, on: l)
        defer { OGR_L_SetIgnoredFields(l, nil) }
        // A reader's transform and disc maker are its own (PROJ objects are not shared across threads).
        let newReader = { () throws -> ZoneFeatureReader in
            ZoneFeatureReader(rules, transform: try transformTarget.map { try CoordinateTransform(from: $0.0, to: $0.1) },
                              discs: try buffer.map { try DiscMaker(radius: $0, layer: layerSRS, target: target, path: self.path) })
        }
        let total = Int(OGR_L_GetFeatureCount(l, 1))
        PhaseTiming.mark("zones: layer opened")
        let read = try readInParallel(l, layerName: layerName, total: total, filter: filter, threads: threads,
                                      minPerRange: minFeaturesPerRange, newReader: newReader)
            ?? readSerially(l, expected: total, newReader: newReader)
        var zones = read.zones
        warnings += read.reader.warnings
        let notUTF8 = read.reader.notUTF8, features = read.reader.features, pointsOrLines = read.reader.pointsOrLines
        let pcodeVersion = read.reader.pcodeVersion
        if zones.isEmpty { throw GeoKitError.input(path, "layer '\(layerName)' has no features") }
        if !pointsAndLines && features > 0 && pointsOrLines == features {
            throw GeoKitError.input(path, "zones must be polygons; point and line zones are not supported yet (layer '\(layerName)' has \(features) point or line feature(s) and no polygon)")
        }
        if !notUTF8.isEmpty { warnings.append(notUTF8Warning(notUTF8, names: names, layerName: layerName)) }
        if driverName == "TopoJSON" {
            zones = restoreNullTopoJSONFeatures(zones, layer: layerName, idField: names[Int(idIndex)],
                                                includeFields: incIndex.map { names[Int($0)] }, warnings: &warnings)
        }
        var layer = ZoneLayer(path: path, layerName: layerName, idField: names[Int(idIndex)], includeFields: incIndex.map { names[Int($0)] },
                              fieldNames: names, crsWKT: layerSRS?.wkt, zones: zones, warnings: warnings,
                              pcodeVersion: pcodeVersion)
        layer.zonesFromStream = read.reader.fromStream
        return layer
    }

    /// The layer's CRS. GeoJSON and TopoJSON are WGS84 longitude/latitude by definition (RFC
    /// 7946; TopoJSON follows GeoJSON): a file without a CRS member has that CRS, not none.
    private func layerCRS(_ l: OGRLayerH) throws -> SpatialReference? {
        if let s = OGR_L_GetSpatialRef(l) { return SpatialReference(borrowing: s) }
        if ["GeoJSON", "TopoJSON", "GeoJSONSeq"].contains(driverName) { return try SpatialReference(definition: "EPSG:4326") }
        return nil
    }

    /// How the features reach `target`: the CRS pair to transform between (nil: none), and
    /// whether each feature is checked for degrees. Features whose coordinates cannot be
    /// degrees in a geographic layer (a typo such as 962.0 for 96.2) get an empty row,
    /// unless most of the layer is so (a wrong .prj): then the layer is taken as in `target`.
    private func crsPlan(_ l: OGRLayerH, layerSRS: SpatialReference?, target: SpatialReference,
                         warnings: inout [GeoWarning]) -> ((SpatialReference, SpatialReference)?, Bool) {
        guard let src = layerSRS else {
            warnings.append(GeoWarning(.crs, file: path, "\(path): layer has no CRS; assuming the raster's (\(target.shortName))"))
            return (nil, false)
        }
        var env = OGREnvelope()
        var checkDegrees = false
        if src.isGeographic && OGR_L_GetExtent(l, &env, 1) == OGRERR_NONE && !fitsDegrees(env) {
            let (bad, total) = featuresOutOfDegrees(l)
            if bad * 2 > total {
                // A wrong .prj is common: degrees cannot exceed these ranges.
                warnings.append(GeoWarning(.crs, file: path, "\(path): layer CRS \(src.shortName) is geographic but its coordinates are not degrees (extent \(env.MinX), \(env.MinY) - \(env.MaxX), \(env.MaxY)); taking them as the raster's CRS (\(target.shortName))"))
                return (nil, false)
            }
            checkDegrees = true
        }
        // Made by each reader (PROJ objects are not shared across threads); the first one
        // made reports a CRS pair PROJ cannot transform.
        return (src.isSame(target) ? nil : (src, target), checkDegrees)
    }

    /// Fields with text that is not UTF-8 (`notUTF8`: values by field index), read as Latin-1.
    private func notUTF8Warning(_ notUTF8: [Int32: Int], names: [String], layerName: String) -> GeoWarning {
        let fields = notUTF8.keys.sorted().map { "'\(names[Int($0)])' (\(notUTF8[$0]!) value(s))" }
        return GeoWarning(.input, file: path, "\(path): layer '\(layerName)': text that is not UTF-8 in field(s) \(fields.joined(separator: ", ")); read as Windows-1252 (Latin-1). For a shapefile, a .cpg file naming its encoding (or SHAPE_ENCODING) lets GDAL decode it exactly")
    }
}

extension VectorDataset {
    /// The text of `fields` (matched as `readZones` matches them: exactly, else ignoring
    /// case) of every feature of the layer, with no attribute filter and no geometry read:
    /// what a roll-up over filtered zones compares with. Integers as integers, text that is
    /// not UTF-8 as Windows-1252, null as "".
    package func fieldValues(layer name: String?, fields: [String]) throws -> [[String]] {
        let l = try layer(named: name)
        let layerName = String(cString: OGR_L_GetName(l))
        let names = try fieldNames(layer: name)
        let indexes = try fields.map { f -> Int32 in
            if let i = names.firstIndex(of: f) ?? names.firstIndex(where: { $0.lowercased() == f.lowercased() }) { return Int32(i) }
            throw GeoKitError.input(path, "no field '\(f)' in layer '\(layerName)' (fields: \(names.joined(separator: ", ")))")
        }
        let defn = OGR_L_GetLayerDefn(l)
        let isInteger = indexes.map { i -> Bool in
            let t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i))
            return t == OFTInteger || t == OFTInteger64
        }
        OGR_L_SetAttributeFilter(l, nil)
        ignoreFields(names.indices.filter { !indexes.contains(Int32($0)) }.map { names[$0] } + ["OGR_GEOMETRY", "OGR_STYLE"], on: l)
        defer { OGR_L_SetIgnoredFields(l, nil) }
        CPLPushErrorHandler(withoutUnclosedRingWarnings)
        defer { CPLPopErrorHandler() }
        OGR_L_ResetReading(l)
        var rows: [[String]] = []
        while let f = OGR_L_GetNextFeature(l) {
            rows.append(indexes.enumerated().map { k, i -> String in
                guard OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return "" }
                if isInteger[k] { return String(OGR_F_GetFieldAsInteger64(f, i)) }
                guard let p = OGR_F_GetFieldAsString(f, i) else { return "" }
                return String(validatingCString: p) ?? decodeLegacyText(UnsafeRawBufferPointer(start: p, count: strlen(p)))
            })
            OGR_F_Destroy(f)
        }
        return rows
    }

    package var driverName: String { GDALGetDriverShortName(GDALGetDatasetDriver(handle)).map { String(cString: $0) } ?? "" }

    /// GDAL's TopoJSON reader drops objects whose geometry type is null (MIMU's Cocokyun).
    /// Put them back as empty rows so the output keeps one row per input feature.
    package func restoreNullTopoJSONFeatures(_ zones: [Zone], layer: String, idField: String, includeFields: [String],
                                     warnings: inout [GeoWarning]) -> [Zone] {
        guard let data = FileManager.default.contents(atPath: path),
              case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data),
              case .object(let objects)? = root["objects"], case .object(let obj)? = objects[layer],
              case .array(let geomValues)? = obj["geometries"] else { return zones }
        let geoms: [[String: JSONValue]] = geomValues.map { if case .object(let g) = $0 { return g }; return [:] }
        let isNull = geoms.map { $0["type"] == nil || $0["type"] == .null }
        guard isNull.contains(true), isNull.filter({ !$0 }).count == zones.count else { return zones }
        func text(_ v: JSONValue?) -> String {
            switch v {
            case .string(let s)?: return s
            case .number(let n)?: return formatNumber(n)
            default: return ""
            }
        }
        var out: [Zone] = []
        var next = 0
        for (i, null) in isNull.enumerated() {
            if null {
                let props: [String: JSONValue] = { if case .object(let p)? = geoms[i]["properties"] { return p }; return [:] }()
                let id = text(props[idField])
                warnings.append(GeoWarning(.geometry, file: path, "feature \(i) (\(idField)=\(id)): null geometry (GDAL's TopoJSON reader skips it); its row is empty",
                                           topic: .noGeometry, subject: id.isEmpty ? "feature \(i)" : id))
                out.append(Zone(index: i, id: id, attributes: includeFields.map { text(props[$0]) }, geometry: MultiPolygon([])))
            } else {
                var z = zones[next]; z.index = i; out.append(z); next += 1
            }
        }
        return out
    }
}

/// Features of a layer whose geometry's envelope cannot be degrees, and all features with a geometry.
private func featuresOutOfDegrees(_ l: OGRLayerH) -> (bad: Int, total: Int) {
    var bad = 0, total = 0
    OGR_L_ResetReading(l)
    while let f = OGR_L_GetNextFeature(l) {
        defer { OGR_F_Destroy(f) }
        guard let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0 else { continue }
        var e = OGREnvelope()
        OGR_G_GetEnvelope(g, &e)
        total += 1
        if !fitsDegrees(e) { bad += 1 }
    }
    OGR_L_ResetReading(l)
    return (bad, total)
}

/// GDAL's warnings as the thread's collector keeps them (its job's, else the shared one), less
/// "Non closed ring detected" (readZones closes such rings and says so once per feature).
/// Pushed around reads only.
let withoutUnclosedRingWarnings: CPLErrorHandler = { errClass, _, message in
    guard errClass == CE_Warning, let message else { return }
    let s = String(cString: message)
    if isUnclosedRingWarning(s) { return }
    GDALMessages.current.append(s)
}

package func wkbOf(_ g: OGRGeometryH) -> [UInt8] {
    let n = Int(OGR_G_WkbSize(g))
    var buf = [UInt8](repeating: 0, count: n)
    buf.withUnsafeMutableBufferPointer { _ = OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
    return buf
}

extension VectorDataset {
    /// A human summary for `geotool info`.
    public func describe() throws -> String {
        var s = "vector: \(path)\n"
        for name in layerNames {
            let l = try layer(named: name)
            let n = OGR_L_GetFeatureCount(l, 1)
            var env = OGREnvelope()
            let hasEnv = OGR_L_GetExtent(l, &env, 1) == OGRERR_NONE
            let wgs84ByDefinition = ["GeoJSON", "TopoJSON", "GeoJSONSeq"].contains(driverName)
            let srs = OGR_L_GetSpatialRef(l).map { SpatialReference(borrowing: $0).shortName }
                ?? (wgs84ByDefinition ? "EPSG:4326 (none given; GeoJSON and TopoJSON are WGS 84 by definition)" : "none")
            let gt = String(cString: OGRGeometryTypeToName(OGR_L_GetGeomType(l)))
            s += "layer \(name): \(n) feature(s), \(gt), crs \(srs)\n"
            if hasEnv { s += "  extent: (\(env.MinX), \(env.MinY)) - (\(env.MaxX), \(env.MaxY))\n" }
            let defn = OGR_L_GetLayerDefn(l)
            for i in 0..<OGR_FD_GetFieldCount(defn) {
                let fd = OGR_FD_GetFieldDefn(defn, i)
                s += "  field \(String(cString: OGR_Fld_GetNameRef(fd))): \(String(cString: OGR_GetFieldTypeName(OGR_Fld_GetType(fd))))\n"
            }
        }
        return s
    }
}

/// GDAL's "Non closed ring detected" warning: readZones closes such rings and says so once
/// per feature, so the handlers of the zone readers drop it.
func isUnclosedRingWarning(_ message: String) -> Bool { message.hasPrefix("Non closed ring detected") }
