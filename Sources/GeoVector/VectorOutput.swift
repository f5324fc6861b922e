import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// The vector indicators as a table (wide or long), written by the project's table writers
// with a Frictionless sidecar that records the method.

extension VectorResult {
    /// The columns that are written (hidden parts of ratios left out).
    public var shownColumns: [Int] { columns.indices.filter { !columns[$0].hidden } }

    /// The value of column `c` for a unit: additive values as summed, ratios from their parts
    /// (empty when the denominator is 0 or missing).
    public func value(_ u: VectorUnit, _ c: Int) -> Double {
        switch columns[c].kind {
        case .additive: return u.values[c]
        case .ratio(let num, let den):
            let d = u.values[den]
            return d > 0 ? u.values[num] / d : .nan
        case .formula(let f):
            return f.formula.evaluate { name in
                if let a = ZoneAreaVariable(rawValue: name) {
                    // The zone area column is in km2.
                    return columnIndex["zone_area_km2"].map { value(u, $0) * 1e6 / a.squareMetres }.flatMap { $0.isFinite ? $0 : nil }
                }
                return columnIndex[name].map { value(u, $0) }.flatMap { $0.isFinite ? $0 : nil }
            } ?? .nan
        }
    }

    /// Each column's index by name (formulas read the row's other columns by name).
    var columnIndex: [String: Int] {
        Dictionary(columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The table; `hxl` adds HXL hashtags as a second header row (as zonal's tables).
    public func table(_ format: TableFormat, hxl: Bool = false) -> Table {
        var t = table(format)
        if hxl { t.hxl = hxlTags(format) }
        return t
    }

    /// The HXL row: the id as a place code (its level's, without roll-up rows), the include
    /// fields as zonal tags them, each indicator `#indicator+num+NAME`.
    private func hxlTags(_ format: TableFormat) -> [String] {
        let idTag = hasRollup ? "#loc+code" : (AdminLevel(field: idField).map { "\($0.hxl)+code" } ?? "#loc+code")
        switch format {
        case .wide:
            return [idTag] + (hasRollup ? ["#meta+level"] : []) + includeFields.map(hxlFieldTag)
                + shownColumns.map { "#indicator+num+" + columnSlug(columns[$0].name) }
        case .long:
            return ["#loc+code", "#meta+level"] + includeFields.map(hxlFieldTag) + ["#indicator+name", "#indicator+value+num", "#meta+unit"]
        }
    }

    public func table(_ format: TableFormat) -> Table {
        let shown = shownColumns
        let lead = [idField] + (hasRollup ? ["level"] : []) + includeFields
        switch format {
        case .wide:
            var t = Table(columns: lead + shown.map { columns[$0].name })
            t.rows = units.map { u in
                [TableCell.text(u.id)] + (hasRollup ? [.text(u.level)] : []) + u.attributes.map { .text($0) }
                    + shown.map { cell(value(u, $0)) }
            }
            return t
        case .long:
            var t = Table(columns: ["pcode", "level"] + includeFields + ["indicator", "value", "unit"])
            for u in units {
                let head: [TableCell] = [.text(u.id), .text(u.level)] + u.attributes.map { .text($0) }
                for c in shown {
                    t.rows.append(head + [.text(columns[c].name), cell(value(u, c)), columns[c].unit.map { .text($0) } ?? .empty])
                }
            }
            return t
        }
    }

    private func cell(_ v: Double) -> TableCell { v.isFinite ? .number(v) : .empty }

    /// Each row's geometry (wide: one per unit; long: repeated on each of its rows): a
    /// zone's own, a roll-up unit's the union of its zones.
    public func geometries(_ format: TableFormat) throws -> [[UInt8]?] {
        var perUnit: [[UInt8]?] = []
        for (k, u) in units.enumerated() {
            // The zones come first, each with its own geometry; then the roll-up units.
            if k < zoneCount { perUnit.append(zoneWKB[k].isEmpty ? nil : zoneWKB[k]); continue }
            perUnit.append(try unionWKB(u.zones.map { zoneWKB[$0] }.filter { !$0.isEmpty }))
        }
        if format == .wide { return perUnit }
        let k = shownColumns.count
        return perUnit.flatMap { Array(repeating: $0, count: k) }
    }

    /// Write the table and its sidecar together (the table last): both or neither.
    public func write(to output: String, format: TableFormat, bom: Bool = false, guardFormulas: Bool = true,
                      run: RunInfo, sources: [String]) throws {
        let t = table(format, hxl: run.hxl)
        let ext = (output as NSString).pathExtension.lowercased()
        let geoms = OGRFormat.spatial.contains(ext) ? try geometries(format) : nil
        let pkg = dataPackage(output: output, table: t, run: run, sources: sources)
        try writeAtomically([ZonalResult.sidecarPath(for: output), output]) { tmps in
            try writeSidecar(pkg, for: output, temporary: tmps[0])
            try t.write(to: output, temporary: tmps[1], geometries: geoms, crsWKT: geoms == nil ? nil : zonesCRS,
                        layerName: "vector", bom: bom, guardFormulas: guardFormulas)
        }
    }

    /// The Frictionless data package of the table: every column with its meaning and unit,
    /// the sources, the method, the warnings.
    public func dataPackage(output: String, table t: Table, run: RunInfo, sources: [String]) -> DataPackage {
        let file = (output as NSString).lastPathComponent
        let ext = (file as NSString).pathExtension.lowercased()
        let byName = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let fields = t.columns.enumerated().map { k, name in
            var f = DataPackage.Field(name: name, type: byName[name] != nil || name == "value" ? "number" : "string")
            f.hxl = t.hxl?[k]
            f.description = byName[name]?.description
            f.unit = byName[name]?.unit
            return f
        }
        let iso = ISO8601DateFormatter()
        let name = safeName((file as NSString).deletingPathExtension)
        var resource = DataPackage.Resource(name: name, path: file, format: ext, fields: fields, rows: t.rows.count)
        if ext == "csv" { resource.dialect = DataPackage.Dialect(delimiter: ",", hxl: t.hxl != nil) }
        var g = DataPackage.Run(version: GeoKitVersion.string, gdal: GDAL.version, command: run.commandLine)
        g.started = iso.string(from: run.started)
        g.seconds = (run.seconds * 1000).rounded() / 1000
        g.format = run.format.rawValue
        g.hxl = run.hxl
        var pkg = DataPackage(name: name, title: "Vector indicators by \(idField)", created: iso.string(from: run.started),
                              resources: [resource], sources: sources.map { DataPackage.Source(title: nil, path: $0, sha256: run.hashes[$0] ?? "") },
                              geotool: g)
        var m = DataPackage.Method()
        m.layers = method
        m.rollup = hasRollup ? "counts, lengths, areas and sums of a parent are the sums of its zones'; densities, shares and means are recomputed from the summed parts" : "none"
        m.zones = "one row per zone feature, in input order; a zone with nothing in it has counts, lengths and areas of 0"
        pkg.method = m
        pkg.warnings = warnings.map(\.message)
        return pkg
    }
}

extension VectorResult {
    /// Write the table into PostgreSQL (`-o PG:... --table NAME`), replacing `target`
    /// atomically, keyed by the id (wide) or by pcode, level and indicator (long), with the
    /// zones' geometry when `geometry` (wide), and the sidecar's content in the metadata
    /// table. Returns a warning when the key is not unique (rows then keyed by `fid`).
    public func writePostgres(_ target: PostgresTarget, format: TableFormat, geometry: Bool, run: RunInfo, sources: [String]) throws -> [GeoWarning] {
        let t = table(format)
        var warnings: [GeoWarning] = []
        var key = format == .wide ? [idField] + (hasRollup ? ["level"] : []) : ["pcode", "level", "indicator"]
        if !t.isUniqueKey(key) {
            warnings.append(GeoWarning(.ids, file: target.displayName,
                                       "\(key.joined(separator: ", ")) is not unique in every row (duplicate or blank ids): the table's primary key is fid, the row number"))
            key = []
        }
        var pkg = postgresPackage(dataPackage(output: target.table, table: t, run: run, sources: sources), target: target, rows: t.rows.count)
        pkg.warnings = (pkg.warnings ?? []) + warnings.map(\.message)
        let json = try sidecarData(pkg, for: target.qualifiedName)
        let lead = 1 + (hasRollup ? 1 : 0) + includeFields.count
        let textColumns = format == .wide
            ? t.columns.indices.map { $0 < lead }
            : t.columns.map { $0 != "value" }
        try t.writePostgres(target, geometries: geometry && format == .wide ? try geometries(.wide) : nil, crsWKT: zonesCRS,
                            primaryKey: key, textColumns: textColumns, metadata: json,
                            comment: "Vector indicators by \(idField); written by geotool \(GeoKitVersion.string); metadata in \(target.metadataTable)")
        return warnings
    }
}
