import CGeo
import Foundation
import GeoCore

// Reading a zones layer in parallel. With 10^5 small zones, reading is a third of a run
// and OGR reads one feature at a time on one handle. A layer whose features can be
// positioned on exactly is cut into ranges of feature indexes; each range is read on its
// own handle by its own reader, and the ranges are joined in order, so the zones, their
// indexes and the warnings are those of one reader going through the layer:
// - GeoPackage (and SQLite) tables: a range is a FID interval (FIDs are the table's rowids,
//   read in rowid order); the FID starting each range is looked up by its position (OFFSET).
// - Shapefiles and FlatGeobuf when they seek fast (OLCFastSetNextByIndex) and their FIDs
//   are the features' positions: a range starts with SetNextByIndex.
// Anything else (a --where filter, views, other drivers, a range that read other features
// than planned or on which GDAL warned) is read by one reader.
// A worker opens its handle once, on its first range, and positions it anew for each range it
// takes (opening a GeoPackage is a few milliseconds: with a handle per range, the opens of 8
// ranges weighed as much as reading 13,726 village tracts). So there can be more ranges than
// workers at no cost, and a count of ranges that is a multiple of the workers keeps them
// busy to the end.

/// A range of features, and how a fresh handle is put at its start.
struct LayerRange {
    enum Start { case fid(Int64, end: Int64?), index }
    var first: Int
    var count: Int
    var start: Start
}

/// Zones read from a layer, with what the readers noticed along the way.
struct ZonesRead {
    var zones: [Zone]
    var reader: ZoneFeatureReader
}

extension VectorDataset {
    /// Every feature through one reader, on this handle.
    func readSerially(_ l: OGRLayerH, expected: Int, newReader: () throws -> ZoneFeatureReader) throws -> ZonesRead {
        let reader = try newReader()
        var zones: [Zone] = []
        zones.reserveCapacity(expected)
        OGR_L_ResetReading(l)
        var index = 0
        while let f = OGR_L_GetNextFeature(l) {
            defer { OGR_F_Destroy(f); index += 1 }
            zones.append(try reader.read(f, index: index))
        }
        return ZonesRead(zones: zones, reader: reader)
    }

    /// The layer read in ranges on `threads` threads, or nil when it cannot be split exactly
    /// (too few features, a filter, a driver that cannot seek, or a range that read other
    /// features than planned).
    func readInParallel(_ l: OGRLayerH, layerName: String, total: Int, filter: String?, threads: Int, minPerRange: Int,
                        newReader: () throws -> ZoneFeatureReader) throws -> ZonesRead? {
        let minPerRange = max(1, minPerRange)   // 0 divided the count by zero
        guard threads > 1, filter == nil, total >= 2 * minPerRange,
              let ranges = layerRanges(l, layerName: layerName, total: total,
                                       parts: layerRangeCount(total: total, threads: threads, minPerRange: minPerRange))
        else { return nil }
        PhaseTiming.mark("zones: \(ranges.count) ranges planned")
        // Readers are made here, on one thread (their PROJ objects are made from shared ones).
        let readers = try ranges.map { _ in try newReader() }
        // Each range's outcome: the zones it placed, or its error (the one reported is the
        // first in layer order); nil when it did not read exactly its range.
        var placed = [Result<Int, Error>?](repeating: nil, count: ranges.count)
        let path = self.path
        // One range not read exactly dooms the join (the layer is read again by one reader):
        // the other ranges stop early (a shapefile with a deleted record took 1.7 times as long).
        let stop = Cancellation()
        var zones = [Zone](unsafeUninitializedCapacity: total) { buffer, count in
            let base = buffer.baseAddress!
            placed.withUnsafeMutableBufferPointer { out in
                let out = out
                let ignored = readers[0].rules.ignoredFields
                WorkerPool(threads: threads).run(tasks: ranges.count, cancellation: stop, state: {
                    RangeHandle(path: path, layer: layerName, ignoredFields: ignored)
                }) { handle, k in
                    var n = 0
                    do {
                        let exact = try Self.read(range: ranges[k], on: handle, into: readers[k], stop: stop) { z in
                            (base + ranges[k].first + n).initialize(to: z); n += 1
                        }
                        out[k] = exact ? .success(n) : nil
                    } catch {
                        out[k] = .failure(error)
                    }
                    // A range that failed keeps none of its zones.
                    if case .success = out[k] {} else { (base + ranges[k].first).deinitialize(count: n); stop.cancel() }
                }
            }
            let complete = placed.allSatisfy { if case .success = $0 { return true } else { return false } }
            if complete { count = total; return }
            // Not every range was read: take back those that were (the layer is read serially).
            for (k, p) in placed.enumerated() { if case .success(let n) = p { (base + ranges[k].first).deinitialize(count: n) } }
            count = 0
        }
        PhaseTiming.mark("zones: ranges read")
        // An error stands when every range before it was read exactly: after one that was not,
        // positions may be off (a missing row under a stale count), and one reader meets the
        // error again at its true position.
        for p in placed {
            guard let p else { break }
            if case .failure(let e) = p { throw e }
        }
        guard zones.count == total else { zones = []; return nil }
        for r in readers.dropFirst() { readers[0].append(r) }
        return ZonesRead(zones: zones, reader: readers[0])
    }

