import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// `geotool batch`: compute a manifest's indicators incrementally. Every input is
// fingerprinted (size, mtime, SHA-256 of its first 64 KiB); computed values are cached per
// source file under OUTDIR/.cache, so a rerun computes only new or changed files, and a
// change of the zones or of an indicator's definition recomputes what depends on it.
// Writes are atomic (temporary name, then rename) and ordered cache -> state -> tables ->
// state, so a run killed at any moment leaves only complete files, and a rerun finishes the
// job with the same bytes as an uninterrupted run.

public struct BatchOptions: Sendable {
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var maxMemory = 512 << 20
    /// Most bands per coverage pass (0: as many as the memory budget allows). Smaller passes
    /// save progress more often (a killed run loses at most one pass).
    public var batchSize = 0
    public var commandLine = "geotool batch"
    public init() {}
}

/// What a run would do, or did, for one source file of an indicator.
public struct BatchPlanItem: Sendable {
    public enum Status: String, Sendable { case new, changed, unchanged }
    public var indicator: String
    public var path: String
    public var bands: Int
    public var status: Status
    public var reason: String
}

public struct BatchProgress: Sendable {
    public var indicator: String
    public var indicatorIndex: Int
    public var indicatorCount: Int
    /// Bands computed so far, for this indicator and overall (fractional within a pass).
    public var indicatorDone: Double
    public var indicatorTotal: Int
    public var overallDone: Double
    public var overallTotal: Int
}

public struct BatchReport: Sendable {
    public var plan: [BatchPlanItem] = []
    /// Raster work done: bands and files computed, coverage passes (ZonalJob runs).
    public var bandsComputed = 0
    public var filesComputed = 0
    public var passes = 0
    public var tablesWritten: [String] = []
    public var tablesUpToDate: [String] = []
    /// The zones' warnings (when read in this run) and the passes' new ones.
    public var warnings: [GeoWarning] = []
    /// `--merge`: the parts merged (the raster work above is theirs).
    public var partsMerged = 0
    /// The manifest's `vector:` layers were computed (not taken from the cache).
    public var vectorComputed = false
    public var didRasterWork: Bool { passes > 0 }
}

// MARK: - Runner

public final class BatchRunner {
    public let manifest: BatchManifest
    public var options: BatchOptions
    public var progress: ((BatchProgress) -> Void)?
    /// Messages for the user (what is computed, what is up to date).
    public var log: ((String) -> Void)?

    package let statePath: String
    package let cacheDir: String
    package var state = BatchState()
    package var inputCache: [String: (BatchFingerprint, changed: Bool)] = [:]
    /// Set for `--part I/N`: the share this runner computes, written to its own folder and
    /// shard only (see BatchParts.swift); nil for a whole run.
    package var part: BatchPartWork?

    public init(manifest: BatchManifest, options: BatchOptions = BatchOptions()) {
        self.manifest = manifest
        self.options = options
        statePath = manifest.outputDir + "/.geotool-batch-state.json"
        cacheDir = manifest.outputDir + "/.cache"
        if let data = FileManager.default.contents(atPath: statePath) {
            if let s = try? JSONDecoder().decode(BatchState.self, from: data), s.version == 1 {
                state = s
            } else {
                // Not silently: the run starts afresh, and says why it computes everything.
                unreadableState = GeoWarning(.input, file: statePath,
                    "\(statePath): not a batch state this geotool reads (damaged, or written by another version): every indicator is computed again")
            }
        }
    }

    /// The warning for a state file that did not decode (the run then computes everything).
    package var unreadableState: GeoWarning?

    public static func tablePath(_ manifest: BatchManifest, _ name: String) -> String { manifest.outputDir + "/\(name).csv" }

    // MARK: fingerprints and keys

