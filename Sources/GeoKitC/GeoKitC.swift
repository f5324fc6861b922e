import Foundation
import GeoCore
import GeoJoin
import GeoKit

// The C interface (include/geokit.h): a job object a caller fills (zones, rasters,
// statistics), runs, and reads back as column buffers. Every function takes the job it
// acts on and keeps its state (results, last error, the strings it hands out) in that
// job, so two threads with two jobs share nothing here. A job is used by one thread at a
// time. Strings and buffers handed out stay valid until the next run or `geokit_job_free`.

/// What a C caller holds behind `geokit_job *`.
final class CJob {
    var zonesPath: String?
    var layer: String?
    var idField = MemoryZones.idField
    var memoryZones: MemoryZones?
    var rasters: [RasterSpec] = []
    var stats: [Statistic] = [.mean]
    var method: CoverageMethod = .exact
    var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The run's memory bound (decoded blocks, zones, result values): half the machine's
    /// memory unless set. geotool's 512 MB default suits a shared server; a library's caller
    /// holds the results in its own process anyway (200,000 zones x 90 steps x 2 statistics
    /// are 288 MB of values).
    var maxMemory = Int(ProcessInfo.processInfo.physicalMemory / 2)
    var result: ZonalResult?
    /// The added columns of the last join (geokit_job_join).
    var joinTable: Table?
    var columns: [IndicatorColumn] = []
    var error: GeoKitError?
    /// Progress of the current run, read by `geokit_job_progress` from another thread.
    let progressLock = NSLock()
    var done = 0, total = 0
    /// C strings and value buffers handed out, freed with the job (or the next run).
    var strings: [String: UnsafeMutablePointer<CChar>] = [:]
    var buffers: [Int: UnsafeMutablePointer<Double>] = [:]
    var memoryCount = 0
    /// Zones read and their coverage, kept between runs until the zones change.
    var zoneCache = ZoneCache()
    var coverageCache = CoverageCache()

    func zonesChanged() { zoneCache = ZoneCache(); coverageCache = CoverageCache() }

    func cString(_ key: String, _ value: String) -> UnsafePointer<CChar> {
        if let p = strings[key] { return UnsafePointer(p) }
        let p = strdup(value)!
        strings[key] = p
        return UnsafePointer(p)
    }

    func clearOutputs() {
        for p in strings.values { free(p) }
        for p in buffers.values { p.deallocate() }
        strings = [:]; buffers = [:]
        result = nil; columns = []; joinTable = nil
    }

    deinit { clearOutputs() }
}

private func job(_ p: OpaquePointer) -> CJob { Unmanaged<CJob>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue() }

/// Run `body`, recording a thrown error in the job: 0 on success, -1 on error.
private func attempt(_ j: CJob, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch let e as GeoKitError {
        j.error = e
    } catch {
        j.error = GeoKitError(.internal, "internal error: \(error)")
    }
    return -1
}

