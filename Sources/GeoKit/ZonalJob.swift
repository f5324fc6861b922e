import Foundation
import GeoCore
import GeoGDAL

/// Everything one `geotool zonal` run needs.
public struct ZonalJob: Sendable {
    public var zonesPath: String
    public var layer: String?
    public var idField: String
    public var includeFields: [String] = []
    public var rasters: [RasterSpec]
    public var weights: RasterSpec?
    public var stats: [Statistic] = [.count, .mean]
    /// Operations per raster (`--op 'sum(pop) where hazard >= 3'`): when given, each raster
    /// gets only its operations' statistics and `stats` is not used (see `runStats`).
    public var operations: [RasterOperation] = []
    /// Bins of continuous rasters by name (`--classes dem=0,500,1000`): their categorical
    /// statistics count bins (`dem_frac_0_500`), not values.
    public var classes: [String: ClassBreaks] = [:]
    /// The unit of `area` and `class_area` (`--area-unit`; default m²).
    public var areaUnit: AreaUnit = .m2
    public var method: CoverageMethod = .exact
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var maxMemory = 512 << 20
    public var keepGeometry = false
    /// OGR attribute filter on the zones (`--where`), e.g. `ST_PCODE = 'MMR013'`.
    public var whereFilter: String?
    /// Zone fields holding parent codes to roll up to (e.g. DT_PCODE, ST_PCODE).
    public var rollup: [String] = []
    /// child,parent table for roll-ups when the zones do not carry their parents.
    public var gazetteer: String?
    /// Add a country row to roll-ups; its code defaults to the P-codes' letters (MMR).
    public var country: String?
    public var allowDuplicateIDs = false
    /// Value units by raster name (`ntl` -> `nW/cm2/sr`); else the raster's own unit type.
    public var units: [String: String] = [:]
    /// Field with the unit's name for long tables (default: found among the zone fields).
    public var nameField: String?
    /// Two rasters may not share a name (their columns would collide); `batch` gives every
    /// band of a series the indicator's name and names the columns itself.
    public var distinctRasterNames = true
    /// Units whose covered share of their area is below this get empty statistics (count and
    /// coverage stay), with one warning listing them.
    public var minCoverage: Double?
    /// Radius in metres of the geodesic disc summarised around each point zone (`--buffer`).
    public var buffer: Double?
    /// `sum` and `weighted_sum` of a unit without a valid cell: empty, or 0 (`--empty-sum zero`).
    public var emptySum: EmptySum = .empty
    /// Zawgyi-encoded values of the zone fields read (names, include columns): reported
    /// (`.detect`) or converted to Unicode (`.unicode`).
    public var myanmarText: MyanmarTextMode = .detect
    /// Derived indicators (`--formula NAME = FORMULA [UNIT]`), evaluated per result row.
    public var formulas: [NamedFormula] = []
    /// Zones held in memory (the C interface's WKB arrays), read instead of `zonesPath`,
    /// which then names them in messages.
    public var memoryZones: MemoryZones?
    /// Stops the engine between row bands when cancelled (the run then throws `.cancelled`).
    public var cancellation: Cancellation?
    /// Zones and their coverage kept between runs with the same zones (CoverageCache.swift).
    public var zoneCache: ZoneCache?
    /// Set by a caller that writes the result at once, unchanged, as a wide CSV table: the
    /// zones' rows are formatted while the engine runs (RowsAhead.swift).
    public var rowsAhead: RowsAheadRequest?
    /// Tests: the rows formatted ahead at normal priority, all of them before the write, in
    /// chunks of this many zones (else the writer's).
    package var rowsAheadDrained = false
    package var rowsAheadChunkZones: Int?
    public var coverageCache: CoverageCache?

    public init(zonesPath: String, layer: String? = nil, idField: String, includeFields: [String] = [],
                rasters: [RasterSpec], weights: RasterSpec? = nil, stats: [Statistic], method: CoverageMethod = .exact) {
        self.zonesPath = zonesPath; self.layer = layer; self.idField = idField; self.includeFields = includeFields
        self.rasters = rasters; self.weights = weights; self.stats = stats; self.method = method
    }
}

/// The zones of a run, with the fields the output and the roll-up need.
struct ZoneInput {
    var layer: ZoneLayer
    /// The fields read for each zone: the include-columns, then roll-up and name fields.
    var fields: [String]
    var nameField: String?
    /// Per roll-up field, the field naming its parents (DT for DT_PCODE), if there is one.
    var parentNameFields: [String?]
    var check: IDCheck
    var warnings: [GeoWarning]
    var myanmarText: MyanmarTextCheck?

    var zones: [Zone] { layer.zones }
    func value(_ zone: Zone, _ field: String) -> String { zone.attributes[fields.firstIndex(of: field)!] }
}

/// Output bands on one grid with the same statistics and weights: one coverage pass serves
/// them all, and the engine computes for them only what their statistics need.
struct GridGroup {
    var grid: Grid
    /// The first of its rasters, for warnings.
    var rasterPath: String
    /// Indexes into the output bands.
    var bands: [Int]
    /// The statistics of each of its bands.
    var stats: [Statistic]
    var weights: BandSource?
}

/// What a run knows before the engine runs: checked inputs, the zones, the output bands
/// and their grid groups. A single run and a merge of parts both start here.
struct PreparedRun {
    var input: ZoneInput
    var bands: [OutputBand]
    var groups: [GridGroup]
    var areaModel: CellAreaModel
    /// Each zone's own area, when `coverage` is asked for (else empty).
    var zoneAreas: [Double]
    var chains: ParentChains?
    /// A roll-up over zones filtered by `--where`: the parents that miss some of their zones.
    var filteredRollup: FilteredRollup?
    var rasterCRS: String?
    /// Rasters whose CRS is WGS 84 assumed from CF longitude/latitude coordinates.
    var crsAssumedPaths: Set<String> = []
    /// Each band's statistics and where their values sit in a row.
    var layout: StatLayout
    /// Per zone: a point zone (sampled or buffered), whose empty values are reported.
    var isPointZone: [Bool] = []
    /// Whether any statistic is per class (most runs have none: a zone's row is then scalars only).
    var hasClassStats = false
    /// The CRS the zones were read into (the first raster's WKT; "" for none): part of a
    /// coverage cache's key, as the same grid numbers in another CRS are other cells.
    var zonesTargetCRS = ""
}

