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
        subcommands: [Zonal.self, Merge.self, Info.self, Join.self, Vector.self, Map.self, ReportCommand.self, Batch.self]
    )
}

extension GeoTool {
    /// Like ArgumentParser's main, but every error is one line (usage stays behind --help).
    static func main() {
        // SIGINT, SIGTERM, SIGHUP: remove the run's temporaries, exit 130, 143, 129.
        TemporaryFiles.installSignalHandlers { signal in
            // On the signal's own thread, just before _exit: one write(2), no buffering.
            let msg = "geotool: error: interrupted by \(signal); temporary files removed\n"
            _ = msg.withCString { write(2, $0, strlen($0)) }
        }
        PhaseTiming.begin { FileHandle.standardError.write(Data($0.utf8)) }
        do {
            var command = try parseAsRoot()
            PhaseTiming.mark("arguments parsed")
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            if let e = error as? GeoKitError { fail(e.commandLineMessage) }
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

/// One warning line, through the console (shown unless -qq, counted for the summary).
func warn(_ message: String) { Console.shared.warn(message) }

/// Warnings as values: each once, a file's many of one topic in one line.
/// `listedIn`: where every one of them is listed (a sidecar), when somewhere.
func warn(_ warnings: [GeoWarning], listedIn: String?) { Console.shared.warn(warnings, listedIn: listedIn) }

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

func warn(_ w: GeoWarning) { Console.shared.warn([w], listedIn: nil) }

/// The sidecars `TableMetadata.sidecar(for:)` may read beside a table: inputs of map and report.
func tableSidecars(_ table: String) -> [String] {
    [(table as NSString).deletingPathExtension + ".datapackage.json", table + ".datapackage.json"]
}
