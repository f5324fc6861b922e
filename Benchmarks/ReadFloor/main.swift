import Foundation
import GeoCore

// geokit-read-floor RASTER [--threads N]: time a plain parallel read of a raster (every
// block decoded once), the floor for Benchmarks/bench.py. Not part of geotool.
var args = Array(CommandLine.arguments.dropFirst())
var threads = ProcessInfo.processInfo.activeProcessorCount
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let n = Int(args[i + 1]) {
    threads = n; args.removeSubrange(i...(i + 1))
}
guard args.count == 1 else {
    FileHandle.standardError.write(Data("usage: geokit-read-floor RASTER [--threads N]\n".utf8))
    exit(2)
}
let file = args[0]
let t0 = Date()
do {
    let (cells, sum) = try ReadFloor.run(path: file, threads: threads)
    print("\(file): \(cells) cells decoded in \(String(format: "%.3f", Date().timeIntervalSince(t0))) s (checksum \(Int(sum)))")
} catch let e as GeoKitError {
    FileHandle.standardError.write(Data("geokit-read-floor: error: \(e.message)\n".utf8))
    exit(1)
}
