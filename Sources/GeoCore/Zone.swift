import Foundation

/// One feature of a zones layer, as plain values: ready for any thread.
public struct Zone: Sendable {
    /// Position in the layer (0-based, input order).
    public var index: Int
    public var id: String
    /// Values of the requested include-columns, in order.
    public var attributes: [String]
    /// In the target CRS (the raster's), valid, polygonal. Empty for null/empty features
    /// and for point and line zones.
    public var geometry: MultiPolygon
    /// Point zones (Point, MultiPoint), in the target CRS: each point samples its cell.
    public var points: [Point] = []
    /// Line zones (LineString, MultiLineString), in the target CRS: each cell is weighted
    /// by the length of line inside it.
    public var lines: [[Point]] = []
    /// A point zone read as a disc (`--buffer`): its `geometry` is the disc.
    public var isBufferedPoint = false
    /// Well-known binary of the original geometry (for writing `.gpkg` output), when kept.
    public var wkb: [UInt8]?

    public init(index: Int, id: String, attributes: [String], geometry: MultiPolygon, wkb: [UInt8]? = nil) {
        self.index = index; self.id = id; self.attributes = attributes; self.geometry = geometry; self.wkb = wkb
    }

    // Inlinable (these and vertexCount): called from GeoKit on zones[i] of a buffer, an opaque
    // getter made a copy of the zone (a retain and release of each of its arrays) per call.
    /// No polygon, point or line to summarise (a null, empty or unusable feature).
    @inlinable public var isEmpty: Bool { geometry.isEmpty && points.isEmpty && lines.isEmpty }
    /// Points of all its geometry: polygon rings (shells and holes), points and line vertices.
    @inlinable public var vertexCount: Int {
        var n = points.count
        for l in lines { n += l.count }
        for p in geometry.polygons {
            n += p.shell.points.count
            for h in p.holes { n += h.points.count }
        }
        return n
    }
    /// A zone of points or lines rather than polygons.
    @inlinable public var isPointOrLine: Bool { !points.isEmpty || !lines.isEmpty }

    /// Bounds of whatever geometry the zone has.
    @inlinable public var bounds: Box {
        var b = geometry.bounds
        for p in points { b.expand(x: p.x, y: p.y) }
        for l in lines { for p in l { b.expand(x: p.x, y: p.y) } }
        return b
    }
}

/// A vector layer of zones read into memory with warnings about what had to be mended.
public struct ZoneLayer: Sendable {
    public var path: String
    public var layerName: String
    public var idField: String
    public var includeFields: [String]
    public var fieldNames: [String]
    public var crsWKT: String?
    public var zones: [Zone]
    public var warnings: [GeoWarning]
    /// `PCode_V` (P-code version) when the layer carries one.
    public var pcodeVersion: String?
    /// Zones made from GDAL's Arrow stream rather than from OGR features (tests check that
    /// the stream was read).
    package var zonesFromStream = 0

    public init(path: String, layerName: String, idField: String, includeFields: [String], fieldNames: [String],
                crsWKT: String?, zones: [Zone], warnings: [GeoWarning], pcodeVersion: String?) {
        self.path = path; self.layerName = layerName; self.idField = idField; self.includeFields = includeFields
        self.fieldNames = fieldNames; self.crsWKT = crsWKT; self.zones = zones; self.warnings = warnings
        self.pcodeVersion = pcodeVersion
    }
}

