import CGeo
import Foundation
import GeoCore

// Tables written into PostgreSQL/PostGIS (`-o PG:"dbname=..." --table NAME`) through GDAL's
// PostgreSQL driver. The whole write is ONE transaction: the rows go into a new table under
// a temporary name, then the old table is dropped, the new one renamed into place, its
// primary key added and its metadata row upserted, and only then is it committed. A reader
// sees the old table until the commit and the new one after it, never half a table; a
// failed run rolls back, and a killed one is rolled back by the server when the connection
// drops, so neither leaves a temporary table behind (PostgreSQL's DDL is transactional).

/// A table in a PostgreSQL database as an output.
public struct PostgresTarget: Sendable, Equatable {
    /// The libpq connection string (after `PG:`).
    public var connection: String
    public var schema: String?
    public var table: String

    /// Whether an output names a database (`PG:...`) rather than a file.
    public static func isPostgres(_ output: String) -> Bool { output.uppercased().hasPrefix("PG:") }

    /// Longest table name: PostgreSQL cuts names at 63 bytes, and the temporary name adds
    /// `__geotool_` and a process id.
    public static let maxNameLength = 40

    /// `output` is `PG:...`; `table` is `NAME` or `SCHEMA.NAME`, lower-case letters, digits
    /// and `_` (names that need no quoting in SQL).
    public init(output: String, table: String?) throws {
        precondition(PostgresTarget.isPostgres(output))
        connection = String(output.dropFirst(3)).trimmingCharacters(in: .whitespaces)
        let shown = PostgresTarget.display(output)
        guard let table, !table.isEmpty else {
            throw GeoKitError(.argument, file: shown, "a PostgreSQL output needs \(Setting.table, "NAME") (the table to write)")
        }
        let parts = table.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func valid(_ s: String) -> Bool {
            guard let f = s.unicodeScalars.first, f == "_" || ("a"..."z").contains(f) else { return false }
            return s.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        }
        guard parts.count <= 2, parts.allSatisfy(valid) else {
            throw GeoKitError(.argument, file: shown,
                              "invalid \(Setting.table, "'\(table)'"): use lower-case letters, digits and _ (starting with a letter or _), optionally SCHEMA.NAME")
        }
        guard parts.last!.utf8.count <= PostgresTarget.maxNameLength else {
            throw GeoKitError(.argument, file: shown, "invalid \(Setting.table, "'\(table)'"): at most \(PostgresTarget.maxNameLength) characters")
        }
        self.table = parts.last!
        schema = parts.count == 2 ? parts[0] : nil
    }

