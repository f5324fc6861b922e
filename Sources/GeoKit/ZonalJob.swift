import Foundation

/// `NAME=PATH[:BAND]` as given on the command line.
public struct RasterSpec: Sendable, Equatable {
    public var name: String
    public var path: String
    public var band: Int?

    public init(name: String, path: String, band: Int? = nil) { self.name = name; self.path = path; self.band = band }

    public init(parsing text: String) throws {
        var rest = text
        var name: String?
        if let eq = text.firstIndex(of: "="), !text[..<eq].contains("/") {
            name = String(text[..<eq]); rest = String(text[text.index(after: eq)...])
        }
        var band: Int?
        if let colon = rest.lastIndex(of: ":"), let b = Int(rest[rest.index(after: colon)...]) {
            guard b >= 1 else { throw GeoKitError("\(text): band numbers start at 1") }
            band = b; rest = String(rest[..<colon])
        }
        guard !rest.isEmpty else { throw GeoKitError("'\(text)': expected NAME=PATH[:BAND]") }
        let stem = ((rest as NSString).lastPathComponent as NSString).deletingPathExtension
        self.init(name: (name?.isEmpty == false ? name! : stem), path: rest, band: band)
    }
}

/// Everything one `geotool zonal` run needs.
public struct ZonalJob: Sendable {
    public var zonesPath: String
    public var layer: String?
    public var idField: String
    public var includeFields: [String] = []
    public var rasters: [RasterSpec]
    public var weights: RasterSpec?
    public var stats: [Statistic] = [.count, .mean]
    public var method: CoverageMethod = .exact
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var maxMemory = 512 << 20
    public var keepGeometry = false

    public init(zonesPath: String, layer: String? = nil, idField: String, includeFields: [String] = [],
                rasters: [RasterSpec], weights: RasterSpec? = nil, stats: [Statistic], method: CoverageMethod = .exact) {
        self.zonesPath = zonesPath; self.layer = layer; self.idField = idField; self.includeFields = includeFields
        self.rasters = rasters; self.weights = weights; self.stats = stats; self.method = method
    }
}

/// What a run produced: the table, the zones' geometry for spatial outputs, and warnings.
public struct ZonalResult: Sendable {
    public var table: Table
    public var geometries: [[UInt8]?]
    public var zonesCRS: String?
    public var warnings: [String]
    /// Per zone, per output band (in column order), the merged accumulators. Kept so
    /// roll-ups can merge them.
    public var bandLabels: [String]
}

/// One band of one raster as it appears in column names.
struct BandColumn {
    var label: String        // "ntl" or "precip_b3"
    var source: BandSource
    var rasterIndex: Int
}

extension ZonalJob {
    /// Check inputs, read zones, run the engine for each grid, and assemble the table.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> ZonalResult {
        guard !stats.isEmpty else { throw GeoKitError("no statistics requested") }
        if stats.contains(where: \.needsWeights) && weights == nil {
            throw GeoKitError("weighted statistics need --weights NAME=PATH")
        }
        // Open every raster once, up front, so bad input fails before any work.
        var opened: [Raster] = []
        var columns: [BandColumn] = []
        for (ri, spec) in rasters.enumerated() {
            let r = try Raster(path: spec.path)
            opened.append(r)
            let bands: [Int]
            if let b = spec.band {
                guard b <= r.bands.count else {
                    throw GeoKitError("\(spec.path): no band \(b) (the raster has \(r.bands.count))")
                }
                bands = [b]
            } else {
                bands = Array(1...r.bands.count)
            }
            for b in bands {
                let label = (spec.band == nil && r.bands.count > 1) ? "\(spec.name)_b\(b)" : spec.name
                columns.append(BandColumn(label: label, source: BandSource(path: spec.path, band: b, info: r.bands[b - 1]),
                                          rasterIndex: ri))
            }
        }
        var weightsRaster: Raster?
        if let w = weights, stats.contains(where: \.needsWeights) {
            let r = try Raster(path: w.path)
            if let b = w.band, b > r.bands.count { throw GeoKitError("\(w.path): no band \(b) (the raster has \(r.bands.count))") }
            weightsRaster = r
        }

        // Zones, once per distinct raster CRS (usually one).
        let firstSRS = opened[0].spatialReference
        let vds = try VectorDataset(path: zonesPath)
        let zoneLayer = try vds.readZones(layer: layer, idField: idField, includeFields: includeFields,
                                          target: firstSRS, keepWKB: keepGeometry)
        var warnings = zoneLayer.warnings
        let zones = zoneLayer.zones

