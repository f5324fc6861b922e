import Foundation

/// Phase times when GEOTOOL_TIMING is set: seconds since the first mark of the process
/// (geotool marks its start) and the process's CPU seconds so far, for profiling where a
/// run's wall time goes and how busy the cores were. The lines go to the sink the program
/// gives `begin` (geotool's stderr): GeoCore prints nothing itself.
package enum PhaseTiming {
    package static let enabled = ProcessInfo.processInfo.environment["GEOTOOL_TIMING"] != nil
    private static let start = Date()
    nonisolated(unsafe) private static var sink: @Sendable (String) -> Void = { _ in }

    /// Start the clock (the first call of `mark` does too); timing lines go to `sink`.
    package static func begin(sink: @escaping @Sendable (String) -> Void) {
        _ = start
        Self.sink = sink
    }

    package static func mark(_ phase: @autoclosure () -> String) {
        guard enabled else { return }
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        let cpu = Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        sink(String(format: "timing: %@ at %.3f s (cpu %.3f s)\n", phase(), Date().timeIntervalSince(start), cpu))
    }
}
