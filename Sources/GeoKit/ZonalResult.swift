import Foundation
import GeoCore
import GeoGDAL

/// One band of one raster as it appears in the output.
public struct OutputBand: Sendable {
    /// Column prefix: `ntl`, or `precip_b3` for band 3 of a multi-band raster.
    public var label: String
    public var rasterName: String
    public var path: String
    public var band: Int
    public var bandCount: Int
    /// The band's date (from `PATH.bands.txt` beside the raster, or the band description).
    public var date: String?
    public var unit: String?
    public var grid: Grid
    package var source: BandSource
    /// The band's own statistics (`--op`); nil: the run's (`--stats`, every band the same).
    public var stats: [Statistic]?
    /// The `where` of its operations: only the cells (or the share of each) where it holds count.
    public var condition: CellCondition?
    /// The weights raster's name of its weighted statistics (`weighted_frac(hazard, pop)`).
    public var weightsName: String?
    /// Its bins (`--classes dem=0,500,1000`): per-class columns are bins.
    public var classBreaks: ClassBreaks? { source.classBreaks }

    package init(label: String, rasterName: String, path: String, band: Int, bandCount: Int, date: String?, unit: String?, grid: Grid, source: BandSource,
                 stats: [Statistic]? = nil, condition: CellCondition? = nil, weightsName: String? = nil) {
        self.label = label; self.rasterName = rasterName; self.path = path; self.band = band; self.bandCount = bandCount; self.date = date; self.unit = unit; self.grid = grid; self.source = source
        self.stats = stats; self.condition = condition; self.weightsName = weightsName
    }

    /// The column name of one of its statistics (and class): `pop_sum`, `hazard_frac_3`,
    /// `pop_sum_where_hazard_ge_3`, `pop_where_hazard_ge_3_nodata`. The one place column names
    /// of indicators are made.
    public func columnName(_ stat: Statistic, classValue: Double? = nil) -> String {
        ColumnKey(label: label, stat: classValue == nil ? stat.name : stat.classColumnPrefix!,
                  classSuffix: classValue.map { classBreaks?.columnSuffix($0) ?? formatNumber($0) },
                  condition: condition?.columnSuffix).name
    }
}

/// Which statistics each output band has and where their values sit in a unit's arrays:
/// `scalar[scalarOffset[b] + k]` for the band's k-th one-column statistic, `classes[classOffset[b]
/// + i]` for its i-th statistic when per class. With the same statistics for every band (`--stats`)
/// these are `b * nScalar + k` and `b * stats.count + i`, as before operations per raster.
package struct StatLayout: Sendable {
    package let stats: [[Statistic]]
    package let scalars: [[Statistic]]
    package let scalarOffset: [Int]
    package let classOffset: [Int]
    package let scalarWidth: Int
    /// The unit of `area` and `class_area` values.
    package var areaUnit: AreaUnit = .m2

    package init(bands: [OutputBand], stats runStats: [Statistic], areaUnit: AreaUnit = .m2) {
        self.init(perBand: bands.map { $0.stats ?? runStats })
        self.areaUnit = areaUnit
    }

    /// The same statistics for each of `bandCount` bands.
    package init(uniform stats: [Statistic], bandCount: Int) {
        self.init(perBand: [[Statistic]](repeating: stats, count: bandCount))
    }

    package init(perBand: [[Statistic]]) {
        stats = perBand
        scalars = stats.map { $0.filter { $0.classColumnPrefix == nil } }
        var so: [Int] = [], co: [Int] = [], s = 0, c = 0
        for b in stats.indices { so.append(s); co.append(c); s += scalars[b].count; c += stats[b].count }
        scalarOffset = so; classOffset = co; scalarWidth = s
    }

    /// Every statistic of any band, in first-seen order.
    package var union: [Statistic] { stats.flatMap { $0 }.uniqued() }
}

/// A row of results: a zone, or a roll-up unit merged from zones.
public struct ResultUnit: Sendable {
    public var id: String
    public var level: String
    public var name: String
    /// Values of the include-columns (for roll-ups: the value all its zones share, or empty).
    public var attributes: [String]
    /// scalar[band * nScalar + stat] over the scalar statistics (NaN: no value).
    public var scalar: [Double]
    /// classes[band * stats.count + stat index]: class value -> result, for per-class statistics.
    public var classes: [Int: [Double: Double]]
    public var isEmptyGeometry: Bool
    /// The unit's own area in m² (a roll-up row: its zones' summed), when formulas use it; else NaN.
    public var zoneArea: Double = .nan

