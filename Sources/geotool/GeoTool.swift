import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

@main
struct GeoTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geotool",
        abstract: "Exact zonal statistics of satellite rasters per P-coded polygon.",
        discussion: """
        Turn rasters (night lights, forest loss, elevation, rainfall...) into tables keyed by MIMU P-codes. Start with `geotool info FILE` to see a raster or a zones layer, then `geotool zonal --help`.
        """,
        version: BuildInfo.versionLine,
        subcommands: [Zonal.self, Merge.self, Info.self, Join.self, Map.self, ReportCommand.self, Batch.self]
    )
}

extension GeoTool {
    /// Like ArgumentParser's main, but every error is one line (usage stays behind --help).
    static func main() {
        // SIGINT, SIGTERM, SIGHUP: remove the run's temporaries, exit 130, 143, 129.
        TemporaryFiles.installSignalHandlers()
        PhaseTiming.begin()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let msg = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(msg + (error is GeoKitError ? "" : " (see geotool --help)"))
        }
    }
}

/// Print one clean line and exit non-zero: the error convention of every subcommand.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("geotool: error: \(oneLine(message))\n".utf8))
    Foundation.exit(1)
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("geotool: warning: \(oneLine(message))\n".utf8))
}

/// A message as one line of reasonable length: line breaks become spaces, and a message
/// that quotes a huge input (a header of millions of columns) is cut with a count.
func oneLine(_ message: String, limit: Int = 600) -> String {
    var s = message.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        .replacingOccurrences(of: "\r", with: " ")
    if s.count > limit {
        let cut = s.count - limit
        s = String(s.prefix(limit)) + "... (\(cut) more characters)"
    }
    return s
}

func warn(_ w: GeoWarning) { warn(w.shortMessage) }

/// The sidecars `TableMetadata.sidecar(for:)` may read beside a table: inputs of map and report.
func tableSidecars(_ table: String) -> [String] {
    [(table as NSString).deletingPathExtension + ".datapackage.json", table + ".datapackage.json"]
}
