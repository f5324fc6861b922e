import CGeo
import Foundation
import GeoCore

// Line and polygon layers read for `geotool vector`: each feature's linear or polygonal
// part as WKB in the zones' CRS, with its class value. Mixed layers are read feature by
// feature: a line layer keeps the lines of every feature (a polygon or a point adds
// nothing), a polygon layer keeps the polygons.

/// Which part of a feature's geometry a layer contributes.
public enum VectorPart: String, Sendable, CaseIterable {
    case lines, polygons
}

/// The features of a line or polygon layer, ready for the overlay: plain values.
public struct VectorFeatures: Sendable {
    public var path: String
    public var part: VectorPart
    /// ISO WKB in the zones' CRS, valid (polygons repaired with make-valid), one per kept feature.
    public var wkb: [[UInt8]]
    public var boxes: [Box]
    /// The distinct class values (as written; "" for none or without a class field), in
    /// order of first appearance, and each kept feature's.
    public var classNames: [String]
    public var classIds: [Int32]
    /// The class value of each kept feature, as written (empty strings without a class field).
    public var classValues: [String] { classIds.map { classNames[Int($0)] } }
    /// Features read (after the filter).
    public var featureCount = 0
    /// The ranges the layer was read in (0: by one reader).
    public var ranges = 0
    /// Features with nothing of `part` (a point in a line layer, an empty geometry).
    public var skipped = 0
    /// Polygon features that were invalid and repaired with make-valid.
    public var repaired = 0
    public var crsWKT: String?
    /// The layer had no CRS and was taken to be in the zones' CRS.
    public var crsAssumed = false

    public init(path: String, part: VectorPart, wkb: [[UInt8]], boxes: [Box], classValues: [String]) {
        self.path = path; self.part = part; self.wkb = wkb; self.boxes = boxes
        var interner = TextInterner()
        classIds = classValues.map { v in Array(v.utf8).withUnsafeBytes { interner.id($0) } }
        classNames = interner.values.map { String(decoding: $0, as: UTF8.self) }
    }
}

extension VectorDataset {
    /// Read every feature of a layer (default: the first, which must be the only one) as
    /// its `part`, transformed to `target` when the layer's CRS differs. Without a filter, a
    /// layer that can be split (LayerRanges.swift) is read in ranges on `threads` threads,
    /// through GDAL's Arrow stream where the driver has a fast one; the features come out
    /// as one reader gives them.
    public func readFeatures(_ part: VectorPart, layer name: String? = nil, filter: String? = nil,
                             classField: String? = nil, target: SpatialReference, threads: Int = 1) throws -> VectorFeatures {
        try requireOneLayer(unless: name)
        let l = try layer(named: name)
        try setFilter(l, filter, option: .layerWhere)
        let names = try fieldNames(layer: name)
        var classIndex: Int32 = -1
        if let classField {
            guard let i = names.firstIndex(where: { $0.lowercased() == classField.lowercased() }) else {
                throw GeoKitError.input(path, "no field '\(classField)' for \(Setting.by)\(didYouMean(classField, names)) (fields: \(names.joined(separator: ", ")))")
            }
            classIndex = Int32(i)
        }
        var out = VectorFeatures(path: path, part: part, wkb: [], boxes: [], classValues: [])
        var transform: CoordinateTransform?
        if let srs = OGR_L_GetSpatialRef(l) {
            let own = SpatialReference(borrowing: srs)
            out.crsWKT = own.wkt
            if !own.isSame(target) {
                let src = try SpatialReference(definition: own.wkt)
                transform = try CoordinateTransform(from: src, to: target)
            }
        } else {
            out.crsAssumed = true
        }
        let layerName = String(cString: OGR_L_GetName(l))
        let ignored = names.indices.filter { Int32($0) != classIndex }.map { names[$0] }
        if filter == nil, threads > 1,
           let parts = try readFeatureRanges(l, layerName: layerName, part: part, classIndex: classIndex, ignored: ignored,
                                              transform: transform.map { _ in (out.crsWKT!, target.wkt) }, threads: threads) {
            PhaseTiming.mark("\(part.rawValue): \(parts.count) ranges read")
            out.join(parts)
            out.ranges = parts.count
            return out
        }
        // Fields a filter names are not ignored: some drivers evaluate it on the read feature.
        if filter == nil { ignoreFields(ignored, on: l) }
        defer { OGR_L_SetIgnoredFields(l, nil) }
        let reader = FeatureReader(path: path, part: part, classIndex: classIndex, transform: transform)
        OGR_L_ResetReading(l)
        _ = try reader.readFeatures(l, range: nil)
        PhaseTiming.mark("\(part.rawValue): read by one reader")
        out.join([reader])
        return out
    }

