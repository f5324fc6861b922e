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

    package init(label: String, rasterName: String, path: String, band: Int, bandCount: Int, date: String?, unit: String?, grid: Grid, source: BandSource) {
        self.label = label; self.rasterName = rasterName; self.path = path; self.band = band; self.bandCount = bandCount; self.date = date; self.unit = unit; self.grid = grid; self.source = source
    }
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
    /// The Myanmar text of the zone fields read (counts, conversions), for the sidecar.
    public var myanmarText: MyanmarTextCheck?
    /// Derived indicators (`--formula`): columns after the statistics, evaluated per row.
    public var formulas: [NamedFormula] = []

    package var scalarStats: [Statistic] { stats.filter { $0.classColumnPrefix == nil } }

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
