import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoKit
import GeoVector

struct Vector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vector",
        abstract: "Vector indicators per zone: points counted, lines measured, polygons overlapped (schools per township, road density, share in protected areas).",
        discussion: """
        Each layer is named (NAME=PATH); its columns start with NAME:
          --points NAME=PATH   NAME_count
            --count-by NAME=COL  NAME_count_<value of COL>
            --sum NAME=COL       NAME_COL_sum
            --mean NAME=COL      NAME_COL_mean
          --lines NAME=PATH    NAME_length_km, NAME_density (km per km2)
            --by NAME=FIELD      NAME_length_km_<value of FIELD>
          --polygons NAME=PATH NAME_area_km2 (overlaps dissolved),
                               NAME_share (0 to 1), NAME_features
            --by NAME=FIELD      NAME_area_km2_<value of FIELD>
        and zone_area_km2 with lines or polygons.

        Points: a CSV register (read as geotool join reads it) or any OGR layer; a point counts for the zone that covers it or, within --border-tolerance of two zones, for one of them (join's rule); points outside every zone are not counted (said in a warning). Lines and polygons: any OGR layer, in any CRS (reprojected to the zones'), mixed geometry types read feature by feature; invalid polygons repaired with make-valid. Lengths and areas are geodesic on the ellipsoid for geographic zones, planar metres for projected ones. A piece of line on the border of two zones counts once, for the zone first in id order.

        A zone with nothing in it keeps its row, with 0. --rollup adds parent rows: counts, lengths, areas and sums add; densities, shares and means are recomputed from the summed parts.

        Derived indicators: --formula 'schools_per_km2 = schools_count / zone_area_km2' adds a column computed from each row's own values after the roll-up, as in geotool zonal (docs/formulas.md).

        Example:
          geotool vector --zones townships.gpkg --id TS_PCODE \\
              --points schools=schools.csv --count-by schools=level --sum schools=students \\
              --lines roads=roads.gpkg --by roads=highway \\
              --polygons protected=wdpa.gpkg --by protected=category \\
              --rollup DT_PCODE,ST_PCODE -o tdi.csv

        Distributed: --part I/N --partial FILE computes the rows of a share of the zones (every layer still cut by all the zones, so a border piece counts once); geotool merge PART... -o OUT makes the table, byte for byte the single run's.

        In a batch manifest: a vector: list beside the raster indicators, with formulas over both (docs/batch.md).

        See docs/vector.md.
        """
    )

    @OptionGroup var zoneOptions: ZoneOptions
    var zones: String { zoneOptions.zones }
    var id: String { zoneOptions.id }
    var layer: String? { zoneOptions.filter.layer }
    var whereFilter: String? { zoneOptions.filter.whereFilter }

    @Option(name: .customLong("include-cols"), help: "More zone fields to copy to the table, comma-separated.")
    var includeCols: String?

    @Option(help: ArgumentHelp("Add parent rows from these zone fields, finest first, e.g. DT_PCODE,ST_PCODE.", valueName: "FIELDS"))
    var rollup: String?

    @Option(parsing: .singleValue, help: ArgumentHelp("A point layer to count (CSV or OGR), repeatable.", valueName: "NAME=PATH"))
    var points: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("A line layer to measure in each zone, repeatable.", valueName: "NAME=PATH"))
    var lines: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("A polygon layer to overlap with each zone, repeatable.", valueName: "NAME=PATH"))
    var polygons: [String] = []

    @Option(name: .customLong("count-by"), parsing: .singleValue, help: ArgumentHelp("Count the points of NAME per value of COL.", valueName: "NAME=COL"))
    var countBy: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("Sum the numeric column COL over the points of NAME in each zone.", valueName: "NAME=COL"))
    var sum: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("Mean of the numeric column COL over the points of NAME in each zone.", valueName: "NAME=COL"))
    var mean: [String] = []

    @Option(parsing: .singleValue, help: ArgumentHelp("Lengths or areas of the lines or polygons of NAME per value of FIELD.", valueName: "NAME=FIELD"))
    var by: [String] = []

    @Option(name: .customLong("layer-where"), parsing: .singleValue, help: ArgumentHelp("Only the features of NAME (an OGR layer) matching this filter.", valueName: "NAME=EXPR"))
    var layerWhere: [String] = []

    @Option(name: .customLong("formula"), help: ArgumentHelp("Derived indicator, NAME = FORMULA [UNIT]: arithmetic (+ - * /, parentheses, min, max, abs) on the output's columns and zone_area_m2/ha/km2; repeatable. Evaluated per row after the roll-up; empty on an empty operand or a division by zero (docs/formulas.md).", valueName: "NAME = FORMULA [UNIT]"))
    var formulaList: [String] = []

    @OptionGroup var pointReading: PointReadingOptions

    @OptionGroup var shape: TableShapeOptions
    var format: TableFormat { shape.format }
    var hxl: Bool { shape.hxl }

    @OptionGroup var workers: WorkerOptions
    var threads: Int? { workers.threads }

    @OptionGroup var textOutput: TextOutputOptions
    var noFormulaGuard: Bool { textOutput.noFormulaGuard }
    var bom: Bool { textOutput.bom }

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output table: .csv, .xlsx, or with the zones' geometry .gpkg, .geojson, .fgb or .shp; PG:\"dbname=...\" a PostgreSQL table (with --table).")
    var outputOption: String?

    var output: String { outputOption ?? "" }

    // Distributed runs: part I of N writes the rows of its share of the zones; geotool merge makes the table.
    @Option(help: ArgumentHelp("Compute only part I of N (I from 0 to N-1, as SLURM_ARRAY_TASK_ID): the rows of a share of the zones; needs --partial instead of -o.", valueName: "I/N"))
    var part: String?

    @Option(help: ArgumentHelp("Part file to write with --part (merge the parts with geotool merge PART... -o OUT).", valueName: "PATH"))
    var partial: String?

    @Option(help: "Table to write (or replace) with -o PG:...: NAME or SCHEMA.NAME.")
    var table: String?

    @Flag(help: "With -o PG:...: add each zone's geometry (a PostGIS geom column; wide tables).")
    var geometry = false

    @OptionGroup var quietness: QuietOptions

    func validate() throws {
        if points.isEmpty && lines.isEmpty && polygons.isEmpty {
            throw ValidationError("give at least one layer: --points NAME=PATH, --lines NAME=PATH or --polygons NAME=PATH")
        }
        if part != nil || partial != nil {
            guard part != nil, partial != nil else { throw ValidationError("--part I/N and --partial PATH go together (a part run writes a part file; geotool merge writes the table)") }
            if outputOption != nil { throw ValidationError("-o and --partial: a part run writes only its part file; give -o to geotool merge") }
            do { _ = try PartIndex(parsing: part!) } catch let e as GeoKitError { throw ValidationError(e.message) }
            return try validateLayers()
        }
        guard outputOption != nil else { throw ValidationError("missing -o OUTPUT (or --part I/N --partial PATH for one part of a distributed run)") }
        let ext = (output as NSString).pathExtension.lowercased()
        if try validatePostgresOutput(output, table: table, geometry: geometry, hxl: hxl, long: format == .long) {
            // A database table: no file checks.
        } else if !zonalOutputFormats.contains(ext) {
            throw ValidationError("\(output): unknown output format\(didYouMean(ext, zonalOutputFormats, prefix: ".")); use .csv, .gpkg, .geojson, .fgb, .shp or .xlsx")
        }
        if ext == "shp" && format == .long {
            throw ValidationError("\(output): a long table has no geometry, and a shapefile needs one; write --format wide, or .csv, .gpkg or .geojson")
        }
        if hxl && !["csv", "xlsx"].contains(ext) {
            throw ValidationError("\(output): the HXL row goes in CSV and XLSX tables (leave out --hxl, or write .csv or .xlsx)")
        }
        try validateLayers()
    }

    private func validateLayers() throws {
        let layerNames = try (points + lines + polygons).map { try pair($0, "--points/--lines/--polygons").0 }
        if let dup = Dictionary(grouping: layerNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ValidationError("two layers are named '\(dup)': give each its own NAME")
        }
        let pointNames = try points.map { try pair($0, "--points").0 }
        let featureNames = try (lines + polygons).map { try pair($0, "--lines/--polygons").0 }
        for (opt, list, allowed) in [("--count-by", countBy, pointNames), ("--sum", sum, pointNames), ("--mean", mean, pointNames),
                                     ("--by", by, featureNames), ("--layer-where", layerWhere, layerNames)] {
            for v in list {
                let name = try pair(v, opt).0
                if !allowed.contains(name) {
                    throw ValidationError("\(opt) \(v): no \(opt == "--by" ? "--lines or --polygons" : opt == "--layer-where" ? "" : "--points ")layer named '\(name)'\(didYouMean(name, allowed))")
                }
            }
        }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            let pointSpecs = try points.map { try pair($0, "--points") }
            let lineSpecs = try lines.map { try pair($0, "--lines") }
            let polygonSpecs = try polygons.map { try pair($0, "--polygons") }
            let inputs = [zones] + (pointSpecs + lineSpecs + polygonSpecs).map(\.1)
            let pg = partial == nil && PostgresTarget.isPostgres(output) ? try PostgresTarget(output: output, table: table) : nil
            if let partial {
                try OutputSafety.prepare(inputs: inputs, outputs: [.init(partial, option: "--partial")])
            } else {
                try OutputSafety.prepare(inputs: inputs, outputs: pg != nil ? [] : [.init(output, sidecar: ZonalResult.sidecarPath(for: output))] + shapefileParts(output))
            }
            let started = Date()
            let hashes = InputHashes(paths: inputs)
            var job = VectorJob(zonesPath: zones, idField: id)
            job.layer = layer
            job.includeFields = list(includeCols)
            job.rollupFields = list(rollup)
            job.zonesFilter = whereFilter
            job.borderToleranceMetres = try pointReading.borderToleranceMetres()
            job.threads = workers.count
            job.formulas = try formulaList.map(NamedFormula.init(parsing:))
            let wheres = try Dictionary(layerWhere.map { try pair($0, "--layer-where") }, uniquingKeysWith: { _, b in b })
            job.points = try pointSpecs.map { name, path in
                var s = PointLayerSpec(name: name, path: path)
                s.x = pointReading.x; s.y = pointReading.y; s.delimiter = pointReading.delimiterByte
                s.decimalComma = pointReading.decimalComma; s.crs = pointReading.pointsCRS; s.filter = wheres[name]
                s.countBy = try values(countBy, for: name, "--count-by")
                s.sum = try values(sum, for: name, "--sum")
                s.mean = try values(mean, for: name, "--mean")
                return s
            }
            job.features = try lineSpecs.map { try feature($0, .lines, wheres) } + polygonSpecs.map { try feature($0, .polygons, wheres) }
            let bar = ProgressBar(enabled: Console.shared.showsProgress, unit: "features")
            job.progress = { _, done, total in bar.update(done, total) }
            if let part { job.part = try PartIndex(parsing: part) }
            let result = try job.run()
            bar.finish()
            if let partial, let index = job.part {
                // A part writes its zones' rows only: the table's shape goes to the merge.
                warn(result.warnings, listedIn: nil)
                let file = VectorPartFile(result, job: job, hashes: hashes.wait(), sources: inputs,
                                          command: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started,
                                          seconds: Date().timeIntervalSince(started))
                try file.write(to: partial)
                let secs = String(format: "%.2f", Date().timeIntervalSince(started))
                Console.shared.summary("geotool: wrote part \(index.index)/\(index.count) (\(file.zones.count) zones) to \(partial) in \(secs) s")
                return
            }
            warn(result.warnings, listedIn: pg?.metadataTable ?? ZonalResult.sidecarPath(for: output))
            let run = RunInfo(commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started,
                              seconds: Date().timeIntervalSince(started), hashes: hashes.wait(), format: format, hxl: hxl)
            if let pg {
                for w in try result.writePostgres(pg, format: format, geometry: geometry, run: run, sources: inputs) { warn(w) }
                let secs = String(format: "%.2f", Date().timeIntervalSince(started))
                Console.shared.summary("geotool: wrote \(result.units.count) units (\(result.zoneCount) zones) to \(pg.displayName) and its metadata to \(pg.metadataTable) in \(secs) s",
                                       listedIn: pg.metadataTable)
                return
            }
            if (output as NSString).pathExtension.lowercased() == "shp" { warnShapefileNames(result.table(format).columns, output) }
            try result.write(to: output, format: format, bom: bom, guardFormulas: !noFormulaGuard, run: run, sources: inputs)
            let secs = String(format: "%.2f", Date().timeIntervalSince(started))
            Console.shared.summary("geotool: wrote \(result.units.count) units (\(result.zoneCount) zones) to \(output) in \(secs) s",
                                   listedIn: ZonalResult.sidecarPath(for: output))
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    private func feature(_ p: (String, String), _ part: VectorPart, _ wheres: [String: String]) throws -> FeatureLayerSpec {
        var s = FeatureLayerSpec(name: p.0, path: p.1, part: part)
        s.filter = wheres[p.0]
        let b = try values(by, for: p.0, "--by")
        if b.count > 1 { throw GeoKitError.argument("--by \(p.0)=...: one class field per layer") }
        s.by = b.first
        return s
    }

    private func values(_ list: [String], for name: String, _ option: String) throws -> [String] {
        try list.map { try pair($0, option) }.filter { $0.0 == name }.map(\.1)
    }

    private func list(_ s: String?) -> [String] {
        s.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
    }
}

/// "NAME=VALUE" split at the first '='; a name of letters, digits and '_'.
private func pair(_ s: String, _ option: String) throws -> (String, String) {
    let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
          parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        throw ValidationError("\(option) \(s): give NAME=VALUE, e.g. \(option == "--points" ? "schools=schools.csv" : option == "--lines" ? "roads=roads.gpkg" : "schools=level") (NAME: letters, digits and _)")
    }
    return (parts[0], parts[1])
}