    /// The layer read in ranges on `threads` threads, each on its own handle, or nil when
    /// it cannot be split, a range did not read exactly its features, or one failed (one
    /// reader then reads the layer, and meets the first error at its place).
    private func readFeatureRanges(_ l: OGRLayerH, layerName: String, part: VectorPart, classIndex: Int32, ignored: [String],
                                   transform: (from: String, to: String)?, threads: Int) throws -> [FeatureReader]? {
        let total = Int(OGR_L_GetFeatureCount(l, 1))
        let minPerRange = 20_000
        guard total >= 2 * minPerRange, let ranges = layerRanges(l, layerName: layerName, total: total, parts: min(4 * threads, total / minPerRange))
        else { return nil }
        let path = self.path
        // Each range its own transformation (PROJ objects are not shared between threads).
        let readers = try ranges.map { _ in
            FeatureReader(path: path, part: part, classIndex: classIndex,
                          transform: try transform.map { try CoordinateTransform(from: SpatialReference(definition: $0.from), to: SpatialReference(definition: $0.to)) })
        }
        let stop = Cancellation()
        let exact = RangeOutcomes(ranges.count)
        WorkerPool(threads: threads).run(tasks: ranges.count, cancellation: stop) { k in
            let ok = Self.readFeatures(range: ranges[k], of: path, layer: layerName, ignored: ignored, into: readers[k])
            exact.set(k, ok)
            if !ok { stop.cancel() }
        }
        return exact.all ? readers : nil
    }

    /// One range on a handle of its own; false when what was read is not exactly the range,
    /// a feature failed, or GDAL warned.
    private static func readFeatures(range: LayerRange, of path: String, layer: String, ignored: [String], into r: FeatureReader) -> Bool {
        readRangeOnItsOwnHandle(range, of: path, layer: layer, ignored: ignored) { l in
            if case .fid = range.start, OGR_L_TestCapability(l, OLCFastGetArrowStream) != 0 {
                if (try? r.readArrow(l, range: range)) == true { return r.featureCount == range.count }
                r.reset(); OGR_L_ResetReading(l)
            }
            return (try? r.readFeatures(l, range: range)) == true && r.featureCount == range.count
        }
    }
}

