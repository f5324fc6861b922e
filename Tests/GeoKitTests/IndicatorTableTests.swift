import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoTestSupport

/// Issue 4: P-codes, roll-ups equal to direct runs on dissolved parents, long and HXL
/// tables, and the metadata sidecar.
final class IndicatorTableTests: XCTestCase {
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    func job(_ zones: String, id: String, stats: [Statistic]) -> ZonalJob {
        ZonalJob(zonesPath: Fixtures.path("mimu/\(zones)"), idField: id,
                 rasters: [RasterSpec(name: "rain", path: rain)], stats: stats)
    }

    func testPCodeLevels() {
        XCTAssertEqual(AdminLevel(pcode: "MMR"), .country)
        XCTAssertEqual(AdminLevel(pcode: "MMR001"), .state)
        XCTAssertEqual(AdminLevel(pcode: "MMR001D001"), .district)
        XCTAssertEqual(AdminLevel(pcode: "MMR005S001"), .district)
        XCTAssertEqual(AdminLevel(pcode: "MMR001001"), .township)
        XCTAssertEqual(AdminLevel(pcode: "MMR001001701"), .villageTract)
        XCTAssertNil(AdminLevel(pcode: "MMR01"))
        XCTAssertNil(AdminLevel(pcode: "MMR001X001"))
        XCTAssertEqual(AdminLevel(field: "adm3_pcode"), .township)
        XCTAssertEqual(AdminLevel(field: "DT_PCODE"), .district)
        let check = IDCheck(ids: ["MMR001001", "MMR001001", "", "MMR001D001", "junk"])
        XCTAssertEqual(check.duplicates, ["MMR001001": 2])
        XCTAssertEqual(check.blanks, [2])
        XCTAssertEqual(check.malformed, ["junk"])
        XCTAssertEqual(check.levels[.township], 2)
    }

    func testDuplicateAndBlankIDsAreAnErrorUnlessAllowed() throws {
        var j = ZonalJob(zonesPath: Fixtures.path("duplicate_ids.geojson"), idField: "TS_PCODE",
                         rasters: [RasterSpec(name: "rain", path: rain)], stats: [.count])
        XCTAssertThrowsError(try j.run()) { e in XCTAssertTrue("\(e)".contains("duplicate value(s) in TS_PCODE: MMR001001 (2x)"), "\(e)") }
        j.allowDuplicateIDs = true
        let r = try j.run()
        XCTAssertEqual(r.units.count, 3)
        XCTAssertTrue(r.warnings.contains { $0.kind == .ids && $0.message.contains("duplicate") })
    }

    /// A roll-up merges accumulators; it must equal a direct run on the dissolved parents
    /// (made by shapely from the same non-overlapping townships: make_dissolved.py).
    func testRollupEqualsDissolvedParents() throws {
        let stats: [Statistic] = [.count, .sum, .mean, .min, .max, .stdev, .area, .median, .coverage]
        var j = job("townships_clean.geojson", id: "TS_PCODE", stats: stats)
        j.rollup = ["DT_PCODE", "ST_PCODE"]
        j.includeFields = ["DT_PCODE", "ST_PCODE"]
        let rolled = try j.run().wideTable()
        let districts = try job("districts_dissolved.geojson", id: "DT_PCODE", stats: stats).run().wideTable()
        let states = try job("states_dissolved.geojson", id: "ST_PCODE", stats: stats).run().wideTable()
        var compared = 0
        for (direct, level, n) in [(districts, "district", 80), (states, "state", 18)] {
            let levelCol = rolled.columns.firstIndex(of: "level")!
            XCTAssertEqual(rolled.rows.filter { $0[levelCol] == .text(level) }.count, n, "\(level) rows")
            for row in direct.rows {
                guard case .text(let code) = row[0] else { continue }
                for s in stats {
                    let a = rolled.value(code, "rain_\(s.name)"), b = direct.value(code, "rain_\(s.name)")
                    let tol = s == .stdev ? 1e-8 : 1e-9
                    assertRelative(a, b, tol, "\(code) \(s.name)")
                    if s == .count, let b, b > 0 { compared += 1 }
                }
            }
        }
        XCTAssertGreaterThan(compared, 60, "most parents have rainfall data")
        // The country row is the sum of its states.
        let stateCounts = states.column("rain_count")!.compactMap(\.doubleValue).reduce(0, +)
        XCTAssertEqual(rolled.value("MMR", "rain_count")!, stateCounts, accuracy: stateCounts * 1e-12)
        // Roll-up rows carry the include-columns their townships share.
        let row = rolled.rows.first { $0[0] == .text("MMR001D001") }!
        XCTAssertEqual(row[rolled.columns.firstIndex(of: "ST_PCODE")!], .text("MMR001"))
        XCTAssertEqual(row[rolled.columns.firstIndex(of: "DT_PCODE")!], .text("MMR001D001"))
    }

