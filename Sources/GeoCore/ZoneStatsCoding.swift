// ZoneStats as bytes, for part files (`geotool zonal --part`, `geotool merge`): every Double
// by its bit pattern, little-endian, so an accumulator read back is bit for bit the one
// written and a merge gives the same numbers as a single run.

/// Appends little-endian integers and bit-exact Doubles to a byte buffer.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []
    public init() {}

    @inline(__always) public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    @inline(__always) public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    @inline(__always) public mutating func u8(_ v: UInt8) { bytes.append(v) }
    @inline(__always) public mutating func double(_ v: Double) { u64(v.bitPattern) }
    public mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
}

/// Reads what `ByteWriter` wrote; running past the end throws `ByteReader.Truncated`.
public struct ByteReader {
    public struct Truncated: Error { public init() {} }
    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) { self.bytes = bytes; self.offset = offset }

    public var atEnd: Bool { offset >= bytes.count }

    @inline(__always) public mutating func u64() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Truncated() }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: v)
    }
    @inline(__always) public mutating func u32() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Truncated() }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: v)
    }
    @inline(__always) public mutating func u8() throws -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }
    @inline(__always) public mutating func double() throws -> Double { Double(bitPattern: try u64()) }
    public mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    public mutating func skip(_ n: Int) throws {
        guard n >= 0, offset + n <= bytes.count else { throw Truncated() }
        offset += n
    }
}

extension ClassBin {
    /// A bin that adds nothing (all three sums +0.0), left out of the bytes.
    fileprivate var isZero: Bool { coverage.bitPattern == 0 && area.bitPattern == 0 && weighted.bitPattern == 0 }
}

extension ZoneStats {
    /// The scalar fields in their order in the bytes, and the values a new accumulator has.
    private var scalarFields: [Double] { [count, sum, mean, m2, min, max, nodataCount, area, totalArea, weightCount, weightSum, zoneArea] }
    private static let defaults = ZoneStats().scalarFields.map(\.bitPattern)

    /// Append the accumulator: a mask of the scalars that differ (by bit pattern) from a new
    /// accumulator's and those scalars (a mean of 516 bands leaves half of them unused), the
    /// cell count, the condition's nodata area (bit 13, set only when it is not +0.0, so
    /// parts without conditions are byte for byte what earlier versions wrote, and parts
    /// written before it existed read as 0), then its histogram (dense bins that are not all zero by index, sparse
    /// bins sorted by value).
    public func encode(into w: inout ByteWriter) {
        let fields = scalarFields
        var mask: UInt32 = 0
        for (i, v) in fields.enumerated() where v.bitPattern != ZoneStats.defaults[i] { mask |= 1 << i }
        if cells != 0 { mask |= 1 << 12 }
        if conditionNodataArea.bitPattern != 0 { mask |= 1 << 13 }
        w.u32(mask)
        for (i, v) in fields.enumerated() where mask & (1 << i) != 0 { w.double(v) }
        if cells != 0 { w.int(cells) }
        if mask & (1 << 13) != 0 { w.double(conditionNodataArea) }
        guard let h = histogram else { w.u8(0); return }
        w.u8(h.dense == nil ? 1 : 2)
        if let d = h.dense {
            let used = d.indices.filter { !d[$0].isZero }
            w.u32(UInt32(used.count))
            for k in used { w.u8(UInt8(k)); w.double(d[k].coverage); w.double(d[k].area); w.double(d[k].weighted) }
        }
        let keys = h.sparse.keys.sorted { $0.bitPattern < $1.bitPattern }
        w.u32(UInt32(keys.count))
        for v in keys {
            let b = h.sparse[v]!
            w.double(v); w.double(b.coverage); w.double(b.area); w.double(b.weighted)
        }
    }

    /// Read an accumulator written by `encode(into:)`.
    public init(decoding r: inout ByteReader) throws {
        self.init()
        let mask = try r.u32()
        guard mask < 1 << 14 else { throw ByteReader.Truncated() }
        var v = ZoneStats.defaults.map(Double.init(bitPattern:))
        for i in 0..<12 where mask & (1 << i) != 0 { v[i] = try r.double() }
        count = v[0]; sum = v[1]; mean = v[2]; m2 = v[3]; min = v[4]; max = v[5]; nodataCount = v[6]; area = v[7]
        totalArea = v[8]; weightCount = v[9]; weightSum = v[10]; zoneArea = v[11]
        if mask & (1 << 12) != 0 { cells = try r.int() }
        if mask & (1 << 13) != 0 { conditionNodataArea = try r.double() }
        let kind = try r.u8()
        guard kind != 0 else { return }
        guard kind <= 2 else { throw ByteReader.Truncated() }
        var h = ClassHistogram(denseBytes: kind == 2)
        if kind == 2 {
            let n = Int(try r.u32())
            guard n <= 256 else { throw ByteReader.Truncated() }
            for _ in 0..<n {
                let k = Int(try r.u8())
                h.dense![k] = ClassBin(coverage: try r.double(), area: try r.double(), weighted: try r.double())
            }
        }
        let n = Int(try r.u32())
        guard n <= (r.bytes.count - r.offset) / 32 else { throw ByteReader.Truncated() }
        h.sparse.reserveCapacity(n)
        for _ in 0..<n {
            let v = try r.double()
            h.sparse[v] = ClassBin(coverage: try r.double(), area: try r.double(), weighted: try r.double())
        }
        histogram = h
    }
}
