import Foundation
import GeoCore
import GeoGDAL

// The metadata sidecar written beside every table: a Frictionless Data Package
// (`NAME.csv.datapackage.json` beside `NAME.csv`: one per output, so `rain.csv` and
// `rain.xlsx` do not share one) describing every column, every source, the
// method, the run, and every warning. Open-data practice: limitations travel with the data.

/// Hashes of the inputs, computed on a background thread while the engine runs.
public final class InputHashes: @unchecked Sendable {
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var hashes: [String: String] = [:]

    public init(paths: [String]) {
        for p in Set(paths) {
            DispatchQueue.global(qos: .utility).async(group: group) {
                let h = (try? SHA256.hex(fileAt: datasetFile(p))) ?? "unreadable"
                self.lock.lock(); self.hashes[p] = h; self.lock.unlock()
            }
        }
    }
    public func wait() -> [String: String] { group.wait(); lock.lock(); defer { lock.unlock() }; return hashes }
}

/// Where a table came from and how: everything the sidecar records besides the result.
public struct RunInfo: Sendable {
    public var commandLine: String
    public var started: Date
    public var seconds: Double
    public var hashes: [String: String]
    public var format: TableFormat
    public var hxl: Bool
    /// The part runs a merged table comes from (`geotool merge`), else empty.
    public var parts: [DataPackage.Part] = []
    public init(commandLine: String, started: Date, seconds: Double, hashes: [String: String], format: TableFormat, hxl: Bool) {
        self.commandLine = commandLine; self.started = started; self.seconds = seconds; self.hashes = hashes
        self.format = format; self.hxl = hxl
    }
}

extension ZonalResult {
    /// The sidecar's path for a table: `out.csv` -> `out.csv.datapackage.json` (the whole
    /// name: `out.csv`, `out.xlsx` and `out.gpkg` each have their own).
    public static func sidecarPath(for output: String) -> String {
        output + ".datapackage.json"
    }

    /// Frictionless Data Package describing `table` written at `output`.
    public func dataPackage(output: String, run: RunInfo) -> DataPackage {
        let layout = self.layout(run.format, hxl: run.hxl)
        let file = (output as NSString).lastPathComponent
        let stem = (file as NSString).deletingPathExtension
        let ext = (file as NSString).pathExtension.lowercased()
        let iso = ISO8601DateFormatter()
        var pkg = DataPackage(name: safeName(stem),
                              title: "Zonal statistics: \(bands.map(\.rasterName).uniqued().joined(separator: ", ")) by \(zones.idField)",
                              created: iso.string(from: run.started),
                              resources: [tableResource(layout: layout, file: file, ext: ext, run: run)],
                              sources: [], geotool: runEntry(run, iso: iso))
        let rasters = rasterEntries(run)
        pkg.sources = [DataPackage.Source(title: "zones", path: zones.path)] + rasters.map { DataPackage.Source(title: $0.name, path: $0.path) }
        pkg.zones = zonesEntry(run)
        pkg.rasters = rasters
        pkg.method = methodEntry
        pkg.warnings = warnings.map(\.message)
        pkg.limitations = limitations
        // Only when there is something to say (a Zawgyi value, or conversion asked for).
        pkg.myanmarText = myanmarText.flatMap { MyanmarTextCheck.sidecarEntry([$0]) }
        return pkg
    }

    /// The table's resource: every column with its type, meaning, unit and HXL tag.
    private func tableResource(layout: (columns: [String], hxl: [String]?, isText: [Bool]), file: String, ext: String, run: RunInfo) -> DataPackage.Resource {
        let cols = indicatorColumns
        // A shapefile's field names are cut to 10 characters: the sidecar names them as
        // written and gives each shortened one's full name in its description.
        let written = ext == "shp" ? OGRFormat.shapefileFieldNames(layout.columns) : layout.columns
        let firstFormula = layout.columns.count - formulas.count
        let fields = layout.columns.enumerated().map { i, name in
            var f = DataPackage.Field(name: written[i], type: layout.isText[i] ? "string" : "number")
            if run.format == .wide, i >= firstFormula { f.formula = formulas[i - firstFormula].formula.text }
            if let d = describe(column: name, format: run.format, indicators: cols) {
                f.description = d.description
                f.unit = d.unit
            }
            if written[i] != name {
                let note = "\(name) (shortened to \(written[i]) for the shapefile)"
                f.description = f.description.map { note + ": " + $0 } ?? note
            }
            f.hxl = layout.hxl?[i]
            return f
        }
        var r = DataPackage.Resource(name: safeName((file as NSString).deletingPathExtension), path: file, format: ext,
                                     mediatype: DataPackage.mediaType(ext), fields: fields, rows: rowCount(run.format))
        if ext == "csv" {
            r.dialect = DataPackage.Dialect(delimiter: ",", hxl: layout.hxl != nil)
        } else if ext == "xlsx" && layout.hxl != nil {
            r.dialect = DataPackage.Dialect(delimiter: nil, hxl: true)
        }
        if ext == "gpkg" {
            // A roll-up level's layer names its code column for the level: said here.
            r.layers = gpkgLayers(run.format).map { DataPackage.Layer(name: $0.name, rows: $0.rows.count, idField: $0.fields?.first?.name) }
        }
        return r
    }

