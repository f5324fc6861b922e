import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Hostile rasters: broken files, folders, odd types and nodata values. Values over the
/// 4 x 4 raster `raster16` (value row * 4 + col + 1) and zones A (cols 0-1) and B (cols 2-3)
/// are known by hand: A = 1,2,5,6,9,10,13,14 (mean 7.5), B mean 9.5.
final class HostileRasterTests: HostileTestCase {

    /// Run zonal over a hostile raster that must be refused, naming the raster.
    func refuse(_ raster: String, mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let z = zonesAB(), out = p("out.csv")
        let before = snapshot([raster, z])
        let r = try zonal(z, raster, out)
        assertError(r, names: raster, mentions: mentions, output: out, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testEmptyFileAsRaster() throws {
        try refuse(write("r.tif", bytes: []))
    }

    func testTruncatedGeoTIFF() throws {
        // The rainfall raster cut to a third, over the townships it covers.
        let full = try Data(contentsOf: URL(fileURLWithPath: rain))
        let r = write("r.tif", bytes: [UInt8](full.prefix(full.count / 3))), out = p("out.csv")
        let before = snapshot([r])
        let run = try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "r=\(r)", "--quiet", "-o", out])
        assertError(run, names: r, output: out)
        assertUnchanged(before)
    }

    func testGarbageRaster() throws {
        try refuse(write("r.tif", bytes: garbage(5000)))
    }

    func testGarbageAfterTIFFMagic() throws {
        try refuse(write("r.tif", bytes: [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00] + garbage(3000, seed: 3)))
    }

    func testFolderAsRaster() throws {
        let folder = p("rasters.tif")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try raster16("rasters.tif/inside.tif")
        try refuse(folder)
    }

    func testCSVAsRaster() throws {
        try refuse(write("r.csv", "a,b\n1,2\n"), mentions: ["raster"])
    }

    func testZeroBandRaster() throws {
        let vrt = write("r.vrt", """
        <VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:4326</SRS><GeoTransform>0, 1, 0, 4, 0, -1</GeoTransform></VRTDataset>
        """)
        try refuse(vrt, mentions: ["band"])
    }

    func testComplexRasterRejected() throws {
        let src = try raster16("src.tif")
        try gdal("gdal_translate", ["-q", "-ot", "CFloat32", src, p("c.tif")])
        try refuse(p("c.tif"), mentions: ["complex"])
    }

