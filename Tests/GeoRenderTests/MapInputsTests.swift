import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoKit
import GeoRender

/// The work `geotool map` and `report` hand to GeoRender (MapInputs.swift, reportSeries):
/// values worked out by hand from the small tables and layers built here.
final class MapInputsTests: XCTestCase {
    /// Zones A, B, C with no geometry to speak of: only their ids matter to the matching.
    private func zones(_ ids: [String]) -> ZoneLayer {
        let zs = ids.enumerated().map { i, id in Zone(index: i, id: id, attributes: [], geometry: MultiPolygon([])) }
        return ZoneLayer(path: "z.json", layerName: "z", idField: "TS_PCODE", includeFields: [], fieldNames: ["TS_PCODE"],
                         crsWKT: nil, zones: zs, warnings: [], pcodeVersion: nil)
    }

    private func table(_ rows: [(String, Double?)]) -> Table {
        var t = Table(columns: ["TS_PCODE", "rain_mean"])
        t.rows = rows.map { [.text($0.0), $0.1.map { .number($0) } ?? .empty] }
        return t
    }

    func testMatchingWarnsEachProblemThenReturnsTheRows() throws {
        // A has row 1, B none, C row 0; D is a row without a zone.
        let t = table([("C", 3), ("A", 1), ("D", 4)])
        var said: [GeoWarning] = []
        let join = try ZoneTableJoin.matching(zones(["A", "B", "C"]), to: t, level: "", tablePath: "t.csv", zonesPath: "z.json",
                                              tableIDsInError: true) { said.append($0) }
        XCTAssertEqual(join.rowOfZone, [1, nil, 0])
        XCTAssertEqual(said.map(\.message), [
            "1 zone(s) of z.json have no row in t.csv (drawn as no data): B",
            "1 row(s) of t.csv match no zone of z.json (not drawn): D",
        ])
        XCTAssertEqual(join.values(t, column: 1), [1, nil, 3])
    }

    func testNoMatchIsAnErrorAfterTheWarnings() {
        let t = table([("X1", 1)])
        for (withIDs, expected) in [(true, "no zone of z.json matches a township row of t.csv (zone ids like A, table ids like X1)"),
                                    (false, "no zone of z.json matches a township row of t.csv (zone ids like A)")] {
            var said = 0
            XCTAssertThrowsError(try ZoneTableJoin.matching(zones(["A"]), to: t, level: "township", tablePath: "t.csv", zonesPath: "z.json",
                                                            tableIDsInError: withIDs) { _ in said += 1 }) { e in
                XCTAssertEqual((e as? GeoKitError)?.kind, .input)
                XCTAssertEqual((e as? GeoKitError)?.message, expected)
            }
            XCTAssertEqual(said, 2, "the zone without a row and the row without a zone are said first")
        }
    }

    /// A wide table with coverage: A 0.9, B 0.4, C 0.6; zones C, A, B, E (E has no row).
    func testInsufficientZonesAreEmptiedByTheirCoverage() throws {
        let dir = NSTemporaryDirectory() + "mapinputs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/t.csv"
        try "TS_PCODE,rain_mean,rain_coverage\nA,10,0.9\nB,20,0.4\nC,30,0.6\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let model = try IndicatorTable.read(csv, idHint: "TS_PCODE")
        let si = try model.selectSeries(column: "rain_mean")
        let view = model.wideView(level: "", series: [si])
        let join = ZoneTableJoin(table: view.table, zoneIDs: ["C", "A", "B", "E"], idField: nil)
        var values = join.values(view.table, column: view.table.columns.count - 1)
        XCTAssertEqual(values, [30, 10, 20, nil])
        let none = try model.emptyInsufficientZones(&values, series: si, units: view.units, join: join, minCoverage: nil)
        XCTAssertNil(none)
        XCTAssertEqual(values, [30, 10, 20, nil], "without a minimum nothing is emptied")
        let flags = try model.emptyInsufficientZones(&values, series: si, units: view.units, join: join, minCoverage: 0.5)
        XCTAssertEqual(flags, [false, false, true, false], "B's 0.4 is below 0.5; E has no row, so no value to judge")
        XCTAssertEqual(values, [30, 10, nil, nil])
    }

    func testReportSeriesByColumnsOrByIndicatorAndStat() throws {
        let dir = NSTemporaryDirectory() + "mapinputs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/t.csv"
        try "TS_PCODE,rain_mean,rain_sum,ntl_mean,rain_coverage\nA,1,2,3,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let model = try IndicatorTable.read(csv, idHint: "TS_PCODE")
        func labels(_ s: [Int]) -> [String] { s.map { model.series[$0].label } }
        XCTAssertEqual(labels(try model.reportSeries(columns: nil, indicator: nil, stat: nil, tablePath: csv)), ["rain_mean", "rain_sum", "ntl_mean"],
                       "every indicator statistic, no quality column")
        XCTAssertEqual(labels(try model.reportSeries(columns: nil, indicator: "RAIN", stat: nil, tablePath: csv)), ["rain_mean", "rain_sum"])
        XCTAssertEqual(labels(try model.reportSeries(columns: nil, indicator: nil, stat: "mean", tablePath: csv)), ["rain_mean", "ntl_mean"])
        XCTAssertEqual(labels(try model.reportSeries(columns: ["rain_coverage", "ntl_mean"], indicator: "rain", stat: nil, tablePath: csv)),
                       ["rain_coverage", "ntl_mean"], "named columns win, quality ones too")
        XCTAssertThrowsError(try model.reportSeries(columns: nil, indicator: "pop", stat: nil, tablePath: csv)) { e in
            XCTAssertEqual((e as? GeoKitError)?.message, "\(csv): no indicator matches (indicators: rain_mean, rain_sum, ntl_mean)")
        }
    }

    func testDefaultSourceLeavesOutTheZones() {
        XCTAssertNil(defaultMapSource(nil))
        var m = TableMetadata()
        XCTAssertNil(defaultMapSource(m), "no sources, no line")
        m.sources = ["zones, townships.json", "CHIRPS v2", "VIIRS"]
        XCTAssertEqual(defaultMapSource(m), "CHIRPS v2; VIIRS")
        m.sources = ["zones"]
        XCTAssertEqual(defaultMapSource(m), "zones", "only the zones: they are the source")
    }

    func testMissingRsvgConvertIsAnArgumentError() throws {
        let saved = ProcessInfo.processInfo.environment["PATH"]
        setenv("PATH", "/nonexistent", 1)
        defer { if let saved { setenv("PATH", saved, 1) } }
        XCTAssertThrowsError(try MapFile.findRsvgConvert()) { e in
            XCTAssertEqual((e as? GeoKitError)?.kind, .argument)
        }
    }
}
