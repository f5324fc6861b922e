import CGeo
import Foundation
import GeoCore

// A point layer read as typed columns, for `geotool vector`: each feature's position as two
// doubles, only the fields a run counts or sums, class values interned (an id per feature,
// each distinct text once), numbers as doubles. `readPoints` (the join's register) reads
// every field as text, a String per cell; a million points with a class and a number took
// most of a vector run's time that way.
//
// The values are those the register gives (`OGR_F_GetFieldAsString`, "" for null), only
// kept in another shape: integer fields are read as integers (their text is the decimal
// number), other fields through OGR's text. GeoPackage tables (and shapefiles, FlatGeobuf)
// are read in ranges of features on every core, as zones are (LayerRanges.swift); in the
// stream of batches of GDAL's Arrow interface where the driver has a fast one. Anything the
// ranges cannot read exactly is read by one reader, in the layer's order.

/// Where a feature's geometry puts it, as the join's register reads it.
public enum PointPosition: UInt8, Sendable {
    case point
    /// No geometry, or an empty one.
    case missing
    /// A geometry that is not a point (nor a multipoint of one point).
    case notPoint
}

/// The distinct texts of a field in order of first appearance, and each feature's.
public struct InternedColumn: Sendable {
    /// The field's index in the layer.
    public var field: Int
    public var values: [String]
    public var ids: [Int32]
}

/// A field read for its numbers: an integer field's values (NaN for null), or the texts of
/// any other field (read as the register reads them).
public enum NumberColumn: Sendable {
    case values([Double])
    case text(InternedColumn)
}

/// What a number column holds for a feature: its value, `blank` (null, or only spaces), or
/// `notANumber` (text that does not read as a finite number).
public enum PointNumber {
    public static let blank = Double.nan
    public static let notANumber = Double.infinity

    /// A field's text as the register's sums read it: a number, else blank or not a number.
    public static func value(_ s: String) -> Double {
        if let x = Double(s) ?? Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite { return x }
        return s.allSatisfy(\.isWhitespace) ? blank : notANumber
    }
}

/// The typed columns of a point layer.
public struct PointColumns: Sendable {
    public var x: [Double] = [], y: [Double] = []
    public var position: [PointPosition] = []
    /// Per requested text field, in the order asked.
    public var text: [InternedColumn] = []
    /// Per requested number field, in the order asked.
    public var numbers: [NumberColumn] = []
    /// The layer's field names.
    public var fieldNames: [String] = []
    /// The ranges the layer was read in (0: by one reader).
    public var ranges = 0
    public var crsWKT: String?
    public var count: Int { position.count }
}