private func string(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

// MARK: - Jobs

@_cdecl("geokit_version")
public func geokit_version() -> UnsafePointer<CChar> {
    UnsafePointer(versionString)
}
private let versionString = strdup(GeoKitVersion.string)!

@_cdecl("geokit_job_new")
public func geokit_job_new() -> OpaquePointer {
    // Messages name settings as a keyword caller writes them (`layer=`, not `--layer`).
    Setting.style = .keyword
    return OpaquePointer(Unmanaged.passRetained(CJob()).toOpaque())
}

@_cdecl("geokit_job_free")
public func geokit_job_free(_ p: OpaquePointer?) {
    guard let p else { return }
    // Freed on another thread: a cube's results are 10^5 rows of arrays, a tenth of a
    // second of frees the caller need not wait for. The job holds no caller memory it
    // would touch when freed (arrays given in place are only pointed to).
    releaseInBackground(Unmanaged<CJob>.fromOpaque(UnsafeRawPointer(p)).takeRetainedValue())
}

@_cdecl("geokit_job_set_zones_path")
public func geokit_job_set_zones_path(_ p: OpaquePointer, _ path: UnsafePointer<CChar>, _ layer: UnsafePointer<CChar>?,
                                      _ idField: UnsafePointer<CChar>) -> Int32 {
    let j = job(p)
    j.zonesPath = String(cString: path); j.layer = string(layer); j.idField = String(cString: idField)
    j.memoryZones = nil
    j.zonesChanged()
    return 0
}

@_cdecl("geokit_job_set_zones_wkb")
public func geokit_job_set_zones_wkb(_ p: OpaquePointer, _ count: Int64, _ wkb: UnsafePointer<UnsafePointer<UInt8>?>,
                                     _ sizes: UnsafePointer<Int64>, _ ids: UnsafePointer<UnsafePointer<CChar>?>,
                                     _ crs: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?) -> Int32 {
    let j = job(p)
    return attempt(j) {
        guard count > 0 else { throw GeoKitError.argument("no zones given") }
        let n = Int(count)
        var geoms = [[UInt8]](), names = [String]()
        geoms.reserveCapacity(n); names.reserveCapacity(n)
        for i in 0..<n {
            let size = Int(sizes[i])
            geoms.append(size > 0 && wkb[i] != nil ? Array(UnsafeBufferPointer(start: wkb[i], count: size)) : [])
            names.append(string(ids[i]) ?? "")
        }
        let label = string(name) ?? "<zones in memory>"
        j.memoryZones = MemoryZones(name: label, wkb: geoms, ids: names, crs: string(crs).flatMap { $0.isEmpty ? nil : $0 })
        j.zonesPath = label; j.layer = nil; j.idField = MemoryZones.idField
        j.zonesChanged()
    }
}

@_cdecl("geokit_job_add_raster_path")
public func geokit_job_add_raster_path(_ p: OpaquePointer, _ name: UnsafePointer<CChar>, _ path: UnsafePointer<CChar>,
                                       _ band: Int32) -> Int32 {
    let j = job(p)
    return attempt(j) {
        guard band >= 0 else { throw GeoKitError.argument("band numbers start at 1 (0: every band), not \(band)") }
        j.rasters.append(RasterSpec(name: String(cString: name), path: String(cString: path), band: band == 0 ? nil : Int(band)))
    }
}

/// The pixel type of a `GEOKIT_*` dtype code (the order of `PixelType.allCases`).
private func pixelType(_ code: Int32) -> PixelType? {
    let all: [PixelType] = [.uint8, .int8, .uint16, .int16, .uint32, .int32, .float32, .float64]
    return code >= 0 && Int(code) < all.count ? all[Int(code)] : nil
}

@_cdecl("geokit_job_add_raster_array")
public func geokit_job_add_raster_array(_ p: OpaquePointer, _ name: UnsafePointer<CChar>, _ data: UnsafeRawPointer,
                                        _ dtype: Int32, _ bands: Int64, _ rows: Int64, _ cols: Int64,
                                        _ geotransform: UnsafePointer<Double>, _ crs: UnsafePointer<CChar>?,
                                        _ hasNodata: Int32, _ nodata: Double,
                                        _ bandLabels: UnsafePointer<UnsafePointer<CChar>?>?) -> Int32 {
    let j = job(p)
    return attempt(j) {
        let label = String(cString: name)
        guard let type = pixelType(dtype) else { throw GeoKitError.argument("\(label): unknown dtype code \(dtype)") }
        guard bands > 0, rows > 0, cols > 0 else { throw GeoKitError.argument("\(label): an empty array (\(bands) x \(rows) x \(cols))") }
        let gt = (0..<6).map { geotransform[$0] }
        guard let grid = Grid(geotransform: gt, cols: Int(cols), rows: Int(rows)) else {
            throw GeoKitError.argument("\(label): the transform \(gt) is not north-up (rotation terms must be 0, the pixel height negative)",
                                       hint: "flip the rows so that the first row is the northernmost")
        }
        // Unique within the job: sources are keyed by it (a worker's readers).
        j.memoryCount += 1
        let key = j.rasters.contains { $0.path == "<array \(label)>" } ? "<array \(label)#\(j.memoryCount)>" : "<array \(label)>"
        let raster = BufferRaster(name: key, base: data, type: type, bandCount: Int(bands), grid: grid,
                                  nodata: hasNodata != 0 ? nodata : nil)
        let dates: [String?] = bandLabels.map { l in (0..<Int(bands)).map { string(l[$0]) } } ?? []
        let m = MemoryRaster(source: raster.opener, grid: grid, bands: raster.bands,
                             crs: string(crs).flatMap { $0.isEmpty ? nil : $0 }, dates: dates)
        j.rasters.append(RasterSpec(name: label, memory: m))
    }
}

/// Forget the rasters added (to run the same zones over others: their coverage is kept).
@_cdecl("geokit_job_clear_rasters")
public func geokit_job_clear_rasters(_ p: OpaquePointer) {
    job(p).rasters = []
}

/// Runs of this job that reused the zones' coverage of an earlier run.
@_cdecl("geokit_job_coverage_reused")
public func geokit_job_coverage_reused(_ p: OpaquePointer) -> Int64 { Int64(job(p).coverageCache.hits) }

@_cdecl("geokit_job_set_stats")
public func geokit_job_set_stats(_ p: OpaquePointer, _ stats: UnsafePointer<CChar>) -> Int32 {
    let j = job(p)
    return attempt(j) {
        let list = try String(cString: stats).split(separator: ",").map { try Statistic(parsing: String($0)) }
        guard !list.isEmpty else { throw GeoKitError.argument("no statistics requested") }
        j.stats = list
    }
}

@_cdecl("geokit_job_set_method")
public func geokit_job_set_method(_ p: OpaquePointer, _ method: UnsafePointer<CChar>) -> Int32 {
    let j = job(p)
    return attempt(j) {
        let s = String(cString: method).replacingOccurrences(of: "_", with: "-")
        guard let m = CoverageMethod(rawValue: s) else {
            throw GeoKitError.argument("unknown method '\(s)' (methods: \(CoverageMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        j.method = m
    }
}

@_cdecl("geokit_job_set_threads")
public func geokit_job_set_threads(_ p: OpaquePointer, _ threads: Int32) -> Int32 {
    let j = job(p)
    j.threads = threads > 0 ? Int(threads) : ProcessInfo.processInfo.activeProcessorCount
    return 0
}

@_cdecl("geokit_job_set_max_memory")
public func geokit_job_set_max_memory(_ p: OpaquePointer, _ megabytes: Int64) -> Int32 {
    let j = job(p)
    j.maxMemory = megabytes > 0 ? Int(megabytes) << 20 : Int(ProcessInfo.processInfo.physicalMemory / 2)
    return 0
}

// MARK: - Running

public typealias GeoKitProgress = @convention(c) (Int64, Int64, UnsafeMutableRawPointer?) -> Void

@_cdecl("geokit_job_run")
public func geokit_job_run(_ p: OpaquePointer, _ progress: GeoKitProgress?, _ user: UnsafeMutableRawPointer?,
                           _ cancel: UnsafePointer<Int32>?) -> Int32 {
    let j = job(p)
    j.clearOutputs()
    j.error = nil
    j.progressLock.lock(); j.done = 0; j.total = 0; j.progressLock.unlock()
    return attempt(j) {
        guard let zonesPath = j.zonesPath else { throw GeoKitError.argument("no zones set (geokit_job_set_zones_path or geokit_job_set_zones_wkb)") }
        guard !j.rasters.isEmpty else { throw GeoKitError.argument("no raster added (geokit_job_add_raster_path or geokit_job_add_raster_array)") }
        var zj = ZonalJob(zonesPath: zonesPath, layer: j.layer, idField: j.idField, rasters: j.rasters, stats: j.stats, method: j.method)
        zj.memoryZones = j.memoryZones
        zj.threads = j.threads
        zj.maxMemory = j.maxMemory
        zj.allowDuplicateIDs = true
        zj.zoneCache = j.zoneCache
        zj.coverageCache = j.coverageCache
        let cancellation = Cancellation()
        zj.cancellation = cancellation
        let watcher = cancel.map { CancelWatcher(flag: $0, cancellation: cancellation) }
        defer { watcher?.stop() }
        if let cancel, cancel.pointee != 0 { throw GeoKitError(.cancelled, "cancelled") }
        // GEOTOOL_TIMING=1: the run's phases on stderr, as geotool prints them.
        if PhaseTiming.enabled { PhaseTiming.begin(sink: { FileHandle.standardError.write(Data($0.utf8)) }) }
        PhaseTiming.mark("run started")
        let r = try zj.run { done, total in
            j.progressLock.lock(); j.done = done; j.total = total; j.progressLock.unlock()
            progress?(Int64(done), Int64(total), user)
        }
        j.result = r
        j.columns = r.indicatorColumns
        PhaseTiming.mark("results made")
    }
}

/// Polls the caller's flag on a thread of its own and cancels the run when it is set: the
/// engine checks the cancellation between row bands.
private final class CancelWatcher: @unchecked Sendable {
    // @unchecked: `flag` is only read (the caller writes it), `running` is behind the lock.
    private let flag: UnsafePointer<Int32>
    private let cancellation: Cancellation
    private let lock = NSLock()
    private var running = true

    init(flag: UnsafePointer<Int32>, cancellation: Cancellation) {
        self.flag = flag; self.cancellation = cancellation
        Thread.detachNewThread { [self] in watch() }
    }
    private func watch() {
        while isRunning {
            if UnsafeRawPointer(flag).load(as: Int32.self) != 0 { cancellation.cancel(); return }
            usleep(10_000)
        }
    }
    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }
    func stop() { lock.lock(); running = false; lock.unlock() }
}

@_cdecl("geokit_job_progress")
public func geokit_job_progress(_ p: OpaquePointer, _ done: UnsafeMutablePointer<Int64>, _ total: UnsafeMutablePointer<Int64>) {
    let j = job(p)
    j.progressLock.lock(); done.pointee = Int64(j.done); total.pointee = Int64(j.total); j.progressLock.unlock()
}

// MARK: - Errors

@_cdecl("geokit_job_error_kind")
public func geokit_job_error_kind(_ p: OpaquePointer) -> Int32 {
    guard let e = job(p).error else { return 0 }
    switch e.kind {
    case .input: return 1
    case .crs: return 2
    case .argument: return 3
    case .io: return 4
    case .cancelled: return 5
    case .internal: return 6
    }
}

@_cdecl("geokit_job_error_file")
public func geokit_job_error_file(_ p: OpaquePointer) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let f = j.error?.file else { return nil }
    return j.cString("error.file\u{0}" + f, f)
}

@_cdecl("geokit_job_error_message")
public func geokit_job_error_message(_ p: OpaquePointer) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let e = j.error else { return nil }
    return j.cString("error.message\u{0}" + e.messageWithHint, e.messageWithHint)
}

