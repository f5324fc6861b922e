import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// `geotool batch M --part I/N` and `--merge`: the work of a run (its new or changed source
// files, per indicator) cut into N shares balanced by work, each computed by one process
// (a Slurm array task, a Kubernetes index) that may run beside the others on a shared output
// folder. A part writes only its own folder and shard (OUTDIR/.geotool-batch-parts/
// part-I-of-N/ and part-I-of-N.json); the merge checks the shards, copies their values into
// the cache, records them in the state and writes the tables with the single run's code, so
// the tables are the single run's, byte for byte.

/// `I/N`: part I (from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX) of N.
public struct BatchPartSpec: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public var description: String { "\(index)/\(count)" }

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    public init(parsing text: String) throws {
        let f = text.split(separator: "/", omittingEmptySubsequences: false)
        guard f.count == 2, let i = Int(f[0]), let n = Int(f[1]) else {
            throw GeoKitError.argument("\(Setting.part, text): give I/N, part I of N counted from 0 (e.g. \(Setting.part, "0/4") ... \(Setting.part, "3/4"))")
        }
        guard n >= 1 else { throw GeoKitError.argument("\(Setting.part, text): N must be at least 1") }
        guard i >= 0 && i < n else {
            throw GeoKitError.argument("\(Setting.part, text): parts count from 0 to N-1 (as SLURM_ARRAY_TASK_ID), so part \(i) of \(n) does not exist; use 0/\(n) to \(n - 1)/\(n)")
        }
        self.init(index: i, count: n)
    }

    var name: String { "part-\(index)-of-\(count)" }
}

/// What the shards of one run share: the manifest's bytes, the zones, the state the parts
/// planned from, and the geotool that computed them.
package struct BatchRunFingerprint: Codable, Equatable {
    var manifest: String
    var zones: String
    var state: String
    var geotool: String
}

/// A part's shard: its share (as `indicator<TAB>path`), the records of the files it has
/// computed so far, their cache files' SHA-256, the inputs it hashed and the zones' units.
package struct BatchPartShard: Codable {
    var part: Int
    var parts: Int
    var run: BatchRunFingerprint
    var complete: Bool
    var items: [String]
    var indicators: [String: BatchIndicatorState]
    var inputs: [String: BatchInputRecord]
    var cacheSHA256: [String: String]
    var zones: BatchZonesCache?
    var bands: Int
    var files: Int
    var passes: Int
}

/// The part a runner computes (`BatchRunner.part`).
package struct BatchPartWork {
    var spec: BatchPartSpec
    var dir: String
    var shardPath: String
    var run: BatchRunFingerprint
    var items: [String] = []
    var cacheSHA256: [String: String] = [:]
    var zones: BatchZonesCache?
    /// Done by this part, over its runs (a rerun after a kill adds to them).
    var bands = 0, files = 0, passes = 0
}

/// The header line of a shard: the format and the SHA-256 of the JSON after it.
private let shardMagic = "geotool-batch-part 1 sha256="

package func batchItemKey(_ indicator: String, _ path: String) -> String { indicator + "\t" + path }

extension BatchRunner {
    package var partsDir: String { manifest.outputDir + "/.geotool-batch-parts" }

    package func runFingerprint() throws -> BatchRunFingerprint {
        guard let m = FileManager.default.contents(atPath: manifest.path) else { throw GeoKitError.input(manifest.path, "cannot read the manifest") }
        let st = FileManager.default.contents(atPath: statePath).map { SHA256.hex($0) } ?? "none"
        return BatchRunFingerprint(manifest: SHA256.hex(m), zones: try zonesKey(), state: st, geotool: GeoKitVersion.string)
    }

    /// The pending work cut into `n` shares of about equal work (bands x cells of each file),
    /// in manifest order (indicator, then date) so that a share keeps an indicator's files
    /// together (one coverage pass for them). The same for every part and the merge: it
    /// depends only on the manifest, the files and the state they all read.
    package func shares(_ plan: [BatchPlanItem], count n: Int) throws -> [[BatchPlanItem]] {
        let pending = plan.filter { $0.status != .unchanged }
        var weights: [Double] = []
        for it in pending {
            let g = try Raster(path: it.path).grid
            weights.append(Double(it.bands) * Double(g.cols) * Double(g.rows))
        }
        let total = weights.reduce(0, +)
        var out = [[BatchPlanItem]](repeating: [], count: n)
        var before = 0.0
        for (it, w) in zip(pending, weights) {
            // The share holding the middle of this item's work.
            let k = total > 0 ? min(n - 1, Int((before + w / 2) / total * Double(n))) : 0
            out[k].append(it)
            before += w
        }
        return out
    }

    // MARK: part

    /// What part `spec` would compute (`--dry-run --part I/N`): its share of the plan.
    public func planPart(_ spec: BatchPartSpec) throws -> [BatchPlanItem] {
        try shares(plan(), count: spec.count)[spec.index]
    }

