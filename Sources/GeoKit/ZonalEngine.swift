import Foundation
import GeoCore

// The raster-sequential, parallel, tiled engine.
//
// The grid is cut into row bands aligned to the raster's blocks. A worker takes the next
// band, decodes it once (every requested band of every raster on this grid), computes the
// coverage of each zone whose rows meet the band (once, reused for every raster band), and
// folds the covered cells into per-zone partial accumulators. Partials are merged in band
// order by one merger, so the numbers do not depend on the thread count; a zone is handed
// to the sink as soon as its last band is merged, so memory holds only open zones.
// The engine reads only through `RasterSource`: each worker opens its own reader of each
// raster (GDAL 3.6 handles are not thread-safe), so it runs the same on GDAL files and on
// arrays in memory, which is how it is tested.
//
// A source with a condition (`sum(pop) where hazard >= 3`) counts each cell with coverage x
// the share of its area where the test holds: per row band, each distinct condition's
// shares are computed once from its raster's cells under the band (`ConditionOverlay`, on
// any grid in the same CRS) and handed to the kernels (docs/conditions.md).

public struct EngineOptions: Sendable {
    public var method: CoverageMethod = .exact
    public var stats: [Statistic] = [.count, .mean]
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Budget for decoded blocks across all workers, in bytes.
    public var maxMemory: Int = 512 << 20
    /// Checked between row bands: a cancelled run stops and throws `GeoKitError(.cancelled)`.
    public var cancellation: Cancellation?
    /// The zones' coverage kept from an earlier run on the same grid, and kept for the next.
    public var coverageCache: CoverageCache?
    /// What else must match for the cache's coverage to be these zones' (their CRS).
    public var coverageZonesKey = ""
    /// Fewest rows in a row band (whole blocks are added up to it): fewer, larger bands
    /// keep merging cheap. Tests lower it to cut bands at every block.
    package var minBandRows = 64
    /// Least memory a worker may give its partial accumulators, whatever `maxMemory` says.
    /// Tests lower it to force the sources into chunks.
    package var minPartialBytes = 16 << 20
    /// Most distinct values per raster band with categorical statistics (tests lower it).
    package var maxClasses = Statistic.maxClasses
    public init() {}
    package var histogram: Bool { stats.contains { $0.needsHistogram } }
    package var moments: Bool { stats.contains { $0.needsMoments } }
    package var weights: Bool { stats.contains { $0.needsWeights } }
    package var categorical: [Statistic] { stats.filter(\.isCategorical) }
}

public final class ZonalEngine {
    public let grid: Grid
    public let areaModel: CellAreaModel
    public let sources: [BandSource]
    public let weights: BandSource?
    public let options: EngineOptions
    /// Partials whose memory was allocated afresh (not a recycled one's) in the last run:
    /// a few, however many row bands (tests hold the recycling to it).
    package var partialAllocations: Int { countLock.lock(); defer { countLock.unlock() }; return allocations }
    private var allocations = 0
    private let countLock = NSLock()
    private func countPartialAllocation() { countLock.lock(); allocations += 1; countLock.unlock() }
    /// Decode buffers allocated by the workers in the last run: one each (tests hold it).
    package var decodeAllocations: Int { countLock.lock(); defer { countLock.unlock() }; return decodes }
    private var decodes = 0
    private func countDecodeAllocations(_ n: Int) { countLock.lock(); decodes += n; countLock.unlock() }

    /// `sources` must all be on `grid`; `weights` may be on any grid in the same CRS
    /// (it is sampled onto `grid`).
    public init(grid: Grid, areaModel: CellAreaModel, sources: [BandSource], weights: BandSource? = nil,
                options: EngineOptions) {
        self.grid = grid; self.areaModel = areaModel; self.sources = sources
        self.weights = weights; self.options = options
    }

    /// Rows per band: whole raster blocks, at least `minBandRows` rows, within the memory budget
    /// (sources are decoded one at a time, so one band's buffer is what counts).
    package func rowsPerBand(readCols: Int) -> Int {
        let blockRows = max(1, sources.first?.info.blockRows ?? 256)
        var rows = blockRows
        while rows < options.minBandRows { rows += blockRows }
        let threads = max(1, options.threads)
        let budget = max(8 << 20, options.maxMemory / threads / 4)
        // Each distinct condition keeps two shares per cell (hold, nodata) for the band.
        let perCell = (sources.map { $0.info.type.size + ($0.info.hasMask ? 1 : 0) }.max() ?? 8) + (weights == nil ? 0 : 8)
            + 16 * conditionKeys(sources.indices).count
        while rows > blockRows && rows * readCols * perCell > budget { rows -= blockRows }
        return rows
    }

    /// Run over `zones` (geometries in the grid's CRS). `sink(zone, first, stats)` receives
    /// each zone's accumulators for sources first..<first+stats.count, exactly once per
    /// source, serially and in a fixed order (all sources at once unless memory forces the
    /// sources into chunks). `progress(cellsDone, cellsTotal)` is called from the merger.
    public func run(zones: [Zone], sink: (Int, Int, [ZoneStats]) -> Void,
                    progress: ((Int, Int) -> Void)? = nil) throws {
        try run(zones: zones, rowBands: nil, sink: sink, bandSink: nil, progress: progress)
    }