    /// The run: version, GDAL, command line, time, table shape, and a merge's parts.
    private func runEntry(_ run: RunInfo, iso: ISO8601DateFormatter) -> DataPackage.Run {
        var g = DataPackage.Run(version: GeoKitVersion.string, gdal: GDAL.version, command: run.commandLine)
        g.started = iso.string(from: run.started)
        g.seconds = (run.seconds * 1000).rounded() / 1000
        g.format = run.format.rawValue
        g.hxl = run.hxl
        if !run.parts.isEmpty {
            g.parts = run.parts
        }
        return g
    }

    /// One entry per raster file, with the bands used.
    private func rasterEntries(_ run: RunInfo) -> [DataPackage.RasterFile] {
        var seen = Set<String>()
        let bandsByPath = Dictionary(grouping: bands, by: \.path)
        return bands.compactMap { b in
            guard seen.insert(b.path).inserted else { return nil }
            return sidecarRasterEntry(name: b.rasterName, path: b.path, sha256: run.hashes[b.path] ?? "", crs: rasterCRS,
                                      crsAssumed: crsAssumedPaths.contains(b.path),
                                      bandsTotal: b.bandCount, pixelType: b.source.info.type, grid: b.grid,
                                      bands: bandsByPath[b.path]!.map { SidecarBand(band: $0.band, info: $0.source.info, date: $0.date, unit: $0.unit) })
        }
    }

    private func zonesEntry(_ run: RunInfo) -> DataPackage.Zones {
        var z = DataPackage.Zones(path: zones.path, layer: zones.layer, bytes: fileSize(zones.path), features: zones.featureCount,
                                  idField: zones.idField,
                                  attribution: "Administrative boundaries and P-codes: Myanmar Information Management Unit (MIMU)",
                                  checksum: DataPackage.Checksum(digest: run.hashes[zones.path] ?? ""))
        z.pcodeVersion = zones.pcodeVersion
        z.idLevel = idLevel?.name
        z.where = whereFilter
        return z
    }

    private var methodEntry: DataPackage.Method {
        var m = DataPackage.Method()
        m.coverage = method.rawValue
        m.coverageDefinition = method == .exact ? "each cell weighted by the exact fraction of its area inside the zone"
            : method == .center ? "a cell counts fully when its centre is inside the zone" : "every cell the zone touches counts fully"
        m.statistics = Dictionary(stats.map { ($0.name, $0.definition) }, uniquingKeysWith: { _, b in b })
        m.cellArea = "true area: ellipsoidal zone between each row's latitudes on geographic rasters, planar on projected ones"
        m.rollup = hasRollup ? "parent rows merge their zones' accumulators (sums add, means weighted by covered area, quantiles from merged distributions); `cells` counts shared boundary cells once per zone" : "none"
        if stats.contains(where: \.isSumOfValues) { m.emptySum = emptySum.sidecarText }
        if areaUnit != .m2 { m.areaUnit = "\(areaUnit.rawValue): area and class_area computed in square metres and divided by \(formatNumber(areaUnit.squareMetres))" }
        m.rollupFilter = filteredRollup?.sidecar
        if !formulas.isEmpty { m.formulas = formulaSidecar }
        return m
    }

