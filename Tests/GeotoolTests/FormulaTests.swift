import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Issue 22, derived indicators (`geotool zonal --formula`). Values by hand on a 4 x 4 grid
/// of 1 km cells (UTM 47N, so each 2 x 2 township is exactly 4 km²):
///
///     pop  1  2 | 10 20      ntl  2  2 | 5 5
///          3  4 | 30 40           2  4 | 5 5
///          ----------             ---------
///          5  5 |  0  0           1  1 | 3 0
///          5  5 |  0  0           1  1 | 0 0
///
/// Townships T1 (top left), T2 (top right) in district D1; T3, T4 (bottom) in D2.
/// ntl_sum / pop_sum: T1 10/10 = 1, T2 20/100 = 0.2, T3 4/20 = 0.2, T4 3/0 = empty.
/// D1 = (10 + 20) / (10 + 100) = 30/110, not the mean of its townships' ratios (0.6).
final class FormulaTests: XCTestCase {
    var dir = ""
    let perCapita = "ntl_pc = ntl_sum / pop_sum [nW/cm2/sr per person]"
    let density = "density = pop_sum / zone_area_km2 [people/km2]"

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        let grid = Grid(left: 500_000, top: 2_000_000, dx: 1000, dy: 1000, cols: 4, rows: 4)
        let pop: [Float] = [1, 2, 10, 20, 3, 4, 30, 40, 5, 5, 0, 0, 5, 5, 0, 0]
        let ntl: [Float] = [2, 2, 5, 5, 2, 4, 5, 5, 1, 1, 3, 0, 1, 1, 0, 0]
        try writeGeoTIFF(path: dir + "/pop.tif", grid: grid, bands: [pop], crs: "EPSG:32647")
        try writeGeoTIFF(path: dir + "/ntl.tif", grid: grid, bands: [ntl], crs: "EPSG:32647")
        func box(_ id: String, _ d: String, col: Int, row: Int) -> String {
            let x0 = 500_000 + col * 1000, y0 = 2_000_000 - row * 1000, x1 = x0 + 2000, y1 = y0 - 2000
            return #"{"type":"Feature","properties":{"id":"\#(id)","dist":"\#(d)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),\#(y0)],[\#(x1),\#(y0)],[\#(x1),\#(y1)],[\#(x0),\#(y1)],[\#(x0),\#(y0)]]]}}"#
        }
        let features = [box("T1", "D1", col: 0, row: 0), box("T2", "D1", col: 2, row: 0),
                        box("T3", "D2", col: 0, row: 2), box("T4", "D2", col: 2, row: 2)]
        try (#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32647"}},"features":["#
             + features.joined(separator: ",") + "]}").write(toFile: dir + "/zones.geojson", atomically: true, encoding: .utf8)
    }

    func zonalArgs(_ formulas: [String], stats: String = "sum", _ extra: [String] = []) -> [String] {
        ["zonal", "--zones", dir + "/zones.geojson", "--id", "id", "--raster", "ntl=\(dir)/ntl.tif", "--raster", "pop=\(dir)/pop.tif",
         "--stats", stats, "--rollup", "dist", "--quiet"] + formulas.flatMap { ["--formula", $0] } + extra
    }

    func zonal(_ formulas: [String], stats: String = "sum", out: String, _ extra: [String] = []) throws -> GeotoolRun {
        try runGeotool(zonalArgs(formulas, stats: stats, extra + ["-o", out]))
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testPerCapitaAndDensityByHand() throws {
        let out = dir + "/wide.csv"
        let r = try zonal([perCapita, density], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(Array(t.columns.suffix(4)), ["ntl_sum", "pop_sum", "ntl_pc", "density"], "formulas after the statistics")
        XCTAssertEqual(t.value("T1", "ntl_pc"), 1)
        XCTAssertEqual(t.value("T2", "ntl_pc"), 0.2)
        XCTAssertEqual(t.value("T3", "ntl_pc"), 0.2)
        XCTAssertNil(t.value("T4", "ntl_pc"), "3 / 0 people: empty, not infinity or 0")
        XCTAssertEqual(t.value("T4", "ntl_sum"), 3)
        // 4 km² each (2 x 2 cells of 1 km²): 10 / 4, 100 / 4, 20 / 4, 0 / 4.
        XCTAssertEqual(t.value("T1", "density"), 2.5)
        XCTAssertEqual(t.value("T2", "density"), 25)
        XCTAssertEqual(t.value("T3", "density"), 5)
        XCTAssertEqual(t.value("T4", "density"), 0)
    }

    func testRollUpRatioIsTheDistrictsSumOverItsSum() throws {
        let out = dir + "/rollup.csv"
        let r = try zonal([perCapita, density], out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        // From the townships' own sums, not from the formula's output.
        func sum(_ ids: [String], _ c: String) -> Double { ids.reduce(0) { $0 + (t.value($1, c) ?? .nan) } }
        let d1 = sum(["T1", "T2"], "ntl_sum") / sum(["T1", "T2"], "pop_sum")
        XCTAssertEqual(d1, 30.0 / 110.0)
        assertRelative(t.value("D1", "ntl_pc"), d1, 1e-15, "D1 per capita")
        let meanOfRatios = ((t.value("T1", "ntl_pc") ?? .nan) + (t.value("T2", "ntl_pc") ?? .nan)) / 2
        XCTAssertEqual(meanOfRatios, 0.6, accuracy: 1e-12)
        XCTAssertNotEqual(t.value("D1", "ntl_pc")!, meanOfRatios, accuracy: 0.1)
        // D2 has a township with no people: its ratio is still its sum over its sum, 7/20.
        assertRelative(t.value("D2", "ntl_pc"), sum(["T3", "T4"], "ntl_sum") / sum(["T3", "T4"], "pop_sum"), 1e-15, "D2 per capita")
        XCTAssertEqual(t.value("D2", "ntl_pc"), 0.35)
        // A district's area is its townships' (8 km²): 110 / 8 and 20 / 8.
        XCTAssertEqual(t.value("D1", "density"), 13.75)
        XCTAssertEqual(t.value("D2", "density"), 2.5)
    }

    func testLongTableAndSidecarDescribeTheFormula() throws {
        let out = dir + "/long.csv"
        let r = try zonal([perCapita], out: out, ["--format", "long"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        let col = { (n: String) in t.columns.firstIndex(of: n)! }
        let rows = t.rows.filter { $0[col("indicator")] == .text("ntl_pc") }
        XCTAssertEqual(rows.count, 6, "one per township and district")
        let d1 = rows.first { $0[col("pcode")] == .text("D1") }!
        XCTAssertEqual(d1[col("stat")], .text("formula"))
        XCTAssertEqual(d1[col("unit")], .text("nW/cm2/sr per person"))
        XCTAssertEqual(d1[col("band")], .empty)
        assertRelative(d1[col("value")].doubleValue, 30.0 / 110.0, 1e-15, "D1 long")
        let t4 = rows.first { $0[col("pcode")] == .text("T4") }!
        XCTAssertEqual(t4[col("value")], .empty)

        let wide = dir + "/wide.csv"
        XCTAssertEqual(try zonal([perCapita], out: wide).status, 0)
        let side = try json(wide + ".datapackage.json")
        let fields = ((side["resources"] as! [[String: Any]])[0]["schema"] as! [String: Any])["fields"] as! [[String: Any]]
        let f = fields.first { $0["name"] as? String == "ntl_pc" }!
        XCTAssertEqual(f["formula"] as? String, "ntl_sum / pop_sum")
        XCTAssertEqual(f["unit"] as? String, "nW/cm2/sr per person")
        XCTAssertEqual(f["type"] as? String, "number")
        XCTAssertTrue((f["description"] as? String)?.contains("divides by zero") == true, "\(f)")
        let method = (side["method"] as! [String: Any])["formulas"] as! [String: Any]
        XCTAssertEqual(((method["formulas"] as! [String: Any])["ntl_pc"] as! [String: Any])["formula"] as? String, "ntl_sum / pop_sum")
        XCTAssertNotNil(method["empty_rule"])
        // A standard reader (frictionless, scripts/setup.sh test installs it) takes the formula's field.
        let script = """
        import json, sys
        from frictionless import Package, validate
        report = validate(sys.argv[1])
        if not report.valid:
            print(json.dumps(report.flatten(["rowNumber", "fieldName", "type", "note"])))
            sys.exit(1)
        rows = Package(sys.argv[1]).resources[0].read_rows()
        print(rows[4]["id"], rows[4]["ntl_pc"], rows[3]["ntl_pc"])
        """
        let p = try runProcess(Fixtures.python, ["-c", script, wide + ".datapackage.json"])
        XCTAssertEqual(p.status, 0, p.stdout + p.stderr)
        XCTAssertEqual(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "D1 0.2727272727272727 None", p.stdout)
    }

    func testGeoPackageRollUpLayerHoldsTheFormula() throws {
        let out = dir + "/out.gpkg"
        XCTAssertEqual(try zonal([perCapita], out: out).status, 0)
        let ds = try VectorDataset(path: out)
        XCTAssertTrue(try ds.fieldNames(layer: "zonal").contains("ntl_pc"))
        XCTAssertTrue(try ds.fieldNames(layer: "zonal_dist").contains("ntl_pc"))
    }

    func testMergedPartsEqualTheSingleRun() throws {
        let single = dir + "/single.csv"
        XCTAssertEqual(try zonal([perCapita, density], out: single).status, 0)
        var parts: [String] = []
        for i in 0..<2 {
            let p = "\(dir)/p\(i).part"
            let r = try runGeotool(zonalArgs([perCapita, density], ["--part", "\(i)/2", "--partial", p]))
            XCTAssertEqual(r.status, 0, r.stderr)
            parts.append(p)
        }
        let merged = dir + "/merged.csv"
        let m = try runGeotool(["merge"] + parts.reversed() + ["--quiet", "-o", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: merged), FileManager.default.contents(atPath: single))
        XCTAssertTrue(try String(contentsOfFile: merged, encoding: .utf8).contains("ntl_pc,density"))
    }

    func testMapReadsAFormulaColumnOfALongTable() throws {
        let out = dir + "/long.csv"
        XCTAssertEqual(try zonal([perCapita], out: out, ["--format", "long"]).status, 0)
        let svg = dir + "/map.svg"
        let r = try runGeotool(["map", out, "--zones", dir + "/zones.geojson", "--id", "id", "--column", "ntl_pc", "--quiet", "-o", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: svg, encoding: .utf8).contains("nW/cm2/sr per person"))
    }

    /// Bad formulas: one line naming the problem, a non-zero exit, nothing written.
    func testBadFormulasStopBeforeAnythingIsWritten() throws {
        let cases: [(formulas: [String], stats: String, says: String)] = [
            (["x = ntl_sun / pop_sum"], "sum", "no column 'ntl_sun' in the output (did you mean 'ntl_sum'?)"),
            (["x = ntl_sum / "], "sum", "formula 'ntl_sum /': expected a value after '/' at character 10"),
            (["x = (ntl_sum"], "sum", "formula '(ntl_sum': expected ')' to close the '(' at character 9"),
            (["pop_sum = ntl_sum * 2"], "sum", "the name 'pop_sum' is already a column"),
            (["2x = ntl_sum"], "sum", "'2x' is not a column name"),
            (["ntl_sum / pop_sum"], "sum", "give NAME = FORMULA"),
            (["x = ntl_sum", "x = pop_sum"], "sum", "two formulas named 'x'"),
            (["x = ntl_frac_9 * 100"], "sum,frac", "no column 'ntl_frac_9' in the output"),
            (["x = sqrt(ntl_sum)"], "sum", "unknown function 'sqrt'"),
        ]
        for c in cases {
            let out = dir + "/bad.csv"
            let r = try zonal(c.formulas, stats: c.stats, out: out)
            XCTAssertNotEqual(r.status, 0, "\(c.formulas)")
            XCTAssertTrue(r.stderr.contains(c.says), "\(c.formulas): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("error") }.count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(c.formulas): nothing written")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".datapackage.json"))
        }
    }

    func testPerClassColumnsInAFormula() throws {
        // T2's ntl is 5 in all four cells: ntl_frac_5 = 1 there, 0 in T1 (no 5), so 100 * it.
        let out = dir + "/classes.csv"
        let r = try zonal(["ntl_pct_5 = 100 * ntl_frac_5 [%]"], stats: "sum,frac", out: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: out)
        XCTAssertEqual(t.columns.last, "ntl_pct_5")
        XCTAssertEqual(t.value("T2", "ntl_pct_5"), 100)
        XCTAssertEqual(t.value("T1", "ntl_pct_5"), 0)
        XCTAssertEqual(t.value("D1", "ntl_pct_5"), 50, "4 of D1's 8 km² have ntl 5")
    }

    func manifest(_ formulas: String) throws -> String {
        let path = dir + "/m.yaml"
        try """
        zones:
          path: zones.geojson
          id: id
          rollup: dist
        output:
          dir: out
          format: wide
        indicators:
          - name: ntl
            source: ntl.tif
            stats: sum
          - name: pop
            source: pop.tif
            stats: sum
        formulas:
        \(formulas)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A manifest's `formulas:` over two indicators' tables: formulas.csv per unit, the
    /// district's value its sums' ratio (from the indicators' own tables).
    func testBatchManifestFormulas() throws {
        let m = try manifest("""
          - name: ntl_pc
            formula: ntl_sum / pop_sum
            unit: nW/cm2/sr per person
            description: night lights per person
        """)
        let r = try runGeotool(["batch", m, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try Table.readCSV(path: dir + "/out/formulas.csv")
        let ntl = try Table.readCSV(path: dir + "/out/ntl.csv"), pop = try Table.readCSV(path: dir + "/out/pop.csv")
        XCTAssertEqual(t.value("T1", "ntl_pc"), 1)
        XCTAssertEqual(t.value("T2", "ntl_pc"), 0.2)
        XCTAssertNil(t.value("T4", "ntl_pc"))
        let d1 = ((ntl.value("T1", "ntl_sum") ?? .nan) + (ntl.value("T2", "ntl_sum") ?? .nan))
            / ((pop.value("T1", "pop_sum") ?? .nan) + (pop.value("T2", "pop_sum") ?? .nan))
        assertRelative(t.value("D1", "ntl_pc"), d1, 1e-15, "D1 per capita")
        XCTAssertEqual(d1, 30.0 / 110.0)
        let side = try json(dir + "/out/formulas.csv.datapackage.json")
        let fields = ((side["resources"] as! [[String: Any]])[0]["schema"] as! [String: Any])["fields"] as! [[String: Any]]
        let f = fields.first { $0["name"] as? String == "ntl_pc" }!
        XCTAssertEqual(f["unit"] as? String, "nW/cm2/sr per person")
        XCTAssertEqual(f["formula"] as? String, "ntl_sum / pop_sum")
        XCTAssertTrue((f["description"] as? String)?.hasPrefix("night lights per person; derived:") == true, "\(f)")
    }

    /// `batch --part I/N` then `--merge` writes the formulas table of a single run.
    func testBatchPartsAndMergeWriteTheSingleRunsFormulas() throws {
        let m = try manifest("""
          - name: ntl_pc
            formula: ntl_sum / pop_sum
        """)
        XCTAssertEqual(try runGeotool(["batch", m, "--quiet"]).status, 0)
        let single = FileManager.default.contents(atPath: dir + "/out/formulas.csv")
        try FileManager.default.removeItem(atPath: dir + "/out")
        for i in 0..<2 { XCTAssertEqual(try runGeotool(["batch", m, "--part", "\(i)/2", "--quiet"]).status, 0) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/formulas.csv"), "parts write no tables")
        let r = try runGeotool(["batch", m, "--merge", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNotNil(single)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/out/formulas.csv"), single)
    }

    func testBatchManifestBadFormulaPointsAtItsLine() throws {
        for (formula, says) in [("ntl_sun / pop_sum", "m.yaml:17: formula 'x = ntl_sun / pop_sum': no column 'ntl_sun' in the indicators' tables (did you mean 'ntl_sum'?)"),
                                ("ntl_sum /", "m.yaml:17: formula 'ntl_sum /': expected a value after '/' at character 10"),
                                ("pop_sum / zone_area_km2", "zone areas are not kept by batch runs")] {
            let m = try manifest("""
              - name: x
                formula: \(formula)
            """)
            let r = try runGeotool(["batch", m, "--quiet"])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/ntl.csv"), "nothing computed")
        }
    }

    /// A formula column in PostgreSQL (`-o PG:... --table`, a throwaway server): a double
    /// precision column with the values by hand, NULL where the formula is empty.
    func testFormulaColumnInPostgres() throws {
        let s = try PostgresServer()
        defer { s.stop() }
        let r = try zonal([perCapita], out: s.output, ["--table", "ntl_pc"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let type = try s.psql("SELECT data_type FROM information_schema.columns WHERE table_name = 'ntl_pc' AND column_name = 'ntl_pc'")
        XCTAssertEqual(type.trimmingCharacters(in: .whitespacesAndNewlines), "double precision")
        let rows = try s.psql("SELECT id || '=' || coalesce(ntl_pc::text, 'NULL') FROM ntl_pc ORDER BY id")
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(rows, ["D1=0.2727272727272727", "D2=0.35", "T1=1", "T2=0.2", "T3=0.2", "T4=NULL"])
    }
}

