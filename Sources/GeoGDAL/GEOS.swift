import CGeo
import Foundation
import GeoCore

/// A GEOS context (reentrant API): one per thread. Messages are kept, not printed.
public final class GEOSContext {
    package let handle: GEOSContextHandle_t
    private final class Box { var last = "" }
    private let box = Box()

    public init() {
        handle = GEOS_init_r()
        let ud = Unmanaged.passUnretained(box).toOpaque()
        let handler: GEOSMessageHandler_r = { msg, userdata in
            guard let msg, let userdata else { return }
            let b = Unmanaged<GEOSContext.Box>.fromOpaque(userdata).takeUnretainedValue()
            b.last = String(cString: msg)
        }
        GEOSContext_setErrorMessageHandler_r(handle, handler, ud)
        GEOSContext_setNoticeMessageHandler_r(handle, { _, _ in }, nil)
    }
    deinit { GEOS_finish_r(handle) }

    package var lastMessage: String { box.last }

    public static var version: String { String(cString: GEOSversion()) }
}

/// A GEOS geometry that frees itself; keeps its context alive.
public final class Geometry {
    package let context: GEOSContext
    package let handle: OpaquePointer

    package init(_ ctx: GEOSContext, _ h: OpaquePointer) {
        context = ctx; handle = h
    }
    deinit { GEOSGeom_destroy_r(context.handle, handle) }

    public convenience init(wkb: [UInt8], context: GEOSContext) throws {
        guard let h = wkb.withUnsafeBufferPointer({ GEOSGeomFromWKB_buf_r(context.handle, $0.baseAddress, $0.count) }) else {
            throw GeoKitError(.input, "unreadable geometry: \(context.lastMessage)")
        }
        self.init(context, h)
    }

    public var isEmpty: Bool { GEOSisEmpty_r(context.handle, handle) == 1 }
    public var isValid: Bool { GEOSisValid_r(context.handle, handle) == 1 }
    public var invalidReason: String {
        guard let p = GEOSisValidReason_r(context.handle, handle) else { return "invalid" }
        defer { GEOSFree_r(context.handle, p) }
        return String(cString: p)
    }
    public var typeID: Int32 { GEOSGeomTypeId_r(context.handle, handle) }

    public func makeValid() throws -> Geometry {
        guard let h = GEOSMakeValid_r(context.handle, handle) else {
            throw GeoKitError(.input, "make-valid failed: \(context.lastMessage)")
        }
        return Geometry(context, h)
    }

    /// The points of a line string or ring of this geometry's context.
    func coordinates(_ ring: OpaquePointer) -> [Point] {
        guard let seq = GEOSGeom_getCoordSeq_r(context.handle, ring) else { return [] }
        var n: UInt32 = 0
        GEOSCoordSeq_getSize_r(context.handle, seq, &n)
        var pts = [Point](repeating: Point(0, 0), count: Int(n))
        for i in 0..<Int(n) {
            var x = 0.0, y = 0.0
            GEOSCoordSeq_getXY_r(context.handle, seq, UInt32(i), &x, &y)
            pts[i] = Point(x, y)
        }
        return pts
    }

    /// The polygonal part of this geometry as plain values (lines and points are dropped:
    /// they cover no area).
    public func polygons() -> MultiPolygon {
        var out: [Polygon] = []
        func visit(_ g: OpaquePointer) {
            let t = GEOSGeomTypeId_r(context.handle, g)
            if t == Int32(GEOS_POLYGON.rawValue) {
                if GEOSisEmpty_r(context.handle, g) == 1 { return }
                guard let ext = GEOSGetExteriorRing_r(context.handle, g) else { return }
                var holes: [Ring] = []
                let nh = GEOSGetNumInteriorRings_r(context.handle, g)
                if nh > 0 {
                    for i in 0..<nh {
                        if let r = GEOSGetInteriorRingN_r(context.handle, g, i) { holes.append(Ring(coordinates(r))) }
                    }
                }
                out.append(Polygon(shell: Ring(coordinates(ext)), holes: holes))
            } else if t == Int32(GEOS_MULTIPOLYGON.rawValue) || t == Int32(GEOS_GEOMETRYCOLLECTION.rawValue) {
                let n = GEOSGetNumGeometries_r(context.handle, g)
                if n > 0 { for i in 0..<n { if let p = GEOSGetGeometryN_r(context.handle, g, i) { visit(p) } } }
            }
        }
        visit(handle)
        return MultiPolygon(out)
    }

