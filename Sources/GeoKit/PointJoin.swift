import CGeo
import Foundation

// Point-in-polygon join ("school mapping"): every point gets the P-code of the polygon
// that covers it, and every problem a flag. See docs/join.md for the rules.
//
// Design: zones are read once (repaired with make-valid by `readZones`), indexed by a
// packed STR tree of bounding boxes (plain Swift values, shared read-only by all
// threads), and tested with GEOS prepared geometries built per worker from WKB (GEOS
// objects never cross threads). Nearest search and distances use plain Swift code on the
// zone rings and Vincenty's geodesic, so they are also thread-free.

/// The outcome of one row, as written in the `match` column.
public enum MatchKind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case inside, border, nearest, outside
    case missingCoords, invalidCoords, swappedCoords
    case duplicateID, mismatch

    public var label: String {
        switch self {
        case .inside: return "inside"
        case .border: return "border"
        case .nearest: return "nearest"
        case .outside: return "outside"
        case .missingCoords: return "missing_coords"
        case .invalidCoords: return "invalid_coords"
        case .swappedCoords: return "swapped_coords"
        case .duplicateID: return "duplicate_id"
        case .mismatch: return "mismatch"
        }
    }
    public var description: String { label }
}

public struct PointJoinOptions: Sendable {
    /// Zone field holding the P-code to attach (e.g. VT_PCODE).
    public var idField: String
    /// More zone fields to attach (e.g. TS_PCODE, ST_PCODE).
    public var includeFields: [String] = []
    /// Layer of the zones file (default: the first).
    public var layer: String?
    /// Search radius in metres for points outside every zone; 0 = no search.
    public var nearestMetres: Double = 0
    /// A point within this many metres of a zone counts as covered by it (so a point
    /// within it of two zones is on their border). 0.2 m absorbs the rounding of
    /// coordinates written with 6 decimals; 0 = exact GEOS covers only.
    public var borderToleranceMetres: Double = 0.2
    /// CRS of the points (default: the points layer's, or EPSG:4326 for CSV).
    public var pointsCRS: String?
    /// Points column with each row's own identifier: repeated values are flagged duplicate_id.
    public var idColumn: String?
    /// Points column with the register's own code, compared with `checkField` of the found zone.
    public var checkColumn: String?
    /// Zone field compared with `checkColumn` (default: the field of the same name,
    /// case-insensitively: the id or an include field, or another field of the layer).
    public var checkField: String?
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init(idField: String) { self.idField = idField }
}

/// Zones ready for joining: plain values, shared read-only by every worker.
struct JoinZones: Sendable {
    var ids: [String]
    /// Include-field values per zone (check field last when it had to be added).
    var attributes: [[String]]
    var geometry: [MultiPolygon]
    var wkb: [[UInt8]]
    var boxes: [Box]
    /// Position of each zone's id in sorted (string) order; equal ids share a rank.
    var rank: [Int32]
    var tree: BoxTree
    /// Uniform grid of the same boxes: point queries in a handful of box tests.
    var grid: BoxGrid
    /// Zone edges bucketed for the border tolerance (nil when it is 0).
    var edges: EdgeGrid?
}

public final class PointJoiner {
    public let options: PointJoinOptions
    public let zoneLayer: ZoneLayer
    /// The include fields as attached (with the check field appended when needed).
    public let includeFields: [String]
    /// Index of the compared zone value: -1 = the id, k = includeFields[k].
    let checkIndex: Int?
    let zones: JoinZones
    let zonesCRS: SpatialReference
    public var warnings: [String]

    public init(zonesPath: String, options: PointJoinOptions) throws {
        self.options = options
        let ds = try VectorDataset(path: zonesPath)
        var include = options.includeFields
        var checkIndex: Int?
        if let col = options.checkColumn {
            let want = (options.checkField ?? col).lowercased()
            if want == options.idField.lowercased() { checkIndex = -1 }
            else if let k = include.firstIndex(where: { $0.lowercased() == want }) { checkIndex = k }
            else {
                let names = try ds.fieldNames(layer: options.layer)
                guard let f = names.first(where: { $0.lowercased() == want }) else {
                    throw GeoKitError("\(zonesPath): no field '\(options.checkField ?? col)' to compare with --check-col \(col) (fields: \(names.joined(separator: ", "))); use --check-col \(col)=FIELD")
                }
                include.append(f)
                checkIndex = include.count - 1
            }
        }
        let layer = try ds.readZones(layer: options.layer, idField: options.idField, includeFields: include)
        zoneLayer = layer
        includeFields = layer.includeFields
        self.checkIndex = checkIndex
        var warnings = layer.warnings
        if let wkt = layer.crsWKT {
            zonesCRS = try SpatialReference(definition: wkt)
        } else {
            zonesCRS = try SpatialReference(definition: "EPSG:4326")
            warnings.append("\(zonesPath): layer has no CRS; assuming EPSG:4326")
        }
        self.warnings = warnings
        let zonesCRS = self.zonesCRS
        let boxes = layer.zones.map { $0.geometry.isEmpty ? Box.empty : $0.geometry.bounds }
        let order = layer.zones.indices.sorted { (layer.zones[$0].id, $0) < (layer.zones[$1].id, $1) }
        var rank = [Int32](repeating: 0, count: layer.zones.count)
        var r: Int32 = 0
        for (k, z) in order.enumerated() {
            if k > 0 && layer.zones[order[k - 1]].id != layer.zones[z].id { r += 1 }
            rank[z] = r
        }
        var zones = JoinZones(ids: layer.zones.map(\.id), attributes: layer.zones.map(\.attributes),
                          geometry: layer.zones.map(\.geometry), wkb: layer.zones.map { wkbOf($0.geometry) },
                          boxes: boxes, rank: rank, tree: BoxTree(boxes), grid: BoxGrid(boxes), edges: nil)
        if options.borderToleranceMetres > 0 {
            let crs = zonesCRS
            var e = Ellipsoid.wgs84
            if crs.isGeographic, case .geographic(let el) = crs.areaModel { e = el }
            let unit = crs.isGeographic ? 1 : OSRGetLinearUnits(crs.handle, nil)
            zones.edges = EdgeGrid(zones.geometry, tolerance: options.borderToleranceMetres,
                                   geographic: crs.isGeographic, ellipsoid: e, metresPerUnit: unit)
        }
        self.zones = zones
    }

    public var zoneCount: Int { zones.ids.count }

