import Foundation

// The raster-sequential, parallel, tiled engine.
//
// The grid is cut into row bands aligned to the raster's blocks. A worker takes the next
// band, decodes it once (every requested band of every raster on this grid), computes the
// coverage of each zone whose rows meet the band (once, reused for every raster band), and
// folds the covered cells into per-zone partial accumulators. Partials are merged in band
// order by one merger, so the numbers do not depend on the thread count; a zone is handed
// to the sink as soon as its last band is merged, so memory holds only open zones.
// Each worker has its own GDAL handles (GDAL 3.6 handles are not thread-safe).

/// One raster band to summarise.
public struct BandSource: Sendable {
    public var path: String
    public var band: Int          // 1-based
    public var info: BandInfo
    public init(path: String, band: Int, info: BandInfo) { self.path = path; self.band = band; self.info = info }
}

public struct EngineOptions: Sendable {
    public var method: CoverageMethod = .exact
    public var stats: [Statistic] = [.count, .mean]
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Budget for decoded blocks across all workers, in bytes.
    public var maxMemory: Int = 512 << 20
    public init() {}
    var histogram: Bool { stats.contains { $0.needsHistogram } }
    var moments: Bool { stats.contains { $0.needsMoments } }
    var weights: Bool { stats.contains { $0.needsWeights } }
}

public final class ZonalEngine {
    public let grid: Grid
    public let areaModel: CellAreaModel
    public let sources: [BandSource]
    public let weights: BandSource?
    public let weightsGrid: Grid?
    public let options: EngineOptions

    /// `sources` must all be on `grid`; `weights` may be on any grid in the same CRS.
    public init(grid: Grid, areaModel: CellAreaModel, sources: [BandSource], weights: BandSource? = nil,
                weightsGrid: Grid? = nil, options: EngineOptions) {
        self.grid = grid; self.areaModel = areaModel; self.sources = sources
        self.weights = weights; self.weightsGrid = weightsGrid; self.options = options
    }

    /// Rows per band: whole raster blocks, at least 64 rows, within the memory budget.
    func rowsPerBand(readCols: Int) -> (rows: Int, bandsPerChunk: Int) {
        let blockRows = max(1, sources.first?.info.blockRows ?? 256)
        var rows = blockRows
        while rows < 64 { rows += blockRows }
        let threads = max(1, options.threads)
        let budget = max(8 << 20, options.maxMemory / threads / 2)
        let perBandByte = sources.map { $0.info.type.size + ($0.info.hasMask ? 1 : 0) }
        let weightsBytes = weights == nil ? 0 : 8
        // Shrink to single blocks, then split the band list, to stay within budget.
        while rows > blockRows && rows * readCols * (perBandByte.reduce(0, +) + weightsBytes) > budget { rows -= blockRows }
        let perRow = readCols * rows
        var chunk = sources.count
        while chunk > 1 && perRow * (perBandByte.prefix(chunk).reduce(0, +) + weightsBytes) > budget { chunk = (chunk + 1) / 2 }
        return (rows, max(1, chunk))
    }