// MARK: - Results

@_cdecl("geokit_result_rows")
public func geokit_result_rows(_ p: OpaquePointer) -> Int64 { Int64(job(p).result?.units.count ?? 0) }

@_cdecl("geokit_result_columns")
public func geokit_result_columns(_ p: OpaquePointer) -> Int64 { Int64(job(p).columns.count) }

@_cdecl("geokit_result_column_name")
public func geokit_result_column_name(_ p: OpaquePointer, _ i: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard i >= 0 && Int(i) < j.columns.count else { return nil }
    return j.cString("col\(i)", j.columns[Int(i)].name)
}

@_cdecl("geokit_result_column_stat")
public func geokit_result_column_stat(_ p: OpaquePointer, _ i: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard i >= 0 && Int(i) < j.columns.count else { return nil }
    let c = j.columns[Int(i)]
    let name = c.classValue.map { "\(c.stat.classColumnPrefix!)_\(formatNumber($0))" } ?? c.stat.name
    return j.cString("stat\(i)", name)
}

@_cdecl("geokit_result_column_band")
public func geokit_result_column_band(_ p: OpaquePointer, _ i: Int64) -> Int64 {
    let j = job(p)
    guard i >= 0 && Int(i) < j.columns.count else { return -1 }
    return Int64(j.columns[Int(i)].band)
}

