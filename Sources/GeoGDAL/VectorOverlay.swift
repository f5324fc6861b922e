import CGeo
import Foundation
import GeoCore

// Lines measured and polygons overlapped inside zones (`geotool vector`), with GEOS. Work
// is split by feature over the `WorkerPool`; each worker has its own GEOS context and
// prepares the zones it meets from WKB (GEOS objects never cross threads). Lengths and
// areas are geodesic on the ellipsoid (GeographicLib, as PROJ ships it) for a geographic
// CRS, planar in metres for a projected one.

/// How lengths and areas are measured in the zones' CRS.
public struct Measure: Sendable {
    public enum Kind: Sendable, Equatable {
        case geodesic(Ellipsoid)
        case planar(metresPerUnit: Double)
    }
    public let kind: Kind
    private let geod: GeodesicBox?
    /// `geod`'s struct, kept alive by it: read without retaining the box in the hot loop.
    nonisolated(unsafe) private let geodPointer: UnsafeMutablePointer<geod_geodesic>?

    public init(_ kind: Kind) {
        self.kind = kind
        if case .geodesic(let e) = kind {
            geod = GeodesicBox(e)
        } else {
            geod = nil
        }
        geodPointer = geod?.pointer
    }

    /// The measure of a CRS: geodesic on its ellipsoid when geographic, else planar.
    public init(crs: SpatialReference) {
        switch crs.areaModel {
        case .geographic(let e): self.init(.geodesic(e))
        case .planar(let m): self.init(.planar(metresPerUnit: m))
        }
    }

    /// Length in metres of a line through `points` (longitude, latitude when geodesic).
    public func length(_ points: [Point]) -> Double {
        guard points.count > 1 else { return 0 }
        var total = 0.0
        if let g = geod {
            for i in 1..<points.count { total += g.distance(points[i - 1], points[i]) }
            return total
        }
        guard case .planar(let m) = kind else { return 0 }
        for i in 1..<points.count { total += hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y) }
        return total * m
    }

    /// Length in metres of the segment ab: `length([a, b])` without an array.
    @inline(__always)
    public func length(_ a: Point, _ b: Point) -> Double {
        if let g = geodPointer {
            var s = 0.0
            geod_inverse(g, a.y, a.x, b.y, b.x, &s, nil, nil)
            return s
        }
        guard case .planar(let m) = kind else { return 0 }
        return hypot(b.x - a.x, b.y - a.y) * m
    }

    /// Area in square metres of a ring (its orientation does not matter).
    public func area(_ ring: Ring) -> Double {
        let pts = ring.points
        guard pts.count > 2 else { return 0 }
        if let g = geod {
            var lats = pts.map(\.y), lons = pts.map(\.x)
            var a = 0.0, p = 0.0
            geod_polygonarea(g.pointer, &lats, &lons, Int32(pts.count), &a, &p)
            return abs(a)
        }
        guard case .planar(let m) = kind else { return 0 }
        var s = 0.0
        for i in 0..<pts.count { let j = (i + 1) % pts.count; s += pts[i].x * pts[j].y - pts[j].x * pts[i].y }
        return abs(s) / 2 * m * m
    }

    /// Area in square metres of polygons (shells less holes).
    public func area(_ mp: MultiPolygon) -> Double {
        mp.polygons.reduce(0) { acc, p in acc + area(p.shell) - p.holes.reduce(0) { $0 + area($1) } }
    }
}

/// PROJ's geodesic of an ellipsoid, set up once and only read afterwards (so shared by
/// threads), passed to PROJ by pointer: the struct is some 400 bytes, copied per call otherwise.
private final class GeodesicBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<geod_geodesic>
    init(_ e: Ellipsoid) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: geod_geodesic())
        geod_init(pointer, e.semiMajor, e.flattening)
    }
    deinit { pointer.deallocate() }

    /// Geodesic distance in metres between two (longitude, latitude) points.
    @inline(__always)
    func distance(_ a: Point, _ b: Point) -> Double {
        var s = 0.0
        geod_inverse(pointer, a.y, a.x, b.y, b.x, &s, nil, nil)
        return s
    }
}

/// Zones as the overlay needs them: WKB, boxes and the order that breaks ties on borders.
public struct OverlayZones: Sendable {
    public var wkb: [[UInt8]]
    public var boxes: [Box]
    /// Position of each zone in the tie-break order (id, then input position): a piece of
    /// line on the border of two zones goes to the first.
    public var order: [Int32]
    package var tree: BoxTree
    /// The same boxes on a grid: most features (short road segments) lie within one cell.
    package var grid: BoxGrid

