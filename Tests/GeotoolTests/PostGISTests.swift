import XCTest
import GeoCore
import GeoTestSupport

/// `-o PG:... --table NAME` against a real PostgreSQL + PostGIS that the tests start in a
/// temporary folder on a free port (and stop): values read back with psql equal the CSV of
/// the same command, columns are typed, the P-code is the primary key, the metadata row is
/// there, and a rerun, a failed run and a killed run never leave half a table.
final class PostGISTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    let townships = Fixtures.path("mimu/townships.json")
    let rain = Fixtures.path("mimu/rainfall_dekad.tif")

    override class func setUp() {
        super.setUp()
        do { server = try PostgresServer() } catch { server = nil; setupError = "\(error)" }
    }
    nonisolated(unsafe) static var setupError = ""

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    /// The running server; a test fails (not skips) when it could not start.
    func pg() throws -> PostgresServer {
        guard let s = PostGISTests.server else {
            XCTFail("PostgreSQL did not start: \(PostGISTests.setupError)")
            throw PostgresServer.Failure(description: PostGISTests.setupError)
        }
        return s
    }

    func zonal(_ extra: [String], _ out: String) throws -> GeotoolRun {
        try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(rain)", "--quiet"] + extra + ["-o", out])
    }

    /// A table read back with `psql --csv`, parsed as geotool's CSVs are.
    func readBack(_ s: PostgresServer, _ sql: String) throws -> Table {
        let path = Fixtures.tempDir() + "/readback.csv"
        try s.psql(sql, csv: true).write(toFile: path, atomically: true, encoding: .utf8)
        return try Table.readCSV(path: path)
    }

    /// Every cell of `db` equals the CSV's: numbers exactly (float8 round-trips a double),
    /// text as written, NULL where the CSV is empty; the same columns and row order.
    func assertSameTable(_ db: Table, _ csv: Table, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(db.columns, csv.columns, file: file, line: line)
        XCTAssertEqual(db.rows.count, csv.rows.count, file: file, line: line)
        var numbers = 0
        for (r, (a, b)) in zip(db.rows, csv.rows).enumerated() {
            for c in csv.columns.indices {
                switch (a[c], b[c]) {
                case (.number(let x), .number(let y)): XCTAssertEqual(x, y, "row \(r + 1) \(csv.columns[c])", file: file, line: line); numbers += 1
                default: XCTAssertEqual(a[c], b[c], "row \(r + 1) \(csv.columns[c])", file: file, line: line)
                }
            }
        }
        XCTAssertGreaterThan(numbers, 0, "numbers compared", file: file, line: line)
    }

    /// Relations left under a temporary name (`NAME__geotool_PID`).
    func leftovers(_ s: PostgresServer) throws -> String {
        try s.psql("SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE '%\\_\\_geotool\\_%'")
    }

    /// A digest of a whole table's content, in key order.
    func digest(_ s: PostgresServer, _ table: String, orderBy: String) throws -> String {
        try s.psql("SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY \(orderBy))) FROM \(table) t")
    }

    func testZonalTableEqualsItsCSVWithTypesKeyAndMetadata() throws {
        let s = try pg()
        let dir = Fixtures.tempDir()
        let args = ["--include-cols", "TS,TS_MMR,ST_PCODE", "--stats", "count,mean,max,median,coverage",
                    "--rollup", "DT_PCODE,ST_PCODE", "--unit", "rain=mm"]
        let csvRun = try zonal(args, dir + "/rain.csv")
        XCTAssertEqual(csvRun.status, 0, csvRun.stderr)
        // A password in the connection (trust authentication ignores it) must appear nowhere.
        let out = s.output + " password=hunter2"
        let r = try zonal(args + ["--table", "rain_ts"], out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("hunter2"), r.stderr)
        XCTAssertTrue(r.stderr.contains("password=***"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "PG:... is not a file path")

        let csv = try Table.readCSV(path: dir + "/rain.csv")
        let districts = try XCTUnwrap(Int(s.psql("SELECT count(DISTINCT \"TS_PCODE\") FROM rain_ts WHERE level = 'district'")))
        XCTAssertEqual(csv.rows.count, 330 + districts + 18 + 1)
        // Row order: the CSV's (zones in input order, then roll-ups) is not a key order, so
        // both sides are compared in P-code order.
        let db = try readBack(s, "SELECT * FROM rain_ts ORDER BY \"TS_PCODE\" COLLATE \"C\"")
        var sorted = csv
        sorted.rows.sort { a, b in
            guard case .text(let x) = a[0], case .text(let y) = b[0] else { return false }
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        }
        assertSameTable(db, sorted)

        // Indicator columns are numbers, text columns text.
        let types = try s.psql("SELECT column_name || '=' || data_type FROM information_schema.columns WHERE table_name = 'rain_ts' ORDER BY ordinal_position")
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(types, ["TS_PCODE=character varying", "level=character varying", "name=character varying", "TS=character varying", "TS_MMR=character varying",
                               "ST_PCODE=character varying", "rain_count=double precision", "rain_mean=double precision",
                               "rain_max=double precision", "rain_median=double precision", "rain_coverage=double precision"])
        // The P-code is the primary key.
        let key = try s.psql("""
            SELECT k.column_name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k
            USING (constraint_schema, constraint_name) WHERE c.table_name = 'rain_ts' AND c.constraint_type = 'PRIMARY KEY'
            """)
        XCTAssertEqual(key, "TS_PCODE")
        // The metadata row holds the sidecar's content: the same fields as the CSV's sidecar.
        let meta = try s.psql("SELECT metadata FROM geokit_metadata WHERE table_name = 'rain_ts'")
        let pkg = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(meta.utf8)) as? [String: Any])
        let side = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/rain.csv.datapackage.json"))) as? [String: Any])
        func fields(_ p: [String: Any]) -> NSArray? { ((p["resources"] as? [[String: Any]])?.first?["schema"] as? [String: Any])?["fields"] as? NSArray }
        XCTAssertEqual(fields(pkg), fields(side))
        XCTAssertEqual((pkg["resources"] as? [[String: Any]])?.first?["rows"] as? Int, csv.rows.count)
        XCTAssertEqual((pkg["warnings"] as? [String])?.count, (side["warnings"] as? [String])?.count)
        XCTAssertFalse(meta.contains("hunter2"), "no password in the metadata")
        XCTAssertTrue(try s.psql("SELECT obj_description('rain_ts'::regclass)").contains("geokit_metadata"))
        XCTAssertEqual(try leftovers(s), "")
    }

    func testGeometryColumnWhenAsked() throws {
        let s = try pg()
        let r = try zonal(["--stats", "mean", "--table", "rain_geom", "--geometry"], s.output)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try s.psql("SELECT type || ' ' || srid FROM geometry_columns WHERE f_table_name = 'rain_geom'"), "MULTIPOLYGON 4326")
        // 330 townships, of which two have no geometry (MIMU's Cocokyun, and an empty one).
        XCTAssertEqual(try s.psql("SELECT count(*) || ' ' || count(geom) FROM rain_geom"), "330 328")
        // The geometry is the zones': the same extent as ogrinfo reports for the file.
        let ext = try s.psql("SELECT ST_XMin(e) || ' ' || ST_YMin(e) || ' ' || ST_XMax(e) || ' ' || ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM rain_geom) x")
            .split(separator: " ").compactMap { Double($0) }
        let info = try runProcess("/usr/bin/ogrinfo", ["-so", "-al", townships]).stdout
        let line = try XCTUnwrap(info.split(separator: "\n").first { $0.hasPrefix("Extent:") })
        let ogr = line.split(whereSeparator: { "(), -".contains($0) }).compactMap { Double($0) }
        XCTAssertEqual(ogr.count, 4, String(line))
        XCTAssertEqual(ext.count, 4)
        // ogrinfo prints 6 decimals.
        for (a, b) in zip(ext, ogr) { XCTAssertEqual(a, b, accuracy: 5.1e-7, "extent") }
        let plain = try zonal(["--stats", "mean", "--table", "rain_plain"], s.output)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try s.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'rain_plain' AND column_name = 'geom'"), "0",
                       "no geometry unless --geometry")
    }

    func testRerunReplacesAndFailedRunsKeepTheOldTable() throws {
        let s = try pg()
        XCTAssertEqual(try zonal(["--stats", "count", "--table", "swap"], s.output).status, 0)
        let first = try s.psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'swap'")
        XCTAssertEqual(first, "TS_PCODE,rain_count")
        let r = try zonal(["--stats", "count,mean", "--table", "swap"], s.output)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try s.psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'swap'"),
                       "TS_PCODE,rain_count,rain_mean", "the rerun replaced the table")
        XCTAssertEqual(try s.psql("SELECT count(*) FROM swap"), "330")
        XCTAssertEqual(try s.psql("SELECT count(*) FROM geokit_metadata WHERE table_name = 'swap' AND metadata::text LIKE '%rain_mean%'"), "1")
        let before = try digest(s, "swap", orderBy: "\"TS_PCODE\"")

        // A bad raster fails before the database is touched.
        let bad = Fixtures.tempDir() + "/bad.tif"
        try "not a raster".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try runGeotool(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "rain=\(bad)", "--quiet",
                                     "--stats", "max", "--table", "swap", "-o", s.output])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertEqual(failed.stderr.split(separator: "\n").filter { $0.contains("error") }.count, 1, failed.stderr)
        XCTAssertEqual(try digest(s, "swap", orderBy: "\"TS_PCODE\""), before)

        // A failure inside the transaction: a view depends on the table, so it cannot be
        // dropped; everything rolls back, the old table and its metadata stay, no temporary.
        try s.psql("CREATE VIEW swap_view AS SELECT * FROM swap")
        let blocked = try zonal(["--stats", "max", "--table", "swap"], s.output)
        XCTAssertNotEqual(blocked.status, 0)
        XCTAssertEqual(blocked.stderr.split(separator: "\n").filter { $0.contains("error:") }.count, 1, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("cannot replace swap") && blocked.stderr.contains("swap_view"), blocked.stderr)
        XCTAssertEqual(try digest(s, "swap", orderBy: "\"TS_PCODE\""), before)
        XCTAssertEqual(try s.psql("SELECT count(*) FROM geokit_metadata WHERE table_name = 'swap' AND metadata::text LIKE '%rain_mean%'"), "1")
        XCTAssertEqual(try leftovers(s), "")
        try s.psql("DROP VIEW swap_view")
    }

    func testKilledRunLeavesThePreviousTable() throws {
        let s = try pg()
        let dir = Fixtures.tempDir()
        let zones = Fixtures.path("join/zones.geojson")
        // The previous table: the 13 bundled schools.
        let small = try runGeotool(["join", "--points", Fixtures.path("join/points.csv"), "--zones", zones, "--id", "TS_PCODE",
                                    "-o", s.output, "--table", "schools"])
        XCTAssertEqual(small.status, 0, small.stderr)
        let before = try digest(s, "schools", orderBy: "fid")
        XCTAssertTrue(before.hasPrefix("13:"), before)
        // A big register whose write takes a while (COPY of 150,000 rows).
        var csv = "school_id,latitude,longitude\n"
        var rng = SystemRandomNumberGenerator()
        for i in 0..<150_000 { csv += "P\(i),\(Double.random(in: 16...18, using: &rng)),\(Double.random(in: 95...97, using: &rng))\n" }
        try csv.write(toFile: dir + "/big.csv", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: geotoolPath)
        p.arguments = ["join", "--points", dir + "/big.csv", "--zones", zones, "--id", "TS_PCODE", "-o", s.output, "--table", "schools"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill it while it copies rows into the new table (seen in pg_stat_activity).
        var seen = false
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline {
            let q = try s.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geotool' AND query LIKE 'COPY%'")
            if q != "0" { seen = true; kill(p.processIdentifier, SIGKILL); break }
            usleep(20_000)
        }
        p.waitUntilExit()
        XCTAssertTrue(seen, "the run was caught while copying rows (make the register bigger if the write got faster)")
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        // The previous table, readable and unchanged, at once.
        XCTAssertEqual(try digest(s, "schools", orderBy: "fid"), before)
        // The server rolls the dead connection back: no temporary table stays.
        var left = "?"
        for _ in 0..<100 {
            left = try leftovers(s)
            let sessions = try s.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geotool'")
            if left.isEmpty && sessions == "0" { break }
            usleep(50_000)
        }
        XCTAssertEqual(left, "")
        // And the next run writes the table whole.
        let again = try runGeotool(["join", "--points", Fixtures.path("join/points.csv"), "--zones", zones, "--id", "TS_PCODE",
                                    "-o", s.output, "--table", "schools"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try digest(s, "schools", orderBy: "fid"), before)
    }

    func testJoinTableEqualsItsCSVWithPointsAndNumbers() throws {
        let s = try pg()
        let dir = Fixtures.tempDir()
        let args = ["join", "--points", Fixtures.path("join/points.csv"), "--zones", Fixtures.path("join/zones.geojson"),
                    "--id", "TS_PCODE", "--id-col", "school_id"]
        let csvRun = try runGeotool(args + ["-o", dir + "/schools.csv"])
        XCTAssertEqual(csvRun.status, 0, csvRun.stderr)
        let r = try runGeotool(args + ["-o", s.output, "--table", "registry.schools", "--geometry"])
        // The schema must exist: the error says so, in one line.
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("registry"), r.stderr)
        try s.psql("CREATE SCHEMA registry")
        let ok = try runGeotool(args + ["-o", s.output, "--table", "registry.schools", "--geometry"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        // school_id repeats (S8): the key is fid, the input row number, and a warning says so.
        XCTAssertTrue(ok.stderr.contains("school_id is not unique"), ok.stderr)
        let csv = try Table.readCSV(path: dir + "/schools.csv")
        let db = try readBack(s, "SELECT \(csv.columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM registry.schools ORDER BY fid")
        assertSameTable(db, csv)
        XCTAssertEqual(try s.psql("SELECT string_agg(fid::text, ',' ORDER BY fid) FROM registry.schools"), (1...13).map(String.init).joined(separator: ","))
        // Latitude is all numbers: a number column; longitude holds a typo (96.1O): text.
        XCTAssertEqual(try s.psql("SELECT data_type FROM information_schema.columns WHERE table_schema = 'registry' AND column_name = 'latitude'"), "double precision")
        XCTAssertEqual(try s.psql("SELECT data_type FROM information_schema.columns WHERE table_schema = 'registry' AND column_name = 'distance_m'"), "double precision")
        // Each point where the CSV says, for the rows with valid coordinates.
        let pts = try s.psql("SELECT school_id || ' ' || ST_X(geom) || ' ' || ST_Y(geom) FROM registry.schools WHERE geom IS NOT NULL AND school_id IN ('S1', 'S13') ORDER BY fid")
        XCTAssertEqual(pts, "S1 95.5 16.5\nS13 96 17")
        XCTAssertEqual(try s.psql("SELECT count(*) FROM registry.geokit_metadata WHERE table_name = 'schools'"), "1")
    }

    func testClearErrors() throws {
        let s = try pg()
        // Nothing listens on a fresh free port.
        let closed = freePort()
        let r = try zonal(["--stats", "mean", "--table", "t"], "PG:dbname=postgres host=127.0.0.1 port=\(closed) user=postgres password=hunter2")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("error:") }.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot connect to PostgreSQL") && r.stderr.contains("port=\(closed)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("hunter2"), r.stderr)
        for (extra, expected) in [(["--table", "Bad-Name"], "invalid --table 'Bad-Name'"),
                                  ([], "needs --table"),
                                  (["--table", "t", "--hxl"], "no HXL row"),
                                  (["--table", "t", "--format", "long", "--geometry"], "--geometry needs a wide table")] {
            let e = try zonal(["--stats", "mean"] + extra, s.output)
            XCTAssertNotEqual(e.status, 0, "\(extra)")
            XCTAssertTrue(e.stderr.contains(expected), "\(extra): \(e.stderr)")
        }
        let dir = Fixtures.tempDir()
        let notPG = try zonal(["--stats", "mean", "--table", "t"], dir + "/x.csv")
        XCTAssertNotEqual(notPG.status, 0)
        XCTAssertTrue(notPG.stderr.contains("--table names a PostgreSQL table"), notPG.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.csv"))
    }
}