        // Group bands by grid: one coverage pass per grid.
        var groups: [(grid: Grid, raster: Raster, cols: [Int])] = []
        for (ci, c) in columns.enumerated() {
            let r = opened[c.rasterIndex]
            if let srs = r.spatialReference, let f = firstSRS, !srs.isSame(f) {
                throw GeoKitError("\(r.path): CRS \(srs.shortName) differs from \(opened[0].path)'s \(f.shortName); warp one to the other first (gdalwarp)")
            }
            if let g = groups.firstIndex(where: { $0.grid.isCompatible(with: r.grid) }) {
                groups[g].cols.append(ci)
            } else {
                groups.append((r.grid, r, [ci]))
            }
        }

        let scalarStats = stats.filter { $0.classColumnPrefix == nil }
        let nScalar = scalarStats.count
        // values[zone][column * nScalar + stat]; classValues[zone][column][statIndex]
        var values = [[Double]](repeating: [Double](repeating: .nan, count: columns.count * nScalar), count: zones.count)
        var classValues = [[[Int: [Double: Double]]]](repeating: [[Int: [Double: Double]]](repeating: [:], count: columns.count),
                                                   count: zones.count)
        let areaModel = firstSRS?.areaModel ?? .planar(metresPerUnit: 1)
        let totalCellsAll = groups.reduce(0) { $0 + $1.grid.rows * $1.grid.cols }
        var doneBefore = 0
        for g in groups {
            var opts = EngineOptions()
            opts.method = method; opts.stats = stats; opts.threads = threads; opts.maxMemory = maxMemory
            let wsrc = weightsRaster.map { r -> BandSource in
                let b = weights!.band ?? 1
                return BandSource(path: r.path, band: b, info: r.bands[b - 1])
            }
            let engine = ZonalEngine(grid: g.grid, areaModel: areaModel, sources: g.cols.map { columns[$0].source },
                                     weights: wsrc, weightsGrid: weightsRaster?.grid, options: opts)
            let outside = zones.indices.filter { z in
                !zones[z].geometry.isEmpty && !zones[z].geometry.bounds.intersects(g.grid.extent)
            }
            if !outside.isEmpty {
                warnings.append("\(outside.count) zone(s) lie wholly outside \(g.raster.path): " +
                                outside.prefix(10).map { zones[$0].id }.joined(separator: ", ") + (outside.count > 10 ? ", ..." : ""))
            }
            let cells = g.grid.rows * g.grid.cols
            try engine.run(zones: zones, sink: { z, accs in
                for (k, ci) in g.cols.enumerated() {
                    for (si, st) in scalarStats.enumerated() {
                        values[z][ci * nScalar + si] = st.value(of: accs[k]) ?? .nan
                    }
                    for (si, st) in stats.enumerated() where st.classColumnPrefix != nil {
                        classValues[z][ci][si] = st.classValues(of: accs[k])
                    }
                }
            }, progress: progress.map { p in { done, total in p(doneBefore + done * cells / max(total, 1), totalCellsAll) } })
            doneBefore += cells
        }
        warnings += GDALMessages.shared.drain()

        // Header: id, include columns, then per band the stats in the order given.
        var header = [zoneLayer.idField] + zoneLayer.includeFields
        enum Source { case scalar(Int), cls(col: Int, stat: Int, value: Double) }
        var sources: [Source] = []
        for (ci, c) in columns.enumerated() {
            for (si, st) in stats.enumerated() {
                if let prefix = st.classColumnPrefix {
                    var classes = Set<Double>()
                    for z in zones.indices { classes.formUnion(classValues[z][ci][si]?.keys ?? [:].keys) }
                    for v in classes.sorted() {
                        header.append("\(c.label)_\(prefix)_\(formatNumber(v))")
                        sources.append(.cls(col: ci, stat: si, value: v))
                    }
                } else {
                    header.append("\(c.label)_\(st.name)")
                    sources.append(.scalar(ci * nScalar + scalarStats.firstIndex(of: st)!))
                }
            }
        }
        var table = Table(columns: header)
        for (z, zone) in zones.enumerated() {
            var row: [TableCell] = [.text(zone.id)] + zone.attributes.map { .text($0) }
            for s in sources {
                switch s {
                case .scalar(let k):
                    let v = values[z][k]
                    row.append(v.isNaN ? .empty : .number(v))
                case .cls(let ci, let si, let value):
                    if zone.geometry.isEmpty { row.append(.empty); continue }
                    // A class absent from a covered zone has a share (and area) of zero.
                    row.append(.number(classValues[z][ci][si]?[value] ?? 0))
                }
            }
            table.rows.append(row)
        }
        return ZonalResult(table: table, geometries: zones.map(\.wkb), zonesCRS: zoneLayer.crsWKT, warnings: warnings,
                           bandLabels: columns.map(\.label))
    }
}
