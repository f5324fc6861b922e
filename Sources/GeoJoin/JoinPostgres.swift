import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// The joined table into PostgreSQL/PostGIS (`geotool join -o PG:... --table NAME`).

extension PointJoinResult {
    /// Write the joined table into PostgreSQL, replacing `target` atomically: the CSV's
    /// columns, the coordinate columns as numbers (when every value is one), each row's
    /// point (in `crsWKT`) when `geometry`, keyed by `idColumn` when its values are unique
    /// (else by `fid`, the input row number), with a metadata row describing the run.
    /// Returns a warning when the id column cannot be the key.
    public func writePostgres(_ points: PointTable, zonesPath: String, target: PostgresTarget, geometry: Bool, crsWKT: String?,
                              idColumn: String?, commandLine: String, started: Date) throws -> [GeoWarning] {
        var t = table(points)
        // Coordinates as numbers: a CSV's are text until read.
        for name in [points.xColumn, points.yColumn].compactMap({ $0 }) {
            guard let c = t.columns.firstIndex(of: name) else { continue }
            let cells = t.rows.map { row -> TableCell? in
                guard case .text(let s) = row[c] else { return row[c] }
                let v = s.trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? .empty : Double(v).map { .number($0) }
            }
            if cells.allSatisfy({ $0 != nil }) { for r in t.rows.indices { t.rows[r][c] = cells[r]! } }
        }
        var warnings: [GeoWarning] = []
        var key: [String] = []
        if let idColumn {
            if t.isUniqueKey([idColumn]) { key = [idColumn] } else {
                warnings.append(GeoWarning(.ids, file: target.displayName,
                                           "\(idColumn) is not unique in every row (duplicate or blank ids): the table's primary key is fid, the input row number"))
            }
        }
        let isText = t.columns.indices.map { c in t.rows.contains { if case .text = $0[c] { return true }; return false } }
        let iso = ISO8601DateFormatter()
        let fields: [[String: Any]] = t.columns.enumerated().map { ["name": $1, "type": isText[$0] ? "string" : "number"] }
        var counts: [String: Int] = [:]
        for (m, c) in self.counts { counts[m.label] = c }
        let pkg: [String: Any] = [
            "profile": "tabular-data-package", "name": safeName(target.table),
            "title": "Points of \((points.path as NSString).lastPathComponent) joined to \(idField)",
            "created": iso.string(from: started),
            "resources": [["name": safeName(target.table), "path": target.qualifiedName, "format": "postgresql", "rows": t.rows.count,
                           "profile": "tabular-data-resource", "schema": ["fields": fields, "missingValues": [""]]]],
            "sources": [["title": "points", "path": points.path], ["title": "zones", "path": zonesPath]],
            "geotool": ["version": GeoKitVersion.string, "gdal": GDAL.version, "command": PostgresTarget.display(commandLine),
                        "started": iso.string(from: started), "seconds": (Date().timeIntervalSince(started) * 1000).rounded() / 1000],
            "match": counts,
            "warnings": warnings.map(\.message),
        ]
        let json = try sidecarData(pkg, for: target.qualifiedName)
        let geoms: [[UInt8]?]? = geometry
            ? (0..<points.count).map { points.status[$0] == .ok ? pointWKB(x: points.x[$0], y: points.y[$0]) : nil } : nil
        try t.writePostgres(target, geometries: geoms, crsWKT: crsWKT, geometryKind: .point, primaryKey: key, textColumns: isText,
                            metadata: json, comment: "\(pkg["title"]!); written by geotool \(GeoKitVersion.string); metadata in \(target.metadataTable)")
        return warnings
    }
}
