import Foundation
import GeoCore
import GeoKit

// The table a report shows, made from the table model: the units' names (the zones' for
// units the table names not), insufficient units' values left out, and the descriptions of
// a long table's series, and which series to show. `geotool report` reads its options and
// calls these (and MapInputs.swift's) before the page.

extension Table {
    /// Names for the rows (units, with their id in column 0) without one in column `names`,
    /// from `zoneNames` by id; a `name` column is added when `names` is nil. Returns the
    /// names' column (`names` when there are no zone names).
    public mutating func fillUnitNames(column names: Int?, from zoneNames: [String: String]) -> Int? {
        guard !zoneNames.isEmpty else { return names }
        let k: Int
        if let names { k = names } else {
            columns.append("name")
            for r in rows.indices { rows[r].append(.empty) }
            k = columns.count - 1
        }
        for r in rows.indices where rows[r][k] == .empty {
            if let n = zoneNames[rows[r][0].csv] { rows[r][k] = .text(n) }
        }
        return k
    }
}

extension IndicatorTable {
    /// The series a report shows: `columns` by name (quality ones too), else every indicator
    /// statistic of `indicator` and `stat` (any when nil, case-insensitive); an error naming
    /// `tablePath` when none matches.
    public func reportSeries(columns: [String]?, indicator: String?, stat: String?, tablePath: String) throws -> [Int] {
        if let columns { return try columns.map { try selectSeries(column: $0) } }
        let chosen = indicatorSeries.filter { k in
            let s = series[k]
            return (indicator == nil || s.indicator.lowercased() == indicator!.lowercased())
                && (stat == nil || s.stat?.lowercased() == stat!.lowercased())
        }
        if chosen.isEmpty {
            throw GeoKitError.input(tablePath, "no indicator matches (indicators: \(indicatorSeries.map { series[$0].label }.joined(separator: ", ")))")
        }
        return chosen
    }

    /// Series `chosen` (the wide table `t`'s columns `columns`, its rows the units `units`):
    /// the values of units whose coverage is below `minCoverage` emptied, and which units
    /// they are, by column.
    public func emptyInsufficientUnits(_ t: inout Table, series chosen: [Int], columns: [Int], units: [Int],
                                       minCoverage: Double) throws -> [Int: [Bool]] {
        var flagsByColumn: [Int: [Bool]] = [:]
        for (j, s) in chosen.enumerated() {
            let flags = try insufficient(s, units: units, minCoverage: minCoverage)
            let k = columns[j]
            for r in t.rows.indices where flags[r] { t.rows[r][k] = .empty }
            flagsByColumn[k] = flags
        }
        return flagsByColumn
    }

    /// The table's metadata with the units and descriptions of the `chosen` series it does
    /// not name (a long table's sidecar names only its long columns); nil when there is
    /// neither.
    public func metadata(describing chosen: [Int]) -> TableMetadata? {
        var m = metadata ?? TableMetadata()
        for s in chosen where m.fields[series[s].label] == nil {
            let x = series[s]
            m.fields[x.label] = TableMetadata.Field(name: x.label, title: nil, unit: x.unit, description: x.description)
        }
        return metadata != nil || chosen.contains(where: { series[$0].unit != nil }) ? m : metadata
    }
}
