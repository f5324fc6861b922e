import Foundation
import XCTest
import GeoCore
import GeoKit
import GeoTestSupport

/// The one table model (`IndicatorTable`): every table `geotool zonal` writes reads back to
/// the values of its CSV, with each column's role known.
final class TableModelTests: XCTestCase {
    let stats = "mean,sum,p90,count,coverage,nodata_frac"

    func zonal(_ out: String, format: String) throws {
        let r = try LevelTests.zonal(out, stats: stats, format: format)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func assertSameValues(_ a: IndicatorTable, _ b: IndicatorTable, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.units.map(\.id), b.units.map(\.id), what, file: file, line: line)
        XCTAssertEqual(a.units.map(\.level), b.units.map(\.level), what, file: file, line: line)
        // Names where both have one (a long table also names its roll-up rows; a wide one cannot).
        for (x, y) in zip(a.units, b.units) where !x.name.isEmpty && !y.name.isEmpty {
            XCTAssertEqual(x.name, y.name, what, file: file, line: line)
        }
        XCTAssertEqual(a.series.map(\.label), b.series.map(\.label), what, file: file, line: line)
        XCTAssertEqual(a.series.map(\.isQuality), b.series.map(\.isQuality), what, file: file, line: line)
        guard a.units.count == b.units.count, a.series.map(\.label) == b.series.map(\.label) else { return }
        var compared = 0
        for s in a.series.indices {
            for u in a.units.indices {
                switch (a.values[s][u], b.values[s][u]) {
                case (nil, nil): break
                case let (x?, y?): XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(x)), "\(what): \(a.series[s].label) \(a.units[u].id)", file: file, line: line); compared += 1
                default: XCTFail("\(what): \(a.series[s].label) \(a.units[u].id): \(String(describing: a.values[s][u])) vs \(String(describing: b.values[s][u]))", file: file, line: line)
                }
            }
        }
        XCTAssertGreaterThan(compared, 1000, what, file: file, line: line)
    }

    func testEveryTableZonalWritesReadsBackTheSame() throws {
        let dir = Fixtures.tempDir()
        let ref = dir + "/ref.csv"
        try zonal(ref, format: "wide")
        let wide = try IndicatorTable.read(ref)
        // The wide CSV: its own values, read independently of the model.
        let lines = try String(contentsOfFile: ref, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertTrue(lines[1][0].hasPrefix("#"), "HXL row")
        XCTAssertEqual(wide.units.count, lines.count - 2)
        XCTAssertEqual(wide.shape, .wide)
        for (s, ser) in wide.series.enumerated() {
            let k = lines[0].firstIndex(of: ser.label)!
            for (u, f) in lines.dropFirst(2).enumerated() { XCTAssertEqual(wide.values[s][u], Double(f[k]), "\(ser.label) row \(u)") }
        }
        // Roles.
        // The roll-up table's own name column names every level (TS would leave parents blank).
        XCTAssertEqual(wide.idField, "TS_PCODE"); XCTAssertEqual(wide.nameField, "name")
        XCTAssertEqual(wide.includeFields, ["name", "TS", "DT_PCODE", "ST_PCODE"])
        XCTAssertEqual(wide.units.first { $0.id == "MMR001D001" }?.name, "Myitkyina")
        XCTAssertEqual(wide.units.first { $0.id == "MMR001" }?.name, "Kachin")
        XCTAssertEqual(wide.levels, ["township", "district", "state", "country"])
        XCTAssertEqual(wide.units(at: "township").count, 330); XCTAssertEqual(wide.units(at: "district").count, 80)
        XCTAssertEqual(wide.units(at: "state").count, 18); XCTAssertEqual(wide.units(at: "country").count, 1)
        XCTAssertEqual(wide.series.filter(\.isQuality).map(\.stat), ["count", "coverage", "nodata_frac"])
        XCTAssertEqual(wide.series.filter { !$0.isQuality }.map(\.label), ["rain_mean", "rain_sum", "rain_p90"])
        XCTAssertEqual(Set(wide.series.map(\.indicator)), ["rain"])
        let mean = try wide.selectSeries(column: "rain_mean")
        XCTAssertEqual(try wide.selectSeries(stat: "mean"), mean)
        XCTAssertEqual(wide.roles[0], .id); XCTAssertEqual(wide.roles[1], .level)
        // Outside the raster: the table's sum is empty (issue 28; it was 0), the model's value
        // is no data either way.
        let sum = try wide.selectSeries(column: "rain_sum")
        let kyangin = wide.units.firstIndex { $0.id == "MMR017012" }!
        XCTAssertNil(wide.values[sum][kyangin])
        XCTAssertNil(wide.value(sum, kyangin))
        XCTAssertNotNil(wide.value(try wide.selectSeries(column: "rain_count"), kyangin), "quality columns keep their 0")

        for shape in ["wide", "long"] {
            for ext in ["csv", "xlsx", "gpkg"] {
                let p = dir + "/\(shape).\(ext)"
                try zonal(p, format: shape)
                let t = try IndicatorTable.read(p)
                XCTAssertEqual(t.shape.rawValue, shape, p)
                assertSameValues(wide, t, "\(shape) \(ext)")
                XCTAssertNotNil(t.metadata, "\(p): the sidecar is found")
            }
        }
    }

    /// A GeoPackage whose roll-up rows are in layers `<layer>_<level>` (no level column).
    func testGeoPackageRollupLayers() throws {
        let ogr2ogr = ["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let ogr2ogr else { throw XCTSkip("ogr2ogr (gdal-bin) is not installed") }
        let dir = Fixtures.tempDir()
        let ref = dir + "/ref.csv"
        let r = try LevelTests.zonal(ref, stats: "mean,coverage", hxl: false)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: ref, encoding: .utf8).split(separator: "\n").map(String.init)
        func rows(_ level: String) -> String {
            let keep = lines.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[1] == level }
            return (["TS_PCODE,name,TS,DT_PCODE,ST_PCODE,rain_mean,rain_coverage"] + keep.map { l in
                var f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init); f.remove(at: 1); return f.joined(separator: ",")
            }).joined(separator: "\n") + "\n"
        }
        let gpkg = dir + "/layers.gpkg"
        for (k, level) in ["township", "district", "state"].enumerated() {
            let csv = dir + "/\(level).csv"
            try rows(level).write(toFile: csv, atomically: true, encoding: .utf8)
            let o = try runProcess(ogr2ogr, (k == 0 ? ["-f", "GPKG"] : ["-update"]) + [gpkg, csv, "-nln", k == 0 ? "zonal" : "zonal_\(level)"])
            XCTAssertEqual(o.status, 0, o.stderr)
        }
        let t = try IndicatorTable.read(gpkg)
        XCTAssertEqual(t.levels, ["township", "district", "state"])
        XCTAssertEqual(t.units(at: "district").count, 80)
        let full = try IndicatorTable.read(ref)
        let s = try t.selectSeries(column: "rain_mean"), fs = try full.selectSeries(column: "rain_mean")
        for u in t.units.indices {
            let f = full.units.firstIndex { $0.id == t.units[u].id && $0.level == t.units[u].level }!
            XCTAssertEqual(t.values[s][u], full.values[fs][f], t.units[u].id)
        }
        XCTAssertEqual(try t.level(requested: nil, zonesIDField: "DT_PCODE"), "district")
        XCTAssertEqual(try t.level(requested: nil), "township")
        XCTAssertThrowsError(try t.level(requested: nil, zonesIDField: "VT_PCODE"))
    }

    func testLongSelectionAndBinaryGarbage() throws {
        let dir = Fixtures.tempDir()
        let p = dir + "/long.csv"
        try zonal(p, format: "long")
        let t = try IndicatorTable.read(p)
        XCTAssertEqual(t.shape, .long)
        XCTAssertEqual(t.series.map(\.label), ["rain_mean", "rain_sum", "rain_p90", "rain_count", "rain_coverage", "rain_nodata_frac"])
        XCTAssertThrowsError(try t.selectSeries(indicator: "rain")) { e in
            XCTAssertTrue("\(e)".contains("--stat (mean, sum, p90)"), "\(e)")
        }
        XCTAssertEqual(t.series[try t.selectSeries(indicator: "rain", stat: "coverage")].label, "rain_coverage")
        XCTAssertEqual(t.units.count, 429, "330 townships, 80 districts, 18 states, the country")
        // A binary file that is not a table: one line naming it.
        let bin = dir + "/junk.csv"
        try Data([0x00, 0x01, 0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: bin))
        XCTAssertThrowsError(try IndicatorTable.read(bin)) { e in
            XCTAssertTrue("\(e)".contains(bin) && "\(e)".contains("binary"), "\(e)")
        }
    }
}