    /// As `run`, but only over row bands `rowBands` (of the cut `rowsPerBand` makes), when
    /// given; with `bandSink`, each row band's partials go there unmerged, in band order
    /// (`bandSink(band, first, partial)`), for a `--split rows` part: `geotool merge` folds
    /// them as the merger here would. Zones that meet no cell go to `sink` from the range
    /// that starts at band 0.
    package func run(zones: [Zone], rowBands: Range<Int>?, sink: (Int, Int, [ZoneStats]) -> Void,
                     bandSink: ((Int, Int, BandPartial) -> Void)?, progress: ((Int, Int) -> Void)? = nil) throws {
        let bandRows = rowsPerBand(readCols: grid.cols)
        countLock.lock(); allocations = 0; decodes = 0; countLock.unlock()
        let (prepared, reused, cacheKey) = preparedZones(zones, bandRows: bandRows, rowBands: rowBands)
        let windows = prepared.windows
        let template = sources.map { ZoneStats(histogram: options.histogram, denseBytes: $0.info.type == .uint8) }
        let rules = sources.map { ValueRules(nodata: $0.info.nodata, scale: $0.info.scale, offset: $0.info.offset,
                                             moments: options.moments, histogram: options.histogram, classBreaks: $0.classBreaks) }

        let classGuard = options.categorical.isEmpty ? nil : ClassGuard(sources: sources, stats: options.categorical, limit: options.maxClasses)
        let nBands = (grid.rows + bandRows - 1) / bandRows
        let (bucket, firstBand, lastBand) = Self.bucketZones(windows, zoneCount: zones.count, bands: nBands, bandRows: bandRows)
        // Zones that touch no cell are complete now (in a rows part: the one holding band 0).
        if rowBands?.contains(0) != false { for z in zones.indices where lastBand[z] < 0 { sink(z, 0, template) } }
        let work = (0..<nBands).filter { !bucket[$0].isEmpty && rowBands?.contains($0) != false }
        guard !work.isEmpty else { return }
        let threads = max(1, min(options.threads, work.count * sources.count))
        PhaseTiming.mark("zones bucketed")

        let maxZones = bucket.map(\.count).max() ?? 1
        let (chunk, pieces) = sourceChunks(maxZones: maxZones, rowBands: work.count, threads: threads, unmerged: bandSink != nil)
        var cached: [CoverageList]? = reused?.coverages
        let pool = WorkerPool(threads: threads)
        // Every band's coverage first, kept: when the sources come in chunks (each pass
        // reuses it), when a band's pieces go to several workers, or for the next run.
        if cached == nil && (chunk < sources.count || pieces > 1 || cacheKey != nil) {
            let all = everyBandsCoverage(work, of: nBands, bucket: bucket, bandRows: bandRows, prepared: prepared, pool: pool)
            cached = all
            if let cacheKey { options.coverageCache!.store(.init(key: cacheKey, prepared: prepared, coverages: all)) }
        }
        let cellsPerPass = work.reduce(0) { $0 + min(bandRows, grid.rows - $1 * bandRows) * grid.cols }
        let passes = (sources.count + chunk - 1) / chunk

        // Partials are large (zones x sources accumulators): the merger hands merged ones back
        // for the next row bands, so their memory is not faulted in afresh for every band.
        // Each partial is made with room for the largest (the most zones, the widest piece),
        // so a recycled one always fits; and with room for those waiting in the merger.
        let recycler = PartialRecycler(keep: Self.livePieces(pieces: pieces, threads: threads))
        let partialCapacity = maxZones * ((chunk + pieces - 1) / pieces)
        let zoneMajor = zoneMajorPartials(unmerged: bandSink != nil, classGuard: classGuard)
        let decodeBytes = largestDecode(bandRows: bandRows, pieceSources: (chunk + pieces - 1) / pieces)
        try withoutActuallyEscaping(sink) { sink in
            for pass in 0..<passes {
                let range = (pass * chunk)..<min(sources.count, (pass + 1) * chunk)
                let openers = distinctOpeners(of: range)
                let merger = OrderedMerger(order: work, firstBand: firstBand, lastBand: lastBand, sink: { z, stats in sink(z, range.lowerBound, stats) },
                                           raw: bandSink.map { s in { b, partial in s(b, range.lowerBound, partial) } },
                                           progress: progress.map { p in { done, _ in p(pass * cellsPerPass + done, passes * cellsPerPass) } },
                                           totalCells: cellsPerPass, classGuard: classGuard, firstSource: range.lowerBound,
                                           recycler: recycler)
                let finished = try pool.run(tasks: work.count * pieces, cancellation: options.cancellation, state: { () throws -> WorkerState in
                    var handles: [String: any RasterSource] = [:]
                    for o in openers { handles[o.key] = try o() }
                    let w = WorkerState(handles: handles)
                    // The decode buffer at its largest from the start: grown as row bands
                    // widened and pieces differed by a band, each new one was faulted in afresh.
                    if handles[self.sources[range.lowerBound].key]!.cellsInPlace(band: self.sources[range.lowerBound].band) == nil {
                        _ = w.buffers.values(bytes: decodeBytes)
                    }
                    return w
                }, task: { w, k in
                    let b = work[k / pieces], piece = k % pieces
                    var recycled = recycler.take()
                    let reused = recycled.withUnsafeBufferPointer { $0.baseAddress }
                    let partial = try self.processBand(b, bandRows: bandRows, sourceRange: Self.piece(piece, of: pieces, range),
                                                       zoneIDs: bucket[b], coverages: cached?[b], prepared: prepared, list: &w.coverages,
                                                       windows: windows, handles: w.handles,
                                                       buffers: &w.buffers, template: template, rules: rules, classGuard: classGuard,
                                                       recycled: &recycled, capacity: partialCapacity, zoneMajor: zoneMajor)
                    if partial.stats.withUnsafeBufferPointer({ $0.baseAddress }) != reused { self.countPartialAllocation() }
                    try merger.deliver(band: b, piece: piece, of: pieces, partial: partial,
                                       cells: min(bandRows, self.grid.rows - b * bandRows) * self.grid.cols)
                }, finish: { w in self.countDecodeAllocations(w.buffers.valueAllocations) })
                if !finished { throw GeoKitError(.cancelled, "cancelled") }
            }
        }
        PhaseTiming.mark("engine: \(passes) passes of \(chunk) sources in \(pieces) pieces, \(maxZones) zones in a row band at most; "
                         + "\(self.partialAllocations) partials, \(self.decodeAllocations) decode buffers allocated")
    }

    /// The largest buffer a task decodes into: a piece's bands of a full-width row band, as
    /// many as `bandGroup` folds together within the decode budget.
    private func largestDecode(bandRows: Int, pieceSources: Int) -> Int {
        let budget = max(8 << 20, options.maxMemory / max(1, options.threads) / 4)
        let bandBytes = bandRows * grid.cols * (sources.map { $0.info.type.size }.max() ?? 8)
        let most = min(Self.maxGroupBands, max(1, budget / max(1, bandBytes)))
        return bandBytes * max(1, min(pieceSources, most))
    }

