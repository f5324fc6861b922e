import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// `geotool batch M --merge`: every shard of OUTDIR/.geotool-batch-parts checked (all N
// present, each once, whole, of this run and holding the share this run gives it), then
// folded into the cache and the state as a single run would have computed them, and the
// tables written by the single run's code. The shards are removed once the state is saved.

extension BatchRunner {
    /// Merge the parts' shards; the report counts the parts' work. `progress(indicators
    /// merged, indicators)` after each indicator's table.
    public func merge(progress: ((Int, Int) -> Void)? = nil) throws -> BatchReport {
        let run = try runFingerprint()
        let shards = try loadShards()
        var report = BatchReport()
        let (plan, zk) = try begin(&report)
        let n = shards[0].shard.parts
        let shares = try shares(plan, count: n)
        for (path, s) in shards {
            try checkShard(s, at: path, run: run, share: shares[s.part])
            report.bandsComputed += s.bands
            report.filesComputed += s.files
            report.passes += s.passes
        }
        report.partsMerged = n
        let fm = FileManager.default
        // The zones' units: the cache's, else the parts' (every part reads the same).
        var zonesCache = loadZonesCache().flatMap { $0.zonesKey == zk ? $0 : nil }
        if zonesCache == nil, let (path, s) = shards.first(where: { $0.shard.zones != nil }) {
            zonesCache = s.zones
            for (other, t) in shards where t.zones.map({ $0.units.map(\.id) != s.zones!.units.map(\.id) }) == true {
                throw GeoKitError.input(other, "the part's zone units differ from those of \((path as NSString).lastPathComponent)", hint: "rerun the parts")
            }
            try writeJSONAtomically(s.zones!, to: cacheDir + "/zones.json")
            report.warnings += persistedWarnings(s.zones!.warnings, kinds: s.zones!.warningKinds, topics: s.zones!.warningTopics)
        }
        // The inputs the parts hashed, so the sidecars need not hash them again.
        for (_, s) in shards {
            for (p, rec) in s.inputs where rec.fingerprint == (try? check(p).fp) && state.inputs[p]?.fingerprint != rec.fingerprint {
                state.inputs[p] = rec
            }
        }
        for (ii, ind) in manifest.indicators.enumerated() {
            let vk = try startIndicator(ind, zonesKey: zk)
            for (path, s) in shards {
                guard let kept = s.indicators[ind.name] else { continue }
                let dir = (path as NSString).deletingPathExtension + "/" + ind.name
                for (p, rec) in kept.sources {
                    guard let data = fm.contents(atPath: dir + "/" + rec.cache) else {
                        throw GeoKitError.input(path, "the values of \(p) (\(dir)/\(rec.cache)) are missing", hint: "rerun that part")
                    }
                    try writeAtomically(cachePath(ind.name, rec.cache)) { tmp in
                        try writeFileChecked(data, to: tmp, displayPath: cachePath(ind.name, rec.cache))
                    }
                    state.indicators[ind.name]!.sources[p] = rec
                }
                var st = state.indicators[ind.name]!
                for w in kept.warnings where !st.warnings.contains(w) {
                    st.warnings.append(w)
                    report.warnings.append(GeoWarning(kept.warningKinds?[w].flatMap(GeoWarning.Kind.init(rawValue:)) ?? .input, "\(ind.name): " + w))
                }
                st.warnings.sort()
                st.warningKinds = (st.warningKinds ?? [:]).merging(kept.warningKinds ?? [:]) { a, _ in a }
                if !kept.sources.isEmpty { st.rasterCRS = kept.rasterCRS ?? st.rasterCRS }
                state.indicators[ind.name] = st
            }
            try finishIndicator(ind, valueKey: vk, zones: zonesCache, report: &report)
            progress?(ii + 1, manifest.indicators.count)
        }
        let vector = try runVector(zonesKey: zk, report: &report)
        try writeFormulaTable(zones: zonesCache, vector: vector, report: &report)
        try writeJSONAtomically(state, to: statePath)
        // Consumed: the next round of parts plans from the state just written.
        for (path, _) in shards {
            try? fm.removeItem(atPath: (path as NSString).deletingPathExtension)
            try? fm.removeItem(atPath: path)
        }
        GeoCore.removeStaleTemporaries(in: partsDir)
        if ((try? fm.contentsOfDirectory(atPath: partsDir)) ?? []).isEmpty { try? fm.removeItem(atPath: partsDir) }
        return report
    }

