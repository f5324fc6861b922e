import XCTest
import GeoCore
import GeoGDAL
import GeoJoin
import GeoTestSupport
@testable import GeoVector

/// The typed reads of `geotool vector` (point layers as typed columns, line layers in
/// ranges through the Arrow stream) against the readers they replace: the join's register
/// (every field as OGR's text) and one OGR reader going through the layer. Layers of 48,000
/// features, made here with ogr2ogr from GeoJSON, so that two threads read them in ranges;
/// with null and empty class values, numbers written as text (some not numbers), reals,
/// features without geometry and features of another type, and a Zawgyi class value.
final class TypedReadTests: XCTestCase {
    static let n = 48_000
    var dir = ""

    override func setUpWithError() throws {
        dir = Fixtures.tempDir()
        guard findProgram("ogr2ogr") != nil else { throw XCTSkip("ogr2ogr (gdal-bin) not installed") }
    }

    /// A Zawgyi township name from the corpus (myanmartools sure of it: p > 0.99).
    var zawgyiName: String {
        let strings = Fixtures.json("myanmar/corpus.json")["strings"] as! [[String: Any]]
        return strings.first { s in
            s["source"] as? String == "mimu_zawgyi" && s["truth"] as? String == "zawgyi" && ((s["p"] as? NSNumber)?.doubleValue ?? 0) > 0.99
        }!["text"] as! String
    }