    /// The zones in grid units, and their coverage when a cached run on the same grid has it
    /// (not for a rows part: it covers some row bands only).
    private func preparedZones(_ zones: [Zone], bandRows: Int, rowBands: Range<Int>?)
        -> (PreparedZones, CoverageCache.Entry?, CoverageCache.Key?) {
        let cacheKey = options.coverageCache == nil || rowBands != nil ? nil
            : CoverageCache.Key(grid: grid, method: options.method, bandRows: bandRows, zoneCount: zones.count,
                                zones: options.coverageZonesKey)
        let reused = cacheKey.flatMap { options.coverageCache!.lookup($0) }
        let prepared = reused?.prepared ?? PreparedZones(zones, on: grid, threads: options.threads)
        PhaseTiming.mark(reused == nil ? "zones in grid units" : "zones and coverage reused")
        return (prepared, reused, cacheKey)
    }

    /// How many sources a pass takes, and in how many pieces a row band's sources are cut.
    /// Partial accumulators (zones of a band x sources) must fit the budget too: with many
    /// bands and many zones, take the sources in chunks and keep each zone's coverage of
    /// each band (a few spans) so it is still computed once. Few row bands and many sources
    /// (a cube): each row band's sources are cut into pieces, tasks of their own, so every
    /// worker stays busy to the last block; only when each band decodes on its own (a block
    /// holding several bands, pixel-interleaved or a netCDF chunk of several steps, is
    /// decoded by one worker) and the partials are merged here.
    ///
    /// The partials' budget is a third of `maxMemory` (at least `minPartialBytes` a worker):
    /// the rest holds the decoded blocks and the zones' values (516 bands x 13,726 village
    /// tracts: 113 MB). Partials live at once: one piece per worker being folded, and in the
    /// merger the pieces of the row bands waiting for their turn or being merged: about
    /// `livePieces` (what the recycler keeps for reuse), each `chunk / pieces` sources wide.
    /// Counted as three whole chunks a worker (of half the budget), a 90-band cube took two
    /// passes at the default 512 MB (89 bands, then one), each zone walked twice, for
    /// partials that the run never held: its peak was the same in one pass.
    private func sourceChunks(maxZones: Int, rowBands: Int, threads: Int, unmerged: Bool) -> (chunk: Int, pieces: Int) {
        let budget = threads * max(options.minPartialBytes, options.maxMemory / threads / 3)
        let perSource = max(1, maxZones * MemoryLayout<ZoneStats>.stride)
        let cut = !unmerged && sources.allSatisfy(\.info.decodesApart)
        var pieces = cut ? Self.piecesPerBand(rowBands: rowBands, sources: sources.count, threads: threads) : 1
        while true {
            let chunk = Self.sourcesPerPass(budget: budget, perSource: perSource, pieces: pieces, threads: threads, sources: sources.count)
            // Fewer sources may be cut in fewer pieces, each wider: the chunk is sized again.
            let fewer = cut ? Self.piecesPerBand(rowBands: rowBands, sources: chunk, threads: threads) : 1
            if fewer >= pieces { return (chunk, pieces) }
            pieces = fewer
        }
    }

    /// The most sources (of `sources`, at least one) whose live partials fit `budget`:
    /// `livePieces` pieces of `perSource` bytes a source, each a `pieces`th of them.
    package static func sourcesPerPass(budget: Int, perSource: Int, pieces: Int, threads: Int, sources: Int) -> Int {
        let perPiece = budget / max(1, livePieces(pieces: pieces, threads: threads) * perSource)
        return max(1, min(sources, pieces * perPiece))
    }

    /// Partials alive at once, about: a band's pieces in the merger and two per worker (one
    /// folded, one waiting for its band's turn).
    package static func livePieces(pieces: Int, threads: Int) -> Int { pieces + 2 * threads }

    /// Zone-major partials (a zone's accumulators side by side) when every source folds in
    /// band blocks and the partials are merged here: the fold and the merger then walk
    /// memory in order instead of one stream per source (a cache miss each, 10^7 times).
    private func zoneMajorPartials(unmerged: Bool, classGuard: ClassGuard?) -> Bool {
        !unmerged && sources.count > 1 && !options.histogram && classGuard == nil
            && sources.allSatisfy { $0.condition == nil && !$0.info.hasMask }
    }

    /// The zones of each row band, and each zone's first and last band (-1 for a zone that
    /// touches no cell; a zone is handed on after its last band).
    private static func bucketZones(_ windows: [Window], zoneCount: Int, bands nBands: Int, bandRows: Int) -> ([[Int]], [Int], [Int]) {
        var bucket = [[Int]](repeating: [], count: nBands)
        var firstBand = [Int](repeating: -1, count: zoneCount)
        var lastBand = [Int](repeating: -1, count: zoneCount)
        for (z, w) in windows.enumerated() where !w.isEmpty {
            let b0 = w.row / bandRows, b1 = (w.rowEnd - 1) / bandRows
            for b in b0...b1 { bucket[b].append(z) }
            firstBand[z] = b0
            lastBand[z] = b1
        }
        return (bucket, firstBand, lastBand)
    }

    /// The coverage of row bands `work` (of `nBands`) by their zones, computed on `pool`.
    private func everyBandsCoverage(_ work: [Int], of nBands: Int, bucket: [[Int]], bandRows: Int, prepared: PreparedZones,
                                    pool: WorkerPool) -> [CoverageList] {
        var all = [CoverageList](repeating: CoverageList(), count: nBands)
        let lock = NSLock()
        pool.run(tasks: work.count) { k in
            let b = work[k]
            let c = self.coverages(band: b, bandRows: bandRows, zoneIDs: bucket[b], prepared: prepared)
            lock.lock(); all[b] = c; lock.unlock()
        }
        return all
    }

    /// One opener per distinct raster of the sources in `range` (values, conditions) and the
    /// weights: each worker opens each once a pass. Not every source's raster in every pass:
    /// a batch of 516 one-band files in 6 passes opened each file 6 times a worker.
    private func distinctOpeners(of range: Range<Int>) -> [RasterOpener] {
        var openers: [RasterOpener] = [], keys = Set<String>()
        let used = sources[range]
        for o in used.map(\.raster) + used.compactMap(\.condition?.raster) + (weights.map { [$0.raster] } ?? []) where keys.insert(o.key).inserted {
            openers.append(o)
        }
        return openers
    }

    /// Pieces each row band's sources are cut into: about 16 tasks per worker (so the last
    /// ones are short), pieces of at least 8 sources (each still folds its bands together).
    package static func piecesPerBand(rowBands: Int, sources: Int, threads: Int) -> Int {
        guard threads > 1 else { return 1 }
        let wanted = (16 * threads + rowBands - 1) / rowBands
        return max(1, min(wanted, sources / 8))
    }