    /// Read `range` on the worker's own handle, each zone to `place`; false when what was read
    /// is not exactly the range.
    private static func read(range: LayerRange, on handle: RangeHandle, into reader: ZoneFeatureReader, stop: Cancellation,
                             place: (Zone) -> Void) throws -> Bool {
        // What GDAL says on opening the file and the layer was said once by the main handle
        // (a warning per range repeated it on stderr and in the sidecar): this handle is
        // opened and positioned quietly, and if it cannot be, one reader reads the layer.
        CPLPushErrorHandler(CPLQuietErrorHandler)
        let positioned: OGRLayerH? = handle.layer().flatMap { l in
            switch range.start {
            case .fid(let lo, let hi):
                let fid = quotedIdentifier(String(cString: OGR_L_GetFIDColumn(l)))
                let where_ = hi.map { "\(fid) >= \(lo) AND \(fid) < \($0)" } ?? "\(fid) >= \(lo)"
                guard OGR_L_SetAttributeFilter(l, where_) == OGRERR_NONE else { return nil }
                OGR_L_ResetReading(l)
            case .index:
                OGR_L_ResetReading(l)
                guard OGR_L_SetNextByIndex(l, GIntBig(range.first)) == OGRERR_NONE else { return nil }
            }
            return l
        }
        CPLPopErrorHandler()
        guard let l = positioned else { return false }
        // GDAL warns on some contents once per handle (a GeoPackage's invalid date: once on one
        // reader, once per range here): a warning sends the layer to one reader, which says
        // what it says when read alone.
        let warned = WarningSeen()
        CPLPushErrorHandlerEx(noteWarning, Unmanaged.passUnretained(warned).toOpaque())
        defer { CPLPopErrorHandler() }
        if case .fid = range.start,
           let exact = try readArrow(range: range, layer: l, other: handle.otherLayer, reader: reader, stop: stop, place: place) {
            return withExtendedLifetime(warned) { exact && !warned.seen }
        }
        var previous: Int64?
        for i in 0..<range.count {
            if i % 256 == 0 && stop.isCancelled { return false }
            guard let f = OGR_L_GetNextFeature(l) else { return false }
            defer { OGR_F_Destroy(f) }
            if warned.seen { return false }
            let fid = Int64(OGR_F_GetFID(f))
            // Positions and FIDs must agree, in order: no deleted record slipped in.
            if case .index = range.start, fid != Int64(range.first + i) { return false }
            if let p = previous, fid <= p { return false }
            previous = fid
            place(try reader.read(f, index: range.first + i))
        }
        if case .fid = range.start, let f = OGR_L_GetNextFeature(l) { OGR_F_Destroy(f); return false }
        return withExtendedLifetime(warned) { !warned.seen }
    }