@_cdecl("geokit_result_bands")
public func geokit_result_bands(_ p: OpaquePointer) -> Int64 { Int64(job(p).result?.bands.count ?? 0) }

@_cdecl("geokit_result_band_label")
public func geokit_result_band_label(_ p: OpaquePointer, _ b: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let bands = j.result?.bands, b >= 0 && Int(b) < bands.count else { return nil }
    return j.cString("band\(b)", bands[Int(b)].label)
}

@_cdecl("geokit_result_band_raster")
public func geokit_result_band_raster(_ p: OpaquePointer, _ b: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let bands = j.result?.bands, b >= 0 && Int(b) < bands.count else { return nil }
    return j.cString("raster\(b)", bands[Int(b)].rasterName)
}

@_cdecl("geokit_result_band_date")
public func geokit_result_band_date(_ p: OpaquePointer, _ b: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let bands = j.result?.bands, b >= 0 && Int(b) < bands.count, let d = bands[Int(b)].date else { return nil }
    return j.cString("date\(b)", d)
}

@_cdecl("geokit_result_values")
public func geokit_result_values(_ p: OpaquePointer, _ i: Int64) -> UnsafePointer<Double>? {
    let j = job(p)
    guard let r = j.result, i >= 0 && Int(i) < j.columns.count else { return nil }
    if let b = j.buffers[Int(i)] { return UnsafePointer(b) }
    let out = UnsafeMutablePointer<Double>.allocate(capacity: max(1, r.units.count))
    copyValues(r, j.columns[Int(i)], to: out, stride: 1)
    j.buffers[Int(i)] = out
    return UnsafePointer(out)
}

