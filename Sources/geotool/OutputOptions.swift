import ArgumentParser
import Foundation
import GeoCore
import GeoKit

/// How text goes into a written table, the same for every command that writes one (zonal,
/// merge, join, vector).
struct TextOutputOptions: ParsableArguments {
    @Flag(name: .customLong("no-formula-guard"), help: "Write text exactly as it is, even fields a spreadsheet would run as formulas (=, +, -, @ first); by default they get a leading apostrophe (CSV injection).")
    var noFormulaGuard = false

    @Flag(help: "Start CSV output with a byte-order mark (for Excel).")
    var bom = false
}

/// The shape of an indicator table, the same for zonal, vector and merge.
struct TableShapeOptions: ParsableArguments {
    @Option(help: "Table shape: wide (a row per unit, a column per indicator) or long (a row per unit x indicator, and x statistic x band for rasters). (default: wide)",
            transform: choice())
    var format: TableFormat = .wide

    @Flag(help: "Add the HXL hashtag row under the header (for HDX): CSV and XLSX (second row); not GeoPackage.")
    var hxl = false
}

/// `--threads`, the same for every command that runs in parallel (zonal, join, vector, batch).
struct WorkerOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    /// The threads to run: `--threads`, else every core.
    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

/// How a points file is read, the same for join and vector's `--points`.
struct PointReadingOptions: ParsableArguments {
    @Option(help: "Longitude / easting column of CSV points (default: longitude, lon, long, lng or x).")
    var x: String?

    @Option(help: "Latitude / northing column of CSV points (default: latitude, lat or y).")
    var y: String?

    @Option(help: "Field separator of CSV points: ',', ';' or tab (default: the header's).")
    var delimiter: String?

    @Flag(name: .customLong("decimal-comma"), help: "Coordinates of a ';' or tab separated CSV use a decimal comma (16,8).")
    var decimalComma = false

    @Option(name: .customLong("points-crs"), help: "CRS of the points (default: the layer's, EPSG:4326 for CSV).")
    var pointsCRS: String?

    @Option(name: .customLong("border-tolerance"), help: "A point this close to a zone counts as in it; within it of two zones it is on their border (default 0.2m: the rounding of 6-decimal coordinates; 0 = exact).")
    var borderTolerance: String = "0.2m"

    /// The separator byte of `--delimiter` (nil: the header's).
    var delimiterByte: UInt8? { delimiter.flatMap(parseDelimiter) }

    /// `--border-tolerance` in metres.
    func borderToleranceMetres() throws -> Double { try parseDistance(borderTolerance, option: "--border-tolerance") }

    func validate() throws {
        if let d = delimiter, parseDelimiter(d) == nil {
            throw ValidationError("--delimiter takes ',', ';' or tab, not '\(d)'")
        }
        if decimalComma, let d = delimiter, parseDelimiter(d) == UInt8(ascii: ",") {
            throw ValidationError("--decimal-comma needs a ';' or tab separated file (in a comma-separated one a decimal comma splits the number)")
        }
    }
}
