import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// What a batch run keeps between runs (the state file and the zones cache): fingerprints
// and checksums of its inputs, per indicator the values of each source, Codable.

package struct BatchFingerprint: Codable, Equatable, Sendable {
    package var size: Int64
    package var mtime: String
    package var head: String
}

/// Size, modification time (ns) and SHA-256 of the first 64 KiB; of the file behind a
/// GDAL name (`NETCDF:"f.nc":precip`), a folder (a Zarr store) as `folderFingerprint`.
package func batchFingerprint(_ dataset: String) throws -> BatchFingerprint {
    // A remote object: its size, time and ETag (one HEAD request, no download).
    if isRemotePath(dataset) { let o = try RemoteObject(path: dataset); return BatchFingerprint(size: o.size, mtime: "\(o.mtime)", head: o.digest) }
    let path = datasetFile(dataset)
    if let f = try folderFingerprint(path) { return f }
    var st = stat()
    guard stat(path, &st) == 0 else { throw GeoKitError.input(path, "cannot read (\(String(cString: strerror(errno))))") }
    #if os(Linux)
    let mtime = "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    #else
    let mtime = "\(st.st_mtimespec.tv_sec).\(st.st_mtimespec.tv_nsec)"
    #endif
    guard let f = fopen(path, "rb") else { throw GeoKitError.input(path, "cannot read (\(String(cString: strerror(errno))))") }
    defer { fclose(f) }
    var head = [UInt8](repeating: 0, count: 64 << 10)
    let n = fread(&head, 1, head.count, f)
    if n < head.count && ferror(f) != 0 { throw GeoKitError.input(path, "cannot read (\(String(cString: strerror(errno))))") }
    return BatchFingerprint(size: Int64(st.st_size), mtime: mtime, head: SHA256.hex(head[..<n]))
}

package func sha256(text: String) -> String { SHA256.hex(text: text) }
package func sha256(path: String) throws -> String { try SHA256.hex(fileAt: datasetFile(path)) }

package struct BatchInputRecord: Codable { var fingerprint: BatchFingerprint; var sha256: String }
package struct BatchSourceRecord: Codable {
    var fingerprint: BatchFingerprint; var bands: [Int]; var cache: String
    /// The cache's values per band: statistics, and per-class statistics' classes (`frac_2`),
    /// in `batchKeyOrder`; nil (older states): the indicator's statistics.
    var keys: [String]? = nil
    func valueKeys(_ stats: [Statistic]) -> [String] { keys ?? stats.map(\.name) }
}

/// The value key of a column of a `zonal` result: the statistic's name, or for a per-class
/// statistic `PREFIX_CLASS` (`frac_2`, `area_11`) as `zonal` names it.
package func batchKey(_ c: IndicatorColumn) -> String {
    c.classValue.map { "\(c.stat.classColumnPrefix!)_\(formatNumber($0))" } ?? c.stat.name
}

/// The statistic (index into `stats`) a value key belongs to, and its class value, if any.
package func batchKeyStat(_ key: String, _ stats: [Statistic]) -> (stat: Int, classValue: Double?)? {
    if let i = stats.firstIndex(where: { $0.classColumnPrefix == nil && $0.name == key }) { return (i, nil) }
    for (i, st) in stats.enumerated() {
        if let p = st.classColumnPrefix, key.hasPrefix(p + "_"), let v = Double(key.dropFirst(p.count + 1)) { return (i, v) }
    }
    return nil
}

/// Value keys in `zonal`'s column order: by statistic as given, classes in increasing order.
package func batchKeyOrder(_ keys: Set<String>, _ stats: [Statistic]) -> [String] {
    keys.compactMap { k in batchKeyStat(k, stats).map { (k, $0.stat, $0.classValue ?? 0) } }
        .sorted { ($0.1, $0.2) < ($1.1, $1.2) }.map(\.0)
}

package struct BatchIndicatorState: Codable {
    package var valueKey: String
    package var sources: [String: BatchSourceRecord] = [:]
    /// The passes' warnings (messages, sorted) and their kinds by message (see `persistedWarnings`).
    package var warnings: [String] = []
    package var warningKinds: [String: String]?
    package var rasterCRS: String?
    package var tableKey: String?
    package var table: BatchFingerprint?
    package var sidecar: BatchFingerprint?
}

package struct BatchState: Codable {
    package var version = 1
    package var zonesKey: String?
    package var inputs: [String: BatchInputRecord] = [:]
    package var indicators: [String: BatchIndicatorState] = [:]
    /// `vector.csv` (nil: the manifest has no `vector:`).
    package var vector: BatchVectorState?
}

package struct CachedUnit: Codable { var id: String; var level: String; var name: String; var attributes: [String]; var empty: Bool }

/// The result units of the zones (the same for every raster), kept once.
package struct BatchZonesCache: Codable {
    package var zonesKey: String
    package var units: [CachedUnit]
    package var idField: String
    package var includeFields: [String]
    package var hasRollup: Bool
    package var zonesCRS: String?
    /// The zones' warnings (messages) and their kinds by message (see `persistedWarnings`).
    package var warnings: [String]
    package var warningKinds: [String: String]?
    /// The warnings said once per feature, by message: topic, feature and file (so a merge
    /// says a file's many of one topic in one line, as the run that read them).
    package var warningTopics: [String: [String]]?
    package var layer: String
    package var featureCount: Int
    package var pcodeVersion: String?
    package var idLevel: Int?
}

/// Warnings as the state and the zones cache keep them: the messages, as they always were,
/// and beside them each one's kind (`GeoWarning.Kind` raw value) by message. The kinds came
/// later and are optional, so that older states and caches still read; their warnings come
/// back as `input`, the kind they were always given.
package func persistedWarnings(_ messages: [String], kinds: [String: String]?, topics: [String: [String]]? = nil) -> [GeoWarning] {
    messages.map { m in
        let kind = kinds?[m].flatMap(GeoWarning.Kind.init(rawValue:)) ?? .input
        guard let t = topics?[m], t.count == 3, let topic = GeoWarning.Topic(rawValue: t[0]) else { return GeoWarning(kind, m) }
        return GeoWarning(kind, file: t[2], m, topic: topic, subject: t[1])
    }
}

/// `persistedWarnings`'s topics of `warnings`, by message (nil when none has one).
package func warningTopics(_ warnings: [GeoWarning]) -> [String: [String]]? {
    var out: [String: [String]] = [:]
    for w in warnings { if let t = w.topic { out[w.message] = [t.rawValue, w.subject ?? "", w.file ?? ""] } }
    return out.isEmpty ? nil : out
}

package func writeJSONAtomically<T: Encodable>(_ value: T, to path: String) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    let data = try enc.encode(value)
    try writeAtomically(path) { tmp in
        try writeFileChecked(data, to: tmp, displayPath: path)
    }
}