    public init(wkb: [[UInt8]], boxes: [Box], order: [Int32]) {
        self.wkb = wkb; self.boxes = boxes; self.order = order
        tree = BoxTree(boxes)
        grid = BoxGrid(boxes)
    }
    public var count: Int { wkb.count }
}

/// Line lengths in metres per zone and per zone and class (`byClass[zone * classes + class]`).
public struct LineLengths: Sendable {
    public var total: [Double]
    public var byClass: [Double]
}

/// Polygon overlap per zone: dissolved areas in m² (all classes, and per class), and the
/// number of features overlapping each zone (with a positive area).
public struct PolygonOverlap: Sendable {
    public var area: [Double]
    public var areaByClass: [Double]
    public var features: [Double]
    public var featuresByClass: [Double]
}

/// A zone's edges, when it has few enough to be tested without GEOS.
struct EdgesOf { let value: ZoneEdges? }

/// One worker's GEOS context and the zones it prepared.
private final class OverlayWorker {
    let context = GEOSContext()
    let zones: OverlayZones
    var geometry: [Geometry?]
    var prepared: [PreparedGeometry?]
    /// Per zone, its edges once looked at (`.some(nil)`: no zone).
    @exclusivity(unchecked) var edges: [EdgesOf??]
    // The hot loop's buffers, used by this worker's thread alone: no dynamic exclusivity checks.
    @exclusivity(unchecked) var candidates: [Int32] = []
    @exclusivity(unchecked) var stack: [Int32] = []
    var areas: [Double]
    /// The cut without GEOS: its buffers, the zones it cuts by and their lengths.
    @exclusivity(unchecked) var cutter = LineCutter()
    @exclusivity(unchecked) var cutZones: [ZoneEdges] = []
    @exclusivity(unchecked) var cutIds: [Int32] = []
    @exclusivity(unchecked) var cutLengths: [Double] = []
    // Worker-local copies of the index (as the join's workers keep): one shared buffer's
    // reference count bounces between cores otherwise.
    let tree: BoxTree
    let grid: BoxGrid
    let order: [Int32]

    init(_ zones: OverlayZones) {
        areas = Array(repeating: .nan, count: zones.count)
        tree = zones.tree.deepCopy()
        grid = zones.grid.deepCopy()
        order = zones.order.map { $0 }
        self.zones = zones
        geometry = Array(repeating: nil, count: zones.count)
        prepared = Array(repeating: nil, count: zones.count)
        edges = Array(repeating: nil, count: zones.count)
    }

    /// The zone's edges for the tests without GEOS (`value` nil: too many edges), or nil
    /// for no zone (an empty geometry), as `zone` says.
    func edges(_ z: Int) throws -> EdgesOf? {
        if let e = edges[z] { return e }
        let e = try zone(z).map { EdgesOf(value: ZoneEdges($0.0.polygons())) }
        edges[z] = .some(e)
        return e
    }

    func zone(_ z: Int) throws -> (Geometry, PreparedGeometry)? {
        if let g = geometry[z], let p = prepared[z] { return (g, p) }
        guard !zones.wkb[z].isEmpty else { return nil }
        let g = try Geometry(wkb: zones.wkb[z], context: context)
        guard !g.isEmpty, let p = PreparedGeometry(g) else { return nil }
        geometry[z] = g; prepared[z] = p
        return (g, p)
    }

    /// The lengths in metres of the plain lines inside each candidate zone (in tie-break
    /// order), cut without GEOS, added to `out` as (zone, class, metres) for the zones they
    /// are in; false (nothing added) when the cut is not certain or a zone has too many
    /// edges: GEOS then cuts the feature.
    func cut(_ lines: [[Point]], _ box: Box, class c: Int32, _ measure: Measure, into out: inout [(Int32, Int32, Double)]) throws -> Bool {
        cutZones.removeAll(keepingCapacity: true); cutIds.removeAll(keepingCapacity: true)
        for z32 in candidates(box) {
            guard let e = try edges(Int(z32)) else { continue }
            guard let v = e.value else { return false }
            cutZones.append(v); cutIds.append(z32)
        }
        guard cutter.cut(lines, by: cutZones) else { return false }
        if cutter.pieces.isEmpty { return true }
        cutLengths.removeAll(keepingCapacity: true)
        cutLengths.append(contentsOf: repeatElement(-1, count: cutZones.count))
        for piece in cutter.pieces {
            let k = Int(piece.zone)
            cutLengths[k] = max(cutLengths[k], 0) + measure.length(piece.a, piece.b)
        }
        for k in cutLengths.indices where cutLengths[k] >= 0 { out.append((cutIds[k], c, cutLengths[k])) }
        return true
    }

