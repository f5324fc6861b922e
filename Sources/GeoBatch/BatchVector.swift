import Foundation
import Yams
import GeoCore
import GeoGDAL
import GeoKit
import GeoVector

// Running the `vector:` section of a batch manifest (read in BatchVectorManifest.swift):
// the layers summarised per zone by `VectorJob`, written as OUTDIR/vector.csv.

extension BatchVectorLayer {
    var spec: Either {
        switch kind {
        case .points:
            var s = PointLayerSpec(name: name, path: path)
            s.layer = layer; s.filter = filter; s.countBy = countBy; s.sum = sum; s.mean = mean
            s.x = x; s.y = y; s.delimiter = delimiter; s.decimalComma = decimalComma; s.crs = crs
            return .points(s)
        case .lines, .polygons:
            var s = FeatureLayerSpec(name: name, path: path, part: kind == .lines ? .lines : .polygons)
            s.layer = layer; s.filter = filter; s.by = by
            return .features(s)
        }
    }
    enum Either { case points(PointLayerSpec), features(FeatureLayerSpec) }
}

/// What a run keeps of `vector.csv`: its rerun key and the file fingerprints of the table
/// and sidecar it wrote.
package struct BatchVectorState: Codable {
    var key: String
    var table: BatchFingerprint?
    var sidecar: BatchFingerprint?
}

/// The vector table's wide values, kept for the formulas of later runs (OUTDIR/.cache/vector.json).
package struct BatchVectorCache: Codable {
    var key: String
    var columns: [String]
    /// Each unit's level and id ("level\tid"), in the table's order.
    var units: [String]
    var values: [[Double?]]
    /// The table's id field, include fields and each unit's include values (for the
    /// formulas' rows when the manifest has no raster indicator).
    var idField: String? = nil
    var includeFields: [String]? = nil
    var hasRollup: Bool? = nil
    var attributes: [[String]]? = nil

    /// The formulas' units when no raster indicator gives them: the vector table's rows.
    var zonesCache: BatchZonesCache {
        BatchZonesCache(zonesKey: key, units: units.enumerated().map { k, u in
            let bits = u.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return CachedUnit(id: bits.count > 1 ? bits[1] : u, level: bits[0], name: "", attributes: attributes?[k] ?? [], empty: false)
        }, idField: idField ?? "id", includeFields: includeFields ?? [], hasRollup: hasRollup ?? false, zonesCRS: nil,
        warnings: [], layer: "", featureCount: units.count)
    }

    /// Each unit's row by "level\tid", and by id alone where no other unit has it: zonal
    /// names a zone's level from its P-code (MMR001 is a state code), the vector table from
    /// the id field (TS_PCODE: township), so a zone is found by its id.
    var unitIndex: [String: Int] {
        var out: [String: Int] = [:]
        var ids: [String: Int] = [:], seen: [String: Int] = [:]
        for (k, u) in units.enumerated() {
            out[u] = out[u] ?? k
            let id = String(u.split(separator: "\t", maxSplits: 1).last ?? "")
            seen[id, default: 0] += 1
            ids[id] = ids[id] ?? k
        }
        for (id, k) in ids where seen[id] == 1 && out[id] == nil { out[id] = k }
        return out
    }
}

extension BatchRunner {
    package var vectorCachePath: String { cacheDir + "/vector.json" }

    /// The rerun key: the zones, every layer's entry and the content of its file, the format.
    package func vectorKey(zonesKey zk: String) throws -> String {
        var parts = [zk, manifest.format.rawValue, "vector-v3"]
        for v in manifest.vector { parts += [v.signature, try fullHash(v.path)] }
        return sha256(text: parts.joined(separator: "\n"))
    }

    /// Compute and write `vector.csv` when the manifest has `vector:` and its key, table or
    /// sidecar changed; the values for the formulas (nil without `vector:`).
    package func runVector(zonesKey zk: String, report: inout BatchReport) throws -> BatchVectorCache? {
        guard !manifest.vector.isEmpty else { state.vector = nil; return nil }
        let key = try vectorKey(zonesKey: zk)
        let out = BatchRunner.tablePath(manifest, batchVectorTable)
        if let st = state.vector, st.key == key, let t = st.table, let s = st.sidecar,
           (try? batchFingerprint(out)) == t, (try? batchFingerprint(ZonalResult.sidecarPath(for: out))) == s,
           let data = FileManager.default.contents(atPath: vectorCachePath),
           let cache = try? JSONDecoder().decode(BatchVectorCache.self, from: data), cache.key == key {
            report.tablesUpToDate.append(batchVectorTable)
            return cache
        }
        log?("vector: computing \(manifest.vector.map(\.name).joined(separator: ", "))")
        let started = Date()
        let z = manifest.zones
        var job = VectorJob(zonesPath: z.path, idField: z.id)
        job.layer = z.layer
        job.includeFields = z.include
        job.rollupFields = z.rollup
        job.threads = options.threads
        job.withZoneArea = true
        job.countryRow = true   // the raster tables' rows: zones, parents, the country
        for v in manifest.vector {
            switch v.spec {
            case .points(let s): job.points.append(s)
            case .features(let s): job.features.append(s)
            }
        }
        let result = try job.run()
        report.warnings += result.warnings
        let sources = [z.path] + manifest.vector.map(\.path)
        var hashes: [String: String] = [:]
        for p in sources { hashes[p] = try fullHash(p) }
        let run = RunInfo(commandLine: options.commandLine, started: started, seconds: Date().timeIntervalSince(started),
                          hashes: hashes, format: manifest.format, hxl: false)
        let cache = vectorCache(result, key: key)
        try writeJSONAtomically(cache, to: vectorCachePath)
        try result.write(to: out, format: manifest.format, run: run, sources: sources)
        state.vector = BatchVectorState(key: key, table: try batchFingerprint(out), sidecar: try batchFingerprint(ZonalResult.sidecarPath(for: out)))
        try writeJSONAtomically(state, to: statePath)
        report.tablesWritten.append(batchVectorTable)
        report.vectorComputed = true
        return cache
    }

    private func vectorCache(_ r: VectorResult, key: String) -> BatchVectorCache {
        let shown = r.shownColumns
        return BatchVectorCache(key: key, columns: shown.map { r.columns[$0].name }, units: r.units.map { "\($0.level)\t\($0.id)" },
                                values: r.units.map { u in shown.map { c in let x = r.value(u, c); return x.isFinite ? x : nil } },
                                idField: r.idField, includeFields: r.includeFields, hasRollup: r.hasRollup, attributes: r.units.map(\.attributes))
    }
}
