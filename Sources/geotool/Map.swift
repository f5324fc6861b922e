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
        commandName: "map",
        abstract: "A choropleth map (SVG or PNG) of one column of a geotool table, joined to the zones by P-code.",
        discussion: """
        Units are classed (quantile, equal interval or Jenks natural breaks) and coloured with a colour-blind-safe palette; a column with negative and positive values (anomalies) gets a diverging palette centred on zero. Units with no value are hatched and counted in the legend. The unit of the column comes from a Data Package sidecar (out.datapackage.json beside out.csv) when there is one.

        Any table geotool wrote can be mapped: wide or long, CSV, XLSX or GeoPackage, with roll-up rows. One level is drawn: --level, else the level of the zones' id field (DT_PCODE: districts), else the table's finest; a roll-up table maps at every level with the matching boundaries. The table's column named as --id (else its first column) holds the P-codes matched to the zones'. Which value: --column for a wide table, or --indicator/--stat/--band/--date (a long table's only indicator statistic is taken when there is one). Quality columns (count, coverage, nodata_frac, cells) are drawn only when named with --column. Units measured nowhere (outside the raster) are no data, never 0; --min-coverage F draws units whose coverage is below F as "insufficient data".

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

    @OptionGroup var zoneOptions: ZoneOptions
    var zones: String { zoneOptions.zones }
    var id: String { zoneOptions.id }
    var layer: String? { zoneOptions.filter.layer }
    var whereFilter: String? { zoneOptions.filter.whereFilter }

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

    @OptionGroup var classing: ClassOptions
    var classes: Int { classing.classes }
    var scheme: ClassScheme { classing.scheme }
    var palette: Palette { classing.palette }

    @Option(help: "Map title (default: the column name).")
    var title: String?

    @Option(name: .customLong("legend-title"), help: "Legend heading (default: the column name).")
    var legendTitle: String?

    @OptionGroup var printing: PrintOptions

    @Option(help: "Zone field to label units with where the label fits (e.g. TS).")
    var labels: String?

    @Option(help: "Longer side of the map frame, in pixels.")
    var size: Int = 900

    @Option(name: .customLong("png-scale"), help: "Zoom factor for PNG output.")
    var pngScale: Double = 2

    @Option(name: .shortAndLong, help: "Output: .svg or .png.")
    var output: String

    @OptionGroup var quietness: QuietOptions

    @OptionGroup var myanmarText: MyanmarTextOptions

    func validate() throws {
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
            let rsvg = png ? try MapFile.findRsvgConvert() : nil
            let model = try IndicatorTable.read(table, idHint: id)
            for w in model.warnings { warn(w) }
            let si = try model.selectSeries(column: column, indicator: indicator, stat: stat, band: band, date: date)
            let series = model.series[si]
            let layerData = try ZoneLayer.readForMap(zones, layer: layer, idField: id, fields: labels.map { [$0] } ?? [],
                                                     filter: whereFilter, myanmarText: myanmarText.mode)
            warn(layerData.warnings, listedIn: nil)
            let lvl = try model.level(requested: level, zonesIDField: layerData.idField, zoneIDs: layerData.zones.map(\.id))
            let view = model.wideView(level: lvl, series: [si])
            let join = try ZoneTableJoin.matching(layerData, to: view.table, level: lvl, tablePath: table, zonesPath: zones,
                                                  tableIDsInError: true, warn: warn)
            bar.update(1, 4)
            var geomWarnings: [GeoWarning] = []
            let geometry = try MapGeometry.build(layer: layerData, size: Double(size), labelField: labels, warnings: &geomWarnings)
            warn(geomWarnings, listedIn: nil)
            bar.update(2, 4)

            var values = join.values(view.table, column: view.table.columns.count - 1)
            let insufficient = try model.emptyInsufficientZones(&values, series: si, units: view.units, join: join, minCoverage: minCoverage)
            let c = try printing.breaks.map { Classification(values: values, breaks: try parseBreaks($0), palette: palette) }
                ?? Classification(values: values, classes: classes, scheme: scheme, palette: palette)
            if printing.breaks == nil && c.classCount < classes {
                warn("\(series.label): only \(c.classCount) distinct class(es) with --scheme \(scheme.rawValue) (tied values)")
            }
            let o = try mapOptions(series, metadata: model.metadata, geometry: geometry, level: lvl, insufficient: insufficient)
            let svg = choroplethSVG(geometry, values: values, classification: c, options: o)
            bar.update(3, 4)
            try MapFile.write(svg, to: output, rsvg: rsvg, zoom: pngScale)
            bar.finish()
            let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            let drawn = geometry.paths.filter { !$0.isEmpty }.count
            Console.shared.summary("geotool: wrote \(output) (\(bytes / 1024) KB): \(drawn) units drawn, \(c.classCount) \(c.explicitBreaks ? "user-defined" : c.scheme.rawValue) classes, \(c.missing - (insufficient?.filter { $0 }.count ?? 0)) with no data\(insufficient.map { ", \($0.filter { $0 }.count) with insufficient data" } ?? "")")
        } catch let e as GeoKitError {
            fail(e.commandLineMessage)
        }
    }

    /// The map's titles, source, outline, unit, notes and labels.
    private func mapOptions(_ series: IndicatorTable.Series, metadata meta: TableMetadata?, geometry: MapGeometry, level lvl: String,
                            insufficient: [Bool]?) throws -> MapOptions {
        var o = MapOptions()
        o.title = title ?? series.label
        o.legendTitle = legendTitle ?? series.label
        o.source = printing.source ?? defaultMapSource(meta)
        o.outline = try printing.readOutline(on: geometry, myanmarText: myanmarText.mode)
        if let d = series.description { o.subtitle = d }
        o.unit = series.unit ?? meta?.unit(of: series.label)
        o.insufficient = insufficient
        o.minCoverage = minCoverage
        o.attribution = printing.attribution
        o.notes = ["Data: \((table as NSString).lastPathComponent), column \(series.label)\(lvl.isEmpty ? "" : ", \(lvl) rows"). Projection: \(geometry.projectionName). Made with geotool \(GeoKitVersion.string)."]
        o.drawLabels = labels != nil
        o.tooltips = geometry.ids.count <= 5000
        return o
    }
}
