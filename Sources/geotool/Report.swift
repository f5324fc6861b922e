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
        Per indicator column (default: every numeric column except the id): a choropleth map
        (with --zones and --id), a histogram, the ten highest and lowest units by name and
        P-code, and the table's metadata from its Data Package sidecar (out.datapackage.json)
        when there is one; then a sortable table of all units. The page needs no network
        (inline SVG, CSS and script) and prints cleanly.

        Example:
          geotool report rain.csv --zones townships.json --id TS_PCODE -o rain.html
        """
    )

    @Argument(help: "Table written by geotool (CSV), one row per zone.")
    var table: String

    @Option(help: "Zones layer to draw maps with (any OGR vector).")
    var zones: String?

    @Option(help: "Layer name in the zones file (default: the first layer).")
    var layer: String?

    @Option(help: "Zone field holding the P-code (with --zones); the table's column of that name, else its first, is the id.")
    var id: String?

    @Option(help: "Indicator columns, comma-separated (default: every numeric column).")
    var columns: String?

    @Option(help: "Column with unit names for the rankings (default: a text column such as TS).")
    var name: String?

    @Option(help: "Number of map classes (2-9).")
    var classes: Int = 5

    @Option(help: "Class breaks: quantile, equal or jenks.")
    var scheme: String = "quantile"

    @Option(help: "Sequential palette (values of both signs get RdBu): YlOrRd YlGnBu Blues Greens Purples viridis.")
    var palette: String = "YlOrRd"

    @Option(help: "Page title (default: from the metadata, else the table's name).")
    var title: String?

    @Option(help: "Attribution line naming the boundaries' source.")
    var attribution: String = "Boundaries: MIMU"

    @Option(name: .shortAndLong, help: "Output .html file.")
    var output: String

    func validate() throws {
        if zones != nil && id == nil { throw ValidationError("--zones needs --id (the zones' P-code field)") }
        if !(2...9).contains(classes) { throw ValidationError("--classes must be between 2 and 9") }
        if ClassScheme(rawValue: scheme) == nil { throw ValidationError("unknown --scheme '\(scheme)'; choose quantile, equal or jenks") }
        if Palette(named: palette) == nil { throw ValidationError("unknown --palette '\(palette)'; choose \(Palette.names.joined(separator: ", "))") }
        let ext = (output as NSString).pathExtension.lowercased()
        if !["html", "htm"].contains(ext) { throw ValidationError("\(output): the report is HTML; name it .html") }
    }

    func run() throws {
        do {
            // Refuse an output that is an input (the table, its sidecar, the zones), before any work.
            try OutputSafety.prepare(inputs: [table] + tableSidecars(table) + (zones.map { [$0] } ?? []),
                                     outputs: [.init(output)])
            let t = try Table.readCSV(path: table)
            let (meta, metaWarning) = TableMetadata.sidecar(for: table)
            if let metaWarning { warn(metaWarning) }
            var notes: [String] = []
            var geometry: MapGeometry?
            var rowOfZone: [Int?] = []
            var idColumn = id.flatMap { t.columnIndex($0) } ?? 0
            if let zones, let id {
                let layerData = try VectorDataset(path: zones).readZones(layer: layer, idField: id)
                for w in layerData.warnings { warn(w) }
                let join = ZoneTableJoin(table: t, zoneIDs: layerData.zones.map(\.id), idField: layerData.idField)
                for p in join.problems(tablePath: table, zonesPath: zones) { warn(p); notes.append(p.message) }
                if join.rowOfZone.allSatisfy({ $0 == nil }) {
                    throw GeoKitError(.input, "no zone of \(zones) matches a row of \(table) (zone ids like \(layerData.zones.first?.id ?? "?"))")
                }
                var gw: [GeoWarning] = []
                geometry = try MapGeometry.build(layer: layerData, size: 560, warnings: &gw)
                for w in gw { warn(w) }
                rowOfZone = join.rowOfZone
                idColumn = join.idColumn
            }
            var indicators = ReportInput.defaultIndicators(t, idColumn: idColumn)
            if let columns {
                indicators = try columns.split(separator: ",").map { raw in
                    let c = raw.trimmingCharacters(in: .whitespaces)
                    guard let k = t.columnIndex(c) else { throw GeoKitError.input(table, "no column '\(c)' (columns: \(t.columns.joined(separator: ", ")))") }
                    guard t.isNumeric(k) else { throw GeoKitError.input(table, "column '\(t.columns[k])' holds no numbers") }
                    return k
                }
            }
            if indicators.isEmpty { throw GeoKitError.input(table, "no numeric column to report on") }
            var nameColumn = ReportInput.guessNameColumn(t, idColumn: idColumn)
            if let name {
                guard let k = t.columnIndex(name) else { throw GeoKitError.input(table, "no column '\(name)' for --name") }
                nameColumn = k
            }
            let input = ReportInput(table: t, tablePath: table, idColumn: idColumn, nameColumn: nameColumn, indicators: indicators,
                                    metadata: meta, geometry: geometry, rowOfZone: rowOfZone, zonesPath: zones, notes: notes)
            var o = ReportOptions()
            o.title = title ?? meta?.title ?? "Report: \((table as NSString).lastPathComponent)"
            o.classes = classes
            o.scheme = ClassScheme(rawValue: scheme)!
            o.palette = palette
            o.attribution = attribution
            let html = reportHTML(input, options: o)
            try writeAtomically(output) { tmp in
                try writeFileChecked(Data(html.utf8), to: tmp, displayPath: output)
            }
            FileHandle.standardError.write(Data("geotool: wrote \(output) (\(html.utf8.count / 1024) KB): \(indicators.count) indicator(s), \(t.rows.count) rows\n".utf8))
        } catch let e as GeoKitError {
            fail(e.messageWithHint)
        }
    }
}
