import ArgumentParser
import Foundation
import GeoKit

/// For benchmarks: time a plain parallel read of a raster (every block decoded once).
struct ReadFloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-floor",
        abstract: "Decode every block of a raster once, in parallel, and report the time (benchmark floor).",
        shouldDisplay: false
    )
    @Argument(help: "Raster file.") var file: String
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let t0 = Date()
        do {
            let (cells, sum) = try ReadFloor.run(path: file, threads: threads)
            print("\(file): \(cells) cells decoded in \(String(format: "%.3f", Date().timeIntervalSince(t0))) s (checksum \(Int(sum)))")
        } catch let e as GeoKitError { fail(e.message) }
    }
}
