import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Zones read in ranges on several threads (`readZones(threads:minFeaturesPerRange:)`) are
/// exactly the zones one reader reads: same order, indexes, ids, attributes, coordinates,
/// points, lines, WKB and warnings, on every kind of layer, and the same error when a feature
/// is refused. Layers are written by the tests with ogr2ogr; a small minimum per range (7)
/// cuts a layer of a few hundred features into 8 or 12 ranges.
final class ParallelZoneReadTests: XCTestCase {
    private let minPerRange = 7

    /// Run a GDAL program; its failure fails the test.
    @discardableResult
    private func gdal(_ name: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try runProcess("/usr/bin/" + name, args)
        XCTAssertEqual(r.status, 0, "\(name) \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r.stdout
    }

    /// A temporary folder, removed after the test.
    private func tempDir() -> String {
        let d = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    // MARK: layers

    private typealias XY = (Double, Double)

    private func ring(_ pts: [XY], close: Bool = true) -> String {
        let all = close ? pts + [pts[0]] : pts
        return "[" + all.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]"
    }
    private func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [XY] { [(x, y), (x + w, y), (x + w, y + h), (x, y + h)] }
    /// Counter-clockwise, as a hole inside `box(x, y, w, h)` goes the other way round.
    private func hole(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [XY] { box(x, y, w, h).reversed() }
    private func polygon(_ rings: [[XY]]) -> String { "{\"type\":\"Polygon\",\"coordinates\":[\(rings.map { ring($0) }.joined(separator: ","))]}" }
    private func multiPolygon(_ polys: [[[XY]]]) -> String {
        "{\"type\":\"MultiPolygon\",\"coordinates\":[\(polys.map { "[" + $0.map { ring($0) }.joined(separator: ",") + "]" }.joined(separator: ","))]}"
    }

    /// Polygons of varied shape (rectangles, holes, multipolygons, 80-point stars that go
    /// through GEOS, triangles) on a grid of `step` from (x0, y0).
    private func shape(_ i: Int, x0: Double, y0: Double, step: Double) -> String {
        let x = x0 + Double(i % 20) * step, y = y0 + Double(i / 20) * step
        let w = step * (0.5 + 0.3 * Double(i % 7) / 7)
        switch i % 6 {
        case 0: return polygon([box(x, y, w, w * 0.8)])
        case 1: return polygon([box(x, y, w, w), hole(x + w * 0.25, y + w * 0.25, w * 0.5, w * 0.4)])
        case 2: return multiPolygon([[box(x, y, w / 3, w / 3)], [box(x + w / 2, y + w / 2, w / 3, w / 2)]])
        case 3:
            let star: [XY] = (0..<80).map { k in
                let a = Double(k) * .pi / 40, r = (k % 2 == 0 ? 0.5 : 0.3) * w
                return (x + w / 2 + r * cos(a), y + w / 2 + r * sin(a))
            }
            return polygon([star])
        case 4: return polygon([[(x, y), (x + w, y), (x + w / 2, y + w)]])
        default: return multiPolygon([[box(x, y, w * 0.6, w), hole(x + w * 0.15, y + w * 0.25, w * 0.2, w * 0.3)], [box(x + w * 0.7, y + w * 0.7, w / 4, w / 4)]])
        }
    }

    /// Properties of feature `i`: an integer code (1000 + i), a name in Myanmar script, and a
    /// P-code version from feature 30 on (the layer's version is then feature 30's).
    private func properties(_ i: Int) -> String {
        "{\"code\":\(1000 + i),\"name\":\"ရန်ကုန် မြို့နယ် \(i)\",\"pcode_v\":\(i >= 30 ? "\"v\(i)\"" : "null")}"
    }

    /// A layer written from GeoJSON features (properties, geometry or nil) with ogr2ogr.
    @discardableResult
    private func layer(_ path: String, _ features: [(String, String?)], srs: String = "EPSG:4326", options: [String] = []) throws -> String {
        let src = path + ".src.geojson"
        let body = features.map { "{\"type\":\"Feature\",\"properties\":\($0.0),\"geometry\":\($0.1 ?? "null")}" }
        try ("{\"type\":\"FeatureCollection\",\"features\":[\n" + body.joined(separator: ",\n") + "]}").write(toFile: src, atomically: true, encoding: .utf8)
        try gdal("ogr2ogr", ["-a_srs", srs, "-nln", "zones", path, src] + options)
        return path
    }

    private func polygons(_ n: Int, x0: Double = 92, y0: Double = 10, step: Double = 0.3) -> [(String, String?)] {
        (0..<n).map { (properties($0), shape($0, x0: x0, y0: y0, step: step)) }
    }

