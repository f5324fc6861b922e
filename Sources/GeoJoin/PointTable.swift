import Foundation
import GeoCore
import GeoGDAL

// Points to join: a CSV with coordinate columns (read here, RFC 4180, every column kept
// as text) or any OGR point layer. Records of a CSV are kept as the bytes they were
// read from, so the output can repeat them exactly, quoting included.

/// What was found in a row's coordinate fields.
public enum CoordinateStatus: UInt8, Sendable {
    case ok
    /// Blank (or NA, N/A, NULL, None, NaN) in either coordinate.
    case missing
    /// Not a number (e.g. `96.1O`, `17°30'N`), or a geometry that is not a point.
    case invalid
}

public struct PointTable: Sendable {
    public let path: String
    /// Column names, as written in the header / the layer.
    public let columns: [String]
    public var count: Int { x.count }
    /// The coordinate columns: a CSV's, or those added from an OGR layer's geometries (nil
    /// for a layer with coordinate fields of its own, which stay as the layer has them).
    public let xColumn: String?, yColumn: String?
    /// Coordinates as given (x = longitude / easting); NaN unless `status[i] == .ok`.
    public var x: [Double], y: [Double]
    public var status: [CoordinateStatus]
    /// The layer's CRS (OGR sources); nil for CSV: the caller decides (default EPSG:4326).
    public let crsWKT: String?
    public var warnings: [GeoWarning]
    /// Where the coordinate columns come from: the register's own columns (a CSV, or an OGR
    /// layer with coordinate fields), or columns added from the point geometries (an OGR
    /// layer without them).
    public let coordinates: CoordinateColumns
    package let source: Source
    /// The Myanmar text of its fields: Zawgyi rows, and fields converted to Unicode
    /// (MyanmarRegister.swift).
    public internal(set) var myanmar = RegisterMyanmarText()

    public enum CoordinateColumns: Sendable, Equatable {
        /// The register's own columns (`xColumn`, `yColumn`, or the layer's coordinate fields).
        case given(x: String, y: String)
        /// Added after the layer's fields: each point's position as in the layer, in the
        /// points' CRS (`longitude`/`latitude` for a geographic CRS, else `x`/`y`).
        case fromGeometry(x: String, y: String)
    }

    package enum Source: Sendable {
        case csv(CSVRecords)
        case rows([[String]])
    }

    /// Common names of coordinate columns, in order of preference (compared case-insensitively).
    public static let xNames = ["longitude", "lon", "long", "lng", "x"]
    public static let yNames = ["latitude", "lat", "y"]

    /// Read a `.csv` (own parser) or any OGR vector point layer.
    /// A CSV's separator is `delimiter` when given, else the header's (comma, `;` or tab);
    /// `decimalComma` reads `16,8` as 16.8 (only with `;` or tab separators). `filter` (OGR
    /// layers) is an OGR attribute filter (SQL WHERE).
    /// `crs` (OGR layers) is the points' CRS when it is not the layer's (`--points-crs`): it
    /// names the coordinate columns added from the geometries.
    public static func read(path: String, xColumn: String? = nil, yColumn: String? = nil,
                            layer: String? = nil, delimiter: UInt8? = nil, decimalComma: Bool = false,
                            filter: String? = nil, crs: String? = nil) throws -> PointTable {
        if (path as NSString).pathExtension.lowercased() == "csv" || delimiter != nil {
            if filter != nil {
                throw GeoKitError(.argument, file: path, "\(Setting.where) applies to OGR layers (zones, and points in GeoJSON, GeoPackage...), not to a CSV",
                                  hint: "filter the CSV first, or convert it to a GeoPackage")
            }
            return try readCSV(path: path, xColumn: xColumn, yColumn: yColumn, delimiter: delimiter, decimalComma: decimalComma)
        }
        return try readOGR(path: path, layer: layer, filter: filter, crs: crs)
    }