/// The rows being filled from zone accumulators: the zones' and their parents'.
struct ResultState {
    /// Zone rows first, then roll-up rows; a zone row's `scalar` is filled from `zoneScalar`
    /// when the run finishes.
    var units: [ResultUnit]
    /// The zones' scalar values, zone-major: zoneScalar[zone * scalarWidth + band * nScalar +
    /// stat]. One flat array, not an array per zone: the engine stores 10^5 zones' values in
    /// any order, and a store into a zone's own array was a cache miss each.
    var zoneScalar: ScalarStore
    var scalarWidth: Int
    var rollup: Rollup?
    var warnings: [GeoWarning]
    /// Point zones with no value in the current grid group (outside it, or on nodata in at
    /// least one band), and in any group so far.
    var noValue = Set<Int>()
    var pointsWithoutValue = Set<Int>()
}

extension ZonalJob {
    /// Check inputs, read zones, run the engine for each grid, roll up, and return results.
    /// GDAL's warnings on the job's threads are its own (`GDALMessages.collecting`), given in
    /// the result.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> ZonalResult {
        try GDALMessages().collecting { try runCollectingWarnings(progress: progress) }
    }

    private func runCollectingWarnings(progress: ((Int, Int) -> Void)?) throws -> ZonalResult {
        let p = try prepare()
        try memoryEstimate(p).check(budget: maxMemory)
        PhaseTiming.mark("prepared")
        var state = startResults(p)
        PhaseTiming.mark("result rows")
        let ahead = rowsAhead(p, state)
        ahead?.start()
        do {
            let totalCells = p.groups.reduce(0) { $0 + $1.grid.rows * $1.grid.cols }
            var cellsBefore = 0
            for gi in p.groups.indices {
                let g = p.groups[gi], cells = g.grid.rows * g.grid.cols, base = cellsBefore
                let groupProgress: ((Int, Int) -> Void)? = progress.map { p in { done, total in p(base + done * cells / max(total, 1), totalCells) } }
                beginGroup(gi, p, &state)
                try withGroupScalars(gi, p) { scalars in
                    try computeGroup(gi, p, zones: nil, progress: groupProgress) { z, first, accs in
                        add(gi, p, &state, zone: z, first: first, accs, scalars)
                        ahead?.received(zone: z, accumulators: accs.count)
                    }
                }
                endGroup(gi, p, &state)
                cellsBefore += cells
            }
            ahead?.engineDone()
            PhaseTiming.mark("engine done")
            // Moved, not copied: a copy of the rows would be made (200,000 retains) when
            // finish writes the zones' values into them while this frame still held them.
            var result = try finish(p, consume state)
            result.rowsAhead = ahead
            releaseInBackground(p)
            return result
        } catch {
            ahead?.close()
            throw error
        }
    }

    /// The rows formatted ahead, when asked for and the table's zone rows are known before
    /// the run finishes: one grid group (a zone is final after its last band), a wide table
    /// of scalar statistics only, no roll-up rows, formulas or `--min-coverage` (each
    /// changes rows after the engine), and more than one thread (the rows are formatted on
    /// a core of their own).
    private func rowsAhead(_ p: PreparedRun, _ s: ResultState) -> RowsAhead? {
        guard let request = rowsAhead, threads > 1, p.groups.count == 1, p.chains == nil, formulas.isEmpty, minCoverage == nil,
              !p.hasClassStats, !p.input.zones.isEmpty else { return nil }
        let l = p.layout
        var columns: [Int] = []
        for b in p.bands.indices {
            for st in l.stats[b] {
                guard let k = l.scalars[b].firstIndex(of: st) else { return nil }
                columns.append(l.scalarOffset[b] + k)
            }
        }
        let cells = 2 + includeFields.count + columns.count   // as the writer counts a wide row
        return RowsAhead(ids: s.units.map(\.id), attributes: s.units.map(\.attributes), store: s.zoneScalar, width: s.scalarWidth,
                         columns: columns, expected: p.groups[0].bands.count, chunkZones: rowsAheadChunkZones ?? ZonalResult.rowsPerChunk(cells: cells),
                         guardsFormulas: request.guardsFormulas, budget: max(16 << 20, maxMemory / 8), drainOnClose: rowsAheadDrained)
    }

    /// Everything before the engine: checks, rasters opened, zones read (in the rasters'
    /// CRS), grid groups, zone areas and parent chains.
    func prepare() throws -> PreparedRun {
        let stats = runStats
        guard !stats.isEmpty else { throw GeoKitError.argument("no statistics requested") }
        if let f = minCoverage {
            guard f >= 0 && f <= 1 else { throw GeoKitError.argument("\(Setting.minCoverage) takes a share between 0 and 1, not \(formatNumber(f))") }
            guard stats.contains(.coverage) else {
                throw GeoKitError.argument("\(Setting.minCoverage) compares each unit's coverage statistic: add coverage to " + (operations.isEmpty ? "\(Setting.stats)" : "the operations (\(Setting.op, "coverage(NAME)", quoted: true))"))
            }
        }
        if operations.isEmpty && stats.contains(where: \.needsWeights) && weights == nil {
            throw GeoKitError.argument("weighted statistics need \(Setting.weights, "NAME=PATH")")
        }
        let nameWarnings = try checkRasterNames()
        try checkClasses()
        // Open every raster once, up front, so bad input fails before any work.
        let (opened, bands) = try openBands()
        try checkFormulas(bands: bands)
        let weightsSource = try openWeights()
        try checkConditions(bands, opened: opened)
        let gazetteerMap = try gazetteer.map { try readGazetteer($0) }
        let firstSRS = opened[0].spatialReference
        // Without a CRS the cells' size in metres is unknown: areas are refused, not given in
        // square degrees (or whatever the raster's units are) under the name m².
        let noCRS = opened.filter { $0.spatialReference == nil }
        if let r = noCRS.first, let s = stats.first(where: { $0 == .area || $0 == .classArea }) {
            throw GeoKitError.crs(r.path, "raster has no CRS, so \(s.name) (m²) cannot be computed; assign one (gdal_edit.py -a_srs EPSG:...) or leave out area and class_area")
        }
        PhaseTiming.mark("rasters opened")
        var input = try cachedZoneInput(target: firstSRS)
        PhaseTiming.mark("zones read and checked")
        input.warnings = nameWarnings + input.warnings
        for r in noCRS {
            input.warnings.append(GeoWarning(.crs, file: r.path, "\(r.path): raster has no CRS; the zones' coordinates are taken as the raster's"))
        }
        // One warning per file whose CRS was assumed from CF coordinates.
        let cfAssumed = Set(opened.filter(\.crsAssumedFromCF).map(\.path))
        for path in rasters.map(\.path).uniqued() where cfAssumed.contains(path) {
            input.warnings.append(GeoWarning(.crs, file: path, "\(path): no CRS, but \(cfAssumedCRSNote) (EPSG:4326)"))
        }
        let groups = try gridGroups(bands, opened: opened, firstSRS: firstSRS, weights: weightsSource)
        let areaModel = firstSRS?.areaModel ?? .planar(metresPerUnit: 1)
        let zoneAreas: [Double] = stats.contains(.coverage) || formulasUseZoneArea
            ? input.zones.map { areaModel.zoneArea($0.geometry, grid: groups[0].grid) } : []
        // GDAL's block cache is per handle and defaults to 5% of RAM: keep it to a slice of
        // the budget; blocks are decoded once anyway.
        GDAL.setCacheMax(max(16 << 20, maxMemory / 8))
        // A roll-up over filtered zones is compared with the whole layer's.
        let layerRows = whereFilter != nil && (!rollup.isEmpty || gazetteerMap != nil)
            ? try VectorDataset(path: zonesPath).fieldValues(layer: layer, fields: gazetteerMap == nil ? rollup : [idField]) : nil
        let filteredOut = (layerRows?.count ?? 0) > input.zones.count
        let chains = parentChains(input, gazetteer: gazetteerMap, withoutGuessedCountry: filteredOut)
        let filtered = filteredOut ? chains.map { filteredRollup($0, input, gazetteer: gazetteerMap, layerRows: layerRows!) } : nil
        if let filtered { input.warnings += filtered.warnings(zonesPath: zonesPath) }
        return PreparedRun(input: input, bands: bands, groups: groups, areaModel: areaModel,
                           zoneAreas: zoneAreas, chains: chains, filteredRollup: filtered, rasterCRS: firstSRS?.shortName, crsAssumedPaths: cfAssumed,
                           layout: StatLayout(bands: bands, stats: stats, areaUnit: areaUnit),
                           isPointZone: input.zones.map { !$0.points.isEmpty || $0.isBufferedPoint },
                           hasClassStats: stats.contains { $0.classColumnPrefix != nil }, zonesTargetCRS: firstSRS?.wkt ?? "")
    }

    /// What the run holds besides the engine's blocks: zones, values, class tables.
    func memoryEstimate(_ p: PreparedRun) -> MemoryEstimate {
        let zones = p.input.zones
        // Each zone read in place: `reduce` handed on a copy of each (a retain and release of
        // each of its arrays, 10^5 times on the one thread before the engine starts).
        let vertices = zones.withUnsafeBufferPointer { zones in
            var n = 0
            for i in zones.indices { n += zones[i].vertexCount }
            return n
        }
        let parents = p.chains.map { Set($0.chains.joined()).count } ?? 0
        var classTables: [Int] = []
        for (b, band) in p.bands.enumerated() {
            for st in p.layout.stats[b] where st.classColumnPrefix != nil {
                classTables.append(band.classBreaks.map { $0.breaks.count } ?? 1)
            }
        }
        return MemoryEstimate(zones: zones.count, vertices: vertices, units: zones.count + parents,
                              scalarValues: p.layout.scalarWidth, classTables: classTables)
    }

    /// Empty rows for the zones (and a roll-up when asked for), with the warnings so far.
    func startResults(_ p: PreparedRun) -> ResultState {
        let width = p.layout.scalarWidth
        return ResultState(units: zoneUnits(p.input), zoneScalar: ScalarStore(nanCount: width * p.input.zones.count, threads: threads),
                    scalarWidth: width,
                    rollup: p.chains.map { Rollup($0, layout: p.layout, emptySum: emptySum) }, warnings: p.input.warnings)
    }

    /// The engine of grid group `gi`.
    func engine(_ gi: Int, _ p: PreparedRun) -> ZonalEngine {
        var opts = EngineOptions()
        let g = p.groups[gi]
        opts.method = method; opts.stats = g.stats; opts.threads = threads; opts.maxMemory = maxMemory
        opts.cancellation = cancellation
        opts.coverageCache = coverageCache
        opts.coverageZonesKey = p.zonesTargetCRS
        return ZonalEngine(grid: g.grid, areaModel: p.areaModel, sources: g.bands.map { p.bands[$0].source },
                           weights: g.weights, options: opts)
    }

    /// Run the engine of group `gi` over the zones (all, or the indexes in `zones`):
    /// `sink(zone, first, accs)` gets each zone's accumulators (with the zone's area set) in
    /// the engine's fixed order.
    func computeGroup(_ gi: Int, _ p: PreparedRun, zones subset: [Int]?, progress: ((Int, Int) -> Void)?,
                      sink: (Int, Int, [ZoneStats]) -> Void) throws {
        let all = p.input.zones
        let zones = subset.map { $0.map { all[$0] } } ?? all
        try engine(gi, p).run(zones: zones, sink: { zi, first, accsIn in
            let z = subset?[zi] ?? zi
            // Without zone areas the merger's array goes on as it is (a copy of it was a
            // retain and release per zone, on the merger's one thread).
            if p.zoneAreas.isEmpty { sink(z, first, accsIn); return }
            var accs = accsIn
            if !p.zoneAreas.isEmpty { for k in accs.indices { accs[k].zoneArea = p.zoneAreas[z] } }
            sink(z, first, accs)
        }, progress: progress)
    }

    /// `computeGroup` over row bands `rowBands` of group `gi` only, every zone: band partials
    /// go unmerged to `bandSink(band, first, partial)` in band order; zones that meet no cell
    /// to `sink` (from the range starting at band 0).
    func computeRows(_ gi: Int, _ p: PreparedRun, rowBands: Range<Int>, progress: ((Int, Int) -> Void)?,
                     sink: (Int, Int, [ZoneStats]) -> Void, bandSink: @escaping (Int, Int, BandPartial) -> Void) throws {
        try engine(gi, p).run(zones: p.input.zones, rowBands: rowBands, sink: { z, first, accsIn in
            var accs = accsIn
            if !p.zoneAreas.isEmpty { for k in accs.indices { accs[k].zoneArea = p.zoneAreas[z] } }
            sink(z, first, accs)
        }, bandSink: bandSink, progress: progress)
    }

    /// Start grid group `gi`: warn about the zones wholly outside its grid.
    func beginGroup(_ gi: Int, _ p: PreparedRun, _ s: inout ResultState) {
        let g = p.groups[gi], zones = p.input.zones, extent = g.grid.extent
        // In chunks on the run's threads (a walk over every zone's points), zones read in place.
        let perTask = 8192
        var outsideParts = [[Int]](repeating: [], count: (zones.count + perTask - 1) / perTask)
        zones.withUnsafeBufferPointer { zones in
            outsideParts.withUnsafeMutableBufferPointer { out in
                let out = out
                WorkerPool(threads: threads).run(count: zones.count, chunk: perTask) { k, range in
                    out[k] = range.filter { z in !zones[z].isEmpty && !zones[z].bounds.intersects(extent) }
                }
            }
        }
        let outside = outsideParts.flatMap { $0 }
        if !outside.isEmpty {
            // Every zone, in the warning and so in the sidecar (stderr lines are shortened).
            s.warnings.append(GeoWarning(.outside, file: g.rasterPath, "\(outside.count) zone(s) lie wholly outside \(g.rasterPath): ",
                                         listing: outside.map { zones[$0].id }))
        }
        s.rollup?.beginGroup(template: g.bands.map {
            ZoneStats(histogram: g.stats.contains(where: \.needsHistogram), denseBytes: p.bands[$0].source.info.type == .uint8)
        })
    }

    /// Where group `gi`'s values go in a zone's row: its bands, their (shared) one-column
    /// statistics and each band's offset, read in place.
    struct GroupScalars {
        let bands: UnsafeBufferPointer<Int>, stats: UnsafeBufferPointer<Statistic>, offset: UnsafeBufferPointer<Int>
    }

    /// `body` with group `gi`'s `GroupScalars`, valid during the call.
    func withGroupScalars<R>(_ gi: Int, _ p: PreparedRun, _ body: (GroupScalars) throws -> R) rethrows -> R {
        let bands = p.groups[gi].bands
        return try bands.withUnsafeBufferPointer { b in
            try p.layout.scalars[b[0]].withUnsafeBufferPointer { st in
                try p.layout.scalarOffset.withUnsafeBufferPointer { o in try body(GroupScalars(bands: b, stats: st, offset: o)) }
            }
        }
    }

    /// A zone's accumulators of the group's bands first..<first+accs.count go to its row, and
    /// to its parents' (whose sums depend on the order of these calls: the engine's).
    func add(_ gi: Int, _ p: PreparedRun, _ s: inout ResultState, zone z: Int, first: Int, _ accs: [ZoneStats]) {
        withGroupScalars(gi, p) { add(gi, p, &s, zone: z, first: first, accs, $0) }
    }

    /// `add` with the group's scalars looked up once for all its zones: per zone, the
    /// lookups retained and released the group's arrays, shared with the engine's threads
    /// (a contended count each time, on the merger's one thread, 10^5 times).
    func add(_ gi: Int, _ p: PreparedRun, _ s: inout ResultState, zone z: Int, first: Int, _ accs: [ZoneStats], _ g: GroupScalars) {
        if p.isPointZone[z] && accs.contains(where: { $0.count == 0 }) { s.noValue.insert(z) }
        let base = z * s.scalarWidth
        let bands = g.bands, scalarStats = g.stats, offset = g.offset
        let out = s.zoneScalar.values
        for k in accs.indices {
            let o = base + offset[bands[first + k]]
            for si in scalarStats.indices {
                out[o + si] = scalarStats[si].value(of: accs[k], emptySum: emptySum).map { p.layout.areaUnit.scaled($0, scalarStats[si]) } ?? .nan
            }
        }
        if p.hasClassStats { s.units[z].recordClasses(accs, bands: p.groups[gi].bands[first..<(first + accs.count)], layout: p.layout) }
        s.rollup?.add(zone: z, first: first, accs)
    }

    func endGroup(_ gi: Int, _ p: PreparedRun, _ s: inout ResultState) {
        s.rollup?.endGroup(bands: p.groups[gi].bands)
        if !s.noValue.isEmpty {
            let g = p.groups[gi], zones = p.input.zones
            s.warnings.append(GeoWarning(.outside, file: g.rasterPath, "\(s.noValue.count) point zone(s) have no value in \(g.rasterPath) (outside it, or on nodata in at least one band): ",
                                         listing: s.noValue.sorted().map { zones[$0].id }))
            s.pointsWithoutValue.formUnion(s.noValue)
            s.noValue = []
        }
    }

    /// Roll-up rows, --min-coverage, and the result with what the sidecar needs.
    func finish(_ p: PreparedRun, _ state: consuming ResultState) throws -> ZonalResult {
        var s = consume state
        let zones = p.input.zones
        fillZoneScalars(&s)
        var rollupGeometries: [[UInt8]?] = []
        if var r = s.rollup {
            let names = zones.map { z in p.input.parentNameFields.map { $0.map { p.input.value(z, $0) } } }
            let parents = r.finish(attributes: s.units.map(\.attributes), names: names)
            if keepGeometry { rollupGeometries = try dissolved(parents, chains: r.parents, zones: zones) }
            s.units += parents
        }
        if let f = minCoverage, let w = emptyLowCoverage(&s.units, layout: p.layout, bands: p.bands, below: f) { s.warnings.append(w) }
        var input = p.input
        input.warnings = s.warnings
        var out = result(units: s.units, bands: p.bands, input: input, hasRollup: p.chains?.chains.isEmpty == false,
                         rasterCRS: p.rasterCRS, rollupGeometries: rollupGeometries)
        out.pointsWithoutValue = s.pointsWithoutValue.sorted().map { zones[$0].id }
        out.emptySum = emptySum
        out.whereFilter = whereFilter
        out.crsAssumedPaths = p.crsAssumedPaths
        out.filteredRollup = p.filteredRollup
        out.levelCodeFields = levelCodeFields(input)
        if !formulas.isEmpty {
            out.formulas = formulas
            if formulasUseZoneArea { setZoneAreas(&out.units, p) }
            // A per-class column a formula uses is known only now: checked before any writing.
            _ = try out.resolveFormulas(out.indicatorColumns)
        }
        return out
    }

    /// Each row's own area: a zone's, a roll-up row's the sum of its zones'.
    private func setZoneAreas(_ units: inout [ResultUnit], _ p: PreparedRun) {
        var parentArea: [String: Double] = [:]
        for (z, a) in p.zoneAreas.enumerated() {
            units[z].zoneArea = a
            for parent in p.chains?.chains[z] ?? [] {
                parentArea[p.chains!.levelNames[parent.level] + "\u{0}" + parent.code, default: 0] += a
            }
        }
        for u in p.zoneAreas.count..<units.count { units[u].zoneArea = parentArea[units[u].level + "\u{0}" + units[u].id] ?? .nan }
    }

    /// Each zone row's values from the flat store, in chunks on the run's threads.
    private func fillZoneScalars(_ s: inout ResultState) {
        let width = s.scalarWidth
        guard width > 0 else { return }
        let flat = UnsafeBufferPointer(start: s.zoneScalar.values, count: s.zoneScalar.count)
        withExtendedLifetime(s.zoneScalar) {
            s.units.withUnsafeMutableBufferPointer { units in
                WorkerPool(threads: threads).run(count: flat.count / width, chunk: 8192) { _, range in
                    for z in range { units[z].scalar = Array(flat[(z * width)..<((z + 1) * width)]) }
                }
            }
        }
        s.zoneScalar = .empty
    }

    /// Distinct raster names (an error naming both specs otherwise); a warning per name made
    /// from a file's stem.
    private func checkRasterNames() throws -> [GeoWarning] {
        var warnings: [GeoWarning] = []
        var first: [String: RasterSpec] = [:]
        for spec in rasters {
            if distinctRasterNames, let other = first[spec.name] {
                throw GeoKitError.argument("two rasters named '\(spec.name)': '\(other.given)' and '\(spec.given)'; give each its own name (NAME=PATH[:BAND])")
            }
            first[spec.name] = first[spec.name] ?? spec
            if let stem = spec.sanitisedFrom {
                warnings.append(GeoWarning(.input, file: spec.path, "\(spec.path): raster name '\(stem)' holds characters other than letters, digits and _; its columns are named '\(spec.name)_...' (give NAME=PATH to choose)"))
            }
        }
        return warnings
    }

    /// Each roll-up unit's geometry: the union of its zones' (as read, in the zones' CRS).
    private func dissolved(_ parents: [ResultUnit], chains: ParentChains, zones: [Zone]) throws -> [[UInt8]?] {
        var members: [String: [Int]] = [:]
        for (z, chain) in chains.chains.enumerated() {
            for p in chain { members[chains.levelNames[p.level] + "\u{0}" + p.code, default: []].append(z) }
        }
        return try parents.map { u in
            try unionWKB((members[u.level + "\u{0}" + u.id] ?? []).compactMap { zones[$0].wkb })
        }
    }

    /// `--min-coverage`: the statistics of a unit (and band) whose `coverage` is below `f`
    /// are emptied, except count and coverage; one warning lists every such unit.
    private func emptyLowCoverage(_ units: inout [ResultUnit], layout l: StatLayout, bands: [OutputBand], below f: Double) -> GeoWarning? {
        guard l.scalars.contains(where: { $0.contains(.coverage) }) else { return nil }
        var low: [String] = []
        for u in units.indices {
            var lowBands: [String] = []
            for b in bands.indices {
                guard let ci = l.scalars[b].firstIndex(of: .coverage) else { continue }
                let cov = units[u].scalar[l.scalarOffset[b] + ci]
                guard !cov.isNaN, cov < f else { continue }
                lowBands.append(bands[b].label)
                for (si, st) in l.scalars[b].enumerated() where st != .count && st != .coverage {
                    units[u].scalar[l.scalarOffset[b] + si] = .nan
                }
                for (si, st) in l.stats[b].enumerated() where st.classColumnPrefix != nil { units[u].classes[l.classOffset[b] + si] = [:] }
            }
            if !lowBands.isEmpty {
                low.append(lowBands.count == bands.count ? units[u].id : "\(units[u].id) (\(lowBands.joined(separator: " ")))")
            }
        }
        guard !low.isEmpty else { return nil }
        return GeoWarning(.outside, file: zonesPath, "\(low.count) unit(s) with coverage below \(formatNumber(f)) (\(Setting.minCoverage)): their statistics are empty (count and coverage kept): ",
                          listing: low)
    }

    /// The statistics of the run: `stats`, or those of the operations when there are some.
    public var runStats: [Statistic] {
        operations.isEmpty ? stats : operations.map(\.statistic).uniqued()
    }

    /// Open each raster and list its output bands: the chosen band, or every band; with
    /// operations, a band per raster band and condition that an operation reads (its
    /// statistics those of its operations, in order), and no band for a raster only
    /// named as weights or in a condition. `opened[k]` is `rasters[k]`'s.
    private func openBands() throws -> (rasters: [OpenedRaster], bands: [OutputBand]) {
        var opened: [OpenedRaster] = []
        var perSpec: [[OutputBand]] = []
        // A file split into a spec per band (batch passes) is opened and dated once, not once
        // per band: a NetCDF's time axis read per band made a pass quadratic in its bands.
        var openedByPath: [String: Raster] = [:]
        var datesByPath: [String: [String?]] = [:]
        for spec in rasters {
            if let m = spec.memory {
                let (r, b) = try memoryBands(spec, m)
                opened.append(r); perSpec.append(b)
                continue
            }
            let r = try openedByPath[spec.path] ?? Raster(path: spec.path)
            openedByPath[spec.path] = r
            opened.append(OpenedRaster(r))
            let list: [Int]
            if let b = spec.band {
                guard b <= r.bands.count else {
                    throw GeoKitError.input(spec.path, "no band \(b) (the raster has \(r.bands.count))")
                }
                list = [b]
            } else {
                list = Array(1...r.bands.count)
            }
            let dates = try datesByPath[spec.path] ?? bandDates(path: spec.path, raster: r)
            datesByPath[spec.path] = dates
            perSpec.append(list.map { b in
                let label = (spec.band == nil && r.bands.count > 1) ? "\(spec.name)_b\(b)" : spec.name
                return OutputBand(label: label, rasterName: spec.name, path: spec.path, band: b, bandCount: r.bands.count,
                                  date: dates[b - 1], unit: units[spec.name] ?? r.bands[b - 1].unit, grid: r.grid,
                                  source: BandSource(raster: Raster.opener(path: spec.path), band: b, info: r.bands[b - 1],
                                                     classBreaks: classes[spec.name]))
            })
        }
        guard !operations.isEmpty else { return (opened, perSpec.flatMap { $0 }) }
        return (opened, try operationBands(perSpec, opened: opened))
    }

    /// An in-memory raster's output bands, read through its own opener.
    private func memoryBands(_ spec: RasterSpec, _ m: MemoryRaster) throws -> (OpenedRaster, [OutputBand]) {
        let srs = try m.crs.map { wkt in
            do { return try SpatialReference(definition: wkt) } catch { throw GeoKitError.crs(spec.path, "not a CRS GDAL knows: \(wkt.prefix(80))") }
        }
        let list: [Int]
        if let b = spec.band {
            guard b >= 1 && b <= m.bands.count else { throw GeoKitError.input(spec.path, "no band \(b) (the array has \(m.bands.count))") }
            list = [b]
        } else {
            list = Array(1...m.bands.count)
        }
        let out = list.map { b in
            OutputBand(label: (spec.band == nil && m.bands.count > 1) ? "\(spec.name)_b\(b)" : spec.name, rasterName: spec.name,
                       path: spec.path, band: b, bandCount: m.bands.count, date: b <= m.dates.count ? m.dates[b - 1] : nil,
                       unit: units[spec.name], grid: m.grid, source: BandSource(raster: m.source, band: b, info: m.bands[b - 1]))
        }
        return (OpenedRaster(path: spec.path, grid: m.grid, spatialReference: srs, crsAssumedFromCF: false, bands: m.bands, opener: m.source), out)
    }


    /// The output bands of the operations: one per (raster band, condition), in order of first
    /// use, with its operations' statistics and weights.
    private func operationBands(_ perSpec: [[OutputBand]], opened: [OpenedRaster]) throws -> [OutputBand] {
        let names = rasters.map(\.name)
        func spec(_ name: String, in op: RasterOperation) throws -> Int {
            guard let k = names.firstIndex(of: name) else {
                throw GeoKitError.argument("\(Setting.op, "'\(op.text)'"): no raster named '\(name)'\(didYouMean(name, names)); declare it with \(Setting.raster, "\(name)=PATH")")
            }
            return k
        }
        struct Target: Hashable { var raster: String; var condition: CellCondition? }
        var order: [Target] = []
        var statsOf: [Target: [Statistic]] = [:]
        var weightsOf: [Target: String] = [:]
        for op in operations {
            for n in op.rasterNames { _ = try spec(n, in: op) }
            let t = Target(raster: op.raster, condition: op.condition)
            if statsOf[t] == nil { order.append(t) }
            if statsOf[t, default: []].contains(op.statistic) { continue }   // asked twice: one column
            statsOf[t, default: []].append(op.statistic)
            if let w = op.weights {
                if let other = weightsOf[t], other != w {
                    throw GeoKitError.argument("\(Setting.op, "'\(op.text)'"): \(op.raster) is already weighted by \(other) in another operation; one weights raster per raster and condition")
                }
                weightsOf[t] = w
            }
        }
        // Two conditions written apart may read alike in a column name (`in 0.5,1` and `in 0,5,1`).
        var suffixes: [String: CellCondition] = [:]
        for t in order {
            guard let c = t.condition else { continue }
            let key = t.raster + "_where_" + c.columnSuffix
            if let other = suffixes[key], other != c {
                throw GeoKitError.argument("\(Setting.op): the conditions '\(other.text)' and '\(c.text)' on \(t.raster) would name the same columns (\(key)); write one of them otherwise (e.g. a range as A..B)")
            }
            suffixes[key] = c
        }
        var out: [OutputBand] = []
        for t in order {
            // A condition on another raster reads one band of it; one on the values' own raster
            // reads each band's own cells (`count(rain) where rain > 10` per band of a series).
            let other = try t.condition.flatMap { c -> SourceCondition? in
                guard c.raster != t.raster else { return nil }
                let ck = names.firstIndex(of: c.raster)!
                let r = opened[ck], b = rasters[ck].band ?? 1
                if rasters[ck].band == nil && r.bands.count > 1 {
                    throw GeoKitError.input(r.path, "the condition '\(c.text)' reads one band, and \(r.path) has \(r.bands.count): name one (\(Setting.raster) \(c.raster)=\(r.path):BAND)")
                }
                return SourceCondition(raster: r.opener, band: b, info: r.bands[b - 1], test: c.test)
            }
            // With a condition, the share of the covered area where its raster has no value, so
            // that cells left out are said, not dropped silently.
            if t.condition != nil, !statsOf[t]!.contains(.whereNodata) {
                statsOf[t]!.append(.whereNodata)
            }
            // Every spec of that name: batch gives each band of a series the indicator's name.
            for k in names.indices where names[k] == t.raster {
                for var band in perSpec[k] {
                    band.stats = statsOf[t]; band.condition = t.condition; band.weightsName = weightsOf[t]
                    if let c = t.condition {
                        band.source.condition = other ?? SourceCondition(raster: band.source.raster, band: band.band, info: band.source.info, test: c.test)
                    }
                    out.append(band)
                }
            }
        }
        return out
    }


    /// The weights band, when a weighted statistic asks for it (`--weights`; operations name theirs).
    private func openWeights() throws -> BandSource? {
        guard operations.isEmpty, let w = weights, stats.contains(where: \.needsWeights) else { return nil }
        return try weightsSource(w)
    }

    private func weightsSource(_ w: RasterSpec) throws -> BandSource {
        let r = try Raster(path: w.path)
        if let b = w.band, b > r.bands.count { throw GeoKitError.input(w.path, "no band \(b) (the raster has \(r.bands.count))") }
        let b = w.band ?? 1
        return BandSource(raster: Raster.opener(path: r.path), band: b, info: r.bands[b - 1])
    }

    /// The zones from `zoneCache` when it holds them in `target`'s CRS, else read (and kept there).
    private func cachedZoneInput(target: SpatialReference?) throws -> ZoneInput {
        guard let cache = zoneCache else { return try readZoneInput(target: target) }
        let crs = target?.wkt ?? ""
        if let hit = cache.lookup(crs: crs) { return hit }
        let input = try readZoneInput(target: target)
        cache.store(crs: crs, input)
        return input
    }

    /// Classes name rasters of the run, and go with statistics that read classes: a median
    /// (or majority) of bins is no elevation.
    private func checkClasses() throws {
        let names = rasters.map(\.name)
        for name in classes.keys.sorted() {
            guard names.contains(name) else {
                throw GeoKitError.argument("\(Setting.classes, "\(name)=..."): no raster named '\(name)'\(didYouMean(name, names)); declare it with \(Setting.raster, "\(name)=PATH")")
            }
            let asked = operations.isEmpty ? stats : operations.filter { $0.raster == name }.map(\.statistic)
            if let st = asked.first(where: { $0.needsHistogram && $0.classColumnPrefix == nil && $0 != .variety }) {
                throw GeoKitError.argument("\(Setting.classes, "\(name)=\(classes[name]!.text)"): \(st.name) of \(name) would read its bins, not its values; ask frac, class_area, weighted_frac or variety of a classed raster (or leave out \(Setting.classes))")
            }
        }
    }

    /// A condition's raster must share the values' CRS and overlap them: one line naming both files.
    private func checkConditions(_ bands: [OutputBand], opened: [OpenedRaster]) throws {
        var checked = Set<String>()
        for b in bands {
            guard let c = b.condition, checked.insert("\(b.path)\u{0}\(c.raster)").inserted else { continue }
            let values = opened[rasters.firstIndex { $0.name == b.rasterName }!]
            let cond = opened[rasters.firstIndex { $0.name == c.raster }!]
            if let a = values.spatialReference, let z = cond.spatialReference, !a.isSame(z) {
                throw GeoKitError.crs(cond.path, "the condition '\(c.text)' reads \(cond.path) in \(z.shortName), and \(b.rasterName)'s values (\(values.path)) are in \(a.shortName); warp one to the other first (gdalwarp)")
            }
            if !values.grid.extent.intersects(cond.grid.extent) {
                throw GeoKitError.input(cond.path, "the condition '\(c.text)' reads \(cond.path), which does not overlap \(values.path) (\(b.rasterName)); nothing would hold")
            }
        }
    }

    /// Read the zones (in the rasters' CRS) with the fields the output and the roll-up need,
    /// and check the id column: duplicates and blanks stop the run unless allowed.
    private func readZoneInput(target: SpatialReference?) throws -> ZoneInput {
        if let m = memoryZones {
            guard includeFields.isEmpty && rollup.isEmpty && whereFilter == nil && buffer == nil else {
                throw GeoKitError.argument("zones in memory have ids and geometries only: no include fields, roll-up, \(Setting.where) or \(Setting.buffer)")
            }
            let zoneLayer = try readMemoryZones(name: m.name, wkb: m.wkb, ids: m.ids, crs: m.crs, target: target,
                                                keepWKB: keepGeometry, threads: threads)
            return try checkedZoneInput(zoneLayer, fields: [], nameField: nil, parentNameFields: [])
        }
        let vds = try VectorDataset(path: zonesPath)
        try vds.requireOneLayer(unless: layer)
        let fieldNames = try vds.fieldNames(layer: layer)
        let nameField = self.nameField ?? guessNameField(fieldNames, idField: idField)
        let parentNameFields: [String?] = rollup.map { parentNameField($0, fieldNames) }
        var readFields = includeFields
        for f in rollup + [nameField].compactMap({ $0 }) + parentNameFields.compactMap({ $0 }) where !readFields.contains(f) { readFields.append(f) }
        let zoneLayer = try vds.readZones(layer: layer, idField: idField, includeFields: readFields,
                                          target: target, keepWKB: keepGeometry, filter: whereFilter,
                                          pointsAndLines: true, buffer: buffer, threads: threads)
        return try checkedZoneInput(zoneLayer, fields: readFields, nameField: nameField, parentNameFields: parentNameFields)
    }

    /// Zones read, checked: some geometry to summarise, their text, their ids (duplicates
    /// and blanks stop the run unless allowed).
    private func checkedZoneInput(_ layer: ZoneLayer, fields readFields: [String], nameField: String?,
                                  parentNameFields: [String?]) throws -> ZoneInput {
        var zoneLayer = layer
        // A table without geometry (a CSV given as zones) or a layer of which no feature has a
        // polygon would give a table of empty rows and exit 0.
        if zoneLayer.zones.allSatisfy({ $0.isEmpty }) {
            throw GeoKitError.input(zonesPath, "no feature of layer '\(zoneLayer.layerName)' has a polygon, point or line to summarise (is it a table without geometry?)")
        }
        PhaseTiming.mark("zones read")
        let text = try zoneLayer.checkMyanmarText(myanmarText)
        var warnings = zoneLayer.warnings + text.warnings
        let check = IDCheck(ids: zoneLayer.zones.map(\.id))
        PhaseTiming.mark("ids checked")
        if !allowDuplicateIDs, let e = check.errors(field: zoneLayer.idField, path: zonesPath).first { throw e }
        warnings += check.warnings(field: zoneLayer.idField)
        if allowDuplicateIDs { warnings += check.errors(field: zoneLayer.idField, path: zonesPath).map { GeoWarning(.ids, file: zonesPath, $0.message) } }
        return ZoneInput(layer: zoneLayer, fields: readFields, nameField: nameField, parentNameFields: parentNameFields,
                         check: check, warnings: warnings, myanmarText: text)
    }

    /// Output bands grouped by grid, then by statistics and weights, once every raster is
    /// known to share the first one's CRS.
    private func gridGroups(_ bands: [OutputBand], opened: [OpenedRaster], firstSRS: SpatialReference?, weights: BandSource?) throws -> [GridGroup] {
        for r in opened { if let srs = r.spatialReference, let f = firstSRS, !srs.isSame(f) {
            throw GeoKitError.crs(r.path, "CRS \(srs.shortName) differs from \(opened[0].path)'s \(f.shortName); warp one to the other first (gdalwarp)")
        } }
        let rasterOf = { (c: OutputBand) in opened[rasters.firstIndex { $0.path == c.path && $0.name == c.rasterName }!] }
        var weightsByName: [String: BandSource] = [:]
        var out: [GridGroup] = []
        for g in groupByGrid(bands, grid: { $0.grid }) {
            // Bands asking the same statistics with the same weights, in order of first appearance.
            var keys: [String] = [], members: [String: [Int]] = [:]
            for i in g.members {
                let key = bands[i].stats.map { $0.map(\.name).joined(separator: ",") + "|" + (bands[i].weightsName ?? "") } ?? ""
                if members[key] == nil { keys.append(key) }
                members[key, default: []].append(i)
            }
            for key in keys {
                let m = members[key]!, first = bands[m[0]]
                var w = weights
                if let name = first.weightsName {
                    if weightsByName[name] == nil { weightsByName[name] = try weightsSource(rasters.first { $0.name == name }!) }
                    w = weightsByName[name]
                }
                out.append(GridGroup(grid: g.grid, rasterPath: rasterOf(first).path, bands: m, stats: first.stats ?? stats, weights: w))
            }
        }
        return out
    }

    /// Each zone's parents: through the gazetteer when there is one, else from the --rollup
    /// fields; nil when no roll-up was asked for. When `--where` left zones out there is no
    /// country row unless `--country` asks for one: it would hold only the matching zones.
    private func parentChains(_ input: ZoneInput, gazetteer: [String: String]?, withoutGuessedCountry: Bool) -> ParentChains? {
        guard !rollup.isEmpty || gazetteer != nil else { return nil }
        let ids = input.zones.map(\.id)
        let countryCode = country ?? (withoutGuessedCountry ? nil : guessCountry(ids))
        if let gazetteer { return .fromGazetteer(gazetteer, ids: ids, country: countryCode) }
        return .fromFields(rollup, codes: input.zones.map { z in rollup.map { input.value(z, $0) } }, country: countryCode)
    }

    /// When `--where` left zones out, the roll-up's parents as the whole layer has them
    /// (`layerRows`: the roll-up fields, or the id for a gazetteer, of every feature, read
    /// without the filter): every parent that stands for fewer zones here than there is partial.
    private func filteredRollup(_ chains: ParentChains, _ input: ZoneInput, gazetteer: [String: String]?, layerRows rows: [[String]]) -> FilteredRollup {
        let all: ParentChains = gazetteer.map { .fromGazetteer($0, ids: rows.map { $0[0] }, country: chains.countryCode) }
            ?? .fromFields(rollup, codes: rows, country: chains.countryCode)
        let here = chains.memberCounts(), whole = all.memberCounts()
        let partial = here.keys.compactMap { k -> FilteredRollup.PartialParent? in
            let of = whole[k] ?? 0
            return here[k]! < of ? .init(level: k.level, code: k.code, zones: here[k]!, of: of) : nil
        }
        let levels = chains.levelNames
        return FilteredRollup(filter: whereFilter ?? "", countryLeftOut: country == nil ? guessCountry(input.zones.map(\.id)) : nil,
                              partial: partial.sorted { a, b in
                                  let la = levels.firstIndex(of: a.level) ?? 0, lb = levels.firstIndex(of: b.level) ?? 0
                                  return la != lb ? la < lb : a.code < b.code
                              })
    }

    /// Each `--rollup` field by the level its rows are called (as `ParentChains.fromFields`
    /// names them), spelt as the zones' layer spells it.
    private func levelCodeFields(_ input: ZoneInput) -> [String: String] {
        var out: [String: String] = [:]
        for f in rollup {
            guard let k = input.fields.firstIndex(of: f), k < input.layer.includeFields.count else { continue }
            out[AdminLevel(field: f)?.name ?? f] = input.layer.includeFields[k]
        }
        return out
    }

    /// A row per zone, in layer order, its values still empty (scalars come at the end).
    private func zoneUnits(_ input: ZoneInput) -> [ResultUnit] {
        // Looked up once, not per zone.
        let dominant = input.check.dominantLevel
        let nameIndex = input.nameField.map { input.fields.firstIndex(of: $0)! }
        let attributeIndexes = includeFields.map { input.fields.firstIndex(of: $0)! }
        let zones = input.zones
        // In chunks on the run's threads: with 10^5 zones this is a serial stretch otherwise.
        return [ResultUnit](unsafeUninitializedCapacity: zones.count) { buffer, count in
            let base = buffer.baseAddress!
            zones.withUnsafeBufferPointer { zones in
                WorkerPool(threads: threads).run(count: zones.count, chunk: 8192) { _, range in
                    for i in range {
                        // Fields read in place: a copy of the zone retained and released each of its parts.
                        let id = zones[i].id
                        (base + i).initialize(to: ResultUnit(
                            id: id, level: dominant.map { AdminLevel(pcode: id)?.name ?? $0.name } ?? "zone",
                            name: nameIndex.map { zones[i].attributes[$0] } ?? "",
                            attributes: attributeIndexes.isEmpty ? [] : attributeIndexes.map { zones[i].attributes[$0] },
                            scalar: [], classes: [:], isEmptyGeometry: zones[i].isEmpty))
                    }
                }
            }
            count = zones.count
        }
    }

    /// The results, with the warnings GDAL left and what the metadata sidecar needs.
    private func result(units: [ResultUnit], bands: [OutputBand], input: ZoneInput, hasRollup: Bool, rasterCRS: String?,
                        rollupGeometries: [[UInt8]?]) -> ZonalResult {
        let zoneLayer = input.layer
        let summary = ZoneLayerSummary(path: zonesPath, layer: zoneLayer.layerName, featureCount: zoneLayer.zones.count,
                                       idField: zoneLayer.idField, pcodeVersion: zoneLayer.pcodeVersion, crs: zoneLayer.crsWKT)
        var r = ZonalResult(units: units, bands: bands, stats: runStats, idField: zoneLayer.idField, includeFields: includeFields,
                            hasRollup: hasRollup, geometries: zoneLayer.zones.map(\.wkb) + rollupGeometries, zonesCRS: zoneLayer.crsWKT,
                            warnings: input.warnings + GDALMessages.current.drain(), zones: summary, rasterCRS: rasterCRS,
                            method: method, idLevel: input.check.dominantLevel)
        r.myanmarText = input.myanmarText
        r.areaUnit = areaUnit
        return r
    }
}

/// What `prepare` needs of an opened raster, a file's or one in memory.
private struct OpenedRaster {
    var path: String
    var grid: Grid
    var spatialReference: SpatialReference?
    var crsAssumedFromCF: Bool
    var bands: [BandInfo]
    /// Opens a reader of it on a worker (a condition on it reads through this).
    var opener: RasterOpener

    init(path: String, grid: Grid, spatialReference: SpatialReference?, crsAssumedFromCF: Bool, bands: [BandInfo], opener: RasterOpener) {
        self.path = path; self.grid = grid; self.spatialReference = spatialReference; self.crsAssumedFromCF = crsAssumedFromCF
        self.bands = bands; self.opener = opener
    }

    init(_ r: Raster) {
        self.init(path: r.path, grid: r.grid, spatialReference: r.spatialReference, crsAssumedFromCF: r.crsAssumedFromCF,
                  bands: r.bands, opener: Raster.opener(path: r.path))
    }
}

