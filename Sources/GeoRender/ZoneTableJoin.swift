import Foundation
import GeoCore

/// Zones matched to the rows of a table by P-code: the table's column named like the
/// zones' id field (case-insensitive), else its first column.
public struct ZoneTableJoin: Sendable {
    public var idColumn: Int
    /// The table row of each zone (nil: the zone has no row).
    public var rowOfZone: [Int?]
    /// Ids of zones with no row, and of rows with no zone, in input order.
    public var zonesWithoutRow: [String]
    public var rowsWithoutZone: [String]
    /// Ids appearing on more than one table row (the first row is used).
    public var duplicateRowIDs: [String]
    /// Roll-up rows at another admin level than the zones (left out of the map).
    public var otherLevelRows = 0

    public init(table: Table, zoneIDs: [String], idField: String?) {
        idColumn = idField.flatMap { table.columnIndex($0) } ?? 0
        var rowOf: [String: Int] = [:]
        var dups: [String] = []
        func key(_ c: TableCell) -> String {
            switch c { case .text(let s): return s.trimmingCharacters(in: .whitespaces); case .number(let v): return formatNumber(v); case .empty: return "" }
        }
        for (r, row) in table.rows.enumerated() {
            let k = key(row[idColumn])
            if k.isEmpty { continue }
            if rowOf[k] != nil { dups.append(k) } else { rowOf[k] = r }
        }
        rowOfZone = zoneIDs.map { rowOf[$0.trimmingCharacters(in: .whitespaces)] }
        zonesWithoutRow = zip(zoneIDs, rowOfZone).filter { $0.1 == nil }.map(\.0)
        let zoneSet = Set(zoneIDs.map { $0.trimmingCharacters(in: .whitespaces) })
        // Roll-up rows (a `level` column, as `geotool zonal --rollup` writes) at another level
        // than the matched rows are not expected to match a zone.
        var levelOK: (Int) -> Bool = { _ in true }
        if let lc = table.columnIndex("level") {
            let matched = Set(rowOfZone.compactMap { $0 }.map { key(table.rows[$0][lc]) })
            levelOK = { matched.contains(key(table.rows[$0][lc])) }
        }
        var unmatched: [String] = [], other = 0
        for (r, row) in table.rows.enumerated() {
            let k = key(row[idColumn])
            if k.isEmpty || zoneSet.contains(k) { continue }
            if levelOK(r) { unmatched.append(k) } else { other += 1 }
        }
        rowsWithoutZone = unmatched
        otherLevelRows = other
        duplicateRowIDs = dups
    }

    /// Values of column `k` per zone (nil: no row or an empty cell).
    public func values(_ table: Table, column k: Int) -> [Double?] {
        rowOfZone.map { r in r.flatMap { table.rows[$0][k].doubleValue } }
    }

    /// One warning per problem (kind `.ids`, about the table): counts and the first few ids.
    public func problems(tablePath: String, zonesPath: String) -> [GeoWarning] {
        func few(_ ids: [String]) -> String {
            ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", ..." : "")
        }
        var out: [GeoWarning] = []
        if !zonesWithoutRow.isEmpty {
            out.append(GeoWarning(.ids, file: tablePath, "\(zonesWithoutRow.count) zone(s) of \(zonesPath) have no row in \(tablePath) (drawn as no data): \(few(zonesWithoutRow))"))
        }
        if !rowsWithoutZone.isEmpty {
            out.append(GeoWarning(.ids, file: tablePath, "\(rowsWithoutZone.count) row(s) of \(tablePath) match no zone of \(zonesPath) (not drawn): \(few(rowsWithoutZone))"))
        }
        if !duplicateRowIDs.isEmpty {
            out.append(GeoWarning(.ids, file: tablePath, "\(duplicateRowIDs.count) id(s) appear on more than one row of \(tablePath); the first row is used: \(few(duplicateRowIDs))"))
        }
        return out
    }
}
