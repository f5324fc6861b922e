import XCTest
import GeoCore
import GeoTestSupport

/// `geotool batch MANIFEST --database PG:...` against a PostgreSQL + PostGIS the test starts:
/// each indicator's table equals its CSV, typed and keyed, and an unchanged rerun leaves it.
final class PostGISBatchTests: HostileTestCase {
    func testBatchLoadsEachIndicatorTable() throws {
        let s = try PostgresServer()
        defer { s.stop() }
        zonesAB()
        try raster("series.tif", cols: 4, rows: 4, values: (1...16).map(Float.init), bands: 3)
        write("series.tif.bands.txt", "2001-01\n2001-02\n2001-03\n")
        let m = write("m.yaml", """
            zones:
              path: z.geojson
              id: zid
            output:
              dir: out
              format: wide
            indicators:
              - name: rain
                source: series.tif
                stats: [mean, count]

            """)
        let r = try runGeotool(["batch", m, "--quiet", "--database", s.output + " password=hunter2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try Table.readCSV(path: p("out/rain.csv"))
        let cols = csv.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let path = p("readback.csv")
        try s.psql("SELECT \(cols) FROM rain ORDER BY zid", csv: true).write(toFile: path, atomically: true, encoding: .utf8)
        let db = try Table.readCSV(path: path)
        XCTAssertEqual(db.columns, csv.columns)
        XCTAssertEqual(db.rows, csv.rows, "the database holds the CSV's values")
        // Hand check (names as in the CSV, quoted in SQL): zone A covers columns 1-2 of the 4 x 4 raster 1...16: values 1, 2, 5, 6, 9, 10, 13, 14: mean 7.5, 8 cells.
        XCTAssertEqual(try s.psql("SELECT \"rain_2001-01_mean\" || ' ' || \"rain_2001-01_count\" FROM rain WHERE zid = 'A'"), "7.5 8")
        XCTAssertEqual(try s.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'rain' AND data_type = 'double precision'"),
                       String(csv.columns.count - 1), "every statistic a number")
        XCTAssertEqual(try s.psql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'rain'::regclass AND i.indisprimary"), "zid")
        XCTAssertEqual(try s.psql("SELECT metadata->'resources'->0->>'rows' FROM geokit_metadata WHERE table_name = 'rain'"), "2")
        XCTAssertFalse(try s.psql("SELECT metadata::text FROM geokit_metadata").contains("hunter2"))
        // Nothing changed: the table is not rewritten.
        let written = try s.psql("SELECT written_at FROM geokit_metadata WHERE table_name = 'rain'")
        let again = try runGeotool(["batch", m, "--database", s.output])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("up to date: rain"), again.stderr)
        XCTAssertEqual(try s.psql("SELECT written_at FROM geokit_metadata WHERE table_name = 'rain'"), written)
    }

    /// `vector:` layers go to the database too: the table `vector`, keyed by the id, with
    /// the schools counted by hand (A: lon 0..2 holds two, B one; the fourth is outside).
    func testBatchLoadsTheVectorTable() throws {
        let s = try PostgresServer()
        defer { s.stop() }
        zonesAB()
        try raster16("pop.tif")
        write("schools.csv", "id,level,longitude,latitude\ns1,primary,0.5,1.5\ns2,middle,1.5,3.5\ns3,primary,3.5,0.5\ns4,primary,9,9\n")
        let m = write("m.yaml", """
            zones:
              path: z.geojson
              id: zid
            output:
              dir: out
              format: wide
            indicators:
              - name: pop
                source: pop.tif
                stats: [sum]
            vector:
              - name: schools
                points: schools.csv
                count_by: level

            """)
        let r = try runGeotool(["batch", m, "--quiet", "--database", s.output])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try s.psql("SELECT zid || ' ' || schools_count || ' ' || schools_count_primary FROM vector ORDER BY zid"), "A 2 1\nB 1 1")
        XCTAssertEqual(try s.psql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'vector'::regclass AND i.indisprimary"), "zid")
        let again = try runGeotool(["batch", m, "--database", s.output])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("up to date: pop, vector"), again.stderr)
    }
}