    /// Piece `k` of `pieces` of `range`: consecutive, in order, sizes differing by at most one.
    package static func piece(_ k: Int, of pieces: Int, _ range: Range<Int>) -> Range<Int> {
        let n = range.count
        return (range.lowerBound + k * n / pieces)..<(range.lowerBound + (k + 1) * n / pieces)
    }

    /// The coverage of each zone of a row band, restricted to the band's rows.
    private func coverages(band b: Int, bandRows: Int, zoneIDs: [Int], prepared: PreparedZones) -> CoverageList {
        var list = CoverageList()
        return coverages(band: b, bandRows: bandRows, zoneIDs: zoneIDs, prepared: prepared, into: &list)
    }

    /// The same in `list`'s storage (a worker's, reused for every row band it takes), and
    /// returned: the caller's copy shares it until the next band refills it.
    private func coverages(band b: Int, bandRows: Int, zoneIDs: [Int], prepared: PreparedZones,
                           into list: inout CoverageList) -> CoverageList {
        let r0 = b * bandRows, r1 = min(grid.rows, r0 + bandRows)
        let rowsOfBand = Window(row: r0, col: 0, rows: r1 - r0, cols: grid.cols)
        prepared.coverages(of: zoneIDs, rows: rowsOfBand, options.method, into: &list)
        return list
    }

    /// Zones whose coverages are made and folded together when a row band has one source:
    /// their spans (a megabyte or so) are folded while still in the core's cache, and the
    /// worker's list never holds a whole band's (with 10^5 small zones, tens of megabytes of
    /// pages, each faulted in: a quarter of the run's page faults).
    package static let coverageChunk = 2048

    /// `fold(list, first)` over the row band's coverages: `given` whole (first 0), or, when
    /// nil, made here in `list` in chunks of `coverageChunk` zones (first: the chunk's first
    /// zone's place in `zoneIDs`). Each zone's spans are the same either way, and a zone's
    /// accumulator sees them in the same order.
    private func forEachCoverageChunk(_ given: CoverageList?, band b: Int, bandRows: Int, zoneIDs: [Int], prepared: PreparedZones,
                                      list: inout CoverageList, _ fold: (CoverageList, Int) throws -> Void) rethrows {
        if let given { try fold(given, 0); return }
        var first = 0
        while first < zoneIDs.count {
            let chunk = Array(zoneIDs[first..<min(zoneIDs.count, first + Self.coverageChunk)])
            try fold(coverages(band: b, bandRows: bandRows, zoneIDs: chunk, prepared: prepared, into: &list), first)
            first += chunk.count
        }
    }

    /// One row band's sources folded into a partial. `given`: the band's coverages when they
    /// were computed before (kept for every band, or a cache's); else they are made here in
    /// `list` (the worker's): in chunks of zones when the band has one source to fold, whole
    /// otherwise (every source walks them).
    private func processBand(_ b: Int, bandRows: Int, sourceRange: Range<Int>, zoneIDs: [Int], coverages given: CoverageList?,
                             prepared: PreparedZones, list: inout CoverageList,
                             windows: [Window], handles: [String: any RasterSource], buffers: inout BandBuffers,
                             template: [ZoneStats], rules: [ValueRules], classGuard: ClassGuard?,
                             recycled: inout [ZoneStats], capacity: Int = 0, zoneMajor: Bool = false) throws -> BandPartial {
        let r0 = b * bandRows, r1 = min(grid.rows, r0 + bandRows)
        let inChunks = given == nil && sourceRange.count == 1 && !zoneMajor
        let coverages = given ?? (inChunks ? CoverageList()
            : self.coverages(band: b, bandRows: bandRows, zoneIDs: zoneIDs, prepared: prepared, into: &list))
        // Read only the columns the band's zones reach.
        var c0 = Int.max, c1 = Int.min
        for z in zoneIDs { c0 = min(c0, windows[z].col); c1 = max(c1, windows[z].colEnd) }
        let read = Window(row: r0, col: c0, rows: r1 - r0, cols: c1 - c0)
        let areas = areaModel.rowAreas(grid, rows: r0..<r1)
        // Partials, source-major: stats[source * nZones + zone], so folding one decoded band
        // walks its zones' accumulators contiguously; or zone-major, stats[zone * nSources +
        // source] (every source folded in band blocks; the templates are then all alike,
        // without class tables).
        let nZ = zoneIDs.count, nS = sourceRange.count
        var stats = freshPartials(&recycled, template: template, sourceRange: sourceRange, zones: nZ, capacity: capacity, zoneMajor: zoneMajor)
        var weightPtr: UnsafeMutablePointer<Double>?
        if let wsrc = weights, options.weights {
            let p = buffers.weights(count: read.cellCount)
            try handles[wsrc.key]!.readResampled(band: wsrc.band, onto: grid, window: read, into: p)
            if let nd = wsrc.info.nodata { for i in 0..<read.cellCount where p[i] == nd { p[i] = .nan } }
            weightPtr = p
        }
        // Each distinct condition of these sources: its shares of the band's cells, once.
        let keys = conditionKeys(sourceRange)
        var shares: [CellShares] = []
        for (k, key) in keys.enumerated() {
            let c = sources[sourceRange.first { sources[$0].condition.map(ConditionKey.init) == key }!].condition!
            let (hold, nodata) = buffers.condition(k, count: read.cellCount)
            try conditionShares(c, handle: handles[c.raster.key]!, read: read, buffers: &buffers, hold: hold, nodata: nodata)
            shares.append(CellShares(hold: hold, nodata: nodata))
        }
        try stats.withUnsafeMutableBufferPointer { sp in
            let base = sp.baseAddress!
            var next = sourceRange.lowerBound
            while next < sourceRange.upperBound {
                // Bands of one raster folded together: their coverage walked once.
                let group = bandGroup(from: next, upTo: sourceRange.upperBound, read: read, handles: handles)
                if group.count > 1 || zoneMajor {
                    precondition(!inChunks, "a band folded in zone chunks has one source")
                    try foldGroup(group, firstSource: sourceRange.lowerBound, read: read, coverages: coverages, areas: areas,
                                  weights: weightPtr, handles: handles, buffers: &buffers, rules: rules, into: base, zones: nZ,
                                  zoneStride: zoneMajor ? nS : nil)
                    if let classGuard { for si in group { for z in 0..<nZ { try classGuard.checkSize(base[(si - sourceRange.lowerBound) * nZ + z], source: si) } } }
                    next = group.upperBound
                    continue
                }
                let si = next
                next += 1
                let info = sources[si].info
                let raw = buffers.values(bytes: read.cellCount * info.type.size)
                let handle = handles[sources[si].key]!
                try handle.read(band: sources[si].band, window: read, as: info.type, into: raw)
                var maskPtr: UnsafeMutablePointer<UInt8>?
                if info.hasMask {
                    maskPtr = buffers.mask(count: read.cellCount)
                    try handle.readMask(band: sources[si].band, window: read, into: maskPtr!)
                }
                let out = base + (si - sourceRange.lowerBound) * nZ
                let condition = sources[si].condition.map { c in shares[keys.firstIndex(of: ConditionKey(c))!] }
                forEachCoverageChunk(inChunks ? nil : coverages, band: b, bandRows: bandRows, zoneIDs: zoneIDs, prepared: prepared,
                                     list: &list) { chunk, first in
                    foldCoverages(raw, type: info.type, chunk, read: read, rowAreas: areas, mask: maskPtr,
                                  weights: weightPtr, condition: condition, rules: rules[si], into: out + first)
                }
                if let classGuard { for z in 0..<nZ { try classGuard.checkSize(out[z], source: si) } }
            }
        }
        return BandPartial(zones: zoneIDs, stats: stats, zoneMajor: zoneMajor)
    }

