import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct Zonal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonal",
        abstract: "Statistics of rasters for every polygon of a zones layer, keyed by its P-code.",
        discussion: """
        Each cell is weighted by the exact fraction of it that the polygon covers (method exact, as exactextract), or counts fully when its centre is inside (center, also spelled centre, as rasterstats) or when the polygon touches it (all-touched).

        Point zones take the value of the cell under each point (--buffer 2km: a geodesic disc instead); line zones weight each cell by the length of line inside it (as exactextract).

        Statistics (comma-separated in --stats), one per line:
          count          covered cells (sum of coverage fractions) with a value
          sum            coverage-weighted sum of values; none: empty (--empty-sum)
          mean           mean of the values, coverage-weighted
          min            smallest value in a covered cell
          max            largest value in a covered cell
          range          max - min
          stdev          standard deviation, coverage-weighted
          variance       variance, coverage-weighted
          cv             coefficient of variation (stdev / mean)
          median         coverage-weighted median (exactextract's, see docs/zonal.md)
          pNN            coverage-weighted quantile, e.g. p90 (as median)
          majority       most common value (by covered area)
          minority       least common value (by covered area)
          variety        number of distinct values
          frac           share of the covered area in each class (NAME_frac_V)
          class_area     covered m² of each class (NAME_area_V); ha = m² / 10,000
          nodata_frac    share of the covered area that is nodata
          coverage       covered share of the unit's area (see --min-coverage)
          area           covered area of valid cells, m²
          cells          cells touched (any coverage, valid or not)
          weighted_mean  with --weights (e.g. population): weighted mean
          weighted_sum   with --weights: sum of value x weight; none: empty
          weighted_frac  with --weights: share of the weight in each class
          where_nodata   covered share where a condition's raster has no value

        class_area is true ellipsoidal area on geographic rasters.

        Outputs: .csv, .xlsx, and with the zones' geometry .gpkg, .geojson, .fgb (FlatGeobuf) and .shp (field names cut to 10 characters, the mapping in a warning and in the sidecar). Roll-up rows carry their dissolved geometry, as in a GeoPackage. -o - writes the CSV table to standard output (no sidecar).

        Derived indicators: --formula 'ntl_pc = ntl_sum / pop_sum' adds a column computed from each row's own values (a roll-up row's merged sums, not a mean of its zones' ratios); --formula 'density = pop_sum / zone_area_km2 [people/km2]' uses the zone's area (docs/formulas.md).

        Myanmar text: the zone fields read (--include-cols, the name and roll-up fields) are checked for the Zawgyi encoding, with one warning per column and the counts in the sidecar; --myanmar-text unicode converts Zawgyi values to Unicode (docs/myanmar-text.md).

        Example:
          geotool zonal --zones townships.gpkg --id TS_PCODE \\
              --include-cols TS,ST_PCODE --raster ntl=ntl.tif \\
              --stats count,sum,mean -o ntl_by_township.csv
        """
    )

    @OptionGroup var zoneOptions: ZoneOptions
    var zones: String { zoneOptions.zones }
    var id: String { zoneOptions.id }
    var layer: String? { zoneOptions.filter.layer }
    var whereFilter: String? { zoneOptions.filter.whereFilter }

    @Option(name: .customLong("raster"), help: ArgumentHelp("Raster to summarise, NAME=PATH[:BAND]; repeat for more. Without :BAND every band is used.", valueName: "NAME=PATH[:BAND]"))
    var rasters: [String] = []

    @Option(name: .customLong("var"), help: ArgumentHelp("Variables of the NetCDF files or Zarr stores given to --raster, comma-separated (columns NAME_var when several).", valueName: "VAR[,VAR...]"))
    var variables: String?

    @Option(help: "Comma-separated statistics (see above), for every raster. (default: count,mean)")
    var stats: String?

    @Option(name: .customLong("op"), help: ArgumentHelp("An operation on a named raster: STAT(NAME), weighted_STAT(NAME, WEIGHTS), optionally 'where NAME OP VALUE' (e.g. 'sum(pop) where hazard >= 3', 'area where flood > 0.5'); repeatable. Each raster then gets only its operations' statistics (instead of --stats); see docs/indicators.md.", valueName: "OPERATION"))
    var operations: [String] = []

    @Option(name: .customLong("classes"), help: ArgumentHelp("Bins of a continuous raster, NAME=B0,B1,...[:LABEL1,LABEL2,...] (e.g. dem=0,500,1000,2000:low,mid,high): its frac, class_area and weighted_frac give a column per bin [Bi, Bi+1) (dem_frac_low, or dem_frac_0_500), values outside every bin one more (out_of_range); repeatable.", valueName: "NAME=BREAKS[:LABELS]"))
    var classes: [String] = []

    @Option(name: .customLong("area-unit"), help: ArgumentHelp("Unit of area and class_area: m2, ha or km2. (default: m2)", valueName: "m2|ha|km2"), transform: choice())
    var areaUnit: AreaUnit = .m2

    @Option(help: "Cell weighting: exact, center (or centre) or all-touched.")
    var method: String = "exact"

    @Option(name: .customLong("empty-sum"), help: ArgumentHelp("sum and weighted_sum of a unit that covers no cell with a value (outside the raster, or all nodata): empty (as mean) or zero (as exactextract and earlier versions). (default: empty)", valueName: "empty|zero"), transform: choice())
    var emptySum: EmptySum = .empty

    @Option(help: ArgumentHelp("Point zones: summarise a geodesic disc of this radius around each point (exact coverage) instead of the cell under it, e.g. 2km or 500m (metres without a unit). Points only: a line is an error.", valueName: "DISTANCE"))
    var buffer: String?

    @Option(help: ArgumentHelp("Weights raster for weighted_* statistics, NAME=PATH[:BAND].", valueName: "NAME=PATH[:BAND]"))
    var weights: String?

    @Option(name: .customLong("include-cols"), help: "Zone fields to copy into the output, comma-separated.")
    var includeCols: String?

    @OptionGroup var workers: WorkerOptions
    var threads: Int? { workers.threads }

    @Option(name: .customLong("max-memory"), help: "Memory budget in MB: decoded blocks and partial accumulators fit it; a run whose zones, values and class tables alone do not is refused up front (docs/indicators.md).")
    var maxMemory: Int = 512

    @Option(help: "Zone fields with parent P-codes to roll up to, comma-separated (e.g. DT_PCODE,ST_PCODE); adds a row per parent and one for the country.")
    var rollup: String?

    @Option(help: "CSV of child,parent P-codes to roll up through (when the zones do not carry their parents).")
    var gazetteer: String?

    @Option(help: "Code of the country row in roll-ups (default: the P-codes' letters, e.g. MMR).")
    var country: String?

    @OptionGroup var shape: TableShapeOptions
    var format: TableFormat { shape.format }
    var hxl: Bool { shape.hxl }

    @Option(name: .customLong("min-coverage"), help: ArgumentHelp("Empty the statistics (all but count and coverage) of units whose coverage (covered share of their area) is below F, e.g. 0.5; needs coverage in --stats. One warning lists them.", valueName: "F"))
    var minCoverage: Double?

    @Option(name: .customLong("unit"), help: ArgumentHelp("Unit of a raster's values, NAME=UNIT (e.g. rain=mm); repeatable.", valueName: "NAME=UNIT"))
    var unitsList: [String] = []

    @Option(name: .customLong("formula"), help: ArgumentHelp("Derived indicator, NAME = FORMULA [UNIT]: arithmetic (+ - * /, parentheses, min, max, abs) on the output's columns and zone_area_m2/ha/km2, e.g. 'ntl_pc = ntl_sum / pop_sum [nW/cm2/sr per person]'; repeatable. Evaluated per row after the roll-up; empty on an empty operand or a division by zero (docs/formulas.md).", valueName: "NAME = FORMULA [UNIT]"))
    var formulaList: [String] = []

    @Option(name: .customLong("name-col"), help: "Zone field with unit names for long tables (default: TS for TS_PCODE, NAME...).")
    var nameCol: String?

    @Flag(name: .customLong("allow-duplicate-ids"), help: "Go on when the id field has duplicates or blanks (they are reported).")
    var allowDuplicateIDs = false

    @OptionGroup var quietness: QuietOptions

    @OptionGroup var textOutput: TextOutputOptions
    var noFormulaGuard: Bool { textOutput.noFormulaGuard }
    var bom: Bool { textOutput.bom }

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output table: .csv, .xlsx, or with zone geometry .gpkg, .geojson, .fgb or .shp; - writes CSV to standard output; PG:\"dbname=...\" a PostgreSQL table (with --table).")
    var outputOption: String?

    // Distributed runs: part I of N writes a part file, `geotool merge` makes the table.
    @Option(help: ArgumentHelp("Compute only part I of N (I from 0 to N-1, as SLURM_ARRAY_TASK_ID); needs --partial instead of -o.", valueName: "I/N"))
    var part: String?

    @Option(help: ArgumentHelp("Part file to write with --part (merge the parts with geotool merge).", valueName: "PATH"))
    var partial: String?

    @Option(help: "How --part shares out the work: zones (zone subsets balanced by their cells) or rows (row ranges of the raster, for a few huge zones). (default: zones)",
            transform: choice())
    var split: PartSplit = .zones

    var output: String { outputOption ?? "" }

    @OptionGroup(title: "Running in parts on Slurm or Kubernetes")
    var distributed: EmitOptions

    @OptionGroup var myanmarText: MyanmarTextOptions

    @Option(help: "Table to write (or replace) with -o PG:...: NAME or SCHEMA.NAME.")
    var table: String?

    @Flag(help: "With -o PG:...: add the zones' geometry (a PostGIS geom column); wide tables.")
    var geometry = false

    func validate() throws {
        if distributed.emit != nil && (part != nil || partial != nil) { throw ValidationError("--emit prints a job script that gives each part its --part and --partial: leave them out") }
        if distributed.emit != nil && output == "-" { throw ValidationError("--emit: the merged table needs a file (-o out.csv), not standard output") }
        if rasters.isEmpty { throw ValidationError("give at least one --raster NAME=PATH[:BAND]") }
        if part != nil || partial != nil {
            guard part != nil, partial != nil else { throw ValidationError("--part I/N and --partial PATH go together (a part run writes a part file; geotool merge writes the table)") }
            if outputOption != nil { throw ValidationError("-o and --partial: a part run writes only its part file; give -o to geotool merge") }
            do { _ = try PartIndex(parsing: part!) } catch let e as GeoKitError { throw ValidationError(e.message) }
        } else if outputOption == nil {
            throw ValidationError("missing -o OUTPUT (or --part I/N --partial PATH for one part of a distributed run)")
        }
        if variables != nil && variableList.isEmpty { throw ValidationError("--var takes variable names, e.g. --var precip,tmax") }
        if maxMemory < 16 { throw ValidationError("--max-memory must be at least 16 (MB)") }
        if stats != nil && !operations.isEmpty {
            throw ValidationError("--stats and --op: with operations, give every statistic as one (e.g. --op 'mean(ntl)'); --stats applies to every raster")
        }
        for op in operations {
            do { _ = try RasterOperation(parsing: op) } catch let e as GeoKitError { throw ValidationError(e.message) }
        }
        if !operations.isEmpty && weights != nil {
            throw ValidationError("--weights and --op: name the weights in the operation, e.g. --op 'weighted_frac(hazard, pop)' with --raster pop=PATH")
        }
        for c in classes {
            do { _ = try parseClasses(c) } catch let e as GeoKitError { throw ValidationError(e.message) }
        }
        for st in (stats ?? "count,mean").split(separator: ",") where (try? Statistic(parsing: String(st))) == nil {
            let word = st.trimmingCharacters(in: .whitespaces)
            let names = Statistic.all.map(\.name) + ["median", "p90"]
            throw ValidationError("unknown statistic '\(word)'\(didYouMean(word.lowercased(), names)); choose from \(Statistic.all.map(\.name).joined(separator: ", ")) (pNN for any percentile)")
        }
        for u in unitsList where !u.contains("=") { throw ValidationError("--unit takes NAME=UNIT, not '\(u)'") }
        if parseMethod(method) == nil {
            throw ValidationError("unknown --method '\(method)'\(didYouMean(method, CoverageMethod.allCases.map(\.rawValue) + ["centre"])); choose exact, center (centre) or all-touched")
        }
        if outputOption != nil, try !validatePostgresOutput(output, table: table, geometry: geometry, hxl: hxl, long: format == .long) {
            try Self.validateOutput(output, format: format, hxl: hxl)
        } else if outputOption == nil, table != nil || geometry {
            throw ValidationError("--table and --geometry go with -o PG:\"dbname=...\"")
        }
        if distributed.emit != nil && PostgresTarget.isPostgres(output) { throw ValidationError("--emit: the merged table goes to a file (-o out.csv); load it into PostgreSQL after the merge") }
        if let f = minCoverage, !(f >= 0 && f <= 1) { throw ValidationError("--min-coverage takes a share between 0 and 1") }
        for f in formulaList {
            do { _ = try NamedFormula(parsing: f) } catch let e as GeoKitError { throw ValidationError(e.message) }
        }
        if let b = buffer, parseDistance(b) == nil { throw ValidationError("--buffer takes a positive distance such as 2km, 500m or 500 (metres), not '\(b)'") }
    }

    static func validateOutput(_ output: String, format: TableFormat, hxl: Bool) throws {
        let ext = output == "-" ? "csv" : (output as NSString).pathExtension.lowercased()
        if !zonalOutputFormats.contains(ext) {
            throw ValidationError("\(output): unknown output format\(didYouMean(ext, zonalOutputFormats, prefix: ".")); use .csv, .gpkg, .geojson, .fgb, .shp or .xlsx (or - for CSV on standard output)")
        }
        if ext == "shp" && format == .long {
            throw ValidationError("\(output): a long table has no geometry, and a shapefile needs one; write --format wide, or .csv, .gpkg or .geojson")
        }
        if hxl && OGRFormat.spatial.contains(ext) {
            throw ValidationError("--hxl: a \(ext == "gpkg" ? "GeoPackage" : "." + ext + " file") has no HXL row (HXL tags go under the header of CSV and XLSX tables); leave out --hxl or write .csv or .xlsx")
        }
    }

    /// `--classes NAME=BREAKS[:LABELS]`.
    func parseClasses(_ text: String) throws -> (String, ClassBreaks) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw GeoKitError.argument("--classes '\(text)': write NAME=B0,B1,...[:LABELS], e.g. dem=0,500,1000,2000:low,mid,high")
        }
        return (String(text[..<eq]).trimmingCharacters(in: .whitespaces), try ClassBreaks(parsing: String(text[text.index(after: eq)...])))
    }

    var variableList: [String] {
        (variables ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            if distributed.emit != nil { return try emitJob() }
            let statList = try (stats ?? "count,mean").split(separator: ",").map { try Statistic(parsing: String($0)) }
            var job = ZonalJob(zonesPath: zones, layer: layer, idField: id,
                               includeFields: includeCols.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? [],
                               rasters: try resolveVariables(rasters.map(RasterSpec.init(parsing:)), variables: variableList),
                               weights: try weights.map(RasterSpec.init(parsing:)),
                               stats: statList, method: parseMethod(method)!)
            job.operations = try operations.map(RasterOperation.init(parsing:))
            for c in classes { let (name, breaks) = try parseClasses(c); job.classes[name] = breaks }
            job.areaUnit = areaUnit
            job.threads = workers.count
            job.maxMemory = maxMemory << 20
            let pg = PostgresTarget.isPostgres(output) ? try PostgresTarget(output: output, table: table) : nil
            job.keepGeometry = pg == nil ? OGRFormat.spatial.contains((output as NSString).pathExtension.lowercased()) : geometry
            job.rollup = rollup.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
            job.gazetteer = gazetteer
            job.whereFilter = whereFilter
            job.country = country
            job.allowDuplicateIDs = allowDuplicateIDs
            job.nameField = nameCol
            job.minCoverage = minCoverage
            job.buffer = buffer.flatMap(parseDistance)
            job.emptySum = emptySum
            job.myanmarText = myanmarText.mode
            job.formulas = try formulaList.map(NamedFormula.init(parsing:))
            for u in unitsList {
                let parts = u.split(separator: "=", maxSplits: 1).map(String.init)
                job.units[parts[0]] = parts[1]
            }
            if let part, let partial {
                try runPart(job, PartIndex(parsing: part), to: partial)
                return
            }
            // Refuse an output that is an input (or whose sidecar is), before any work.
            try OutputSafety.prepare(inputs: [zones] + job.rasters.map(\.path) + (job.weights.map { [$0.path] } ?? []) + (gazetteer.map { [$0] } ?? []),
                                     outputs: output == "-" || pg != nil ? [] : [.init(output, sidecar: ZonalResult.sidecarPath(for: output))] + shapefileParts(output))
            // A wide CSV table written at once: its rows are formatted while the engine runs.
            if pg == nil && output != "-" && format == .wide && (output as NSString).pathExtension.lowercased() == "csv" {
                job.rowsAhead = RowsAheadRequest(guardsFormulas: !noFormulaGuard)
            }
            let started = Date()
            // The job's prepared zones and rows are not freed while the table is written, nor
            // after it: the process exits next, and the system takes its memory back whole.
            DeferredRelease.hold()
            defer { DeferredRelease.keepHeldUntilExit() }
            // Checksums for the sidecar, computed while the engine runs.
            let hashes = InputHashes(paths: [zones] + job.rasters.map(\.path))
            let bar = ProgressBar(enabled: Console.shared.showsProgress)
            let result = try job.run(progress: bar.update)
            bar.finish()
            PhaseTiming.mark("engine")
            warn(result.warnings, listedIn: pg?.metadataTable ?? (output == "-" ? nil : ZonalResult.sidecarPath(for: output)))
            let run = RunInfo(commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started,
                              seconds: Date().timeIntervalSince(started), hashes: hashes.wait(),
                              format: format, hxl: hxl)
            PhaseTiming.mark("checksums")
            if let pg {
                for w in try result.writePostgres(pg, format: run.format, geometry: geometry, run: run) { warn(w) }
                let secs = String(format: "%.2f", Date().timeIntervalSince(started))
                Console.shared.summary("geotool: wrote \(result.units.count) units (\(format)) to \(pg.displayName) and its metadata to \(pg.metadataTable) in \(secs) s",
                                       listedIn: pg.metadataTable)
                return
            }
            try writeZonalTable(result, to: output, run: run, bom: bom, guardFormulas: !noFormulaGuard, started: started)
            releaseInBackground(result)
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }
}

