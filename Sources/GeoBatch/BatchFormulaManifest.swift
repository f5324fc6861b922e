import Foundation
import Yams
import GeoCore

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