    /// A band's partials, every accumulator its source's template, in `recycled`'s storage:
    /// swapped out of it, not copied (a copy would share the buffer, and the first change of a
    /// shared array copies it into fresh pages, faulted in one by one).
    private func freshPartials(_ recycled: inout [ZoneStats], template: [ZoneStats], sourceRange: Range<Int>, zones nZ: Int,
                               capacity: Int, zoneMajor: Bool) -> [ZoneStats] {
        var stats: [ZoneStats] = []
        swap(&stats, &recycled)
        if zoneMajor {
            resetBitwise(&stats, to: template[sourceRange.lowerBound], count: nZ * sourceRange.count, capacity: capacity)
        } else {
            stats.removeAll(keepingCapacity: true)
            stats.reserveCapacity(max(capacity, nZ * sourceRange.count))
            for si in sourceRange { stats.append(contentsOf: repeatElement(template[si], count: nZ)) }
        }
        return stats
    }

    /// `stats` as `count` copies of `template`, which has no class table, as every element of
    /// a zone-major partial: such an accumulator holds no reference, so the elements kept
    /// are overwritten as bytes (a typed reset destroyed and copied each, an outlined call
    /// apiece, 10^7 per run) and only the count changes as typed.
    private func resetBitwise(_ stats: inout [ZoneStats], to template: ZoneStats, count: Int, capacity: Int) {
        precondition(template.histogram == nil, "zone-major partials have no class tables")
        stats.reserveCapacity(max(capacity, count))
        if stats.count > count { stats.removeLast(stats.count - count) }
        let kept = stats.count
        stats.withUnsafeMutableBufferPointer { buf in
            guard kept > 0, let base = buf.baseAddress else { return }
            withUnsafeBytes(of: template) { t in UnsafeMutableRawPointer(base).copyMemory(from: t.baseAddress!, byteCount: t.count) }
            // Doubling copies of the first element.
            var filled = 1
            while filled < kept {
                let n = min(filled, kept - filled)
                UnsafeMutableRawPointer(base + filled).copyMemory(from: base, byteCount: n * MemoryLayout<ZoneStats>.stride)
                filled += n
            }
        }
        if kept < count { stats.append(contentsOf: repeatElement(template, count: count - kept)) }
    }

    /// Most bands folded in one pass: their accumulators of a zone stay in the first cache
    /// level while its spans are walked.
    package static let maxGroupBands = 32

    /// The sources from `first` on that fold together (`foldCoverages` of a `BandBlock`):
    /// bands of one raster in one pixel type, without mask or condition, as many as the
    /// decode budget holds (`rowsPerBand`'s) unless the raster's cells are read in place.
    private func bandGroup(from first: Int, upTo end: Int, read: Window, handles: [String: any RasterSource]) -> Range<Int> {
        func alone(_ s: BandSource) -> Bool { s.condition != nil || s.info.hasMask }
        let head = sources[first]
        guard !alone(head) else { return first..<(first + 1) }
        let inPlace = handles[head.key]!.cellsInPlace(band: head.band) != nil
        let bandBytes = read.cellCount * head.info.type.size
        let budget = max(8 << 20, options.maxMemory / max(1, options.threads) / 4)
        let most = min(Self.maxGroupBands, inPlace ? Self.maxGroupBands : max(1, budget / max(1, bandBytes)))
        var last = first + 1
        while last < end && last - first < most {
            let s = sources[last]
            guard !alone(s), s.key == head.key, s.info.type == head.info.type else { break }
            last += 1
        }
        return first..<last
    }

