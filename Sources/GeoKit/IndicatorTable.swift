import Foundation
import GeoCore
import GeoGDAL

// One table model: a table geotool wrote (wide or long, with or without an HXL row, as CSV,
// XLSX or GeoPackage, with or without roll-up rows) read back into one typed value that
// knows what each column is: the unit's id, name and level, the zones' include columns,
// the indicator series (indicator x statistic x band/date) and the quality columns (count,
// coverage, nodata_frac, cells). `geotool map` and `geotool report` read tables only
// through it, so they never join on the wrong column, mix levels, take a quality column or
// `band` for an indicator, or draw a unit outside the raster as a real zero.

public struct IndicatorTable: Sendable {
    public enum Shape: String, Sendable { case wide, long }

    /// What a column of the file holds.
    public enum Role: Sendable, Equatable {
        case id, name, level, include
        /// A wide table's value column (indicator or quality): index into `series`.
        case series(Int)
        /// A long table's `indicator`, `stat`, `band`, `date`, `value` or `unit` column.
        case longField
        case other
    }

    /// One measurable series: a wide table's value column, or one (indicator, stat, band,
    /// date) of a long table.
    public struct Series: Sendable, Equatable {
        /// The wide table's column name (for a long table: the name the wide table gives it).
        public var label: String
        /// The raster's name (or the column's name when it is not a geotool statistic).
        public var indicator: String
        /// The statistic (`mean`, `p90`, `frac_3`...), nil for a column geotool did not name.
        public var stat: String?
        public var band: Int?
        public var date: String?
        public var unit: String?
        public var description: String?
        /// count, coverage, nodata_frac or cells: how much of the unit was measured, not an indicator.
        public var isQuality: Bool
    }

