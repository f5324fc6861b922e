import XCTest
import GeoCore
import GeoTestSupport

/// Issue 15, "Formats and habits": the XLSX outputs of zonal and join, read back by a
/// spreadsheet library (openpyxl, as pandas does; `scripts/setup.sh test` installs it):
/// a bold header, frozen; an autofilter over the table; numbers as numbers; empty cells
/// empty; widths that fit; every value equal to the CSV the same command writes (read by
/// Python's csv module).
final class XLSXTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    /// What openpyxl sees in the first sheet of `xlsx`, compared with `csv` cell by cell:
    /// a cell whose CSV text is empty must be None; a cell of a column in `numeric`
    /// must be an int or float equal to the CSV's number (when the CSV text is one); any
    /// other cell must be the CSV's text.
    struct Sheet: Decodable {
        var title: String
        var header: [String]
        var hxl: [String]
        var bold: [Bool]
        var freeze: String?
        var filter: String?
        var widths: [Double?]
        var rows: Int
        var types: [String: [String]]
        var mismatches: [String]
    }

    func read(_ xlsx: String, against csv: String, numeric: [String], headerRows: Int) throws -> Sheet {
        let script = """
        import csv, json, sys, openpyxl
        from openpyxl.utils import get_column_letter
        xlsx, path, numeric, header_rows = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3])), int(sys.argv[4])
        ws = openpyxl.load_workbook(xlsx).worksheets[0]
        with open(path, newline="", encoding="utf-8-sig") as f:
            expected = list(csv.reader(f))
        got = [list(r) for r in ws.iter_rows(values_only=True)]
        header = expected[0]
        mismatches, types = [], {h: set() for h in header}
        if len(got) != len(expected):
            mismatches.append("rows: %d in the sheet, %d in the CSV" % (len(got), len(expected)))
        for i, (e, g) in enumerate(zip(expected, got)):
            g = g + [None] * (len(header) - len(g))
            for k, name in enumerate(header):
                want, have = e[k], g[k]
                if i >= header_rows:
                    types[name].add(type(have).__name__)
                if want == "":
                    ok = have is None
                elif i >= header_rows and name in numeric:
                    try:
                        number = float(want)
                    except ValueError:
                        number = None
                    ok = have == want if number is None else type(have) in (int, float) and number == have
                else:
                    ok = have == want
                if not ok:
                    mismatches.append("row %d %s: CSV %r, sheet %r" % (i + 1, name, want, have))
        print(json.dumps({
            "title": ws.title,
            "header": header,
            "hxl": expected[1] if header_rows == 2 else [],
            "bold": [bool(c.font.b) for c in ws[1]],
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "widths": [ws.column_dimensions[get_column_letter(k + 1)].width for k in range(len(header))],
            "rows": ws.max_row,
            "types": {k: sorted(v) for k, v in types.items()},
            "mismatches": mismatches[:20],
        }))
        """
        let numericJSON = String(decoding: try JSONSerialization.data(withJSONObject: numeric), as: UTF8.self)
        let p = try runProcess(Fixtures.python, ["-c", script, xlsx, csv, numericJSON, "\(headerRows)"])
        XCTAssertEqual(p.status, 0, "openpyxl (scripts/setup.sh test installs it): " + p.stderr)
        return try JSONDecoder().decode(Sheet.self, from: Data(p.stdout.utf8))
    }

    func zonal(_ out: String, _ extra: [String]) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "TS,TS_MMR,DT_PCODE",
                        "--raster", "rain=\(rain)", "--stats", "count,mean,max", "--quiet", "-o", out] + extra)
    }

    func testZonalWithHXLRow() throws {
        let dir = Fixtures.tempDir()
        for ext in ["csv", "xlsx"] {
            let r = try zonal(dir + "/rain.\(ext)", ["--hxl", "--rollup", "DT_PCODE"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let stats = ["rain_count", "rain_mean", "rain_max"]
        let s = try read(dir + "/rain.xlsx", against: dir + "/rain.csv", numeric: stats, headerRows: 2)
        XCTAssertEqual(s.mismatches, [], "every cell equals the CSV's")
        XCTAssertEqual(s.title, "zonal")
        XCTAssertEqual(s.header, ["TS_PCODE", "level", "name", "TS", "TS_MMR", "DT_PCODE"] + stats)
        XCTAssertEqual(s.bold, [Bool](repeating: true, count: 9))
        // 330 townships, 80 districts and the country under the two header rows.
        XCTAssertEqual(s.rows, 2 + 330 + 80 + 1)
        XCTAssertEqual(s.freeze, "A3", "the header and the HXL row stay in view")
        XCTAssertEqual(s.filter, "A2:I413", "the filter sits on the HXL row, so sorting never moves it")
        for name in stats {
            // 67 townships lie outside the raster: their mean and max are empty (None).
            XCTAssertEqual(Set(s.types[name] ?? []).subtracting(["int", "float", "NoneType"]), [], name)
            XCTAssertTrue(s.types[name]?.contains("float") == true || s.types[name]?.contains("int") == true, name)
        }
        XCTAssertEqual(s.types["rain_mean"]?.contains("NoneType"), true, "empty cells are empty, not ''")
        XCTAssertEqual(s.types["TS"], ["NoneType", "str"], "roll-up rows have no township name")
        for (k, name) in s.header.enumerated() {
            let w = try XCTUnwrap(s.widths[k], name)
            XCTAssertGreaterThanOrEqual(w, Double(name.count + 2), "\(name): room for the name and the filter button")
            XCTAssertGreaterThanOrEqual(w, Double(s.hxl[k].count), "\(name): its HXL tag fits")
        }
        // The longest township name in English fits its column.
        let csv = try String(contentsOfFile: dir + "/rain.csv", encoding: .utf8)
        let longest = csv.split(separator: "\n").dropFirst(2).map { $0.split(separator: ",", omittingEmptySubsequences: false)[2].count }.max()!
        XCTAssertGreaterThan(longest, 10)
        XCTAssertGreaterThanOrEqual(s.widths[2]!, Double(longest))

        // A Frictionless reader (it opens XLSX with openpyxl) validates the sidecar and skips
        // the HXL row (dialect.commentRows).
        let script = """
        import sys
        from frictionless import Package, validate
        report = validate(sys.argv[1])
        if not report.valid:
            print(report.flatten(["rowNumber", "fieldName", "type", "note"])); sys.exit(1)
        rows = Package(sys.argv[1]).resources[0].read_rows()
        print(len(rows), rows[0]["TS_PCODE"])
        """
        let p = try runProcess(Fixtures.python, ["-c", script, dir + "/rain.xlsx.datapackage.json"])
        XCTAssertEqual(p.status, 0, p.stdout + p.stderr)
        XCTAssertEqual(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "411 MMR017008")
    }

    func testZonalWithoutHXLAndReadBackByGDAL() throws {
        let dir = Fixtures.tempDir()
        for ext in ["csv", "xlsx"] {
            let r = try zonal(dir + "/rain.\(ext)", [])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let s = try read(dir + "/rain.xlsx", against: dir + "/rain.csv", numeric: ["rain_count", "rain_mean", "rain_max"], headerRows: 1)
        XCTAssertEqual(s.mismatches, [])
        XCTAssertEqual(s.freeze, "A2")
        XCTAssertEqual(s.filter, "A1:G331")
        // GDAL (what `map` and `report` read XLSX with) finds the header and types the columns.
        let info = try runProcess("/usr/bin/env", ["ogrinfo", "-ro", "-so", "-al", dir + "/rain.xlsx"])
        XCTAssertEqual(info.status, 0, info.stderr)
        for field in ["TS_PCODE: String", "TS_MMR: String", "rain_count: Real", "rain_mean: Real", "Feature Count: 330\n"] {
            XCTAssertTrue(info.stdout.contains(field), "\(field) in \(info.stdout)")
        }
    }

    func testJoinCoordinatesAreNumbers() throws {
        let dir = Fixtures.tempDir()
        let points = Fixtures.path("join/points.csv"), zones = Fixtures.path("join/zones.geojson")
        for ext in ["csv", "xlsx"] {
            let r = try runGeotool(["join", "--points", points, "--zones", zones, "--id", "VT_PCODE", "--nearest", "20km",
                                    "-o", dir + "/join.\(ext)", "--report", dir + "/qa.\(ext)"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let s = try read(dir + "/join.xlsx", against: dir + "/join.csv", numeric: ["latitude", "longitude", "distance_m"], headerRows: 1)
        XCTAssertEqual(s.mismatches, [], "latitude and longitude are numbers equal to the CSV's; `96.1O` stays text")
        XCTAssertEqual(s.title, "join")
        XCTAssertEqual(s.freeze, "A2")
        XCTAssertEqual(s.filter, try filterRange(csv: dir + "/join.csv"), "the filter spans the CSV's columns and rows")
        XCTAssertEqual(Set(s.bold), [true])
        // Python's type per cell: S6's latitude is blank (None), S12's 200 and 300 are whole
        // (int), S7's longitude `96.1O` is no number (str); the valid halves of S6 and S7 are numbers.
        XCTAssertEqual(s.types["latitude"], ["NoneType", "float", "int"])
        XCTAssertEqual(s.types["longitude"], ["float", "int", "str"])
        XCTAssertEqual(s.types["school_id"], ["str"])
        let qa = try read(dir + "/qa.xlsx", against: dir + "/qa.csv", numeric: ["row", "distance_m"], headerRows: 1)
        XCTAssertEqual(qa.mismatches, [])
        XCTAssertEqual(qa.types["row"], ["int"])
        XCTAssertEqual(qa.filter, try filterRange(csv: dir + "/qa.csv"))
        XCTAssertEqual(qa.title, "qa")
    }
}

/// "A1:<last column><last row>" of a header-plus-rows CSV, from the CSV as GeoCore's reader
/// parses it: the range an autofilter over the whole table covers.
private func filterRange(csv path: String) throws -> String {
    let t = try Table.readCSV(path: path)
    var n = t.columns.count, letters = ""
    while n > 0 { n -= 1; letters = String(UnicodeScalar(UInt8(65 + n % 26))) + letters; n /= 26 }
    return "A1:\(letters)\(t.rows.count + 1)"
}