    /// Where the table's coordinates come from, in words (for metadata). `crs`: the points'
    /// CRS when it is not the layer's.
    public func coordinatesNote(crs: String? = nil) -> String {
        switch coordinates {
        case .given(let x, let y):
            return "\(x), \(y): the points' own columns, as written\(xColumn == nil ? " (the join used each feature's point geometry)" : "")"
        case .fromGeometry(let x, let y):
            let name = (try? SpatialReference(definition: crs ?? crsWKT ?? "EPSG:4326"))?.shortName ?? "the layer's CRS"
            return "\(x), \(y): each feature's point geometry, as in the layer, in its CRS (\(name))"
        }
    }

    /// A row's identity, for finding identical rows: its position (the numbers when it has
    /// one, so that 16.5 and 16.50 are one place) and the text of every other field.
    /// Fields are compared through `text`: in Unicode when the register has Zawgyi values, so a
    /// row typed once in each encoding is the same row.
    package func identity(_ r: Int, text: ComparableText = ComparableText()) -> String {
        let ok = status[r] == .ok
        let xk = ok ? xColumn.flatMap(columnIndex) : nil, yk = ok ? yColumn.flatMap(columnIndex) : nil
        var parts = [ok ? formatNumber(x[r]) + " " + formatNumber(y[r]) : "-"]
        for (k, v) in fields(r).enumerated() where k != xk && k != yk { parts.append(text.key(v)) }
        // Each part with its length: no field's text can pass for a separator.
        return parts.map { "\($0.utf8.count):\($0)" }.joined()
    }

    /// Groups of identical rows (see `identity`), each in row order.
    package func identicalRows(text: ComparableText = ComparableText()) -> [[Int]] {
        let coarse = (0..<count).map { status[$0] == .ok ? IdenticalRows.positionKey(x: x[$0], y: y[$0]) : 0 }
        return IdenticalRows.groups(count: count, coarse: coarse, full: { identity($0, text: text) })
    }

    /// The separator of a CSV source (comma for OGR sources).
    public var separator: UInt8 {
        if case .csv(let c) = source { return c.separator }
        return commaByte
    }

    /// Every field of a row, as text.
    public func fields(_ row: Int) -> [String] {
        if let f = myanmar.converted[row] { return f }
        switch source {
        case .rows(let r): return r[row]
        case .csv(let c):
            var out = c.fields(row)
            if out.count < columns.count { out += Array(repeating: "", count: columns.count - out.count) }
            return out
        }
    }

    /// One column as text for every row, found case-insensitively.
    public func column(_ name: String) -> [String]? {
        guard let k = columnIndex(name) else { return nil }
        var values: [String]
        switch source {
        case .rows(let r): values = r.map { k < $0.count ? $0[k] : "" }
        case .csv(let c): values = (0..<count).map { c.field($0, k) }
        }
        for (r, f) in myanmar.converted where k < f.count { values[r] = f[k] }
        return values
    }

    public func columnIndex(_ name: String) -> Int? {
        if let i = columns.firstIndex(of: name) { return i }
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        return columns.firstIndex { $0.trimmingCharacters(in: .whitespaces).lowercased() == n }
    }

    /// Append the row as CSV (no line end), padded to `columns.count` fields: the bytes as
    /// read, unless a field would run as a spreadsheet formula and `guardFormulas` is set
    /// (then the row is written field by field, those fields with a leading apostrophe).
    package func appendCSV(_ row: Int, to out: inout [UInt8], guardFormulas: Bool = false) {
        if let fields = myanmar.converted[row] {
            for (k, f) in fields.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: csvQuote(guardFormulas ? guardFormula(f) : f).utf8)
            }
            return
        }
        switch source {
        case .csv(let c):
            if c.separator != commaByte || (guardFormulas && c.hasFormula(row)) {
                var fields = c.fields(row)
                if fields.count < columns.count { fields += Array(repeating: "", count: columns.count - fields.count) }
                for (k, f) in fields.enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: csvQuote(guardFormulas ? guardFormula(f) : f).utf8)
                }
            } else {
                c.appendRecord(row, columns: columns.count, to: &out)
            }
        case .rows(let r):
            for (k, f) in r[row].enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: csvQuote(guardFormulas ? guardFormula(f) : f).utf8)
            }
        }
    }
}

