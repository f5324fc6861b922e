import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoBatch
import GeoTestSupport

/// `vector:` in a batch manifest: TDI vector indicators beside a raster indicator, roll-ups,
/// and a formula across both, checked against hand answers and the fixtures' answers
/// (TestRasters/vector/expected.json: shapely and pyproj's Geod).
final class BatchVectorTests: XCTestCase {
    let fixtures = Fixtures.path("vector")
    let zoneIDs = ["MMR001", "MMR002", "MMR003", "MMR004", "MMR005"]
    /// The zones' districts (zones.geojson): D1 = MMR001 + MMR002, D2 = MMR003 + MMR004, D3 = MMR005.
    let districts = ["D1": ["MMR001", "MMR002"], "D2": ["MMR003", "MMR004"], "D3": ["MMR005"]]

    // A population raster over the zones: 0.05° cells, 8 x 4, from (96.0, 19.2); each zone
    // (a 0.1° square on the cell edges) covers 2 x 2 whole cells.
    static let grid = Grid(left: 96.0, top: 19.2, dx: 0.05, dy: 0.05, cols: 8, rows: 4)
    static func pop(_ r: Int, _ c: Int) -> Float { Float(1 + r * 8 + c) }
    /// A zone's population by hand: the four cells of the square whose lower-left corner is (x0, y0).
    static func popSum(_ x0: Double, _ y0: Double) -> Double {
        let c0 = Int(((x0 - 96.0) / 0.05).rounded()), r0 = Int(((19.2 - y0) / 0.05).rounded()) - 2
        return [(0, 0), (0, 1), (1, 0), (1, 1)].reduce(0) { $0 + Double(pop(r0 + $1.0, c0 + $1.1)) }
    }
    let corners: [String: (Double, Double)] = ["MMR001": (96.0, 19.0), "MMR002": (96.1, 19.0), "MMR003": (96.0, 19.1),
                                               "MMR004": (96.1, 19.1), "MMR005": (96.3, 19.0)]

    func manifestText(format: String = "wide") -> String {
        """
        zones:
          path: \(fixtures)/zones.geojson
          id: TS_PCODE
          rollup: [DT_PCODE, ST_PCODE]
        output:
          dir: out
          format: \(format)
        indicators:
          - name: pop
            source: pop.tif
            stats: [sum]
        vector:
          - name: schools
            points: schools.csv
            count_by: level
            sum: [students]
          - name: roads
            lines: \(fixtures)/roads.geojson
            by: highway
          - name: protected
            polygons: \(fixtures)/protected.geojson
            by: category
        formulas:
          - name: schools_per_10k
            formula: 10000 * schools_count / pop_sum
          - name: pop_density
            formula: pop_sum / zone_area_km2
          - name: road_km_per_school
            formula: roads_length_km / schools_count_primary

        """
    }

    func setUpDir(format: String = "wide") throws -> (dir: String, manifest: String) {
        let dir = Fixtures.tempDir()
        let band = (0..<(4 * 8)).map { Self.pop($0 / 8, $0 % 8) }
        try writeGeoTIFF(path: dir + "/pop.tif", grid: Self.grid, bands: [band], nodata: -9999)
        try FileManager.default.copyItem(atPath: fixtures + "/schools.csv", toPath: dir + "/schools.csv")
        let path = dir + "/tdi.yaml"
        try manifestText(format: format).write(toFile: path, atomically: true, encoding: .utf8)
        return (dir, path)
    }

    func run(_ path: String) throws -> BatchReport {
        var o = BatchOptions()
        o.threads = 2
        return try BatchRunner(manifest: try BatchManifest(path: path), options: o).run()
    }

    /// A wide CSV as [row key: [column: value]], the key `ID` (rows of all levels have distinct ids here).
    func wide(_ path: String) throws -> [String: [String: Double?]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var out: [String: [String: Double?]] = [:]
        for row in lines.dropFirst() {
            var r: [String: Double?] = [:]
            for (c, name) in lines[0].enumerated() { r[name] = Double(row[c]) }
            out[row[0]] = r
        }
        return out
    }