    /// The layers of a GeoPackage: `zonal` holds the zones' rows; each roll-up level its own
    /// layer `zonal_LEVEL` (`zonal_district`, `zonal_state`, `zonal_country`) with the
    /// dissolved geometry of its zones.
    public func gpkgLayers(_ format: TableFormat, layerName: String = "zonal") -> [Table.OGRLayerPart] {
        let perUnit = format == .wide ? 1 : indicatorColumns.count + formulas.count
        let nZones = min(zones.featureCount, units.count)
        var parts = [Table.OGRLayerPart(name: layerName, rows: Array(0..<(nZones * perUnit)))]
        var byLevel: [String: Int] = [:]
        for u in nZones..<units.count {
            let level = units[u].level
            let name = layerName + "_" + columnName(level)
            if byLevel[name] == nil {
                byLevel[name] = parts.count
                parts.append(.init(name: name, rows: [], fields: format == .wide ? levelFields(level) : nil))
            }
            parts[byLevel[name]!].rows += Array((u * perUnit)..<((u + 1) * perUnit))
        }
        return parts
    }

    /// The fields of a roll-up level's layer of the wide table: the id column named for the
    /// level (`levelCodeColumn`), and the include-column of that name left out (on the
    /// level's own rows it repeats the code). Nil when the id field already is that name.
    package func levelFields(_ level: String) -> [Table.OGRLayerPart.Field]? {
        let code = levelCodeColumn(level)
        guard code != idField else { return nil }
        return layout(.wide).columns.enumerated().compactMap { c, name in
            if c == 0 { return .init(column: 0, name: code) }
            return name.lowercased() == code.lowercased() ? nil : .init(column: c, name: name)
        }
    }

    /// The code column of a roll-up level's own layer: the `--rollup` field its codes come
    /// from (DT_PCODE for districts, ST_PCODE for states); for the country `adm0_pcode` when
    /// the zones use HDX/COD fields (`adm3_pcode`), else `pcode`, as in the long table (as
    /// for levels from a gazetteer).
    package func levelCodeColumn(_ level: String) -> String {
        if let f = levelCodeFields[level] { return f }
        if level == AdminLevel.country.name, AdminLevel(field: idField) != nil, idField.lowercased().hasPrefix("adm"), idField.count > 4 {
            return String(idField.prefix(3)) + "0" + String(idField.dropFirst(4))
        }
        return "pcode"
    }

    package var limitations: [String] {
        var l: [String] = []
        // Counted in place: `filter` (and `reduce`) copied every row (a retain and release each).
        let empty = units.withUnsafeBufferPointer { rows in
            var n = 0
            for i in rows.indices where rows[i].isEmptyGeometry { n += 1 }
            return n
        }
        if empty > 0 { l.append("\(empty) unit(s) have no geometry: their values are empty") }
        if method != .exact && hasRollup {
            l.append("with the \(method.rawValue) method, roll-ups add their zones' cells: a cell on a shared border may count in two zones")
        }
        return l
    }

    /// The sidecar's description and unit of a wide table's column.
    package func describe(_ column: String) -> (description: String, unit: String?)? {
        describe(column: column, format: .wide, indicators: indicatorColumns)
    }

