import Foundation
import Yams
import GeoCore
import GeoGDAL
import GeoKit

// Derived indicators of a batch manifest: a top-level `formulas:` list
//
//     formulas:
//       - name: ntl_pc
//         formula: ntl_2023_sum / pop_sum
//         unit: nW/cm2/sr per person
//         description: night lights per person
//
// over the indicators' wide column names (NAME_STAT, NAME_DATE_STAT, NAME_bN_STAT), written
// to `formulas.csv` (wide or long as the manifest's tables) with one row per unit, roll-ups
// included. Each row's formula is evaluated on that row's own cached values, so a
// district's ratio is its merged sum over its merged sum (GeoCore's empty rule).

/// A manifest formula and the line it is on (errors point there).
public struct BatchFormula: Sendable {
    public var formula: NamedFormula
    public var line: Int
}

/// The name of the formulas' table in the output folder (`formulas.csv`).
public let batchFormulaTable = "formulas"

extension ManifestParser {
    /// The top-level `formulas:` list, checked against the indicators' columns (per-class
    /// columns are checked by their prefix here and by name when the table is written).
    func formulas(_ n: Node, indicators: [BatchIndicator], vector: [BatchVectorLayer] = [], zones: BatchZones) throws -> [BatchFormula] {
        guard case .sequence = n, !items(n).isEmpty else { throw error(n, "'formulas' must be a list of formulas (- name: ..., formula: ...)") }
        var columns = batchFormulaColumns(indicators)
        for v in vector {
            columns.scalar += v.formulaColumns.scalar
            columns.textPrefixes += v.formulaColumns.classPrefixes
        }
        if !vector.isEmpty { columns.scalar += ZoneAreaVariable.allCases.map(\.rawValue) }
        var out: [BatchFormula] = []
        for item in items(n) {
            let m = try mapping(item, "a formula", keys: ["name", "formula", "unit", "description"])
            let (name, nameNode) = try requiredString(m, "name", in: item, "a formula")
            let (text, textNode) = try requiredString(m, "formula", in: item, "formula '\(name)'")
            let unit = try m["unit"].map { try string($0, "formula '\(name)': unit") }
            let description = try m["description"].map { try string($0, "formula '\(name)': description") }
            let formula: Formula
            do {
                try NamedFormula.checkName(name, in: "\(name) = \(text)")
                formula = try Formula(parsing: text)
            } catch let e as GeoKitError { throw error(e.problem.contains("is not a column name") ? nameNode : textNode, e.problem) }
            let named = NamedFormula(name: name, formula: formula, unit: unit, description: description)
            let fixed = [zones.id, "level", "name"] + zones.include + out.map(\.formula.name)
            if let clash = fixed.first(where: { $0.lowercased() == name.lowercased() }) {
                throw error(nameNode, "formula '\(name)': the name is already a column of the formulas table ('\(clash)')")
            }
            for c in formula.columns where !columns.accepts(c) && !out.contains(where: { $0.formula.name == c }) {
                if ZoneAreaVariable(rawValue: c) != nil {
                    var e = error(textNode, "formula '\(named.text)': zone areas are not kept by batch runs")
                    e.remedy = .zonalFormula(variable: c)
                    throw e
                }
                throw error(textNode, "formula '\(named.text)': no column '\(c)' in the indicators' \(vector.isEmpty ? "" : "or vector layers' ")tables\(didYouMean(c, columns.scalar)) (columns: \(columns.listed))")
            }
            out.append(BatchFormula(formula: named, line: line(item)))
        }
        return out
    }
}

/// The wide column names a manifest's indicators give (per-class ones by their prefix).
struct BatchFormulaColumns {
    var scalar: [String]
    var classPrefixes: [String]
    /// Per-class columns of vector layers (`schools_count_primary`): any class after the prefix.
    var textPrefixes: [String] = []

    func accepts(_ name: String) -> Bool {
        scalar.contains(name) || classPrefixes.contains { name.hasPrefix($0) && Double(name.dropFirst($0.count)) != nil }
            || textPrefixes.contains { name.hasPrefix($0) && name.count > $0.count }
    }