    /// Fold sources `group` (one raster's bands, see `bandGroup`) over the row band `read`:
    /// read in place, or decoded into one buffer of a plane per band.
    private func foldGroup(_ group: Range<Int>, firstSource: Int, read: Window, coverages: CoverageList, areas: [Double],
                           weights: UnsafeMutablePointer<Double>?, handles: [String: any RasterSource], buffers: inout BandBuffers,
                           rules: [ValueRules], into base: UnsafeMutablePointer<ZoneStats>, zones nZ: Int,
                           zoneStride: Int? = nil) throws {
        let type = sources[group.lowerBound].info.type
        let handle = handles[sources[group.lowerBound].key]!
        var planes: [UnsafeRawPointer] = []
        planes.reserveCapacity(group.count)
        var pitch = read.cols, cellStride = 1
        let inPlace = group.compactMap { handle.cellsInPlace(band: sources[$0].band) }
        if inPlace.count == group.count, let first = inPlace.first, inPlace.allSatisfy({ $0.pitch == first.pitch }) {
            pitch = first.pitch
            for p in inPlace { planes.append(p.base + (read.row * p.pitch + read.col) * type.size) }
        } else {
            let bandBytes = read.cellCount * type.size
            let raw = buffers.values(bytes: bandBytes * group.count)
            let bands = group.map { sources[$0].band }
            if Self.cellsSideBySide(group, type: type, rules: rules, weights: weights != nil),
               try handle.readSideBySide(bands: bands, window: read, as: type, into: raw) {
                // Each cell's bands side by side, laid out as each block was decoded: a
                // zone's span is one run of memory, not one cache line per band.
                planes = (0..<group.count).map { UnsafeRawPointer(raw + $0 * type.size) }
                cellStride = group.count
            } else {
                for (k, band) in bands.enumerated() {
                    try handle.read(band: band, window: read, as: type, into: raw + k * bandBytes)
                    planes.append(UnsafeRawPointer(raw + k * bandBytes))
                }
            }
        }
        let block = BandBlock(planes: planes, pitch: pitch, type: type, cellStride: cellStride)
        if let zoneStride {
            // Zone-major: source s of zone zi at base[zi * zoneStride + s - firstSource].
            foldCoverages(block, coverages, read: read, rowAreas: areas, weights: weights, rules: Array(rules[group]),
                          into: base + (group.lowerBound - firstSource), stride: 1, zoneStride: zoneStride)
        } else {
            foldCoverages(block, coverages, read: read, rowAreas: areas, weights: weights, rules: Array(rules[group]),
                          into: base + (group.lowerBound - firstSource) * nZ, stride: nZ)
        }
    }

    /// Whether decoded bands `group` are folded from cells side by side (`foldsCellInterleaved`).
    private static func cellsSideBySide(_ group: Range<Int>, type: PixelType, rules: [ValueRules], weights: Bool) -> Bool {
        group.count > 1 && foldsCellInterleaved(type: type, rules: Array(rules[group]), weights: weights)
    }

    /// The distinct conditions of sources `range`, in their first source's order.
    private func conditionKeys<R: Sequence<Int>>(_ range: R) -> [ConditionKey] {
        var keys: [ConditionKey] = []
        for si in range { if let c = sources[si].condition, !keys.contains(ConditionKey(c)) { keys.append(ConditionKey(c)) } }
        return keys
    }

    /// Fill `hold` and `nodata` (the cells of `read`) with the share of each value cell where
    /// condition `c` holds and where its raster has no value (`ConditionOverlay`), reading
    /// the condition cells under the window in strips of bounded size.
    private func conditionShares(_ c: SourceCondition, handle: any RasterSource, read: Window, buffers: inout BandBuffers,
                                 hold: UnsafeMutablePointer<Double>, nodata: UnsafeMutablePointer<Double>) throws {
        let overlay = ConditionOverlay(condition: handle.grid, values: grid, window: read, areaModel: areaModel)
        hold.update(repeating: 0, count: read.cellCount)
        nodata.update(repeating: 0, count: read.cellCount)
        let cw = overlay.conditionWindow
        if !cw.isEmpty {
            let stripRows = max(1, min(cw.rows, BandBuffers.conditionStripCells / cw.cols))
            let (raw, mask, states) = buffers.conditionStrip(count: stripRows * cw.cols)
            var r = cw.row
            while r < cw.rowEnd {
                let strip = Window(row: r, col: cw.col, rows: min(stripRows, cw.rowEnd - r), cols: cw.cols)
                // In the band's own type: a GDAL raster decodes its blocks straight into the strip.
                try handle.read(band: c.band, window: strip, as: c.info.type, into: raw)
                if c.info.hasMask { try handle.readMask(band: c.band, window: strip, into: mask) }
                ConditionState.classify(raw, type: c.info.type, count: strip.cellCount, mask: c.info.hasMask ? UnsafePointer(mask) : nil,
                                        nodata: c.info.nodata, scale: c.info.scale, offset: c.info.offset, test: c.test, into: states)
                overlay.add(rows: strip.row..<strip.rowEnd, states: states, hold: hold, nodata: nodata)
                r = strip.rowEnd
            }
        }
        overlay.finish(hold: hold, nodata: nodata)
    }
}

/// What makes two sources' conditions the same: the raster, its band and the test.
private struct ConditionKey: Hashable {
    var raster: String, band: Int, test: ValueTest
    init(_ c: SourceCondition) { raster = c.raster.key; band = c.band; test = c.test }
}

/// One row band's partial accumulators: stats[source * zones.count + zone], or, when
/// `zoneMajor`, stats[zone * sources + source].
package struct BandPartial {
    package var zones: [Int]
    package var stats: [ZoneStats]
    package var zoneMajor = false
    package init(zones: [Int], stats: [ZoneStats], zoneMajor: Bool = false) {
        self.zones = zones; self.stats = stats; self.zoneMajor = zoneMajor
    }
    /// Source `source`'s accumulator of the `zi`-th zone, of `sources` sources.
    @inline(__always) package func index(zone zi: Int, source: Int, sources: Int) -> Int {
        zoneMajor ? zi * sources + source : source * zones.count + zi
    }
}

/// What a worker keeps across row bands: its readers and its decode buffers.
package final class WorkerState {
    package let handles: [String: any RasterSource]
    package var buffers = BandBuffers()
    /// The row band's coverages, refilled in place for every band the worker takes.
    package var coverages = CoverageList()
    package init(handles: [String: any RasterSource]) { self.handles = handles }
    deinit { buffers.release() }
}