    /// Join every point. Throws for unusable inputs (missing columns, unknown CRS).
    public func join(_ points: PointTable) throws -> PointJoinResult {
        let pointsCRS: SpatialReference
        if let def = options.pointsCRS { pointsCRS = try SpatialReference(definition: def) }
        else if let wkt = points.crsWKT { pointsCRS = try SpatialReference(definition: wkt) }
        else { pointsCRS = try SpatialReference(definition: "EPSG:4326") }
        var idValues: [String]?
        if let c = options.idColumn {
            guard let v = points.column(c) else {
                throw GeoKitError("\(points.path): no column '\(c)' for --id-col (columns: \(points.columns.joined(separator: ", ")))")
            }
            idValues = v
        }
        var registerValues: [String]?
        if let c = options.checkColumn {
            guard let v = points.column(c) else {
                throw GeoKitError("\(points.path): no column '\(c)' for --check-col (columns: \(points.columns.joined(separator: ", ")))")
            }
            registerValues = v
        }
        // Geographic CRS for distances: the zones' own, or its geographic base.
        let geoCRS: SpatialReference
        if zonesCRS.isGeographic { geoCRS = zonesCRS } else {
            guard let g = OSRCloneGeogCS(zonesCRS.handle) else { throw GeoKitError("no geographic CRS for \(zonesCRS.shortName)") }
            geoCRS = SpatialReference(borrowing: g)
            OSRRelease(g)
        }
        let ellipsoid: Ellipsoid
        if case .geographic(let e) = geoCRS.areaModel { ellipsoid = e } else { ellipsoid = .wgs84 }
        let plan = JoinPlan(zones: zones, n: points.count, nearest: options.nearestMetres,
                            pointsGeographic: pointsCRS.isGeographic,
                            zonesGeographic: zonesCRS.isGeographic,
                            zonesMetresPerUnit: zonesCRS.isGeographic ? 1 : OSRGetLinearUnits(zonesCRS.handle, nil),
                            needPointTransform: !pointsCRS.isSame(zonesCRS),
                            pointsAreGeo: pointsCRS.isSame(geoCRS),
                            ellipsoid: ellipsoid,
                            pointsWKT: pointsCRS.wkt, zonesWKT: zonesCRS.wkt, geoWKT: geoCRS.wkt)
        // A bad CRS pair fails here, on this thread, with a clear message.
        if plan.needPointTransform { _ = try CoordinateTransform(from: pointsCRS, to: zonesCRS) }

        var result = PointJoinResult(n: points.count)
        result.zoneIDs = zones.ids
        result.zoneAttributes = zones.attributes
        result.idField = zoneLayer.idField
        result.includeFields = includeFields
        try plan.run(points: points, into: &result, threads: max(1, options.threads))

        // Identity checks, in input order.
        if let ids = idValues {
            var count: [String: Int] = [:]
            count.reserveCapacity(ids.count)
            for v in ids { let t = v.trimmingCharacters(in: .whitespaces); if !t.isEmpty { count[t, default: 0] += 1 } }
            result.duplicateCount = ids.map { Int32(count[$0.trimmingCharacters(in: .whitespaces)] ?? 0) }
        }
        if let reg = registerValues, let ci = checkIndex {
            result.register = reg
            result.checkIndex = ci
        }
        result.finish()
        return result
    }
}

/// Per-row outcomes of a join, plus the zone values needed to write them.
public struct PointJoinResult: Sendable {
    /// Final `match` of each row.
    public var match: [MatchKind]
    /// Outcome of the location alone (inside/border/nearest/outside or a coordinate flag).
    public var spatial: [MatchKind]
    /// Zone attached to the row (-1: none). Duplicate and mismatch rows keep theirs.
    public var zone: [Int32]
    /// The zone the swapped position falls in (swapped_coords rows), else -1.
    public var swappedZone: [Int32]
    /// Border rows: another covering zone (the next id in string order).
    public var otherZone: [Int32]
    /// Metres to the attached zone: 0 inside/border, the geodesic distance for nearest; NaN otherwise.
    public var distance: [Double]
    /// Occurrences of each row's --id-col value (0 when blank); empty without --id-col.
    public var duplicateCount: [Int32] = []
    /// The register's own codes (--check-col); empty without it.
    public var register: [String] = []
    var checkIndex: Int = -1
    public var mismatch: [Bool] = []
    public var zoneIDs: [String] = []
    public var zoneAttributes: [[String]] = []
    public var idField = ""
    public var includeFields: [String] = []

    init(n: Int) {
        match = Array(repeating: .outside, count: n); spatial = match
        zone = Array(repeating: -1, count: n); swappedZone = zone; otherZone = zone
        distance = Array(repeating: .nan, count: n)
    }

    /// The P-code attached to a row ("" when none).
    public func zoneID(_ row: Int) -> String { zone[row] >= 0 ? zoneIDs[Int(zone[row])] : "" }
    public func swappedID(_ row: Int) -> String { swappedZone[row] >= 0 ? zoneIDs[Int(swappedZone[row])] : "" }

    /// The zone value compared with the register code ("" when no zone).
    public func foundCode(_ row: Int) -> String {
        let z = Int(zone[row])
        guard z >= 0 else { return "" }
        return checkIndex < 0 ? zoneIDs[z] : zoneAttributes[z][checkIndex]
    }

    mutating func finish() {
        let n = match.count
        if !register.isEmpty {
            mismatch = (0..<n).map { r in
                guard zone[r] >= 0 else { return false }
                let a = register[r].trimmingCharacters(in: .whitespaces)
                return a.isEmpty || a.caseInsensitiveCompare(foundCode(r).trimmingCharacters(in: .whitespaces)) != .orderedSame
            }
        }
        for r in 0..<n {
            var m = spatial[r]
            if m != .missingCoords && m != .invalidCoords && m != .swappedCoords {
                if !duplicateCount.isEmpty && duplicateCount[r] > 1 { m = .duplicateID }
                else if !mismatch.isEmpty && mismatch[r] { m = .mismatch }
            }
            match[r] = m
        }
    }

    /// Rows per match value, in `MatchKind` order (values never seen are left out).
    public var counts: [(MatchKind, Int)] {
        var c = [Int](repeating: 0, count: MatchKind.allCases.count)
        for m in match { c[Int(m.rawValue)] += 1 }
        return MatchKind.allCases.compactMap { c[Int($0.rawValue)] > 0 ? ($0, c[Int($0.rawValue)]) : nil }
    }
}

// MARK: - The parallel location pass

private final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take() -> Int { lock.lock(); defer { next += 1; lock.unlock() }; return next }
}

