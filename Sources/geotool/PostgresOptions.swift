import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL

/// Checks of a `-o PG:...` output and its options (`--table`, `--geometry`), shared by zonal
/// and join; true when the output is a database table.
func validatePostgresOutput(_ output: String, table: String?, geometry: Bool, hxl: Bool = false, long: Bool = false) throws -> Bool {
    guard PostgresTarget.isPostgres(output) else {
        if table != nil { throw ValidationError("--table names a PostgreSQL table: use it with -o PG:\"dbname=...\"") }
        if geometry { throw ValidationError("--geometry is for -o PG:...; .gpkg, .geojson, .fgb and .shp outputs carry the geometry anyway") }
        return false
    }
    let shown = PostgresTarget.display(output)
    if hxl { throw ValidationError("\(shown): a PostgreSQL table has no HXL row (HXL tags go under the header of CSV and XLSX tables); leave out --hxl") }
    if geometry && long { throw ValidationError("\(shown): --geometry needs a wide table (a long table has a row per statistic, not per unit)") }
    do { _ = try PostgresTarget(output: output, table: table) } catch let e as GeoKitError { throw ValidationError(e.commandLineMessage) }
    return true
}