    /// Run over `zones` (geometries in the grid's CRS). `sink(zoneIndex, stats)` receives each
    /// zone's accumulators (one per source, in order) exactly once, serially, in a fixed order.
    /// `progress(cellsDone, cellsTotal)` is called from the merger.
    public func run(zones: [Zone], sink: (Int, [ZoneStats]) -> Void,
                    progress: ((Int, Int) -> Void)? = nil) throws {
        // GDAL's block cache is per handle and defaults to 5% of RAM: keep it to a slice of
        // the budget; blocks are decoded once anyway.
        GDAL.setCacheMax(max(16 << 20, options.maxMemory / 8))
        let prepared = zones.map { GridPolygon($0.geometry, on: grid) }
        let windows = prepared.map { $0.window(in: grid.full) }
        let freshRow = { (i: Int) -> [ZoneStats] in self.sources.map { ZoneStats(histogram: self.options.histogram, denseBytes: $0.info.type == .uint8) } }

        let readColsAll = grid.cols
        let (bandRows, chunk) = rowsPerBand(readCols: readColsAll)
        let nBands = (grid.rows + bandRows - 1) / bandRows
        // Zones per row band, and each zone's last band (when it can be handed on).
        var bucket = [[Int]](repeating: [], count: nBands)
        var lastBand = [Int](repeating: -1, count: zones.count)
        for (z, w) in windows.enumerated() where !w.isEmpty {
            let b0 = w.row / bandRows, b1 = (w.rowEnd - 1) / bandRows
            for b in b0...b1 { bucket[b].append(z) }
            lastBand[z] = b1
        }
        // Zones that touch no cell are complete now.
        for z in zones.indices where lastBand[z] < 0 { sink(z, freshRow(z)) }
        let work = (0..<nBands).filter { !bucket[$0].isEmpty }
        guard !work.isEmpty else { return }
        let totalCells = work.reduce(0) { $0 + min(bandRows, grid.rows - $1 * bandRows) * grid.cols }

        try withoutActuallyEscaping(sink) { sink in
        let merger = OrderedMerger(order: work, lastBand: lastBand, sink: sink,
                                   progress: progress, totalCells: totalCells)
        let next = AtomicCounter()
        let failure = FirstError()
        let threads = max(1, min(options.threads, work.count))
        let paths = Array(Set(sources.map(\.path) + (weights.map { [$0.path] } ?? []))).sorted()

        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do {
                var handles: [String: Raster] = [:]
                for p in paths { handles[p] = try Raster(path: p) }
                var buffers = BandBuffers()
                defer { buffers.release() }
                while failure.error == nil {
                    let k = next.next()
                    if k >= work.count { break }
                    let b = work[k]
                    let partial = try self.processBand(b, bandRows: bandRows, chunk: chunk, zoneIDs: bucket[b],
                                                       prepared: prepared, windows: windows, handles: handles,
                                                       buffers: &buffers, freshRow: freshRow)
                    merger.deliver(band: b, partial: partial,
                                   cells: min(bandRows, self.grid.rows - b * bandRows) * self.grid.cols)
                }
            } catch {
                failure.set(error)
            }
        }
        if let e = failure.error { throw e }
        }
    }

    private func processBand(_ b: Int, bandRows: Int, chunk: Int, zoneIDs: [Int], prepared: [GridPolygon],
                             windows: [Window], handles: [String: Raster], buffers: inout BandBuffers,
                             freshRow: (Int) -> [ZoneStats]) throws -> [(Int, [ZoneStats])] {
        let r0 = b * bandRows, r1 = min(grid.rows, r0 + bandRows)
        // Read only the columns the band's zones reach.
        var c0 = Int.max, c1 = Int.min
        for z in zoneIDs { c0 = min(c0, windows[z].col); c1 = max(c1, windows[z].colEnd) }
        let read = Window(row: r0, col: c0, rows: r1 - r0, cols: c1 - c0)
        let areas = areaModel.rowAreas(grid, rows: r0..<r1)
        let coverages = zoneIDs.map { z -> Coverage in
            let w = windows[z].intersection(Window(row: r0, col: 0, rows: r1 - r0, cols: grid.cols))
            return prepared[z].coverage(options.method, in: w)
        }
        var out = zoneIDs.map { ($0, freshRow($0)) }
        var weightPtr: UnsafeMutablePointer<Double>?
        if let wsrc = weights, options.weights {
            let p = buffers.weights(count: read.cellCount)
            try handles[wsrc.path]!.readResampled(band: wsrc.band, onto: grid, window: read, into: p)
            if let nd = wsrc.info.nodata { for i in 0..<read.cellCount where p[i] == nd { p[i] = .nan } }
            weightPtr = p
        }
        var start = 0
        while start < sources.count {
            let end = min(sources.count, start + chunk)
            for (slot, si) in (start..<end).enumerated() {
                let src = sources[si]
                let raw = buffers.values(slot: slot, bytes: read.cellCount * src.info.type.size)
                try handles[src.path]!.read(band: src.band, window: read, as: src.info.type, into: raw)
                var maskPtr: UnsafeMutablePointer<UInt8>?
                if src.info.hasMask {
                    maskPtr = buffers.mask(slot: slot, count: read.cellCount)
                    try handles[src.path]!.readMask(band: src.band, window: read, into: maskPtr!)
                }
                let rules = ValueRules(nodata: src.info.nodata, scale: src.info.scale, offset: src.info.offset,
                                       moments: options.moments, histogram: options.histogram)
                for (zi, cov) in coverages.enumerated() {
                    switch src.info.type {
                    case .uint8: fold(raw, UInt8.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .int8: fold(raw, Int8.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .uint16: fold(raw, UInt16.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .int16: fold(raw, Int16.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .uint32: fold(raw, UInt32.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .int32: fold(raw, Int32.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .float32: fold(raw, Float.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    case .float64: fold(raw, Double.self, cov, read, areas, maskPtr, weightPtr, rules, &out[zi].1[si])
                    }
                }
            }
            start = end
        }
        return out
    }

    @inline(__always)
    private func fold<T: RasterScalar>(_ raw: UnsafeMutableRawPointer, _: T.Type, _ cov: Coverage, _ read: Window,
                                       _ areas: [Double], _ mask: UnsafeMutablePointer<UInt8>?,
                                       _ weights: UnsafeMutablePointer<Double>?, _ rules: ValueRules,
                                       _ s: inout ZoneStats) {
        let base = raw.assumingMemoryBound(to: T.self)
        for span in cov.spans {
            let off = (Int(span.row) - read.row) * read.cols + (Int(span.col) - read.col)
            accumulateSpan(base + off, len: Int(span.len), coverage: span.fraction,
                           cellArea: areas[Int(span.row) - read.row],
                           mask: mask.map { UnsafePointer($0 + off) }, weights: weights.map { UnsafePointer($0 + off) },
                           rules: rules, into: &s)
        }
    }
}

/// A worker's reusable decode buffers.
struct BandBuffers {
    private var raw: [UnsafeMutableRawPointer] = []
    private var rawSizes: [Int] = []
    private var masks: [Int: UnsafeMutablePointer<UInt8>] = [:]
    private var maskSizes: [Int: Int] = [:]
    private var w: UnsafeMutablePointer<Double>?
    private var wSize = 0

    mutating func values(slot: Int, bytes: Int) -> UnsafeMutableRawPointer {
        while raw.count <= slot { raw.append(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)); rawSizes.append(1) }
        if rawSizes[slot] < bytes {
            raw[slot].deallocate()
            raw[slot] = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            rawSizes[slot] = bytes
        }
        return raw[slot]
    }
    mutating func mask(slot: Int, count: Int) -> UnsafeMutablePointer<UInt8> {
        if let p = masks[slot], maskSizes[slot]! >= count { return p }
        masks[slot]?.deallocate()
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        masks[slot] = p; maskSizes[slot] = count
        return p
    }
    mutating func weights(count: Int) -> UnsafeMutablePointer<Double> {
        if let w, wSize >= count { return w }
        w?.deallocate()
        w = UnsafeMutablePointer<Double>.allocate(capacity: count); wSize = count
        return w!
    }
    func release() {
        raw.forEach { $0.deallocate() }; masks.values.forEach { $0.deallocate() }; w?.deallocate()
    }
}

/// Merges band results in band order and hands finished zones to the sink.
final class OrderedMerger: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Int: [(Int, [ZoneStats])]] = [:]
    private var open: [Int: [ZoneStats]] = [:]
    private var position = 0
    private let order: [Int]
    private let lastBand: [Int]
    private let sink: (Int, [ZoneStats]) -> Void
    private let progress: ((Int, Int) -> Void)?
    private let totalCells: Int
    private var cellsDone = 0

    init(order: [Int], lastBand: [Int], sink: @escaping (Int, [ZoneStats]) -> Void,
         progress: ((Int, Int) -> Void)?, totalCells: Int) {
        self.order = order; self.lastBand = lastBand; self.sink = sink; self.progress = progress
        self.totalCells = totalCells
    }

    func deliver(band: Int, partial: [(Int, [ZoneStats])], cells: Int) {
        lock.lock(); defer { lock.unlock() }
        pending[band] = partial
        cellsDone += cells
        while position < order.count, let ready = pending.removeValue(forKey: order[position]) {
            let b = order[position]
            for (z, stats) in ready {
                var acc: [ZoneStats]
                if let existing = open.removeValue(forKey: z) {
                    acc = existing
                    for i in acc.indices { acc[i].merge(stats[i]) }
                } else {
                    acc = stats
                }
                if lastBand[z] == b { sink(z, acc) } else { open[z] = acc }
            }
            position += 1
        }
        progress?(cellsDone, totalCells)
    }
}

final class AtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { value += 1; lock.unlock() }; return value }
}

final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var _error: Error?
    var error: Error? { lock.lock(); defer { lock.unlock() }; return _error }
    func set(_ e: Error) { lock.lock(); if _error == nil { _error = e }; lock.unlock() }
}
