import XCTest
import GeoCore
import GeoTestSupport

/// `geotool vector -o PG:... --table NAME` against a real PostgreSQL + PostGIS started in a
/// temporary folder: the table read back with psql equals the CSV of the same command, the
/// id and level are the key, the zones' geometry is there when asked, and the metadata row
/// holds the sidecar's columns.
final class VectorPostGISTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    nonisolated(unsafe) static var setupError = ""
    let dir = "vector/"

    override class func setUp() {
        super.setUp()
        do { server = try PostgresServer() } catch { server = nil; setupError = "\(error)" }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func testVectorTableEqualsItsCSV() throws {
        guard let s = Self.server else { return XCTFail("PostgreSQL did not start: \(Self.setupError)") }
        let args = ["vector", "--zones", Fixtures.path(dir + "zones.geojson"), "--id", "TS_PCODE", "--quiet",
                    "--points", "schools=" + Fixtures.path(dir + "schools.csv"), "--count-by", "schools=level",
                    "--lines", "roads=" + Fixtures.path(dir + "roads.geojson"), "--rollup", "DT_PCODE"]
        let csvPath = Fixtures.tempDir() + "/v.csv"
        let c = try runGeotool(args + ["-o", csvPath])
        XCTAssertEqual(c.status, 0, c.stderr)
        let r = try runGeotool(args + ["-o", s.output, "--table", "tdi", "--geometry"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var csv = try Table.readCSV(path: csvPath)
        let back = Fixtures.tempDir() + "/back.csv"
        let cols = csv.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try s.psql("SELECT \(cols) FROM tdi ORDER BY \"TS_PCODE\" COLLATE \"C\", level COLLATE \"C\"", csv: true)
            .write(toFile: back, atomically: true, encoding: .utf8)
        let db = try Table.readCSV(path: back)
        func key(_ r: [TableCell]) -> [UInt8] {
            guard case .text(let id) = r[0], case .text(let level) = r[1] else { return [] }
            return Array((id + "\u{0}" + level).utf8)
        }
        csv.rows.sort { key($0).lexicographicallyPrecedes(key($1)) }
        XCTAssertEqual(db.columns, csv.columns)
        XCTAssertEqual(db.rows.count, 5 + 3)
        for (a, b) in zip(db.rows, csv.rows) { XCTAssertEqual(a, b) }   // numbers exactly: float8 holds a double
        // The id and the level are the key; every row has a geometry (a district the union of its zones).
        let pk = try s.psql("""
            SELECT string_agg(k.column_name, ',' ORDER BY k.ordinal_position) FROM information_schema.table_constraints c
            JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
            WHERE c.table_name = 'tdi' AND c.constraint_type = 'PRIMARY KEY'
            """)
        XCTAssertEqual(pk, "TS_PCODE,level")
        XCTAssertEqual(try s.psql("SELECT count(*) FROM tdi WHERE geom IS NOT NULL"), "8")
        // D1 = MMR001 + MMR002: its geometry's area is theirs (PostGIS's own geodesic area).
        let area = try s.psql("SELECT round((ST_Area(geom::geography) / (SELECT sum(ST_Area(geom::geography)) FROM tdi WHERE \"TS_PCODE\" IN ('MMR001', 'MMR002')))::numeric, 9) FROM tdi WHERE \"TS_PCODE\" = 'D1'")
        XCTAssertEqual(area, "1.000000000")
        // The metadata row describes the same columns as the CSV's sidecar.
        let meta = try s.psql("SELECT metadata FROM geokit_metadata WHERE table_name = 'tdi'")
        let pkg = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(meta.utf8)) as? [String: Any])
        let side = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: csvPath + ".datapackage.json"))) as? [String: Any])
        func fields(_ p: [String: Any]) -> NSArray? { ((p["resources"] as? [[String: Any]])?.first?["schema"] as? [String: Any])?["fields"] as? NSArray }
        XCTAssertEqual(fields(pkg), fields(side))
    }
}
