import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct Map: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A choropleth map (SVG or PNG) of one column of a geotool table, joined to the zones by P-code.",
        discussion: """
        Units are classed (quantile, equal interval or Jenks natural breaks) and coloured with a colour-blind-safe palette; a column with negative and positive values (anomalies) gets a diverging palette centred on zero. Units with no value are hatched and counted in the legend. The unit of the column comes from a Data Package sidecar (out.datapackage.json beside out.csv) when there is one.

        Any table geotool wrote can be mapped: wide or long, CSV, XLSX or GeoPackage, with roll-up rows. One level is drawn: --level, else the level of the zones' id field (DT_PCODE: districts), else the table's finest; a roll-up table maps at every level with the matching boundaries. Which value: --column for a wide table, or --indicator/--stat/--band/--date (a long table's only indicator statistic is taken when there is one). Quality columns (count, coverage, nodata_frac, cells) are drawn only when named with --column. Units measured nowhere (outside the raster) are no data, never 0; --min-coverage F draws units whose coverage is below F as "insufficient data".

        Palettes: YlOrRd YlGnBu Blues Greens Purples viridis (sequential), RdBu BrBG (diverging); add _r to reverse one (e.g. RdBu_r).

        Example:
          geotool map rain.csv --zones townships.json --id TS_PCODE \\
              --column rain_mean --labels TS -o rain_mean.svg
          geotool map rain.csv --zones districts.json --id DT_PCODE \\
              --column rain_mean -o districts.svg
          geotool map rain.csv --zones townships.json --id TS_PCODE \\
              --column rain_mean --title "Dekadal rainfall" \\
              --legend-title "mm" --source "CHIRPS v2, UCSB" --breaks 50,100,200 \\
              --outline states.json --labels TS_MMR -o rain.png

        Labels (--labels, and the --outline's names) are placed largest unit first, moved within the unit when they would overlap, and dropped when they fit nowhere. Myanmar script is drawn with Noto Sans Myanmar (Debian package fonts-noto-core); Zawgyi-encoded names, which read as nonsense in it, are reported, and drawn in Unicode with --myanmar-text unicode (docs/myanmar-text.md).

        PNG output is rendered with rsvg-convert (Debian package librsvg2-bin).
        """
    )

    @Argument(help: "Table written by geotool (CSV, XLSX or GeoPackage; wide or long).")
    var table: String

    @Option(help: "Zones layer: any OGR vector (GeoPackage, GeoJSON, TopoJSON, shapefile...).")
    var zones: String

    @OptionGroup var zoneFilter: ZoneFilterOptions
    var layer: String? { zoneFilter.layer }
    var whereFilter: String? { zoneFilter.whereFilter }


    @Option(help: "Zone field holding the P-code; the table's column of that name (else its first column) is matched to it.")
    var id: String

    @Option(help: "Table column to map (wide tables; a long table's series by its wide name, e.g. rain_mean).")
    var column: String?

    @Option(help: "Indicator (raster name) to map.")
    var indicator: String?

    @Option(help: "Statistic to map (mean, sum, p90...).")
    var stat: String?

    @Option(help: "Band to map (multi-band rasters).")
    var band: Int?

    @Option(help: "Date of the band to map.")
    var date: String?

    @Option(help: "Admin level of the table's rows to map (township, district, state, country...). Default: the zones' level.")
    var level: String?

    @Option(name: .customLong("min-coverage"), help: "Draw units whose coverage is below this fraction (0-1) as insufficient data.")
    var minCoverage: Double?

    @Option(help: "Number of classes (2-9).")
    var classes: Int = 5

    @Option(help: "Class breaks: quantile, equal or jenks. (default: quantile)", transform: choice())
    var scheme: ClassScheme = .quantile

    @Option(help: ArgumentHelp("Colour palette (see above); values of both signs get RdBu unless a diverging palette is given. (default: YlOrRd)", valueName: "NAME"), transform: paletteNamed)
    var palette: Palette = .standard

    @Option(help: "Map title (default: the column name).")
    var title: String?

    @Option(name: .customLong("legend-title"), help: "Legend heading (default: the column name).")
    var legendTitle: String?

    @OptionGroup var printing: PrintOptions

    @Option(help: "Zone field to label units with where the label fits (e.g. TS).")
    var labels: String?

    @Option(help: "Attribution line naming the boundaries' source.")
    var attribution: String = "Boundaries: MIMU"

    @Option(help: "Longer side of the map frame, in pixels.")
    var size: Int = 900

    @Option(name: .customLong("png-scale"), help: "Zoom factor for PNG output.")
    var pngScale: Double = 2

    @Option(name: .shortAndLong, help: "Output: .svg or .png.")
    var output: String

    @OptionGroup var quietness: QuietOptions

    @OptionGroup var myanmarText: MyanmarTextOptions

    func validate() throws {
        if !(2...9).contains(classes) { throw ValidationError("--classes must be between 2 and 9") }
        if size < 100 || size > 10000 { throw ValidationError("--size must be between 100 and 10000 (pixels)") }
        if !(pngScale > 0 && pngScale <= 8) { throw ValidationError("--png-scale must be between 0 and 8") }
        if let m = minCoverage, !(m >= 0 && m <= 1) { throw ValidationError("--min-coverage must be between 0 and 1") }
        let ext = (output as NSString).pathExtension.lowercased()
        if !["svg", "png"].contains(ext) { throw ValidationError("\(output): unknown output format\(didYouMean(ext, ["svg", "png"], prefix: ".")); use .svg or .png") }
    }

    func run() throws {
        Console.shared.set(quietness.level)
        do {
            // Refuse an output that is an input (the table, its sidecar, the zones), before any work.
            try OutputSafety.prepare(inputs: [table, zones] + (printing.outline.map { [$0] } ?? []) + tableSidecars(table), outputs: [.init(output)])
            // Four steps (reading, geometry, rendering, writing); lines only: a map is too quick for a bar.
            let bar = ProgressBar(enabled: Console.shared.showsProgress, terminal: false)
            bar.update(0, 4)
            let png = (output as NSString).pathExtension.lowercased() == "png"
            let rsvg = png ? try findRsvgConvert() : nil
            let model = try IndicatorTable.read(table, idHint: id)
            for w in model.warnings { warn(w) }
            let si = try model.selectSeries(column: column, indicator: indicator, stat: stat, band: band, date: date)
            let series = model.series[si]
            let layerData = try readZoneLayer()
            let lvl = try model.level(requested: level, zonesIDField: layerData.idField, zoneIDs: layerData.zones.map(\.id))
            let view = model.wideView(level: lvl, series: [si])
            let join = try joinZones(layerData, to: view.table, level: lvl)
            bar.update(1, 4)
            var geomWarnings: [GeoWarning] = []
            let geometry = try MapGeometry.build(layer: layerData, size: Double(size), labelField: labels, warnings: &geomWarnings)
            warn(geomWarnings, listedIn: nil)
            bar.update(2, 4)

            var values = join.values(view.table, column: view.table.columns.count - 1)
            let insufficient = try blankInsufficientZones(&values, model: model, series: si, units: view.units, join: join)
            let c = try printing.breaks.map { Classification(values: values, breaks: try parseBreaks($0), palette: palette) }
                ?? Classification(values: values, classes: classes, scheme: scheme, palette: palette)
            if printing.breaks == nil && c.classCount < classes {
                warn("\(series.label): only \(c.classCount) distinct class(es) with --scheme \(scheme.rawValue) (tied values)")
            }
            let o = try mapOptions(series, metadata: model.metadata, geometry: geometry, level: lvl, insufficient: insufficient)
            let svg = choroplethSVG(geometry, values: values, classification: c, options: o)
            bar.update(3, 4)
            try writeMap(svg, rsvg: rsvg)
            bar.finish()
            let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            let drawn = geometry.paths.filter { !$0.isEmpty }.count
            Console.shared.summary("geotool: wrote \(output) (\(bytes / 1024) KB): \(drawn) units drawn, \(c.classCount) \(c.explicitBreaks ? "user-defined" : c.scheme.rawValue) classes, \(c.missing - (insufficient?.filter { $0 }.count ?? 0)) with no data\(insufficient.map { ", \($0.filter { $0 }.count) with insufficient data" } ?? "")")
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// The zones (with the label field), their problems warned.
    private func readZoneLayer() throws -> ZoneLayer {
        var layerData = try VectorDataset(path: zones).readZones(layer: layer, idField: id, includeFields: labels.map { [$0] } ?? [], filter: whereFilter)
        layerData.warnings += try layerData.checkMyanmarText(myanmarText.mode).warnings
        warn(layerData.warnings, listedIn: nil)
        return layerData
    }

    /// Each zone's row of the table; its problems warned, an error when no zone matches.
    private func joinZones(_ layerData: ZoneLayer, to t: Table, level lvl: String) throws -> ZoneTableJoin {
        let join = ZoneTableJoin(table: t, zoneIDs: layerData.zones.map(\.id), idField: nil)
        for p in join.problems(tablePath: table, zonesPath: zones) { warn(p) }
        if join.rowOfZone.allSatisfy({ $0 == nil }) {
            throw GeoKitError(.input, "no zone of \(zones) matches a \(lvl.isEmpty ? "" : lvl + " ")row of \(table) (zone ids like \(layerData.zones.first?.id ?? "?"), table ids like \(t.rows.first.map { $0[0].csv } ?? "?"))")
        }
        return join
    }

    /// With --min-coverage: the values of zones below it emptied, and which zones they are.
    private func blankInsufficientZones(_ values: inout [Double?], model: IndicatorTable, series si: Int, units: [Int],
                                        join: ZoneTableJoin) throws -> [Bool]? {
        guard let minCoverage else { return nil }
        let flags = try model.insufficient(si, units: units, minCoverage: minCoverage)
        let z = join.rowOfZone.map { r in r.map { flags[$0] } ?? false }
        for i in z.indices where z[i] { values[i] = nil }
        return z
    }

    /// The map's titles, source, outline, unit, notes and labels.
    private func mapOptions(_ series: IndicatorTable.Series, metadata meta: TableMetadata?, geometry: MapGeometry, level lvl: String,
                            insufficient: [Bool]?) throws -> MapOptions {
        var o = MapOptions()
        o.title = title ?? series.label
        o.legendTitle = legendTitle ?? series.label
        o.source = printing.source ?? defaultSource(meta)
        if let outline = printing.outline {
            o.outline = try readOutline(outline, nameField: printing.outlineName, label: printing.outlineLabel, on: geometry,
                                        myanmarText: myanmarText.mode)
        }
        if let d = series.description { o.subtitle = d }
        o.unit = series.unit ?? meta?.unit(of: series.label)
        o.insufficient = insufficient
        o.minCoverage = minCoverage
        o.attribution = attribution
        o.notes = ["Data: \((table as NSString).lastPathComponent), column \(series.label)\(lvl.isEmpty ? "" : ", \(lvl) rows"). Projection: \(geometry.projectionName). Made with geotool \(GeoKitVersion.string)."]
        o.drawLabels = labels != nil
        o.tooltips = geometry.ids.count <= 5000
        return o
    }

    /// The SVG, or with rsvg-convert the PNG drawn from it, written atomically.
    private func writeMap(_ svg: String, rsvg: String?) throws {
        try writeAtomically(output) { tmp in
            if let rsvg {
                let svgTmp = tmp + ".svg"
                defer { try? FileManager.default.removeItem(atPath: svgTmp) }
                try writeFileChecked(Data(svg.utf8), to: svgTmp, displayPath: output)
                try runRsvg(rsvg, svg: svgTmp, png: tmp, zoom: pngScale)
            } else {
                try writeFileChecked(Data(svg.utf8), to: tmp, displayPath: output)
            }
        }
    }
}

/// The data's sources from a table's sidecar, for the map's "Source:" line: every source
/// but the zones (the attribution line names them).
func defaultSource(_ meta: TableMetadata?) -> String? {
    guard let m = meta, !m.sources.isEmpty else { return nil }
    let data = m.sources.filter { !$0.hasPrefix("zones, ") && $0 != "zones" }
    return (data.isEmpty ? m.sources : data).joined(separator: "; ")
}

/// The `--outline` boundaries on `map`'s frame, named by `nameField` or a guessed name field.
/// `label` names the lines in the legend (default: the layer's level); `myanmarText` reports
/// or converts Zawgyi names.
func readOutline(_ path: String, nameField: String?, label: String? = nil, on map: MapGeometry, myanmarText: MyanmarTextMode) throws -> OutlineGeometry {
    let fields = try VectorDataset(path: path).fieldNames()
    var name = nameField
    if let n = name, !fields.contains(where: { $0.lowercased() == n.lowercased() }) {
        throw GeoKitError.input(path, "no field '\(n)' for --outline-name\(didYouMean(n, fields)) (fields: \(fields.joined(separator: ", ")))")
    }
    if name == nil {
        name = OutlineGeometry.guessNameField(fields)
        if name == nil { warn("\(path): no name field found (fields: \(fields.joined(separator: ", "))); boundaries drawn without names (name one with --outline-name)") }
    }
    guard let idField = name ?? fields.first else { throw GeoKitError.input(path, "the outline layer has no fields") }
    var layer = try VectorDataset(path: path).readZones(idField: idField, includeFields: name.map { [$0] } ?? [])
    layer.warnings += try layer.checkMyanmarText(myanmarText).warnings
    // Repaired geometries matter to statistics, not to a drawn line: only other warnings show.
    warn(layer.warnings.filter { $0.kind != .geometry }, listedIn: nil)
    var gw: [GeoWarning] = []
    var o = try OutlineGeometry.build(layer: layer, nameField: name, on: map, warnings: &gw)
    warn(gw, listedIn: nil)
    o.label = label.flatMap { $0.isEmpty ? nil : $0 } ?? OutlineGeometry.levelLabel(fields: fields) ?? "Boundaries"
    return o
}

/// rsvg-convert on the PATH, or a clear error.
func findRsvgConvert() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let p = "\(dir)/rsvg-convert"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw GeoKitError(.argument, "PNG output needs rsvg-convert, which is not installed: install Debian's librsvg2-bin (scripts/setup.sh does), or write .svg")
}

func runRsvg(_ exe: String, svg: String, png: String, zoom: Double) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = ["--zoom", String(zoom), "--background-color", "white", "--format", "png", "-o", png, svg]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus != 0 {
        let msg = String(decoding: e, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "exit \(p.terminationStatus)"
        throw GeoKitError(.io, "rsvg-convert failed: \(msg)")
    }
}
