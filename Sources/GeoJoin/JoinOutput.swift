import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// MARK: - Output

extension PointJoinResult {
    /// Names of the added columns: the id field, the include fields, `match`, `distance_m`,
    /// `swapped_<id>`, `flags` (every flag of the row, see `flags(_:)`; last, so the columns
    /// before it stay where they were). A zone field whose name is already a points column
    /// (compared case-insensitively, as GeoPackage does) is written as `found_<name>`;
    /// `match` and `distance_m` become `join_match`, `join_distance_m` in that case.
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
        out += [name("match", "join_"), name("distance_m", "join_"), name("swapped_" + idField, "join_"), name("flags", "join_")]
        return out
    }

    public func outputColumns(_ points: PointTable) -> [String] { points.columns + addedColumns(after: points.columns) }

    package func distanceText(_ r: Int) -> String {
        let d = distance[r]
        if d.isNaN { return "" }
        if d == 0 { return "0" }
        return String(format: "%.1f", d)
    }

    /// The whole output as CSV bytes: every input row as read, then the added fields.
    /// Built in parallel chunks.
    public func csvChunks(_ points: PointTable, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                          guardFormulas: Bool = true) throws -> [[UInt8]] {
        let n = points.count
        let field = { (s: String) in csvQuote(guardFormulas ? guardFormula(s) : s) }
        // Pre-encoded zone fields: ",id,attr..." per zone, and the empty version.
        let zoneBytes: [[UInt8]] = zoneIDs.indices.map { z in
            var b: [UInt8] = []
            b.append(UInt8(ascii: ",")); b.append(contentsOf: field(zoneIDs[z]).utf8)
            for a in zoneAttributes[z] { b.append(UInt8(ascii: ",")); b.append(contentsOf: field(a).utf8) }
            return b
        }
        let noZone = [UInt8](repeating: UInt8(ascii: ","), count: 1 + includeFields.count)
        let labels = MatchKind.allCases.map { Array(("," + $0.label + ",").utf8) }
        let swappedBytes: [[UInt8]] = zoneIDs.map { Array(field($0).utf8) }
        let rowsPerChunk = 65536
        let chunks = (n + rowsPerChunk - 1) / rowsPerChunk
        final class Slots: @unchecked Sendable { var parts: [[UInt8]]; init(_ k: Int) { parts = Array(repeating: [], count: k) } }
        let slots = Slots(chunks)
        let header = outputColumns(points).map(field).joined(separator: ",") + "\n"
        let head = Array(header.utf8)
        let me = self
        // Comma-separated records are copied as read, through one borrowed buffer per chunk
        // (no reference counting per row); other rows go through `appendCSV`.
        var direct: CSVRecords?
        if case .csv(let rec) = points.source, rec.separator == commaByte { direct = rec }
        let columnCount = points.columns.count
        let duplicates = identicalGroup   // empty when no row repeats another
        let anyRisky = !(direct?.riskyRows.isEmpty ?? true)
        let converted = points.myanmar.converted   // rows written from their Unicode fields
        slots.parts.withUnsafeMutableBufferPointer { parts in
            let base = parts.baseAddress
            WorkerPool(threads: threads).run(tasks: chunks) { c in
                var b: [UInt8] = []
                let rows = c * rowsPerChunk ..< min(n, (c + 1) * rowsPerChunk)
                b.reserveCapacity(rows.count * 96)
                func appendRest(_ r: Int) {
                    let z = Int(me.zone[r])
                    if z >= 0 { b.append(contentsOf: zoneBytes[z]) } else { b.append(contentsOf: noZone) }
                    b.append(contentsOf: labels[Int(me.match[r].rawValue)])
                    let d = me.distance[r]
                    if d == 0 { b.append(UInt8(ascii: "0")) } else if !d.isNaN { b.append(contentsOf: me.distanceText(r).utf8) }
                    b.append(UInt8(ascii: ","))
                    let s = Int(me.swappedZone[r])
                    if s >= 0 { b.append(contentsOf: swappedBytes[s]) }
                    b.append(UInt8(ascii: ","))
                    if me.match[r] != .inside || (!duplicates.isEmpty && duplicates[r] >= 0) || me.isZawgyi(r) {
                        b.append(contentsOf: me.flagsText(r).utf8)   // labels: no quoting needed
                    }
                    b.append(UInt8(ascii: "\n"))
                }
                if let rec = direct {
                    rec.bytes.withUnsafeBufferPointer { p in
                        rec.start.withUnsafeBufferPointer { st in rec.end.withUnsafeBufferPointer { en in
                        rec.fieldCount.withUnsafeBufferPointer { fc in
                            for r in rows {
                                if (guardFormulas && anyRisky && rec.hasFormula(r)) || (!converted.isEmpty && converted[r] != nil) {
                                    points.appendCSV(r, to: &b, guardFormulas: guardFormulas)
                                } else {
                                    b.append(contentsOf: UnsafeBufferPointer(rebasing: p[st[r]..<en[r]]))
                                    var k = Int(fc[r])
                                    while k < columnCount { b.append(UInt8(ascii: ",")); k += 1 }
                                }
                                appendRest(r)
                            }
                        } } }
                    }
                } else {
                    for r in rows {
                        points.appendCSV(r, to: &b, guardFormulas: guardFormulas)
                        appendRest(r)
                    }
                }
                (base! + c).initialize(to: b)   // replaces an empty array: no deinit needed
            }
        }
        return [head] + slots.parts
    }

    /// Write the joined table: `.csv` (fast path; `-` for standard output), `.xlsx`, or with
    /// each row's point (as given, in `crsWKT`; none for rows without valid coordinates)
    /// `.gpkg`, `.geojson`, `.fgb` or `.shp`. Atomically, or to `temporary` when a caller's
    /// `writeAtomically` gives one (the table written together with its QA report).
    public func write(_ points: PointTable, to path: String, temporary: String? = nil, bom: Bool = false,
                      guardFormulas: Bool = true, crsWKT: String? = nil) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        if path == "-" {
            let parts = try csvChunks(points, guardFormulas: guardFormulas)
            try CSVWriter.write(to: "standard output", temporary: "/dev/stdout", bom: bom) { w in for p in parts { try w.writeEncoded(p) } }
        } else if OGRFormat.spatial.contains(ext) {
            let geometries: [[UInt8]?] = (0..<points.count).map { points.status[$0] == .ok ? pointWKB(x: points.x[$0], y: points.y[$0]) : nil }
            try table(points).write(to: path, temporary: temporary, geometries: geometries, crsWKT: crsWKT, layerName: "join",
                                    bom: bom, geometryKind: .point)
        } else if ext == "csv" {
            let parts = try csvChunks(points, guardFormulas: guardFormulas)
            let body = { (w: CSVWriter) in for p in parts { try w.writeEncoded(p) } }
            if let temporary { try CSVWriter.write(to: path, temporary: temporary, bom: bom, body) }
            else { try CSVWriter.write(to: path, bom: bom, body) }
        } else {
            try table(points).write(to: path, temporary: temporary, layerName: "join", bom: bom)
        }
    }

    /// The joined table as cells (for GeoPackage / Excel output). The coordinate columns
    /// hold numbers: as read for a valid point (`16,8` read with a decimal comma is 16.8),
    /// else any coordinate that is a plain number (the valid half of a bad point); text
    /// that is no number stays text. The register's other columns stay text.
    public func table(_ points: PointTable) -> Table {
        var t = Table(columns: outputColumns(points))
        t.rows.reserveCapacity(points.count)
        let xk = points.xColumn.flatMap { points.columnIndex($0) }, yk = points.yColumn.flatMap { points.columnIndex($0) }
        for r in 0..<points.count {
            var row = points.fields(r).map { TableCell.text($0) }
            if let xk, let yk, xk < row.count, yk < row.count {
                if points.status[r] == .ok {
                    row[xk] = .number(points.x[r])
                    row[yk] = .number(points.y[r])
                } else {
                    for k in [xk, yk] { if case .text(let s) = row[k], let v = plainNumber(s) { row[k] = .number(v) } }
                }
            }
            let z = Int(zone[r])
            row.append(z >= 0 ? .text(zoneIDs[z]) : .empty)
            for k in includeFields.indices { row.append(z >= 0 ? .text(zoneAttributes[z][k]) : .empty) }
            row.append(.text(match[r].label))
            row.append(distance[r].isNaN ? .empty : .number((distance[r] * 10).rounded() / 10))
            row.append(swappedZone[r] >= 0 ? .text(swappedID(r)) : .empty)
            row.append(isFlagged(r) ? .text(flagsText(r)) : .empty)
            t.rows.append(row)
        }
        return t
    }
}

/// `s` as a number when it is written as one (digits, a point, a sign, an exponent; no
/// `inf`, `nan` or hexadecimal that Double would also accept).
private func plainNumber(_ s: String) -> Double? {
    let t = s.trimmingCharacters(in: .whitespaces)
    guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
          let v = Double(t), v.isFinite else { return nil }
    return v
}
