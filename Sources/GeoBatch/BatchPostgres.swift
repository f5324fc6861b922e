import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// `geotool batch MANIFEST --database PG:...`: each indicator's table, as written to the
// output folder (the cache and the CSV stay the source of truth), loaded into PostgreSQL as
// the table named after the indicator, with its sidecar as the metadata row. A table whose
// metadata in the database already equals the sidecar on disk is left alone.

extension BatchRunner {
    /// Load every indicator's CSV and sidecar into the database `output` (`PG:...`), each
    /// replaced atomically. Returns the names loaded and those already up to date.
    public static func loadIntoPostgres(_ manifest: BatchManifest, output: String) throws -> (loaded: [String], upToDate: [String]) {
        var loaded: [String] = [], upToDate: [String] = []
        // Each indicator's table, and `vector.csv` when the manifest has `vector:` layers.
        for name in manifest.indicators.map(\.name) + (manifest.vector.isEmpty ? [] : [batchVectorTable]) {
            let target = try PostgresTarget(output: output, table: name.lowercased())
            let csvPath = tablePath(manifest, name), sidePath = ZonalResult.sidecarPath(for: csvPath)
            guard let sideData = FileManager.default.contents(atPath: sidePath) else {
                throw GeoKitError.input(sidePath, "no metadata sidecar to load with \(csvPath)")
            }
            let side = try DataPackage.decode(sideData, path: sidePath)
            var table = try Table.readCSV(path: csvPath)
            // Column types as the sidecar declares them (readCSV guesses from the values).
            let fields = side.resources.first?.schema.fields ?? []
            var isText = table.columns.map { _ in true }
            for (c, name) in table.columns.enumerated() {
                let type = fields.first { $0.name == name }?.type
                isText[c] = type != "number"
                for r in table.rows.indices {
                    switch table.rows[r][c] {
                    case .number(let v) where isText[c]: table.rows[r][c] = .text(formatNumber(v))
                    case .text(let s) where !isText[c]:
                        table.rows[r][c] = Double(s.trimmingCharacters(in: .whitespaces)).map { .number($0) } ?? .empty
                    default: break
                    }
                }
            }
            let pkg = postgresPackage(side, target: target, rows: table.rows.count)
            let json = try sidecarData(pkg, for: target.qualifiedName)
            if let stored = try target.storedMetadata(), JSONValue.canonicalText(of: Data(stored.utf8)) == JSONValue.canonicalText(of: json) {
                upToDate.append(name)
                continue
            }
            let keys = [[table.columns[0]], ["pcode", "indicator", "stat", "band", "date"], ["pcode", "level", "indicator"]]
            let key = keys.first { table.isUniqueKey($0) } ?? []
            try table.writePostgres(target, primaryKey: key, textColumns: isText, metadata: json,
                                    comment: "\(pkg.title); written by geotool batch \(GeoKitVersion.string); metadata in \(target.metadataTable)")
            loaded.append(name)
        }
        return (loaded, upToDate)
    }
}

