import Foundation

// What fixes an error may be another run: the parts of a batch to run first, a zonal run with
// the statistic a map needs. The library says which run and with what, as facts; a front end
// words them as its user gives such a run (geotool as its command line, in
// Sources/geotool/RemedyWords.swift). `description` is the library's own words, naming no
// front end, for one that words none (a `GeoKitError`'s `messageWithHint`).

/// A run that fixes an error, with its facts.
public enum Remedy: Equatable, Sendable {
    /// Run every part (0 to `parts` - 1, `parts` nil when unknown) of batch manifest
    /// `manifest`, then merge.
    case runBatchParts(manifest: String, parts: Int?)
    /// Run part `part` of `parts` of batch manifest `manifest` again.
    case rerunBatchPart(manifest: String, part: Int, parts: Int)
    /// Write part files with a zonal run split into parts (`partial`: the file's name).
    case writeZonalPart(partial: String)
    /// Roll the zonal table up to get rows at `level`.
    case rollUpZonal(level: String)
    /// Add `statistic` to the zonal run's statistics.
    case addZonalStatistic(Statistic)
    /// Compute formula column `variable` in a zonal run (which keeps zone areas).
    case zonalFormula(variable: String)

    /// The remedy in the library's words.
    public var description: String {
        switch self {
        case .runBatchParts(_, nil): return "run each part of the manifest first (parts 0 to N-1 of N)"
        case .runBatchParts(_, let n?): return "run each part of the manifest (parts 0 to \(n - 1) of \(n)), then merge"
        case .rerunBatchPart(_, let part, let parts): return "rerun part \(part) of \(parts) of the manifest"
        case .writeZonalPart(let partial): return "write one with a zonal run split into parts, to \(partial)"
        case .rollUpZonal(let level): return "roll the zonal table up to get \(level) rows, or give zones at one of the table's levels"
        case .addZonalStatistic(let s): return "add \(s.name) to the statistics of the zonal run"
        case .zonalFormula(let v): return "compute \(v) in a zonal run's formulas"
        }
    }
}