extension VectorFeatures {
    /// The features of readers that read the layer's ranges in order, class ids renumbered
    /// in order of first appearance.
    mutating func join(_ readers: [FeatureReader]) {
        var all = TextInterner()
        for r in readers {
            featureCount += r.featureCount; skipped += r.skipped; repaired += r.repaired
            wkb += r.wkb; boxes += r.boxes
            let map = r.classes.values.map { v in v.withUnsafeBytes { all.id($0) } }
            classIds += r.classIds.map { map[Int($0)] }
        }
        classNames = all.values.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// One range of a layer read on a handle of its own (a worker's), opened and positioned
/// quietly (what GDAL says on opening was said once by the main handle): `read` reads the
/// positioned layer and says whether it got exactly the range. False when the handle cannot
/// be opened or positioned, when `read` says so, or when GDAL warned while it read (one
/// reader then reads the layer and says what it says).
func readRangeOnItsOwnHandle(_ range: LayerRange, of path: String, layer: String, ignored: [String],
                             _ read: (OGRLayerH) -> Bool) -> Bool {
    GDAL.initialize()   // this thread's GDAL settings (a worker thread)
    CPLPushErrorHandler(CPLQuietErrorHandler)
    let ds = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil)
    defer { if let ds { GDALClose(ds) } }
    let positioned: OGRLayerH? = ds.flatMap { GDALDatasetGetLayerByName($0, layer) }.flatMap { l in
        ignoreFields(ignored, on: l)
        return positionLayer(l, at: range) ? l : nil
    }
    CPLPopErrorHandler()
    guard let l = positioned else { return false }
    let warned = WarningSeen()
    CPLPushErrorHandlerEx(noteWarning, Unmanaged.passUnretained(warned).toOpaque())
    defer { CPLPopErrorHandler() }
    let exact = read(l)
    return withExtendedLifetime(warned) { exact && !warned.seen }
}

/// Puts a fresh handle at the start of a range: a FID interval, or a position.
func positionLayer(_ l: OGRLayerH, at range: LayerRange) -> Bool {
    switch range.start {
    case .fid(let lo, let hi):
        let fid = quotedIdentifier(String(cString: OGR_L_GetFIDColumn(l)))
        let where_ = hi.map { "\(fid) >= \(lo) AND \(fid) < \($0)" } ?? "\(fid) >= \(lo)"
        guard OGR_L_SetAttributeFilter(l, where_) == OGRERR_NONE else { return false }
        OGR_L_ResetReading(l)
    case .index:
        OGR_L_ResetReading(l)
        guard OGR_L_SetNextByIndex(l, GIntBig(range.first)) == OGRERR_NONE else { return false }
    }
    return true
}

/// Each range's outcome, set by the workers.
final class RangeOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var ok: [Bool]
    init(_ n: Int) { ok = Array(repeating: false, count: n) }
    func set(_ k: Int, _ v: Bool) { lock.lock(); ok[k] = v; lock.unlock() }
    var all: Bool { lock.lock(); defer { lock.unlock() }; return ok.allSatisfy { $0 } }
}

/// Reads the features of a range (or a whole layer) as the overlay needs them.
final class FeatureReader: @unchecked Sendable {   // used by one thread at a time
    let path: String
    let part: VectorPart
    let classIndex: Int32
    let transform: CoordinateTransform?
    var wkb: [[UInt8]] = [], boxes: [Box] = []
    var classes = TextInterner()
    var classIds: [Int32] = []
    var featureCount = 0, skipped = 0, repaired = 0

    init(path: String, part: VectorPart, classIndex: Int32, transform: CoordinateTransform?) {
        self.path = path; self.part = part; self.classIndex = classIndex; self.transform = transform
    }

    func reset() {
        wkb = []; boxes = []; classes = TextInterner(); classIds = []
        featureCount = 0; skipped = 0; repaired = 0
    }

    /// Feature by feature through OGR (any driver); false when a range's features are not
    /// the planned ones.
    func readFeatures(_ l: OGRLayerH, range: LayerRange?) throws -> Bool {
        var previous: Int64?
        var i = 0
        while range == nil || i < range!.count {
            guard let f = OGR_L_GetNextFeature(l) else { return range == nil }
            defer { OGR_F_Destroy(f); i += 1 }
            let fid = Int64(OGR_F_GetFID(f))
            if let range {
                if case .index = range.start, fid != Int64(range.first + i) { return false }
                if let p = previous, fid <= p { return false }
                previous = fid
            }
            featureCount += 1
            guard try keep(OGR_F_GetGeometryRef(f), fid: fid) else { continue }
            if classIndex >= 0 && OGR_F_IsFieldSetAndNotNull(f, classIndex) != 0, let s = OGR_F_GetFieldAsString(f, classIndex) {
                classIds.append(classes.id(UnsafeRawBufferPointer(start: s, count: strlen(s))))
            } else {
                classIds.append(classes.id(UnsafeRawBufferPointer(start: nil, count: 0)))
            }
        }
        if let range, case .fid = range.start, let f = OGR_L_GetNextFeature(l) { OGR_F_Destroy(f); return false }
        return true
    }

