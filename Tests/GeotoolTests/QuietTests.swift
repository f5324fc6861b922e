import Foundation
import XCTest
import GeoCore
import GeoTestSupport

/// Issue 28: each thing said once per input (a file's repaired geometries in one line, a
/// GDAL notice once), and `-q` levels the same in zonal, merge, join, batch, map and report:
/// `-q` no progress, `-qq` the one summary line with the number of warnings, `-qqq` only
/// errors. The sidecar keeps every warning as it was.
final class QuietTests: HostileTestCase {
    /// The four townships whose geometry GEOS repairs, and the two without geometry, read
    /// from the file independently (GEOS validity by ogrinfo's SQLite dialect).
    func invalidTownships() throws -> [String] {
        let r = try runProcess("/usr/bin/ogrinfo", ["-ro", "-q", "-dialect", "SQLite", "-sql",
                                                  "SELECT TS_PCODE FROM \"mmr_polbnda_adm3_250k_mimu_1\" WHERE ST_IsEmpty(GEOMETRY) = 0 AND ST_IsValid(GEOMETRY) = 0", townships])
        guard r.status == 0 else { throw XCTSkip("ogrinfo's SQLite dialect with SpatiaLite: \(r.stderr)") }
        return r.stdout.split(separator: "\n").compactMap { l in l.range(of: "TS_PCODE (String) = ").map { String(l[$0.upperBound...]) } }
    }

    func lines(_ r: HRun, containing s: String) -> [Substring] { r.warningLines.filter { $0.contains(s) } }