extension VectorDataset {
    /// The layer's fields `textFields` (interned) and `numberFields`, and each feature's
    /// position; nil when a name is not a field of the layer (the register, which also has
    /// coordinate columns made from the geometries, then reads it).
    public func readPointColumns(layer name: String?, filter: String?, textFields: [String], numberFields: [String],
                                 threads: Int) throws -> PointColumns? {
        let l = try layer(named: name)
        try setFilter(l, filter, option: .pointsWhere)
        let names = try fieldNames(layer: name)
        func index(_ f: String) -> Int32? {
            if let i = names.firstIndex(of: f) { return Int32(i) }
            let n = f.trimmingCharacters(in: .whitespaces).lowercased()
            return names.firstIndex { $0.trimmingCharacters(in: .whitespaces).lowercased() == n }.map(Int32.init)
        }
        var textIdx: [Int32] = [], numberIdx: [Int32] = []
        for f in textFields { guard let i = index(f) else { return nil }; textIdx.append(i) }
        for f in numberFields { guard let i = index(f) else { return nil }; numberIdx.append(i) }
        let defn = OGR_L_GetLayerDefn(l)
        let integer = { (i: Int32) -> Bool in
            let t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i))
            return t == OFTInteger || t == OFTInteger64
        }
        // Number fields that are not integers are read as text, as the register reads them.
        let numbersAsText = numberIdx.filter { !integer($0) }
        let plan = PointReadPlan(textFields: textIdx + numbersAsText, integerFields: numberIdx.filter(integer),
                                 ignored: names.indices.filter { !(textIdx + numberIdx).contains(Int32($0)) }.map { names[$0] })
        func columns(_ parts: [PointBuilder]) -> PointColumns {
            var out = PointBuilder.joined(parts, plan: plan)
            let text = out.text
            out.text = Array(text.prefix(textIdx.count))
            var asText = text.dropFirst(textIdx.count).makeIterator(), asValues = out.numbers.makeIterator()
            out.numbers = numberIdx.map { integer($0) ? asValues.next()! : .text(asText.next()!) }
            out.fieldNames = names
            out.crsWKT = crs
            return out
        }
        let crs = OGR_L_GetSpatialRef(l).map { SpatialReference(borrowing: $0).wkt }
        let layerName = String(cString: OGR_L_GetName(l))
        if filter == nil, threads > 1, let parts = try readPointRanges(l, layerName: layerName, plan: plan, threads: threads) {
            PhaseTiming.mark("points: \(parts.count) ranges read")
            var out = columns(parts)
            out.ranges = parts.count
            return out
        }
        // Fields a filter names are not ignored: some drivers evaluate it on the read feature.
        if filter == nil { ignoreFields(plan.ignored, on: l) }
        defer { OGR_L_SetIgnoredFields(l, nil) }
        let b = PointBuilder(plan)
        OGR_L_ResetReading(l)
        if OGR_L_TestCapability(l, OLCFastGetArrowStream) == 0 || !b.readArrow(l, range: nil) {
            let b2 = PointBuilder(plan)
            OGR_L_ResetReading(l)
            _ = b2.readFeatures(l, range: nil)
            PhaseTiming.mark("points: read by one reader (OGR)")
            return columns([b2])
        }
        PhaseTiming.mark("points: read by one reader (Arrow)")
        return columns([b])
    }

    /// The layer read in ranges on `threads` threads, each on its own handle, or nil when
    /// it cannot be split, or a range did not read exactly its features.
    private func readPointRanges(_ l: OGRLayerH, layerName: String, plan: PointReadPlan, threads: Int) throws -> [PointBuilder]? {
        let total = Int(OGR_L_GetFeatureCount(l, 1))
        let minPerRange = 20_000
        guard total >= 2 * minPerRange, let ranges = layerRanges(l, layerName: layerName, total: total, parts: min(4 * threads, total / minPerRange))
        else { return nil }
        let path = self.path
        let stop = Cancellation()
        let builders = ranges.map { _ in PointBuilder(plan) }
        let exact = RangeOutcomes(ranges.count)
        WorkerPool(threads: threads).run(tasks: ranges.count, cancellation: stop) { k in
            let ok = Self.readPoints(range: ranges[k], of: path, layer: layerName, into: builders[k])
            exact.set(k, ok)
            if !ok { stop.cancel() }
        }
        guard exact.all else { return nil }
        return builders
    }

    /// One range on a handle of its own; false when what was read is not exactly the range
    /// (or GDAL warned: one reader then reads the layer and says what it says).
    private static func readPoints(range: LayerRange, of path: String, layer: String, into b: PointBuilder) -> Bool {
        readRangeOnItsOwnHandle(range, of: path, layer: layer, ignored: b.plan.ignored) { l in
            if case .fid = range.start, OGR_L_TestCapability(l, OLCFastGetArrowStream) != 0 {
                if b.readArrow(l, range: range) { return b.count == range.count }
                b.reset(); OGR_L_ResetReading(l)
            }
            return b.readFeatures(l, range: range) && b.count == range.count
        }
    }
}

/// Which fields a read keeps, by OGR index.
struct PointReadPlan: Sendable {
    /// Read as text (interned).
    var textFields: [Int32]
    /// Integer fields read as numbers.
    var integerFields: [Int32]
    /// Every other field, by name (OGR_L_SetIgnoredFields).
    var ignored: [String]
}

/// One range's columns as read.
final class PointBuilder: @unchecked Sendable {   // used by one thread at a time
    let plan: PointReadPlan
    var x: [Double] = [], y: [Double] = []
    var position: [PointPosition] = []
    var texts: [TextInterner]
    var textIds: [[Int32]]
    var numbers: [[Double]]
    var count: Int { position.count }

    init(_ plan: PointReadPlan) {
        self.plan = plan
        texts = plan.textFields.map { _ in TextInterner() }
        textIds = plan.textFields.map { _ in [] }
        numbers = plan.integerFields.map { _ in [] }
    }

    func reset() {
        x = []; y = []; position = []
        texts = plan.textFields.map { _ in TextInterner() }
        textIds = plan.textFields.map { _ in [] }
        numbers = plan.integerFields.map { _ in [] }
    }

    func add(_ p: (PointPosition, Double, Double)) {
        position.append(p.0); x.append(p.0 == .point ? p.1 : .nan); y.append(p.0 == .point ? p.2 : .nan)
    }