    func testNaNNodataExcludedAndSidecarValid() throws {
        var v = (1...16).map(Float.init)
        v[0] = .nan; v[5] = .nan   // A's 1 and 6
        let r = try raster("r.tif", cols: 4, rows: 4, values: v, nodata: .nan)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean,min,max,sum")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 53.0 / 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_min"), 2)
        XCTAssertEqual(value(out, "B", "r_mean") ?? -1, 9.5, accuracy: 1e-9)
        assertValidJSON(sidecar(out))
    }

    func testNegativeInfinityNodataExcludedAndSidecarValid() throws {
        var v = (1...16).map(Float.init)
        v[0] = -.infinity; v[5] = -.infinity
        let r = try raster("r.tif", cols: 4, rows: 4, values: v, nodata: -.infinity)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean,min,sum")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 53.0 / 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_min"), 2)
        assertValidJSON(sidecar(out))
    }

    func testNaNCellsWithNumericNodataAreNotCounted() throws {
        var v = (1...16).map(Float.init)
        v[0] = .nan; v[5] = .nan
        let r = try raster("r.tif", cols: 4, rows: 4, values: v, nodata: -9999)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 53.0 / 6, accuracy: 1e-9)
    }

    func testZoneOfOnlyNaNWritesEmptyNotNaN() throws {
        var v = (1...16).map(Float.init)
        for i in [0, 1, 4, 5, 8, 9, 12, 13] { v[i] = .nan }
        let r = try raster("r.tif", cols: 4, rows: 4, values: v, nodata: .nan)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean,min,max,stdev")
        assertSuccess(run, output: out)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertFalse(text.lowercased().contains("nan") || text.lowercased().contains("inf"), text)
        XCTAssertEqual(value(out, "A", "r_count"), 0)
        XCTAssertNil(value(out, "A", "r_mean"))
        assertValidJSON(sidecar(out))
    }

    func testHugeFloat32NodataMatchesCells() throws {
        var v = (1...16).map(Float.init)
        v[0] = .greatestFiniteMagnitude; v[5] = .greatestFiniteMagnitude
        let r = try raster("r.tif", cols: 4, rows: 4, values: v, nodata: Double(Float.greatestFiniteMagnitude))
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean,max")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_max"), 14)
        assertValidJSON(sidecar(out))
    }

    func testHugeFloat64Nodata() throws {
        let big = "1.7976931348623157e308"
        var cells = (1...16).map { String($0) + ".5" }
        cells[0] = big; cells[5] = big
        let asc = write("r.asc", "ncols 4\nnrows 4\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value \(big)\n" +
                        stride(from: 0, to: 16, by: 4).map { cells[$0..<$0 + 4].joined(separator: " ") }.joined(separator: "\n") + "\n")
        try gdal("gdal_translate", ["-q", "--config", "AAIGRID_DATATYPE", "Float64", "-ot", "Float64", "-a_srs", "EPSG:4326", asc, p("r.tif")])
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, p("r.tif"), out, stats: "count,mean")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count") ?? -1, 6, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 53.0 / 6 + 0.5, accuracy: 1e-9)
        assertValidJSON(sidecar(out))
    }

    func testAllNodataGivesEmptyMeanNotZero() throws {
        let r = try raster("r.tif", cols: 4, rows: 4, values: Array(repeating: -9999, count: 16), nodata: -9999)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean,min")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_count"), 0)
        XCTAssertNil(value(out, "A", "r_mean"))
        XCTAssertNil(value(out, "A", "r_min"))
    }

    func testRasterWithoutCRSIsWarned() throws {
        let asc = write("nocrs.asc", "ncols 4\nnrows 4\nxllcorner 0\nyllcorner 0\ncellsize 1\n" +
                        "1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16\n")
        try gdal("gdal_translate", ["-q", "-ot", "Float32", asc, p("nocrs.tif")])
        let z = zonesAB(), out = p("out.csv")
        let before = snapshot([p("nocrs.tif"), z])
        let run = try zonal(z, p("nocrs.tif"), out)
        assertSuccess(run, output: out)
        assertWarning(run, [p("nocrs.tif"), "crs"])
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
        assertUnchanged(before)
    }

    func testInt8MinusFiveEverywhere() throws {
        let src = try raster("src.tif", cols: 4, rows: 4, values: Array(repeating: 251, count: 16))
        try gdal("gdal_translate", ["-q", "-ot", "Byte", "-co", "PIXELTYPE=SIGNEDBYTE", src, p("i8.tif")])
        let info = try runProcess("/usr/bin/gdalinfo", [p("i8.tif")])
        XCTAssertTrue(info.stdout.contains("SIGNEDBYTE"), "GDAL 3.6 wrote a signed byte raster: \(info.stdout)")
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, p("i8.tif"), out, stats: "count,mean,min,max")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_mean") ?? 0, -5, accuracy: 1e-9)
        XCTAssertEqual(value(out, "B", "r_min"), -5)
        XCTAssertEqual(value(out, "B", "r_max"), -5)
    }

    func testInt8SignedRange() throws {
        // Stored bytes 200...215 read as -56...-41; A holds indexes 0,1,4,5,8,9,12,13.
        let src = try raster("src.tif", cols: 4, rows: 4, values: (200...215).map(Float.init))
        try gdal("gdal_translate", ["-q", "-ot", "Byte", "-co", "PIXELTYPE=SIGNEDBYTE", src, p("i8.tif")])
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, p("i8.tif"), out, stats: "mean,min,max")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_mean") ?? 0, -49.5, accuracy: 1e-9)
        XCTAssertEqual(value(out, "A", "r_min"), -56)
        XCTAssertEqual(value(out, "B", "r_max"), -41)
    }

    func testOneByOneRaster() throws {
        let r = try raster("r.tif", cols: 1, rows: 1, values: [7], left: 0, top: 4)
        let z = zones("z.geojson", [("H", [rect(0.5, 3, 1, 4)])]), out = p("out.csv")
        let run = try zonal(z, r, out, stats: "count,mean")
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "H", "r_count") ?? -1, 0.5, accuracy: 1e-9)
        XCTAssertEqual(value(out, "H", "r_mean") ?? -1, 7, accuracy: 1e-9)
    }

    func testSouthUpRaster() throws {
        let src = try raster16("src.tif")
        try gdal("gdal_translate", ["-q", "-a_ullr", "0", "0", "4", "4", src, p("south.tif")])
        // File row 3 (13...16) now lies at lat 3..4.
        let z = zones("z.geojson", [("T", [rect(0, 3, 4, 4)])]), out = p("out.csv")
        let run = try zonal(z, p("south.tif"), out, stats: "count,mean")
        if run.status == 0 {
            XCTAssertEqual(value(out, "T", "r_count") ?? -1, 4, accuracy: 1e-9)
            XCTAssertEqual(value(out, "T", "r_mean") ?? -1, 14.5, accuracy: 1e-9, "south-up rows read upside down")
        } else {
            assertError(run, names: p("south.tif"), output: out)
        }
    }

    func testBandZeroRefused() throws {
        let r = try raster16(), z = zonesAB(), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=\(r):0", "-o", out])
        assertError(run, names: nil, mentions: ["band"], output: out)
    }

    func testRasterOutsideZonesIsWarnedAndEmpty() throws {
        let r = try raster("far.tif", cols: 4, rows: 4, values: (1...16).map(Float.init), left: 50, top: 44)
        let z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertFalse(run.warningLines.isEmpty, "zones outside the raster are warned: \(run)")
        XCTAssertEqual(value(out, "A", "r_count"), 0)
        XCTAssertNil(value(out, "A", "r_mean"))
    }

    func testRasterFolderGetsNoNewFiles() throws {
        try FileManager.default.createDirectory(atPath: p("in"), withIntermediateDirectories: true)
        let r = try raster16("in/r.tif")
        let z = zonesAB(), out = p("out.csv")
        let before = snapshot([p("in")])
        let run = try zonal(z, r, out, stats: "count,mean,median,majority,stdev")
        assertSuccess(run, output: out)
        assertUnchanged(before)
    }

    // MARK: Categorical statistics on a continuous raster (issue 28)

    /// A Float32 raster over Myanmar whose every cell has its own value (600 x 400 cells of
    /// 0.02°): far more than 10,000 distinct values under the townships.
    func continuousRaster() throws -> String {
        let cols = 400, rows = 600
        let values: [Float] = (0..<(cols * rows)).map { (i: Int) -> Float in
            let x = Double(i % cols), y = Double(i / cols)
            let wave: Double = sin(x * 0.37) * cos(y * 0.21) * 1000
            return Float(wave + Double(i) * 1e-3)
        }
        XCTAssertGreaterThan(Set(values).count, 100_000, "the raster really is continuous")
        return try raster("cont.tif", cols: cols, rows: rows, values: values, left: 92, top: 28.5, cell: 0.02)
    }

    func testCategoricalStatisticsRefuseAContinuousRaster() throws {
        let r = try continuousRaster()
        let before = snapshot([r, townships])
        for stats in ["count,frac", "majority", "class_area", "variety,mean"] {
            for ext in ["csv", "gpkg"] {
                let out = p("out-\(stats.replacingOccurrences(of: ",", with: "_")).\(ext)")
                let run = try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "c=\(r)", "--stats", stats, "--quiet", "-o", out])
                assertError(run, names: r, mentions: ["band 1", "more than 10,000 distinct values", "categorical", "--classes"], output: out)
            }
        }
        // A part run leaves no part file either.
        let part = p("c.0.part")
        let partRun = try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "c=\(r)", "--stats", "frac", "--quiet",
                               "--part", "0/1", "--partial", part])
        assertError(partRun, names: r, mentions: ["more than 10,000"], output: part, sidecar: false)
        // Median and percentiles are not categorical: the same raster runs.
        let ok = p("median.csv")
        assertSuccess(try run(["zonal", "--zones", townships, "--id", "TS_PCODE", "--raster", "c=\(r)", "--stats", "median,p90", "--quiet", "-o", ok]), output: ok)
        assertUnchanged(before)
    }
}
