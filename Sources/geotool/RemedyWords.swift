import GeoCore

// The library names the run that fixes an error as facts (`Remedy`); geotool words it as
// the command line that makes that run.

/// `remedy` as a geotool command line to give.
func commandLineWords(_ remedy: Remedy) -> String {
    switch remedy {
    case .runBatchParts(let manifest, nil):
        return "run geotool batch \(manifest) --part I/N for I = 0 to N-1 first"
    case .runBatchParts(let manifest, let parts?):
        return "run geotool batch \(manifest) --part I/\(parts) for each, then merge"
    case .rerunBatchPart(let manifest, let part, let parts):
        return "rerun geotool batch \(manifest) --part \(part)/\(parts)"
    case .writeZonalPart(let partial):
        return "write one with geotool zonal --part I/N --partial \(partial)"
    case .rollUpZonal(let level):
        return "roll up with `geotool zonal --rollup` to get \(level) rows, or give zones at one of the table's levels"
    case .addZonalStatistic(let s):
        return "add \(s.name) to the statistics (geotool zonal --stats ...,\(s.name))"
    case .zonalFormula(let variable):
        return "use geotool zonal --formula for \(variable)"
    }
}

extension GeoKitError {
    /// The error as geotool prints it: its message, and its hint or remedy as a command line.
    var commandLineMessage: String { worded(remedy: commandLineWords) }
}