/// A worker's reusable decode buffers: one band's values, its mask, the weights.
/// Each grows to the largest request and is reused for every row band.
package struct BandBuffers {
    private var raw: UnsafeMutableRawPointer?
    private var rawBytes = 0
    private var maskBuffer: UnsafeMutablePointer<UInt8>?
    private var maskCount = 0
    private var w: UnsafeMutablePointer<Double>?
    private var wCount = 0

    package init() {}

    /// Values buffers allocated (each grown one is a new allocation, faulted in afresh).
    package private(set) var valueAllocations = 0

    package mutating func values(bytes: Int) -> UnsafeMutableRawPointer {
        if let raw, rawBytes >= bytes { return raw }
        raw?.deallocate()
        valueAllocations += 1
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16); rawBytes = bytes
        return raw!
    }
    package mutating func mask(count: Int) -> UnsafeMutablePointer<UInt8> {
        if let maskBuffer, maskCount >= count { return maskBuffer }
        maskBuffer?.deallocate()
        maskBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count); maskCount = count
        return maskBuffer!
    }
    package mutating func weights(count: Int) -> UnsafeMutablePointer<Double> {
        if let w, wCount >= count { return w }
        w?.deallocate()
        w = UnsafeMutablePointer<Double>.allocate(capacity: count); wCount = count
        return w!
    }
    /// Per distinct condition of a row band: its hold and nodata shares, `count` each.
    private var conditions: [(UnsafeMutablePointer<Double>, Int)] = []
    /// A strip of condition cells: as read (8 bytes a cell, room for any type), their mask,
    /// their states.
    private var strip: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>)?
    private var stripCount = 0
    /// Most condition cells read at once (a finer condition grid has many per value cell).
    package static let conditionStripCells = 1 << 18

    package mutating func condition(_ k: Int, count: Int) -> (hold: UnsafeMutablePointer<Double>, nodata: UnsafeMutablePointer<Double>) {
        while conditions.count <= k { conditions.append((UnsafeMutablePointer<Double>.allocate(capacity: 0), 0)) }
        if conditions[k].1 < count {
            conditions[k].0.deallocate()
            conditions[k] = (UnsafeMutablePointer<Double>.allocate(capacity: 2 * count), count)
        }
        return (conditions[k].0, conditions[k].0 + conditions[k].1)
    }
    package mutating func conditionStrip(count: Int) -> (UnsafeMutablePointer<Double>, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) {
        if let strip, stripCount >= count { return strip }
        if let strip { strip.0.deallocate(); strip.1.deallocate(); strip.2.deallocate() }
        strip = (.allocate(capacity: count), .allocate(capacity: count), .allocate(capacity: count)); stripCount = count
        return strip!
    }
    package func release() {
        raw?.deallocate(); maskBuffer?.deallocate(); w?.deallocate()
        for (p, _) in conditions { p.deallocate() }
        if let strip { strip.0.deallocate(); strip.1.deallocate(); strip.2.deallocate() }
    }
}

/// Merges band results in band order and hands finished zones to the sink.
package final class OrderedMerger: @unchecked Sendable {
    private let lock = NSLock()
    /// Row bands whose pieces are not all in yet.
    private var arriving: [Int: [(Int, BandPartial)]] = [:]
    /// Row bands with all their pieces, waiting for their turn.
    private var pending: [Int: [BandPartial]] = [:]
    private var open: [Int: [ZoneStats]] = [:]
    private var position = 0
    private let order: [Int]
    private let firstBand: [Int]
    private let lastBand: [Int]
    private let sink: (Int, [ZoneStats]) -> Void
    /// When set, band partials go here in band order instead of being merged.
    private let raw: ((Int, BandPartial) -> Void)?
    private let progress: ((Int, Int) -> Void)?
    private let totalCells: Int
    private var cellsDone = 0
    private var scratch: [ZoneStats] = []
    /// With categorical statistics: stops a run over too many distinct values.
    private let classGuard: ClassGuard?
    /// The engine's index of the partials' first source (a pass may take a chunk of them).
    private let firstSource: Int
    /// Where merged partials go back for reuse.
    private let recycler: PartialRecycler?
    /// Whether a thread is merging (`open`, `scratch`, the sink are its own meanwhile).
    private var merging = false

    package init(order: [Int], firstBand: [Int], lastBand: [Int], sink: @escaping (Int, [ZoneStats]) -> Void,
                 raw: ((Int, BandPartial) -> Void)? = nil, progress: ((Int, Int) -> Void)?, totalCells: Int,
                 classGuard: ClassGuard? = nil, firstSource: Int = 0, recycler: PartialRecycler? = nil) {
        self.order = order; self.firstBand = firstBand; self.lastBand = lastBand; self.sink = sink; self.raw = raw; self.progress = progress
        self.totalCells = totalCells; self.classGuard = classGuard; self.firstSource = firstSource; self.recycler = recycler
    }

    /// Piece `piece` of `pieces` of row band `band`'s partials (consecutive sources, in
    /// order); a band is merged when all its pieces are in, in band order.
    package func deliver(band: Int, piece: Int = 0, of pieces: Int = 1, partial: BandPartial, cells: Int) throws {
        lock.lock()
        var parts = arriving.removeValue(forKey: band) ?? []
        parts.append((piece, partial))
        guard parts.count == pieces else { arriving[band] = parts; lock.unlock(); return }
        pending[band] = parts.sorted { $0.0 < $1.0 }.map(\.1)
        parts = []
        cellsDone += cells
        progress?(cellsDone, totalCells)
        // One merger at a time, in band order; a worker that finds another merging leaves
        // its band to it and goes back to folding (waiting for the lock while a whole row
        // band was merged left that core idle).
        guard !merging else { lock.unlock(); return }
        merging = true
        while position < order.count, let ready = pending.removeValue(forKey: order[position]) {
            let b = order[position]
            lock.unlock()
            do {
                var merged = try merge(consume ready, band: b)
                // The partials go back for reuse as soon as they are merged (they waited for
                // the next delivery, so a worker that had merged took a fresh one for its next
                // row band), moved, not copied: nothing else refers to them once `ready` is
                // consumed, so a worker taking one reuses its memory (an array still shared is
                // copied on its first change, the copy's pages faulted in afresh).
                while let a = merged.popLast() { recycler?.give(a) }
            } catch {
                lock.lock(); merging = false; lock.unlock()
                throw error
            }
            lock.lock()
            position += 1
        }
        merging = false
        lock.unlock()
    }

    /// Merge row band `b`'s pieces (all in, their turn come): zones finished go to the sink.
    /// Returns the partials' arrays, for reuse. Called by one thread at a time, without the lock.
    private func merge(_ ready: consuming [BandPartial], band b: Int) throws -> [[ZoneStats]] {
        let nZ = ready[0].zones.count
        // Sources of each piece, in order: piece p holds sources first[p]..<first[p+1].
        let counts = ready.map { nZ == 0 ? 0 : $0.stats.count / nZ }
        let nS = counts.reduce(0, +)
        if let raw {
            // A rows part's partials go on unmerged (in one piece); their values still count.
            precondition(ready.count == 1, "rows parts are not cut into pieces")
            if let classGuard { for i in 0..<nS { try classGuard.add(ready[0].stats[(i * nZ)..<((i + 1) * nZ)], source: firstSource + i) } }
            raw(b, ready[0])
            return []
        }
        // The reused array as a local for the loop: passed to the sink from a property, it
        // was retained and released per zone (the sink might have changed the property).
        var scratch: [ZoneStats] = []
        swap(&scratch, &self.scratch)
        defer { swap(&scratch, &self.scratch) }
        for (zi, z) in ready[0].zones.enumerated() {
            // Most small zones lie in one band: no lookup of accumulators left open, and
            // their accumulators go to the sink in one reused array, not one per zone.
            if firstBand[z] == b {
                if ready[0].zoneMajor {
                    copyZoneMajor(ready, counts: counts, zone: zi, total: nS, into: &scratch)
                } else {
                    scratch.removeAll(keepingCapacity: true)
                    for (p, part) in ready.enumerated() { for i in 0..<counts[p] { scratch.append(part.stats[i * nZ + zi]) } }
                }
                if lastBand[z] == b {
                    try classGuard?.add(scratch, first: firstSource)
                    sink(z, scratch)
                } else {
                    open[z] = scratch
                }
                continue
            }
            var acc = open.removeValue(forKey: z)!
            var k = 0
            for (p, part) in ready.enumerated() {
                for i in 0..<counts[p] {
                    acc[k].merge(part.stats[part.index(zone: zi, source: i, sources: counts[p])])
                    try classGuard?.checkSize(acc[k], source: firstSource + k)
                    k += 1
                }
            }
            if lastBand[z] == b {
                try classGuard?.add(acc, first: firstSource)
                sink(z, acc)
            } else { open[z] = acc }
        }
        return ready.map(\.stats)
    }

    /// The `zi`-th zone's accumulators of zone-major pieces `parts` into `scratch`, as bytes:
    /// zone-major partials have no class tables, so an accumulator holds no reference and
    /// its bytes are a copy (a typed copy was an outlined call per accumulator, 10^7 of them).
    private func copyZoneMajor(_ parts: [BandPartial], counts: [Int], zone zi: Int, total: Int, into scratch: inout [ZoneStats]) {
        if scratch.count != total { scratch = [ZoneStats](repeating: ZoneStats(), count: total) }
        scratch.withUnsafeMutableBufferPointer { dst in
            var at = 0
            for (p, part) in parts.enumerated() {
                precondition(part.zoneMajor)
                part.stats.withUnsafeBufferPointer { src in
                    UnsafeMutableRawPointer(dst.baseAddress! + at)
                        .copyMemory(from: src.baseAddress! + zi * counts[p], byteCount: counts[p] * MemoryLayout<ZoneStats>.stride)
                }
                at += counts[p]
            }
        }
    }
}