    var listed: String {
        let shown = scalar.prefix(30) + classPrefixes.prefix(10).map { $0 + "V" } + textPrefixes.prefix(10).map { $0 + "CLASS" }
        return shown.joined(separator: ", ") + (scalar.count > 30 || classPrefixes.count > 10 ? ", ..." : "")
    }
}

/// Each indicator's wide columns, named as its table names them.
func batchFormulaColumns(_ indicators: [BatchIndicator]) -> BatchFormulaColumns {
    var out = BatchFormulaColumns(scalar: [], classPrefixes: [])
    for ind in indicators {
        let entries = ind.sources.enumerated().flatMap { si, s in
            s.bands.enumerated().map { BatchSeries.Entry(source: si, bandIndex: $0, band: $1, date: s.dates[$0], path: s.path) }
        }
        for e in entries {
            let prefix = batchColumnPrefix(ind.name, e, entries: entries.count)
            for st in ind.stats {
                if let p = st.classColumnPrefix { out.classPrefixes.append("\(prefix)_\(p)_") } else { out.scalar.append("\(prefix)_\(st.name)") }
            }
        }
    }
    return out
}

extension BatchRunner {
    /// Where a formula's column takes its value from: an indicator's series, entry and key.
    struct FormulaCell { var series: Int; var entry: Int; var key: Int }

    /// Write `formulas.csv` and its sidecar from the cached values of every indicator.
    package func writeFormulaTable(zones: BatchZonesCache?, vector: BatchVectorCache? = nil, report: inout BatchReport) throws {
        guard !manifest.formulas.isEmpty else { return }
        // Without raster indicators, the vector table's rows.
        guard let zc = zones ?? (manifest.indicators.isEmpty ? vector?.zonesCache : nil) else { throw GeoKitError.internal("no zone units cached") }
        let started = Date()
        let allSeries = try manifest.indicators.map { try loadSeries($0, units: zc.units.count) }
        var cells: [String: FormulaCell] = [:]
        for (i, ind) in manifest.indicators.enumerated() {
            let s = allSeries[i]
            for (k, e) in s.entries.enumerated() {
                let prefix = batchColumnPrefix(ind.name, e, entries: s.entries.count)
                for (j, key) in s.keys.enumerated() { cells["\(prefix)_\(key)"] = FormulaCell(series: i, entry: k, key: j) }
            }
        }
        let formulas = manifest.formulas
        for (k, f) in formulas.enumerated() {
            for c in f.formula.formula.columns where cells[c] == nil && !formulas[..<k].contains(where: { $0.formula.name == c }) {
                if let v = vector, v.columns.contains(c) || (ZoneAreaVariable(rawValue: c) != nil && v.columns.contains("zone_area_km2")) { continue }
                let known = cells.keys.sorted() + (vector?.columns ?? [])
                throw GeoKitError(.input, file: manifest.path, line: f.line,
                                  "formula '\(f.formula.text)': no column '\(c)' in the indicators' \(vector == nil ? "" : "or vector ")tables\(didYouMean(c, known))")
            }
        }
        let vectorColumns = vector.map { v in Dictionary(v.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) } ?? [:]
        let vectorUnits = vector?.unitIndex ?? [:]
        let values = zc.units.indices.map { u in
            formulaValues(unit: u, cells: cells, series: allSeries) { name in
                // A vector column of the same unit (by level and id), zone areas from its km2.
                guard let v = vector, let row = vectorUnits["\(zc.units[u].level)\t\(zc.units[u].id)"] ?? vectorUnits[zc.units[u].id] else { return nil }
                if let a = ZoneAreaVariable(rawValue: name), vectorColumns[name] == nil {
                    return vectorColumns["zone_area_km2"].flatMap { v.values[row][$0] }.map { $0 * 1e6 / a.squareMetres }
                }
                return vectorColumns[name].flatMap { v.values[row][$0] }
            }
        }
        let out = BatchRunner.tablePath(manifest, batchFormulaTable)
        let header = formulaHeader(zc)
        try writeAtomically([ZonalResult.sidecarPath(for: out), out]) { tmps in
            var rows = 0
            try CSVWriter.write(to: out, temporary: tmps[1]) { w in
                try w.writeRow(header)
                for (u, unit) in zc.units.enumerated() {
                    for row in formulaRows(unit, zc, values[u]) { try w.writeRow(row); rows += 1 }
                }
            }
            try writeSidecar(formulaSidecar(zc, header: header, rows: rows, started: started), for: out, temporary: tmps[0])
        }
        report.tablesWritten.append(batchFormulaTable)
    }