    private func describe(column: String, format: TableFormat, indicators: [IndicatorColumn]) -> (description: String, unit: String?)? {
        if column == idField { return ("zone identifier (P-code)\(hasRollup ? "; roll-up rows carry the parent's code" : "")", nil) }
        if format == .long {
            switch column {
            case "pcode": return ("P-code of the unit (zone or roll-up parent)", nil)
            case "name": return ("name of the unit", nil)
            case "level": return ("admin level of the unit", nil)
            case "indicator" where !formulas.isEmpty: return ("raster the value is computed from, or the formula's name (stat formula, see method.formulas)", nil)
            case "indicator": return ("raster the value is computed from", nil)
            case "stat" where !formulas.isEmpty: return ("statistic (see method.statistics); class statistics as STAT_CLASS; formula for a derived indicator", nil)
            case "stat": return ("statistic (see method.statistics); class statistics as STAT_CLASS", nil)
            case "band": return ("band number in the raster", nil)
            case "date": return ("date of the band", nil)
            case "value": return ("the statistic's value; empty where it has none", nil)
            case "unit": return ("unit of the value", nil)
            default: break
            }
        }
        if column == "level" { return ("admin level of the row: the zones' own, or a roll-up level", nil) }
        if column == "name" && wideNameColumn(hasRollup: hasRollup, includeFields: includeFields) {
            return ("name of the row's unit: the zones' name field, on roll-up rows the parent's", nil)
        }
        if includeFields.contains(column) { return ("copied from the zones' field \(column)", nil) }
        if let f = formulas.first(where: { $0.name == column }) { return (formulaDescription(f), f.unit) }
        guard let c = indicators.first(where: { $0.name == column }) else { return nil }
        let b = bands[c.band]
        var d = areaUnit.definition(of: c.stat) + " of \(b.rasterName)"
        if b.bandCount > 1 { d += ", band \(b.band)" }
        if let date = b.date { d += " (\(date))" }
        if let v = c.classValue { d += ", class \(b.classBreaks.map { $0.describe(v) } ?? formatNumber(v))" }
        if let w = b.weightsName, c.stat.needsWeights { d += ", weighted by \(w)" }
        if let cond = b.condition {
            d += ", only where \(cond.text) (each cell counts with the share of its area where the condition holds; cells where \(cond.raster) is nodata do not count)"
        }
        d += "; \(method.rawValue) method"
        return (d, areaUnit.unit(of: c.stat, valueUnit: b.unit))
    }

    /// Write the table (wide or long) and its sidecar together: both as temporaries, then
    /// the sidecar renamed, then the table (a failed sidecar leaves no table; a failed
    /// table, neither).
    public func write(to output: String, format: TableFormat, hxl: Bool, bom: Bool = false, guardFormulas: Bool = true,
                      run: RunInfo) throws {
        // `-`: the CSV table on standard output, no sidecar.
        if output == "-" {
            let l = layout(format, hxl: hxl)
            try CSVWriter.write(to: "standard output", temporary: "/dev/stdout", bom: bom, guardFormulas: guardFormulas) { w in
                try w.writeRow(l.columns)
                if let tags = l.hxl { try w.writeRow(tags) }
                try writeRows(format, to: w)
            }
            return
        }
        let side = ZonalResult.sidecarPath(for: output)
        let json = try sidecarData(dataPackage(output: output, run: run), for: output)
        try writeAtomically([side, output]) { tmps in
            if (output as NSString).pathExtension.lowercased() == "csv" {
                let l = layout(format, hxl: hxl)
                try CSVWriter.write(to: output, temporary: tmps[1], bom: bom, guardFormulas: guardFormulas) { w in
                    try w.writeRow(l.columns)
                    if let tags = l.hxl { try w.writeRow(tags) }
                    try writeRows(format, to: w)
                }
            } else {
                let table = self.table(format, hxl: hxl)
                let gpkg = (output as NSString).pathExtension.lowercased() == "gpkg"
                // Every format with geometry holds the roll-up rows with their dissolved
                // geometry: a GeoPackage as one layer per level, the others in one layer.
                try table.write(to: output, temporary: tmps[1],
                                geometries: format == .wide ? geometries + [[UInt8]?](repeating: nil, count: max(0, table.rows.count - geometries.count)) : nil,
                                crsWKT: zonesCRS, layers: gpkg ? gpkgLayers(format) : nil, bom: bom)
            }
            try writeFileChecked(json, to: tmps[0], displayPath: side)
        }
    }
}

extension ZonalResult {
    /// A formula column's description: the user's words, the formula, and the empty rule.
    func formulaDescription(_ f: NamedFormula) -> String {
        (f.description.map { $0 + "; " } ?? "") + "derived: \(f.formula.text); " + formulaEmptyRule
    }

    /// The sidecar's `method.formulas`: each formula by name, with its unit, and the empty rule.
    var formulaSidecar: DataPackage.Formulas {
        formulaDefinitions(formulas)
    }
}

/// The sidecar's `formulas`: each formula by name, with its unit, and the empty rule.
package func formulaDefinitions(_ formulas: [NamedFormula]) -> DataPackage.Formulas {
    var byName: [String: DataPackage.Formulas.Definition] = [:]
    for f in formulas {
        let usesArea = f.formula.columns.contains { ZoneAreaVariable(rawValue: $0) != nil }
        byName[f.name] = DataPackage.Formulas.Definition(
            formula: f.formula.text, unit: f.unit, description: f.description,
            zoneArea: usesArea ? "zone_area_m2/ha/km2: the zone's own area (ellipsoidal on geographic rasters, planar on projected ones); a roll-up row's is the sum of its zones'" : nil)
    }
    return DataPackage.Formulas(formulas: byName, emptyRule: formulaEmptyRule, order: formulas.map(\.name))
}

extension EmptySum {
    /// The rule as the sidecar's `method.empty_sum` states it.
    var sidecarText: String {
        switch self {
        case .empty: return "sum and weighted_sum are empty for a unit that covers no cell with a value (outside the raster or all nodata), as mean is"
        case .zero: return "sum and weighted_sum are 0 for a unit that covers no cell with a value (\(Setting.emptySum, "zero"), as exactextract)"
        }
    }
}

/// A band of a raster as its sidecar entry lists it.
package struct SidecarBand {
    package var band: Int
    package var info: BandInfo
    package var date: String?
    package var unit: String?
    package init(band: Int, info: BandInfo, date: String?, unit: String?) {
        self.band = band; self.info = info; self.date = date; self.unit = unit
    }
}

/// The sidecar's entry for one raster file (`rasters` of the data package): its checksum,
/// size, CRS, grid and the bands used, with their nodata, description, date, unit and
/// scale/offset. `geotool zonal` and `geotool batch` both describe their rasters through here.
package func sidecarRasterEntry(name: String, path: String, sha256: String, crs: String?, crsAssumed: Bool = false, bandsTotal: Int,
                                pixelType: PixelType, grid g: Grid, bands: [SidecarBand]) -> DataPackage.RasterFile {
    DataPackage.RasterFile(
        name: name, path: path,
        // A variable of a NetCDF file or Zarr store: `bytes` counts that file, named here.
        file: !isRemotePath(path) && datasetFile(path) != path ? datasetFile(path) : nil,
        bytes: fileSize(path), crs: crs ?? "unknown",
        // A CRS geotool assumed (CF coordinates name no datum), not one the file states.
        crsAssumed: crsAssumed ? cfAssumedCRSNote : nil,
        bandsTotal: bandsTotal, pixelType: pixelType.rawValue, checksum: DataPackage.Checksum(digest: sha256),
        grid: DataPackage.GridEntry(columns: g.cols, rows: g.rows, cellSize: [g.dx, g.dy], extent: [g.left, g.bottom, g.right, g.top]),
        bands: bands.map { b in
            let scaled = b.info.scale != 1 || b.info.offset != 0
            return DataPackage.Band(band: b.band, nodata: b.info.nodata, description: b.info.description.isEmpty ? nil : b.info.description,
                                    date: b.date, unit: b.unit, scale: scaled ? b.info.scale : nil, offset: scaled ? b.info.offset : nil)
        })
}

/// The one sidecar writer: a data package as sorted, pretty JSON beside `output`, written
/// atomically (or to `temporary`, when the caller writes it together with its table).
/// Every command that writes a table writes its metadata through here.
public func writeSidecar(_ package: DataPackage, for output: String, temporary: String? = nil) throws {
    let data = try sidecarData(package, for: output)
    let side = ZonalResult.sidecarPath(for: output)
    if let temporary { try writeFileChecked(data, to: temporary, displayPath: side); return }
    try writeAtomically(side) { tmp in try writeFileChecked(data, to: tmp, displayPath: side) }
}

/// The sidecar's bytes; an error names the sidecar.
public func sidecarData(_ package: DataPackage, for output: String) throws -> Data {
    do {
        return try package.encoded()
    } catch {
        throw GeoKitError.io(ZonalResult.sidecarPath(for: output), "cannot write the metadata: \(error.localizedDescription)")
    }
}

/// The sidecar's size of an input. A GDAL dataset name (`NETCDF:"x.nc":precip`,
/// `ZARR:"x.zarr":/precip`) counts the file it names, a Zarr store (a folder) the files in
/// it; a remote object reports its own size (not listed to count a store's chunks).
package func fileSize(_ path: String) -> Int {
    if isRemotePath(path) { return inputSize(path) }
    let file = datasetFile(path)
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir), isDir.boolValue else { return inputSize(file) }
    var total = 0
    let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: file), includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
    while let url = walker?.nextObject() as? URL {
        guard let v = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]), v.isRegularFile == true else { continue }
        total += v.fileSize ?? 0
    }
    return total
}

package func safeName(_ s: String) -> String {
    let t = s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? String($0) : "-" }.joined()
    return t.isEmpty ? "table" : t
}

extension Array where Element: Hashable {
    package func uniqued() -> [Element] { var seen = Set<Element>(); return filter { seen.insert($0).inserted } }
}