// MARK: - CSV

/// The bytes of a CSV file and where each record lies in them.
package final class CSVRecords: @unchecked Sendable {   // immutable after init
    package let bytes: [UInt8]
    package let start: [Int]
    package let end: [Int]
    package let fieldCount: [Int32]
    /// The field separator (comma, `;` or tab).
    package let separator: UInt8
    /// Rows with a field whose first byte could start a spreadsheet formula (found while
    /// reading), so that writing looks closely at these rows only.
    package let riskyRows: Set<Int>
    package init(bytes: [UInt8], start: [Int], end: [Int], fieldCount: [Int32], separator: UInt8 = commaByte,
                 riskyRows: Set<Int>? = nil) {
        self.bytes = bytes; self.start = start; self.end = end; self.fieldCount = fieldCount; self.separator = separator
        self.riskyRows = riskyRows ?? Set(start.indices)
    }

    package func fields(_ row: Int) -> [String] {
        var out: [String] = []
        bytes.withUnsafeBufferPointer { p in
            var i = start[row]
            _ = scanRecord(p, &i, limit: end[row], separator: separator) { _, fs, fe, q in out.append(decodeField(p, fs, fe, q)) }
        }
        return out
    }

    package func field(_ row: Int, _ k: Int) -> String {
        var s = ""
        bytes.withUnsafeBufferPointer { p in
            var i = start[row]
            _ = scanRecord(p, &i, limit: end[row], separator: separator) { f, fs, fe, q in if f == k { s = decodeField(p, fs, fe, q) } }
        }
        return s
    }

    /// True when a field of the row would run as a spreadsheet formula: a cheap look at the
    /// first byte of each field first, so ordinary rows are not decoded.
    package func hasFormula(_ row: Int) -> Bool {
        guard riskyRows.contains(row) else { return false }
        var suspect = false
        bytes.withUnsafeBufferPointer { p in
            var i = start[row]
            _ = scanRecord(p, &i, limit: end[row], separator: separator) { _, fs, fe, q in
                let s = q ? fs + 1 : fs
                guard s < fe, !suspect else { return }
                let b = p[s]
                if b == UInt8(ascii: "=") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "@") || b == 0x09 || b == 0x0D {
                    suspect = looksLikeFormula(Substring(decodeField(p, fs, fe, q)).utf8)
                }
            }
        }
        return suspect
    }

    package func appendRecord(_ row: Int, columns: Int, to out: inout [UInt8]) {
        out.append(contentsOf: bytes[start[row]..<end[row]])
        var n = Int(fieldCount[row])
        while n < columns { out.append(UInt8(ascii: ",")); n += 1 }
    }
}


private let powersOf10: [Double] = (0...22).map { pow(10, Double($0)) }

/// Parse a coordinate from field bytes: a plain decimal number, optionally signed, with
/// optional exponent. Anything else (letters, degree signs, decimal commas) is invalid.
package func parseCoordinate(_ p: UnsafeBufferPointer<UInt8>, _ fs: Int, _ fe: Int, _ quoted: Bool,
                             decimalComma: Bool = false) -> (CoordinateStatus, Double) {
    var s = fs, e = fe
    if quoted {
        // Coordinates are never legitimately quoted with inner quotes: take what is between.
        if e - s >= 2 && p[e - 1] == quoteByte { s += 1; e -= 1 } else { return (.invalid, .nan) }
    }
    while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
    while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
    if s == e { return (.missing, .nan) }
    // Fast path: [+-]digits[.digits], at most 15 significant digits: m / 10^k is exact-rounded.
    var i = s
    var neg = false
    if p[i] == UInt8(ascii: "-") { neg = true; i += 1 } else if p[i] == UInt8(ascii: "+") { i += 1 }
    var m: Int64 = 0, digits = 0, frac = 0, seenDot = false, simple = true
    while i < e {
        let c = p[i]
        if c >= 0x30 && c <= 0x39 {
            if digits < 15 { m = m * 10 + Int64(c - 0x30); digits += (m == 0 ? 0 : 1); if seenDot { frac += 1 } }
            else { simple = false; break }
        } else if (c == UInt8(ascii: ".") || (decimalComma && c == commaByte)) && !seenDot { seenDot = true }
        else { simple = false; break }
        i += 1
    }
    let hasDigit = (s..<e).contains { p[$0] >= 0x30 && p[$0] <= 0x39 }
    if simple && hasDigit && frac <= 22 {
        let v = Double(m) / powersOf10[frac]
        return (.ok, neg ? -v : v)
    }
    // Slow path: exponents, long digit strings; still only these characters.
    var text = ""
    for j in s..<e {
        let c = p[j]
        if decimalComma && c == commaByte { text.append("."); continue }
        guard (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") else {
            return missingMarker(p, s, e) ? (.missing, .nan) : (.invalid, .nan)
        }
        text.unicodeScalars.append(Unicode.Scalar(c))
    }
    if let v = Double(text), v.isFinite { return (.ok, v) }
    return (.invalid, .nan)
}