/// Column `i`'s values written by the caller's pointer, row k at `out[k * stride]` (a
/// column of a (zones, bands) array the caller holds): no buffer of the job's, no copy of
/// the caller's. 0, or -1 for no such column.
@_cdecl("geokit_result_copy_values")
public func geokit_result_copy_values(_ p: OpaquePointer, _ i: Int64, _ out: UnsafeMutablePointer<Double>, _ stride: Int64) -> Int32 {
    let j = job(p)
    guard let r = j.result, i >= 0 && Int(i) < j.columns.count, stride >= 1 else { return -1 }
    copyValues(r, j.columns[Int(i)], to: out, stride: Int(stride))
    return 0
}

/// Several columns written row by row into the caller's rows x `count` array (C order):
/// `out[row * count + k]` is column `columns[k]`'s value (NaN where `columns[k]` is -1). One
/// pass over the rows, writes in order: a (zone, time) variable of 90 steps filled column by
/// column was 90 strided passes.
@_cdecl("geokit_result_copy_matrix")
public func geokit_result_copy_matrix(_ p: OpaquePointer, _ columns: UnsafePointer<Int64>, _ count: Int64,
                                      _ out: UnsafeMutablePointer<Double>) -> Int32 {
    let j = job(p)
    guard let r = j.result, count >= 1 else { return -1 }
    let n = Int(count)
    let cols = (0..<n).map { Int(columns[$0]) }
    guard cols.allSatisfy({ $0 >= -1 && $0 < j.columns.count }) else { return -1 }
    // Scalar columns (every statistic but per-class ones) by their index in a row's values.
    let index = cols.map { $0 < 0 ? -1 : j.columns[$0].scalarIndex ?? -2 }
    if index.contains(-2) {
        // Per-class columns: one column at a time.
        for (k, c) in cols.enumerated() {
            if c < 0 { for row in 0..<r.units.count { out[row * n + k] = .nan } } else { copyValues(r, j.columns[c], to: out + k, stride: n) }
        }
        return 0
    }
    // Rows in chunks on the job's threads: the first write to each page of `out` (fresh
    // memory, 10^8 bytes for a cube's results) faults it in, on both cores at once.
    let output = SendablePointer(out)
    r.units.withUnsafeBufferPointer { units in
        WorkerPool(threads: j.threads).run(count: units.count, chunk: 8192) { _, rows in
            var o = output.pointer + rows.lowerBound * n
            for row in rows {
                units[row].scalar.withUnsafeBufferPointer { values in
                    for k in 0..<n { o[k] = index[k] >= 0 ? values[index[k]] : .nan }
                }
                o += n
            }
        }
    }
    return 0
}