    /// Compute part `spec` of the pending work into its shard. Rerun after a kill, it keeps
    /// what its shard already holds; rerun after it finished, it has nothing to do.
    public func runPart(_ spec: BatchPartSpec) throws -> BatchReport {
        var report = BatchReport()
        let run = try runFingerprint()
        part = BatchPartWork(spec: spec, dir: partsDir + "/" + spec.name, shardPath: partsDir + "/\(spec.name).json", run: run)
        let (plan, zk) = try begin(&report)
        for d in [part!.dir] + manifest.indicators.map({ part!.dir + "/" + $0.name }) { GeoCore.removeStaleTemporaries(in: d) }
        let share = try shares(plan, count: spec.count)[spec.index]
        part!.items = share.map { batchItemKey($0.indicator, $0.path) }
        report.plan = share
        // A shard of the same run and share (a rerun): what it holds is done.
        let old = (try? readShard(part!.shardPath)).flatMap { $0.run == run && $0.part == spec.index && $0.parts == spec.count && $0.items == part!.items ? $0 : nil }
        if let old { part!.zones = old.zones; (part!.bands, part!.files, part!.passes) = (old.bands, old.files, old.passes) }
        var zonesCache = loadZonesCache().flatMap { $0.zonesKey == zk ? $0 : nil } ?? part!.zones
        var progress = (done: 0, total: share.reduce(0) { $0 + $1.bands })
        for (ii, ind) in manifest.indicators.enumerated() {
            _ = try startIndicator(ind, zonesKey: zk)
            var done = Set<String>()
            if let old, let kept = old.indicators[ind.name] {
                for (p, rec) in kept.sources where part!.items.contains(batchItemKey(ind.name, p)) {
                    let key = ind.name + "/" + rec.cache
                    guard let sum = old.cacheSHA256[key], try check(p).fp == rec.fingerprint,
                          let data = FileManager.default.contents(atPath: part!.dir + "/" + key), SHA256.hex(data) == sum else { continue }
                    state.indicators[ind.name]!.sources[p] = rec
                    part!.cacheSHA256[key] = sum
                    done.insert(p)
                }
                var st = state.indicators[ind.name]!
                st.warnings = Array(Set(st.warnings + kept.warnings)).sorted()
                st.warningKinds = (st.warningKinds ?? [:]).merging(kept.warningKinds ?? [:]) { a, _ in a }
                st.rasterCRS = st.rasterCRS ?? kept.rasterCRS
                state.indicators[ind.name] = st
            }
            let mine = Set(share.filter { $0.indicator == ind.name && !done.contains($0.path) }.map(\.path))
            progress.total -= ind.sources.filter { done.contains($0.path) }.reduce(0) { $0 + $1.bands.count }
            let before = report
            try computeSources(ind, index: ii, ind.sources.filter { mine.contains($0.path) }, zonesKey: zk,
                               zonesCache: &zonesCache, progress: &progress, report: &report)
            part!.bands += report.bandsComputed - before.bandsComputed
            part!.files += report.filesComputed - before.filesComputed
            part!.passes += report.passes - before.passes
        }
        try writeShard(complete: true)
        return report
    }

    /// Write this part's shard: its share, and the records of its files computed so far.
    package func writeShard(complete: Bool) throws {
        guard let w = part else { return }
        let mine = Set(w.items)
        var indicators: [String: BatchIndicatorState] = [:]
        var paths = Set([manifest.zones.path])
        for ind in manifest.indicators {
            guard var st = state.indicators[ind.name] else { continue }
            st.sources = st.sources.filter { mine.contains(batchItemKey(ind.name, $0.key)) }
            // Tables are the merge's.
            st.tableKey = nil; st.table = nil; st.sidecar = nil
            indicators[ind.name] = st
            paths.formUnion(st.sources.keys.map(datasetFile))
            if let wt = ind.weights { paths.insert(wt) }
        }
        let shard = BatchPartShard(part: w.spec.index, parts: w.spec.count, run: w.run, complete: complete, items: w.items,
                                   indicators: indicators, inputs: state.inputs.filter { paths.contains($0.key) },
                                   cacheSHA256: w.cacheSHA256, zones: w.zones, bands: w.bands, files: w.files, passes: w.passes)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let body = try enc.encode(shard)
        var data = Data((shardMagic + SHA256.hex(body) + "\n").utf8)
        data.append(body)
        try writeAtomically(w.shardPath) { tmp in try writeFileChecked(data, to: tmp, displayPath: w.shardPath) }
    }

    /// A shard, its checksum verified.
    package func readShard(_ path: String) throws -> BatchPartShard {
        guard let data = FileManager.default.contents(atPath: path) else { throw GeoKitError.input(path, "cannot read the part file") }
        let corrupt = GeoKitError.input(path, "the part file is corrupt or truncated (its checksum does not match)",
                                        hint: "rerun that part")
        guard let nl = data.firstIndex(of: 0x0A), let head = String(data: data[..<nl], encoding: .utf8), head.hasPrefix(shardMagic) else {
            throw GeoKitError.input(path, "not a geotool batch part file (or one of another format version)", hint: "rerun that part")
        }
        let body = data[(nl + 1)...]
        guard SHA256.hex(body) == head.dropFirst(shardMagic.count) else { throw corrupt }
        guard let shard = try? JSONDecoder().decode(BatchPartShard.self, from: body) else { throw corrupt }
        return shard
    }
}