    /// The fingerprint of an input and whether it differs from the recorded one. A file
    /// whose mtime alone changed is compared by its full SHA-256; when equal it is kept, and
    /// every record of it (the input's and each indicator's source) takes the new mtime, so
    /// the plan sees it unchanged and the next run does not hash it again.
    package func check(_ dataset: String) throws -> (fp: BatchFingerprint, changed: Bool) {
        // Inputs are files: two variables of one NetCDF file are fingerprinted and hashed once.
        let path = datasetFile(dataset)
        if let c = inputCache[path] { return (c.0, c.changed) }
        let fp = try batchFingerprint(path)
        var changed = true
        if let rec = state.inputs[path] {
            if rec.fingerprint == fp { changed = false }
            else if rec.fingerprint.size == fp.size && rec.fingerprint.head == fp.head, (try? sha256(path: path)) == rec.sha256 {
                changed = false
                state.inputs[path]!.fingerprint = fp
                for (name, ind) in state.indicators {
                    for (sp, src) in ind.sources where datasetFile(sp) == path && src.fingerprint.size == fp.size && src.fingerprint.head == fp.head {
                        state.indicators[name]!.sources[sp]!.fingerprint = fp
                    }
                }
            }
        }
        inputCache[path] = (fp, changed)
        return (fp, changed)
    }

    /// Full SHA-256 of an input (recorded when unchanged, else computed).
    package func fullHash(_ dataset: String) throws -> String {
        let path = datasetFile(dataset)
        let (fp, changed) = try check(path)
        // Recorded for this fingerprint: unchanged, or hashed during this run.
        if let rec = state.inputs[path], !changed || rec.fingerprint == fp { return rec.sha256 }
        let h = try sha256(path: path)
        state.inputs[path] = BatchInputRecord(fingerprint: fp, sha256: h)
        inputCache[path] = (fp, false)
        return h
    }

    package func zonesKey() throws -> String {
        let z = manifest.zones
        return sha256(text: ["zones", try fullHash(z.path), z.layer ?? "", z.id, z.include.joined(separator: ","),
                             z.rollup.joined(separator: ",")].joined(separator: "\n"))
    }

    /// What the values depend on: the zones, the statistics, the method and the weights.
    package func valueKey(_ ind: BatchIndicator, zonesKey: String) throws -> String {
        var parts = [zonesKey, ind.stats.map(\.name).joined(separator: ","), ind.method.rawValue,
                     try ind.weights.map { try fullHash($0) } ?? "-"]
        // Sums of units without a valid cell were 0 in caches made before empty_sum: an
        // indicator with sums gets a new key (and is recomputed); the others keep theirs.
        if ind.stats.contains(where: \.isSumOfValues) { parts.append("empty_sum=" + ind.emptySum.rawValue) }
        // Areas are cached in the indicator's unit (m2: the key as before).
        if ind.areaUnit != .m2 { parts.append("area_unit=" + ind.areaUnit.rawValue) }
        if let c = ind.condition { parts.append("where=" + c.text + "@" + (try ind.conditionSource.map { try fullHash($0.path) + ":\($0.bands[0])" } ?? "self")) }
        return sha256(text: parts.joined(separator: "\n"))
    }

    /// What the table depends on: the values, the series (files, bands, dates) and the
    /// indicator's description, unit, derived series and the table format.
    package func tableKey(_ ind: BatchIndicator, valueKey: String) throws -> String {
        var parts = [valueKey, ind.name, ind.description, ind.unit ?? "-", ind.sourceText, ind.annual?.rawValue ?? "-",
                     ind.baseline.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "-", manifest.format.rawValue, "v1"]
        // The change-over-time series (none: the key as before, so older tables stay as they are).
        if !ind.time.isEmpty { parts.append("time: " + ind.time.signature) }
        for s in ind.sources {
            // The content (full SHA-256), not the mtime: a touched file leaves the table as it is.
            parts.append("\(s.path)|\(s.bands)|\(s.dates.map { $0 ?? "" })|\(try fullHash(s.path))")
        }
        return sha256(text: parts.joined(separator: "\n"))
    }

    package func cacheName(_ s: BatchSource) -> String { String(sha256(text: "\(s.path)|\(s.bands)").prefix(24)) + ".f64" }
    package func cachePath(_ ind: String, _ file: String) -> String { cacheDir + "/\(ind)/" + file }

    package func loadZonesCache() -> BatchZonesCache? {
        guard let data = FileManager.default.contents(atPath: cacheDir + "/zones.json") else { return nil }
        return try? JSONDecoder().decode(BatchZonesCache.self, from: data)
    }

    // MARK: plan