    /// Through the layer's Arrow stream (a range of FIDs); false when the stream does not
    /// serve the class field's type, or is not exactly the range's features.
    func readArrow(_ l: OGRLayerH, range: LayerRange) throws -> Bool {
        var order = FIDOrder()
        let read = try forEachArrowBatch(l, needed: classIndex >= 0 ? [classIndex] : []) { cols, batch in
            guard featureCount + batch.count <= range.count else { return false }
            let classColumn = classIndex >= 0 ? cols.fields[classIndex] : nil
            for row in 0..<batch.count {
                let fidValue = batch.int64(cols.fid, row)
                guard order.accepts(fidValue), let fid = fidValue else { return false }
                featureCount += 1
                guard let g = batch.bytes(cols.geometry, row) else { skipped += 1; continue }
                if transform == nil && part == .lines, let lines = multiLineString(wkb: g) {
                    guard let (w, box) = lines else { skipped += 1; continue }
                    wkb.append(w); boxes.append(box)
                } else {
                    var h: OGRGeometryH?
                    guard let base = g.baseAddress, OGR_G_CreateFromWkb(base, nil, &h, Int32(g.count)) == OGRERR_NONE, let h else { return false }
                    defer { OGR_G_DestroyGeometry(h) }
                    guard try keep(h, fid: fid) else { continue }
                }
                classIds.append(classColumn.map { classes.id(batch, $0, row) } ?? classes.id(UnsafeRawBufferPointer(start: nil, count: 0)))
            }
            return true
        }
        return read == true && featureCount == range.count
    }

    /// Keep the `part` of a feature's geometry (transformed, polygons repaired): false when
    /// it has none (counted as skipped).
    func keep(_ g: OGRGeometryH?, fid: Int64) throws -> Bool {
        guard let g, OGR_G_IsEmpty(g) == 0, let kept = partOf(g, part) else { skipped += 1; return false }
        var geom = kept
        if let transform, OGR_G_Transform(geom, transform.handle) != OGRERR_NONE {
            OGR_G_DestroyGeometry(geom)
            throw GeoKitError(.crs, file: path, "feature \(fid) cannot be transformed to the zones' CRS")
        }
        if part == .polygons && OGR_G_IsValid(geom) == 0 {
            let fixed = OGR_G_MakeValid(geom)
            OGR_G_DestroyGeometry(geom)
            guard let fixed, let poly = partOf(fixed, .polygons) else {
                if let fixed { OGR_G_DestroyGeometry(fixed) }
                skipped += 1; repaired += 1; return false
            }
            OGR_G_DestroyGeometry(fixed)
            geom = poly
            repaired += 1
        }
        defer { OGR_G_DestroyGeometry(geom) }
        var env = OGREnvelope()
        OGR_G_GetEnvelope(geom, &env)
        wkb.append(wkbOf(geom))
        boxes.append(Box(xmin: env.MinX, ymin: env.MinY, xmax: env.MaxX, ymax: env.MaxY))
        return true
    }
}


