import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// `geotool vector --part I/N --partial FILE` and `geotool merge`: the merged table is the
/// single run's, byte for byte, whatever the number of parts and threads, and the track on
/// the MMR001 | MMR002 border (MMR002 first in the file, in part 0 of 5) counts once, for
/// MMR001, as pyproj's Geod measures it (expected.json).
final class VectorPartTests: XCTestCase {
    let dir = "vector/"

    var layerArgs: [String] {
        ["--zones", Fixtures.path(dir + "zones.geojson"), "--id", "TS_PCODE", "--include-cols", "DT_PCODE", "--quiet",
         "--points", "schools=" + Fixtures.path(dir + "schools.csv"), "--count-by", "schools=level",
         "--sum", "schools=students", "--mean", "schools=students",
         "--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--by", "roads=highway",
         "--polygons", "protected=" + Fixtures.path(dir + "protected.geojson"), "--by", "protected=category",
         "--rollup", "DT_PCODE,ST_PCODE", "--formula", "schools_per_km2 = schools_count / zone_area_km2"]
    }

    func parts(_ n: Int, in tmp: String, threads: Int) throws -> [String] {
        try (0..<n).map { i in
            let p = tmp + "/v\(n).\(i).part"
            let r = try runGeotool(["vector"] + layerArgs + ["--threads", "\(threads)", "--part", "\(i)/\(n)", "--partial", p])
            XCTAssertEqual(r.status, 0, r.stderr)
            return p
        }
    }

    func testMergedPartsEqualASingleRunByteForByte() throws {
        let tmp = Fixtures.tempDir()
        for format in ["wide", "long"] {
            let single = tmp + "/single-\(format).csv"
            let r = try runGeotool(["vector"] + layerArgs + ["--threads", "2", "--format", format, "-o", single])
            XCTAssertEqual(r.status, 0, r.stderr)
            let want = try Data(contentsOf: URL(fileURLWithPath: single))
            // One thread: the same bytes (the overlay adds each zone's pieces in feature order).
            let one = tmp + "/one-\(format).csv"
            XCTAssertEqual(try runGeotool(["vector"] + layerArgs + ["--threads", "1", "--format", format, "-o", one]).status, 0)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one)), want, "threads 1 and 2")
            for (n, threads) in [(1, 2), (2, 1), (3, 2), (5, 2)] {
                let files = try parts(n, in: tmp, threads: threads)
                let merged = tmp + "/merged\(n)-\(format).csv"
                let m = try runGeotool(["merge"] + files.reversed() + ["--format", format, "-o", merged])
                XCTAssertEqual(m.status, 0, m.stderr)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: merged)), want, "\(n) parts, \(format)")
            }
        }
        // The border track once, for MMR001, with its length from pyproj's Geod; roll-ups from the zone rows.
        let expected = Fixtures.json(dir + "expected.json") as! [String: [String: Double]]
        let t = try Table.readCSV(path: tmp + "/merged5-wide.csv")
        assertRelative(t.value("MMR001", "roads_length_km_track"), 11.069266879336286, 1e-9, "border track")
        XCTAssertEqual(t.value("MMR002", "roads_length_km_track"), 0)
        for (d, ids) in ["D1": ["MMR001", "MMR002"], "D2": ["MMR003", "MMR004"]] {
            let roads = ids.reduce(0) { $0 + expected[$1]!["roads_length_km"]! }, area = ids.reduce(0) { $0 + expected[$1]!["zone_area_km2"]! }
            assertRelative(t.value(d, "roads_length_km"), roads, 1e-9, "\(d) roads")
            assertRelative(t.value(d, "roads_density"), roads / area, 1e-9, "\(d) density")
            assertRelative(t.value(d, "protected_share"), ids.reduce(0) { $0 + expected[$1]!["protected_area_km2"]! } / area, 1e-9, "\(d) share")
        }
        // The merged GeoPackage has every unit's geometry.
        let gpkg = tmp + "/merged.gpkg"
        XCTAssertEqual(try runGeotool(["merge"] + (try parts(3, in: tmp, threads: 1)) + ["-o", gpkg]).status, 0)
        let proc = Process(), pipe = Pipe()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/ogrinfo")
        proc.arguments = ["-so", gpkg, "vector"]
        proc.standardOutput = pipe
        try proc.run()
        let info = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        XCTAssertTrue(info.contains("Feature Count: 9"), info)
    }

    func testMergeRefusesIncompleteOrForeignPartsWithOneLine() throws {
        let tmp = Fixtures.tempDir()
        let five = try parts(5, in: tmp, threads: 1)
        let two = try parts(2, in: tmp, threads: 1)
        let truncated = tmp + "/truncated.part"
        try Data(try Data(contentsOf: URL(fileURLWithPath: five[2])).prefix(200)).write(to: URL(fileURLWithPath: truncated))
        let cases: [([String], String)] = [
            (Array(five.prefix(4)), "part 4/5 is missing"),
            (five + [five[1]], "is given twice"),
            ([five[0], five[1], truncated, five[3], five[4]], "not a complete geotool vector part file"),
            ([five[0], two[1]], "a part of another run"),
        ]
        for (files, reason) in cases {
            let out = tmp + "/bad.csv"
            let r = try runGeotool(["merge"] + files + ["-o", out])
            XCTAssertNotEqual(r.status, 0, reason)
            XCTAssertTrue(r.stderr.hasPrefix("geotool: error: ") && r.stderr.contains(reason), "\(reason): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), reason)
        }
        // --part without --partial, and -o with it.
        XCTAssertNotEqual(try runGeotool(["vector"] + layerArgs + ["--part", "0/2", "-o", tmp + "/x.csv"]).status, 0)
        XCTAssertNotEqual(try runGeotool(["vector"] + layerArgs + ["--part", "2/2", "--partial", tmp + "/x.part"]).status, 0)
    }
}