    // MARK: comparing reads

    private func rings(_ m: MultiPolygon) -> [[[Point]]] { m.polygons.map { [$0.shell.points] + $0.holes.map(\.points) } }

    /// What differs between two zones, or nil.
    private func difference(_ a: Zone, _ b: Zone) -> String? {
        if a.index != b.index { return "index \(a.index) vs \(b.index)" }
        if a.id != b.id { return "id \(a.id) vs \(b.id)" }
        if a.attributes != b.attributes { return "attributes \(a.attributes) vs \(b.attributes)" }
        if rings(a.geometry) != rings(b.geometry) { return "geometry" }
        if a.points != b.points { return "points \(a.points) vs \(b.points)" }
        if a.lines != b.lines { return "lines" }
        if a.isBufferedPoint != b.isBufferedPoint { return "isBufferedPoint" }
        if a.wkb != b.wkb { return "wkb" }
        return nil
    }

    /// Read with one thread, then with 2 and 3 threads and small ranges: every read equals
    /// the first. `parallel` (when given) is whether 3 readers really read the layer in
    /// ranges rather than falling back to one. Returns the one-thread read.
    @discardableResult
    private func assertRangesReadAsOne(_ path: String, layer: String? = nil, parallel: Bool?, file: StaticString = #filePath, line: UInt = #line,
                                       _ read: (VectorDataset, Int, Int) throws -> ZoneLayer) throws -> ZoneLayer {
        let serial = try read(VectorDataset(path: path), 1, 4096)
        for threads in [2, 3] {
            let ranged = try read(VectorDataset(path: path), threads, minPerRange)
            let what = "\(URL(fileURLWithPath: path).lastPathComponent), \(threads) threads"
            XCTAssertEqual(ranged.zones.count, serial.zones.count, "\(what): zone count", file: file, line: line)
            if let (k, why) = zip(serial.zones, ranged.zones).enumerated().lazy.compactMap({ k, p in self.difference(p.0, p.1).map { (k, $0) } }).first {
                XCTFail("\(what): zone \(k) differs: \(why)", file: file, line: line)
            }
            XCTAssertEqual(ranged.warnings.map(\.message), serial.warnings.map(\.message), "\(what): warnings", file: file, line: line)
            XCTAssertEqual(ranged.pcodeVersion, serial.pcodeVersion, "\(what): P-code version", file: file, line: line)
        }
        if let parallel {
            XCTAssertEqual(try VectorDataset(path: path).readsInParallel(layer: layer, threads: 3, minFeaturesPerRange: minPerRange), parallel,
                           "\(path): read in ranges", file: file, line: line)
        }
        return serial
    }

    private func codes(_ l: ZoneLayer) -> [Int] { l.zones.map { Int($0.id) ?? -1 } }

    // MARK: 1. layers read in ranges equal one reader's read

