import Foundation
import GeoCore
import GeoGDAL

// MARK: - The parallel location pass

/// Raw output arrays written by workers at disjoint rows.
private struct OutPointers: @unchecked Sendable {
    package var spatial: UnsafeMutablePointer<MatchKind>
    package var zone: UnsafeMutablePointer<Int32>
    package var swapped: UnsafeMutablePointer<Int32>
    package var other: UnsafeMutablePointer<Int32>
    package var distance: UnsafeMutablePointer<Double>
}

package struct JoinPlan: Sendable {
    package let zones: JoinZones
    package let n: Int
    package let nearest: Double
    package let pointsGeographic: Bool
    package let zonesGeographic: Bool
    package let zonesMetresPerUnit: Double
    package let needPointTransform: Bool
    package let pointsAreGeo: Bool
    package let ellipsoid: Ellipsoid
    package let pointsWKT: String, zonesWKT: String, geoWKT: String

    package static let chunk = 8192

    package func run(points: PointTable, into result: inout PointJoinResult, threads: Int,
                     progress: ((Int, Int) -> Void)? = nil) throws {
        let chunks = (n + Self.chunk - 1) / Self.chunk
        let located = LocatedCount()
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
                            try WorkerPool(threads: threads).run(tasks: chunks, state: { try JoinWorker(plan: self) }) { w, c in
                                let rows = order[c * Self.chunk ..< min(n, (c + 1) * Self.chunk)]
                                w.process(points, rows, out)
                                if let progress { located.add(rows.count, of: n, progress) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Points located so far, reported under a lock so the counts reach the caller in order.
private final class LocatedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    func add(_ k: Int, of total: Int, _ report: (Int, Int) -> Void) {
        lock.lock(); defer { lock.unlock() }
        done += k
        report(done, total)
    }
}

extension JoinPlan {
    /// For the rows the pass found on a border: every other zone at the point and whether
    /// the id order chose. Located again, one row at a time, by the pass's own `locate`
    /// (border rows are few, and a chunk's workers need not keep lists for all rows).
    package func borders(points: PointTable, rows: [Int]) throws -> [Int: BorderZones] {
        guard !rows.isEmpty else { return [:] }
        let w = try JoinWorker(plan: self)
        var out: [Int: BorderZones] = [:]
        for r in rows {
            var x = points.x[r], y = points.y[r]
            guard w.transformOne(w.toZones, &x, &y) else { continue }
            let (best, _, tie) = w.locate(x, y, w.grid, w.edges, w.rank)
            guard best >= 0 else { continue }
            out[r] = BorderZones(others: w.involved(excluding: best, w.rank), tieBreak: tie)
        }
        return out
    }
}

/// Row numbers sorted by the Hilbert position of their coordinates (rows without usable
/// coordinates last): a radix sort on 32-bit keys, two passes of 16 bits.
package func spatialOrder(_ points: PointTable) -> [Int32] {
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
    package let plan: JoinPlan
    package let context = GEOSContext()
    /// Zones prepared on first use (most workers touch only the zones of their chunks).
    package var prepared: [PreparedGeometry?]
    package var tried: [Bool]
    package let toZones: CoordinateTransform?
    package let zonesToGeo: CoordinateTransform?
    package let pointsToGeo: CoordinateTransform?
    // Worker-local deep copies of the hot read-only structures: sharing one array buffer
    // between threads makes every retain/release bounce its cache line between cores.
    package let tree: BoxTree
    package let grid: BoxGrid
    package let edges: EdgeGrid?
    package let rank: [Int32]
    package var candidates: [Int32] = []
    package var nearBuf: [Int32] = []
    package var coverBuf: [Int32] = []
    package var stack: [Int32] = []
    package var bx: [Double] = [], by: [Double] = []

    package init(plan: JoinPlan) throws {
        self.plan = plan
        tree = plan.zones.tree.deepCopy()
        grid = plan.zones.grid.deepCopy()
        edges = plan.zones.edges?.deepCopy()
        rank = plan.zones.rank.map { $0 }
        prepared = Array(repeating: nil, count: plan.zones.ids.count)
        tried = Array(repeating: false, count: plan.zones.ids.count)
        let p = try SpatialReference(definition: plan.pointsWKT)
        let z = try SpatialReference(definition: plan.zonesWKT)
        let g = try SpatialReference(definition: plan.geoWKT)
        toZones = plan.needPointTransform ? try CoordinateTransform(from: p, to: z) : nil
        zonesToGeo = plan.zonesGeographic ? nil : try CoordinateTransform(from: z, to: g)
        pointsToGeo = plan.pointsAreGeo ? nil : try CoordinateTransform(from: p, to: g)
        candidates.reserveCapacity(64); stack.reserveCapacity(64)
    }

    package func preparedZone(_ z: Int) -> PreparedGeometry? {
        if tried[z] { return prepared[z] }
        tried[z] = true
        let wkb = plan.zones.wkb[z]
        guard !wkb.isEmpty, let g = try? Geometry(wkb: wkb, context: context) else { return nil }
        prepared[z] = PreparedGeometry(g)
        return prepared[z]
    }

    /// The zone of (x, y) in the zones' CRS, the next other id at the point, and whether
    /// the id order decided. A zone that covers the point (GEOS covers: inside or on its
    /// boundary) is the point's zone, even when another zone's boundary passes within the
    /// tolerance; only a point covered by two ids (a shared edge, an overlap) or by none
    /// (within the tolerance of a zone, outside it) gets the lowest id. `involvedBuf` is
    /// left with every zone covering the point or within the tolerance of it.
    /// `grid`, `edges` and `rank` are passed in (borrowed) so the hot loop does no reference counting.
    package func locate(_ x: Double, _ y: Double, _ grid: BoxGrid, _ edges: EdgeGrid?, _ rank: [Int32]) -> (best: Int32, other: Int32, tieBreak: Bool) {
        candidates.removeAll(keepingCapacity: true)
        nearBuf.removeAll(keepingCapacity: true)
        coverBuf.removeAll(keepingCapacity: true)
        grid.query(x, y, into: &candidates)
        edges?.near(x, y, into: &nearBuf)
        if candidates.isEmpty && nearBuf.isEmpty { return (-1, -1, false) }
        var cover: Int32 = -1, coverOther: Int32 = -1
        var probe: ProbePoint?
        for c in candidates {
            if probe == nil { probe = ProbePoint(x: x, y: y, context: context); if probe == nil { break } }
            guard let pg = preparedZone(Int(c)), pg.covers(probe!) else { continue }
            coverBuf.append(c)
            // Zones do not overlap in a clean layer, but keep looking: a point covered by
            // two is on their border (or in an overlap), and the lowest id must win.
            consider(c, &cover, &coverOther, rank)
        }
        probe?.release()
        var best = cover, other: Int32 = -1
        if best < 0 { for c in nearBuf { consider(c, &best, &other, rank) } }
        else {
            other = coverOther
            for c in nearBuf where rank[Int(c)] != rank[Int(best)] && (other < 0 || rank[Int(c)] < rank[Int(other)]) { other = c }
        }
        return (best, other, other >= 0 && (cover < 0 || coverOther >= 0))
    }

    /// The zones (one per id, in id order) other than `best` that cover the point or pass
    /// within the tolerance of it, after `locate`.
    package func involved(excluding best: Int32, _ rank: [Int32]) -> [Int32] {
        var seen = Set<Int32>([rank[Int(best)]])
        var out: [Int32] = []
        for c in coverBuf + nearBuf where seen.insert(rank[Int(c)]).inserted { out.append(c) }
        return out.sorted { rank[Int($0)] < rank[Int($1)] }
    }

    @inline(__always)
    package func consider(_ c: Int32, _ best: inout Int32, _ other: inout Int32, _ rank: [Int32]) {
            if best < 0 { best = c; return }
            let rc = rank[Int(c)], rb = rank[Int(best)]
            if rc == rb { return }   // same id: one zone in several features
            if rc < rb { if other < 0 || rb < rank[Int(other)] { other = best }; best = c }
            else if other < 0 || rc < rank[Int(other)] { other = c }
    }

    package func inRange(_ x: Double, _ y: Double) -> Bool {
        !plan.pointsGeographic || (abs(x) <= 180 && abs(y) <= 90)
    }

    package func transformOne(_ t: CoordinateTransform?, _ x: inout Double, _ y: inout Double) -> Bool {
        guard let t else { return true }
        return t.transform(x: &x, y: &y)
    }

    package func process(_ points: PointTable, _ rows: ArraySlice<Int32>, _ out: OutPointers) {
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
            bx.withUnsafeMutableBufferPointer { xp in by.withUnsafeMutableBufferPointer { yp in tok.withUnsafeMutableBufferPointer { op in
                t.transform(count: xp.count, x: xp.baseAddress!, y: yp.baseAddress!, ok: op.baseAddress!)
            } } }
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
                let (best, other, _) = locate(zx, zy, grid, edges, rank)
                if best >= 0 {
                    out.zone[r] = best; out.other[r] = other; out.distance[r] = 0
                    out.spatial[r] = other >= 0 ? .border : .inside
                    continue
                }
            }
            // Latitude and longitude exchanged?
            var sx = py[k], sy = px[k]
            if inRange(sx, sy) && transformOne(toZones, &sx, &sy) {
                let (best, _, _) = locate(sx, sy, grid, edges, rank)
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
    package func nearestZone(_ zx: Double, _ zy: Double, _ px: Double, _ py: Double) -> (Int32, Double)? {
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
                        let (d2, t) = nearestOnSegment(ax: ax, ay: ay, dx: bxx - ax, dy: byy - ay)
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