private func missingMarker(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    guard e - s <= 4 else { return false }
    let t = String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self).uppercased()
    return ["NA", "N/A", "NULL", "NONE", "NAN"].contains(t)
}

extension PointTable {
    package static func readCSV(path: String, xColumn: String?, yColumn: String?, delimiter: UInt8? = nil,
                                decimalComma: Bool = false) throws -> PointTable {
        let (bytes, legacy) = try registerBytes(path)
        let n = bytes.count
        var header: [String] = []
        var i = 0
        var starts: [Int] = [], ends: [Int] = [], counts: [Int32] = []
        var riskyRows = Set<Int>()
        var xs: [Double] = [], ys: [Double] = [], status: [CoordinateStatus] = []
        var xName: String?, yName: String?
        var longRows = 0
        var sep = commaByte
        try bytes.withUnsafeBufferPointer { p in
            (header, sep) = try readHeader(p, &i, path: path, delimiter: delimiter, decimalComma: decimalComma)
            let xk = try coordinateColumn(header, xColumn, xNames, "longitude", path: path, separator: sep)
            let yk = try coordinateColumn(header, yColumn, yNames, "latitude", path: path, separator: sep)
            if xk == yk { throw GeoKitError.input(path, "the same column '\(header[xk])' for x and y") }
            xName = header[xk]; yName = header[yk]
            let estimate = n / max(1, i) + 16
            starts.reserveCapacity(estimate); ends.reserveCapacity(estimate); counts.reserveCapacity(estimate)
            xs.reserveCapacity(estimate); ys.reserveCapacity(estimate); status.reserveCapacity(estimate)
            let ncol = header.count
            var row = 0
            var decimalCommaValue: String?
            while i < n {
                if p[i] == lfByte || p[i] == crByte { i += 1; continue }   // blank line: not a row
                let rs = i
                var xv = Double.nan, yv = Double.nan
                var xs_: CoordinateStatus = .missing, ys_: CoordinateStatus = .missing
                var nf = 0
                // Fields beyond the header's (Excel writes `A,16.5,95.5,,`): where the
                // header's last field ends, and the first extra field that is not empty.
                var headerEnd = 0, extra: ExtraField?
                var risky = false
                guard var re = scanRecord(p, &i, limit: n, separator: sep, { k, fs, fe, q in
                    nf = k + 1
                    if mayRunAsFormula(p, fs, fe, q) { risky = true }
                    if k == xk { (xs_, xv) = parseCoordinate(p, fs, fe, q, decimalComma: decimalComma) }
                    else if k == yk { (ys_, yv) = parseCoordinate(p, fs, fe, q, decimalComma: decimalComma) }
                    // A `;` or tab file whose coordinates read with a decimal comma: say so
                    // rather than flag every row invalid.
                    if (k == xk ? xs_ : k == yk ? ys_ : .ok) == .invalid && sep != commaByte && !decimalComma && decimalCommaValue == nil
                        && parseCoordinate(p, fs, fe, q, decimalComma: true).0 == .ok {
                        decimalCommaValue = decodeField(p, fs, fe, q)
                    }
                    if k == ncol - 1 { headerEnd = fe }
                    else if k >= ncol && extra == nil && fe > fs && !(q && fe - fs == 2) { extra = ExtraField(k: k, fs: fs, fe: fe, q: q) }
                }) else {
                    throw GeoKitError.input(path, "unterminated quoted field in data row \(row + 1)")
                }
                row += 1
                if let v = decimalCommaValue {
                    throw GeoKitError(.input, file: path, "data row \(row): coordinate '\(v)' has a decimal comma",
                                      hint: "give \(Setting.decimalComma) to read it as \(v.replacingOccurrences(of: ",", with: "."))")
                }
                if nf > ncol {
                    if let e = extra { throw extraFieldError(p, e, rowStart: rs, row: row, fields: nf, headerFields: ncol, path: path) }
                    // Only empty fields beyond the header: the row ends with its last header field.
                    longRows += 1
                    re = headerEnd; nf = ncol
                }
                starts.append(rs); ends.append(re); counts.append(Int32(nf))
                if risky { riskyRows.insert(row - 1) }
                let st = pointStatus(xs_, ys_)
                status.append(st)
                xs.append(st == .ok ? xv : .nan); ys.append(st == .ok ? yv : .nan)
            }
        }
        var warnings: [GeoWarning] = []
        if legacy { warnings.append(GeoWarning(.input, file: path, "\(path): not UTF-8; read as Windows-1252 (Latin-1) and written as UTF-8: save the register as UTF-8 to be sure of its accented names")) }
        if longRows > 0 { warnings.append(GeoWarning(.input, file: path, "\(path): \(longRows) row(s) end with empty fields beyond the header's; those fields are dropped")) }
        let records = CSVRecords(bytes: bytes, start: starts, end: ends, fieldCount: counts, separator: sep, riskyRows: riskyRows)
        var table = PointTable(path: path, columns: header, xColumn: xName, yColumn: yName, x: xs, y: ys, status: status,
                               crsWKT: nil, warnings: warnings, coordinates: .given(x: xName!, y: yName!), source: .csv(records))
        try table.checkMyanmarText(.detect)
        return table
    }