    /// `parts` ranges of near-equal size over the layer's `total` features, or nil.
    /// (`layerRangeCount` chooses `parts`.)
    func layerRanges(_ l: OGRLayerH, layerName: String, total: Int, parts: Int) -> [LayerRange]? {
        guard parts > 1 else { return nil }
        let firsts = (0..<parts).map { $0 * total / parts }
        let counts = firsts.indices.map { k in (k + 1 < parts ? firsts[k + 1] : total) - firsts[k] }
        if ["GPKG", "SQLite"].contains(driverName) {
            let fidColumn = String(cString: OGR_L_GetFIDColumn(l))
            // A view lists its rows in its own order, not necessarily by FID: tables only.
            guard !fidColumn.isEmpty, isTable(layerName) else { return nil }
            var fids: [Int64] = []
            // FIDs 1...n without gaps (as GDAL and QGIS write them): position p has FID min + p.
            if let (lo, hi) = fidBounds(fidColumn: fidColumn, table: layerName), hi - lo + 1 == Int64(total) {
                fids = firsts.map { lo + Int64($0) }
            } else {
                for first in firsts {
                    guard let fid = fidAt(position: first, fidColumn: fidColumn, table: layerName) else { return nil }
                    fids.append(fid)
                }
            }
            guard zip(fids, fids.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            return firsts.indices.map { k in
                LayerRange(first: firsts[k], count: counts[k], start: .fid(fids[k], end: k + 1 < parts ? fids[k + 1] : nil))
            }
        }
        // Only where opening a handle is cheap: GeoJSON (an in-memory layer that seeks fast)
        // is parsed whole by every handle, which made 8 ranges 5 times slower than one reader.
        guard ["ESRI Shapefile", "FlatGeobuf"].contains(driverName),
              OGR_L_TestCapability(l, OLCFastSetNextByIndex) != 0 else { return nil }
        return firsts.indices.map { LayerRange(first: firsts[$0], count: counts[$0], start: .index) }
    }

    /// The FID of the feature at `position` in rowid order (SQLite's own SQL). Selected
    /// bare, the FID column would be the result's FID rather than a field: it is cast.
    private func fidAt(position: Int, fidColumn: String, table: String) -> Int64? {
        let c = quotedIdentifier(fidColumn)
        return integer("SELECT CAST(\(c) AS INTEGER) FROM \(quotedIdentifier(table)) ORDER BY \(c) LIMIT 1 OFFSET \(position)")
    }
}

extension VectorDataset {
    /// The least and greatest FID of a table: one query each, as SQLite answers a lone
    /// MIN or MAX from the rowid index but scans the table for both together.
    fileprivate func fidBounds(fidColumn: String, table: String) -> (Int64, Int64)? {
        let c = quotedIdentifier(fidColumn), t = quotedIdentifier(table)
        guard let lo = integer("SELECT MIN(\(c)) FROM \(t)"), let hi = integer("SELECT MAX(\(c)) FROM \(t)") else { return nil }
        return (lo, hi)
    }