    /// The zone's area in m² (measured once).
    func area(_ z: Int, _ measure: Measure) -> Double {
        if areas[z].isNaN { areas[z] = geometry[z].map { measure.area($0.polygons()) } ?? 0 }
        return areas[z]
    }

    /// Zones whose box meets `b`, in tie-break order.
    func candidates(_ b: Box) -> [Int32] {
        candidates.removeAll(keepingCapacity: true)
        if !grid.query(b, into: &candidates) { tree.query(b, into: &candidates, stack: &stack) }
        if candidates.count < 2 { return candidates }
        // Insertion sort in place (a handful of zones): no new array per feature.
        order.withUnsafeBufferPointer { order in
            for i in 1..<candidates.count {
                let c = candidates[i], key = order[Int(c)]
                var j = i - 1
                while j >= 0 && order[Int(candidates[j])] > key { candidates[j + 1] = candidates[j]; j -= 1 }
                candidates[j + 1] = c
            }
        }
        return candidates
    }
}

/// The length of every line feature inside each zone. A piece of line inside several zones
/// (on the shared border of two, or where zones overlap) is counted once, for the first
/// of them in `zones.order`: each feature is cut by the zones in that order, and what one
/// zone took (its closed polygon, boundary included) is taken out before the next.
public func lineLengths(_ features: VectorFeatures, classOf: [Int32], classes: Int, zones: OverlayZones,
                        measure: Measure, threads: Int, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> LineLengths {
    let done = DoneCount(total: features.wkb.count, progress)
    let n = zones.count
    let chunk = 256
    let tasks = (features.wkb.count + chunk - 1) / chunk
    // Each task keeps its pieces' lengths (zone, class, metres) in feature order; they are
    // added in task order afterwards, so each zone's sums run in feature order whatever the
    // threads, and a run over a subset of the features gives the same sums for the zones
    // those features cover (what `geotool vector --part` relies on).
    let pieces = TaskPieces<(Int32, Int32, Double)>(tasks: tasks)
    try WorkerPool(threads: threads).run(tasks: tasks, state: { () throws -> OverlayWorker in
        OverlayWorker(zones)
    }, task: { w, k in
        var mine: [(Int32, Int32, Double)] = []
        for f in (k * chunk)..<min(features.wkb.count, (k + 1) * chunk) {
            // Plain lines are cut without GEOS (GeoCore's `LineCutter`) when the cut is
            // certain: clean crossings of the zones' edges only. Otherwise they are tested
            // zone by zone, while the answer is certain (inside or away from the zone); the
            // GEOS geometry is made at the first zone that needs it, and does the rest.
            let plain = plainLineStrings(wkb: features.wkb[f])
            let c = classOf[f]
            if let plain, try w.cut(plain, features.boxes[f], class: c, measure, into: &mine) { continue }
            var rest: Geometry? = plain == nil ? try Geometry(wkb: features.wkb[f], context: w.context) : nil
            zones: for z32 in w.candidates(features.boxes[f]) {
                if let r = rest, r.isEmpty { break }
                if rest == nil, let plain {
                    guard let edges = try w.edges(Int(z32)) else { continue }
                    switch edges.value?.relation(plain) {
                    case .disjoint?: continue zones
                    case .inside?:
                        mine.append((z32, c, measure.length(plain)))
                        break zones
                    case nil:
                        rest = try Geometry(wkb: features.wkb[f], context: w.context)
                    }
                }
                guard let r = rest, let (zg, zp) = try w.zone(Int(z32)), zp.intersects(r) else { continue }
                if zp.containsProperly(r) {
                    mine.append((z32, c, measure.length(r.lineStrings())))
                    break
                }
                let piece = try r.intersection(zg)
                mine.append((z32, c, measure.length(piece.lineStrings())))
                rest = try r.difference(zg)
            }
        }
        pieces.set(k, mine)
        done.add(min(features.wkb.count, (k + 1) * chunk) - k * chunk)
    })
    var out = LineLengths(total: Array(repeating: 0, count: n), byClass: Array(repeating: 0, count: n * classes))
    for list in pieces.lists {
        for (z, c, len) in list { out.total[Int(z)] += len; out.byClass[Int(z) * classes + Int(c)] += len }
    }
    return out
}

/// Per task, what it found, kept in task order.
private final class TaskPieces<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var store: [[T]]
    init(tasks: Int) { store = Array(repeating: [], count: tasks) }
    func set(_ k: Int, _ v: [T]) { lock.lock(); store[k] = v; lock.unlock() }
    var lists: [[T]] { lock.lock(); defer { lock.unlock() }; return store }
}