    /// A row of the wide table (a unit x indicator group of rows of a long one).
    public struct Unit: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The row's admin level (`township`, `district`...; "" when unknown).
        public var level: String
        /// Include columns, by name.
        public var attributes: [String: String]
    }

    public static let qualityStats: Set<String> = ["count", "coverage", "nodata_frac", "cells", "where_nodata"]

    /// A quality statistic, or the share where an operation's condition has no value
    /// (`where_hazard_ge_3_nodata`).
    public static func isQuality(_ stat: String) -> Bool {
        qualityStats.contains(stat) || (stat.hasPrefix("where_") && stat.hasSuffix("_nodata"))
    }

    public var path: String
    public var shape: Shape
    /// The file's columns and their roles.
    public var columns: [String]
    public var roles: [Role]
    public var idField: String
    public var nameField: String?
    public var includeFields: [String]
    public var metadata: TableMetadata?
    /// Levels present, in table order (the zones' own level first in geotool's tables).
    public var levels: [String]
    public var units: [Unit]
    public var series: [Series]
    /// The values as the file holds them: `values[series][unit]`.
    public var values: [[Double?]]
    /// Problems worth telling (a malformed sidecar...).
    public var warnings: [String] = []
    /// Per series, the count or coverage series saying whether the unit was measured at all.
    private var presence: [Int?] = []

    /// The sidecar's title for a page of `level` rows. geotool's own ("Zonal statistics: rain
    /// by TS_PCODE") names the zones' id field, which a roll-up level's rows are not: on them
    /// it reads "by district".
    public func title(level: String) -> String? {
        guard let t = metadata?.title else { return nil }
        guard !level.isEmpty, level != levels.first, t.hasSuffix(" by \(idField)") else { return t }
        return String(t.dropLast(idField.count)) + level
    }

    /// The value of series `s` for unit `u`; nil when the table has none, or when the unit
    /// was not measured at all (its count or coverage for the same raster and band is 0, as
    /// for a unit outside the raster, whose `sum` reads 0): no data, not a zero.
    public func value(_ s: Int, _ u: Int) -> Double? {
        guard let v = values[s][u] else { return nil }
        if let p = presence[s], values[p][u] == 0 { return nil }
        return v
    }

    /// Indices of the units at `level`, in table order.
    public func units(at level: String) -> [Int] { units.indices.filter { units[$0].level == level } }

    public var indicatorSeries: [Int] { series.indices.filter { !series[$0].isQuality } }

    // MARK: reading

    /// Read a table by its content: CSV (with or without an HXL row), or through GDAL an
    /// XLSX workbook or a GeoPackage (its main layer, and roll-up layers `<layer>_<level>`).
    /// `idHint`: for a table geotool did not write, the column to take as the id when it
    /// has one of that name (else its first column).
    public static func read(_ path: String, idHint: String? = nil) throws -> IndicatorTable {
        let (raw, layerLevels) = try readRaw(path)
        let (meta, metaWarning) = TableMetadata.sidecar(for: path)
        // geotool's own sidecar must decode; another tool's Data Package is read leniently (meta).
        var package: DataPackage?
        if let p = meta?.path, let d = FileManager.default.contents(atPath: p), DataPackage.isGeotoolSidecar(d) {
            package = try DataPackage.decode(d, path: p)
        }
        var t = try IndicatorTable(raw: raw, path: path, metadata: meta, sidecar: package, idHint: idHint, layerLevels: layerLevels)
        if let metaWarning { t.warnings.append(metaWarning) }
        return t
    }

    /// The file's rows as a table: cells of numeric columns as numbers (blank, NA... as
    /// empty). For a GeoPackage with roll-up layers, their rows follow the main layer's, with
    /// the level of each row (nil when every row came from one layer).
    static func readRaw(_ path: String) throws -> (Table, [String]?) {
        guard let fh = FileHandle(forReadingAtPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { throw GeoKitError.input(path, "no such file") }
            throw GeoKitError.input(path, "cannot read")
        }
        let head = [UInt8]((try? fh.read(upToCount: 4096)) ?? Data())
        try? fh.close()
        let ext = (path as NSString).pathExtension.lowercased()
        let zip = head.starts(with: [0x50, 0x4B, 0x03, 0x04]), sqlite = head.starts(with: Array("SQLite format 3".utf8))
        if zip || sqlite || ["xlsx", "gpkg", "ods", "xls", "sqlite"].contains(ext) {
            return try readOGR(path)
        }
        if head.contains(0) {
            throw GeoKitError.input(path, "not a table geotool can read (a binary file); give the .csv, .xlsx or .gpkg that geotool wrote")
        }
        return (try Table.readCSV(path: path), nil)
    }

    private static func readOGR(_ path: String) throws -> (Table, [String]?) {
        let ds: VectorDataset
        do { ds = try VectorDataset(path: path) } catch {
            throw GeoKitError.input(path, "not a table GDAL can read as a spreadsheet or GeoPackage")
        }
        let names = ds.layerNames
        guard !names.isEmpty else { throw GeoKitError.input(path, "no layers") }
        // The main layer: the first that is not another layer's `<layer>_<level>`.
        let main = names.first { n in !names.contains { m in m != n && n.hasPrefix(m + "_") } } ?? names[0]
        let extra = names.filter { $0 != main && $0.hasPrefix(main + "_") }
        var columns: [String] = []
        var layers: [(level: String?, fields: [String], rows: [[String]])] = []
        for (k, l) in ([main] + extra).enumerated() {
            var fields = try ds.fieldNames(layer: l)
            guard !fields.isEmpty else { continue }
            let z = try ds.readZones(layer: l, idField: fields[0], includeFields: fields)
            var rows = z.zones.map(\.attributes)
            // A spreadsheet whose header GDAL did not recognise: Field1, Field2... and the header as the first row.
            if fields.allSatisfy({ $0.range(of: #"^Field\d+$"#, options: .regularExpression) != nil }), let first = rows.first,
               first.allSatisfy({ !$0.isEmpty && Double($0) == nil }) {
                fields = first; rows.removeFirst()
            }
            // An HXL row under the header: not data.
            if let first = rows.first, first.contains(where: { !$0.isEmpty }), first.allSatisfy({ $0.isEmpty || $0.hasPrefix("#") }) {
                rows.removeFirst()
            }
            // A roll-up level's layer names its code column for the level (DT_PCODE): the id.
            if k > 0, let id = columns.first, !fields.isEmpty { fields[0] = id }
            for f in fields where !columns.contains(f) { columns.append(f) }
            layers.append((k == 0 ? nil : String(l.dropFirst(main.count + 1)), fields, rows))
        }
        guard !columns.isEmpty else { throw GeoKitError.input(path, "layer '\(main)' has no columns") }
        var records: [[String]] = []
        var levels: [String?] = []
        for layer in layers {
            let pos = columns.map { layer.fields.firstIndex(of: $0) }
            for r in layer.rows {
                records.append(pos.map { $0.map { r[$0] } ?? "" })
                levels.append(layer.level)
            }
        }
        let table = Table.typed(header: columns, records: records)
        return (table, extra.isEmpty ? nil : levels.map { $0 ?? "" })
    }

    // MARK: roles

    init(raw t: Table, path: String, metadata meta: TableMetadata?, sidecar package: DataPackage?, idHint: String?,
         layerLevels: [String]?) throws {
        self.path = path
        metadata = meta
        columns = t.columns
        guard !t.columns.isEmpty else { throw GeoKitError.input(path, "no columns") }
        let isLong = t.columnIndex("indicator") != nil && t.columnIndex("stat") != nil && t.columnIndex("value") != nil
        shape = isLong ? .long : .wide
        let plan = Self.columnPlan(t, isLong: isLong, metadata: meta, sidecar: package, idHint: idHint)
        roles = plan.roles
        idField = t.columns[plan.idCol]
        nameField = plan.nameCol.map { t.columns[$0] }
        includeFields = plan.includes.map { t.columns[$0] }
        let ids = t.rows.map { Self.cellText($0[plan.idCol]) }
        let rowLevel = Self.rowLevels(t, ids: ids, levelColumn: plan.levelCol, layerLevels: layerLevels)
        if isLong {
            let long = Self.readLong(t, plan, ids: ids, rowLevel: rowLevel)
            units = long.units
            series = long.series
            values = long.values
        } else {
            units = t.rows.indices.map { r in Self.unit(t, plan, row: r, id: ids[r], level: rowLevel[r]) }
            let names = WideSeriesNames(metadata: meta, sidecar: package)
            series = []
            values = []
            for k in plan.valueCols {
                roles[k] = .series(series.count)
                series.append(names.series(t.columns[k]))
                values.append(t.rows.map { $0[k].doubleValue })
            }
        }
        var lv: [String] = []
        for u in units where !lv.contains(u.level) { lv.append(u.level) }
        levels = lv
        presence = Self.presence(series)
        if series.isEmpty {
            throw GeoKitError.input(path, "no numeric column to map or report on (columns: \(t.columns.joined(separator: ", ")))")
        }
    }

    /// Which column of a file is which: the id, level and name columns, the include columns
    /// and (wide tables) the value columns.
    private struct ColumnPlan {
        var roles: [Role]
        var idCol: Int
        var levelCol: Int?
        var nameCol: Int?
        var includes: [Int]
        var valueCols: [Int]
    }

    /// The text of a cell, as an id, name, level or attribute.
    private static func cellText(_ c: TableCell) -> String {
        switch c { case .text(let s): return s.trimmingCharacters(in: .whitespaces); case .number(let v): return formatNumber(v); case .empty: return "" }
    }

    /// The roles of `t`'s columns: column types from any Data Package (read leniently), the
    /// id field from geotool's own sidecar, else `idHint`, else the first column.
    private static func columnPlan(_ t: Table, isLong: Bool, metadata meta: TableMetadata?, sidecar package: DataPackage?,
                                   idHint: String?) -> ColumnPlan {
        func col(_ n: String) -> Int? { t.columnIndex(n) }
        let schemaTypes = (meta?.fields ?? [:]).mapValues { $0.type ?? "" }
        var roles = [Role](repeating: .other, count: t.columns.count)
        var levelCol = col("level")
        let idCol: Int
        if isLong {
            idCol = col("pcode") ?? 0
        } else if let f = package?.zones?.idField, let k = col(f), k == 0 || levelCol == nil {
            idCol = k
        } else if levelCol == nil, let h = idHint, let k = col(h) {
            idCol = k
        } else {
            idCol = 0
        }
        roles[idCol] = .id
        if let l = levelCol, l != idCol { roles[l] = .level } else { levelCol = nil }
        let longFields = ["indicator", "stat", "band", "date", "value", "unit"]
        var nameCol: Int? = isLong ? col("name") : nil
        if let n = nameCol { roles[n] = .name }
        var includes: [Int] = []
        var valueCols: [Int] = []
        for k in t.columns.indices where roles[k] == .other {
            let name = t.columns[k]
            if isLong {
                if longFields.contains(name.lowercased()) { roles[k] = .longField } else { roles[k] = .include; includes.append(k) }
                continue
            }
            let declared = schemaTypes[name].flatMap { $0.isEmpty ? nil : $0 }
            // A wide roll-up table's name column is text, even where every name is empty.
            let numeric = levelCol != nil && name == "name" ? false : declared.map { $0 == "number" || $0 == "integer" } ?? t.isNumeric(k)
            if numeric { valueCols.append(k) } else { roles[k] = .include; includes.append(k) }
        }
        if !isLong {
            nameCol = wideNameColumn(t, idField: t.columns[idCol], includes: includes, rollup: levelCol != nil, roles: roles)
        }
        return ColumnPlan(roles: roles, idCol: idCol, levelCol: levelCol, nameCol: nameCol, includes: includes, valueCols: valueCols)
    }

    /// A wide table's column of unit names: a roll-up table's own `name` column (every row's
    /// name at its level), else the include column that reads most like a name.
    private static func wideNameColumn(_ t: Table, idField: String, includes: [Int], rollup: Bool, roles: [Role]) -> Int? {
        if rollup, let k = t.columnIndex("name"), roles[k] == .include { return k }
        let incNames = includes.map { t.columns[$0] }
        let preferred = parentNameField(idField, incNames)
            ?? incNames.first { ["name", "ts", "dt", "st", "vt", "township", "district", "state"].contains($0.lowercased()) }
            ?? incNames.first { n in !n.lowercased().contains("pcode") && !n.lowercased().hasSuffix("_mmr") && !n.lowercased().hasSuffix("_my") }
        return preferred.flatMap { t.columnIndex($0) }
    }

    /// Each row's level: the level column, else the GeoPackage layer, else the ids' P-code level.
    private static func rowLevels(_ t: Table, ids: [String], levelColumn levelCol: Int?, layerLevels: [String]?) -> [String] {
        let defaultLevel = IDCheck(ids: ids).dominantLevel?.name ?? ""
        return t.rows.indices.map { r in
            if let l = levelCol, case let s = cellText(t.rows[r][l]), !s.isEmpty { return s }
            if let ll = layerLevels, !ll[r].isEmpty { return ll[r] }
            return defaultLevel
        }
    }

    /// Row `r` of `t` as a unit: its id, name, level and include columns.
    private static func unit(_ t: Table, _ plan: ColumnPlan, row r: Int, id: String, level: String) -> Unit {
        var a: [String: String] = [:]
        for k in plan.includes { a[t.columns[k]] = cellText(t.rows[r][k]) }
        return Unit(id: id, name: plan.nameCol.map { cellText(t.rows[r][$0]) } ?? "", level: level, attributes: a)
    }

    /// A long table's units (one per level and id, rows without an id left out), series (one
    /// per indicator, statistic, band and date) and values.
    private static func readLong(_ t: Table, _ plan: ColumnPlan, ids: [String], rowLevel: [String])
        -> (units: [Unit], series: [Series], values: [[Double?]]) {
        func col(_ n: String) -> Int? { t.columnIndex(n) }
        let ci = col("indicator")!, cs = col("stat")!, cv = col("value")!
        let cb = col("band"), cd = col("date"), cu = col("unit")
        var units: [Unit] = [], series: [Series] = []
        var unitOf: [String: Int] = [:], seriesOf: [String: Int] = [:]
        var bandsOf: [String: Set<Int>] = [:]
        for r in t.rows { if let b = cb.flatMap({ r[$0].doubleValue }) { bandsOf[cellText(r[ci]), default: []].insert(Int(b)) } }
        var cells: [(Int, Int, Double?)] = []
        for (r, row) in t.rows.enumerated() {
            let id = ids[r]
            guard !id.isEmpty else { continue }
            let ukey = rowLevel[r] + "\u{1}" + id
            let u: Int
            if let x = unitOf[ukey] { u = x } else {
                u = units.count; unitOf[ukey] = u
                units.append(unit(t, plan, row: r, id: id, level: rowLevel[r]))
            }
            let ind = cellText(row[ci]), st = cellText(row[cs])
            let band = cb.flatMap { row[$0].doubleValue }.map { Int($0) }
            let date = cd.map { cellText(row[$0]) }.flatMap { $0.isEmpty ? nil : $0 }
            let skey = [ind, st, band.map(String.init) ?? "", date ?? ""].joined(separator: "\u{1}")
            let s: Int
            if let x = seriesOf[skey] { s = x } else {
                s = series.count; seriesOf[skey] = s
                let multi = (bandsOf[ind]?.count ?? 0) > 1
                // A formula's rows are named as its wide column is: the formula's name.
                let label = st == formulaStatName ? ind : ind + (multi ? "_b\(band ?? 1)" : "") + "_" + st
                series.append(Series(label: label, indicator: ind, stat: st, band: band, date: date,
                                     unit: cu.map { cellText(row[$0]) }.flatMap { $0.isEmpty ? nil : $0 },
                                     description: nil, isQuality: isQuality(st)))
            }
            cells.append((s, u, row[cv].doubleValue))
        }
        var values = series.map { _ in [Double?](repeating: nil, count: units.count) }
        for (s, u, v) in cells { values[s][u] = v }
        return (units, series, values)
    }

    /// What a wide table's column names say, read with the sidecar: the raster (and band)
    /// and statistic of geotool's own columns, dates from geotool's sidecar, units and
    /// descriptions from any.
    private struct WideSeriesNames {
        var metadata: TableMetadata?
        var dates: [String: [Int: String]] = [:]
        var rasterNames: Set<String>
        /// Derived indicators (`--formula`): plain value columns, whatever their names end with.
        var formulaColumns: Set<String>

        init(metadata meta: TableMetadata?, sidecar package: DataPackage?) {
            metadata = meta
            let rasters = package?.rasters ?? []
            for r in rasters {
                for b in r.bands { if let d = b.date { dates[r.name, default: [:]][b.band] = d } }
            }
            rasterNames = Set(rasters.map(\.name))
            formulaColumns = Set((meta?.fields ?? [:]).values.filter { $0.formula != nil }.map(\.name))
        }

        /// The series of the column named `fullName`.
        func series(_ fullName: String) -> Series {
            var s = Series(label: fullName, indicator: fullName, stat: nil, band: nil, date: nil,
                           unit: metadata?.fields[fullName]?.unit, description: metadata?.fields[fullName]?.description, isQuality: false)
            guard !formulaColumns.contains(fullName), let key = ColumnKey(parsing: fullName) else { return s }
            // The statistic carries the class and the condition (`frac_3`, `sum_where_hazard_ge_3`).
            s.stat = key.statText
            s.indicator = key.label
            if !rasterNames.contains(key.label), let b = key.label.range(of: #"_b[0-9]+$"#, options: .regularExpression) {
                s.indicator = String(key.label[..<b.lowerBound]); s.band = Int(key.label[b].dropFirst(2))
            }
            if let d = dates[s.indicator] { s.date = d[s.band ?? 1] }
            s.isQuality = s.stat.map(IndicatorTable.isQuality) ?? false
            return s
        }
    }

    /// Per series, the series telling whether a unit was measured at all: the same raster,
    /// band and date's count, else its coverage.
    private static func presence(_ series: [Series]) -> [Int?] {
        series.indices.map { s in
            guard !series[s].isQuality, series[s].stat != nil else { return nil }
            let a = series[s]
            func same(_ q: Int, _ st: String) -> Bool {
                let b = series[q]
                return b.stat == st && b.indicator == a.indicator && b.band == a.band && b.date == a.date
            }
            return series.indices.first { same($0, "count") } ?? series.indices.first { same($0, "coverage") }
        }
    }

    // MARK: choosing

    /// The level to map or report: `requested`, else the zones' (from their id field's name
    /// or their P-codes), else the finest in the table. Never a level the zones are not at.
    public func level(requested: String?, zonesIDField: String? = nil, zoneIDs: [String] = []) throws -> String {
        var zoneLevel: AdminLevel? = zonesIDField.flatMap { AdminLevel(field: $0) }
        if zoneLevel == nil, !zoneIDs.isEmpty {
            let check = IDCheck(ids: zoneIDs)
            if let d = check.dominantLevel, (check.levels[d] ?? 0) * 2 > zoneIDs.count { zoneLevel = d }
        }
        let list = levels.map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", ")
        if let r = requested {
            guard let l = levels.first(where: { $0.lowercased() == r.lowercased() }) else {
                throw GeoKitError.input(path, "no rows at level '\(r)'\(didYouMean(r, levels)) (levels in the table: \(list))")
            }
            if let z = zoneLevel, let lr = AdminLevel.allCases.first(where: { $0.name == l }), lr != z {
                throw GeoKitError.argument("\(Setting.level, l) but the zones' \(zonesIDField ?? "ids") are \(z.name) units; map \(l) rows with \(l) boundaries and their P-code field (e.g. \(Setting.zones, (l == "district" ? "districts" : l == "state" ? "states" : l + "s") + ".json") \(Setting.id, l == "district" ? "DT_PCODE" : l == "state" ? "ST_PCODE" : "TS_PCODE"))")
            }
            return l
        }
        if let z = zoneLevel {
            if levels.contains(z.name) { return z.name }
            if levels == [""] { return "" }
            throw GeoKitError.input(path, "the table has no \(z.name) rows to match the zones' \(zonesIDField ?? "ids") (levels in the table: \(list))",
                                    remedy: .rollUpZonal(level: z.name))
        }
        return levels.first ?? ""
    }

    /// The series to map: `--column` by name (any series, quality ones too), else the one
    /// indicator series matching `--indicator`, `--stat`, `--band` and `--date` (quality
    /// series only when `--stat` names one). Several or none: an error listing the choices.
    public func selectSeries(column: String? = nil, indicator: String? = nil, stat: String? = nil,
                             band: Int? = nil, date: String? = nil) throws -> Int {
        if let c = column {
            if let k = series.firstIndex(where: { $0.label == c }) ?? series.firstIndex(where: { $0.label.lowercased() == c.lowercased() }) { return k }
            if columns.contains(where: { $0.lowercased() == c.lowercased() }) {
                throw GeoKitError.input(path, "column '\(c)' holds no values to map (value columns: \(series.map(\.label).joined(separator: ", ")))")
            }
            throw GeoKitError.input(path, "no column '\(c)'\(didYouMean(c, series.map(\.label))) (value columns: \(series.map(\.label).joined(separator: ", ")))")
        }
        var cand = series.indices.filter { k in
            let s = series[k]
            return (indicator == nil || s.indicator.lowercased() == indicator!.lowercased())
                && (stat == nil || s.stat?.lowercased() == stat!.lowercased())
                && (band == nil || (s.band ?? 1) == band!)
                && (date == nil || s.date == date!)
        }
        if stat == nil { cand = cand.filter { !series[$0].isQuality } }
        if cand.count == 1 { return cand[0] }
        let pool = cand.isEmpty ? indicatorSeries : cand
        func choices(_ f: (Series) -> String?) -> [String] {
            var out: [String] = []
            for k in pool { if let v = f(series[k]), !out.contains(v) { out.append(v) } }
            return out
        }
        var parts: [String] = []
        if shape == .wide { parts.append("\(Setting.column) (\(choices { $0.label }.joined(separator: ", ")))") }
        for (flag, vals) in [(Setting.indicator, choices { $0.indicator }), (Setting.stat, choices { $0.stat }),
                             (Setting.band, choices { $0.band.map(String.init) }), (Setting.date, choices { $0.date })] where vals.count > 1 || (cand.isEmpty && !vals.isEmpty && shape == .long) {
            parts.append("\(flag) (\(vals.joined(separator: ", ")))")
        }
        if cand.isEmpty {
            throw GeoKitError.input(path, "no value matches the given \(Setting.indicator)/\(Setting.stat)/\(Setting.band)/\(Setting.date); choose with \(parts.joined(separator: ", "))")
        }
        throw GeoKitError.input(path, "\(cand.count) values could be mapped; choose one with \(parts.joined(separator: " and "))")
    }

    /// The coverage series for series `s` (same raster, band and date), if the table has one.
    public func coverageSeries(for s: Int) -> Int? {
        let a = series[s]
        let cov = series.indices.filter { series[$0].stat == "coverage" }
        return cov.first { series[$0].indicator == a.indicator && series[$0].band == a.band && series[$0].date == a.date }
            ?? cov.first { series[$0].indicator == a.indicator && series[$0].band == a.band }
            ?? (cov.count == 1 ? cov[0] : nil)
    }

    /// Whether each unit in `units` has too little coverage for series `s` to be shown: a
    /// value, but a coverage below `minCoverage` (or none). Throws when the table has no
    /// coverage column.
    public func insufficient(_ s: Int, units us: [Int], minCoverage: Double) throws -> [Bool] {
        guard let c = coverageSeries(for: s) else {
            throw GeoKitError.input(path, "\(Setting.minCoverage) needs a coverage column, and the table has none",
                                    remedy: .addZonalStatistic(.coverage))
        }
        return us.map { u in value(s, u) != nil && (values[c][u].map { $0 < minCoverage } ?? true) }
    }

    /// The units of `level` as a plain wide table: the id column (named like the file's),
    /// the name column (when there is one), the include columns with any value at this level,
    /// then one column per series in `chosen` (labels), with `value(_:_:)`'s values (no data
    /// as empty). Returns the table and the unit of each row.
    public func wideView(level: String, series chosen: [Int]) -> (table: Table, units: [Int], nameColumn: Int?) {
        let us = units(at: level)
        let inc = includeFields.filter { f in f != nameField && us.contains { !(units[$0].attributes[f] ?? "").isEmpty } }
        var cols = [idField]
        if nameField != nil { cols.append(nameField!) }
        cols += inc
        let labels = chosen.map { series[$0].label }
        var t = Table(columns: cols + labels)
        for u in us {
            var row: [TableCell] = [.text(units[u].id)]
            if nameField != nil { row.append(units[u].name.isEmpty ? .empty : .text(units[u].name)) }
            for f in inc { let v = units[u].attributes[f] ?? ""; row.append(v.isEmpty ? .empty : .text(v)) }
            for s in chosen { row.append(value(s, u).map { .number($0) } ?? .empty) }
            t.rows.append(row)
        }
        return (t, us, nameField != nil ? 1 : nil)
    }
}
