import Foundation
import GeoCore

/// Zones' coverage of a grid kept between runs (xagg's saved weights, in memory): a job run
/// again with other rasters on the same grid, with the same zones and method, reuses each
/// row band's coverage instead of computing it. Set on `ZonalJob.coverageCache` (the C
/// interface keeps one per job); the caller must give it the same zones every run (a new
/// set of zones needs a new cache). Runs cut into row parts (`--split rows`) neither use nor
/// fill it.
public final class CoverageCache: @unchecked Sendable {
    // @unchecked: every field is behind `lock`.
    struct Key: Equatable {
        var grid: Grid, method: CoverageMethod, bandRows: Int, zoneCount: Int
        /// The zones' CRS (the same zones in another CRS cover other cells).
        var zones: String
    }
    struct Entry {
        var key: Key
        var prepared: PreparedZones
        var coverages: [CoverageList]
    }
    private let lock = NSLock()
    private var entries: [Entry] = []
    /// Runs that found their coverage here (tests check reuse with it).
    public private(set) var hits = 0

    public init() {}

    func lookup(_ key: Key) -> Entry? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        hits += 1
        return e
    }

    func store(_ entry: Entry) {
        lock.lock(); defer { lock.unlock() }
        entries.removeAll { $0.key == entry.key }
        entries.append(entry)
    }
}

/// Zones read once (checked, in the raster's CRS) and kept for the next runs of a job with
/// the same zones: a run whose first raster has the same CRS reuses them instead of reading
/// the zones again. Set on `ZonalJob.zoneCache`; a new set of zones needs a new cache.
public final class ZoneCache: @unchecked Sendable {
    // @unchecked: every field is behind `lock`.
    private let lock = NSLock()
    private var entries: [(crs: String, input: ZoneInput)] = []
    /// Runs that found their zones here.
    public private(set) var hits = 0

    public init() {}

    func lookup(crs: String) -> ZoneInput? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries.first(where: { $0.crs == crs }) else { return nil }
        hits += 1
        return e.input
    }

    func store(crs: String, _ input: ZoneInput) {
        lock.lock(); defer { lock.unlock() }
        entries.removeAll { $0.crs == crs }
        entries.append((crs, input))
    }
}