    /// Whether a field may run as a spreadsheet formula (its first byte = + - @ tab CR):
    /// looked at closely only when the output is written.
    @inline(__always)
    private static func mayRunAsFormula(_ p: UnsafeBufferPointer<UInt8>, _ fs: Int, _ fe: Int, _ q: Bool) -> Bool {
        let first = q ? fs + 1 : fs
        guard first < fe else { return false }
        let b = p[first]
        return b == 0x3D || b == 0x2B || b == 0x2D || b == 0x40 || b == 0x09 || b == 0x0D
    }

    /// A point's status from its coordinates': missing when one is, else invalid when one is.
    @inline(__always)
    private static func pointStatus(_ x: CoordinateStatus, _ y: CoordinateStatus) -> CoordinateStatus {
        (x == .missing || y == .missing) ? .missing : (x == .invalid || y == .invalid) ? .invalid : .ok
    }

    /// A register's bytes as UTF-8 without a byte order mark, and whether they were not
    /// UTF-8 (a register saved in a Western code page: decoded as such, and said, rather
    /// than every accented name becoming U+FFFD in the output without a word).
    private static func registerBytes(_ path: String) throws -> (bytes: [UInt8], legacy: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { throw GeoKitError.input(path, "no such file") }
            throw GeoKitError.input(path, "cannot read")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let legacy = !isValidUTF8(bytes)
        if legacy { bytes = Array(decodeLegacyText(bytes).utf8) }
        return (bytes, legacy)
    }