/// Pieces smaller than this share of their zone's area are rounding slivers, not overlaps:
/// a polygon that shares an edge with a zone, once reprojected, may cross it by 1e-9 degrees.
public let sliverShare = 1e-9

/// The dissolved overlap of polygon features with each zone: per feature, its pieces in
/// the zones it meets; per zone, the pieces of each class dissolved (union) and measured,
/// and all classes dissolved together, so no area counts twice. A piece smaller than
/// `sliverShare` of the zone is left out.
public func polygonOverlap(_ features: VectorFeatures, classOf: [Int32], classes: Int, zones: OverlayZones,
                           measure: Measure, threads: Int, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PolygonOverlap {
    let done = DoneCount(total: features.wkb.count, progress)
    let n = zones.count
    let chunk = 64
    let tasks = (features.wkb.count + chunk - 1) / chunk
    // Pass 1: pieces (WKB) of each feature in each zone it overlaps.
    let pieces = PieceStore(zones: n)
    try WorkerPool(threads: threads).run(tasks: tasks, state: { () throws -> (OverlayWorker, [(Int32, Int32, Int, [UInt8])]) in
        (OverlayWorker(zones), [])
    }, task: { state, k in
        let w = state.0
        for f in (k * chunk)..<min(features.wkb.count, (k + 1) * chunk) {
            let g = try Geometry(wkb: features.wkb[f], context: w.context)
            for z32 in w.candidates(features.boxes[f]) {
                let z = Int(z32)
                guard let (zg, zp) = try w.zone(z), zp.intersects(g) else { continue }
                let piece = zp.containsProperly(g) ? g : try g.intersection(zg)
                let polys = piece.polygons()
                // A sliver of rounding (a polygon along the zone's edge, reprojected) is no overlap.
                guard measure.area(polys) > sliverShare * w.area(z, measure) else { continue }
                state.1.append((z32, classOf[f], f, wkbOf(polys)))
            }
        }
        if state.1.count > 4096 { pieces.add(state.1); state.1.removeAll() }
        done.add(min(features.wkb.count, (k + 1) * chunk) - k * chunk)
    }, finish: { state in
        pieces.add(state.1)
    })
    // Pass 2: per zone, dissolve and measure.
    var out = PolygonOverlap(area: Array(repeating: 0, count: n), areaByClass: Array(repeating: 0, count: n * classes),
                             features: Array(repeating: 0, count: n), featuresByClass: Array(repeating: 0, count: n * classes))
    let byZone = pieces.byZone()
    let results = Merged([(Int, PolygonOverlapRow)]())
    try WorkerPool(threads: threads).run(tasks: n, state: { () throws -> (GEOSContext, [(Int, PolygonOverlapRow)]) in
        (GEOSContext(), [])
    }, task: { state, z in
        let list = byZone[z]
        guard !list.isEmpty else { return }
        var row = PolygonOverlapRow(area: 0, byClass: [:], features: list.count, featuresByClass: [:])
        var perClass: [Int32: [[UInt8]]] = [:]
        for (c, wkb) in list { perClass[c, default: []].append(wkb); row.featuresByClass[c, default: 0] += 1 }
        for (c, wkbs) in perClass { row.byClass[c] = measure.area(try dissolve(wkbs, state.0)) }
        row.area = perClass.count == 1 ? row.byClass.values.first! : measure.area(try dissolve(list.map(\.1), state.0))
        state.1.append((z, row))
    }, finish: { state in
        results.add(state.1)
    })
    for (z, row) in results.value {
        out.area[z] = row.area; out.features[z] = Double(row.features)
        for (c, a) in row.byClass { out.areaByClass[z * classes + Int(c)] = a }
        for (c, k) in row.featuresByClass { out.featuresByClass[z * classes + Int(c)] = Double(k) }
    }
    return out
}

private struct PolygonOverlapRow {
    var area: Double
    var byClass: [Int32: Double]
    var features: Int
    var featuresByClass: [Int32: Int]
}

/// The union of polygonal WKB pieces, as plain polygons (one piece needs no union).
private func dissolve(_ wkbs: [[UInt8]], _ ctx: GEOSContext) throws -> MultiPolygon {
    if wkbs.count == 1 { return try Geometry(wkb: wkbs[0], context: ctx).polygons() }
    let geoms = try wkbs.map { try Geometry(wkb: $0, context: ctx) }
    var handles: [OpaquePointer?] = geoms.map { GEOSGeom_clone_r(ctx.handle, $0.handle) }
    guard let coll = handles.withUnsafeMutableBufferPointer({
        GEOSGeom_createCollection_r(ctx.handle, Int32(GEOS_GEOMETRYCOLLECTION.rawValue), $0.baseAddress, UInt32($0.count))
    }) else { throw GeoKitError(.internal, "cannot collect geometries: \(ctx.lastMessage)") }
    let all = Geometry(ctx, coll)
    guard let u = GEOSUnaryUnion_r(ctx.handle, all.handle) else { throw GeoKitError(.input, "union failed: \(ctx.lastMessage)") }
    return Geometry(ctx, u).polygons()
}

/// Results of the workers, added under a lock.
private final class Merged<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: T
    init(_ v: T) { value = v }
    func add(_ part: [(Int, PolygonOverlapRow)]) where T == [(Int, PolygonOverlapRow)] {
        lock.lock(); value += part; lock.unlock()
    }
    func add(_ part: LineLengths) where T == LineLengths {
        lock.lock(); defer { lock.unlock() }
        for i in part.total.indices { value.total[i] += part.total[i] }
        for i in part.byClass.indices { value.byClass[i] += part.byClass[i] }
    }
}

