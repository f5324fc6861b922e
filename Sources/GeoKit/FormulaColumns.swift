import Foundation
import GeoCore

// Derived indicators in a zonal result (`--formula 'ntl_pc = ntl_sum / pop_sum'`): each
// formula is a column after the statistic columns, keyed by the output column names it
// uses, so it works on any column a run produces. Its value is evaluated per result row
// from that row's own values: a roll-up row's merged sums, never a mean of its zones'
// ratios. The empty rule is GeoCore's (`formulaEmptyRule`).

/// Where a name a formula uses takes its value from.
package enum FormulaSource: Sendable {
    /// Index into the result's indicator columns.
    case indicator(Int)
    case zoneArea(ZoneAreaVariable)
    /// An earlier formula of the same run (index into `formulas`).
    case formula(Int)
}

/// A formula with each name it uses resolved against the result's columns.
package struct ResolvedFormula: Sendable {
    package var named: NamedFormula
    package var sources: [String: FormulaSource]
}

extension ZonalResult {
    /// Each formula with its names resolved against `cols`, for writing rows: a name that
    /// does not resolve (a result whose formulas were set without `resolveFormulas`'s check)
    /// reads as empty, so every row keeps the layout's cells.
    package func formulasForRows(_ cols: [IndicatorColumn]) -> [ResolvedFormula] {
        if let r = try? resolveFormulas(cols) { return r }
        var byName: [String: FormulaSource] = [:]
        for (i, c) in cols.enumerated() { byName[c.name] = .indicator(i) }
        for v in ZoneAreaVariable.allCases { byName[v.rawValue] = .zoneArea(v) }
        return formulas.enumerated().map { k, f in
            defer { byName[f.name] = byName[f.name] ?? .formula(k) }
            return ResolvedFormula(named: f, sources: byName.filter { f.formula.columns.contains($0.key) })
        }
    }

    /// Each formula with its names resolved against `cols`; an unknown name is an error
    /// naming the formula, the column, a near one and the columns there are.
    package func resolveFormulas(_ cols: [IndicatorColumn]) throws -> [ResolvedFormula] {
        guard !formulas.isEmpty else { return [] }
        var byName: [String: FormulaSource] = [:]
        for (i, c) in cols.enumerated() { byName[c.name] = .indicator(i) }
        for v in ZoneAreaVariable.allCases { byName[v.rawValue] = .zoneArea(v) }
        var out: [ResolvedFormula] = []
        for (k, f) in formulas.enumerated() {
            if let clash = cols.first(where: { $0.name.lowercased() == f.name.lowercased() }) {
                throw GeoKitError.argument("formula '\(f.text)': the name '\(f.name)' is already a column ('\(clash.name)'); give the formula another name")
            }
            var sources: [String: FormulaSource] = [:]
            for name in f.formula.columns {
                guard let s = byName[name] else {
                    throw unknownFormulaColumn(name, in: f, known: cols.map(\.name) + formulas[..<k].map(\.name))
                }
                sources[name] = s
            }
            out.append(ResolvedFormula(named: f, sources: sources))
            byName[f.name] = .formula(k)
        }
        return out
    }

    /// The values of the formulas for unit `u`, in order (a formula may use an earlier one's).
    package func formulaValues(_ u: ResultUnit, _ cols: [IndicatorColumn], _ resolved: [ResolvedFormula]) -> [Double?] {
        var values: [Double?] = []
        values.reserveCapacity(resolved.count)
        for r in resolved {
            values.append(r.named.formula.evaluate { name in
                switch r.sources[name] {
                case .indicator(let i)?: if case .number(let v) = value(u, cols[i]) { return v } else { return nil }
                case .zoneArea(let a)?: return u.zoneArea / a.squareMetres
                case .formula(let k)?: return values[k]
                case nil: return nil
                }
            })
        }
        return values
    }

    private func unknownFormulaColumn(_ name: String, in f: NamedFormula, known: [String]) -> GeoKitError {
        let all = known + ZoneAreaVariable.allCases.map(\.rawValue)
        return GeoKitError.argument("formula '\(f.text)': no column '\(name)' in the output\(didYouMean(name, all)) (columns: \(all.joined(separator: ", ")))")
    }
}

extension ZonalJob {
    /// Check the formulas before the engine runs: names that are new column names, and
    /// every name used either a column the run will have, a zone area, an earlier formula,
    /// or one of the per-class columns (known only after the run, checked then).
    func checkFormulas(bands: [OutputBand]) throws {
        guard !formulas.isEmpty else { return }
        // Each band's own statistics (operations give bands different ones), named as the
        // table names them; per-class columns by their prefix and (conditioned) suffix.
        let scalarNames = bands.flatMap { b in (b.stats ?? stats).filter { $0.classColumnPrefix == nil }.map { b.columnName($0) } }
        let classColumns: [(prefix: String, suffix: String, numeric: Bool)] = bands.flatMap { b in
            (b.stats ?? stats).compactMap { st in
                st.classColumnPrefix.map { ("\(b.label)_\($0)_", b.condition.map { "_where_" + $0.columnSuffix } ?? "", b.classBreaks == nil) }
            }
        }
        func isClassColumn(_ name: String) -> Bool {
            classColumns.contains { c in
                guard name.hasPrefix(c.prefix), name.hasSuffix(c.suffix), name.count > c.prefix.count + c.suffix.count else { return false }
                let middle = name.dropFirst(c.prefix.count).dropLast(c.suffix.count)
                return !c.numeric || Double(middle) != nil
            }
        }
        let fixed = [idField, "level", "name"] + includeFields
        var known = scalarNames
        for (k, f) in formulas.enumerated() {
            if formulas[..<k].contains(where: { $0.name.lowercased() == f.name.lowercased() }) {
                throw GeoKitError.argument("formula '\(f.text)': two formulas named '\(f.name)'; give each its own name")
            }
            if let clash = (fixed + scalarNames + ZoneAreaVariable.allCases.map(\.rawValue)).first(where: { $0.lowercased() == f.name.lowercased() }) {
                throw GeoKitError.argument("formula '\(f.text)': the name '\(f.name)' is already a column ('\(clash)'); give the formula another name")
            }
            for name in f.formula.columns where !known.contains(name) && ZoneAreaVariable(rawValue: name) == nil {
                if isClassColumn(name) { continue }
                let all = known + ZoneAreaVariable.allCases.map(\.rawValue)
                let classes = classColumns.map { $0.prefix + "V" + $0.suffix }
                throw GeoKitError.argument("formula '\(f.text)': no column '\(name)' in the output\(didYouMean(name, all)) (columns: \((all + classes).joined(separator: ", ")))")
            }
            known.append(f.name)
        }
    }
}

extension ZonalJob {
    /// Whether any formula uses the zones' areas (then they are computed, as for `coverage`).
    var formulasUseZoneArea: Bool {
        formulas.contains { f in f.formula.columns.contains { ZoneAreaVariable(rawValue: $0) != nil } }
    }
}