    func testARepairedGeometryIsSaidOnceInEveryCommand() throws {
        let invalid = try invalidTownships()
        XCTAssertEqual(invalid.count, 4, "MIMU's four self-intersecting townships")
        let table = p("rain.csv")
        let zonal = try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--stats", "mean", "-o", table])
        assertSuccess(zonal, output: table)
        let map = try run(["map", table, "--zones", townships, "--id", "TS_PCODE", "--column", "rain_mean", "-o", p("m.svg")])
        let report = try run(["report", table, "--zones", townships, "--id", "TS_PCODE", "-o", p("r.html")])
        let join = try run(["join", "--points", joinPoints, "--zones", townships, "--id", "TS_PCODE", "-o", p("j.csv")])
        for (name, r) in [("zonal", zonal), ("map", map), ("report", report), ("join", join)] {
            assertSuccess(r)
            let repaired = lines(r, containing: "invalid geometry")
            XCTAssertEqual(repaired.count, 1, "\(name): one line for the file's repaired geometries: \(r.stderr)")
            XCTAssertTrue(repaired.first?.contains("\(townships): 4 features with invalid geometry") == true, "\(name): \(r.stderr)")
            for id in invalid { XCTAssertTrue(repaired.first?.contains(id) == true, "\(name) names \(id): \(r.stderr)") }
            XCTAssertEqual(lines(r, containing: "no geometry").count, 1, "\(name): \(r.stderr)")
        }
        // The sidecar keeps each feature's own warning, with what GEOS found.
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar(table)))) as! [String: Any]
        let warnings = side["warnings"] as! [String]
        for id in invalid {
            XCTAssertEqual(warnings.filter { $0.contains("=\(id)): invalid geometry (Self-intersection[") }.count, 1, "\(id): \(warnings)")
        }
    }

    func testQuietLevelsInZonalAndMerge() throws {
        let base = ["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--stats", "mean"]
        var env = ProcessInfo.processInfo.environment
        env["GEOTOOL_PROGRESS"] = "lines"
        let all = try run(base + ["-o", p("a.csv")], environment: env)
        assertSuccess(all)
        XCTAssertTrue(all.stderr.contains("geotool: progress:"), all.stderr)
        let q = try run(base + ["-q", "-o", p("q.csv")], environment: env)
        assertSuccess(q)
        XCTAssertFalse(q.stderr.contains("progress"), q.stderr)
        XCTAssertEqual(q.warningLines, all.warningLines, "-q: the same warnings")
        // -qq: one line, the summary, with the number of warnings the sidecar lists.
        let qq = try run(base + ["-qq", "-o", p("qq.csv")], environment: env)
        assertSuccess(qq, output: p("qq.csv"))
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar(p("qq.csv"))))) as! [String: Any]
        let n = (side["warnings"] as! [String]).count
        XCTAssertGreaterThan(n, 1)
        let qqLines = qq.stderr.split(separator: "\n")
        XCTAssertEqual(qqLines.count, 1, qq.stderr)
        XCTAssertTrue(qqLines.first?.hasPrefix("geotool: wrote 330 units") == true, qq.stderr)
        XCTAssertTrue(qqLines.first?.hasSuffix("; \(n) warnings, listed in \(sidecar(p("qq.csv")))") == true, qq.stderr)
        // --quiet --quiet is -qq.
        let long = try run(base + ["--quiet", "--quiet", "-o", p("l.csv")], environment: env)
        XCTAssertEqual(long.stderr.split(separator: "\n").count, 1, long.stderr)
        // -qqq: nothing at all, and the same table.
        let qqq = try run(base + ["-qqq", "-o", p("qqq.csv")], environment: env)
        assertSuccess(qqq, output: p("qqq.csv"))
        XCTAssertEqual(qqq.stderr, "")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p("qqq.csv"))), try Data(contentsOf: URL(fileURLWithPath: p("a.csv"))))
        // Errors still show at -qqq, as one line.
        let bad = try run(base + ["-qqq", "--where", "ST_PCOD = 'x'", "-o", p("bad.csv")])
        assertError(bad, names: townships, output: p("bad.csv"))
        // merge: the same levels.
        assertSuccess(try run(base + ["-q", "--part", "0/1", "--partial", p("0.part")]), output: p("0.part"))
        let merged = try run(["merge", p("0.part"), "-qq", "-o", p("m.csv")])
        assertSuccess(merged, output: p("m.csv"))
        XCTAssertEqual(merged.stderr.split(separator: "\n").count, 1, merged.stderr)
        XCTAssertTrue(merged.stderr.contains("warnings, listed in"), merged.stderr)
        XCTAssertEqual(try run(["merge", p("0.part"), "-qqq", "-o", p("m3.csv")]).stderr, "")
    }

    func testQuietLevelsInJoinMapReportAndBatch() throws {
        let table = p("rain.csv")
        assertSuccess(try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--stats", "mean", "-qqq", "-o", table]))
        /// A manifest of its own per run: a rerun with nothing to do reads no zones (no warnings).
        func batch(_ level: String) -> [String] {
            ["batch", write("m\(level).yaml", "zones:\n  path: \(townships)\n  id: TS_PCODE\noutput:\n  dir: \(p("out" + level))\nindicators:\n  - name: rain\n    source: \(rain)\n    stats: [mean]\n")]
        }
        let commands: [(String, (String) -> [String])] = [
            ("join", { _ in ["join", "--points", self.joinPoints, "--zones", self.townships, "--id", "TS_PCODE", "-o", self.p("j.csv")] }),
            ("map", { _ in ["map", table, "--zones", self.townships, "--id", "TS_PCODE", "--column", "rain_mean", "-o", self.p("m.svg")] }),
            ("report", { _ in ["report", table, "--zones", self.townships, "--id", "TS_PCODE", "-o", self.p("r.html")] }),
            ("batch", batch),
        ]
        for (name, args) in commands {
            let q = try run(args("q") + ["-q"])
            assertSuccess(q)
            XCTAssertFalse(q.warningLines.isEmpty, "\(name) -q keeps the warnings: \(q.stderr)")
            XCTAssertFalse(q.stderr.contains("progress"), "\(name): \(q.stderr)")
            let qq = try run(args("qq") + ["-qq"])
            assertSuccess(qq)
            let l = qq.stderr.split(separator: "\n")
            XCTAssertEqual(l.count, 1, "\(name) -qq: one line: \(qq.stderr)")
            XCTAssertTrue(l.first?.hasPrefix("geotool: ") == true && l.first?.contains(" warning") == true, "\(name): \(qq.stderr)")
            XCTAssertEqual(try run(args("qqq") + ["-qqq"]).stderr, "", name)
        }
    }

    /// GDAL's notice about a GeoPackage 1.4 file (it reads them) is not said on every run: the
    /// sidecar records it, once, though each reader of a large layer opens the file again.
    func testGeoPackageVersionNoticeGoesToTheSidecarOnce() throws {
        var feats: [String] = []
        for i in 0..<8400 {
            let x = 92 + Double(i % 120) * 0.1, y = 10 + Double(i / 120) * 0.2
            feats.append(#"{"type":"Feature","properties":{"zid":"Z\#(i)"},"geometry":{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + 0.1),\#(y)],[\#(x + 0.1),\#(y + 0.2)],[\#(x),\#(y + 0.2)],[\#(x),\#(y)]]]}}"#)
        }
        let json = write("many.geojson", #"{"type":"FeatureCollection","features":["# + feats.joined(separator: ",") + "]}")
        let gpkg = p("many.gpkg")
        try gdal("ogr2ogr", ["-nln", "zones", gpkg, json])
        _ = try runProcess("/usr/bin/ogrinfo", ["-sql", "PRAGMA user_version = 10400", gpkg])
        let check = try runProcess("/usr/bin/ogrinfo", ["-ro", "-so", gpkg, "zones"])
        guard check.stderr.contains("user_version") else { throw XCTSkip("GDAL says nothing of user_version 10400: \(check.stderr)") }
        let out = p("many.csv")
        let r = try run(["zonal", "--zones", gpkg, "--id", "zid", "--raster", "r=\(rain)", "--stats", "mean", "--threads", "4", "-o", out])
        assertSuccess(r, output: out)
        XCTAssertFalse(r.stderr.contains("user_version"), r.stderr)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sidecar(out)))) as! [String: Any]
        XCTAssertEqual((side["warnings"] as! [String]).filter { $0.contains("user_version") }.count, 1)
    }
}
