import Foundation

/// A cell of an output table.
public enum TableCell: Equatable, Sendable {
    case text(String)
    case number(Double)
    case empty

    public var csv: String {
        switch self {
        case .text(let s): return csvQuote(s)
        case .number(let v): return formatNumber(v)
        case .empty: return ""
        }
    }
    public var doubleValue: Double? { if case .number(let v) = self { return v }; return nil }
}

/// A table of results: one row per zone (and per roll-up unit), in input order.
public struct Table: Sendable {
    public var columns: [String]
    public var rows: [[TableCell]]
    /// HXL hashtags, written as a second header row (HDX's convention), when set.
    public var hxl: [String]?
    public init(columns: [String], rows: [[TableCell]] = []) { self.columns = columns; self.rows = rows }

    public func column(_ name: String) -> [TableCell]? {
        guard let i = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[i] }
    }
}

/// Shortest text that reads back as the same Double; integers without a decimal point.
/// NaN and ±infinity are empty (the number rule of every output: empty in CSV and
/// spreadsheets, null in JSON, see `jsonSafe`).
public func formatNumber(_ v: Double) -> String {
    // The table writers' bytes, so a cell's text and a row's are one formatter's.
    String(unsafeUninitializedCapacity: numberRoom) { writeNumber(v, at: $0.baseAddress!) }
}

/// `formatNumber(v)`'s text appended to `bytes` without making a String (a table writer
/// formats millions of numbers): written straight into the array's spare capacity, integers
/// digit by digit, other values by `writeShortestDouble` (`description`'s text, our own digits).
package func appendNumber(_ v: Double, to bytes: inout [UInt8]) {
    bytes.append(addingCapacity: numberRoom) { span in
        span.withUnsafeMutableBufferPointer { b, count in count = writeNumber(v, at: b.baseAddress!) }
    }
}

/// `count` numbers, `value(0)` to `value(count - 1)`, appended to `bytes`, each after
/// `separator` (a wide row's cells): `appendNumber`'s text, with one capacity check for them all.
package func appendNumbers(_ count: Int, after separator: UInt8, to bytes: inout [UInt8], _ value: (Int) -> Double) {
    guard count > 0 else { return }
    bytes.append(addingCapacity: count * (1 + numberRoom)) { span in
        span.withUnsafeMutableBufferPointer { b, written in
            let start = b.baseAddress!
            var p = start
            for i in 0..<count {
                p.pointee = separator
                p += 1 + writeNumber(value(i), at: p + 1)
            }
            written = p - start
        }
    }
}

/// The room a number's text needs at the pointer `writeNumber` writes at (the formatter's
/// room; a Double's text is at most 24 bytes, `-2.2250738585072014e-308`).
private let numberRoom = 32

/// `formatNumber(v)`'s text at `p`, which has `numberRoom` bytes; its length.
private func writeNumber(_ v: Double, at p: UnsafeMutablePointer<UInt8>) -> Int {
    if !v.isFinite { return 0 }
    // A whole number below 1e15 as an integer: tested by converting to Int64 and back (two
    // instructions), not `v == v.rounded()` (a call to libm's round per value); the same set.
    if abs(v) < 1e15, Double(Int64(v)) == v { return writeInteger(Int64(v), at: p) }
    return writeShortestDouble(v, at: p)   // `v.description`'s text (ShortestDouble.swift)
}

/// `String(n)`'s digits at `p` (at most 20 bytes); their length. The shortest-digits
/// formatter's own digit writer (ShortestDouble.swift), eight digits at a time.
private func writeInteger(_ n: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
    let sign = n < 0 ? 1 : 0
    if n < 0 { p.pointee = 0x2D }
    let count = max(1, decimalDigitCount(n.magnitude))   // 0 has one digit
    writeDigits(n.magnitude, count: count, at: p + sign)
    return sign + count
}

/// A field quoted when it holds a comma, a quote or a line break (RFC 4180). Bytes are
/// tested, not Characters: "\r\n" is one Character, and so is a comma followed by a
/// combining mark (common in Myanmar script), and neither equals "," or "\n".
package func csvQuote(_ s: String) -> String {
    if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

/// Write `path` atomically: `write` writes a temporary file beside it (`.NAME.tmp-PID.ext`),
/// which is renamed to `path` only when `write` succeeds, so no half-written file ever
/// carries the final name. Errors name `path`, never the temporary.
public func writeAtomically(_ path: String, _ write: (String) throws -> Void) throws {
    try writeAtomically([path]) { try write($0[0]) }
}

/// Write several files together (a table and its sidecar): `write` writes every temporary,
/// then they are renamed in the order given, so the last one (the table) appears only when
/// all the others did; when `write` fails, none is renamed and every temporary is removed.
/// The temporaries are registered in `TemporaryFiles` while they exist (a signal removes them).
public func writeAtomically(_ paths: [String], _ write: ([String]) throws -> Void) throws {
    var tmps: [String] = []
    // A missing folder is reported for the last file (the table), not its sidecar.
    for path in paths.reversed() {
        let url = URL(fileURLWithPath: path)
        let dir = path.contains("/") ? parentFolder(path) : ""
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.isEmpty ? "." : dir, isDirectory: &isDir), isDir.boolValue else {
            throw GeoKitError.io(path, "cannot write: directory \(dir) does not exist")
        }
        // Keep the extension: some GDAL drivers insist on it.
        let ext = url.pathExtension
        tmps.insert((dir.isEmpty ? "" : dir + "/") + "." + url.deletingPathExtension().lastPathComponent + ".tmp-\(getpid())"
                    + (ext.isEmpty ? "" : "." + ext), at: 0)
    }
    TemporaryFiles.add(tmps)
    defer { TemporaryFiles.remove(tmps) }
    for t in tmps { unlink(t) }
    do {
        try write(tmps)
        for (path, tmp) in zip(paths, tmps) {
            // A plain rename over the old file: on ext4 it also writes the new file out first, so
            // after a crash the path holds the old table or the new one, never an empty file.
            if rename(tmp, path) != 0 {
                throw GeoKitError.io(path, "cannot write: \(String(cString: strerror(errno)))")
            }
        }
    } catch {
        for t in tmps { removeTemporary(t) }
        throw error
    }
}

extension Table {
    public func csvText(bom: Bool = false) -> String {
        var out = bom ? "\u{FEFF}" : ""
        out += columns.map(csvQuote).joined(separator: ",") + "\n"
        if let hxl { out += hxl.map(csvQuote).joined(separator: ",") + "\n" }
        for r in rows { out += r.map(\.csv).joined(separator: ",") + "\n" }
        return out
    }

    public func writeCSV(to path: String, bom: Bool = false, guardFormulas: Bool = true) throws {
        try CSVWriter.write(to: path, bom: bom, guardFormulas: guardFormulas) { w in
            try w.writeRow(columns)
            if let hxl { try w.writeRow(hxl) }
            for r in rows { try w.writeRow(r) }
        }
    }
}