    /// The output as messages show it: `PG:` and the connection with any password hidden
    /// (`password=...` and a URI's `user:secret@`).
    public static func display(_ output: String) -> String {
        output.replacingOccurrences(of: #"password\s*=\s*('([^'\\]|\\.)*'|[^\s'"]*)"#, with: "password=***", options: [.regularExpression, .caseInsensitive])
            .replacingOccurrences(of: #"(://[^/@:]*):[^/@]*@"#, with: "$1:***@", options: .regularExpression)
    }

    /// The target as messages show it: the connection (no password) and the table.
    public var displayName: String { PostgresTarget.display("PG:" + connection) + " table " + qualifiedName }

    /// `schema.table` (as given: names that need no quoting).
    public var qualifiedName: String { (schema.map { $0 + "." } ?? "") + table }

    /// The companion table of metadata, in the table's schema.
    public var metadataTable: String { (schema.map { $0 + "." } ?? "") + "geokit_metadata" }
}

extension PostgresTarget {
    /// The metadata row of the table (JSON text), nil when the table or its row is absent.
    public func storedMetadata() throws -> String? {
        GDAL.initialize()
        CPLErrorReset()
        guard let ds = GDALOpenEx("PG:" + connection, UInt32(GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw GeoKitError.io(PostgresTarget.display("PG:" + connection), "cannot connect to PostgreSQL: \(GDAL.lastError("unknown error").split(whereSeparator: \.isNewline).filter { $0 != "PQconnectdb failed." }.joined(separator: "; "))")
        }
        defer { GDALClose(ds) }
        func first(_ q: String) -> String? {
            CPLErrorReset()
            guard let res = GDALDatasetExecuteSQL(ds, q, nil, nil) else { return nil }
            defer { GDALDatasetReleaseResultSet(ds, res) }
            OGR_L_ResetReading(res)
            guard let f = OGR_L_GetNextFeature(res) else { return nil }
            defer { OGR_F_Destroy(f) }
            return OGR_F_IsFieldSetAndNotNull(f, 0) != 0 ? String(cString: OGR_F_GetFieldAsString(f, 0)) : nil
        }
        let exists = first("SELECT (to_regclass(\(quoteLiteral(qualifiedName))) IS NOT NULL AND to_regclass(\(quoteLiteral(metadataTable))) IS NOT NULL)::text AS e")
        guard exists == "true" else { return nil }
        return first("SELECT metadata::text AS m FROM \(metadataTable) WHERE table_name = \(quoteLiteral(table))")
    }
}

extension Table {
    /// Whether `columns` hold a non-empty, unique value in every row (a primary key).
    public func isUniqueKey(_ keyColumns: [String]) -> Bool {
        let idx = keyColumns.compactMap { columns.firstIndex(of: $0) }
        guard !idx.isEmpty, idx.count == keyColumns.count else { return false }
        var seen = Set<[String]>()
        for r in rows {
            let key = idx.map { r[$0] }
            if key.contains(.empty) || key.contains(.text("")) || !seen.insert(key.map(\.csv)).inserted { return false }
        }
        return true
    }

    /// Write the table into PostgreSQL as `target`, replacing any table of that name in one
    /// transaction (see the top of this file). Text columns (`textColumns`, by default those
    /// holding any text) are `varchar`, the others `double precision`; `primaryKey` columns (unique, checked by the caller) become the
    /// primary key, else an `fid` column numbering the rows from 1 is. `geometries` (WKB in
    /// `crsWKT`, one per row) go in a `geom` column with a spatial index. `metadata` (the
    /// sidecar's JSON) is upserted into the schema's `geokit_metadata` table
    /// (`table_name`, `metadata` jsonb, `written_at`), and `comment` set on the table.
    public func writePostgres(_ target: PostgresTarget, geometries: [[UInt8]?]? = nil, crsWKT: String? = nil,
                              geometryKind: OGRGeometryKind = .multiPolygon, primaryKey: [String] = [],
                              textColumns: [Bool]? = nil, metadata: Data? = nil, comment: String? = nil) throws {
        GDAL.initialize()
        let shown = PostgresTarget.display("PG:" + target.connection)
        CPLErrorReset()
        guard let ds = GDALOpenEx("PG:" + connectionNamingGeotool(target.connection), UInt32(GDAL_OF_VECTOR | GDAL_OF_UPDATE | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
            throw PostgresTransaction.failure(shown, "cannot connect to PostgreSQL")
        }
        var committed = false
        defer {
            if !committed { GDALDatasetRollbackTransaction(ds) }
            GDALClose(ds)
        }
        let tx = PostgresTransaction(ds: ds, shown: shown)
        CPLErrorReset()
        guard GDALDatasetStartTransaction(ds, 0) == OGRERR_NONE else { throw tx.fail("cannot start a transaction") }
        let final = target.qualifiedName
        let tmpName = "\(target.table)__geotool_\(getpid())"
        try loadRows(tx, into: (target.schema.map { $0 + "." } ?? "") + tmpName, final: final, geometries: geometries, crsWKT: crsWKT,
                     geometryKind: geometryKind)
        // The swap, still inside the transaction.
        let isText = textColumns ?? columns.indices.map { c in rows.contains { if case .text = $0[c] { return true }; return false } }
        let numbers = columns.indices.filter { !isText[$0] }.map { quoteIdentifier(columns[$0]) }
        try tx.replace(target, with: tmpName, numberColumns: numbers, primaryKey: primaryKey, spatialIndex: geometries != nil)
        if let comment { try tx.sql("COMMENT ON TABLE \(final) IS \(quoteLiteral(comment))", "cannot comment on \(final)") }
        if let metadata { try tx.upsertMetadata(metadata, of: target) }
        CPLErrorReset()
        guard GDALDatasetCommitTransaction(ds) == OGRERR_NONE, CPLGetLastErrorType() != CE_Failure else {
            throw tx.fail("cannot commit \(final)")
        }
        committed = true
    }

    /// The rows (and `geometries`, WKB in `crsWKT`) into a new layer `table` of the
    /// transaction's database, every column as text (`final`: the table's name in errors).
    private func loadRows(_ tx: PostgresTransaction, into table: String, final: String, geometries: [[UInt8]?]?, crsWKT: String?,
                          geometryKind: OGRGeometryKind) throws {
        var srs: OGRSpatialReferenceH?
        if let crsWKT, geometries != nil {
            srs = OSRNewSpatialReference(crsWKT)
            OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
        }
        defer { if let srs { OSRRelease(srs) } }
        let gtype = geometries == nil ? wkbNone : geometryKind == .point ? wkbPoint : wkbMultiPolygon
        var options: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        // Names exactly as in the CSV and the metadata (no laundering); doubles, not numeric(w,p).
        for (k, v) in [("LAUNDER", "NO"), ("PRECISION", "NO"), ("FID", postgresFID), ("GEOMETRY_NAME", "geom"), ("DIM", "2")] {
            options = CSLSetNameValue(options, k, v)
        }
        defer { CSLDestroy(options) }
        CPLErrorReset()
        guard let layer = GDALDatasetCreateLayer(tx.ds, table, srs, gtype, options) else { throw tx.fail("cannot create table \(final)") }
        for name in columns {
            // Numbers go in as their shortest exact text and become doubles after the load:
            // GDAL's PostgreSQL driver writes reals with 15 significant digits, which loses bits.
            let fd = OGR_Fld_Create(name, OFTString)
            let err = OGR_L_CreateField(layer, fd, 1)
            OGR_Fld_Destroy(fd)
            if err != OGRERR_NONE { throw tx.fail("cannot create column \(name) of \(final)") }
        }
        let defn = OGR_L_GetLayerDefn(layer)
        for (i, row) in rows.enumerated() {
            let f = OGR_F_Create(defn)
            for (c, cell) in row.enumerated() {
                switch cell {
                case .text(let s): OGR_F_SetFieldString(f, Int32(c), s)
                // The number rule: NaN and ±infinity are NULL.
                case .number(let v): if v.isFinite { OGR_F_SetFieldString(f, Int32(c), formatNumber(v)) } else { OGR_F_SetFieldNull(f, Int32(c)) }
                case .empty: OGR_F_SetFieldNull(f, Int32(c))
                }
            }
            if let geoms = geometries, i < geoms.count, var wkb = geoms[i] {
                var g: OGRGeometryH?
                wkb.withUnsafeMutableBufferPointer { _ = OGR_G_CreateFromWkb($0.baseAddress, srs, &g, Int32($0.count)) }
                if let g { OGR_F_SetGeometryDirectly(f, geometryKind == .point ? g : OGR_G_ForceToMultiPolygon(g)) }
            }
            CPLErrorReset()
            let err = OGR_L_CreateFeature(layer, f)
            OGR_F_Destroy(f)
            if err != OGRERR_NONE { throw tx.fail("cannot write row \(i + 1) of \(final)") }
        }
        CPLErrorReset()
        if OGR_L_SyncToDisk(layer) != OGRERR_NONE { throw tx.fail("cannot write \(final)") }
    }
}

/// The column OGR numbers a PostgreSQL table's rows in (the key when no other is given).
private let postgresFID = "fid"

/// The connection string naming the program, for whoever watches pg_stat_activity.
private func connectionNamingGeotool(_ connection: String) -> String {
    var conn = connection
    if conn.range(of: "application_name", options: .caseInsensitive) == nil && !conn.contains("://") {
        conn += " application_name=geotool"
    }
    return conn
}

/// A PostgreSQL dataset inside the transaction of one table's write, and its errors (naming
/// the connection as `shown`, without its password).
private struct PostgresTransaction {
    let ds: GDALDatasetH
    let shown: String

    /// GDAL's last error after `what`, PostgreSQL's noise left out.
    static func failure(_ shown: String, _ what: String) -> GeoKitError {
        let msg = GDAL.lastError("unknown error").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "PQconnectdb failed." }.joined(separator: "; ")
        return GeoKitError.io(shown, "\(what): \(PostgresTarget.display(msg))")
    }
    func fail(_ what: String) -> GeoKitError { Self.failure(shown, what) }

    /// Run `statement`; an error saying `what` failed when it does.
    func sql(_ statement: String, _ what: String) throws {
        CPLErrorReset()
        let res = GDALDatasetExecuteSQL(ds, statement, nil, nil)
        if let res { GDALDatasetReleaseResultSet(ds, res) }
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal { throw fail(what) }
    }

    /// The loaded table `tmpName` in the place of `target`'s: number columns made doubles,
    /// the key (`primaryKey`, else OGR's fid) and the spatial index named after the table.
    func replace(_ target: PostgresTarget, with tmpName: String, numberColumns numbers: [String], primaryKey: [String],
                 spatialIndex: Bool) throws {
        let final = target.qualifiedName
        let schemaPrefix = target.schema.map { $0 + "." } ?? ""
        let tmp = schemaPrefix + tmpName
        let fid = postgresFID
        if !numbers.isEmpty {
            try sql("ALTER TABLE \(tmp) " + numbers.map { "ALTER COLUMN \($0) TYPE double precision USING \($0)::double precision" }.joined(separator: ", "),
                    "cannot write the numbers of \(final)")
        }
        let keyed = !primaryKey.isEmpty
        if keyed { try sql("ALTER TABLE \(tmp) DROP COLUMN \(fid)", "cannot write \(final)") }
        try sql("DROP TABLE IF EXISTS \(final)", "cannot replace \(final)")
        try sql("ALTER TABLE \(tmp) RENAME TO \(target.table)", "cannot rename the new table to \(final)")
        if keyed {
            try sql("ALTER TABLE \(final) ADD CONSTRAINT \(target.table)_pkey PRIMARY KEY (\(primaryKey.map(quoteIdentifier).joined(separator: ", ")))",
                    "cannot add the primary key (\(primaryKey.joined(separator: ", "))) to \(final)")
        } else {
            // OGR named the key, its sequence and index after the temporary name.
            try sql("ALTER INDEX IF EXISTS \(schemaPrefix)\(quoteIdentifier(tmpName + "_pkey")) RENAME TO \(quoteIdentifier(target.table + "_pkey"))",
                    "cannot rename the primary key of \(final)")
            try sql("ALTER SEQUENCE IF EXISTS \(schemaPrefix)\(quoteIdentifier(tmpName + "_" + fid + "_seq")) RENAME TO \(quoteIdentifier(target.table + "_" + fid + "_seq"))",
                    "cannot rename the sequence of \(final)")
        }
        if spatialIndex {
            try sql("ALTER INDEX IF EXISTS \(schemaPrefix)\(quoteIdentifier(tmpName + "_geom_geom_idx")) RENAME TO \(quoteIdentifier(target.table + "_geom_idx"))",
                    "cannot rename the spatial index of \(final)")
        }
    }

    /// The sidecar's JSON into the schema's metadata table, replacing the table's row.
    func upsertMetadata(_ metadata: Data, of target: PostgresTarget) throws {
        let m = target.metadataTable
        try sql("CREATE TABLE IF NOT EXISTS \(m) (table_name text PRIMARY KEY, metadata jsonb NOT NULL, written_at timestamptz NOT NULL DEFAULT now())",
                "cannot create \(m)")
        try sql("INSERT INTO \(m) (table_name, metadata, written_at) VALUES (\(quoteLiteral(target.table)), \(quoteLiteral(String(decoding: metadata, as: UTF8.self)))::jsonb, now()) "
                + "ON CONFLICT (table_name) DO UPDATE SET metadata = EXCLUDED.metadata, written_at = EXCLUDED.written_at",
                "cannot write the metadata of \(target.qualifiedName) into \(m)")
    }
}

/// A SQL identifier in double quotes (`"TS_PCODE"`: mixed case kept).
package func quoteIdentifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

/// A SQL string literal that reads the same whatever `standard_conforming_strings` says.
package func quoteLiteral(_ s: String) -> String {
    "E'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
}