extension Zonal {
    /// `--emit`: print the job script whose parts run this command on pieces of the zones.
    private func emitJob() throws {
        try OutputSafety.check(inputs: [], outputs: [.init(output)])
        let cwd = FileManager.default.currentDirectoryPath
        // A part writes only accumulators: the output and the table's shape go to the merge.
        let args = jobArguments(Array(CommandLine.arguments.dropFirst()), cwd: cwd, drop: EmitOptions.names.union(["-o", "--output", "--format"]),
                                dropFlags: ["--hxl", "--bom", "--no-formula-guard"],
                                pathOptions: ["--zones", "--gazetteer"], specOptions: ["--raster", "--weights"])
        let merge = (format == .wide ? [] : ["--format", format.rawValue]) + (hxl ? ["--hxl"] : []) + (bom ? ["--bom"] : []) +
            (noFormulaGuard ? ["--no-formula-guard"] : []) + quietness.arguments
        let out = absolutePath(output, cwd: cwd)
        try distributed.print(.zonal(output: out, mergeOptions: merge), arguments: args, threads: threads, maxMemoryMB: maxMemory,
                              defaultName: "geotool-" + ((out as NSString).lastPathComponent as NSString).deletingPathExtension, partDir: out + ".parts")
    }

    /// `--part I/N --partial PATH`: compute a share of the zones into a part file.
    func runPart(_ job: ZonalJob, _ index: PartIndex, to path: String) throws {
        try OutputSafety.prepare(inputs: job.inputPaths, outputs: [.init(path, option: "--partial")])
        let shaping = [format != .wide ? "--format" : nil, hxl ? "--hxl" : nil, bom ? "--bom" : nil, noFormulaGuard ? "--no-formula-guard" : nil].compactMap { $0 }
        if !shaping.isEmpty { warn("\(shaping.joined(separator: ", ")): the table's shape is chosen when the parts are merged (geotool merge ... \(shaping.joined(separator: " ")) -o OUT); a part file holds only accumulators") }
        let started = Date()
        let hashes = InputHashes(paths: job.inputPaths)
        let bar = ProgressBar(enabled: Console.shared.showsProgress)
        let done = try job.runPart(index, split: split, to: path,
                                   commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "),
                                   hashes: { hashes.wait() }, progress: bar.update)
        bar.finish()
        warn(done.warnings, listedIn: nil)
        let secs = String(format: "%.2f", Date().timeIntervalSince(started))
        Console.shared.summary("geotool: wrote part \(index.index)/\(index.count) (\(done.zones) zones) to \(path) in \(secs) s")
    }
}