    /// The formulas' values for unit `u`, in order (a formula may use an earlier one's).
    private func formulaValues(unit u: Int, cells: [String: FormulaCell], series: [BatchSeries], vector: (String) -> Double?) -> [Double?] {
        var values: [Double?] = []
        for f in manifest.formulas {
            values.append(f.formula.formula.evaluate { name in
                if let c = cells[name] { return series[c.series].value(unit: u, entry: c.entry, stat: c.key) }
                if let k = manifest.formulas.firstIndex(where: { $0.formula.name == name }) { return k < values.count ? values[k] : nil }
                return vector(name)
            })
        }
        return values
    }

    private var formulaLong: Bool { manifest.format == .long }

    private func formulaHeader(_ zc: BatchZonesCache) -> [String] {
        if formulaLong { return ["pcode", "name", "level"] + zc.includeFields + ["indicator", "stat", "band", "date", "value", "unit"] }
        return [zc.idField] + (zc.hasRollup ? ["level"] : []) + (wideNameColumn(hasRollup: zc.hasRollup, includeFields: zc.includeFields) ? ["name"] : [])
            + zc.includeFields + manifest.formulas.map(\.formula.name)
    }

    /// A unit's rows: one wide row, or a long row per formula.
    private func formulaRows(_ unit: CachedUnit, _ zc: BatchZonesCache, _ values: [Double?]) -> [[TableCell]] {
        let cell = { (v: Double?) in v.map(TableCell.number) ?? .empty }
        if formulaLong {
            let lead = ([unit.id, unit.name, unit.level] + unit.attributes).map(TableCell.text)
            return zip(manifest.formulas, values).map { f, v in
                lead + [.text(f.formula.name), .text(formulaStatName), .empty, .empty, cell(v), f.formula.unit.map(TableCell.text) ?? .empty]
            }
        }
        let lead = [unit.id] + (zc.hasRollup ? [unit.level] : []) + (wideNameColumn(hasRollup: zc.hasRollup, includeFields: zc.includeFields) ? [unit.name] : [])
            + unit.attributes
        return [lead.map(TableCell.text) + values.map(cell)]
    }

    /// The formulas table's data package: each formula's column (or long rows) described
    /// with its formula, unit and the empty rule.
    private func formulaSidecar(_ zc: BatchZonesCache, header: [String], rows: Int, started: Date) -> DataPackage {
        let iso = ISO8601DateFormatter()
        let named = manifest.formulas.map(\.formula)
        let byName = Dictionary(named.map { ($0.name, $0) }) { a, _ in a }
        let fields = header.map { c in
            var f = DataPackage.Field(name: c, type: byName[c] != nil || c == "value" ? "number" : c == "band" ? "integer" : "string")
            if let nf = byName[c] {
                f.formula = nf.formula.text
                f.description = (nf.description.map { $0 + "; " } ?? "") + "derived: \(nf.formula.text); " + formulaEmptyRule
                f.unit = nf.unit
            }
            return f
        }
        let used = Set(named.flatMap(\.formula.columns))
        let vectorUsed = manifest.vector.contains { v in used.contains { $0.hasPrefix(v.name + "_") || $0.hasPrefix("zone_area_") } }
        let sources = manifest.indicators.filter { ind in used.contains { $0.hasPrefix(ind.name + "_") } }
            .map { DataPackage.Source(title: $0.name, path: BatchRunner.tablePath(manifest, $0.name)) }
            + (vectorUsed ? [DataPackage.Source(title: batchVectorTable, path: BatchRunner.tablePath(manifest, batchVectorTable))] : [])
        var run = DataPackage.Run(version: GeoKitVersion.string, gdal: nil, command: options.commandLine)
        run.manifest = manifest.path
        var pkg = DataPackage(name: batchFormulaTable, title: "Derived indicators by \(zc.idField)", created: iso.string(from: started),
                              resources: [DataPackage.Resource(name: batchFormulaTable, path: batchFormulaTable + ".csv", format: "csv",
                                                               mediatype: "text/csv", fields: fields, rows: rows)],
                              sources: sources, geotool: run)
        var m = DataPackage.Method()
        m.formulas = formulaDefinitions(named)
        m.rollup = zc.hasRollup ? "roll-up rows evaluate each formula on their own merged values (a district's sum over its sum)" : "none"
        pkg.method = m
        return pkg
    }
}