/// Partial accumulator arrays handed back by the merger once merged and taken by the workers
/// for their next row band: the memory stays mapped (a fresh array of 10^7 accumulators is
/// faulted in and zeroed by the kernel page by page). Keeps at most `keep` arrays.
package final class PartialRecycler: @unchecked Sendable {
    // @unchecked: `arrays` is behind `lock`.
    private let lock = NSLock()
    private var arrays: [[ZoneStats]] = []
    private let keep: Int
    package init(keep: Int) { self.keep = keep }

    package func take() -> [ZoneStats] {
        lock.lock(); defer { lock.unlock() }
        return arrays.popLast() ?? []
    }

    /// Takes `a` over: the caller must hold no other reference to it (a worker taking it
    /// would otherwise copy it on its first change).
    package func give(_ a: consuming [ZoneStats]) {
        lock.lock(); defer { lock.unlock() }
        if arrays.count < keep { arrays.append(consume a) }
    }
}

/// Categorical statistics count classes. A raster band with more distinct values than
/// `limit` in the zones (a continuous one) would get a column per value and a class table
/// per zone without bound: the run stops with one error naming the raster and the limit.
/// Checked as the engine folds a row band (each zone's part), merges a zone's bands, and
/// finishes zones (the values of all zones so far), so such a run stops early.
package final class ClassGuard: @unchecked Sendable {
    private let sources: [BandSource]
    private let stats: [Statistic]
    private let limit: Int
    /// Per source, the distinct values of the zones finished so far.
    private var seen: [Set<Double>]
    private let lock = NSLock()

    package init(sources: [BandSource], stats: [Statistic], limit: Int) {
        self.sources = sources; self.stats = stats; self.limit = limit
        seen = [Set<Double>](repeating: [], count: sources.count)
    }

    /// One accumulator of source `source` (a zone, or a row band's part of one).
    @inline(__always) package func checkSize(_ acc: ZoneStats, source: Int) throws {
        if let h = acc.histogram, h.sparse.count > limit { throw tooMany(source) }
    }

    /// A zone's accumulators of sources `first`...: their values join the run's.
    package func add(_ accs: [ZoneStats], first: Int) throws {
        lock.lock(); defer { lock.unlock() }
        for (k, acc) in accs.enumerated() { try join(acc, source: first + k) }
    }

    /// Accumulators of source `source` (a row band's partials): their values join the run's.
    package func add<C: Collection<ZoneStats>>(_ accs: C, source: Int) throws {
        lock.lock(); defer { lock.unlock() }
        for acc in accs { try join(acc, source: source) }
    }

    /// Byte rasters keep their 256 values in a dense table, below any limit: only the sparse
    /// values count.
    @inline(__always) private func join(_ acc: ZoneStats, source: Int) throws {
        guard let h = acc.histogram, !h.sparse.isEmpty else { return }
        if h.sparse.count > limit { throw tooMany(source) }
        for v in h.sparse.keys { seen[source].insert(v) }
        if seen[source].count > limit { throw tooMany(source) }
    }

    private func tooMany(_ s: Int) -> GeoKitError {
        let src = sources[s], names = stats.map(\.name).joined(separator: ", ")
        return GeoKitError(.input, file: src.key,
                           "band \(src.band): more than \(formatCount(limit)) distinct values in the zones, too many for categorical statistics (\(names)): a continuous raster?",
                           hint: "bin it into classes with \(Setting.classes) NAME=B0,B1,...[:LABELS] (e.g. dem=0,500,1000,2000), or ask categorical statistics of categorical rasters only (\(Setting.op) 'frac(hazard)' \(Setting.op) 'sum(pop)'); median and pNN need no classes")
    }
}

/// 10000 as "10,000".
private func formatCount(_ n: Int) -> String {
    var s = String(n), out = ""
    while s.count > 3 { out = "," + s.suffix(3) + out; s.removeLast(3) }
    return s + out
}