    /// Feature by feature through OGR (any driver); false when a range's features are not
    /// the planned ones.
    func readFeatures(_ l: OGRLayerH, range: LayerRange?) -> Bool {
        var previous: Int64?
        var i = 0
        while range == nil || i < range!.count {
            guard let f = OGR_L_GetNextFeature(l) else { return range == nil }
            defer { OGR_F_Destroy(f); i += 1 }
            if let range {
                let fid = Int64(OGR_F_GetFID(f))
                if case .index = range.start, fid != Int64(range.first + i) { return false }
                if let p = previous, fid <= p { return false }
                previous = fid
            }
            add(pointPosition(OGR_F_GetGeometryRef(f)))
            for (k, fi) in plan.textFields.enumerated() {
                if OGR_F_IsFieldSetAndNotNull(f, fi) != 0, let s = OGR_F_GetFieldAsString(f, fi) {
                    textIds[k].append(texts[k].id(UnsafeRawBufferPointer(start: s, count: strlen(s))))
                } else {
                    textIds[k].append(texts[k].id(UnsafeRawBufferPointer(start: nil, count: 0)))
                }
            }
            for (k, fi) in plan.integerFields.enumerated() {
                numbers[k].append(OGR_F_IsFieldSetAndNotNull(f, fi) == 0 ? PointNumber.blank : Double(OGR_F_GetFieldAsInteger64(f, fi)))
            }
        }
        if let range, case .fid = range.start, let f = OGR_L_GetNextFeature(l) { OGR_F_Destroy(f); return false }
        return true
    }

    /// Through the layer's Arrow stream; false when the stream does not serve these fields
    /// (types other than text and integers) or, for a range, is not exactly its features.
    func readArrow(_ l: OGRLayerH, range: LayerRange?) -> Bool {
        var order = FIDOrder()
        let read = forEachArrowBatch(l, needed: plan.textFields + plan.integerFields) { cols, batch in
            if let range, count + batch.count > range.count { return false }
            let textColumns = plan.textFields.map { cols.fields[$0]! }, integerColumns = plan.integerFields.map { cols.fields[$0]! }
            for row in 0..<batch.count {
                if range != nil, !order.accepts(batch.int64(cols.fid, row)) { return false }
                add(batch.bytes(cols.geometry, row).map(pointPosition(wkb:)) ?? (.missing, .nan, .nan))
            }
            for (k, c) in textColumns.enumerated() {
                textIds[k].reserveCapacity(textIds[k].count + batch.count)
                for row in 0..<batch.count { textIds[k].append(texts[k].id(batch, c, row)) }
            }
            for (k, c) in integerColumns.enumerated() {
                numbers[k].reserveCapacity(numbers[k].count + batch.count)
                for row in 0..<batch.count {
                    switch c.kind {
                    case .int64: numbers[k].append(batch.int64(c.child, row).map(Double.init) ?? PointNumber.blank)
                    case .int32: numbers[k].append(batch.int32(c.child, row).map(Double.init) ?? PointNumber.blank)
                    case .utf8: return false
                    }
                }
            }
            return true
        }
        guard read == true else { return false }
        return range.map { count == $0.count } ?? true
    }

    /// The ranges' columns in order, class ids renumbered in order of first appearance.
    static func joined(_ parts: [PointBuilder], plan: PointReadPlan) -> PointColumns {
        var out = PointColumns()
        let n = parts.reduce(0) { $0 + $1.count }
        out.x.reserveCapacity(n); out.y.reserveCapacity(n); out.position.reserveCapacity(n)
        for p in parts { out.x += p.x; out.y += p.y; out.position += p.position }
        for (k, field) in plan.textFields.enumerated() {
            var all = TextInterner()
            var ids: [Int32] = []
            ids.reserveCapacity(n)
            for p in parts {
                let map = p.texts[k].values.map { v in v.withUnsafeBytes { all.id($0) } }
                for i in p.textIds[k] { ids.append(map[Int(i)]) }
            }
            out.text.append(InternedColumn(field: Int(field), values: all.values.map { String(decoding: $0, as: UTF8.self) }, ids: ids))
        }
        for k in plan.integerFields.indices {
            var v: [Double] = []
            v.reserveCapacity(n)
            for p in parts { v += p.numbers[k] }
            out.numbers.append(.values(v))
        }
        return out
    }
}