    func testDenseGeoPackageReadsInFIDRangesAsOneReaderDoes() throws {
        let gpkg = try layer(tempDir() + "/dense.gpkg", polygons(200))
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], keepWKB: true, threads: threads, minFeaturesPerRange: min)
        }
        // The features as written: ids, Myanmar names and the first P-code version in layer order.
        XCTAssertEqual(codes(serial), Array(1000..<1200))
        XCTAssertEqual(serial.zones[57].attributes, ["ရန်ကုန် မြို့နယ် 57"])
        XCTAssertEqual(serial.pcodeVersion, "v30")
        XCTAssertEqual(serial.zones.map(\.index), Array(0..<200))
        XCTAssertEqual(serial.zones.filter { $0.geometry.polygons.count == 2 }.count, (0..<200).filter { $0 % 6 == 2 || $0 % 6 == 5 }.count)
    }

    func testSQLiteTableReadsInFIDRangesAsOneReaderDoes() throws {
        let db = try layer(tempDir() + "/zones.sqlite", polygons(200), options: ["-f", "SQLite"])
        try gdal("ogrinfo", [db, "-sql", "DELETE FROM zones WHERE ogc_fid % 5 = 0"])
        let serial = try assertRangesReadAsOne(db, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], keepWKB: true, threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), (0..<200).filter { ($0 + 1) % 5 != 0 }.map { 1000 + $0 })
    }

    /// Ranges come in whole rounds of the workers (a worker reuses its handle from range to
    /// range), at most 4 per worker, and none below twice the minimum.
    func testRangeCountIsWholeRoundsOfTheWorkers() {
        // 13,726 village tracts on 2 workers: 3 ranges of 4,096 or more left one worker idle
        // for the last third; 4 ranges give each two.
        XCTAssertEqual(layerRangeCount(total: 13_726, threads: 2, minPerRange: 4096), 4)
        XCTAssertEqual(layerRangeCount(total: 13_726, threads: 3, minPerRange: 4096), 3)
        XCTAssertEqual(layerRangeCount(total: 20_000, threads: 3, minPerRange: 4096), 6)
        XCTAssertEqual(layerRangeCount(total: 200_000, threads: 2, minPerRange: 4096), 8)
        XCTAssertEqual(layerRangeCount(total: 8192, threads: 2, minPerRange: 4096), 2)
        XCTAssertEqual(layerRangeCount(total: 8191, threads: 2, minPerRange: 4096), 1)
        XCTAssertEqual(layerRangeCount(total: 30, threads: 3, minPerRange: 0), 12)
    }

    func testNoMinimumPerRangeCutsTheLayerIntoFourRangesPerThread() throws {
        let gpkg = try layer(tempDir() + "/small.gpkg", polygons(30))
        try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, _ in
            try ds.readZones(idField: "code", threads: threads, minFeaturesPerRange: threads == 1 ? 4096 : 0)
        }
        XCTAssertTrue(try VectorDataset(path: gpkg).readsInParallel(threads: 3, minFeaturesPerRange: 0))
    }

    func testGeoPackageWithFIDGapsReadsInRangesFoundByOffset() throws {
        // A FID column named as ArcGIS names it, not "fid".
        let gpkg = try layer(tempDir() + "/gaps.gpkg", polygons(200), options: ["-lco", "FID=OBJECTID"])
        try gdal("ogrinfo", [gpkg, "-sql", "DELETE FROM zones WHERE OBJECTID % 3 = 0"])
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name", "code"], keepWKB: true, threads: threads, minFeaturesPerRange: min)
        }
        // FIDs 1...200 as written: feature i has FID i + 1, and those with FID divisible by 3 are gone.
        XCTAssertEqual(codes(serial), (0..<200).filter { ($0 + 1) % 3 != 0 }.map { 1000 + $0 })
        XCTAssertEqual(serial.zones.map(\.index), Array(0..<serial.zones.count))
    }

    func testShapefileReadsInRangesFromItsIndex() throws {
        let shp = try layer(tempDir() + "/zones.shp", polygons(200), options: ["-lco", "ENCODING=UTF-8"])
        let serial = try assertRangesReadAsOne(shp, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], keepWKB: true, threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), Array(1000..<1200))
        XCTAssertEqual(serial.zones[199].attributes, ["ရန်ကုန် မြို့နယ် 199"])
    }

    func testFlatGeobufAndGeoJSONReadAsOneReaderDoes() throws {
        // GeoJSON is read by one reader: every handle would parse the whole file again.
        let dir = tempDir()
        for (path, parallel) in [(try layer(dir + "/zones.fgb", polygons(200)), nil), (try layer(dir + "/zones.geojson", polygons(200)), false)] {
            let serial = try assertRangesReadAsOne(path, parallel: parallel) { ds, threads, min in
                try ds.readZones(idField: "code", includeFields: ["name"], keepWKB: true, threads: threads, minFeaturesPerRange: min)
            }
            // FlatGeobuf's spatial index orders the features by place.
            XCTAssertEqual(Set(codes(serial)), Set(1000..<1200))
        }
    }

    func testLatin1ShapefileWithoutCPGCountsItsTextOnce() throws {
        // Names in Latin-1 and no .cpg: every range's reader counts the values it decoded,
        // and the one warning counts them all.
        let dir = tempDir()
        let features: [(String, String?)] = (0..<200).map { i in
            ("{\"code\":\(1000 + i),\"name\":\"S\u{E3}o Jos\u{E9} \(i)\"}", shape(i, x0: 92, y0: 10, step: 0.3))
        }
        let shp = try layer(dir + "/latin1.shp", features, options: ["-lco", "ENCODING=ISO-8859-1"])
        try FileManager.default.removeItem(atPath: dir + "/latin1.cpg")
        let serial = try assertRangesReadAsOne(shp, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(serial.zones[123].attributes, ["S\u{E3}o Jos\u{E9} 123"])
        XCTAssertEqual(serial.warnings.filter { $0.message.contains("'name' (200 value(s))") }.count, 1, "\(serial.warnings)")
    }

    func testShapefileWithADeletedRecordFallsBackToOneReader() throws {
        let shp = try layer(tempDir() + "/zones.shp", polygons(200), options: ["-lco", "ENCODING=UTF-8"])
        // Marked deleted in the .dbf and kept (GDAL would otherwise repack the file on closing).
        try gdal("ogrinfo", ["-oo", "AUTO_REPACK=NO", shp, "-dialect", "sqlite", "-sql", "DELETE FROM zones WHERE code = 1090"])
        let serial = try assertRangesReadAsOne(shp, parallel: false) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), Array(1000..<1200).filter { $0 != 1090 })
        XCTAssertEqual(serial.zones.map(\.index), Array(0..<199))
    }

    func testGeoPackageWithAStaleFeatureCountFallsBackToOneReader() throws {
        // A GeoPackage whose feature count was not kept up to date (another tool deleted a
        // row): 200 counted, FIDs 1...200 with FID 4 missing, which looks dense.
        let gpkg = try layer(tempDir() + "/stale.gpkg", polygons(200))
        try gdal("ogrinfo", [gpkg, "-sql", "DELETE FROM zones WHERE fid = 4"])
        try gdal("ogrinfo", [gpkg, "-sql", "UPDATE gpkg_ogr_contents SET feature_count = 200 WHERE table_name = 'zones'"])
        let serial = try assertRangesReadAsOne(gpkg, parallel: false) { ds, threads, min in
            try ds.readZones(idField: "code", threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), Array(1000..<1200).filter { $0 != 1003 })
    }

    func testGeoPackageViewInItsOwnOrderIsReadAsOneReaderDoes() throws {
        // A view listing FIDs 101...200 before 1...100: each FID range is in order, the whole is not.
        let gpkg = try layer(tempDir() + "/view.gpkg", polygons(200))
        for sql in ["CREATE VIEW later_first AS SELECT fid, geom, code, name FROM zones ORDER BY fid > 100 DESC, fid",
                    "INSERT INTO gpkg_contents (table_name, identifier, data_type, srs_id) VALUES ('later_first', 'later_first', 'features', 4326)",
                    "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES ('later_first', 'geom', 'GEOMETRY', 4326, 0, 0)"] {
            try gdal("ogrinfo", [gpkg, "-sql", sql])
        }
        let serial = try assertRangesReadAsOne(gpkg, layer: "later_first", parallel: false) { ds, threads, min in
            try ds.readZones(layer: "later_first", idField: "code", includeFields: ["name"], threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), Array(1100..<1200) + Array(1000..<1100))
    }

    func testWarningOnOpeningIsGivenOnceNotOncePerRange() throws {
        // GDAL warns on opening a GeoPackage whose application_id is not GeoPackage's.
        let gpkg = try layer(tempDir() + "/appid.gpkg", polygons(200))
        try gdal("ogrinfo", [gpkg, "-sql", "PRAGMA application_id = 1234"])
        for threads in [1, 3] {
            _ = GDALMessages.shared.drain()
            _ = try VectorDataset(path: gpkg).readZones(idField: "code", threads: threads, minFeaturesPerRange: minPerRange)
            let said = GDALMessages.shared.drain().filter { $0.message.contains("application_id") }
            XCTAssertEqual(said.count, 1, "\(threads) threads: \(said)")
        }
        XCTAssertTrue(try VectorDataset(path: gpkg).readsInParallel(threads: 3, minFeaturesPerRange: minPerRange))
    }

    func testGDALWarningWhileReadingIsGivenAsOneReaderGivesIt() throws {
        // GDAL warns of invalid dates in a GeoPackage once per handle: once on one reader.
        let gpkg = try layer(tempDir() + "/dates.gpkg", polygons(200))
        try gdal("ogrinfo", [gpkg, "-sql", "ALTER TABLE zones ADD COLUMN surveyed DATETIME"])
        try gdal("ogrinfo", [gpkg, "-sql", "UPDATE zones SET surveyed = 'not a date ' || fid WHERE fid IN (8, 190)"])
        var said: [[String]] = []
        for threads in [1, 3] {
            _ = GDALMessages.shared.drain()
            // The date field is read (an include field): fields a run does not need are not.
            _ = try VectorDataset(path: gpkg).readZones(idField: "code", includeFields: ["surveyed"], threads: threads, minFeaturesPerRange: minPerRange)
            said.append(GDALMessages.shared.drain().map(\.message).filter { $0.contains("not a date") })
        }
        XCTAssertEqual(said[1], said[0])
        XCTAssertEqual(said[0].count, 1, "\(said[0])")
        XCTAssertFalse(try VectorDataset(path: gpkg).readsInParallel(threads: 3, minFeaturesPerRange: minPerRange))
    }

    func testDefectiveFeaturesWarnInLayerOrder() throws {
        // Every 10th feature has no geometry, every 7th from the 3rd is a bow-tie, every 9th
        // from the 4th has an unclosed ring, and two lie at 962 degrees east (a typo).
        let n = 120
        var expected: [String] = []
        let features: [(String, String?)] = (0..<n).map { i in
            let x = 92 + Double(i % 20) * 0.3, y = 10 + Double(i / 20) * 0.3, w = 0.2
            let label = "feature \(i) (code=\(1000 + i))"
            if i % 10 == 0 { expected.append("\(label): no geometry"); return (properties(i), nil) }
            if i == 33 || i == 87 { expected.append("\(label): coordinates out of range"); return (properties(i), polygon([box(x + 870, y, w, w)])) }
            if i % 7 == 3 {
                expected.append("\(label): invalid geometry")
                return (properties(i), polygon([[(x, y), (x + w, y + w), (x + w, y), (x, y + w)]]))
            }
            if i % 9 == 4 {
                expected.append("\(label): 1 ring(s) not closed")
                return (properties(i), "{\"type\":\"Polygon\",\"coordinates\":[\(ring(box(x, y, w, w), close: false))]}")
            }
            return (properties(i), shape(i, x0: 92, y0: 10, step: 0.3))
        }
        let gpkg = try layer(tempDir() + "/defects.gpkg", features)
        let utm47 = try SpatialReference(definition: "EPSG:32647")
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", target: utm47, keepWKB: true, threads: threads, minFeaturesPerRange: min)
        }
        // One warning per defective feature, in layer order, each naming its feature.
        let got = serial.warnings.filter { $0.kind == .geometry }.map(\.message)
        XCTAssertEqual(got.count, expected.count, "\(got)")
        for (g, e) in zip(got, expected) { XCTAssertTrue(g.hasPrefix(e), "\(g) should start with \(e)") }
        XCTAssertEqual(serial.zones.filter(\.isEmpty).count, n / 10 + 2)
    }

    func testProjectedZonesAreTransformedByEachReader() throws {
        // UTM 47N metres (20 km grid around 99 E, 13.5 N), read into WGS 84 degrees.
        let shp = try layer(tempDir() + "/utm.shp", polygons(200, x0: 500_000, y0: 1_500_000, step: 20_000), srs: "EPSG:32647",
                            options: ["-lco", "ENCODING=UTF-8"])
        let wgs84 = try SpatialReference(definition: "EPSG:4326")
        let serial = try assertRangesReadAsOne(shp, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], target: wgs84, threads: threads, minFeaturesPerRange: min)
        }
        // Transformed: degrees near 99 E, 13.5-14.9 N (the layer spans 10 rows of 20 km).
        let b = serial.zones[0].bounds
        XCTAssertEqual(b.xmin, 99, accuracy: 0.01)
        XCTAssertEqual(b.ymin, 13.568, accuracy: 0.001)
    }

    func testPointAndLineZonesAndBufferedPoints() throws {
        let dir = tempDir()
        let features: [(String, String?)] = (0..<150).map { i in
            let x = 92 + Double(i % 20) * 0.3, y = 10 + Double(i / 20) * 0.3
            switch i % 5 {
            case 0: return (properties(i), "{\"type\":\"Point\",\"coordinates\":[\(x),\(y)]}")
            case 1: return (properties(i), "{\"type\":\"MultiPoint\",\"coordinates\":[[\(x),\(y)],[\(x + 0.1),\(y + 0.05)]]}")
            case 2: return (properties(i), "{\"type\":\"LineString\",\"coordinates\":[[\(x),\(y)],[\(x + 0.2),\(y + 0.1)],[\(x + 0.1),\(y + 0.25)]]}")
            case 3: return (properties(i), "{\"type\":\"MultiLineString\",\"coordinates\":[[[\(x),\(y)],[\(x + 0.2),\(y)]],[[\(x),\(y + 0.1)],[\(x + 0.2),\(y + 0.2)]]]}")
            default: return (properties(i), shape(i, x0: 92, y0: 10, step: 0.3))
            }
        }
        let mixed = try layer(dir + "/mixed.gpkg", features)
        let utm47 = try SpatialReference(definition: "EPSG:32647")
        let serial = try assertRangesReadAsOne(mixed, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", target: utm47, keepWKB: true, pointsAndLines: true, threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(serial.zones.filter { !$0.points.isEmpty }.count, 60)
        XCTAssertEqual(serial.zones.filter { !$0.lines.isEmpty }.count, 60)

        let points = try layer(dir + "/points.gpkg", features.enumerated().filter { $0.offset % 5 < 2 }.map(\.element))
        let buffered = try assertRangesReadAsOne(points, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", target: utm47, pointsAndLines: true, buffer: 1000, threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(buffered.zones.count, 60)
        XCTAssertTrue(buffered.zones.allSatisfy(\.isBufferedPoint))
        // A disc of 1 km: about pi km^2 in UTM metres (the polygon is inscribed, and 7 degrees
        // west of zone 47's meridian UTM scales areas by about 1.4%).
        XCTAssertEqual(buffered.zones[0].geometry.area, .pi * 1e6, accuracy: 0.03 * .pi * 1e6)
    }

    func testWhereFilterReadsAsOneReaderDoes() throws {
        let gpkg = try layer(tempDir() + "/dense.gpkg", polygons(200))
        let serial = try assertRangesReadAsOne(gpkg, parallel: nil) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], filter: "code % 3 <> 0", threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(codes(serial), (1000..<1200).filter { $0 % 3 != 0 })
        XCTAssertEqual(serial.zones.map(\.index), Array(0..<serial.zones.count))
    }

    // MARK: 2. the error named is the first in layer order

    private func pointsWithLines(at lines: Set<Int>) -> [(String, String?)] {
        (0..<200).map { i in
            let x = 92 + Double(i % 20) * 0.3, y = 10 + Double(i / 20) * 0.3
            return (properties(i), lines.contains(i) ? "{\"type\":\"LineString\",\"coordinates\":[[\(x),\(y)],[\(x + 0.2),\(y + 0.1)]]}"
                                                      : "{\"type\":\"Point\",\"coordinates\":[\(x),\(y)]}")
        }
    }

    private func bufferError(_ path: String, threads: Int) -> String {
        do {
            _ = try VectorDataset(path: path).readZones(idField: "code", pointsAndLines: true, buffer: 1000, threads: threads, minFeaturesPerRange: minPerRange)
            return "no error"
        } catch { return "\(error)" }
    }

    func testBufferedLineErrorNamesTheFirstLineInLayerOrder() throws {
        let gpkg = try layer(tempDir() + "/lines.gpkg", pointsWithLines(at: [5, 150]))
        for threads in [1, 2, 3] {
            let e = bufferError(gpkg, threads: threads)
            XCTAssertTrue(e.contains("feature 5 (code=1005) is a line"), "\(threads) threads: \(e)")
        }
    }

    func testLinesOnlyLayerIsRefusedAlikeOnThreeThreads() throws {
        // Without pointsAndLines a layer of lines only is refused once every reader's counts are joined.
        let gpkg = try layer(tempDir() + "/lines.gpkg", pointsWithLines(at: Set(0..<200)))
        var errors: [String] = []
        for threads in [1, 3] {
            do {
            _ = try VectorDataset(path: gpkg).readZones(idField: "code", threads: threads, minFeaturesPerRange: minPerRange)
                errors.append("no error")
            } catch { errors.append("\(error)") }
        }
        XCTAssertEqual(errors[1], errors[0])
        XCTAssertTrue(errors[0].contains("has 200 point or line feature(s) and no polygon"), errors[0])
    }

    func testBufferedLineErrorAfterAMissingRowNamesItsPosition() throws {
        // A stale count (200) over FIDs 1...200 less FID 4 looks dense: ranges planned by FID
        // are one position off after the gap. The line written 151st is the 150th feature read.
        let gpkg = try layer(tempDir() + "/stale.gpkg", pointsWithLines(at: [150]))
        try gdal("ogrinfo", [gpkg, "-sql", "DELETE FROM zones WHERE fid = 4"])
        try gdal("ogrinfo", [gpkg, "-sql", "UPDATE gpkg_ogr_contents SET feature_count = 200 WHERE table_name = 'zones'"])
        for threads in [1, 2, 3] {
            let e = bufferError(gpkg, threads: threads)
            XCTAssertTrue(e.contains("feature 149 (code=1150) is a line"), "\(threads) threads: \(e)")
        }
    }

    // MARK: 3. geotool zonal on one or two threads

    func testZonalOnTwoThreadsWritesTheSameTableAsOnOne() throws {
        let dir = tempDir()
        let raster = Fixtures.path("mimu/rainfall_dekad.tif")
        // The raster's grid as GDAL reports it (JSON numbers print every digit of a double).
        let info = try JSONSerialization.jsonObject(with: Data(try gdal("gdalinfo", ["-json", raster]).utf8)) as! [String: Any]
        let gt = (info["geoTransform"] as! [NSNumber]).map(\.doubleValue)
        // A fishnet of 100 x 92 squares, each exactly one cell (columns 0-99, rows 150-241).
        let cols = 0..<100, rows = 150..<242
        var csv = "id,WKT\n"
        for r in rows {
            for c in cols {
                let x0 = gt[0] + Double(c) * gt[1], x1 = gt[0] + Double(c + 1) * gt[1]
                let y0 = gt[3] + Double(r) * gt[5], y1 = gt[3] + Double(r + 1) * gt[5]
                csv += "C\(c)_R\(r),\"POLYGON((\(x0) \(y0),\(x1) \(y0),\(x1) \(y1),\(x0) \(y1),\(x0) \(y0)))\"\n"
            }
        }
        try csv.write(toFile: dir + "/fishnet.csv", atomically: true, encoding: .utf8)
        let zones = dir + "/fishnet.gpkg"
        try gdal("ogr2ogr", ["-a_srs", "EPSG:4326", "-nln", "fishnet", "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO", zones, dir + "/fishnet.csv"])
        XCTAssertTrue(try VectorDataset(path: zones).readsInParallel(threads: 2, minFeaturesPerRange: 4096), "9,200 zones are read in 2 ranges")

        var outputs: [Data] = []
        for threads in ["1", "2"] {
            let out = dir + "/t\(threads).csv"
            let r = try runGeotool(["zonal", "--zones", zones, "--id", "id", "--raster", "rain=\(raster)", "--stats", "count,sum,mean",
                                    "--threads", threads, "--quiet", "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(outputs[0], outputs[1], "the tables of 1 and 2 threads are byte-identical")

        let lines = String(decoding: outputs[1], as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.first, ["id", "rain_count", "rain_sum", "rain_mean"])
        XCTAssertEqual(lines.count, 1 + cols.count * rows.count)
        // A square on one cell: count 1, sum and mean the cell's value (gdallocationinfo's),
        // or nothing on a nodata cell.
        var checkedValues = 0
        for (c, r) in [(0, 150), (37, 171), (62, 205), (99, 241), (80, 150), (5, 230)] {
            let v = Double(try gdal("gdallocationinfo", ["-valonly", raster, "\(c)", "\(r)"]).trimmingCharacters(in: .whitespacesAndNewlines))!
            guard let row = lines.first(where: { $0[0] == "C\(c)_R\(r)" }) else { XCTFail("no row C\(c)_R\(r)"); continue }
            if v == -9999 {
                XCTAssertEqual(row[1...].map { Double($0) ?? 0 }, [0, 0, 0], "C\(c)_R\(r) on nodata: \(row)")
                continue
            }
            checkedValues += 1
            assertRelative(Double(row[1]), 1, 1e-9, "C\(c)_R\(r) count")
            assertRelative(Double(row[2]), v, 1e-9, "C\(c)_R\(r) sum")
            assertRelative(Double(row[3]), v, 1e-9, "C\(c)_R\(r) mean")
        }
        XCTAssertGreaterThanOrEqual(checkedValues, 3, "most of the cells checked have values")
    }

    // MARK: 4. GeoPackage ranges read through GDAL's Arrow stream

    /// A convex ring of `n` points (the last repeating the first) around (x, y).
    private func roundRing(_ n: Int, x: Double, y: Double, r: Double) -> [XY] {
        (0..<(n - 1)).map { k in let a = 2 * Double.pi * Double(k) / Double(n - 1); return (x + r * cos(a), y + r * sin(a)) }
    }

    func testArrowStreamMakesTheZonesOGRMakes() throws {
        // polygons(200): boxes (i % 6 == 0) and triangles (i % 6 == 4) are lone simple rings that
        // the stream makes; holes, two-part multipolygons and 80-point stars go through OGR.
        // Some of those lone rings are replaced by features that must go through OGR too.
        var features = polygons(200)
        let x = { (i: Int) in 92 + Double(i % 20) * 0.3 }, y = { (i: Int) in 10 + Double(i / 20) * 0.3 }
        features[10].1 = nil                                                              // no geometry
        features[16].1 = polygon([[(x(16), y(16)), (x(16) + 0.2, y(16) + 0.2), (x(16) + 0.2, y(16)), (x(16), y(16) + 0.2)]])  // bow-tie
        features[24].1 = polygon([box(x(24) + 870, y(24), 0.2, 0.2)])                     // 962 degrees east
        features[40].1 = "{\"type\":\"Polygon\",\"coordinates\":[[[\(x(40)),\(y(40)),5],[\(x(40) + 0.2),\(y(40)),5],[\(x(40) + 0.1),\(y(40) + 0.2),7],[\(x(40)),\(y(40)),5]]]}"  // 3D
        features[60].1 = polygon([roundRing(64, x: x(60), y: y(60), r: 0.1)])           // 64 points: the stream's
        features[66].1 = polygon([roundRing(65, x: x(66), y: y(66), r: 0.1)])           // 65 points: OGR's
        features[72].0 = "{\"code\":null,\"name\":\"no code\",\"pcode_v\":null}"  // a null id: the stream's
        features[84].1 = polygon([[(x(84), y(84)), (x(84) + 0.2, y(84)), (x(84) + 0.2, y(84)), (x(84) + 0.2, y(84) + 0.2), (x(84), y(84) + 0.2)]])  // a repeated point
        // FID and geometry columns named as ArcGIS names them: the stream's columns are found by name.
        let gpkg = try layer(tempDir() + "/stream.gpkg", features, options: ["-lco", "FID=OBJECTID", "-lco", "GEOMETRY_NAME=Shape"])
        // Read for a raster in the layer's CRS: nothing transformed, degrees checked.
        let wgs84 = try SpatialReference(definition: "EPSG:4326")
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name", "code"], target: wgs84, threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(serial.zonesFromStream, 0, "one reader reads OGR's features")
        let streamed = try VectorDataset(path: gpkg).readZones(idField: "code", includeFields: ["name", "code"], target: wgs84, threads: 3,
                                                              minFeaturesPerRange: minPerRange)
        let loneRings = (0..<200).filter { $0 % 6 == 0 || $0 % 6 == 4 }.count
        XCTAssertEqual(loneRings, 67)
        XCTAssertEqual(streamed.zonesFromStream, loneRings - 6, "the lone rings less the six replaced by features OGR must read")
        XCTAssertEqual(streamed.zones[72].id, "")
        XCTAssertEqual(streamed.zones[60].geometry.polygons[0].shell.points.count, 64)
        XCTAssertEqual(streamed.zones[40].geometry.polygons[0].shell.points.map(\.x), [x(40), x(40) + 0.2, x(40) + 0.1, x(40)])
        XCTAssertEqual(streamed.warnings.filter { $0.kind == .geometry }.count, 3, "no geometry, bow-tie, 962 E: \(streamed.warnings.map(\.message))")
        // Kept WKB is OGR's: the stream is not read.
        XCTAssertEqual(try VectorDataset(path: gpkg).readZones(idField: "code", keepWKB: true, threads: 3, minFeaturesPerRange: minPerRange).zonesFromStream, 0)
    }

    func testTextThatIsNotUTF8GoesThroughOGR() throws {
        // SQLite keeps whatever bytes it is given as TEXT: Latin-1 "São José" in every 10th name.
        let gpkg = try layer(tempDir() + "/latin1.gpkg", polygons(200))
        try gdal("ogrinfo", [gpkg, "-sql", "UPDATE zones SET name = CAST(X'53E36F204A6F73E9' AS TEXT) WHERE fid % 10 = 1"])
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["name"], threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(serial.zones[0].attributes, ["S\u{E3}o Jos\u{E9}"])
        XCTAssertEqual(serial.zones[1].attributes, ["ရန်ကုန် မြို့နယ် 1"])
        XCTAssertTrue(serial.warnings.contains { $0.message.contains("'name' (20 value(s))") }, "\(serial.warnings.map(\.message))")
        let streamed = try VectorDataset(path: gpkg).readZones(idField: "code", includeFields: ["name"], threads: 3, minFeaturesPerRange: minPerRange)
        // Lone rings (67) less those with a Latin-1 name (features 0, 10, ..., 190 with i % 6 in {0, 4}).
        let latin1LoneRings = stride(from: 0, to: 200, by: 10).filter { $0 % 6 == 0 || $0 % 6 == 4 }.count
        XCTAssertEqual(streamed.zonesFromStream, 67 - latin1LoneRings)
    }

    func testRealFieldIsReadThroughOGRUnlessLeftOut() throws {
        // A REAL column's text is OGR's formatting of it: the stream does not serve it.
        let gpkg = try layer(tempDir() + "/real.gpkg", polygons(200))
        try gdal("ogrinfo", [gpkg, "-sql", "ALTER TABLE zones ADD COLUMN share REAL"])
        try gdal("ogrinfo", [gpkg, "-sql", "UPDATE zones SET share = fid / 3.0"])
        let serial = try assertRangesReadAsOne(gpkg, parallel: true) { ds, threads, min in
            try ds.readZones(idField: "code", includeFields: ["share"], threads: threads, minFeaturesPerRange: min)
        }
        XCTAssertEqual(Double(serial.zones[3].attributes[0])!, 4.0 / 3.0, accuracy: 1e-12)
        let ds = try VectorDataset(path: gpkg)
        XCTAssertEqual(try ds.readZones(idField: "code", includeFields: ["share"], threads: 3, minFeaturesPerRange: minPerRange).zonesFromStream, 0)
        XCTAssertEqual(try ds.readZones(idField: "code", threads: 3, minFeaturesPerRange: minPerRange).zonesFromStream, 67,
                       "a REAL column no zone needs is left out of the stream")
    }
}
