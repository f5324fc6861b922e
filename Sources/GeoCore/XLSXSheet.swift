import Foundation

// The parts of an Office Open XML workbook (.xlsx) holding tables, built as plain text:
// GDAL's XLSX driver can neither style a header nor freeze or filter it, so geotool writes
// the XML itself and GeoGDAL only zips it (ZipWriter.swift). Each sheet: a bold header,
// the HXL row (when the table has one) second, both frozen; an autofilter over the table;
// numbers as numbers, text as shared strings, empty cells (and NaN, ±infinity) absent;
// column widths that fit the header and the values.

/// A sheet of a workbook: its name and the table rows it holds (nil: every row).
public struct XLSXSheet: Sendable {
    public var name: String
    public var table: Table
    public var rows: [Int]?
    public init(name: String, table: Table, rows: [Int]? = nil) { self.name = name; self.table = table; self.rows = rows }

    /// Rows above the data: the header, and the HXL row when there is one.
    public var headerRows: Int { table.hxl == nil ? 1 : 2 }
    var dataRows: [Int] { rows ?? Array(table.rows.indices) }
    /// The last row's number in the sheet (1-based).
    var lastRow: Int { headerRows + dataRows.count }
    var lastColumn: String { xlsxColumnName(max(0, table.columns.count - 1)) }

    /// The autofilter range: from the last header row (the HXL row when there is one, so
    /// that sorting never moves it among the data) to the last data row.
    public var filterRange: String { "A\(headerRows):\(lastColumn)\(lastRow)" }

    /// Column widths in characters: the longest of the header (plus room for the filter
    /// button), the HXL tag and the values as written, capped for long text.
    public var columnWidths: [Double] {
        let t = table
        var widest = t.columns.map { _ in 0 }
        for i in dataRows {
            for (c, cell) in t.rows[i].enumerated() where c < widest.count {
                switch cell {
                // Excel shows at most 11 characters of a number in the General format.
                case .number(let v): widest[c] = max(widest[c], min(formatNumber(v).count, 11))
                case .text(let s): if s.utf8.count > widest[c] { widest[c] = max(widest[c], s.count) }
                case .empty: break
                }
            }
        }
        return t.columns.indices.map { c in
            let header = max(t.columns[c].count + 3, (t.hxl.map { c < $0.count ? $0[c].count : 0 } ?? 0) + 1)
            return Double(max(header, min(widest[c] + 1, 60), 8))
        }
    }
}

/// The column letters of a 0-based column index (0: A, 25: Z, 26: AA).
public func xlsxColumnName(_ index: Int) -> String {
    var k = index + 1, s = ""
    while k > 0 { let r = (k - 1) % 26; s = String(UnicodeScalar(UInt8(65 + r))) + s; k = (k - 1) / 26 }
    return s
}