/// Distinct byte strings, each given an id in order of first appearance (open addressing
/// on an FNV-1a hash: no allocation for a text already seen).
struct TextInterner {
    private(set) var values: [[UInt8]] = []
    private var hashes: [UInt64] = []
    private var slots = [Int32](repeating: -1, count: 16)
    private var integers: [Int64: Int32] = [:]

    mutating func id(_ b: UnsafeRawBufferPointer) -> Int32 {
        var h: UInt64 = 0xcbf29ce484222325
        for c in b { h = (h ^ UInt64(c)) &* 0x100000001b3 }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 {
            let s = Int(slots[i])
            if hashes[s] == h && values[s].elementsEqual(b) { return Int32(s) }
            i = (i + 1) & mask
        }
        let id = Int32(values.count)
        values.append(Array(b)); hashes.append(h); slots[i] = id
        if values.count * 2 > slots.count { grow() }
        return id
    }

    /// The id of a text or integer cell of an Arrow column (a text up to its first NUL, as
    /// OGR's C string ends there).
    mutating func id(_ batch: ArrowBatch, _ c: (child: Int, kind: ArrowColumns.Kind), _ row: Int) -> Int32 {
        switch c.kind {
        case .utf8:
            var b = batch.bytes(c.child, row) ?? UnsafeRawBufferPointer(start: nil, count: 0)
            if let z = b.firstIndex(of: 0) { b = UnsafeRawBufferPointer(rebasing: b[..<z]) }
            return id(b)
        case .int64: return id(integer: batch.int64(c.child, row))
        case .int32: return id(integer: batch.int32(c.child, row).map(Int64.init))
        }
    }

    /// An integer field's value by its decimal text ("" for null), as OGR writes it.
    mutating func id(integer v: Int64?) -> Int32 {
        guard let v else { return id(UnsafeRawBufferPointer(start: nil, count: 0)) }
        if let k = integers[v] { return k }
        let k = Array(String(v).utf8).withUnsafeBytes { id($0) }
        integers[v] = k
        return k
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (s, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(s)
        }
    }
}

/// A feature's position as the register reads it: a point (or a multipoint of one), an
/// empty or missing geometry, or another geometry.
func pointPosition(_ g: OGRGeometryH?) -> (PointPosition, Double, Double) {
    guard let g, OGR_G_IsEmpty(g) == 0 else { return (.missing, .nan, .nan) }
    let t = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
    var pt: OGRGeometryH? = g
    if t == wkbMultiPoint && OGR_G_GetGeometryCount(g) == 1 { pt = OGR_G_GetGeometryRef(g, 0) }
    else if t != wkbPoint { pt = nil }
    guard let pt else { return (.notPoint, .nan, .nan) }
    return (.point, OGR_G_GetX(pt, 0), OGR_G_GetY(pt, 0))
}

/// The same from WKB: a point or a multipoint of one read here, anything else through OGR.
func pointPosition(wkb b: UnsafeRawBufferPointer) -> (PointPosition, Double, Double) {
    // Point and multipoint in 2D, Z, M, ZM (ISO codes, or 2.5D with the high bit).
    func base(_ t: UInt32) -> UInt32 { (t & 0x0FFF_FFFF) % 1000 }
    func coordinate(_ order: UInt8, _ at: Int) -> Double {
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return Double(bitPattern: order == 1 ? v : v.byteSwapped)
    }
    func type(_ order: UInt8, _ at: Int) -> UInt32 {
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return order == 1 ? v : v.byteSwapped
    }
    if b.count >= 21, b[0] <= 1, base(type(b[0], 1)) == 1 {
        let x = coordinate(b[0], 5), y = coordinate(b[0], 13)
        return x.isNaN && y.isNaN ? (.missing, .nan, .nan) : (.point, x, y)
    }
    if b.count >= 30, b[0] <= 1, base(type(b[0], 1)) == 4, type(b[0], 5) == 1, b[9] <= 1, base(type(b[9], 10)) == 1 {
        let x = coordinate(b[9], 14), y = coordinate(b[9], 22)
        return x.isNaN && y.isNaN ? (.missing, .nan, .nan) : (.point, x, y)
    }
    var g: OGRGeometryH?
    guard let base = b.baseAddress, OGR_G_CreateFromWkb(base, nil, &g, Int32(b.count)) == OGRERR_NONE, let g else {
        return (.missing, .nan, .nan)
    }
    defer { OGR_G_DestroyGeometry(g) }
    return pointPosition(g)
}