private final class SharedError: @unchecked Sendable {
    private let lock = NSLock()
    var error: Error?
    func set(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

/// Raw output arrays written by workers at disjoint rows.
private struct OutPointers: @unchecked Sendable {
    var spatial: UnsafeMutablePointer<MatchKind>
    var zone: UnsafeMutablePointer<Int32>
    var swapped: UnsafeMutablePointer<Int32>
    var other: UnsafeMutablePointer<Int32>
    var distance: UnsafeMutablePointer<Double>
}

struct JoinPlan: Sendable {
    let zones: JoinZones
    let n: Int
    let nearest: Double
    let pointsGeographic: Bool
    let zonesGeographic: Bool
    let zonesMetresPerUnit: Double
    let needPointTransform: Bool
    let pointsAreGeo: Bool
    let ellipsoid: Ellipsoid
    let pointsWKT: String, zonesWKT: String, geoWKT: String

    static let chunk = 8192

    func run(points: PointTable, into result: inout PointJoinResult, threads: Int) throws {
        let chunks = (n + Self.chunk - 1) / Self.chunk
        let counter = ChunkCounter()
        let failure = SharedError()
        let workers = max(1, min(threads, chunks))
        try result.spatial.withUnsafeMutableBufferPointer { sp in
            try result.zone.withUnsafeMutableBufferPointer { zp in
                try result.swappedZone.withUnsafeMutableBufferPointer { swp in
                    try result.otherZone.withUnsafeMutableBufferPointer { op in
                        try result.distance.withUnsafeMutableBufferPointer { dp in
                            guard n > 0 else { return }
                            let out = OutPointers(spatial: sp.baseAddress!, zone: zp.baseAddress!, swapped: swp.baseAddress!,
                                                  other: op.baseAddress!, distance: dp.baseAddress!)
                            // Visit the points in Hilbert order: neighbours share tree nodes, edges and
                            // prepared geometries, which then stay in cache. Results go back by row.
                            let order = spatialOrder(points)
                            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                                do {
                                    let w = try JoinWorker(plan: self)
                                    while true {
                                        let c = counter.take()
                                        if c >= chunks || failure.error != nil { break }
                                        w.process(points, order[c * Self.chunk ..< min(n, (c + 1) * Self.chunk)], out)
                                    }
                                } catch { failure.set(error) }
                            }
                            if let e = failure.error { throw e }
                        }
                    }
                }
            }
        }
    }
}

/// Row numbers sorted by the Hilbert position of their coordinates (rows without usable
/// coordinates last): a radix sort on 32-bit keys, two passes of 16 bits.
func spatialOrder(_ points: PointTable) -> [Int32] {
    let n = points.count
    var ext = Box.empty
    for i in 0..<n where points.status[i] == .ok && points.x[i].isFinite && points.y[i].isFinite {
        ext.expand(x: points.x[i], y: points.y[i])
    }
    var keys = [UInt32](repeating: .max, count: n)
    if !ext.isEmpty {
        let w = max(ext.width, 1e-300), h = max(ext.height, 1e-300)
        for i in 0..<n where points.status[i] == .ok && points.x[i].isFinite && points.y[i].isFinite {
            let hx = UInt32(min(65535, max(0, (points.x[i] - ext.xmin) / w * 65535)))
            let hy = UInt32(min(65535, max(0, (points.y[i] - ext.ymin) / h * 65535)))
            keys[i] = min(hilbert(hx, hy), .max - 1)
        }
    }
    var order = (0..<Int32(n)).map { $0 }
    var tmp = order
    for shift in [UInt32(0), 16] {
        var count = [Int](repeating: 0, count: 65537)
        for i in order { count[Int((keys[Int(i)] >> shift) & 0xFFFF) + 1] += 1 }
        for d in 1...65536 { count[d] += count[d - 1] }
        for i in order { let d = Int((keys[Int(i)] >> shift) & 0xFFFF); tmp[count[d]] = i; count[d] += 1 }
        swap(&order, &tmp)
    }
    return order
}

/// One thread's GEOS context, prepared geometries and transformations.
private final class JoinWorker {
    let plan: JoinPlan
    let ctx: GEOSContextHandle_t
    var geoms: [OpaquePointer?]
    var preps: [OpaquePointer?]
    let toZones: CoordinateTransform?
    let zonesToGeo: CoordinateTransform?
    let pointsToGeo: CoordinateTransform?
    // Worker-local deep copies of the hot read-only structures: sharing one array buffer
    // between threads makes every retain/release bounce its cache line between cores.
    let tree: BoxTree
    let grid: BoxGrid
    let edges: EdgeGrid?
    let rank: [Int32]
    var candidates: [Int32] = []
    var nearBuf: [Int32] = []
    var stack: [Int32] = []
    var bx: [Double] = [], by: [Double] = []

    init(plan: JoinPlan) throws {
        self.plan = plan
        ctx = GEOS_init_r()
        GEOSContext_setErrorMessageHandler_r(ctx, { _, _ in }, nil)
        GEOSContext_setNoticeMessageHandler_r(ctx, { _, _ in }, nil)
        tree = plan.zones.tree.deepCopy()
        grid = plan.zones.grid.deepCopy()
        edges = plan.zones.edges?.deepCopy()
        rank = plan.zones.rank.map { $0 }
        geoms = Array(repeating: nil, count: plan.zones.ids.count)
        preps = geoms
        let p = try SpatialReference(definition: plan.pointsWKT)
        let z = try SpatialReference(definition: plan.zonesWKT)
        let g = try SpatialReference(definition: plan.geoWKT)
        toZones = plan.needPointTransform ? try CoordinateTransform(from: p, to: z) : nil
        zonesToGeo = plan.zonesGeographic ? nil : try CoordinateTransform(from: z, to: g)
        pointsToGeo = plan.pointsAreGeo ? nil : try CoordinateTransform(from: p, to: g)
        candidates.reserveCapacity(64); stack.reserveCapacity(64)
    }

    deinit {
        for p in preps { if let p { GEOSPreparedGeom_destroy_r(ctx, p) } }
        for g in geoms { if let g { GEOSGeom_destroy_r(ctx, g) } }
        GEOS_finish_r(ctx)
    }

    func prepared(_ z: Int) -> OpaquePointer? {
        if let p = preps[z] { return p }
        let wkb = plan.zones.wkb[z]
        guard !wkb.isEmpty, let g = wkb.withUnsafeBufferPointer({ GEOSGeomFromWKB_buf_r(ctx, $0.baseAddress, $0.count) }) else { return nil }
        geoms[z] = g
        preps[z] = GEOSPrepare_r(ctx, g)
        return preps[z]
    }