/// Write a zonal result (and its sidecar) as `zonal -o` and `merge -o` do, and say so.
func writeZonalTable(_ result: ZonalResult, to output: String, run: RunInfo, bom: Bool, guardFormulas: Bool, started: Date) throws {
    let format = run.format.rawValue
    if (output as NSString).pathExtension.lowercased() == "shp" {
        warnShapefileNames(result.layout(run.format, hxl: false).columns, output)
    }
    try result.write(to: output, format: run.format, hxl: run.hxl, bom: bom, guardFormulas: guardFormulas, run: run)
    PhaseTiming.mark("write")
    if (output as NSString).pathExtension.lowercased() == "fgb" {
        // GDAL's FlatGeobuf writer skips features without geometry (empty zones).
        let missing = result.unitsWithoutGeometry
        if missing > 0 { warn("\(output): \(missing) unit(s) without geometry are left out (FlatGeobuf holds no feature without geometry); write .gpkg or .geojson to keep them") }
    }
    let noValue = result.pointsWithoutValue.isEmpty ? "" : "; \(result.pointsWithoutValue.count) point zone(s) without a value (outside the raster or on nodata)"
    if output == "-" {
        Console.shared.summary("geotool: wrote \(result.units.count) units (\(format)) to standard output\(noValue)")
        return
    }
    let rows = result.units.count, secs = String(format: "%.2f", Date().timeIntervalSince(started))
    let side = ZonalResult.sidecarPath(for: output)
    Console.shared.summary("geotool: wrote \(rows) units (\(format)) to \(output) and its metadata to \(side) in \(secs) s\(noValue)", listedIn: side)
}

/// The companion files of a shapefile output (.shx, .dbf...), declared as outputs too.
func shapefileParts(_ output: String) -> [OutputSafety.Output] {
    guard (output as NSString).pathExtension.lowercased() == "shp" else { return [] }
    let stem = (output as NSString).deletingPathExtension
    return OGRFormat.shapefileParts.map { .init(stem + "." + $0) }
}

/// One warning listing the field names a shapefile shortens (old -> new).
func warnShapefileNames(_ columns: [String], _ output: String) {
    let changed = OGRFormat.shapefileRenames(columns)
    guard !changed.isEmpty else { return }
    warn("\(output): a shapefile's field names have at most 10 characters; \(changed.count) renamed: " + changed.map { "\($0.from) -> \($0.to)" }.joined(separator: ", "))
}

/// The extensions zonal writes.
let zonalOutputFormats = ["csv", "gpkg", "geojson", "fgb", "shp", "xlsx"]

/// A --method value: `centre` is `center`.
func parseMethod(_ s: String) -> CoverageMethod? {
    let t = s.trimmingCharacters(in: .whitespaces).lowercased()
    return t == "centre" ? .center : CoverageMethod(rawValue: t)
}
