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
        // A coordinate column is a number column when every value is one; otherwise it is
        // text, and every cell is the register's own text (as in the CSV), not a number.
        for name in [points.xColumn, points.yColumn].compactMap({ $0 }) {
            guard let c = t.columns.firstIndex(of: name), let k = points.columnIndex(name) else { continue }
            let isText = t.rows.contains { if case .text(let v) = $0[c] { return !v.trimmingCharacters(in: .whitespaces).isEmpty }; return false }
            guard isText else {
                for r in t.rows.indices { if case .text = t.rows[r][c] { t.rows[r][c] = .empty } }
                continue
            }
            for r in t.rows.indices {
                let given = points.fields(r)[k]
                t.rows[r][c] = given.trimmingCharacters(in: .whitespaces).isEmpty ? .empty : .text(given)
            }
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
        let fields = t.columns.enumerated().map { DataPackage.Field(name: $1, type: isText[$0] ? "string" : "number") }
        var counts: [String: Int] = [:]
        for (m, c) in self.counts { counts[m.label] = c }
        var run = DataPackage.Run(version: GeoKitVersion.string, gdal: GDAL.version, command: PostgresTarget.display(commandLine))
        run.started = iso.string(from: started)
        run.seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
        var pkg = DataPackage(name: safeName(target.table),
                              title: "Points of \((points.path as NSString).lastPathComponent) joined to \(idField)",
                              created: iso.string(from: started),
                              resources: [DataPackage.Resource(name: safeName(target.table), path: target.qualifiedName, format: "postgresql",
                                                               encoding: nil, fields: fields, rows: t.rows.count)],
                              sources: [DataPackage.Source(title: "points", path: points.path), DataPackage.Source(title: "zones", path: zonesPath)],
                              geotool: run)
        pkg.match = counts
        pkg.coordinates = points.coordinatesNote(crs: crsWKT)
        pkg.warnings = warnings.map(\.message)
        pkg.myanmarText = myanmarTextEntry
        let json = try sidecarData(pkg, for: target.qualifiedName)
        let geoms: [[UInt8]?]? = geometry
            ? (0..<points.count).map { points.status[$0] == .ok ? pointWKB(x: points.x[$0], y: points.y[$0]) : nil } : nil
        try t.writePostgres(target, geometries: geoms, crsWKT: crsWKT, geometryKind: .point, primaryKey: key, textColumns: isText,
                            metadata: json, comment: "\(pkg.title); written by geotool \(GeoKitVersion.string); metadata in \(target.metadataTable)")
        return warnings
    }
}
