import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Give every point (school, clinic, village) the P-code of the polygon it falls in, and flag every problem.",
        discussion: """
        Output: every input row, in order, with all its columns, then the zone id (named as --id), the --include-cols, match, distance_m, swapped_<id> and flags.

        match values:
          inside          covered by exactly one zone (or features with one id)
          border          within --border-tolerance of another zone: the zone that
                          covers the point, or the lowest id (string order) when
                          two zones or none cover it
          nearest         outside every zone, within --nearest of one (distance_m)
          outside         outside every zone (and beyond --nearest)
          missing_coords  a blank coordinate
          invalid_coords  not a number, or out of range and not explained by a swap
          swapped_coords  latitude and longitude exchanged: the swapped position is in
                          a zone; its P-code goes to swapped_<id>, the id stays empty
          duplicate_id    (--id-col) the id appears more than once; P-code kept
          mismatch        (--check-col) the register's code differs from the found one
          border_ok       (--check-col) the register's code is that of another
                          unit on the border the point is on

        flags lists every flag of a row (e.g. missing_coords;duplicate_id), the first being match, then duplicate_row and zawgyi (never in match): duplicate_row for a row identical to another (the same position and the same text in every other field), zawgyi for a row with a Zawgyi-encoded field. --report writes, for each flagged row, the register's id, name, coordinates as written and code, the flags, and one action per flag.

        Example:
          geotool join --points schools.csv --zones tracts.gpkg --id VT_PCODE \\
              --include-cols TS_PCODE --nearest 2km --id-col school_id \\
              -o schools_pcoded.csv --report qa.csv

        Points from a GeoJSON, GeoPackage or other point layer keep their position in a table without geometry: as longitude and latitude columns (x and y in a projected CRS), in the layer's CRS, unless the layer has coordinate fields of its own.

        Outputs: .csv, .xlsx, and with each point's geometry (a point layer for QGIS) .gpkg, .geojson, .fgb and .shp (field names cut to 10 characters, said in a warning). -o - writes the CSV to standard output.

        CSV points: the separator is read from the header (comma, semicolon or tab) or given with --delimiter; --decimal-comma reads 16,8 as 16.8 in semicolon or tab separated files. --where filters the zones, --points-where an OGR point layer (not a CSV).

        Myanmar text: every field of the register and the zones' --include-cols are checked for the Zawgyi encoding (one warning per column with counts); --id-col and --check-col compare Zawgyi values in their Unicode form, so a school written once in each encoding is a duplicate. --myanmar-text unicode converts Zawgyi values to Unicode in the output (docs/myanmar-text.md).

        See docs/join.md.
        """
    )

    @Option(help: "Points: a CSV with coordinate columns, or any OGR point layer (GeoJSON, GeoPackage...).")
    var points: String

    @Option(help: "Layer of the points file when it is not a CSV (default: the first).")
    var pointsLayer: String?

    @Option(name: .customLong("points-where"), help: ArgumentHelp("Only the points matching this OGR attribute filter (OGR point layers, not CSV).", valueName: "EXPR"))
    var pointsWhere: String?

    @OptionGroup var pointReading: PointReadingOptions
    var pointsCRS: String? { pointReading.pointsCRS }

    @OptionGroup var zoneOptions: ZoneOptions
    var zones: String { zoneOptions.zones }
    var id: String { zoneOptions.id }
    var layer: String? { zoneOptions.filter.layer }
    var whereFilter: String? { zoneOptions.filter.whereFilter }

    @Option(name: .customLong("include-cols"), help: "More zone fields to attach, comma-separated.")
    var includeCols: String?

    @Option(help: "Search radius for points outside every zone: e.g. 2km, 500m; 0 = no search.")
    var nearest: String = "0"

    @Option(name: .customLong("check-col"), help: ArgumentHelp("Points column with the register's own code, compared with the zone field of the same name (or COL=FIELD).", valueName: "COL[=FIELD]"))
    var checkCol: String?

    @Option(name: .customLong("id-col"), help: "Points column with each row's identifier: repeated values are flagged duplicate_id.")
    var idCol: String?

    @Option(name: .customLong("name-col"), help: "Points column with each row's name, shown in --report (default: a column called name, or ending in name).")
    var nameCol: String?

    @OptionGroup var workers: WorkerOptions
    var threads: Int? { workers.threads }

    @OptionGroup var textOutput: TextOutputOptions
    var noFormulaGuard: Bool { textOutput.noFormulaGuard }
    var bom: Bool { textOutput.bom }

    @Option(name: .shortAndLong, help: "Output table: .csv, .xlsx, or with point geometry .gpkg, .geojson, .fgb or .shp; - writes CSV to standard output; PG:\"dbname=...\" a PostgreSQL table (with --table).")
    var output: String

    @Option(help: "Table to write (or replace) with -o PG:...: NAME or SCHEMA.NAME.")
    var table: String?

    @Flag(help: "With -o PG:...: add each row's point (a PostGIS geom column).")
    var geometry = false

    @Option(help: "QA table of every flagged row (not a clean inside match, or with Zawgyi text): .csv, .gpkg or .xlsx.")
    var report: String?

    @OptionGroup var quietness: QuietOptions

    @OptionGroup var myanmarText: MyanmarTextOptions

    func validate() throws {
        let pg = try validatePostgresOutput(output, table: table, geometry: geometry)
        let ext = output == "-" ? "csv" : (output as NSString).pathExtension.lowercased()
        if !pg && !zonalOutputFormats.contains(ext) {
            throw ValidationError("\(output): unknown output format\(didYouMean(ext, zonalOutputFormats, prefix: ".")); use .csv, .gpkg, .geojson, .fgb, .shp or .xlsx (or - for CSV on standard output)")
        }
        if let report {
            let ext = (report as NSString).pathExtension.lowercased()
            if !["csv", "gpkg", "xlsx"].contains(ext) {
                throw ValidationError("\(report): unknown output format\(didYouMean(ext, ["csv", "gpkg", "xlsx"], prefix: ".")); use .csv, .gpkg or .xlsx")
            }
        }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            // Refuse an output that is an input, or -o and --report that are one file, before any work.
            let pg = PostgresTarget.isPostgres(output) ? try PostgresTarget(output: output, table: table) : nil
            try OutputSafety.prepare(inputs: [points, zones], outputs: (output == "-" || pg != nil ? [] : [.init(output, option: "-o")] + shapefileParts(output))
                                     + (report.map { [.init($0, option: "--report")] } ?? []))
            let started = Date()
            let opts = try joinOptions()
            let bar = ProgressBar(enabled: Console.shared.showsProgress, unit: "points")
            bar.update(0, 1)
            var marks: [(String, Date)] = [("start", started)]
            let pts = try readPoints()
            marks.append(("read points", Date()))
            let joiner = try PointJoiner(zonesPath: zones, options: opts)
            marks.append(("read zones", Date()))
            warn(pts.warnings, listedIn: nil)
            // The zones' warnings, a file's many of one topic in one line; at most 20 lines.
            Console.shared.warn(joiner.warnings, listedIn: nil, maxLines: 20, more: "more warnings about the zones")
            let result = try joiner.join(pts, progress: bar.update)
            // The points' CRS, for outputs with geometry.
            let crsWKT = OGRFormat.spatial.contains((output as NSString).pathExtension.lowercased()) || (pg != nil && geometry)
                ? try SpatialReference(definition: pointsCRS ?? pts.crsWKT ?? "EPSG:4326").wkt : nil
            warnOfOutputFormat(result, pts)
            marks.append(("join", Date()))
            try writeOutputs(result, pts, postgres: pg, crsWKT: crsWKT, checkColumn: opts.checkColumn, started: started)
            marks.append(("write", Date()))
            bar.finish()
            let secs = String(format: "%.2f", Date().timeIntervalSince(started))
            Console.shared.summary("geotool: joined \(pts.count) points to \(joiner.zoneCount) zones in \(secs) s -> \(output == "-" ? "standard output" : pg?.displayName ?? output)")
            let counts = matchCounts(result, marks: marks)
            if !counts.isEmpty { Console.shared.detail(String(counts.dropLast())) }
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// The join's request from the options.
    private func joinOptions() throws -> PointJoinOptions {
        var opts = PointJoinOptions(idField: id)
        opts.includeFields = includeCols.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        opts.layer = layer
        opts.nearestMetres = try parseDistance(nearest, option: "--nearest")
        opts.borderToleranceMetres = try pointReading.borderToleranceMetres()
        opts.pointsCRS = pointsCRS
        opts.zonesFilter = whereFilter
        opts.idColumn = idCol
        if let c = checkCol {
            let parts = c.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            opts.checkColumn = parts[0]
            opts.checkField = parts.count > 1 ? parts[1] : nil
        }
        opts.threads = workers.count
        opts.myanmarText = myanmarText.mode
        return opts
    }

    /// The points, checked for Myanmar text (with --myanmar-text unicode) and for --name-col.
    private func readPoints() throws -> PointTable {
        var pts = try PointTable.read(path: points, xColumn: pointReading.x, yColumn: pointReading.y, layer: pointsLayer,
                                      delimiter: pointReading.delimiterByte, decimalComma: pointReading.decimalComma, filter: pointsWhere,
                                      crs: pointsCRS)
        if myanmarText.mode == .unicode { try pts.checkMyanmarText(.unicode) }
        if let nameCol, pts.columnIndex(nameCol) == nil {
            throw GeoKitError.input(points, "no column '\(nameCol)' for --name-col\(didYouMean(nameCol, pts.columns)) (columns: \(pts.columns.joined(separator: ", ")))")
        }
        return pts
    }

    /// What the output's format loses: a Shapefile's long names, a FlatGeobuf's rows without
    /// coordinates.
    private func warnOfOutputFormat(_ result: PointJoinResult, _ pts: PointTable) {
        if (output as NSString).pathExtension.lowercased() == "shp" { warnShapefileNames(result.outputColumns(pts), output) }
        if (output as NSString).pathExtension.lowercased() == "fgb" {
            // GDAL's FlatGeobuf writer skips features without geometry.
            let missing = pts.rowsWithoutCoordinates
            if missing > 0 { warn("\(output): \(missing) row(s) without valid coordinates are left out (FlatGeobuf holds no feature without geometry); write .gpkg, .geojson or .csv to keep them") }
        }
    }

    /// The joined table and the QA report (with --report): both or an error.
    private func writeOutputs(_ result: PointJoinResult, _ pts: PointTable, postgres pg: PostgresTarget?, crsWKT: String?,
                              checkColumn: String?, started: Date) throws {
        if let pg {
            // The QA report (a file) first, then the table: both or an error.
            if let report {
                try result.report(pts, idColumn: idCol, checkColumn: checkColumn)
                    .write(to: report, layerName: "qa", bom: bom, guardFormulas: !noFormulaGuard)
            }
            for w in try result.writePostgres(pts, zonesPath: zones, target: pg, geometry: geometry, crsWKT: crsWKT, idColumn: idCol,
                                              commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started) { warn(w) }
        } else if let report, output == "-" {
            // Standard output is not renamed: the report first, then the table.
            try result.report(pts, idColumn: idCol, checkColumn: checkColumn, nameColumn: nameCol)
                .write(to: report, layerName: "qa", bom: bom, guardFormulas: !noFormulaGuard)
            try result.write(pts, to: output, bom: bom, guardFormulas: !noFormulaGuard)
        } else if let report {
            // Table and QA report together: the report renamed first, the table last.
            let qa = result.report(pts, idColumn: idCol, checkColumn: checkColumn, nameColumn: nameCol)
            try writeAtomically([report, output]) { tmps in
                try result.write(pts, to: output, temporary: tmps[1], bom: bom, guardFormulas: !noFormulaGuard, crsWKT: crsWKT)
                try qa.write(to: report, temporary: tmps[0], layerName: "qa", bom: bom, guardFormulas: !noFormulaGuard)
            }
        } else {
            try result.write(pts, to: output, bom: bom, guardFormulas: !noFormulaGuard, crsWKT: crsWKT)
        }
    }

    /// The count of each match, the flags and (GEOTOOL_TIMING) the phases' times: lines to
    /// say under the summary (with -q; -qq keeps the one line).
    private func matchCounts(_ result: PointJoinResult, marks: [(String, Date)]) -> String {
        var counts = ""
        for (m, c) in result.counts {
            counts += "  " + m.label.padding(toLength: 15, withPad: " ", startingAt: 0) + String(c) + "\n"
        }
        // Flags, not match values: said apart, so that the counts above still add up.
        if result.duplicateRowCount > 0 {
            counts += "  and \(result.duplicateRowCount) row(s) flagged duplicate_row (identical to another row)\n"
        }
        if result.zawgyiRowCount > 0 {
            counts += "  and \(result.zawgyiRowCount) row(s) flagged zawgyi (Zawgyi-encoded text\(myanmarText.mode == .unicode ? ", converted to Unicode" : ""))\n"
        }
        if ProcessInfo.processInfo.environment["GEOTOOL_TIMING"] != nil {
            for k in 1..<marks.count { counts += String(format: "  time %@ %.3f s\n", marks[k].0, marks[k].1.timeIntervalSince(marks[k - 1].1)) }
        }
        return counts
    }
}

/// A --delimiter value: ',', ';', tab (also `tab`, `\t`).
func parseDelimiter(_ s: String) -> UInt8? {
    switch s {
    case ",": return UInt8(ascii: ",")
    case ";": return UInt8(ascii: ";")
    case "\t", "tab", "TAB", "\\t": return UInt8(ascii: "\t")
    default: return nil
    }
}

/// "2km", "500m", "1.5 km", "0" -> metres.
func parseDistance(_ s: String, option: String) throws -> Double {
    let t = s.trimmingCharacters(in: .whitespaces).lowercased()
    if let v = Double(t), v == 0 { return 0 }
    for (unit, f) in [("km", 1000.0), ("m", 1.0)] where t.hasSuffix(unit) {
        let num = t.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
        if let v = Double(num), v.isFinite, v >= 0 { return v * f }
    }
    throw GeoKitError.argument("\(option) \(s): give a distance with a unit, e.g. 500m or 2km (or 0 for no search)")
}
