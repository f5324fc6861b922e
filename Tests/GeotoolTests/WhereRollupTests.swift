import XCTest
import GeoCore
import GeoTestSupport

/// Issue 28: `--where` with `--rollup` wrote a `country` row named Myanmar holding only the
/// filtered zones (with `ST_PCODE = 'MMR013'` it equalled Yangon). Now, when the filter
/// leaves zones out, the country row is left out (unless `--country` asks for it), parents
/// that hold only some of their zones are listed in a warning and in the sidecar, and the
/// sidecar records the filter. The zones per parent in the whole layer are counted by
/// ogrinfo (SQLite dialect, GROUP BY) on the MIMU townships, independently of geotool.
final class WhereRollupTests: XCTestCase {
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")
    let layer = "mmr_polbnda_adm3_250k_mimu_1"

    func zonal(_ filter: String, _ extra: [String] = []) throws -> (run: GeotoolRun, table: Table?, sidecar: [String: Any]?) {
        let out = Fixtures.tempDir() + "/out.csv"
        let r = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--include-cols", "DT_PCODE,ST_PCODE",
                                "--raster", "rain=\(rain)", "--stats", "count,mean", "--rollup", "DT_PCODE,ST_PCODE",
                                "--where", filter, "--quiet", "-o", out] + extra)
        guard r.status == 0 else { return (r, nil, nil) }
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".datapackage.json"))) as? [String: Any]
        return (r, try Table.readCSV(path: out), side)
    }

    /// Features per value of `field` in the layer (optionally filtered), from ogrinfo.
    func counts(_ field: String, where filter: String? = nil) throws -> [String: Int] {
        let sql = "SELECT \(field) AS code, COUNT(*) AS n FROM \(layer)" + (filter.map { " WHERE \($0)" } ?? "") + " GROUP BY \(field)"
        let r = try runProcess("/usr/bin/ogrinfo", ["-ro", "-q", "-dialect", "SQLite", "-sql", sql, townships])
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [String: Int] = [:], code: String?
        for line in r.stdout.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("code (String) = ") { code = String(t.dropFirst("code (String) = ".count)) }
            if t.hasPrefix("n (Integer) = "), let c = code { out[c] = Int(t.dropFirst("n (Integer) = ".count)); code = nil }
        }
        return out
    }

    func levels(_ t: Table) -> [String] {
        let c = t.columns.firstIndex(of: "level")!
        return t.rows.map { $0[c].csv }
    }

    func partial(_ side: [String: Any]) -> [String: String] {
        let f = (side["method"] as! [String: Any])["rollup_filter"] as! [String: Any]
        var out: [String: String] = [:]
        for p in f["partial_parents"] as! [[String: Any]] { out[p["code"] as! String] = "\(p["zones"]!) of \(p["zones_in_layer"]!)" }
        return out
    }

    func testWholeStateFilterHasNoCountryRow() throws {
        let filter = "ST_PCODE = 'MMR013'"
        let (r, t, side) = try zonal(filter)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t0 = try XCTUnwrap(t), s = try XCTUnwrap(side)
        XCTAssertFalse(levels(t0).contains("country"), "no country row over a filtered layer")
        XCTAssertFalse(t0.rows.contains { $0[0].csv == "MMR" })
        // Yangon's districts and the state hold all their townships: complete, and there.
        let districts = try counts("DT_PCODE", where: filter)
        XCTAssertEqual(levels(t0).filter { $0 == "district" }.count, districts.count)
        XCTAssertEqual(levels(t0).filter { $0 == "township" }.count, districts.values.reduce(0, +))
        XCTAssertTrue(levels(t0).contains("state"))
        XCTAssertEqual(partial(s), [:])
        // One warning, the filter in the sidecar.
        XCTAssertEqual(r.stderr.components(separatedBy: "no country row").count - 1, 1, r.stderr)
        XCTAssertEqual((s["zones"] as! [String: Any])["where"] as? String, filter)
        let f = (s["method"] as! [String: Any])["rollup_filter"] as! [String: Any]
        XCTAssertEqual(f["where"] as? String, filter)
        XCTAssertEqual(f["country_row_left_out"] as? String, "MMR")
        XCTAssertTrue((s["warnings"] as! [String]).contains { $0.contains("no country row") })
    }

    func testPartialParentsAreListed() throws {
        // Yangon less one township of West Yangon (MMR013D004), and one township of Kachin's
        // first district: both districts and both states are partial.
        let filter = "(ST_PCODE = 'MMR013' AND TS_PCODE <> 'MMR013038') OR TS_PCODE = 'MMR001001'"
        let (r, t, side) = try zonal(filter, ["--country", "MMR"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t0 = try XCTUnwrap(t), s = try XCTUnwrap(side)
        var expected: [String: String] = [:]
        for field in ["DT_PCODE", "ST_PCODE"] {
            let whole = try counts(field), here = try counts(field, where: filter)
            for (code, n) in here where n < whole[code]! { expected[code] = "\(n) of \(whole[code]!)" }
        }
        XCTAssertEqual(Set(expected.keys), ["MMR013D004", "MMR013", "MMR001D001", "MMR001"], "the oracle's partial parents")
        // --country asks for the country row: it is there, and partial too.
        let all = try counts("'MMR'"), here = try counts("'MMR'", where: filter)
        expected["MMR"] = "\(here["MMR"]!) of \(all["MMR"]!)"
        XCTAssertEqual(partial(s), expected)
        XCTAssertTrue(levels(t0).contains("country"))
        XCTAssertFalse(r.stderr.contains("no country row"), r.stderr)
        let line = r.stderr.split(separator: "\n").filter { $0.contains("hold only some of their zones") }
        XCTAssertEqual(line.count, 1, r.stderr)
        XCTAssertTrue(line[0].contains("5 roll-up row(s)") && line[0].contains("MMR013D004 (district, \(expected["MMR013D004"]!))"), r.stderr)
    }

    func testFilterKeepingEveryZoneKeepsTheCountryRow() throws {
        let (r, t, side) = try zonal("1 = 1")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(levels(try XCTUnwrap(t)).contains("country"))
        XCTAssertNil((try XCTUnwrap(side)["method"] as! [String: Any])["rollup_filter"])
        XCTAssertFalse(r.stderr.contains("roll-up"), r.stderr)
    }
}