    func close(_ a: Double??, _ b: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a = a ?? nil else { return XCTFail("\(what): no value", file: file, line: line) }
        XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), what, file: file, line: line)
    }

    func testOneManifestGivesRasterAndVectorIndicatorsRollupsAndFormulasAcrossBoth() throws {
        let (dir, path) = try setUpDir()
        let report = try run(path)
        XCTAssertTrue(report.tablesWritten.contains("vector"), "\(report.tablesWritten)")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json"))) as! [String: [String: Double]]
        let v = try wide(dir + "/out/vector.csv")
        // Zones: the fixture's answers (shapely + pyproj Geod) and the hand counts of the schools.
        let schools: [String: (Double, Double, Double)] = ["MMR001": (4, 2, 520), "MMR002": (1, 1, 50), "MMR003": (1, 0, 0),
                                                           "MMR004": (1, 1, 0), "MMR005": (0, 0, 0)]
        for id in zoneIDs {
            for (c, want) in expected[id]! { close(v[id]?[c], want, "\(id) \(c)") }
            XCTAssertEqual(v[id]?["schools_count"], schools[id]!.0, id)
            XCTAssertEqual(v[id]?["schools_count_primary"], schools[id]!.1, id)
            XCTAssertEqual(v[id]?["schools_students_sum"], schools[id]!.2, id)
            close(v[id]?["roads_density"], expected[id]!["roads_length_km"]! / expected[id]!["zone_area_km2"]!, "\(id) density")
        }
        // Roll-ups from the zones' answers: additive columns summed, ratios of the sums.
        func sum(_ ids: [String], _ c: String) -> Double { ids.reduce(0) { $0 + expected[$1]![c]! } }
        // S1 the state; MMR the country row the raster tables add from the P-codes' letters (so does vector.csv).
        let parents = districts.merging(["S1": zoneIDs, "MMR": zoneIDs]) { a, _ in a }
        for (unit, ids) in parents {
            close(v[unit]?["zone_area_km2"], sum(ids, "zone_area_km2"), "\(unit) area")
            close(v[unit]?["roads_length_km"], sum(ids, "roads_length_km"), "\(unit) roads")
            close(v[unit]?["roads_length_km_track"], sum(ids, "roads_length_km_track"), "\(unit) track")
            close(v[unit]?["roads_density"], sum(ids, "roads_length_km") / sum(ids, "zone_area_km2"), "\(unit) density")
            close(v[unit]?["protected_area_km2_park"], sum(ids, "protected_area_km2_park"), "\(unit) park")
            close(v[unit]?["protected_share"], sum(ids, "protected_area_km2") / sum(ids, "zone_area_km2"), "\(unit) share")
            XCTAssertEqual(v[unit]?["schools_count"], ids.reduce(0) { $0 + schools[$1]!.0 }, unit)
        }
        // The raster indicator: each zone's four cells by hand; parents their sums.
        let p = try wide(dir + "/out/pop.csv")
        var pop: [String: Double] = [:]
        for id in zoneIDs { pop[id] = Self.popSum(corners[id]!.0, corners[id]!.1) }
        for (unit, ids) in parents { pop[unit] = ids.reduce(0) { $0 + pop[$1]! } }
        for (unit, want) in pop { close(p[unit]?["pop_sum"], want, "\(unit) pop") }
        // Formulas across both tables, on every row (a district's from its sums).
        let f = try wide(dir + "/out/formulas.csv")
        for (unit, ids) in parents.merging(zoneIDs.map { ($0, [$0]) }) { a, _ in a } {
            let count = ids.reduce(0) { $0 + schools[$1]!.0 }, primary = ids.reduce(0) { $0 + schools[$1]!.1 }
            close(f[unit]?["schools_per_10k"], 10000 * count / pop[unit]!, "\(unit) schools_per_10k")
            close(f[unit]?["pop_density"], pop[unit]! / sum(ids, "zone_area_km2"), "\(unit) pop_density")
            if primary > 0 {
                close(f[unit]?["road_km_per_school"], sum(ids, "roads_length_km") / primary, "\(unit) road_km_per_school")
            } else {
                XCTAssertEqual(f[unit]?["road_km_per_school"], .some(nil), "\(unit): a division by zero is empty")
            }
        }
        // A rerun: nothing to do for the vector table, the same bytes.
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/vector.csv"))
        let again = try run(path)
        XCTAssertTrue(again.tablesUpToDate.contains("vector"), "\(again.tablesUpToDate)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/vector.csv")), before)
        XCTAssertEqual(try wide(dir + "/out/formulas.csv"), f)
        // A changed layer (a school added in the empty zone): the table is computed again.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/schools.csv"))
        h.seekToEndOfFile(); h.write(Data("s10,middle,25,96.35,19.05\n".utf8)); h.closeFile()
        let third = try run(path)
        XCTAssertTrue(third.tablesWritten.contains("vector"), "\(third.tablesWritten)")
        XCTAssertEqual(try wide(dir + "/out/vector.csv")["MMR005"]?["schools_count"], 1)
        close(try wide(dir + "/out/formulas.csv")["D3"]?["schools_per_10k"], 10000 / pop["D3"]!, "D3 after the change")
    }

    /// Long format: one row per unit and indicator, the same values.
    func testLongFormatVectorTable() throws {
        let (dir, path) = try setUpDir(format: "long")
        _ = try run(path)
        let text = try String(contentsOfFile: dir + "/out/vector.csv", encoding: .utf8)
        let header = text.split(separator: "\n")[0]
        XCTAssertEqual(header, "pcode,level,indicator,value,unit")
        XCTAssertTrue(text.contains("\nMMR001,township,schools_count,4,\n") || text.contains(",schools_count,4,"), text)
    }

    /// A manifest of vector layers alone: no raster, the formulas on the vector table's rows.
    func testVectorOnlyManifestWithFormulas() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.copyItem(atPath: fixtures + "/schools.csv", toPath: dir + "/schools.csv")
        let path = dir + "/v.yaml"
        try """
        zones:
          path: \(fixtures)/zones.geojson
          id: TS_PCODE
          include: [DT_PCODE]
          rollup: [DT_PCODE]
        vector:
          - name: schools
            points: schools.csv
          - name: roads
            lines: \(fixtures)/roads.geojson
        formulas:
          - name: schools_per_100km2
            formula: 100 * schools_count / zone_area_km2
          - name: road_m_per_school
            formula: 1000 * roads_length_km / schools_count

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try run(path)
        XCTAssertEqual(Set(report.tablesWritten), ["vector", "formulas"])
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json"))) as! [String: [String: Double]]
        let counts: [String: Double] = ["MMR001": 4, "MMR002": 1, "MMR003": 1, "MMR004": 1, "MMR005": 0]
        // Long (the default format): pcode, name, level, DT_PCODE, indicator, stat, band, date, value, unit.
        let lines = try String(contentsOfFile: dir + "/out/formulas.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines[0], ["pcode", "name", "level", "DT_PCODE", "indicator", "stat", "band", "date", "value", "unit"])
        func value(_ id: String, _ f: String) -> Double?? { lines.first { $0[0] == id && $0[4] == f }.map { Double($0[8]) } }
        for (id, n) in counts {
            close(value(id, "schools_per_100km2"), 100 * n / expected[id]!["zone_area_km2"]!, "\(id) schools per 100 km2")
            if n > 0 { close(value(id, "road_m_per_school"), 1000 * expected[id]!["roads_length_km"]! / n, "\(id) road m per school") }
        }
        XCTAssertEqual(value("MMR005", "road_m_per_school"), .some(nil), "0 schools: empty")
        let d1 = ["MMR001", "MMR002"]
        close(value("D1", "schools_per_100km2"), 100 * 5 / d1.reduce(0) { $0 + expected[$1]!["zone_area_km2"]! }, "D1")
        XCTAssertEqual(lines.first { $0[0] == "MMR001" }?[3], "D1", "include field")
    }

    func testBadVectorEntriesAreRefusedAtTheirLine() throws {
        let (dir, _) = try setUpDir()
        let base = manifestText()
        func lineOf(_ s: String, in t: String) -> Int { t.components(separatedBy: "\n").firstIndex { $0.contains(s) }! + 1 }
        let cases: [(String, String, String, String)] = [
            ("    count_by: level", "    count_by: grade", "no field 'grade' in", "grade"),
            ("    by: highway", "    by: highwya", "no field 'highwya'", "highwya"),
            ("    sum: [students]", "    summ: [students]", "unknown key 'summ' in a vector layer (did you mean 'sum'?)", "summ"),
            ("    by: category", "    by: category\n    count_by: category", "'count_by:' is for points, not polygons", "count_by: category"),
            ("    lines: \(fixtures)/roads.geojson", "    lines: \(fixtures)/nothere.geojson", "nothere.geojson: no such file", "nothere"),
            ("  - name: roads", "  - name: schools", "vector layer name 'schools' is already used on line", "lines: "),
            ("    formula: 10000 * schools_count / pop_sum", "    formula: 10000 * school_count / pop_sum", "no column 'school_count'", "school_count"),
        ]
        for (old, new, reason, marker) in cases {
            let text = base.replacingOccurrences(of: old, with: new)
            XCTAssertNotEqual(text, base, old)
            let path = dir + "/bad.yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            // The duplicate name is said at its entry (the line before its 'lines:').
            let want = lineOf(marker, in: text) - (marker == "lines: " ? 1 : 0)
            do {
                _ = try BatchManifest(path: path)
                XCTFail("accepted: \(reason)")
            } catch let e as GeoKitError {
                XCTAssertEqual(e.line, want, "\(reason): \(e.problem)")
                XCTAssertTrue(e.problem.contains(reason), "\(reason): \(e.problem)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