    /// The header (the first non-blank line, from `i`, which is left at the first row) and
    /// the separator: `delimiter`, else the header's.
    private static func readHeader(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, path: String, delimiter: UInt8?,
                                   decimalComma: Bool) throws -> (header: [String], separator: UInt8) {
        let n = p.count
        while i < n && (p[i] == lfByte || p[i] == crByte) { i += 1 }
        guard i < n else { throw GeoKitError.input(path, "empty file") }
        let sep = delimiter ?? detectSeparator(p, from: i, limit: n)
        if decimalComma && sep == commaByte {
            throw GeoKitError(.argument, file: path, "\(Setting.decimalComma) needs a ';' or tab separated file (in a comma-separated one a decimal comma splits the number)",
                              hint: "give \(Setting.delimiter, "';'") when the file is separated by semicolons")
        }
        var header: [String] = []
        guard scanRecord(p, &i, limit: n, separator: sep, { _, fs, fe, q in header.append(decodeField(p, fs, fe, q)) }) != nil else {
            throw GeoKitError.input(path, "unterminated quoted field in the header")
        }
        return (header, sep)
    }

    /// The column of the `what` coordinate: `given` (exactly, else in any case), else the
    /// first of `names` (in any case).
    private static func coordinateColumn(_ header: [String], _ given: String?, _ names: [String], _ what: String, path: String,
                                         separator sep: UInt8) throws -> Int {
        let norm = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let given {
            if let k = header.firstIndex(of: given) ?? norm.firstIndex(of: given.lowercased()) { return k }
            throw GeoKitError(.input, file: path, "no column '\(given)'\(didYouMean(given, header)) (columns: \(header.joined(separator: ", ")))",
                              hint: otherSeparatorHint(header, sep))
        }
        for name in names { if let k = norm.firstIndex(of: name) { return k } }
        throw GeoKitError(.input, file: path, "no \(what) column found (looked for \(names.joined(separator: "/")); name it with \(what == "longitude" ? Setting.x : Setting.y)); columns: \(header.joined(separator: ", "))",
                          hint: otherSeparatorHint(header, sep))
    }

    /// A field beyond the header's that is not empty: its index and bytes (`q`: quoted).
    private struct ExtraField { var k: Int, fs: Int, fe: Int, q: Bool }

    /// The error for data row `row` (starting at byte `rowStart`) holding `fields` fields
    /// for the header's `headerFields`, the first extra one `e` not empty.
    private static func extraFieldError(_ p: UnsafeBufferPointer<UInt8>, _ e: ExtraField, rowStart rs: Int, row: Int, fields nf: Int,
                                        headerFields ncol: Int, path: String) -> GeoKitError {
        let line = 1 + UnsafeBufferPointer(rebasing: p[..<rs]).reduce(0) { $0 + ($1 == lfByte ? 1 : 0) }
        var value = decodeField(p, e.fs, e.fe, e.q)
        if value.count > 40 { value = String(value.prefix(40)) + "..." }
        return GeoKitError(.input, file: path, line: line,
                           "data row \(row) has \(nf) fields for the header's \(ncol), and field \(e.k + 1) is not empty ('\(value)')",
                           hint: "name the extra column(s) in the header, or fix the row")
    }

