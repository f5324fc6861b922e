import Foundation
import Yams
import GeoCore
import GeoGDAL
import GeoKit

// The formulas' table (`formulas.csv`), from the cached values of every indicator; the
// `formulas:` list is read in BatchFormulaManifest.swift.

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