    /// The zones covering (x, y) in the zones' CRS: the chosen one (lowest id) and another.
    /// With a border tolerance, zones whose boundary passes within it count as covering.
    /// `grid`, `edges` and `rank` are passed in (borrowed) so the hot loop does no reference counting.
    func locate(_ x: Double, _ y: Double, _ grid: BoxGrid, _ edges: EdgeGrid?, _ rank: [Int32]) -> (best: Int32, other: Int32) {
        candidates.removeAll(keepingCapacity: true)
        nearBuf.removeAll(keepingCapacity: true)
        grid.query(x, y, into: &candidates)
        edges?.near(x, y, into: &nearBuf)
        var best: Int32 = -1, other: Int32 = -1
        if candidates.isEmpty && nearBuf.isEmpty { return (best, other) }
        for c in nearBuf { consider(c, &best, &other, rank) }
        var pt: OpaquePointer?
        for c in candidates where !nearBuf.contains(c) {
            if pt == nil { pt = GEOSGeom_createPointFromXY_r(ctx, x, y); if pt == nil { break } }
            guard let pg = prepared(Int(c)), GEOSPreparedCovers_r(ctx, pg, pt) == 1 else { continue }
            consider(c, &best, &other, rank)
            // Zones do not overlap in a clean layer, but keep looking: a point covered by
            // two is on their border (or in an overlap), and the lowest id must win.
        }
        if let pt { GEOSGeom_destroy_r(ctx, pt) }
        return (best, other)
    }

    @inline(__always)
    func consider(_ c: Int32, _ best: inout Int32, _ other: inout Int32, _ rank: [Int32]) {
            if best < 0 { best = c; return }
            let rc = rank[Int(c)], rb = rank[Int(best)]
            if rc == rb { return }   // same id: one zone in several features
            if rc < rb { if other < 0 || rb < rank[Int(other)] { other = best }; best = c }
            else if other < 0 || rc < rank[Int(other)] { other = c }
    }

    func inRange(_ x: Double, _ y: Double) -> Bool {
        !plan.pointsGeographic || (abs(x) <= 180 && abs(y) <= 90)
    }

    func transformOne(_ t: CoordinateTransform?, _ x: inout Double, _ y: inout Double) -> Bool {
        guard let t else { return true }
        var ok: Int32 = 0
        _ = OCTTransformEx(t.handle, 1, &x, &y, nil, &ok)
        return ok != 0 && x.isFinite && y.isFinite
    }

    func process(_ points: PointTable, _ rows: ArraySlice<Int32>, _ out: OutPointers) {
        // This chunk's inputs, copied: no shared buffer is touched in the loop.
        var px: [Double] = [], py: [Double] = [], status: [CoordinateStatus] = []
        px.reserveCapacity(rows.count); py.reserveCapacity(rows.count); status.reserveCapacity(rows.count)
        points.x.withUnsafeBufferPointer { xs in points.y.withUnsafeBufferPointer { ys in points.status.withUnsafeBufferPointer { ss in
            for r in rows { px.append(xs[Int(r)]); py.append(ys[Int(r)]); status.append(ss[Int(r)]) }
        } } }
        // Positions in the zones' CRS, transformed in bulk.
        bx.removeAll(keepingCapacity: true); by.removeAll(keepingCapacity: true)
        for k in 0..<rows.count {
            let ok = status[k] == .ok && inRange(px[k], py[k])
            bx.append(ok ? px[k] : .nan); by.append(ok ? py[k] : .nan)
        }
        var tok = [Int32](repeating: 1, count: rows.count)
        if let t = toZones {
            // PROJ leaves NaN input as is; its failure flag marks the rest.
            _ = OCTTransformEx(t.handle, Int32(bx.count), &bx, &by, nil, &tok)
        }
        let grid = self.grid, edges = self.edges, rank = self.rank
        for (k, r32) in rows.enumerated() {
            let r = Int(r32)
            out.zone[r] = -1; out.swapped[r] = -1; out.other[r] = -1; out.distance[r] = .nan
            switch status[k] {
            case .missing: out.spatial[r] = .missingCoords; continue
            case .invalid: out.spatial[r] = .invalidCoords; continue
            case .ok: break
            }
            let zx = bx[k], zy = by[k]
            let located = tok[k] != 0 && zx.isFinite && zy.isFinite
            if located {
                let (best, other) = locate(zx, zy, grid, edges, rank)
                if best >= 0 {
                    out.zone[r] = best; out.other[r] = other; out.distance[r] = 0
                    out.spatial[r] = other >= 0 ? .border : .inside
                    continue
                }
            }
            // Latitude and longitude exchanged?
            var sx = py[k], sy = px[k]
            if inRange(sx, sy) && transformOne(toZones, &sx, &sy) {
                let (best, _) = locate(sx, sy, grid, edges, rank)
                if best >= 0 { out.swapped[r] = best; out.spatial[r] = .swappedCoords; continue }
            }
            if !located { out.spatial[r] = .invalidCoords; continue }
            if plan.nearest > 0, let hit = nearestZone(zx, zy, px[k], py[k]), hit.1 <= plan.nearest {
                out.zone[r] = hit.0; out.distance[r] = hit.1; out.spatial[r] = .nearest
            } else {
                out.spatial[r] = .outside
            }
        }
    }

