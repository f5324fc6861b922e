import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One self-contained HTML page about a geotool table: maps, histograms, top and bottom units.",
        discussion: """
        Per indicator (default: every indicator statistic of the table; quality columns such as count, coverage and nodata_frac only when named with --columns): a choropleth map (with --zones and --id), a histogram, the ten highest and lowest units by name and P-code, and the table's metadata from its Data Package sidecar (out.datapackage.json) when there is one; then a sortable table of all units. The page needs no network (inline SVG, CSS and script) and prints cleanly.

        Any table geotool wrote can be reported on: wide or long, CSV, XLSX or GeoPackage, with roll-up rows. One level only: --level, else the zones' level (from --id), else the table's finest. Units measured nowhere (outside the raster) have no value, never 0; --min-coverage F leaves units whose coverage is below F out of the classes and rankings, counted as insufficient data.

        Zawgyi-encoded names (in the table or the zones), which read as nonsense in a Unicode font, are reported, and shown in Unicode with --myanmar-text unicode (docs/myanmar-text.md).

        Example:
          geotool report rain.csv --zones townships.json --id TS_PCODE -o rain.html
        """
    )

    @Argument(help: "Table written by geotool (CSV, XLSX or GeoPackage; wide or long).")
    var table: String

    @Option(help: "Zones layer to draw maps with (any OGR vector).")
    var zones: String?

    @OptionGroup var zoneFilter: ZoneFilterOptions
    var layer: String? { zoneFilter.layer }
    var whereFilter: String? { zoneFilter.whereFilter }


    @Option(help: "Zone field holding the P-code (with --zones); the table's column of that name, else its first, is the id.")
    var id: String?

    @Option(help: "Indicator columns, comma-separated (default: every indicator statistic, no quality column).")
    var columns: String?

    @Option(help: "Only this indicator (raster name).")
    var indicator: String?

    @Option(help: "Only this statistic (mean, sum...).")
    var stat: String?

    @Option(help: "Admin level of the rows to report on (township, district, state, country...). Default: the zones' level, else the finest.")
    var level: String?

    @Option(name: .customLong("min-coverage"), help: "Units whose coverage is below this fraction (0-1) are insufficient data.")
    var minCoverage: Double?

    @Option(help: "Column with unit names for the rankings (default: a text column such as TS).")
    var name: String?

    @OptionGroup var classing: ClassOptions

    @Option(help: "Page title (default: from the metadata, else the table's name).")
    var title: String?

    @OptionGroup var printing: PrintOptions

    @OptionGroup var myanmarText: MyanmarTextOptions

    @Option(name: .shortAndLong, help: "Output .html file.")
    var output: String

    @OptionGroup var quietness: QuietOptions

    func validate() throws {
        if zones != nil && id == nil { throw ValidationError("--zones needs --id (the zones' P-code field)") }
        if let m = minCoverage, !(m >= 0 && m <= 1) { throw ValidationError("--min-coverage must be between 0 and 1") }
        if printing.outline != nil && zones == nil { throw ValidationError("--outline needs --zones and --id (the map to draw it on)") }
        let ext = (output as NSString).pathExtension.lowercased()
        if !["html", "htm"].contains(ext) { throw ValidationError("\(output): the report is HTML; name it .html") }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            // Refuse an output that is an input (the table, its sidecar, the zones), before any work.
            try OutputSafety.prepare(inputs: [table] + tableSidecars(table) + (zones.map { [$0] } ?? []),
                                     outputs: [.init(output)])
            let model = try IndicatorTable.read(table, idHint: id)
            for w in model.warnings { warn(w) }
            let chosen = try model.reportSeries(columns: columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                                                indicator: indicator, stat: stat, tablePath: table)
            let (layerData, zoneNames) = try readZoneLayer()
            let lvl = try model.level(requested: level, zonesIDField: layerData?.idField, zoneIDs: layerData?.zones.map(\.id) ?? [])
            let view = model.wideView(level: lvl, series: chosen)
            var t = view.table
            let indicators = Array((t.columns.count - chosen.count)..<t.columns.count)
            // Names and other text of the table (not its id), as drawn and listed.
            for w in try t.checkMyanmarText(myanmarText.mode, file: table, columns: Array(t.columns.indices.dropFirst())).warnings { warn(w) }
            let nameColumn = try unitNameColumn(&t, tableNames: view.nameColumn, zoneNames: zoneNames)
            let insufficient = try minCoverage.map {
                try model.emptyInsufficientUnits(&t, series: chosen, columns: indicators, units: view.units, minCoverage: $0)
            } ?? [:]
            var (geometry, rowOfZone, notes) = try mapOfZones(layerData, table: t, level: lvl)
            if !lvl.isEmpty && model.levels.count > 1 { notes.append("\(lvl.prefix(1).uppercased() + lvl.dropFirst()) rows only (the table also has \(model.levels.filter { $0 != lvl }.joined(separator: ", ")) rows; see --level).") }
            var input = ReportInput(table: t, tablePath: table, idColumn: 0, nameColumn: nameColumn, indicators: indicators,
                                    metadata: model.metadata, geometry: geometry, rowOfZone: rowOfZone, zonesPath: zones, notes: notes)
            input.insufficient = insufficient
            input.minCoverage = minCoverage
            input.metadata = model.metadata(describing: chosen)
            let html = reportHTML(input, options: try reportOptions(model, level: lvl, geometry: geometry))
            try writeAtomically(output) { tmp in
                try writeFileChecked(Data(html.utf8), to: tmp, displayPath: output)
            }
            Console.shared.summary("geotool: wrote \(output) (\(html.utf8.count / 1024) KB): \(indicators.count) indicator(s), \(t.rows.count) \(lvl.isEmpty ? "" : lvl + " ")rows")
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// The zones of --zones (nil without), their warnings said, and their names by id when
    /// the layer has a name field beside --id.
    private func readZoneLayer() throws -> (ZoneLayer?, [String: String]) {
        guard let zones, let id else { return (nil, [:]) }
        let (l, names) = try ZoneLayer.readForReport(zones, layer: layer, idField: id, filter: whereFilter, myanmarText: myanmarText.mode)
        warn(l.warnings, listedIn: nil)
        return (l, names)
    }

    /// The column naming the units: --name, else the table's, where units without a name in
    /// the table (roll-up rows) take the zones' name.
    private func unitNameColumn(_ t: inout Table, tableNames: Int?, zoneNames: [String: String]) throws -> Int? {
        let nameColumn = t.fillUnitNames(column: tableNames, from: zoneNames)
        guard let name else { return nameColumn }
        guard let k = t.columnIndex(name) else { throw GeoKitError.input(table, "no column '\(name)' for --name\(didYouMean(name, t.columns)) (columns: \(t.columns.joined(separator: ", ")))") }
        return k
    }

    /// The map's geometry and each zone's row, with notes on the zones and rows that do not
    /// match (also warned); nothing without zones.
    private func mapOfZones(_ layerData: ZoneLayer?, table t: Table, level lvl: String) throws -> (MapGeometry?, [Int?], [String]) {
        guard let layerData, let zones else { return (nil, [], []) }
        var notes: [String] = []
        let join = try ZoneTableJoin.matching(layerData, to: t, level: lvl, tablePath: table, zonesPath: zones,
                                              tableIDsInError: false) { p in warn(p); notes.append(p.message) }
        var gw: [GeoWarning] = []
        let geometry = try MapGeometry.build(layer: layerData, size: 560, warnings: &gw)
        warn(gw, listedIn: nil)
        return (geometry, join.rowOfZone, notes)
    }

    /// The page's title, classes, palette, breaks, source and outline.
    private func reportOptions(_ model: IndicatorTable, level lvl: String, geometry: MapGeometry?) throws -> ReportOptions {
        var o = ReportOptions()
        o.title = title ?? model.title(level: lvl) ?? "Report: \((table as NSString).lastPathComponent)"
        o.classes = classing.classes
        o.scheme = classing.scheme
        o.palette = classing.palette
        o.attribution = printing.attribution
        o.breaks = try printing.breaks.map { try parseBreaks($0) }
        o.source = printing.source ?? defaultMapSource(model.metadata)
        if let geometry { o.outline = try printing.readOutline(on: geometry, myanmarText: myanmarText.mode) }
        return o
    }
}
