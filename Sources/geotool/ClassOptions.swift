import ArgumentParser
import GeoRender

/// How a choropleth's values are classed and coloured, the same (and with the same
/// defaults) for map and report.
struct ClassOptions: ParsableArguments {
    @Option(help: "Number of classes (2-9).")
    var classes: Int = 5

    @Option(help: "Class breaks: quantile, equal or jenks. (default: quantile)", transform: choice())
    var scheme: ClassScheme = .quantile

    @Option(help: ArgumentHelp("Colour palette: YlOrRd YlGnBu Blues Greens Purples viridis (sequential), RdBu BrBG (diverging), _r reversed (e.g. RdBu_r); values of both signs get RdBu unless a diverging palette is given. (default: YlOrRd)", valueName: "NAME"), transform: paletteNamed)
    var palette: Palette = .standard

    func validate() throws {
        if !(2...9).contains(classes) { throw ValidationError("--classes must be between 2 and 9") }
    }
}