    /// The zone nearest to a point outside every zone, within `plan.nearest` metres:
    /// candidates from the tree within a conservative box, the nearest point of each in a
    /// local conformal frame, then the geodesic distance to that point.
    func nearestZone(_ zx: Double, _ zy: Double, _ px: Double, _ py: Double) -> (Int32, Double)? {
        let d = plan.nearest
        let e = plan.ellipsoid
        // The point in geographic coordinates for the distance.
        var lon = px, lat = py
        guard transformOne(pointsToGeo, &lon, &lat) else { return nil }
        let search: Box
        var kx = 1.0, ky = 1.0
        if plan.zonesGeographic {
            let dlat = d / (e.semiMajor * (1 - e.flattening * (2 - e.flattening))) * 180 / .pi * 1.01
            let latMax = min(90, abs(zy) + dlat)
            let c = cos(latMax * .pi / 180)
            let dlon = c < 1e-6 ? 360 : d / (e.semiMajor * c) * 180 / .pi * 1.01
            search = Box(xmin: zx - dlon, ymin: zy - dlat, xmax: zx + dlon, ymax: zy + dlat)
            let (m, nn) = e.radii(atLatitude: zy)
            kx = nn * cos(zy * .pi / 180) * .pi / 180; ky = m * .pi / 180
        } else {
            // Projected: grid distances differ from true ones by the scale factor; search twice as far.
            let r = 2 * d / plan.zonesMetresPerUnit
            search = Box(xmin: zx - r, ymin: zy - r, xmax: zx + r, ymax: zy + r)
        }
        candidates.removeAll(keepingCapacity: true)
        tree.query(search, into: &candidates, stack: &stack)
        var best: Int32 = -1, bestD = Double.infinity
        for c in candidates {
            // Nearest point of this zone's rings in the local frame (origin at the point).
            var minD2 = Double.infinity, qx = 0.0, qy = 0.0
            for poly in plan.zones.geometry[Int(c)].polygons {
                for ring in [poly.shell] + poly.holes {
                    let pts = ring.points
                    guard pts.count >= 2 else { continue }
                    var ax = (pts[0].x - zx) * kx, ay = (pts[0].y - zy) * ky
                    for j in 1..<pts.count {
                        let bxx = (pts[j].x - zx) * kx, byy = (pts[j].y - zy) * ky
                        let dx = bxx - ax, dy = byy - ay
                        let len2 = dx * dx + dy * dy
                        var t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0
                        t = t < 0 ? 0 : (t > 1 ? 1 : t)
                        let cx = ax + t * dx, cy = ay + t * dy
                        let d2 = cx * cx + cy * cy
                        if d2 < minD2 {
                            minD2 = d2
                            qx = pts[j - 1].x + t * (pts[j].x - pts[j - 1].x)
                            qy = pts[j - 1].y + t * (pts[j].y - pts[j - 1].y)
                        }
                        ax = bxx; ay = byy
                    }
                }
            }
            guard minD2.isFinite else { continue }
            // Cheap reject: the local frame is within a fraction of a percent of the truth.
            let approx = minD2.squareRoot() * (plan.zonesGeographic ? 1 : plan.zonesMetresPerUnit)
            if approx > d * 1.05 + 1 && plan.zonesGeographic { continue }
            var qlon = qx, qlat = qy
            guard transformOne(plan.zonesGeographic ? nil : zonesToGeo, &qlon, &qlat) else { continue }
            let g = e.distance(lon1: lon, lat1: lat, lon2: qlon, lat2: qlat)
            if g < bestD || (g == bestD && best >= 0 && rank[Int(c)] < rank[Int(best)]) {
                bestD = g; best = c
            }
        }
        return best >= 0 ? (best, bestD) : nil
    }
}

// MARK: - Uniform grid of boxes (point queries)

/// Boxes bucketed in a uniform grid (cell about the size of a typical box): the boxes
/// containing a point are found among the few listed in its cell. Plain arrays, copied
/// per worker.
struct BoxGrid: Sendable {
    var x0 = 0.0, y0 = 0.0, cell = 1.0
    var nx = 0, ny = 0
    var start: [Int32] = []
    /// Per entry, in cell order: the item and its box.
    var item: [Int32] = []
    var bx0: [Double] = [], by0: [Double] = [], bx1: [Double] = [], by1: [Double] = []

    init(_ boxes: [Box]) {
        var ext = Box.empty
        var sizes: [Double] = []
        for b in boxes where !b.isEmpty { ext = ext.union(b); sizes.append(max(b.width, b.height)) }
        guard !sizes.isEmpty else { return }
        sizes.sort()
        let median = sizes[sizes.count / 2]
        // About the median box size, but never more than ~4 cells per box overall.
        let minCell = (max(ext.width, 1e-12) * max(ext.height, 1e-12) / Double(4 * sizes.count)).squareRoot()
        cell = max(median, minCell, 1e-12)
        x0 = ext.xmin; y0 = ext.ymin
        nx = max(1, Int((ext.width / cell).rounded(.down)) + 1); ny = max(1, Int((ext.height / cell).rounded(.down)) + 1)
        func cells(_ b: Box) -> (ClosedRange<Int>, ClosedRange<Int>) {
            let i0 = max(0, min(nx - 1, Int(((b.xmin - x0) / cell).rounded(.down))))
            let i1 = max(0, min(nx - 1, Int(((b.xmax - x0) / cell).rounded(.down))))
            let j0 = max(0, min(ny - 1, Int(((b.ymin - y0) / cell).rounded(.down))))
            let j1 = max(0, min(ny - 1, Int(((b.ymax - y0) / cell).rounded(.down))))
            return (i0...i1, j0...j1)
        }
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        for b in boxes where !b.isEmpty { let (ci, cj) = cells(b); for j in cj { for i in ci { counts[j * nx + i] += 1 } } }
        var acc: Int32 = 0
        for k in 0..<counts.count { let c = counts[k]; counts[k] = acc; acc += c }
        start = counts
        let n = Int(acc)
        item = [Int32](repeating: 0, count: n)
        bx0 = [Double](repeating: 0, count: n); by0 = bx0; bx1 = bx0; by1 = bx0
        for (z, b) in boxes.enumerated() where !b.isEmpty {
            let (ci, cj) = cells(b)
            for j in cj { for i in ci {
                let k = j * nx + i, q = Int(counts[k])
                item[q] = Int32(z); bx0[q] = b.xmin; by0[q] = b.ymin; bx1[q] = b.xmax; by1[q] = b.ymax
                counts[k] += 1
            } }
        }
    }

    func deepCopy() -> BoxGrid {
        var g = self
        g.start = start.map { $0 }; g.item = item.map { $0 }
        g.bx0 = bx0.map { $0 }; g.by0 = by0.map { $0 }; g.bx1 = bx1.map { $0 }; g.by1 = by1.map { $0 }
        return g
    }

    /// Append the items whose (closed) box contains (x, y).
    @inline(__always)
    func query(_ x: Double, _ y: Double, into out: inout [Int32]) {
        guard nx > 0 else { return }
        let fi = (x - x0) / cell, fj = (y - y0) / cell
        guard fi >= 0, fj >= 0, fi < Double(nx), fj < Double(ny) else {
            // On the far edges of the extent (x == xmax) the last cell still holds the box.
            if fi >= 0, fj >= 0, fi <= Double(nx), fj <= Double(ny) { scan(min(nx - 1, Int(fi)), min(ny - 1, Int(fj)), x, y, &out) }
            return
        }
        scan(Int(fi), Int(fj), x, y, &out)
    }

    @inline(__always)
    private func scan(_ i: Int, _ j: Int, _ x: Double, _ y: Double, _ out: inout [Int32]) {
        let k = j * nx + i
        for q in Int(start[k])..<Int(start[k + 1]) where bx0[q] <= x && x <= bx1[q] && by0[q] <= y && y <= by1[q] {
            out.append(item[q])
        }
    }
}

// MARK: - Packed STR tree of boxes

/// A static R-tree (Sort-Tile-Recursive packing) of boxes: plain arrays, safe to share
/// read-only between threads. Empty boxes are left out.
struct BoxTree: Sendable {
    static let nodeSize = 16
    var minX: [Double] = [], minY: [Double] = [], maxX: [Double] = [], maxY: [Double] = []
    /// Leaves: the item; nodes: first child position.
    var ref: [Int32] = []
    /// Nodes: end of children.
    var refEnd: [Int32] = []
    var leaves = 0