    func testLongTableAndHXL() throws {
        var j = job("townships.json", id: "TS_PCODE", stats: [.count, .mean])
        j.includeFields = ["TS", "TS_MMR", "DT_PCODE"]
        j.rollup = ["DT_PCODE", "ST_PCODE"]
        j.units = ["rain": "mm"]
        let r = try j.run()
        let wide = r.wideTable(hxl: true), long = r.longTable(hxl: true)
        XCTAssertEqual(long.columns, ["pcode", "name", "level", "TS", "TS_MMR", "DT_PCODE", "indicator", "stat", "band", "date", "value", "unit"])
        XCTAssertEqual(long.rows.count, wide.rows.count * 2, "a row per unit x statistic")
        XCTAssertEqual(wide.hxl?[0], "#loc+code")
        XCTAssertEqual(Array(wide.columns[1...3]), ["level", "name", "TS"])
        XCTAssertEqual(Array(wide.hxl![1...5]), ["#meta+level", "#loc+name", "#adm3+name", "#adm3+name+i_my", "#adm2+code"])
        XCTAssertEqual(long.hxl?[0], "#loc+code")
        // Long values equal wide ones, unit by unit.
        for row in long.rows.prefix(200) {
            guard case .text(let id) = row[0], case .text(let stat) = row[7] else { continue }
            XCTAssertEqual(row[10].doubleValue, wide.value(id, "rain_\(stat)"))
            if stat == "mean" { XCTAssertEqual(row[11], .text("mm")) }
            if stat == "count" { XCTAssertEqual(row[11], .text("cells")) }
        }
        // Names: townships by TS, districts by DT, the country by its name.
        XCTAssertTrue(long.rows.contains { $0[0] == .text("MMR001001") && $0[1] == .text("Myitkyina") && $0[2] == .text("township") })
        XCTAssertTrue(long.rows.contains { $0[0] == .text("MMR001D001") && $0[1] == .text("Myitkyina") && $0[2] == .text("district") })
        XCTAssertTrue(long.rows.contains { $0[0] == .text("MMR") && $0[1] == .text("Myanmar") && $0[2] == .text("country") })
        let csv = long.csvText()
        XCTAssertTrue(csv.hasPrefix("pcode,name,level,TS,TS_MMR,DT_PCODE,indicator,stat,band,date,value,unit\n#loc+code,#loc+name,"))
    }

    /// With roll-up rows, the wide table names every row at its level: townships by TS, their
    /// districts by DT, states by ST, as the zones' own features give them (read here from the
    /// TopoJSON itself), and the country by its name.
    func testWideRollupRowsCarryTheirNames() throws {
        var j = job("townships.json", id: "TS_PCODE", stats: [.mean])
        j.rollup = ["DT_PCODE", "ST_PCODE"]
        j.includeFields = ["DT_PCODE"]
        let wide = try j.run().wideTable()
        // MIMU's TopoJSON: objects, each a list of geometries with their properties.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("mimu/townships.json")))) as! [String: Any]
        let objects = (json["objects"] as! [String: Any]).values.compactMap { ($0 as? [String: Any])?["geometries"] as? [[String: Any]] }
        var names: [String: String] = [:]
        for f in objects.joined() {
            let p = f["properties"] as! [String: Any]
            for (code, name) in [("TS_PCODE", "TS"), ("DT_PCODE", "DT"), ("ST_PCODE", "ST")] {
                if let c = p[code] as? String, let n = p[name] as? String { names[c] = n }
            }
        }
        names["MMR"] = "Myanmar"
        XCTAssertEqual(Array(wide.columns.prefix(4)), ["TS_PCODE", "level", "name", "DT_PCODE"])
        var levels: [String: Int] = [:]
        for row in wide.rows {
            guard case .text(let code) = row[0], case .text(let level) = row[1] else { XCTFail("\(row)"); continue }
            levels[level, default: 0] += 1
            XCTAssertEqual(row[2], names[code].map { .text($0) }, "\(level) \(code)")
        }
        XCTAssertEqual(levels["district"], 80)
        XCTAssertEqual(levels["state"], 18)
        XCTAssertEqual(levels["country"], 1)
        // An include-column of that name is the name column: no second one.
        j.includeFields = ["DT_PCODE", "name"]
        XCTAssertFalse(wideNameColumn(hasRollup: true, includeFields: j.includeFields))
        XCTAssertFalse(wideNameColumn(hasRollup: true, includeFields: ["DT_PCODE", "Name"]), "GeoPackage column names ignore case")
        XCTAssertTrue(wideNameColumn(hasRollup: true, includeFields: ["DT_PCODE"]))
        XCTAssertFalse(wideNameColumn(hasRollup: false, includeFields: []))
    }