/// Text as XML character data. Characters XML 1.0 cannot hold (control characters other
/// than tab and line feed) are written as OOXML's `_xHHHH_` escapes, and a literal
/// `_xHHHH_` gets its underscore escaped, so every reader gets the text back exactly.
public func xlsxEscape(_ s: String, attribute: Bool = false) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    let scalars = Array(s.unicodeScalars)
    for (i, u) in scalars.enumerated() {
        switch u {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"" where attribute: out += "&quot;"
        case "\r": out += "_x000D_"
        case "\t", "\n": out += attribute ? "&#\(u.value);" : String(u)
        case "_":
            // `_x` + four hex digits + `_` would be read as an escape.
            if i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
               scalars[(i + 2)...(i + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }) {
                out += "_x005F_"
            } else {
                out += "_"
            }
        default:
            if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF {
                out += "_x" + String(format: "%04X", u.value) + "_"
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out
}

/// The parts of a workbook holding `sheets`, as (path inside the zip, bytes), in the order
/// a zip should hold them (`[Content_Types].xml` first).
public func xlsxParts(_ sheets: [XLSXSheet]) -> [(path: String, bytes: [UInt8])] {
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    let pkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    // Sheet names: at most 31 characters, none of []:*?/\, unique.
    var names: [String] = []
    for s in sheets {
        var n = String(s.name.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
        if n.isEmpty { n = "Sheet" }
        var k = 2
        let base = n
        while names.contains(where: { $0.lowercased() == n.lowercased() }) { n = String(base.prefix(28)) + "_\(k)"; k += 1 }
        names.append(n)
    }
    var strings = SharedStrings()
    var sheetParts: [[UInt8]] = []
    for s in sheets { sheetParts.append(worksheetXML(s, strings: &strings, head: head, main: main, rel: rel)) }

    var types = head + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    for k in sheets.indices {
        types += "<Override PartName=\"/xl/worksheets/sheet\(k + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
    }
    types += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        + "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
        + "</Types>"
    let rootRels = head + "<Relationships xmlns=\"\(pkgRel)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(rel)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
    var workbook = head + "<workbook xmlns=\"\(main)\" xmlns:r=\"\(rel)\"><bookViews><workbookView/></bookViews><sheets>"
    var bookRels = head + "<Relationships xmlns=\"\(pkgRel)\">"
    for (k, n) in names.enumerated() {
        workbook += "<sheet name=\"\(xlsxEscape(n, attribute: true))\" sheetId=\"\(k + 1)\" r:id=\"rId\(k + 1)\"/>"
        bookRels += "<Relationship Id=\"rId\(k + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\(k + 1).xml\"/>"
    }
    workbook += "</sheets><definedNames>"
    // Excel keeps each sheet's autofilter range under this hidden name as well.
    for (k, s) in sheets.enumerated() {
        let quoted = "'" + names[k].replacingOccurrences(of: "'", with: "''") + "'"
        let abs = s.filterRange.split(separator: ":").map { r in
            let letters = r.prefix { $0.isLetter }
            return "$" + letters + "$" + r.dropFirst(letters.count)
        }.joined(separator: ":")
        workbook += "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(k)\" hidden=\"1\">\(xlsxEscape(quoted + "!" + abs))</definedName>"
    }
    workbook += "</definedNames></workbook>"
    bookRels += "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(rel)/styles\" Target=\"styles.xml\"/>"
        + "<Relationship Id=\"rId\(sheets.count + 2)\" Type=\"\(rel)/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
    // Style 0: plain; style 1: bold (the header).
    let font = "<sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/>"
    let styles = head + "<styleSheet xmlns=\"\(main)\">"
        + "<fonts count=\"2\"><font>\(font)</font><font><b/>\(font)</font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"
    var parts: [(path: String, bytes: [UInt8])] = [
        ("[Content_Types].xml", Array(types.utf8)), ("_rels/.rels", Array(rootRels.utf8)),
        ("xl/workbook.xml", Array(workbook.utf8)), ("xl/_rels/workbook.xml.rels", Array(bookRels.utf8)),
        ("xl/styles.xml", Array(styles.utf8)), ("xl/sharedStrings.xml", strings.xml(head: head, main: main)),
    ]
    for (k, p) in sheetParts.enumerated() { parts.append(("xl/worksheets/sheet\(k + 1).xml", p)) }
    return parts
}

/// The workbook's text cells, each distinct text stored once.
private struct SharedStrings {
    var index: [String: Int] = [:]
    var list: [String] = []
    var uses = 0
    mutating func id(_ s: String) -> Int {
        uses += 1
        if let k = index[s] { return k }
        index[s] = list.count
        list.append(s)
        return list.count - 1
    }
    func xml(head: String, main: String) -> [UInt8] {
        var out = Array((head + "<sst xmlns=\"\(main)\" count=\"\(uses)\" uniqueCount=\"\(list.count)\">").utf8)
        for s in list {
            // Leading or trailing white space survives only when the element says so.
            let keep = s.first.map { $0.isWhitespace } == true || s.last.map { $0.isWhitespace } == true
            out.append(contentsOf: (keep ? "<si><t xml:space=\"preserve\">" : "<si><t>").utf8)
            out.append(contentsOf: xlsxEscape(s).utf8)
            out.append(contentsOf: "</t></si>".utf8)
        }
        out.append(contentsOf: "</sst>".utf8)
        return out
    }
}

private func worksheetXML(_ s: XLSXSheet, strings: inout SharedStrings, head: String, main: String, rel: String) -> [UInt8] {
    let t = s.table
    let letters = t.columns.indices.map(xlsxColumnName)
    let top = "A\(s.headerRows + 1)"
    var out = Array((head + "<worksheet xmlns=\"\(main)\" xmlns:r=\"\(rel)\">"
        + "<dimension ref=\"A1:\(s.lastColumn)\(s.lastRow)\"/>"
        + "<sheetViews><sheetView workbookViewId=\"0\">"
        + "<pane ySplit=\"\(s.headerRows)\" topLeftCell=\"\(top)\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        + "<selection pane=\"bottomLeft\" activeCell=\"\(top)\" sqref=\"\(top)\"/></sheetView></sheetViews>"
        + "<sheetFormatPr defaultRowHeight=\"15\"/>").utf8)
    // The schema wants at least one <col> inside <cols>.
    if !t.columns.isEmpty {
        out.append(contentsOf: "<cols>".utf8)
        for (c, w) in s.columnWidths.enumerated() {
            out.append(contentsOf: "<col min=\"\(c + 1)\" max=\"\(c + 1)\" width=\"\(formatNumber(w))\" customWidth=\"1\"/>".utf8)
        }
        out.append(contentsOf: "</cols>".utf8)
    }
    out.append(contentsOf: "<sheetData>".utf8)
    func text(_ r: Int, _ c: Int, _ v: String, bold: Bool = false) {
        out.append(contentsOf: "<c r=\"\(letters[c])\(r)\"\(bold ? " s=\"1\"" : "") t=\"s\"><v>\(strings.id(v))</v></c>".utf8)
    }
    out.append(contentsOf: "<row r=\"1\">".utf8)
    for (c, name) in t.columns.enumerated() { text(1, c, name, bold: true) }
    out.append(contentsOf: "</row>".utf8)
    if let hxl = t.hxl {
        out.append(contentsOf: "<row r=\"2\">".utf8)
        for (c, tag) in hxl.enumerated() where c < letters.count && !tag.isEmpty { text(2, c, tag) }
        out.append(contentsOf: "</row>".utf8)
    }
    var r = s.headerRows
    for i in s.dataRows {
        r += 1
        out.append(contentsOf: "<row r=\"\(r)\">".utf8)
        for (c, cell) in t.rows[i].enumerated() where c < letters.count {
            switch cell {
            case .number(let v) where v.isFinite:
                out.append(contentsOf: "<c r=\"\(letters[c])\(r)\"><v>".utf8)
                var n = formatNumber(v)
                n.withUTF8 { out.append(contentsOf: $0) }
                out.append(contentsOf: "</v></c>".utf8)
            case .text(let v) where !v.isEmpty: text(r, c, v)
            default: break   // empty, NaN, ±infinity: no cell
            }
        }
        out.append(contentsOf: "</row>".utf8)
    }
    out.append(contentsOf: "</sheetData><autoFilter ref=\"\(s.filterRange)\"/></worksheet>".utf8)
    return out
}