/// Features done so far, reported under a lock so the counts reach the caller in order.
private final class DoneCount: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: (@Sendable (Int, Int) -> Void)?
    init(total: Int, _ report: (@Sendable (Int, Int) -> Void)?) { self.total = total; self.report = report }
    func add(_ k: Int) {
        guard let report else { return }
        lock.lock(); defer { lock.unlock() }
        done += k
        report(done, total)
    }
}

/// Polygon pieces by zone, added by the workers under a lock.
private final class PieceStore: @unchecked Sendable {
    private let lock = NSLock()
    private var lists: [[(Int32, Int, [UInt8])]]
    init(zones: Int) { lists = Array(repeating: [], count: zones) }
    func add(_ part: [(Int32, Int32, Int, [UInt8])]) {
        lock.lock(); defer { lock.unlock() }
        for (z, c, f, w) in part { lists[Int(z)].append((c, f, w)) }
    }
    /// Each zone's pieces in feature order (whatever thread found them first), so the
    /// dissolve, and the area, do not depend on the threads or on other zones' features.
    func byZone() -> [[(Int32, [UInt8])]] {
        lock.lock(); defer { lock.unlock() }
        return lists.map { $0.sorted { $0.1 < $1.1 }.map { ($0.0, $0.2) } }
    }
}

extension Geometry {
    public func intersection(_ other: Geometry) throws -> Geometry {
        guard let h = GEOSIntersection_r(context.handle, handle, other.handle) else {
            throw GeoKitError(.input, "intersection failed: \(context.lastMessage)")
        }
        return Geometry(context, h)
    }

    public func difference(_ other: Geometry) throws -> Geometry {
        guard let h = GEOSDifference_r(context.handle, handle, other.handle) else {
            throw GeoKitError(.input, "difference failed: \(context.lastMessage)")
        }
        return Geometry(context, h)
    }

    /// The line strings of this geometry (in collections too), as plain points; polygons
    /// and points are left out.
    public func lineStrings() -> [[Point]] {
        var out: [[Point]] = []
        func visit(_ g: OpaquePointer) {
            let t = GEOSGeomTypeId_r(context.handle, g)
            if t == Int32(GEOS_LINESTRING.rawValue) || t == Int32(GEOS_LINEARRING.rawValue) {
                guard GEOSGeom_getCoordSeq_r(context.handle, g) != nil else { return }
                out.append(coordinates(g))
            } else if t == Int32(GEOS_MULTILINESTRING.rawValue) || t == Int32(GEOS_GEOMETRYCOLLECTION.rawValue) {
                let n = GEOSGetNumGeometries_r(context.handle, g)
                if n > 0 { for i in 0..<n { if let p = GEOSGetGeometryN_r(context.handle, g, i) { visit(p) } } }
            }
        }
        visit(handle)
        return out
    }
}

extension Measure {
    /// Total length of several lines.
    public func length(_ lines: [[Point]]) -> Double { lines.reduce(0) { $0 + length($1) } }
}

extension PreparedGeometry {
    /// The geometry meets this one (interior or boundary).
    public func intersects(_ g: Geometry) -> Bool {
        GEOSPreparedIntersects_r(geometry.context.handle, handle, g.handle) == 1
    }
    /// The geometry lies in this one's interior, touching no boundary.
    public func containsProperly(_ g: Geometry) -> Bool {
        GEOSPreparedContainsProperly_r(geometry.context.handle, handle, g.handle) == 1
    }
}
