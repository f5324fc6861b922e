import Foundation

// The field names an attribute filter (`--where`, OGR SQL or SQLite WHERE syntax) refers
// to, so a misspelt field is named on every driver. GDAL checks fields itself only for
// some drivers (GeoJSON, shapefiles); a GeoPackage hands the filter to SQLite, which fails
// when the first feature is read (or, for a quoted name, reads it as a string and matches
// nothing). Plain text scanning: words that are keywords, function names (a word before
// `(`), numbers and string literals are not fields.

public enum WhereFields {
    /// Words of OGR SQL and SQLite that are not field names in a WHERE clause.
    static let keywords: Set<String> = [
        "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "GLOB", "REGEXP", "MATCH", "BETWEEN",
        "ESCAPE", "TRUE", "FALSE", "CAST", "AS", "CASE", "WHEN", "THEN", "ELSE", "END", "COLLATE",
        "NOCASE", "BINARY", "RTRIM", "EXISTS", "SELECT", "FROM", "WHERE", "DISTINCT", "ISNULL",
        "NOTNULL", "ALL", "ANY", "SOME", "INTEGER", "INTEGER64", "BIGINT", "INT", "SMALLINT", "REAL",
        "FLOAT", "DOUBLE", "NUMERIC", "DECIMAL", "CHARACTER", "CHAR", "VARCHAR", "STRING", "TEXT",
        "DATE", "TIME", "TIMESTAMP", "DATETIME", "BOOLEAN", "BLOB", "CURRENT_DATE", "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
    ]

    /// Names every layer answers to besides its fields: OGR's special fields and SQLite's
    /// row id.
    public static let specialFields = ["FID", "OGR_GEOMETRY", "OGR_GEOM_WKT", "OGR_GEOM_AREA", "OGR_STYLE",
                                       "ROWID", "_ROWID_", "OID"]

    /// The names `expression` uses as fields, in order of first use (quoted ones without
    /// their quotes).
    public static func names(in expression: String) -> [String] {
        let s = Array(expression)
        var out: [String] = []
        func add(_ name: String) { if !name.isEmpty && !out.contains(name) { out.append(name) } }
        /// The quoted text from `i` (at the opening quote) to the closing `close`; a doubled
        /// closing quote stands for itself.
        func quoted(_ i: inout Int, close: Character) -> String {
            var text = ""
            i += 1
            while i < s.count {
                if s[i] == close {
                    if close != "]" && i + 1 < s.count && s[i + 1] == close { text.append(close); i += 2; continue }
                    i += 1
                    return text
                }
                text.append(s[i]); i += 1
            }
            return text
        }
        func isWordStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isWordPart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "$" }
        /// The next character after `i` that is not a space, if any.
        func next(after i: Int) -> Character? {
            var k = i
            while k < s.count, s[k].isWhitespace { k += 1 }
            return k < s.count ? s[k] : nil
        }
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "'" {
                _ = quoted(&i, close: "'")
            } else if c == "\"" || c == "`" || c == "[" {
                let name = quoted(&i, close: c == "[" ? "]" : c)
                if next(after: i) != "(" { add(name) }
            } else if c.isNumber || (c == "." && i + 1 < s.count && s[i + 1].isNumber) {
                // A number: digits, a point, hex digits, an exponent and its sign.
                i += 1
                while i < s.count, s[i].isLetter || s[i].isNumber || s[i] == "." ||
                        ((s[i] == "+" || s[i] == "-") && (s[i - 1] == "e" || s[i - 1] == "E")) { i += 1 }
            } else if isWordStart(c) {
                var word = ""
                while i < s.count, isWordPart(s[i]) { word.append(s[i]); i += 1 }
                // X'0A' is a blob literal; a word before `(` a function.
                let blob = word.uppercased() == "X" && i < s.count && s[i] == "'"
                if !blob && next(after: i) != "(" && !keywords.contains(word.uppercased()) { add(word) }
            } else {
                i += 1
            }
        }
        return out
    }

    /// The names `expression` uses that are none of `fields` nor a special field (case
    /// aside, as OGR and SQLite compare them).
    public static func unknown(in expression: String, fields: [String]) -> [String] {
        let known = Set((fields + specialFields).map { $0.lowercased() })
        return names(in: expression).filter { !known.contains($0.lowercased()) }
    }
}