    package init(id: String, level: String, name: String, attributes: [String], scalar: [Double], classes: [Int: [Double: Double]], isEmptyGeometry: Bool) {
        self.id = id; self.level = level; self.name = name; self.attributes = attributes; self.scalar = scalar; self.classes = classes; self.isEmptyGeometry = isEmptyGeometry
    }
}

/// What a run produced: result units, the zones' geometry for spatial outputs, warnings and
/// what the metadata sidecar needs.
public struct ZonalResult: Sendable {
    public var units: [ResultUnit]
    public var bands: [OutputBand]
    public var stats: [Statistic]
    public var idField: String
    public var includeFields: [String]
    public var hasRollup: Bool
    public var geometries: [[UInt8]?]
    public var zonesCRS: String?
    public var warnings: [GeoWarning]
    public var zones: ZoneLayerSummary
    public var rasterCRS: String?
    public var method: CoverageMethod
    public var idLevel: AdminLevel?
    /// Ids of the point zones with no value in some band (outside the raster or on nodata).
    public var pointsWithoutValue: [String] = []
    /// What `sum` and `weighted_sum` are for a unit without a valid cell (for the sidecar).
    public var emptySum: EmptySum = .empty
    /// Rasters whose CRS is WGS 84 assumed from CF longitude/latitude coordinates (the sidecar says so).
    public var crsAssumedPaths: Set<String> = []
    /// The zones' `--where` filter, and what it did to a roll-up (for the sidecar).
    public var whereFilter: String?
    public var filteredRollup: FilteredRollup?
    /// Per roll-up level (`district`), the zones' field holding its codes (`DT_PCODE`).
    public var levelCodeFields: [String: String] = [:]
    /// The zone rows formatted while the run's engine ran (`ZonalJob.rowsAhead`), taken by
    /// the CSV writer; nil unless asked for.
    package var rowsAhead: RowsAhead?
    /// Units per chunk of rows the CSV writer encodes together, when not its own choice
    /// (`rowsPerChunk`): tests cut small tables into many chunks.
    package var writerChunkZones: Int?
    /// The Myanmar text of the zone fields read (counts, conversions), for the sidecar.
    public var myanmarText: MyanmarTextCheck?
    /// Derived indicators (`--formula`): columns after the statistics, evaluated per row.
    public var formulas: [NamedFormula] = []

    package var layout: StatLayout { StatLayout(bands: bands, stats: stats, areaUnit: areaUnit) }
    /// The unit of `area` and `class_area` (`--area-unit`).
    public var areaUnit: AreaUnit = .m2

    package init(units: [ResultUnit], bands: [OutputBand], stats: [Statistic], idField: String, includeFields: [String], hasRollup: Bool, geometries: [[UInt8]?], zonesCRS: String?, warnings: [GeoWarning], zones: ZoneLayerSummary, rasterCRS: String?, method: CoverageMethod, idLevel: AdminLevel?) {
        self.units = units; self.bands = bands; self.stats = stats; self.idField = idField; self.includeFields = includeFields; self.hasRollup = hasRollup; self.geometries = geometries; self.zonesCRS = zonesCRS; self.warnings = warnings; self.zones = zones; self.rasterCRS = rasterCRS; self.method = method; self.idLevel = idLevel
    }
}

public struct ZoneLayerSummary: Sendable {
    public var path: String
    public var layer: String
    public var featureCount: Int
    public var idField: String
    public var pcodeVersion: String?
    public var crs: String?

    package init(path: String, layer: String, featureCount: Int, idField: String, pcodeVersion: String?, crs: String?) {
        self.path = path; self.layer = layer; self.featureCount = featureCount; self.idField = idField; self.pcodeVersion = pcodeVersion; self.crs = crs
    }
}

extension ZonalResult {
    /// Units with no geometry (empty zones), which a FlatGeobuf output leaves out.
    public var unitsWithoutGeometry: Int { geometries.filter { $0 == nil }.count }
}