    init(_ boxes: [Box]) {
        var items = boxes.indices.filter { !boxes[$0].isEmpty }
        leaves = items.count
        guard leaves > 0 else { return }
        let m = Self.nodeSize
        // Hilbert order of the box centres: consecutive runs are compact at every level.
        var ext = Box.empty
        for i in items { ext = ext.union(boxes[i]) }
        let w = max(ext.width, 1e-300), h = max(ext.height, 1e-300)
        var key = [UInt32](repeating: 0, count: boxes.count)
        for i in items {
            let cx = ((boxes[i].xmin + boxes[i].xmax) / 2 - ext.xmin) / w
            let cy = ((boxes[i].ymin + boxes[i].ymax) / 2 - ext.ymin) / h
            key[i] = hilbert(UInt32(min(65535, max(0, cx * 65535))), UInt32(min(65535, max(0, cy * 65535))))
        }
        items.sort { (key[$0], $0) < (key[$1], $1) }
        for i in items {
            let b = boxes[i]
            minX.append(b.xmin); minY.append(b.ymin); maxX.append(b.xmax); maxY.append(b.ymax)
            ref.append(Int32(i)); refEnd.append(0)
        }
        var start = 0, end = leaves
        while end - start > 1 {
            var j = start
            while j < end {
                let je = min(end, j + m)
                var b = Box.empty
                for k in j..<je { b = b.union(Box(xmin: minX[k], ymin: minY[k], xmax: maxX[k], ymax: maxY[k])) }
                minX.append(b.xmin); minY.append(b.ymin); maxX.append(b.xmax); maxY.append(b.ymax)
                ref.append(Int32(j)); refEnd.append(Int32(je))
                j = je
            }
            start = end; end = minX.count
        }
    }

    func deepCopy() -> BoxTree {
        var t = self
        t.minX = minX.map { $0 }; t.minY = minY.map { $0 }; t.maxX = maxX.map { $0 }; t.maxY = maxY.map { $0 }
        t.ref = ref.map { $0 }; t.refEnd = refEnd.map { $0 }
        return t
    }

    /// Append the items whose boxes intersect `b` (closed boxes: touching counts).
    func query(_ b: Box, into out: inout [Int32], stack: inout [Int32]) {
        guard leaves > 0 else { return }
        let root = minX.count - 1
        @inline(__always) func hit(_ k: Int) -> Bool {
            minX[k] <= b.xmax && b.xmin <= maxX[k] && minY[k] <= b.ymax && b.ymin <= maxY[k]
        }
        guard hit(root) else { return }
        if root < leaves { out.append(ref[root]); return }
        stack.removeAll(keepingCapacity: true)
        stack.append(Int32(root))
        while let p = stack.popLast() {
            let s = Int(ref[Int(p)]), e = Int(refEnd[Int(p)])
            for k in s..<e where hit(k) {
                if k < leaves { out.append(ref[k]) } else { stack.append(Int32(k)) }
            }
        }
    }
}

/// Position of (x, y) (16 bits each) along a Hilbert curve (after flatbush, ISC licence).
func hilbert(_ x: UInt32, _ y: UInt32) -> UInt32 {
    var a = x ^ y
    var b = 0xFFFF ^ a
    var c = 0xFFFF ^ (x | y)
    var d = x & (y ^ 0xFFFF)
    var A = a | (b >> 1)
    var B = (a >> 1) ^ a
    var C = ((c >> 1) ^ (b & (d >> 1))) ^ c
    var D = ((a & (c >> 1)) ^ (d >> 1)) ^ d
    a = A; b = B; c = C; d = D
    A = (a & (a >> 2)) ^ (b & (b >> 2))
    B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
    C ^= (a & (c >> 2)) ^ (b & (d >> 2))
    D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))
    a = A; b = B; c = C; d = D
    A = (a & (a >> 4)) ^ (b & (b >> 4))
    B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
    C ^= (a & (c >> 4)) ^ (b & (d >> 4))
    D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))
    a = A; b = B; c = C; d = D
    C ^= (a & (c >> 8)) ^ (b & (d >> 8))
    D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))
    a = C ^ (C >> 1)
    b = D ^ (D >> 1)
    var i0 = x ^ y
    var i1 = b | (0xFFFF ^ (i0 | a))
    i0 = (i0 | (i0 << 8)) & 0x00FF00FF
    i0 = (i0 | (i0 << 4)) & 0x0F0F0F0F
    i0 = (i0 | (i0 << 2)) & 0x33333333
    i0 = (i0 | (i0 << 1)) & 0x55555555
    i1 = (i1 | (i1 << 8)) & 0x00FF00FF
    i1 = (i1 | (i1 << 4)) & 0x0F0F0F0F
    i1 = (i1 | (i1 << 2)) & 0x33333333
    i1 = (i1 | (i1 << 1)) & 0x55555555
    return (i1 << 1) | i0
}

// MARK: - Edges near a point

/// Every zone edge, bucketed in a uniform grid with cells padded by the tolerance:
/// answers "which zones have a boundary within the tolerance of this point" in a few
/// segment tests. Plain arrays, shared read-only between threads.
struct EdgeGrid: Sendable {
    let tolerance: Double
    let geographic: Bool
    let ellipsoid: Ellipsoid
    let metresPerUnit: Double
    var x0 = 0.0, y0 = 0.0, cell = 1.0
    var nx = 0, ny = 0
    var start: [Int32] = []
    var items: [Int32] = []
    var ax: [Double] = [], ay: [Double] = [], bx: [Double] = [], by: [Double] = []
    var zone: [Int32] = []