    /// Every source of every indicator: new, changed (and why) or unchanged.
    public func plan() throws -> [BatchPlanItem] {
        let zk = try zonesKey()
        let zonesCached = loadZonesCache()
        let unitCount = zonesCached?.zonesKey == zk ? zonesCached!.units.count : nil
        var items: [BatchPlanItem] = []
        for ind in manifest.indicators {
            let vk = try valueKey(ind, zonesKey: zk)
            let st = state.indicators[ind.name]
            for s in ind.sources {
                var status = BatchPlanItem.Status.unchanged, reason = ""
                if let st, st.valueKey != vk || unitCount == nil {
                    status = .changed
                    reason = state.zonesKey != zk || unitCount == nil ? "the zones changed" : "the indicator's statistics, method or weights changed"
                } else if st?.sources[s.path] != nil {
                    // After the check: a file whose mtime alone changed has its records updated.
                    let (fp, fileChanged) = try check(s.path)
                    let rec = state.indicators[ind.name]!.sources[s.path]!
                    if rec.bands != s.bands { status = .changed; reason = "other bands" }
                    else if fileChanged || rec.fingerprint != fp { status = .changed; reason = "the file changed" }
                    else if !validCache(cachePath(ind.name, rec.cache), units: unitCount!, bands: s.bands.count, stats: rec.valueKeys(ind.stats).count) {
                        status = .changed; reason = "its cached values are missing"
                    }
                } else {
                    status = .new; reason = st == nil ? "first run" : "not computed before"
                }
                items.append(BatchPlanItem(indicator: ind.name, path: s.path, bands: s.bands.count, status: status, reason: reason))
            }
        }
        return items
    }

    package func validCache(_ path: String, units: Int, bands: Int, stats: Int) -> Bool {
        let size = fileSize(path)
        return size == 16 + units * bands * stats * 8
    }

    // MARK: run

    public func run() throws -> BatchReport {
        var report = BatchReport()
        if let w = unreadableState { report.warnings.append(w) }
        let (plan, zk) = try begin(&report)
        var zonesCache = loadZonesCache().flatMap { $0.zonesKey == zk ? $0 : nil }
        var progress = (done: 0, total: plan.filter { $0.status != .unchanged }.reduce(0) { $0 + $1.bands })
        for (ii, ind) in manifest.indicators.enumerated() {
            let vk = try startIndicator(ind, zonesKey: zk)
            let pendingPaths = Set(plan.filter { $0.indicator == ind.name && $0.status != .unchanged }.map(\.path))
            try computeSources(ind, index: ii, ind.sources.filter { pendingPaths.contains($0.path) }, zonesKey: zk,
                               zonesCache: &zonesCache, progress: &progress, report: &report)
            try finishIndicator(ind, valueKey: vk, zones: zonesCache, report: &report)
        }
        let vector = try runVector(zonesKey: zk, report: &report)
        try writeFormulaTable(zones: zonesCache, vector: vector, report: &report)
        try writeJSONAtomically(state, to: statePath)
        return report
    }

