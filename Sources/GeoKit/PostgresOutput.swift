import Foundation
import GeoCore
import GeoGDAL

// Zonal tables into PostgreSQL/PostGIS (`-o PG:... --table NAME`): the table as the CSV
// holds it, keyed by the P-code, with the sidecar's content as its metadata row.

/// The sidecar's data package adapted to a database table: the resource is the table, and
/// no password of the connection reaches the recorded command line.
public func postgresPackage(_ pkg: DataPackage, target: PostgresTarget, rows: Int) -> DataPackage {
    var pkg = pkg
    pkg.name = safeName(target.table)
    if !pkg.resources.isEmpty {
        pkg.resource.name = safeName(target.table)
        pkg.resource.path = target.qualifiedName
        pkg.resource.format = "postgresql"
        pkg.resource.rows = rows
        pkg.resource.mediatype = nil; pkg.resource.encoding = nil; pkg.resource.dialect = nil; pkg.resource.layers = nil
    }
    pkg.geotool.command = PostgresTarget.display(pkg.geotool.command)
    return pkg
}

extension ZonalResult {
    /// The primary key of a table shape: the id (P-code) of a wide table; pcode, indicator,
    /// statistic and band of a long one.
    public func primaryKey(_ format: TableFormat) -> [String] {
        format == .wide ? [idField] : ["pcode", "indicator", "stat", "band"]
    }

    /// Write the table (wide or long) into PostgreSQL, replacing `target` atomically, with
    /// the zones' geometry when `geometry` (wide tables) and the sidecar's content in the
    /// metadata table. Returns a warning when the key is not unique (duplicate or blank
    /// ids allowed): then the rows are keyed by `fid`.
    public func writePostgres(_ target: PostgresTarget, format: TableFormat, geometry: Bool, run: RunInfo) throws -> [GeoWarning] {
        let table = self.table(format)
        var warnings: [GeoWarning] = []
        var key = primaryKey(format)
        if !table.isUniqueKey(key) {
            warnings.append(GeoWarning(.ids, file: target.displayName,
                                       "\(key.joined(separator: ", ")) is not unique in every row (duplicate or blank ids): the table's primary key is fid, the row number"))
            key = []
        }
        var pkg = postgresPackage(dataPackage(output: target.table, run: run), target: target, rows: table.rows.count)
        pkg.warnings = (pkg.warnings ?? []) + warnings.map(\.message)
        let json = try sidecarData(pkg, for: target.qualifiedName)
        let geoms: [[UInt8]?]? = geometry && format == .wide
            ? geometries + [[UInt8]?](repeating: nil, count: max(0, table.rows.count - geometries.count)) : nil
        try table.writePostgres(target, geometries: geoms, crsWKT: zonesCRS, primaryKey: key, textColumns: layout(format).isText, metadata: json,
                                comment: "\(pkg.title); written by geotool \(GeoKitVersion.string); metadata in \(target.metadataTable)")
        return warnings
    }
}