/// A pointer handed to worker threads that write disjoint parts of what it points to.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    init(_ p: UnsafeMutablePointer<Double>) { pointer = p }
}

/// A column's values, NaN for empty; the rows read in place (a copy of each row retained
/// and released its arrays: 10^5 zones times every column).
private func copyValues(_ r: ZonalResult, _ c: IndicatorColumn, to out: UnsafeMutablePointer<Double>, stride: Int) {
    r.units.withUnsafeBufferPointer { units in
        if let k = c.scalarIndex {
            for row in units.indices { out[row * stride] = units[row].scalar[k] }
            return
        }
        for row in units.indices {
            if case .number(let v) = r.value(units[row], c) { out[row * stride] = v } else { out[row * stride] = .nan }
        }
    }
}

@_cdecl("geokit_result_id")
public func geokit_result_id(_ p: OpaquePointer, _ row: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let r = j.result, row >= 0 && Int(row) < r.units.count else { return nil }
    return j.cString("id\(row)", r.units[Int(row)].id)
}

/// Every id, each followed by a NUL, in one buffer (one call for 10^5 zones, not one each).
@_cdecl("geokit_result_ids")
public func geokit_result_ids(_ p: OpaquePointer, _ bytes: UnsafeMutablePointer<Int64>) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let r = j.result else { bytes.pointee = 0; return nil }
    // Two passes over the ids in place: their lengths, then their bytes into one buffer.
    let all = r.units.withUnsafeBufferPointer { units in
        var size = 0
        for u in units { size += u.id.utf8.count + 1 }
        return [CChar](unsafeUninitializedCapacity: size) { buf, count in
            var at = 0
            for u in units {
                for byte in u.id.utf8 { buf[at] = CChar(bitPattern: byte); at += 1 }
                buf[at] = 0; at += 1
            }
            count = at
        }
    }
    bytes.pointee = Int64(all.count)
    // Kept with the job's strings (freed with them).
    if let old = j.strings["ids"] { free(old) }
    let copy = malloc(max(1, all.count))!.assumingMemoryBound(to: CChar.self)
    copy.initialize(from: all, count: all.count)
    j.strings["ids"] = copy
    return UnsafePointer(copy)
}

@_cdecl("geokit_result_warnings")
public func geokit_result_warnings(_ p: OpaquePointer) -> Int64 { Int64(job(p).result?.warnings.count ?? 0) }

@_cdecl("geokit_result_warning")
public func geokit_result_warning(_ p: OpaquePointer, _ i: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let w = j.result?.warnings, i >= 0 && Int(i) < w.count else { return nil }
    return j.cString("warning\(i)", w[Int(i)].message)
}

/// The metadata sidecar (`geotool zonal`'s datapackage.json) of the result, as JSON.
@_cdecl("geokit_result_metadata_json")
public func geokit_result_metadata_json(_ p: OpaquePointer) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let r = j.result else { return nil }
    let run = RunInfo(commandLine: "geokit (C interface)", started: Date(), seconds: 0, hashes: [:], format: .wide, hxl: false)
    let pkg = r.dataPackage(output: "zonal.csv", run: run)
    guard let data = try? pkg.encoded(), let text = String(data: data, encoding: .utf8) else { return nil }
    return j.cString("metadata", text)
}

