import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoKit
import GeoVector

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the part files of a distributed zonal or vector run (geotool zonal|vector --part I/N --partial PATH) into its table.",
        discussion: """
        The table is the one geotool zonal writes with the same options in one run, byte for byte: the parts hold each zone's accumulators, and roll-ups, medians, class fractions and data-quality columns are finished here from them. The options that shape the numbers (stats, rasters, zones, weights, rollup, min-coverage, units, name-col...) are those the parts were run with; the table's shape is chosen here. The merge reads the zones and the rasters' headers again (for names, geometry and the sidecar), not the rasters' cells.

        Parts of geotool vector hold their zones' rows (counts, lengths, areas, sums); the merge puts them in the zones' order and makes the roll-up rows from them (densities, shares and means from the summed parts), so the table is the single run's, byte for byte.

        Parts of different runs (other inputs by SHA-256, other options, other zones, another geotool), a missing or duplicated part and a truncated or edited part file are refused with one line naming the file.

        Example:
          geotool merge parts/ntl.*.part -o ntl_by_township.csv
        """
    )

    @Argument(help: ArgumentHelp("The part files, every index 0 ... N-1 once, in any order.", valueName: "PART"))
    var parts: [String] = []

    @OptionGroup var shape: TableShapeOptions
    var format: TableFormat { shape.format }
    var hxl: Bool { shape.hxl }

    @OptionGroup var textOutput: TextOutputOptions
    var noFormulaGuard: Bool { textOutput.noFormulaGuard }
    var bom: Bool { textOutput.bom }

    @OptionGroup var quietness: QuietOptions

    @Option(name: .shortAndLong, help: "Output table: .csv, .xlsx, or with zone geometry .gpkg, .geojson, .fgb or .shp; - writes CSV to standard output.")
    var output: String

    func validate() throws {
        if parts.isEmpty { throw ValidationError("give the part files to merge (geotool merge PART... -o OUT)") }
        try Zonal.validateOutput(output, format: format, hxl: hxl)
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            if VectorMerge.isPart(parts[0]) { return try mergeVector() }
            try OutputSafety.prepare(inputs: parts + ZonalMerge.inputs(ofPart: parts[0]),
                                     outputs: output == "-" ? [] : [.init(output, sidecar: ZonalResult.sidecarPath(for: output))] + shapefileParts(output))
            let started = Date()
            let bar = ProgressBar(enabled: Console.shared.showsProgress)
            let merged = try ZonalMerge.run(parts, keepGeometry: OGRFormat.spatial.contains((output as NSString).pathExtension.lowercased()),
                                            progress: bar.update)
            bar.finish()
            let result = merged.result
            warn(result.warnings, listedIn: output == "-" ? nil : ZonalResult.sidecarPath(for: output))
            var run = RunInfo(commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started,
                              seconds: Date().timeIntervalSince(started), hashes: merged.hashes,
                              format: format, hxl: hxl)
            run.parts = merged.parts
            try writeZonalTable(result, to: output, run: run, bom: bom, guardFormulas: !noFormulaGuard, started: started)
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// Parts of `geotool vector --part`: the zones' rows in order, then the roll-ups.
    private func mergeVector() throws {
        if output == "-" { throw GeoKitError.argument("-o -: a vector table is written to a file (.csv, .xlsx, .gpkg...)") }
        try OutputSafety.prepare(inputs: parts + VectorMerge.inputs(ofPart: parts[0]),
                                 outputs: [.init(output, sidecar: ZonalResult.sidecarPath(for: output))] + shapefileParts(output))
        let started = Date()
        let merged = try VectorMerge.run(parts)
        warn(merged.result.warnings, listedIn: ZonalResult.sidecarPath(for: output))
        var run = RunInfo(commandLine: CommandLine.arguments.map(shellQuote).joined(separator: " "), started: started,
                          seconds: Date().timeIntervalSince(started), hashes: merged.hashes, format: format, hxl: hxl)
        run.parts = merged.parts
        try merged.result.write(to: output, format: format, bom: bom, guardFormulas: !noFormulaGuard, run: run, sources: merged.sources)
        let secs = String(format: "%.2f", Date().timeIntervalSince(started))
        Console.shared.summary("geotool: merged \(merged.parts.count) parts: \(merged.result.units.count) units (\(merged.result.zoneCount) zones) to \(output) in \(secs) s",
                               listedIn: ZonalResult.sidecarPath(for: output))
    }
}
