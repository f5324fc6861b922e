import Foundation
import GeoCore
import GeoGDAL

// A part file: the zone accumulators one `geotool zonal --part I/N` run computed, for
// `geotool merge`. Layout (little-endian):
//
//   "GEOPART" 0x02                         magic and format version
//   records: 0x01, group u32, zone u32, first u32, key i64, count u32, count x ZoneStats
//        or (--split rows) 0x02, group u32, band u32, first u32, nZones u32, zones u32...,
//           n u32, n x ZoneStats (source-major: a row band's unmerged partials)
//   0x00                                   end of records
//   header JSON, its length u64            which run, which part (see PartHeader)
//   SHA-256 of everything above, 64 hex    a truncated or edited file fails this
//
// Records are written while the engine runs, so the header (which holds the inputs'
// checksums, computed meanwhile) comes last. `key` is the zone's last row band in the
// group's band cut: with the zone index it fixes the order the engine hands zones on.

let partMagic: [UInt8] = Array("GEOPART".utf8) + [2]

/// Streams records to a temporary file, hashing as it goes; `finish` adds the header and
/// the checksum, then the caller renames it.
final class PartWriter {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private let hash = SHA256()
    private var buffer = ByteWriter()
    private(set) var records = 0
    private var failed: GeoKitError?

    init(temporary: String, displayPath: String) throws {
        guard let f = fopen(temporary, "wb") else {
            throw GeoKitError.io(displayPath, "cannot write (\(String(cString: strerror(errno))))")
        }
        file = f; path = displayPath
        buffer.bytes += partMagic
    }
    deinit { fclose(file) }

    func record(group: Int, zone: Int, first: Int, key: Int, _ accs: [ZoneStats]) {
        buffer.u8(1); buffer.u32(UInt32(group)); buffer.u32(UInt32(zone)); buffer.u32(UInt32(first)); buffer.int(key)
        buffer.u32(UInt32(accs.count))
        for a in accs { a.encode(into: &buffer) }
        records += 1
        if buffer.bytes.count > 1 << 20 { flush() }
    }

    /// One row band's unmerged partials (a `--split rows` part): stats[source * zones + zone].
    func band(group: Int, band: Int, first: Int, _ partial: BandPartial) {
        buffer.u8(2); buffer.u32(UInt32(group)); buffer.u32(UInt32(band)); buffer.u32(UInt32(first))
        buffer.u32(UInt32(partial.zones.count))
        for z in partial.zones { buffer.u32(UInt32(z)) }
        buffer.u32(UInt32(partial.stats.count))
        for a in partial.stats { a.encode(into: &buffer) }
        records += 1
        if buffer.bytes.count > 1 << 20 { flush() }
    }

    private func flush() {
        guard !buffer.bytes.isEmpty else { return }
        hash.update(buffer.bytes)
        if failed == nil && fwrite(buffer.bytes, 1, buffer.bytes.count, file) != buffer.bytes.count {
            failed = GeoKitError.io(path, "cannot write (\(String(cString: strerror(errno))))")
        }
        buffer.bytes.removeAll(keepingCapacity: true)
    }

    /// End the records, add the header and the checksum.
    func finish(header: PartHeaderRecord) throws {
        buffer.u8(0)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try e.encode(header)
        buffer.bytes += json
        buffer.u64(UInt64(json.count))
        flush()
        let digest = Array(hash.hexDigest().utf8)
        if failed == nil && (fwrite(digest, 1, digest.count, file) != digest.count || fflush(file) != 0) {
            failed = GeoKitError.io(path, "cannot write (\(String(cString: strerror(errno))))")
        }
        if let failed { throw failed }
    }
}

/// A part file read whole and checked: magic, checksum, header.
struct PartFile {
    var header: PartHeader
    let data: Data
    /// Where the records start and end.
    let recordsRange: Range<Int>

    init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GeoKitError.input(path, "cannot read the part file")
        }
        let n = data.count
        guard n >= partMagic.count, Array(data.prefix(7)) == Array(partMagic.prefix(7)) else {
            throw GeoKitError.input(path, "not a geotool part file", remedy: .writeZonalPart(partial: (path as NSString).lastPathComponent))
        }
        guard data[data.startIndex + 7] == partMagic[7] else {
            throw GeoKitError.input(path, "part file format \(data[data.startIndex + 7]) is not the one this geotool reads (\(partMagic[7])); rerun the part with this geotool")
        }
        let corrupt = GeoKitError.input(path, "corrupt or truncated part file (its SHA-256 checksum does not match); rerun that part")
        guard n >= partMagic.count + 1 + 8 + 64 else { throw corrupt }
        let sha = data.withUnsafeBytes { SHA256.hex(UnsafeRawBufferPointer(rebasing: $0[0..<(n - 64)])) }
        guard String(decoding: data.suffix(64), as: UTF8.self) == sha else { throw corrupt }
        let headerLength = data.withUnsafeBytes { b -> Int in
            var r = ByteReader(b, offset: n - 72)
            return (try? r.int()) ?? -1
        }
        let headerStart = n - 72 - headerLength
        guard headerLength > 0, headerStart > partMagic.count, data[data.startIndex + headerStart - 1] == 0,
              let record = try? JSONDecoder().decode(PartHeaderRecord.self, from: data.subdata(in: headerStart..<(n - 72))) else { throw corrupt }
        header = PartHeader(path: path, sha256: sha, record: record)
        self.data = data
        recordsRange = partMagic.count..<(headerStart - 1)
    }

    /// Each record in file order: a zone's accumulators (group, zone, first band, key,
    /// accumulators) to `body`, a row band's partials (group, band, first, partial) to `band`.
    func forEachRecord(_ body: (Int, Int, Int, Int, [ZoneStats]) throws -> Void,
                       band: ((Int, Int, Int, BandPartial) throws -> Void)? = nil) throws {
        let path = header.path
        try data.withUnsafeBytes { b in
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: b[0..<recordsRange.upperBound]), offset: recordsRange.lowerBound)
            do {
                while !r.atEnd {
                    let tag = try r.u8()
                    if tag == 2, let band {
                        let g = Int(try r.u32()), b = Int(try r.u32()), first = Int(try r.u32())
                        let nZ = Int(try r.u32())
                        guard nZ <= (r.bytes.count - r.offset) / 4 else { throw ByteReader.Truncated() }
                        var zones: [Int] = []
                        zones.reserveCapacity(nZ)
                        for _ in 0..<nZ { zones.append(Int(try r.u32())) }
                        let n = Int(try r.u32())
                        guard nZ > 0 ? n % nZ == 0 : n == 0 else { throw ByteReader.Truncated() }
                        var stats: [ZoneStats] = []
                        stats.reserveCapacity(n)
                        for _ in 0..<n { stats.append(try ZoneStats(decoding: &r)) }
                        try band(g, b, first, BandPartial(zones: zones, stats: stats))
                        continue
                    }
                    guard tag == 1 else { throw ByteReader.Truncated() }
                    let g = Int(try r.u32()), z = Int(try r.u32()), first = Int(try r.u32()), key = try r.int()
                    let count = Int(try r.u32())
                    var accs: [ZoneStats] = []
                    accs.reserveCapacity(count)
                    for _ in 0..<count { accs.append(try ZoneStats(decoding: &r)) }
                    try body(g, z, first, key, accs)
                }
            } catch is ByteReader.Truncated {
                throw GeoKitError.input(path, "corrupt part file (a record does not read back); rerun that part")
            }
        }
    }
}
