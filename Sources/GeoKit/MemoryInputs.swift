import Foundation
import GeoCore
import GeoGDAL

/// A raster a caller holds in memory (the C interface's arrays, an `ArrayRaster`,
/// a `BufferRaster`): read through its opener, with the CRS and band dates a file would carry.
public struct MemoryRaster: Sendable {
    public var source: RasterOpener
    public var grid: Grid
    public var bands: [BandInfo]
    /// WKT (or any definition GDAL accepts) of the grid's CRS; nil for none.
    public var crs: String?
    /// Per band, its date or label (a time coordinate), for the output bands.
    public var dates: [String?]

    public init(source: RasterOpener, grid: Grid, bands: [BandInfo], crs: String?, dates: [String?] = []) {
        self.source = source; self.grid = grid; self.bands = bands; self.crs = crs; self.dates = dates
    }
}

/// Zones a caller holds in memory: one WKB geometry and one id per zone, in `crs` (WKT or
/// any definition GDAL accepts; nil: the raster's). Read as a layer is (repaired,
/// transformed to the raster's CRS, points and lines kept), `name` standing for its path.
public struct MemoryZones: Sendable {
    public var name: String
    public var wkb: [[UInt8]]
    public var ids: [String]
    public var crs: String?

    public init(name: String, wkb: [[UInt8]], ids: [String], crs: String?) {
        self.name = name; self.wkb = wkb; self.ids = ids; self.crs = crs
    }

    /// The id field of the layer `readMemoryZones` reads.
    public static let idField = "id"
}

extension RasterSpec {
    /// A spec for an in-memory raster; `name` names its columns and stands for its path in
    /// messages and the sidecar.
    public init(name: String, memory: MemoryRaster, band: Int? = nil) {
        self.init(name: name, path: memory.source.key, band: band)
        self.memory = memory
    }
}
