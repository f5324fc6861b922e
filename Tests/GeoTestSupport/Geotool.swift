import Foundation

/// The `geotool` binary as a user runs it: end to end on the bundled MIMU data, and bad
/// input giving one clear line, a non-zero exit and no output file.
public struct GeotoolRun { public var status: Int32; public var stdout: String; public var stderr: String }

/// The built `geotool` binary (the test bundle sits among the build products).
public var geotoolPath: String {
    let url = Bundle(for: BundleMarker.self).bundleURL
    for dir in [url, url.deletingLastPathComponent()] where FileManager.default.fileExists(atPath: dir.appendingPathComponent("geotool").path) {
        return dir.appendingPathComponent("geotool").path
    }
    return url.appendingPathComponent("geotool").path
}

/// Run the built `geotool` with `args`; `environment` replaces the inherited one when given
/// (e.g. `["PATH": "/nonexistent"]` to hide helper programs).
public func runGeotool(_ args: [String], environment: [String: String]? = nil) throws -> GeotoolRun {
    try runProcess(geotoolPath, args, environment: environment)
}

/// Run any program (a browser, a converter) and collect its exit status and output.
public func runProcess(_ executable: String, _ args: [String], environment: [String: String]? = nil) throws -> GeotoolRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return GeotoolRun(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

private final class BundleMarker {}