    /// True when `name` is a table of the database (not a view).
    fileprivate func isTable(_ name: String) -> Bool {
        integer("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '\(name.replacingOccurrences(of: "'", with: "''"))'") == 1
    }

    /// The first column of the first row of an SQL query, as an integer.
    fileprivate func integer(_ sql: String) -> Int64? {
        guard let rs = GDALDatasetExecuteSQL(handle, sql, nil, nil) else { return nil }
        defer { GDALDatasetReleaseResultSet(handle, rs) }
        guard let f = OGR_L_GetNextFeature(rs) else { return nil }
        defer { OGR_F_Destroy(f) }
        guard OGR_F_GetFieldCount(f) > 0, OGR_F_IsFieldSetAndNotNull(f, 0) != 0 else { return nil }
        return Int64(OGR_F_GetFieldAsInteger64(f, 0))
    }
}

/// How many ranges `threads` workers cut a layer of `total` features into: at least
/// `minPerRange` features each, at most 4 per worker, and a multiple of the workers when
/// there are more ranges than workers (3 equal ranges on 2 workers left one idle for the
/// last third). Fewer than 2 means one reader.
package func layerRangeCount(total: Int, threads: Int, minPerRange: Int) -> Int {
    let threads = max(1, threads)
    let most = min(4 * threads, total / max(1, minPerRange))
    guard most > threads else { return most }
    // Rounded up to whole rounds of the workers: a range then holds a little less than the
    // minimum, which bounded the cost of a handle's open when every range opened its own.
    return min(4 * threads, (most + threads - 1) / threads * threads)
}

/// A worker's handle on the layer: opened quietly on its first range, positioned anew for
/// each range it takes, closed when the worker is done. A second handle, opened when first
/// needed, fetches by FID the features the Arrow stream cannot make.
final class RangeHandle {
    private let path: String, layerName: String, ignoredFields: [String]
    private var ds: GDALDatasetH?, l: OGRLayerH?, opened = false
    private var other: (ds: GDALDatasetH, layer: OGRLayerH)?, otherOpened = false

    init(path: String, layer: String, ignoredFields: [String]) {
        self.path = path; self.layerName = layer; self.ignoredFields = ignoredFields
    }
    deinit {
        if let ds { GDALClose(ds) }
        if let other { GDALClose(other.ds) }
    }

    /// The layer (nil when it cannot be opened), with the fields no zone needs ignored.
    func layer() -> OGRLayerH? {
        if !opened {
            opened = true
            (ds, l) = open()
        }
        return l
    }

    /// The second handle's layer, for `OGR_L_GetFeature`.
    func otherLayer() -> OGRLayerH? {
        if !otherOpened {
            otherOpened = true
            let (d, ol) = open()
            if let d, let ol { other = (d, ol) } else if let d { GDALClose(d) }
        }
        return other?.layer
    }

    private func open() -> (GDALDatasetH?, OGRLayerH?) {
        GDAL.initialize()   // this thread's GDAL settings (a worker thread)
        CPLPushErrorHandler(CPLQuietErrorHandler)
        defer { CPLPopErrorHandler() }
        guard let d = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil) else { return (nil, nil) }
        guard let layer = GDALDatasetGetLayerByName(d, layerName) else { return (d, nil) }
        ignoreFields(ignoredFields, on: layer)
        return (d, layer)
    }
}

/// Whether GDAL warned on a range's handle (its own thread's handler).
final class WarningSeen { var seen = false }

/// Notes a GDAL warning in the `WarningSeen` pushed with it, less the unclosed-ring one.
let noteWarning: CPLErrorHandler = { errClass, _, message in
    guard errClass == CE_Warning, let message, let data = CPLGetErrorHandlerUserData() else { return }
    if isUnclosedRingWarning(String(cString: message)) { return }
    Unmanaged<WarningSeen>.fromOpaque(data).takeUnretainedValue().seen = true
}

/// An SQL identifier in double quotes.
func quotedIdentifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

extension VectorDataset {
    /// True when `threads` readers read the layer in ranges, false when it falls back to one
    /// reader: tests see which path a layer takes (the zones read are `readZones`' business).
    package func readsInParallel(layer name: String? = nil, threads: Int, minFeaturesPerRange: Int) throws -> Bool {
        let l = try layer(named: name)
        let rules = ZoneReadRules(path: path, idField: "", idIndex: 0, includeIndexes: [], pcodeVersionIndex: nil,
                                  integerFields: [], keepWKB: false, checkDegrees: false, pointsAndLines: true)
        return try readInParallel(l, layerName: String(cString: OGR_L_GetName(l)), total: Int(OGR_L_GetFeatureCount(l, 1)),
                                  filter: nil, threads: threads, minPerRange: minFeaturesPerRange) {
            ZoneFeatureReader(rules, transform: nil, discs: nil)
        } != nil
    }
}
