import ArgumentParser
import Foundation
import GeoCore

/// How much geotool says on stderr besides errors, from `-q` given 0 to 3 times.
enum Verbosity: Int, Comparable {
    /// Progress (on a terminal, or `GEOTOOL_PROGRESS=lines`), warnings, the summary.
    case all = 0
    /// `-q`, `--quiet`: no progress; warnings and the summary.
    case noProgress = 1
    /// `-qq`: the one summary line, with the number of warnings (the sidecar lists them).
    case summary = 2
    /// `-qqq`: nothing but errors.
    case errorsOnly = 3

    static func < (a: Verbosity, b: Verbosity) -> Bool { a.rawValue < b.rawValue }
}

/// `-q` / `--quiet`, the same in every command that runs: counted, so `-qq` (or `--quiet
/// --quiet`) is quieter than `-q`.
struct QuietOptions: ParsableArguments {
    @Flag(name: [.customShort("q"), .customLong("quiet")],
          help: "Quieter: -q no progress; -qq no warnings either, only the summary line with their count (the metadata sidecar lists them); -qqq only errors.")
    var quiet: Int

    var level: Verbosity { Verbosity(rawValue: min(quiet, 3))! }
    /// The same option for a command geotool runs next (a merge after parts).
    var arguments: [String] { [String](repeating: "--quiet", count: min(quiet, 3)) }
}

/// What geotool writes on stderr besides errors, through one place that knows the verbosity
/// and counts the warnings the summary line reports.
final class Console: @unchecked Sendable {
    static let shared = Console()
    private let lock = NSLock()
    private var level = Verbosity.all
    private var warningCount = 0

    func set(_ v: Verbosity) { lock.lock(); level = v; lock.unlock() }
    var verbosity: Verbosity { lock.lock(); defer { lock.unlock() }; return level }
    /// Progress bars and lines: only at the default verbosity.
    var showsProgress: Bool { verbosity == .all }
    /// Lines about the work as it goes (batch's per-indicator lines, join's counts).
    var showsDetails: Bool { verbosity <= .noProgress }

    /// One warning line (counted; shown unless -qq).
    func warn(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        warningCount += 1
        if level <= .noProgress { write("geotool: warning: \(oneLine(line))") }
    }

    /// Warnings as values: each once, several of a topic about one file in one line (see
    /// `GeoWarning.grouped`), each counted; notices neither (the sidecar has them).
    /// `listedIn`: where all of them are listed.
    /// At most `maxLines` lines, then one saying how many more (`more` names them).
    func warn(_ warnings: [GeoWarning], listedIn: String?, maxLines: Int = .max, more: String = "more warnings") {
        let said = warnings.filter { $0.kind != .notice }
        let lines = GeoWarning.grouped(said, listedIn: listedIn)
        lock.lock(); defer { lock.unlock() }
        warningCount += Set(said.map(\.message)).count
        guard level <= .noProgress else { return }
        for w in lines.prefix(maxLines) { write("geotool: warning: \(oneLine(w.shortMessage))") }
        if lines.count > maxLines { write("geotool: warning: \(lines.count - maxLines) \(more)") }
    }

    /// The run's one summary line (`geotool: wrote ...`), shown unless -qqq; with -qq it
    /// ends with the number of warnings not shown, and where they are listed.
    func summary(_ line: String, listedIn: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        guard level < .errorsOnly else { return }
        var s = line
        if level == .summary && warningCount > 0 {
            s += "; \(warningCount) warning\(warningCount == 1 ? "" : "s")" + (listedIn.map { ", listed in \($0)" } ?? " (not shown with -qq)")
        }
        write(s)
    }

    /// A line of detail (shown with -q, not -qq).
    func detail(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        if level <= .noProgress { write(line) }
    }

    private func write(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