    /// A GeoPackage layer from GeoJSON features (a deterministic sequence, no randomness).
    func gpkg(_ name: String, _ features: [String]) throws -> String {
        let json = dir + "/\(name).geojson", out = dir + "/\(name).gpkg"
        try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",\n") + "]}").write(toFile: json, atomically: true, encoding: .utf8)
        let r = try runProcess(findProgram("ogr2ogr")!, ["-f", "GPKG", "-nln", name, "-nlt", "GEOMETRY", "-a_srs", "EPSG:4326", out, json])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    /// Points over the fixture's five zones (96.0-96.4, 19.0-19.2) and beyond them.
    func pointsLayer() throws -> String {
        let levels = ["\"primary\"", "\"Middle\"", "\"middle \"", "null", "\"\"", "\"high\"", "\"\(zawgyiName)\""]
        let beds = ["\"12\"", "\" 7 \"", "\"n/a\"", "\"\"", "null", "\"3.5\"", "\"1e2\""]
        var f: [String] = []
        for k in 0..<Self.n {
            let x = 95.95 + Double((k * 7919) % 5000) / 10000, y = 18.97 + Double((k * 104729) % 2600) / 10000
            var geometry = #"{"type":"Point","coordinates":[\#(x),\#(y)]}"#
            if k % 997 == 0 { geometry = "null" }
            if k % 1499 == 0 { geometry = #"{"type":"LineString","coordinates":[[\#(x),\#(y)],[\#(x + 0.01),\#(y)]]}"# }
            if k % 1777 == 0 { geometry = #"{"type":"MultiPoint","coordinates":[[\#(x),\#(y)]]}"# }
            let students = k % 11 == 0 ? "null" : String(k % 800)
            let score = Double(k % 1000) / 7
            f.append(#"{"type":"Feature","properties":{"level":\#(levels[k % levels.count]),"students":\#(students),"beds":\#(beds[k % beds.count]),"score":\#(score),"name":"p\#(k)"},"geometry":\#(geometry)}"#)
        }
        return try gpkg("points", f)
    }

    /// Points read as typed columns (in ranges on two threads, by one reader, and with a
    /// filter) give the positions, texts and numbers of the join's register reader.
    func testPointColumnsAreTheRegistersValues() throws {
        let path = try pointsLayer()
        for (threads, filter) in [(2, nil), (1, nil), (2, "students > 100 OR level IS NULL")] as [(Int, String?)] {
            let register = try VectorDataset(path: path).readPoints(layer: nil, filter: filter)
            let typed = try XCTUnwrap(VectorDataset(path: path).readPointColumns(layer: nil, filter: filter, textFields: ["level", "STUDENTS"],
                                                                                 numberFields: ["students", "beds", "score"], threads: threads))
            XCTAssertEqual(typed.ranges > 1, threads == 2 && filter == nil, "threads \(threads), filter \(filter ?? "none"): \(typed.ranges) ranges")
            XCTAssertEqual(typed.count, register.rows.count)
            XCTAssertEqual(typed.crsWKT, register.crsWKT)
            XCTAssertEqual(typed.fieldNames, register.columns)
            let col = { (name: String) in register.columns.firstIndex(of: name)! }
            var points = 0
            for r in 0..<typed.count {
                switch register.positions[r] {
                case .point(let x, let y):
                    XCTAssertEqual(typed.position[r], .point)
                    XCTAssertEqual(typed.x[r].bitPattern, x.bitPattern); XCTAssertEqual(typed.y[r].bitPattern, y.bitPattern)
                    points += 1
                case .missing: XCTAssertEqual(typed.position[r], .missing, "row \(r)")
                case .notPoint: XCTAssertEqual(typed.position[r], .notPoint, "row \(r)")
                }
                XCTAssertEqual(typed.text[0].values[Int(typed.text[0].ids[r])], register.rows[r][col("level")])
                XCTAssertEqual(typed.text[1].values[Int(typed.text[1].ids[r])], register.rows[r][col("students")])
                for (k, name) in ["students", "beds", "score"].enumerated() {
                    let want = PointNumber.value(register.rows[r][col(name)])
                    let got: Double
                    switch typed.numbers[k] {
                    case .values(let v): got = v[r]
                    case .text(let c): got = PointNumber.value(c.values[Int(c.ids[r])])
                    }
                    XCTAssertTrue(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN), "row \(r) \(name): \(got) vs \(want)")
                }
            }
            XCTAssertGreaterThan(points, Self.n / 2)
        }
    }

    /// `geotool vector`'s counts, classes, sums, means and warnings are the register path's,
    /// with --layer-where and without, on one and two threads.
    func testCountsAndSumsAreTheRegisterPaths() throws {
        let path = try pointsLayer()
        for (threads, filter) in [(2, nil), (1, nil), (2, "students > 100 OR level IS NULL")] as [(Int, String?)] {
            func run(typed: Bool) throws -> VectorResult {
                var job = VectorJob(zonesPath: Fixtures.path("vector/zones.geojson"), idField: "TS_PCODE")
                job.rollupFields = ["DT_PCODE"]
                job.threads = threads
                var spec = PointLayerSpec(name: "p", path: path)
                spec.filter = filter
                spec.countBy = ["level"]
                spec.sum = ["students", "beds"]
                spec.mean = ["score", "beds"]
                job.points = [spec]
                job.typedPointLayers = typed
                return try job.run()
            }
            let a = try run(typed: true), b = try run(typed: false)
            XCTAssertEqual(a.columns, b.columns)
            XCTAssertGreaterThan(a.columns.filter { $0.name.hasPrefix("p_count_") }.count, 3)
            XCTAssertEqual(a.units.map(\.id), b.units.map(\.id))
            for (u, v) in zip(a.units, b.units) {
                XCTAssertEqual(u.values.map(\.bitPattern), v.values.map(\.bitPattern), "\(u.id) threads \(threads) filter \(filter ?? "none")")
            }
            XCTAssertEqual(a.warnings.map(\.message), b.warnings.map(\.message))
            XCTAssertTrue(a.warnings.contains { $0.message.contains("are not points") })
            XCTAssertTrue(a.warnings.contains { $0.message.contains("Zawgyi") })
            XCTAssertTrue(a.warnings.contains { $0.message.contains("not numbers") })
            XCTAssertGreaterThan(a.units[0].values[0], 0)
        }
    }

    /// Lines read in ranges through the Arrow stream give one OGR reader's features: the
    /// same WKB (a multi line string of the non-empty parts), boxes and classes; features
    /// without lines skipped alike.
    func testLinesReadInRangesAreOneReadersFeatures() throws {
        var f: [String] = []
        let classes = ["\"track\"", "null", "\"\"", "\"primary\""]
        for k in 0..<Self.n {
            let x = 96.0 + Double((k * 7919) % 4000) / 10000, y = 19.0 + Double((k * 104729) % 2000) / 10000
            var g = #"{"type":"LineString","coordinates":[[\#(x),\#(y)],[\#(x + 0.003),\#(y + 0.001)]]}"#
            if k % 501 == 0 { g = #"{"type":"MultiLineString","coordinates":[[[\#(x),\#(y)],[\#(x + 0.002),\#(y)]],[],[[\#(x),\#(y + 0.01)],[\#(x + 0.001),\#(y)],[\#(x + 0.002),\#(y)]]]}"# }
            if k % 733 == 0 { g = #"{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + 0.01),\#(y)],[\#(x),\#(y + 0.01)],[\#(x),\#(y)]]]}"# }
            if k % 919 == 0 { g = "null" }
            if k % 1201 == 0 { g = #"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[\#(x),\#(y)]},{"type":"LineString","coordinates":[[\#(x),\#(y)],[\#(x),\#(y + 0.002)]]}]}"# }
            f.append(#"{"type":"Feature","properties":{"highway":\#(classes[k % classes.count]),"name":"r\#(k)"},"geometry":\#(g)}"#)
        }
        let path = try gpkg("roads", f)
        let target = try SpatialReference(definition: "EPSG:4326")
        let one = try VectorDataset(path: path).readFeatures(.lines, classField: "highway", target: target, threads: 1)
        let ranges = try VectorDataset(path: path).readFeatures(.lines, classField: "highway", target: target, threads: 2)
        XCTAssertEqual(one.ranges, 0)
        XCTAssertGreaterThan(ranges.ranges, 1)
        XCTAssertEqual(ranges.featureCount, Self.n)
        XCTAssertEqual(ranges.featureCount, one.featureCount)
        XCTAssertEqual(ranges.skipped, one.skipped)
        XCTAssertGreaterThan(one.skipped, 100)
        XCTAssertEqual(ranges.wkb, one.wkb)
        XCTAssertEqual(ranges.boxes.map { [$0.xmin, $0.ymin, $0.xmax, $0.ymax] }, one.boxes.map { [$0.xmin, $0.ymin, $0.xmax, $0.ymax] })
        XCTAssertEqual(ranges.classValues, one.classValues)
        XCTAssertEqual(Set(one.classValues), ["track", "", "primary"])
    }
}
