import Foundation

// CSV injection (OWASP): a spreadsheet runs a cell that starts with =, +, -, @, a tab or a
// carriage return as a formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`). Ids and names come
// from other people's files, so text fields that start so are written with a leading
// apostrophe, which spreadsheets show as text and do not run. A field that reads as a plain
// number (`-5`, `+3.25`, `-1e-3`) is a number, not a formula, and is left alone. Turned off
// with geotool's `--no-formula-guard` for pipelines that want the text exactly.

/// True when a spreadsheet would take `s` for a formula.
@inline(__always)
public func looksLikeFormula(_ s: Substring.UTF8View) -> Bool {
    guard let c = s.first else { return false }
    switch c {
    case UInt8(ascii: "="), UInt8(ascii: "@"), 0x09, 0x0D: return true
    case UInt8(ascii: "+"), UInt8(ascii: "-"): return Double(String(Substring(s)).trimmingCharacters(in: .whitespaces)) == nil
    default: return false
    }
}

/// `s`, with a leading apostrophe when a spreadsheet would run it as a formula.
public func guardFormula(_ s: String) -> String {
    looksLikeFormula(Substring(s).utf8) ? "'" + s : s
}