    package static func readOGR(path: String, layer name: String?, filter: String? = nil, crs: String? = nil) throws -> PointTable {
        let features = try VectorDataset(path: path).readPoints(layer: name, filter: filter)
        var xs: [Double] = [], ys: [Double] = [], status: [CoordinateStatus] = []
        var notPoints = 0
        for p in features.positions {
            var st = CoordinateStatus.missing, x = Double.nan, y = Double.nan
            switch p {
            case .point(let px, let py):
                x = px; y = py
                st = x.isFinite && y.isFinite ? .ok : .invalid
            case .missing: break
            case .notPoint: st = .invalid; notPoints += 1
            }
            if st != .ok { x = .nan; y = .nan }
            xs.append(x); ys.append(y); status.append(st)
        }
        var warnings: [GeoWarning] = []
        if notPoints > 0 { warnings.append(GeoWarning(.input, file: path, "\(path): \(notPoints) feature(s) are not points; flagged invalid_coords")) }
        var columns = features.columns, rows = features.rows
        let coordinates: CoordinateColumns
        if let own = coordinateFields(columns) {
            // The layer carries its coordinates as fields: they are the register's, kept as
            // they are (the join itself uses the geometry).
            coordinates = .given(x: own.x, y: own.y)
        } else {
            // Without them the position would be lost in a table without geometry (CSV,
            // Excel): each point's x and y, as in the layer, after its fields.
            let geographic = (try? SpatialReference(definition: crs ?? features.crsWKT ?? "EPSG:4326"))?.isGeographic ?? true
            let names = geographic ? (x: "longitude", y: "latitude") : (x: "x", y: "y")
            columns += [names.x, names.y]
            for r in rows.indices {
                rows[r] += status[r] == .ok ? [formatNumber(xs[r]), formatNumber(ys[r])] : ["", ""]
            }
            coordinates = .fromGeometry(x: names.x, y: names.y)
        }
        // The added columns are the coordinate columns of the output (numbers in GeoPackage
        // and Excel, the QA report's coordinates); the layer's own fields stay its text.
        var added: (x: String, y: String)?
        if case .fromGeometry(let x, let y) = coordinates { added = (x, y) }
        var table = PointTable(path: path, columns: columns, xColumn: added?.x, yColumn: added?.y, x: xs, y: ys, status: status,
                               crsWKT: features.crsWKT, warnings: warnings, coordinates: coordinates, source: .rows(rows))
        try table.checkMyanmarText(.detect)
        return table
    }

    /// A layer's own coordinate fields: one of `xNames` and one of `yNames` (as a CSV's are
    /// found), or nil.
    static func coordinateFields(_ columns: [String]) -> (x: String, y: String)? {
        let norm = columns.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let xk = xNames.lazy.compactMap({ norm.firstIndex(of: $0) }).first,
              let yk = yNames.lazy.compactMap({ norm.firstIndex(of: $0) }).first else { return nil }
        return (columns[xk], columns[yk])
    }
}

/// When a CSV's header reads as one column holding another separator (`;`, tab, `,`): a
/// hint saying so, for the error about a missing column.
private func otherSeparatorHint(_ header: [String], _ sep: UInt8) -> String? {
    guard header.count == 1 || (header.count <= 2 && header.contains { $0.contains(";") || $0.contains("\t") }) else { return nil }
    let name = header.joined(separator: sep == tabByte ? "\t" : String(UnicodeScalar(sep)))
    for (c, word, option) in [(";", "semicolons", "';'"), ("\t", "tabs", "tab"), (",", "commas", "','")] where name.contains(c) && UInt8(ascii: c.unicodeScalars.first!) != sep {
        return "the header reads as one column '\(header[0])' holding \(word): is the file separated by \(word)? give \(Setting.delimiter, option)"
    }
    return nil
}

extension PointTable {
    /// Points a caller holds in memory (the C interface's arrays): x and y (longitude and
    /// latitude for a geographic `crs`; NaN or infinite: missing), and the caller's own
    /// `columns` with their text per row (an id column, a register code), which the join
    /// reads as a file's. `name` stands for the path in messages.
    public static func inMemory(name: String, x: [Double], y: [Double], crs: String?, columns: [String] = [],
                                rows: [[String]]? = nil) -> PointTable {
        let status: [CoordinateStatus] = zip(x, y).map { $0.isFinite && $1.isFinite ? .ok : .missing }
        let xs = zip(x, status).map { $1 == .ok ? $0 : .nan }, ys = zip(y, status).map { $1 == .ok ? $0 : .nan }
        return PointTable(path: name, columns: columns, xColumn: nil, yColumn: nil, x: xs, y: ys, status: status, crsWKT: crs,
                          warnings: [], coordinates: .fromGeometry(x: "x", y: "y"),
                          source: .rows(rows ?? Array(repeating: [], count: x.count)))
    }
}

extension PointTable {
    /// Rows without valid coordinates (blank, not numbers, out of range): no point geometry,
    /// so a FlatGeobuf output leaves them out.
    public var rowsWithoutCoordinates: Int { status.filter { $0 != .ok }.count }
}
