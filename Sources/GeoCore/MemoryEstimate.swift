import Foundation

/// What a zonal run holds besides the engine's decoded blocks and partial accumulators
/// (which the engine bounds by `--max-memory` itself, shrinking its row bands): the zones'
/// geometry, every unit's values and the class tables. Estimated before the engine runs, so
/// a run that cannot fit stops with one line instead of growing past the budget.
///
/// Bytes, as documented in docs/indicators.md:
///  - zones: 16 per vertex + 256 per zone (its id, attributes and bounds);
///  - values: 16 per unit and one-column statistic (the zones' values are stored flat, then
///    copied into their rows: both exist for a moment);
///  - class tables: 48 per unit, per-class statistic and class (a key and three sums in a
///    dictionary). Classes per unit are known for binned rasters (bins + 1); for others the
///    estimate counts one (a lower bound: the class guard bounds the rest as the run goes).
public struct MemoryEstimate: Sendable, Equatable {
    public var zones: Int
    public var vertices: Int
    /// Zones and roll-up rows.
    public var units: Int
    /// One-column values per unit (all bands).
    public var scalarValues: Int
    /// Per-class statistics of all bands, each with its classes per unit.
    public var classTables: [Int]

    public init(zones: Int, vertices: Int, units: Int, scalarValues: Int, classTables: [Int]) {
        self.zones = zones; self.vertices = vertices; self.units = units; self.scalarValues = scalarValues; self.classTables = classTables
    }

    public var zoneBytes: Int { 16 * vertices + 256 * zones }
    public var valueBytes: Int { 16 * units * scalarValues }
    public var classBytes: Int { 48 * units * classTables.reduce(0, +) }
    public var bytes: Int { zoneBytes + valueBytes + classBytes }

    /// Throws one line when the estimate exceeds `budget` bytes.
    public func check(budget: Int) throws {
        guard bytes > budget else { return }
        func mb(_ b: Int) -> String { String(Int((Double(b) / 1_048_576).rounded(.up))) }
        throw GeoKitError.argument("the run needs about \(mb(bytes)) MB besides its raster blocks (zones \(mb(zoneBytes)) MB, \(units) rows x \(scalarValues) values \(mb(valueBytes)) MB, class tables \(mb(classBytes)) MB), more than \(Setting.maxMemory) \(mb(budget)) MB",
                                   hint: "raise \(Setting.maxMemory), ask fewer statistics (an operation per raster: \(Setting.op)), or run in parts (\(Setting.part, "I/N"))")
    }
}
