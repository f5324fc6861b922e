import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import GeoCore

/// The spreadsheet parts XLSXSheet.swift builds, read back with Foundation's XML parser:
/// every part well-formed, cells where and as the table says (checked against the table
/// written out by hand), the frozen rows, filter and widths as Excel's schema spells them.
final class XLSXSheetTests: XCTestCase {
    /// Elements of an XML document: (name, attributes, text inside).
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attrs: [String: String], text: String)] = []
        private var open: [Int] = []
        func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append((name, attributes, ""))
        }
        func parser(_ p: XMLParser, foundCharacters s: String) {
            if let k = open.last { elements[k].text += s }
        }
        func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
    }

    func parse(_ bytes: [UInt8], _ what: String) -> Collector {
        let c = Collector()
        let p = XMLParser(data: Data(bytes))
        p.delegate = c
        XCTAssertTrue(p.parse(), "\(what) is well-formed XML: \(String(describing: p.parserError))")
        return c
    }

    func tiny(hxl: Bool) -> Table {
        var t = Table(columns: ["pcode", "name", "value"])
        t.rows = [
            [.text("MMR001"), .text("A & <B>"), .number(1.5)],
            [.text("MMR002"), .text(""), .number(.nan)],
            [.text("MMR003"), .text(" ကချင် \u{1}_x0041_"), .empty],
            [.text("MMR004"), .text("A & <B>"), .number(-2)],
        ]
        if hxl { t.hxl = ["#adm1+code", "#adm1+name", "#indicator+num"] }
        return t
    }

    func testPartsAreWellFormedAndCellsTyped() throws {
        let parts = xlsxParts([XLSXSheet(name: "zonal", table: tiny(hxl: false))])
        XCTAssertEqual(parts.map(\.path), ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                           "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
        var docs: [String: Collector] = [:]
        for p in parts { docs[p.path] = parse(p.bytes, p.path) }
        let strings = docs["xl/sharedStrings.xml"]!.elements.filter { $0.name == "t" }.map(\.text)
        let sheet = docs["xl/worksheets/sheet1.xml"]!.elements
        // Every cell: reference -> (type, shown value), text resolved through the shared strings.
        var cells: [String: (type: String?, value: String, style: String?)] = [:]
        for (k, e) in sheet.enumerated() where e.name == "c" {
            let v = sheet[k + 1].name == "v" ? sheet[k + 1].text : ""
            cells[e.attrs["r"]!] = (e.attrs["t"], e.attrs["t"] == "s" ? strings[Int(v)!] : v, e.attrs["s"])
        }
        // The table above, cell by cell: empty text, NaN and empty cells have no cell at all.
        let expected: [String: (String?, String)] = [
            "A1": ("s", "pcode"), "B1": ("s", "name"), "C1": ("s", "value"),
            "A2": ("s", "MMR001"), "B2": ("s", "A & <B>"), "C2": (nil, "1.5"),
            "A3": ("s", "MMR002"),
            // A control character and a literal `_x0041_` come back as OOXML escapes.
            "A4": ("s", "MMR003"), "B4": ("s", " ကချင် _x0001__x005F_x0041_"),
            "A5": ("s", "MMR004"), "B5": ("s", "A & <B>"), "C5": (nil, "-2"),
        ]
        XCTAssertEqual(Set(cells.keys), Set(expected.keys))
        for (ref, (type, value)) in expected {
            XCTAssertEqual(cells[ref]?.type, type, ref)
            XCTAssertEqual(cells[ref]?.value, value, ref)
        }
        // The header is bold: style 1, whose font has <b/>.
        for ref in ["A1", "B1", "C1"] { XCTAssertEqual(cells[ref]?.style, "1", ref) }
        XCTAssertNil(cells["A2"]?.style)
        let styles = docs["xl/styles.xml"]!.elements
        let fonts = styles.indices.filter { styles[$0].name == "font" }
        XCTAssertEqual(fonts.count, 2)
        XCTAssertEqual(styles[fonts[1] + 1].name, "b", "the second font is bold")
        let xfs = styles.filter { $0.name == "xf" }.suffix(2)
        XCTAssertEqual(xfs.last?.attrs["fontId"], "1")
        // Shared text stored once: "A & <B>" is used twice.
        XCTAssertEqual(strings.filter { $0 == "A & <B>" }.count, 1)
        // Leading space kept.
        let si = docs["xl/sharedStrings.xml"]!.elements.first { $0.name == "t" && $0.text.hasPrefix(" ") }
        XCTAssertEqual(si?.attrs["xml:space"], "preserve")
        // Frozen header, filter over the whole table, widths of every column.
        let pane = sheet.first { $0.name == "pane" }
        XCTAssertEqual(pane?.attrs["ySplit"], "1")
        XCTAssertEqual(pane?.attrs["topLeftCell"], "A2")
        XCTAssertEqual(pane?.attrs["state"], "frozen")
        XCTAssertEqual(sheet.first { $0.name == "autoFilter" }?.attrs["ref"], "A1:C5")
        XCTAssertEqual(sheet.first { $0.name == "dimension" }?.attrs["ref"], "A1:C5")
        let cols = sheet.filter { $0.name == "col" }
        XCTAssertEqual(cols.map { $0.attrs["min"] }, ["1", "2", "3"])
        for (c, name) in ["pcode", "name", "value"].enumerated() {
            XCTAssertGreaterThanOrEqual(Double(cols[c].attrs["width"]!)!, Double(name.count), name)
        }
        // "name": its longest text, ` ကချင် \u{1}_x0041_`, shows 13 characters (a space, three
        // Myanmar syllables, a space, the control character and `_x0041_`).
        XCTAssertGreaterThanOrEqual(Double(cols[1].attrs["width"]!)!, 13)
        let book = docs["xl/workbook.xml"]!.elements
        XCTAssertEqual(book.first { $0.name == "sheet" }?.attrs["name"], "zonal")
        XCTAssertEqual(book.first { $0.name == "definedName" }?.text, "'zonal'!$A$1:$C$5")
    }

    /// With the HXL row: it is row 2, both rows frozen, the filter starts on it.
    func testHXLRowIsSecondAndFrozen() throws {
        let parts = xlsxParts([XLSXSheet(name: "zonal", table: tiny(hxl: true))])
        let sheet = parse(parts.last!.bytes, "sheet").elements
        let strings = parse(parts.first { $0.path == "xl/sharedStrings.xml" }!.bytes, "strings").elements.filter { $0.name == "t" }.map(\.text)
        let rows = sheet.filter { $0.name == "row" }.map { $0.attrs["r"] }
        XCTAssertEqual(rows, ["1", "2", "3", "4", "5", "6"])
        var row2: [String] = []
        for (k, e) in sheet.enumerated() where e.name == "c" && e.attrs["r"]!.hasSuffix("2") && !e.attrs["r"]!.hasSuffix("12") {
            XCTAssertEqual(e.attrs["t"], "s")
            XCTAssertNil(e.attrs["s"], "the HXL row is not bold")
            row2.append(strings[Int(sheet[k + 1].text)!])
        }
        XCTAssertEqual(row2, ["#adm1+code", "#adm1+name", "#indicator+num"])
        let pane = sheet.first { $0.name == "pane" }
        XCTAssertEqual(pane?.attrs["ySplit"], "2")
        XCTAssertEqual(pane?.attrs["topLeftCell"], "A3")
        XCTAssertEqual(sheet.first { $0.name == "autoFilter" }?.attrs["ref"], "A2:C6")
        // "#indicator+num" (14) is wider than "value" + the filter button.
        XCTAssertGreaterThanOrEqual(Double(sheet.filter { $0.name == "col" }[2].attrs["width"]!)!, 14)
    }

    func testColumnNamesAndEscapes() {
        XCTAssertEqual([0, 25, 26, 27, 51, 52, 701, 702].map(xlsxColumnName), ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
        XCTAssertEqual(xlsxEscape("a\"b", attribute: true), "a&quot;b")
        XCTAssertEqual(xlsxEscape("x_y_x12_"), "x_y_x12_", "not an escape: left alone")
        XCTAssertEqual(xlsxEscape("r\r\n"), "r_x000D_\n")
    }
}