    init(_ zones: [MultiPolygon], tolerance: Double, geographic: Bool, ellipsoid: Ellipsoid, metresPerUnit: Double) {
        self.tolerance = tolerance; self.geographic = geographic; self.ellipsoid = ellipsoid; self.metresPerUnit = metresPerUnit
        var ext = Box.empty
        for (z, g) in zones.enumerated() {
            for p in g.polygons {
                for r in [p.shell] + p.holes where r.points.count >= 2 {
                    for j in 1..<r.points.count {
                        let a = r.points[j - 1], b = r.points[j]
                        ax.append(a.x); ay.append(a.y); bx.append(b.x); by.append(b.y); zone.append(Int32(z))
                        ext.expand(x: a.x, y: a.y); ext.expand(x: b.x, y: b.y)
                    }
                    if let f = r.points.first, let l = r.points.last, f != l {
                        ax.append(l.x); ay.append(l.y); bx.append(f.x); by.append(f.y); zone.append(Int32(z))
                    }
                }
            }
        }
        let n = ax.count
        guard n > 0 else { return }
        // Padding in CRS units, conservative.
        let padX: Double, padY: Double
        if geographic {
            let e2 = ellipsoid.flattening * (2 - ellipsoid.flattening)
            padY = tolerance / (ellipsoid.semiMajor * (1 - e2)) * 180 / .pi * 1.01
            let c = cos(min(89.0, max(abs(ext.ymin), abs(ext.ymax)) + padY) * .pi / 180)
            padX = tolerance / (ellipsoid.semiMajor * c) * 180 / .pi * 1.01
        } else {
            padX = 2 * tolerance / metresPerUnit; padY = padX
        }
        x0 = ext.xmin - padX; y0 = ext.ymin - padY
        let w = ext.width + 2 * padX, h = ext.height + 2 * padY
        cell = max((w * h / Double(n)).squareRoot(), 1e-12)
        nx = max(1, Int((w / cell).rounded(.up))); ny = max(1, Int((h / cell).rounded(.up)))
        func range(_ lo: Double, _ hi: Double, _ o: Double, _ m: Int) -> ClosedRange<Int> {
            max(0, min(m - 1, Int(((lo - o) / cell).rounded(.down)))) ... max(0, min(m - 1, Int(((hi - o) / cell).rounded(.down))))
        }
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        for pass in 0..<2 {
            if pass == 1 {
                var acc: Int32 = 0
                for k in 0..<counts.count { let c = counts[k]; counts[k] = acc; acc += c }
                start = counts
                items = [Int32](repeating: 0, count: Int(acc))
            }
            for s in 0..<n {
                let cx = range(min(ax[s], bx[s]) - padX, max(ax[s], bx[s]) + padX, x0, nx)
                let cy = range(min(ay[s], by[s]) - padY, max(ay[s], by[s]) + padY, y0, ny)
                for j in cy { for i in cx {
                    let k = j * nx + i
                    if pass == 0 { counts[k] += 1 } else { items[Int(counts[k])] = Int32(s); counts[k] += 1 }
                } }
            }
        }
        // Segments copied in cell order: a query reads one contiguous run.
        ax = items.map { ax[Int($0)] }; ay = items.map { ay[Int($0)] }
        bx = items.map { bx[Int($0)] }; by = items.map { by[Int($0)] }
        zone = items.map { zone[Int($0)] }
        items = []
    }

    func deepCopy() -> EdgeGrid {
        var g = self
        g.start = start.map { $0 }; g.items = items.map { $0 }
        g.ax = ax.map { $0 }; g.ay = ay.map { $0 }; g.bx = bx.map { $0 }; g.by = by.map { $0 }; g.zone = zone.map { $0 }
        return g
    }

    /// Append the zones with an edge within the tolerance of (x, y) (each once).
    func near(_ x: Double, _ y: Double, into out: inout [Int32]) {
        guard nx > 0 else { return }
        let i = Int(((x - x0) / cell).rounded(.down)), j = Int(((y - y0) / cell).rounded(.down))
        guard i >= 0, i < nx, j >= 0, j < ny else { return }
        var kx = metresPerUnit, ky = metresPerUnit
        if geographic {
            let (m, n) = ellipsoid.radii(atLatitude: y)
            kx = n * cos(y * .pi / 180) * .pi / 180; ky = m * .pi / 180
        }
        let t2 = tolerance * tolerance
        let first = out.count
        let k = j * nx + i
        for s in Int(start[k])..<Int(start[k + 1]) {
            let z = zone[s]
            var seen = false
            var q = first
            while q < out.count { if out[q] == z { seen = true; break }; q += 1 }
            if seen { continue }
            let px = (ax[s] - x) * kx, py = (ay[s] - y) * ky
            let dx = (bx[s] - ax[s]) * kx, dy = (by[s] - ay[s]) * ky
            let len2 = dx * dx + dy * dy
            var t = len2 > 0 ? -(px * dx + py * dy) / len2 : 0
            t = t < 0 ? 0 : (t > 1 ? 1 : t)
            let cx = px + t * dx, cy = py + t * dy
            if cx * cx + cy * cy <= t2 { out.append(z) }
        }
    }
}

// MARK: - WKB of plain polygons

/// ISO WKB (little-endian MultiPolygon) of a plain geometry; empty bytes for an empty one.
func wkbOf(_ g: MultiPolygon) -> [UInt8] {
    guard !g.isEmpty else { return [] }
    var b: [UInt8] = []
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { b.append(contentsOf: $0) } }
    func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
    b.append(1); u32(6); u32(g.polygons.count)
    for p in g.polygons {
        b.append(1); u32(3); u32(1 + p.holes.count)
        for r in [p.shell] + p.holes {
            var pts = r.points
            if let f = pts.first, let l = pts.last, f != l { pts.append(f) }   // GEOS wants closed rings
            u32(pts.count)
            for q in pts { f64(q.x); f64(q.y) }
        }
    }
    return b
}

// MARK: - Output

extension PointJoinResult {
    /// Names of the added columns: the id field, the include fields, `match`, `distance_m`,
    /// `swapped_<id>`. A zone field whose name is already a points column (compared
    /// case-insensitively, as GeoPackage does) is written as `found_<name>`; `match` and
    /// `distance_m` become `join_match`, `join_distance_m` in that case.
    public func addedColumns(after existing: [String]) -> [String] {
        var taken = Set(existing.map { $0.lowercased() })
        func name(_ s: String, _ prefix: String) -> String {
            var n = s
            while taken.contains(n.lowercased()) { n = prefix + n }
            taken.insert(n.lowercased())
            return n
        }
        var out = [name(idField, "found_")]
        out += includeFields.map { name($0, "found_") }
        out += [name("match", "join_"), name("distance_m", "join_"), name("swapped_" + idField, "join_")]
        return out
    }

    public func outputColumns(_ points: PointTable) -> [String] { points.columns + addedColumns(after: points.columns) }

    func distanceText(_ r: Int) -> String {
        let d = distance[r]
        if d.isNaN { return "" }
        if d == 0 { return "0" }
        return String(format: "%.1f", d)
    }

