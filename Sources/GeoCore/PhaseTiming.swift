import Foundation

/// Phase times on stderr when GEOTOOL_TIMING is set: seconds since the first mark of the
/// process (geotool marks its start), for profiling where a run's wall time goes.
package enum PhaseTiming {
    package static let enabled = ProcessInfo.processInfo.environment["GEOTOOL_TIMING"] != nil
    private static let start = Date()

    /// Start the clock (the first call of `mark` does too).
    package static func begin() { _ = start }

    package static func mark(_ phase: @autoclosure () -> String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(String(format: "timing: %@ at %.3f s\n", phase(), Date().timeIntervalSince(start)).utf8))
    }
}