    /// The shards of one split, each checked whole, sorted by part: all of 0..N-1, each once.
    package func loadShards() throws -> [(path: String, shard: BatchPartShard)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: partsDir)) ?? []).sorted()
        let re = try NSRegularExpression(pattern: #"^part-(\d+)-of-(\d+)\.json$"#)
        var found: [(index: Int, count: Int, name: String)] = []
        for f in names {
            let ns = f as NSString
            guard let m = re.firstMatch(in: f, range: NSRange(location: 0, length: ns.length)),
                  let i = Int(ns.substring(with: m.range(at: 1))), let n = Int(ns.substring(with: m.range(at: 2))) else { continue }
            found.append((i, n, f))
        }
        guard let first = found.first else {
            throw GeoKitError.input(partsDir, "no parts to merge", remedy: .runBatchParts(manifest: manifest.path, parts: nil))
        }
        if let other = found.first(where: { $0.count != first.count }) {
            throw GeoKitError.input(partsDir, "parts of different splits: \(first.name) and \(other.name)", hint: "remove the stale ones, or rerun the parts")
        }
        let n = first.count
        let missing = (0..<n).filter { i in !found.contains { $0.index == i } }
        if !missing.isEmpty {
            throw GeoKitError.input(partsDir, "missing part(s) \(missing.map(String.init).joined(separator: ", ")) of \(n)",
                                    remedy: .runBatchParts(manifest: manifest.path, parts: n))
        }
        var out: [(path: String, shard: BatchPartShard)] = []
        var seen: [Int: String] = [:]
        for f in found {
            let path = partsDir + "/" + f.name
            let s = try readShard(path)
            if let prev = seen[s.part] {
                throw GeoKitError.input(path, "holds part \(s.part) of \(s.parts), as does \(prev) (a copy?)", hint: "rerun part \(f.index)")
            }
            guard s.part == f.index && s.parts == n else {
                throw GeoKitError.input(path, "holds part \(s.part) of \(s.parts), not \(f.index) of \(n) (renamed?)", hint: "rerun part \(f.index)")
            }
            seen[s.part] = f.name
            out.append((path, s))
        }
        return out.sorted { $0.shard.part < $1.shard.part }
    }

    /// A shard belongs to this run, holds the share this run gives its part, is finished, and
    /// its records and cache files are those of the files as they are now.
    package func checkShard(_ s: BatchPartShard, at path: String, run: BatchRunFingerprint, share: [BatchPlanItem]) throws {
        let rerun = Remedy.rerunBatchPart(manifest: manifest.path, part: s.part, parts: s.parts)
        if s.run.geotool != run.geotool {
            throw GeoKitError.input(path, "computed by geotool \(s.run.geotool), not this geotool \(run.geotool)", remedy: rerun)
        }
        if s.run.manifest != run.manifest { throw GeoKitError.input(path, "computed for another manifest (its SHA-256 differs from \(manifest.path)'s)", remedy: rerun) }
        if s.run.zones != run.zones { throw GeoKitError.input(path, "computed for other zones (file, layer, id, include or rollup differ)", remedy: rerun) }
        if s.run.state != run.state {
            throw GeoKitError.input(path, "computed against another state of \(manifest.outputDir) (a run or merge happened since)", remedy: rerun)
        }
        guard s.items == share.map({ batchItemKey($0.indicator, $0.path) }) else {
            throw GeoKitError.input(path, "holds another share of the work than the inputs now give (a file was added or changed since the part ran)", remedy: rerun)
        }
        guard s.complete else { throw GeoKitError.input(path, "is unfinished (the part was stopped before its end)", remedy: rerun) }
        let dir = (path as NSString).deletingPathExtension
        for it in share {
            guard let rec = s.indicators[it.indicator]?.sources[it.path] else {
                throw GeoKitError.input(path, "has no values for \(it.path) (\(it.indicator))", remedy: rerun)
            }
            guard rec.fingerprint == (try check(it.path).fp) else {
                throw GeoKitError.input(path, "\(it.path) changed after the part computed it", remedy: rerun)
            }
            let key = it.indicator + "/" + rec.cache
            guard let data = FileManager.default.contents(atPath: dir + "/" + key), SHA256.hex(data) == s.cacheSHA256[key] else {
                throw GeoKitError.input(path, "the values of \(it.path) (\(dir)/\(key)) are missing or damaged", remedy: rerun)
            }
        }
    }
}