    /// The whole output as CSV bytes: every input row as read, then the added fields.
    /// Built in parallel chunks.
    public func csvChunks(_ points: PointTable, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [[UInt8]] {
        let n = points.count
        // Pre-encoded zone fields: ",id,attr..." per zone, and the empty version.
        let zoneBytes: [[UInt8]] = zoneIDs.indices.map { z in
            var b: [UInt8] = []
            b.append(UInt8(ascii: ",")); b.append(contentsOf: csvQuote(zoneIDs[z]).utf8)
            for a in zoneAttributes[z] { b.append(UInt8(ascii: ",")); b.append(contentsOf: csvQuote(a).utf8) }
            return b
        }
        let noZone = [UInt8](repeating: UInt8(ascii: ","), count: 1 + includeFields.count)
        let labels = MatchKind.allCases.map { Array(("," + $0.label + ",").utf8) }
        let swappedBytes: [[UInt8]] = zoneIDs.map { Array(csvQuote($0).utf8) }
        let rowsPerChunk = 65536
        let chunks = (n + rowsPerChunk - 1) / rowsPerChunk
        final class Slots: @unchecked Sendable { var parts: [[UInt8]]; init(_ k: Int) { parts = Array(repeating: [], count: k) } }
        let slots = Slots(chunks)
        var header = outputColumns(points).map(csvQuote).joined(separator: ",") + "\n"
        _ = header.withUTF8 { _ in }
        let head = Array(header.utf8)
        let me = self
        slots.parts.withUnsafeMutableBufferPointer { parts in
            let base = parts.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var b: [UInt8] = []
                let rows = c * rowsPerChunk ..< min(n, (c + 1) * rowsPerChunk)
                b.reserveCapacity(rows.count * 96)
                for r in rows {
                    points.appendCSV(r, to: &b)
                    let z = Int(me.zone[r])
                    if z >= 0 { b.append(contentsOf: zoneBytes[z]) } else { b.append(contentsOf: noZone) }
                    b.append(contentsOf: labels[Int(me.match[r].rawValue)])
                    let d = me.distance[r]
                    if d == 0 { b.append(UInt8(ascii: "0")) } else if !d.isNaN { b.append(contentsOf: me.distanceText(r).utf8) }
                    b.append(UInt8(ascii: ","))
                    let s = Int(me.swappedZone[r])
                    if s >= 0 { b.append(contentsOf: swappedBytes[s]) }
                    b.append(UInt8(ascii: "\n"))
                }
                (base + c).initialize(to: b)   // replaces an empty array: no deinit needed
            }
        }
        _ = threads
        return [head] + slots.parts
    }

    /// Write the joined table: `.csv` (fast path), `.gpkg` (attributes only, no geometry) or `.xlsx`.
    public func write(_ points: PointTable, to path: String, bom: Bool = false) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "csv" {
            let parts = csvChunks(points)
            try writeAtomically(path) { tmp in
                guard let f = fopen(tmp, "wb") else {
                    throw GeoKitError("\(path): cannot write (\(String(cString: strerror(errno))))")
                }
                var ok = true
                if bom { ok = fwrite([0xEF, 0xBB, 0xBF] as [UInt8], 1, 3, f) == 3 }
                for p in parts where ok { ok = p.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) == $0.count } }
                if fclose(f) != 0 { ok = false }
                if !ok { throw GeoKitError("\(path): cannot write (disk full?)") }
            }
        } else {
            try table(points).write(to: path, layerName: "join", bom: bom)
        }
    }

    /// The joined table as cells (for GeoPackage / Excel output).
    public func table(_ points: PointTable) -> Table {
        var t = Table(columns: outputColumns(points))
        t.rows.reserveCapacity(points.count)
        for r in 0..<points.count {
            var row = points.fields(r).map { TableCell.text($0) }
            let z = Int(zone[r])
            row.append(z >= 0 ? .text(zoneIDs[z]) : .empty)
            for k in includeFields.indices { row.append(z >= 0 ? .text(zoneAttributes[z][k]) : .empty) }
            row.append(.text(match[r].label))
            row.append(distance[r].isNaN ? .empty : .number((distance[r] * 10).rounded() / 10))
            row.append(swappedZone[r] >= 0 ? .text(swappedID(r)) : .empty)
            t.rows.append(row)
        }
        return t
    }

    /// Why a row is not a clean inside match, in words.
    public func reason(_ r: Int, _ points: PointTable, idColumn: String? = nil, checkColumn: String? = nil) -> String {
        var parts: [String] = []
        let f = points.fields(r)
        func coordText() -> String {
            guard let xc = points.xColumn, let yc = points.yColumn,
                  let xi = points.columnIndex(xc), let yi = points.columnIndex(yc) else { return "the geometry" }
            return "\(yc)='\(yi < f.count ? f[yi] : "")', \(xc)='\(xi < f.count ? f[xi] : "")'"
        }
        switch spatial[r] {
        case .missingCoords: parts.append("blank coordinate: \(coordText())")
        case .invalidCoords:
            if points.status[r] == .invalid { parts.append("not a point / not a number: \(coordText())") }
            else { parts.append("coordinates out of range or not transformable, and not explained by a swap: \(coordText())") }
        case .swappedCoords: parts.append("given position outside every zone; with latitude and longitude exchanged it falls in \(swappedID(r)) (not applied)")
        case .outside: parts.append(distance[r].isNaN ? "outside every zone" + "" : "outside every zone")
        case .nearest: parts.append("outside every zone; nearest is \(zoneID(r)) at \(distanceText(r)) m")
        case .border:
            let o = Int(otherZone[r])
            parts.append("on the shared border of \(zoneID(r)) and \(o >= 0 ? zoneIDs[o] : "?"); lowest id chosen")
        case .inside, .duplicateID, .mismatch: break
        }
        if !duplicateCount.isEmpty && duplicateCount[r] > 1 {
            let id = idColumn.flatMap { points.columnIndex($0) }.map { $0 < f.count ? f[$0] : "" } ?? ""
            parts.append("\(idColumn ?? "id") '\(id)' appears \(duplicateCount[r]) times")
        }
        if !mismatch.isEmpty && mismatch[r] {
            let reg = register[r].trimmingCharacters(in: .whitespaces)
            parts.append(reg.isEmpty ? "register \(checkColumn ?? "code") is blank; found \(foundCode(r))"
                                     : "register \(checkColumn ?? "code")=\(reg) but found \(foundCode(r))")
        }
        return parts.joined(separator: "; ")
    }

    /// The QA table: every row that is not a clean inside match.
    public func report(_ points: PointTable, idColumn: String? = nil, checkColumn: String? = nil) -> Table {
        var cols = ["row"]
        let idIdx = idColumn.flatMap { points.columnIndex($0) }
        if let idColumn { cols.append(idColumn) }
        cols += ["match", "reason", idField, "swapped_" + idField]
        if let checkColumn { cols += [checkColumn, "found_" + checkColumn] }
        cols.append("distance_m")
        var t = Table(columns: cols)
        for r in 0..<match.count where match[r] != .inside {
            var row: [TableCell] = [.number(Double(r + 1))]
            if idColumn != nil {
                let f = points.fields(r)
                row.append(.text(idIdx.map { $0 < f.count ? f[$0] : "" } ?? ""))
            }
            row += [.text(match[r].label), .text(reason(r, points, idColumn: idColumn, checkColumn: checkColumn)),
                    .text(zoneID(r)), .text(swappedID(r))]
            if checkColumn != nil { row += [.text(register.isEmpty ? "" : register[r]), .text(foundCode(r))] }
            row.append(distance[r].isNaN ? .empty : .number((distance[r] * 10).rounded() / 10))
            t.rows.append(row)
        }
        return t
    }
}
