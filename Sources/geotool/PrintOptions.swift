import ArgumentParser
import GeoCore
import GeoGDAL
import GeoRender

/// What a printed map carries besides its units, the same for `map` and `report`.
struct PrintOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data source printed under the map, e.g. \"CHIRPS v2, UCSB\" (default: the sources in the table's sidecar; \"\" for none).", valueName: "TEXT"))
    var source: String?

    @Option(help: ArgumentHelp("Class breaks, ascending, e.g. 50,100,200: classes <= 50, 50-100, 100-200, > 200 (replaces --classes and --scheme).", valueName: "B1,B2,..."))
    var breaks: String?

    @Option(help: ArgumentHelp("Boundaries of a coarser level to draw over the units, with their names (e.g. states.json).", valueName: "ZONES"))
    var outline: String?

    @Option(name: .customLong("outline-name"), help: ArgumentHelp("Field naming the outline's features (default: ST for ST_PCODE, else NAME...).", valueName: "FIELD"))
    var outlineName: String?

    @Option(name: .customLong("outline-label"), help: ArgumentHelp("The outline's entry in the legend (default: its level, e.g. \"State/region boundaries\" for a layer with ST_PCODE).", valueName: "TEXT"))
    var outlineLabel: String?

    @Option(help: "Attribution line naming the boundaries' source.")
    var attribution: String = "Boundaries: MIMU"

    /// The `--outline` boundaries on `map`'s frame (nil without), their warnings said.
    func readOutline(on map: MapGeometry, myanmarText: MyanmarTextMode) throws -> OutlineGeometry? {
        guard let outline else { return nil }
        return try OutlineGeometry.read(outline, nameField: outlineName, label: outlineLabel, on: map, myanmarText: myanmarText) {
            warn($0, listedIn: nil)
        }
    }

    func validate() throws {
        if let b = breaks { do { _ = try parseBreaks(b) } catch let e as GeoKitError { throw ValidationError(e.commandLineMessage) } }
        if outlineName != nil && outline == nil { throw ValidationError("--outline-name needs --outline (the boundaries to draw)") }
        if outlineLabel != nil && outline == nil { throw ValidationError("--outline-label needs --outline (the boundaries to draw)") }
    }
}