    /// Before any work: the checks, the folders, the temporaries of killed runs, the plan,
    /// and the state rid of what the zones or the manifest no longer hold. A part (`--part`)
    /// removes nothing: other parts may be running on the same folder.
    package func begin(_ report: inout BatchReport) throws -> (plan: [BatchPlanItem], zonesKey: String) {
        let fm = FileManager.default
        try checkOutputs()
        let dir = part?.dir ?? cacheDir
        var isDir: ObjCBool = false
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            let err = errno
            // Parts started together create the shared folders together: one of them wins.
            if !(fm.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
                let why = fm.fileExists(atPath: manifest.outputDir, isDirectory: &isDir) && !isDir.boolValue
                    ? "is a file, not a folder" : "cannot be created (\(String(cString: strerror(err))))"
                throw GeoKitError(.io, file: manifest.outputDir, "the output folder \(why)")
            }
        }
        if part == nil { removeStaleTemporaries() }
        let plan = try self.plan()
        report.plan = plan
        let zk = try zonesKey()
        if state.zonesKey != zk {
            // Zones changed: nothing cached holds.
            state.indicators = [:]
        }
        state.zonesKey = zk
        // Indicators gone from the manifest: forget them (their tables stay).
        for name in state.indicators.keys where !manifest.indicators.contains(where: { $0.name == name }) {
            state.indicators[name] = nil
            if part == nil { try? fm.removeItem(atPath: cacheDir + "/" + name) }
        }
        return (plan, zk)
    }

    /// The indicator's state for its value key (a new key: nothing cached holds) and its cache
    /// folder; the value key.
    package func startIndicator(_ ind: BatchIndicator, zonesKey zk: String) throws -> String {
        let fm = FileManager.default
        let vk = try valueKey(ind, zonesKey: zk)
        if state.indicators[ind.name]?.valueKey != vk {
            state.indicators[ind.name] = BatchIndicatorState(valueKey: vk)
            if part == nil { try? fm.removeItem(atPath: cacheDir + "/" + ind.name) }
        }
        try fm.createDirectory(atPath: valuesDir(ind.name), withIntermediateDirectories: true)
        return vk
    }

    /// Compute `pending` (sources of `ind`) in coverage passes, each saving its values.
    package func computeSources(_ ind: BatchIndicator, index ii: Int, _ pending: [BatchSource], zonesKey zk: String,
                                zonesCache: inout BatchZonesCache?, progress overall: inout (done: Int, total: Int),
                                report: inout BatchReport) throws {
        guard !pending.isEmpty else { return }
        let total = pending.reduce(0) { $0 + $1.bands.count }
        log?("\(ind.name): computing \(total) band(s) of \(pending.count) file(s); \(ind.sources.count - pending.count) file(s) unchanged")
        // Hash the new inputs for the sidecar while the engine runs.
        let hashes = InputHashes(paths: pending.map { datasetFile($0.path) })
        var done = 0
        for chunk in try passes(pending) {
            let base = Double(done), overallDone = overall.done, overallTotal = overall.total
            try compute(ind, chunk: chunk, zonesKey: zk, zonesCache: &zonesCache, report: &report) { frac in
                self.progress?(BatchProgress(indicator: ind.name, indicatorIndex: ii, indicatorCount: self.manifest.indicators.count,
                                             indicatorDone: base + frac * Double(chunk.bandCount), indicatorTotal: total,
                                             overallDone: Double(overallDone) + frac * Double(chunk.bandCount), overallTotal: overallTotal))
            }
            done += chunk.bandCount
            overall.done += chunk.bandCount
            progress?(BatchProgress(indicator: ind.name, indicatorIndex: ii, indicatorCount: manifest.indicators.count,
                                    indicatorDone: Double(done), indicatorTotal: total,
                                    overallDone: Double(overall.done), overallTotal: overall.total))
        }
        for (p, h) in hashes.wait() { if let fp = inputCache[p]?.0 { state.inputs[p] = BatchInputRecord(fingerprint: fp, sha256: h) } }
        if part != nil { try saveProgress() }
    }

    /// Drop the sources that left the series, then write the table (unless up to date).
    package func finishIndicator(_ ind: BatchIndicator, valueKey vk: String, zones: BatchZonesCache?, report: inout BatchReport) throws {
        let current = Set(ind.sources.map(\.path))
        for (p, rec) in state.indicators[ind.name]!.sources where !current.contains(p) {
            try? FileManager.default.removeItem(atPath: cachePath(ind.name, rec.cache))
            state.indicators[ind.name]!.sources[p] = nil
        }
        guard let zc = zones else { throw GeoKitError.internal("no zone units cached") }
        try writeTable(ind, valueKey: vk, zones: zc, report: &report)
    }

    /// A coverage pass: bands of files on one grid.
    package struct Pass { var items: [(source: BatchSource, band: Int)]; var bandCount: Int { items.count } }

    /// Pending bands grouped by grid: one pass per grid, or passes of `batchSize` bands.
    package func passes(_ pending: [BatchSource]) throws -> [Pass] {
        var bands: [(source: BatchSource, band: Int, grid: Grid)] = []
        for s in pending {
            let grid = try Raster(path: s.path).grid
            bands += s.bands.map { (s, $0, grid) }
        }
        let groups = groupByGrid(bands) { $0.grid }.map { g in (grid: g.grid, items: g.members.map { (bands[$0].source, bands[$0].band) }) }
        var out: [Pass] = []
        for g in groups {
            // The engine reads the same rows at a time whatever the number of bands (rows depend
            // on the pixel size only), so values do not depend on how the work is cut.
            let cap = options.batchSize > 0 ? options.batchSize : g.items.count
            var i = 0
            while i < g.items.count {
                out.append(Pass(items: Array(g.items[i..<min(g.items.count, i + cap)])))
                i += cap
            }
        }
        return out
    }

    /// One coverage pass: run the engine on the pass's bands, cache each completed file's values, then save the state.
    package func compute(_ ind: BatchIndicator, chunk: Pass, zonesKey: String, zonesCache: inout BatchZonesCache?,
                 report: inout BatchReport, progress: @escaping (Double) -> Void) throws {
        let z = manifest.zones
        var job = ZonalJob(zonesPath: z.path, layer: z.layer, idField: z.id, includeFields: z.include,
                           rasters: passSpecs(ind, chunk),
                           weights: ind.weights.map { RasterSpec(name: "weights", path: $0) }, stats: ind.stats, method: ind.method)
        if let c = ind.condition {
            // The indicator's statistics as operations with the condition; weights and the
            // condition's raster are rasters of the run without columns of their own.
            if let w = ind.weights { job.rasters.append(RasterSpec(name: "weights", path: w)); job.weights = nil }
            if let src = ind.conditionSource { job.rasters.append(RasterSpec(name: c.raster, path: src.path, band: src.bands[0])) }
            job.operations = ind.stats.map { RasterOperation(statistic: $0, raster: ind.name, weights: $0.needsWeights ? "weights" : nil, condition: c) }
        }
        job.rollup = z.rollup
        job.emptySum = ind.emptySum
        job.areaUnit = ind.areaUnit
        job.distinctRasterNames = false   // every band of the series carries the indicator's name
        job.threads = options.threads
        job.maxMemory = options.maxMemory
        let result = try job.run { done, total in progress(total > 0 ? Double(done) / Double(total) : 0) }
        report.passes += 1
        report.bandsComputed += chunk.bandCount
        let zonesRead = zonesCache == nil
        let rasters = Set(chunk.items.map(\.source.path))
        try checkOrCacheZones(result, zonesKey: zonesKey, zonesCache: &zonesCache, rasters: rasters)
        // The zones' warnings once (when they were read into the cache), then each pass's own.
        if zonesRead { report.warnings += zoneWarnings(result, rasters: rasters) }
        // Values per source file, then each complete file's cache, then the state.
        let nu = result.units.count
        // Values through the result's own columns: per band of the pass (in order), its
        // statistics' columns (a per-class statistic has one per class the band holds).
        var bandColumns = [[(key: String, column: IndicatorColumn)]](repeating: [], count: chunk.bandCount)
        for c in result.indicatorColumns { bandColumns[c.band].append((batchKey(c), c)) }
        var st = state.indicators[ind.name]!
        var k = 0
        while k < chunk.items.count {
            let s = chunk.items[k].source
            // A multi-band file may span passes: write its cache when its last band is in.
            var values: [Int: [String: [Double]]] = [:]
            var j = k
            while j < chunk.items.count && chunk.items[j].source.path == s.path {
                let bi = s.bands.firstIndex(of: chunk.items[j].band)!
                for (key, c) in bandColumns[j] {
                    values[bi, default: [:]][key] = result.numbers(c)
                }
                j += 1
            }
            try storePartial(ind.name, s, values: values, bands: chunk.items[k..<j].map(\.band))
            if let full = completed(ind.name, s, units: nu, stats: ind.stats) {
                let name = cacheName(s)
                let digest = try writeCache(valuesDir(ind.name) + "/" + name, values: full.values, units: nu, bands: s.bands.count, stats: full.keys.count)
                if let digest { part?.cacheSHA256[ind.name + "/" + name] = digest }
                st.sources[s.path] = BatchSourceRecord(fingerprint: try check(s.path).fp, bands: s.bands, cache: name,
                                                       keys: full.keys == ind.stats.map(\.name) ? nil : full.keys)
                report.filesComputed += 1
            }
            k = j
        }
        let zoneMessages = Set(zonesCache?.warnings ?? [])
        report.warnings += recordWarnings(result.warnings.filter { !zoneMessages.contains($0.message) }, of: chunk, ind, in: &st)
        st.rasterCRS = result.rasterCRS
        state.indicators[ind.name] = st
        try saveProgress()
    }

    /// Where computed values go: the cache, or a part's own folder.
    package func valuesDir(_ ind: String) -> String { (part?.dir ?? cacheDir) + "/" + ind }

    /// Record what is done: the state, or a part's shard (only `--merge` writes the state).
    package func saveProgress() throws {
        if part != nil { try writeShard(complete: false) } else { try writeJSONAtomically(state, to: statePath) }
    }

    /// The zone units: cached once (with the zones' own warnings); every pass must give the same.
    package func checkOrCacheZones(_ result: ZonalResult, zonesKey: String, zonesCache: inout BatchZonesCache?, rasters: Set<String> = []) throws {
        if let zc = zonesCache {
            guard zc.units.count == result.units.count, zip(zc.units, result.units).allSatisfy({ $0.id == $1.id && $0.level == $1.level }) else {
                throw GeoKitError.input(manifest.zones.path, "the zones' units differ from the cached ones; delete \(cacheDir) and rerun")
            }
            return
        }
        let zoneWarnings = zoneWarnings(result, rasters: rasters)
        let zc = BatchZonesCache(zonesKey: zonesKey,
                                 units: result.units.map { CachedUnit(id: $0.id, level: $0.level, name: $0.name, attributes: $0.attributes, empty: $0.isEmptyGeometry) },
                                 idField: result.idField, includeFields: result.includeFields, hasRollup: result.hasRollup,
                                 zonesCRS: result.zonesCRS, warnings: zoneWarnings.map(\.message),
                                 warningKinds: Dictionary(zoneWarnings.map { ($0.message, $0.kind.rawValue) }) { first, _ in first },
                                 warningTopics: warningTopics(zoneWarnings),
                                 layer: result.zones.layer, featureCount: result.zones.featureCount,
                                 pcodeVersion: result.zones.pcodeVersion, idLevel: result.idLevel?.rawValue)
        // A part keeps them in its shard: the merge writes the cache.
        if part == nil { try writeJSONAtomically(zc, to: cacheDir + "/zones.json") } else { part!.zones = zc }
        zonesCache = zc
    }

    /// The zones' own warnings in a pass's result. Zones wholly outside a raster depend on
    /// the raster: the indicator's state keeps those. A raster's own warnings (no CRS) are its
    /// indicator's, each once.
    package func zoneWarnings(_ result: ZonalResult, rasters: Set<String>) -> [GeoWarning] {
        result.warnings.filter { $0.kind != .outside && !rasters.contains($0.file ?? "") }
    }

    /// Add a pass's warnings to the indicator's (each once, sorted, with its kind), naming
    /// the manifest's source (a pattern) instead of each file.
    /// The zones' own warnings are the zones cache's, not the indicator's: the caller leaves
    /// them out. Returns the warnings new to the indicator.
    @discardableResult
    package func recordWarnings(_ warnings: [GeoWarning], of chunk: Pass, _ ind: BatchIndicator, in st: inout BatchIndicatorState) -> [GeoWarning] {
        var kinds = st.warningKinds ?? [:]
        var new: [GeoWarning] = []
        let paths = Set(chunk.items.map(\.source.path))
        for w in warnings {
            var t = w.message
            for p in paths { t = t.replacingOccurrences(of: p, with: ind.sourceText) }
            if !st.warnings.contains(t) { st.warnings.append(t); new.append(GeoWarning(w.kind, "\(ind.name): " + t)) }
            if kinds[t] == nil { kinds[t] = w.kind.rawValue }
        }
        st.warnings.sort()
        st.warningKinds = kinds
        return new
    }

    // Bands of multi-band files computed in different passes, held until the file is done:
    // per band index, per value key, the units' values.
    package var partial: [String: (values: [Int: [String: [Double]]], done: Set<Int>)] = [:]

    package func storePartial(_ ind: String, _ s: BatchSource, values: [Int: [String: [Double]]], bands: [Int]) throws {
        let key = ind + "|" + s.path
        var p = partial[key] ?? ([:], [])
        p.values.merge(values) { $1 }
        p.done.formUnion(bands)
        partial[key] = p
    }

    /// A file's values once all its bands are in: [unit][band][key] over the keys of every
    /// band. A class a band does not hold has a share (area) of 0 where the band has a value
    /// of that statistic for the unit, else none, as in `zonal`.
    package func completed(_ ind: String, _ s: BatchSource, units nu: Int, stats: [Statistic]) -> (keys: [String], values: [Double])? {
        let key = ind + "|" + s.path
        guard let p = partial[key], p.done.count == s.bands.count else { return nil }
        partial[key] = nil
        let keys = batchKeyOrder(Set(p.values.values.flatMap(\.keys)), stats)
        let nb = s.bands.count, nk = keys.count
        let statOf = keys.map { batchKeyStat($0, stats)!.stat }
        var out = [Double](repeating: .nan, count: nu * nb * nk)
        // Column by column: each key looked up once a band, not once a unit (7 M lookups of
        // a string key over 516 monthly files).
        out.withUnsafeMutableBufferPointer { out in
            for b in 0..<nb {
                let band = p.values[b] ?? [:]
                for (ki, k) in keys.enumerated() {
                    if let column = band[k] {
                        for u in 0..<nu { out[(u * nb + b) * nk + ki] = column[u] }
                        continue
                    }
                    let sameStat = band.filter { batchKeyStat($0.key, stats)?.stat == statOf[ki] }.map(\.value)
                    for u in 0..<nu { out[(u * nb + b) * nk + ki] = sameStat.contains { !$0[u].isNaN } ? 0 : .nan }
                }
            }
        }
        return (keys, out)
    }

    /// Write a cache file; for a part, its SHA-256 (the shard records it).
    @discardableResult
    package func writeCache(_ path: String, values: [Double], units: Int, bands: Int, stats: Int) throws -> String? {
        var data = Data("GKB1".utf8)
        for n in [UInt32(units), UInt32(bands), UInt32(stats)] { withUnsafeBytes(of: n.littleEndian) { data.append(contentsOf: $0) } }
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        try writeAtomically(path) { tmp in
            try writeFileChecked(data, to: tmp, displayPath: path)
        }
        return part == nil ? nil : SHA256.hex(data)
    }

    package func readCache(_ path: String, count: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path), data.count == 16 + count * 8,
              data.prefix(4) == Data("GKB1".utf8) else {
            throw GeoKitError.input(path, "cached values are damaged; delete it and rerun")
        }
        return data.dropFirst(16).withUnsafeBytes { raw in Array(raw.bindMemory(to: Double.self)) }
    }

    /// Temporaries of killed runs (`.NAME.tmp-PID.ext`) in the output and cache folders
    /// (GeoCore's `removeStaleTemporaries`, shared with every command).
    package func removeStaleTemporaries() {
        var dirs = [manifest.outputDir, cacheDir]
        dirs += ((try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? []).map { cacheDir + "/" + $0 }
        for d in dirs { GeoCore.removeStaleTemporaries(in: d) }
    }

    /// Refuse, before any work, a manifest whose outputs (each indicator's table and sidecar,
    /// the state) are one of its inputs (the manifest, the zones, the rasters, the weights).
    package func checkOutputs() throws {
        var inputs = [manifest.path, manifest.zones.path]
        for ind in manifest.indicators { inputs += ind.sources.map { datasetFile($0.path) } + (ind.weights.map { [$0] } ?? []) }
        inputs += manifest.vector.map(\.path)
        var outputs = manifest.indicators.map { ind -> OutputSafety.Output in
            let t = BatchRunner.tablePath(manifest, ind.name)
            return OutputSafety.Output(t, sidecar: ZonalResult.sidecarPath(for: t))
        }
        if !manifest.formulas.isEmpty {
            let t = BatchRunner.tablePath(manifest, batchFormulaTable)
            outputs.append(OutputSafety.Output(t, sidecar: ZonalResult.sidecarPath(for: t)))
        }
        if !manifest.vector.isEmpty {
            let t = BatchRunner.tablePath(manifest, batchVectorTable)
            outputs.append(OutputSafety.Output(t, sidecar: ZonalResult.sidecarPath(for: t)))
        }
        outputs.append(OutputSafety.Output(statePath))
        try OutputSafety.check(inputs: inputs, outputs: outputs)
    }
}