    public var bounds: Box {
        var b = Box.empty
        var x0 = 0.0, y0 = 0.0, x1 = 0.0, y1 = 0.0
        if GEOSGeom_getXMin_r(context.handle, handle, &x0) == 1, GEOSGeom_getYMin_r(context.handle, handle, &y0) == 1,
           GEOSGeom_getXMax_r(context.handle, handle, &x1) == 1, GEOSGeom_getYMax_r(context.handle, handle, &y1) == 1 {
            b = Box(xmin: x0, ymin: y0, xmax: x1, ymax: y1)
        }
        return b
    }
}

/// A geometry prepared for repeated point tests (GEOS builds its edge index once).
/// Keeps its geometry, and so its context, alive. One thread at a time, like its context.
public final class PreparedGeometry {
    public let geometry: Geometry
    package let handle: OpaquePointer

    public init?(_ g: Geometry) {
        guard let h = GEOSPrepare_r(g.context.handle, g.handle) else { return nil }
        geometry = g; handle = h
    }
    deinit { GEOSPreparedGeom_destroy_r(geometry.context.handle, handle) }

    /// True when the point lies inside or on the boundary.
    public func covers(_ p: ProbePoint) -> Bool {
        GEOSPreparedCovers_r(geometry.context.handle, handle, p.handle) == 1
    }
}

/// A GEOS point made once per query and tested against several prepared geometries
/// (GEOS 3.11 has no prepared containsXY). Free it with `release()`: it is a value, so
/// a hot loop allocates nothing else.
public struct ProbePoint {
    fileprivate let handle: OpaquePointer
    private let context: GEOSContext

    public init?(x: Double, y: Double, context: GEOSContext) {
        guard let h = GEOSGeom_createPointFromXY_r(context.handle, x, y) else { return nil }
        handle = h; self.context = context
    }
    public func release() { GEOSGeom_destroy_r(context.handle, handle) }
}

/// The union of polygonal WKB geometries (each repaired with make-valid first when
/// invalid), as WKB: the dissolved outline of a roll-up unit's zones. Nil when there is
/// none (no zone with a geometry).
public func unionWKB(_ wkbs: [[UInt8]]) throws -> [UInt8]? {
    let ctx = GEOSContext()
    var handles: [OpaquePointer?] = []
    for w in wkbs {
        var g = try Geometry(wkb: w, context: ctx)
        if !g.isValid { g = try g.makeValid() }
        if g.isEmpty { continue }
        handles.append(GEOSGeom_clone_r(ctx.handle, g.handle))
    }
    guard !handles.isEmpty else { return nil }
    guard let coll = handles.withUnsafeMutableBufferPointer({
        GEOSGeom_createCollection_r(ctx.handle, Int32(GEOS_GEOMETRYCOLLECTION.rawValue), $0.baseAddress, UInt32($0.count))
    }) else { throw GeoKitError(.internal, "cannot collect geometries: \(ctx.lastMessage)") }
    let all = Geometry(ctx, coll)
    guard let u = GEOSUnaryUnion_r(ctx.handle, all.handle) else { throw GeoKitError(.input, "union failed: \(ctx.lastMessage)") }
    let union = Geometry(ctx, u)
    guard let writer = GEOSWKBWriter_create_r(ctx.handle) else { throw GeoKitError(.internal, "no WKB writer") }
    defer { GEOSWKBWriter_destroy_r(ctx.handle, writer) }
    var size = 0
    guard let p = GEOSWKBWriter_write_r(ctx.handle, writer, union.handle, &size) else { throw GeoKitError(.internal, "cannot write WKB: \(ctx.lastMessage)") }
    defer { GEOSFree_r(ctx.handle, p) }
    return Array(UnsafeBufferPointer(start: p, count: size))
}