/// The multi line string a 2D little-endian LineString or MultiLineString (of such line
/// strings) becomes when read through OGR (`partOf`, then ISO WKB): its non-empty line
/// strings in one MultiLineString, with its box; .some(nil) when it has none; nil for any
/// other geometry (OGR reads it).
func multiLineString(wkb b: UnsafeRawBufferPointer) -> ([UInt8], Box)?? {
    func u32(_ at: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    func double(_ at: Int) -> Double { b.loadUnaligned(fromByteOffset: at, as: Double.self) }
    // Parts as (offset, points); nil when not plain 2D little-endian line strings.
    var parts: [(at: Int, n: Int)] = []
    guard b.count >= 9, b[0] == 1 else { return nil }
    switch u32(1) {
    case 2:
        // The common case, without a list of parts: the line string as the one part.
        let n = u32(5)
        guard b.count == 9 + 16 * n else { return nil }
        guard n > 0 else { return .some(nil) }
        var box = Box.empty
        for i in 0..<n {
            let x = double(9 + 16 * i), y = double(17 + 16 * i)
            guard !x.isNaN && !y.isNaN else { return nil }
            box.expand(x: x, y: y)
        }
        var out = [UInt8](repeating: 0, count: 9 + b.count)
        out.withUnsafeMutableBytes { o in
            o.storeBytes(of: 1, toByteOffset: 0, as: UInt8.self)
            o.storeBytes(of: UInt32(5).littleEndian, toByteOffset: 1, as: UInt32.self)
            o.storeBytes(of: UInt32(1).littleEndian, toByteOffset: 5, as: UInt32.self)
            o.baseAddress!.advanced(by: 9).copyMemory(from: b.baseAddress!, byteCount: b.count)
        }
        return .some((out, box))
    case 5:
        let k = u32(5)
        var at = 9
        for _ in 0..<k {
            guard b.count >= at + 9, b[at] == 1, u32(at + 1) == 2 else { return nil }
            let n = u32(at + 5)
            guard b.count >= at + 9 + 16 * n else { return nil }
            parts.append((at, n))
            at += 9 + 16 * n
        }
        guard at == b.count else { return nil }
    default: return nil
    }
    var box = Box.empty
    var out: [UInt8] = [1, 5, 0, 0, 0, 0, 0, 0, 0]
    var kept: UInt32 = 0
    for (at, n) in parts where n > 0 {
        for i in 0..<n {
            let x = double(at + 9 + 16 * i), y = double(at + 17 + 16 * i)
            // NaN coordinates: OGR's envelope of them is OGR's business.
            guard !x.isNaN && !y.isNaN else { return nil }
            box.expand(x: x, y: y)
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[at..<(at + 9 + 16 * n)]))
        kept += 1
    }
    guard kept > 0 else { return .some(nil) }
    withUnsafeBytes(of: kept.littleEndian) { for (i, v) in $0.enumerated() { out[5 + i] = v } }
    return .some((out, box))
}

/// A new multi-geometry with the lines (or polygons) of `g`, curves linearised; nil when
/// it has none. The caller destroys it.
private func partOf(_ g: OGRGeometryH, _ part: VectorPart) -> OGRGeometryH? {
    let multi = OGR_G_CreateGeometry(part == .lines ? wkbMultiLineString : wkbMultiPolygon)!
    func visit(_ g: OGRGeometryH) {
        let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
        let isLine = OGR_GT_IsCurve(t) != 0, isPolygon = OGR_GT_IsSurface(t) != 0
        if isLine || isPolygon {
            guard (part == .lines) == isLine, OGR_G_IsEmpty(g) == 0 else { return }
            let linear = OGR_GT_IsNonLinear(t) != 0 ? OGR_G_GetLinearGeometry(g, 0, nil) : OGR_G_Clone(g)
            if let linear {
                // A linearised curve polygon is a polygon; a compound curve a line string.
                let forced = part == .lines ? OGR_G_ForceToLineString(linear) : OGR_G_ForceToPolygon(linear)
                if let forced { OGR_G_AddGeometryDirectly(multi, forced) }
            }
            return
        }
        for i in 0..<OGR_G_GetGeometryCount(g) { if let sub = OGR_G_GetGeometryRef(g, i) { visit(sub) } }
    }
    visit(g)
    if OGR_G_GetGeometryCount(multi) == 0 { OGR_G_DestroyGeometry(multi); return nil }
    return multi
}
