import Foundation

/// A progress bar on stderr for runs longer than a couple of seconds, only on a terminal.
/// With `GEOTOOL_PROGRESS=lines` in the environment it prints machine-readable lines instead,
/// `geotool: progress: NN%` (at most 4 a second, only when the percentage rises, terminal
/// or not), for programs that run geotool (the QGIS provider in `qgis/geokit`).
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    let lines: Bool
    private let unit: String
    private var lastPercent = -1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let lock = NSLock()

    /// `terminal: false`: lines only (a command that draws its own terminal line, or whose
    /// steps are too few for a bar).
    init(enabled: Bool, unit: String = "cells", terminal: Bool = true) {
        lines = ProcessInfo.processInfo.environment["GEOTOOL_PROGRESS"] == "lines"
        self.unit = unit
        self.enabled = enabled && (lines || (terminal && isatty(2) == 1))
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if lines {
            let percent = total > 0 ? min(100, max(0, Int(Double(done) / Double(total) * 100))) : 0
            // Workers may report out of order: a reader's bar only moves forward.
            guard percent > lastPercent, now.timeIntervalSince(lastDraw) >= 0.25 else { return }
            lastDraw = now
            lastPercent = percent
            FileHandle.standardError.write(Data("geotool: progress: \(percent)%\n".utf8))
            return
        }
        let elapsed = now.timeIntervalSince(start)
        guard elapsed > 2, now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        let frac = total > 0 ? Double(done) / Double(total) : 0
        let width = 30
        let filled = Int(frac * Double(width))
        let rate = Double(done) / max(elapsed, 1e-9)
        let left = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "\r[%@] %3.0f%%  %@/%@ %@  %@ %@/s  %@ left ",
                          bar, frac * 100, human(Double(done)), human(Double(total)), unit, human(rate), unit, clock(left))
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        guard enabled else { return }
        if lines {
            lock.lock(); defer { lock.unlock() }
            if lastPercent != 100 { FileHandle.standardError.write(Data("geotool: progress: 100%\n".utf8)) }
            lastPercent = 100
            return
        }
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func human(_ v: Double) -> String {
        if v >= 1e9 { return String(format: "%.2fG", v / 1e9) }
        if v >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(format: "%.0f", v)
    }
    private func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
