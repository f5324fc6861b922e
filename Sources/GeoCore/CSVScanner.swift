import Foundation

// The RFC 4180 record scanner shared by every CSV reader (tables read back for maps and
// reports, school registers for joins): quoted fields, `""` for a quote, line breaks
// inside quotes, bytes in and out (UTF-8 is never decoded until a field is asked for).

@usableFromInline package let quoteByte = UInt8(ascii: "\""), commaByte = UInt8(ascii: ","), lfByte = UInt8(ascii: "\n"), crByte = UInt8(ascii: "\r")
@usableFromInline package let semicolonByte = UInt8(ascii: ";"), tabByte = UInt8(ascii: "\t")

/// Scan one record from `i` (RFC 4180: fields may be quoted, with `""` for a quote and
/// separators or line breaks inside); fields are separated by `separator` (default a comma:
/// inlined, the comma path compares with a constant as before). Calls `field(index, start, end, quoted)` for each field;
/// leaves `i` after the line end and returns the end of the record (before the line end),
/// or nil when a quoted field is never closed. Inlinable: the join's reader (another module)
/// calls it once per record with a closure per field, which must be inlined to be fast.
@inlinable @inline(__always)
package func scanRecord(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, limit: Int, separator: UInt8 = commaByte,
                _ field: (Int, Int, Int, Bool) -> Void) -> Int? {
    var k = 0
    while true {
        let fs = i
        var quoted = false
        if i < limit && p[i] == quoteByte {
            quoted = true
            i += 1
            var closed = false
            while i < limit {
                if p[i] == quoteByte {
                    if i + 1 < limit && p[i + 1] == quoteByte { i += 2; continue }
                    i += 1; closed = true; break
                }
                i += 1
            }
            if !closed { return nil }
        }
        while i < limit {
            let c = p[i]
            if c == separator || c == lfByte || c == crByte { break }
            i += 1
        }
        field(k, fs, i, quoted)
        k += 1
        if i < limit && p[i] == separator { i += 1; continue }
        let recEnd = i
        if i < limit && p[i] == crByte { i += 1 }
        if i < limit && p[i] == lfByte { i += 1 }
        return recEnd
    }
}

/// The text of a field; quotes removed and `""` turned into `"` when quoted.
package func decodeField(_ p: UnsafeBufferPointer<UInt8>, _ fs: Int, _ fe: Int, _ quoted: Bool) -> String {
    if !quoted { return String(decoding: UnsafeBufferPointer(rebasing: p[fs..<fe]), as: UTF8.self) }
    var b: [UInt8] = []
    b.reserveCapacity(fe - fs)
    var i = fs, inside = false
    while i < fe {
        let c = p[i]
        if c == quoteByte {
            if inside && i + 1 < fe && p[i + 1] == quoteByte { b.append(quoteByte); i += 2; continue }
            inside.toggle(); i += 1; continue
        }
        b.append(c); i += 1
    }
    return String(decoding: b, as: UTF8.self)
}

/// The separator a header line suggests: the most frequent of comma, semicolon and tab
/// outside quotes in the first line (a comma when none, or on a tie with a comma).
package func detectSeparator(_ p: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> UInt8 {
    var counts: [UInt8: Int] = [commaByte: 0, semicolonByte: 0, tabByte: 0]
    var i = start, inside = false
    while i < limit {
        let c = p[i]
        if c == quoteByte { inside.toggle() }
        else if !inside && (c == lfByte || c == crByte) { break }
        else if !inside && counts[c] != nil { counts[c]! += 1 }
        i += 1
    }
    let comma = counts[commaByte]!, semi = counts[semicolonByte]!, tab = counts[tabByte]!
    if semi > comma && semi >= tab { return semicolonByte }
    if tab > comma && tab > semi { return tabByte }
    return commaByte
}