// MARK: - Points to zones (the join)

@_cdecl("geokit_job_join")
public func geokit_job_join(_ p: OpaquePointer, _ zonesPath: UnsafePointer<CChar>, _ layer: UnsafePointer<CChar>?,
                            _ idField: UnsafePointer<CChar>, _ includeFields: UnsafePointer<CChar>?, _ count: Int64,
                            _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ pointsCRS: UnsafePointer<CChar>?,
                            _ nearestMetres: Double, _ borderToleranceMetres: Double,
                            _ pointIDs: UnsafePointer<UnsafePointer<CChar>?>?) -> Int32 {
    let j = job(p)
    j.clearOutputs()
    j.error = nil
    return attempt(j) {
        var options = PointJoinOptions(idField: String(cString: idField))
        options.layer = string(layer)
        options.includeFields = (string(includeFields) ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
        options.nearestMetres = nearestMetres
        options.borderToleranceMetres = borderToleranceMetres
        options.threads = j.threads
        let n = Int(max(0, count))
        let crs = string(pointsCRS).flatMap { $0.isEmpty ? nil : $0 }
        var columns: [String] = [], rows: [[String]]?
        if let pointIDs {
            // The caller's ids: repeated ones are flagged duplicate_id, as --id-col does.
            columns = ["point_id"]
            rows = (0..<n).map { [string(pointIDs[$0]) ?? ""] }
            options.idColumn = "point_id"
        }
        let points = PointTable.inMemory(name: "<points in memory>", x: Array(UnsafeBufferPointer(start: x, count: n)),
                                         y: Array(UnsafeBufferPointer(start: y, count: n)), crs: crs, columns: columns, rows: rows)
        let joiner = try PointJoiner(zonesPath: String(cString: zonesPath), options: options)
        let result = try joiner.join(points)
        var table = result.table(points)
        // The caller has its points: only the columns the join adds.
        let keep = columns.count
        table.columns = Array(table.columns.dropFirst(keep))
        table.rows = table.rows.map { Array($0.dropFirst(keep)) }
        j.joinTable = table
    }
}

@_cdecl("geokit_join_columns")
public func geokit_join_columns(_ p: OpaquePointer) -> Int64 { Int64(job(p).joinTable?.columns.count ?? 0) }

@_cdecl("geokit_join_rows")
public func geokit_join_rows(_ p: OpaquePointer) -> Int64 { Int64(job(p).joinTable?.rows.count ?? 0) }

@_cdecl("geokit_join_column_name")
public func geokit_join_column_name(_ p: OpaquePointer, _ i: Int64) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let t = j.joinTable, i >= 0 && Int(i) < t.columns.count else { return nil }
    return j.cString("joincol\(i)", t.columns[Int(i)])
}

/// Column `i` of the join as text, every row's value NUL-terminated one after another
/// (numbers as geotool writes them; empty cells as empty strings).
@_cdecl("geokit_join_column_text")
public func geokit_join_column_text(_ p: OpaquePointer, _ i: Int64, _ bytes: UnsafeMutablePointer<Int64>) -> UnsafePointer<CChar>? {
    let j = job(p)
    guard let t = j.joinTable, i >= 0 && Int(i) < t.columns.count else { bytes.pointee = 0; return nil }
    var all = [CChar]()
    for row in t.rows {
        switch row[Int(i)] {
        case .text(let s): all += s.utf8CString
        case .number(let v): all += formatNumber(v).utf8CString
        case .empty: all.append(0)
        }
    }
    bytes.pointee = Int64(all.count)
    let key = "jointext\(i)"
    if let old = j.strings[key] { free(old) }
    let copy = malloc(max(1, all.count))!.assumingMemoryBound(to: CChar.self)
    copy.initialize(from: all, count: all.count)
    j.strings[key] = copy
    return UnsafePointer(copy)
}