    func testCoverageColumn() throws {
        let j = ZonalJob(zonesPath: Fixtures.path("exactextract/zones.geojson"), idField: "zone",
                         rasters: [RasterSpec(name: "v", path: Fixtures.path("exactextract/values.tif"))], stats: [.count, .coverage])
        let t = try j.run().wideTable()
        for z in ["hole", "multi", "sliver", "on_edges", "star"] { XCTAssertEqual(t.value(z, "v_coverage")!, 1, accuracy: 1e-12, z) }
        XCTAssertEqual(t.value("outside", "v_coverage"), 0)
        // Partly outside, on 1 m cells with no nodata under it: the covered share is the
        // overlay's covered cells over the polygon's shoelace area.
        let quad = Ring([(25.5, 7.5), (33.0, 8.0), (31.0, 17.7), (24.2, 15.3)])
        let exact = Fixtures.json("exactextract/expected_shapely.json")["values"] as! [String: [String: Any]]
        let covered = exact["partly_outside"]!["count"] as! Double
        XCTAssertEqual(t.value("partly_outside", "v_coverage")!, covered / abs(quad.signedArea), accuracy: 1e-9)
    }

    func testSidecarDescribesEveryColumn() throws {
        let dir = Fixtures.tempDir(), out = dir + "/rain.csv"
        let r = try runGeotool(["zonal", "--zones", Fixtures.path("mimu/townships.json"), "--id", "TS_PCODE",
                                        "--include-cols", "TS", "--raster", "rain=\(rain)", "--stats", "count,mean,frac",
                                        "--rollup", "ST_PCODE", "--hxl", "--unit", "rain=mm", "-o", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let side = out + ".datapackage.json"
        let pkg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: side))) as! [String: Any]
        let res = (pkg["resources"] as! [[String: Any]])[0]
        let fields = (res["schema"] as! [String: Any])["fields"] as! [[String: Any]]
        let header = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")[0].split(separator: ",").map(String.init)
        XCTAssertEqual(fields.map { $0["name"] as! String }, header, "one field per column, in order")
        for f in fields { XCTAssertNotNil(f["description"], "\(f["name"]!) has a description"); XCTAssertNotNil(f["type"]) }
        XCTAssertEqual(fields.first { $0["name"] as! String == "rain_mean" }?["unit"] as? String, "mm")
        // Frictionless: the header is row 1, the HXL row a comment row (not data).
        XCTAssertEqual((res["dialect"] as! [String: Any])["headerRows"] as? [Int], [1])
        XCTAssertEqual((res["dialect"] as! [String: Any])["commentRows"] as? [Int], [2])
        // The raster's checksum, against coreutils' sha256sum.
        let p = Process(); p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum"); p.arguments = [rain]
        let pipe = Pipe(); p.standardOutput = pipe; try p.run(); p.waitUntilExit()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")[0]
        let raster = (pkg["rasters"] as! [[String: Any]])[0]
        XCTAssertEqual(raster["sha256"] as? String, String(expected))
        XCTAssertEqual((raster["bands"] as! [[String: Any]])[0]["nodata"] as? Double, -9999)
        let zones = pkg["zones"] as! [String: Any]
        XCTAssertEqual(zones["features"] as? Int, 330)
        XCTAssertEqual(zones["pcode_version"] as? String, "9.4")
        XCTAssertTrue((pkg["warnings"] as! [String]).contains { $0.contains("MMR010001") }, "warnings travel with the data")
        XCTAssertTrue(((pkg["geotool"] as! [String: Any])["command"] as! String).contains("--rollup ST_PCODE"))
    }

    /// A sidecar geotool wrote (it has a `geotool` run) that no longer decodes is an error
    /// naming the sidecar, not metadata silently dropped; another tool's package is read as it is.
    func testABrokenGeotoolSidecarIsAnErrorNamingIt() throws {
        let dir = Fixtures.tempDir()
        let csv = dir + "/t.csv"
        try "id,x_mean\nA,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let side = csv + ".datapackage.json"
        try #"{"profile": "tabular-data-package", "geotool": {"version": "0.1.0", "command": "geotool zonal"}, "resources": "t.csv"}"#
            .write(toFile: side, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try IndicatorTable.read(csv)) { e in
            XCTAssertEqual((e as? GeoKitError)?.file, side)
            XCTAssertEqual((e as? GeoKitError)?.kind, .input)
        }
        try #"{"profile": "tabular-data-package", "resources": "t.csv"}"#.write(toFile: side, atomically: true, encoding: .utf8)
        XCTAssertEqual(try IndicatorTable.read(csv).idField, "id")
    }
}
