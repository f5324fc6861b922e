import XCTest
import Foundation
import GeoCore
import GeoBatch
import GeoTestSupport

/// Manifests parsed and checked with no file on disk and no GDAL: the files a manifest names
/// are held in memory by `MemoryFiles`, a probe that answers from what it holds.
final class ManifestProbeTests: XCTestCase {
    let path = "/survey/m.yaml"

    /// The folder /survey: a zones layer, a 3-band series dated by its PATH.bands.txt, a
    /// 2-band raster dated by its band descriptions, monthly files for a pattern (one of
    /// them with 2 bands), a dates file.
    func files() -> MemoryFiles {
        let f = MemoryFiles([
            "/survey/z.geojson": .layer(["zones": ["zid", "TS_PCODE", "ST_PCODE"]]),
            "/survey/series.tif": .raster(bands: 3),
            "/survey/series.tif.bands.txt": .text("2001-01\n2001-02\n\n2001-03\n"),
            "/survey/described.tif": .raster(bands: 2, descriptions: ["2002-01", "2002-02"]),
            "/survey/short.txt": .text("2001-01\n2001-02\n"),
            "/survey/months/rain-2002.01.tif": .raster(bands: 2),
            "/survey/months/readme.txt": .text("not a month"),
        ])
        for m in [3, 1, 2] { f.items[String(format: "/survey/months/rain-2001.%02d.tif", m)] = .raster(bands: 1) }
        return f
    }

    func manifest(_ indicators: String, zonesId: String = "TS_PCODE") -> String {
        """
        zones:
          path: z.geojson
          id: \(zonesId)
          rollup: [ST_PCODE]
        indicators:
        \(indicators)
        """
    }

    func testSeriesPatternAndZonesAreReadFromTheProbe() throws {
        let text = manifest("""
          - name: series
            source: series.tif
            stats: [mean]
          - name: described
            source: described.tif
            band: 2
            stats: mean
          - name: rain
            source: months/rain-{yyyy}.{mm}.tif
            stats: [max]
        """)
        let probe = files()
        probe.items["/survey/months/rain-2002.01.tif"] = nil
        let m = try BatchManifest(yaml: text, path: path, probe: probe)
        XCTAssertEqual(m.zones.path, "/survey/z.geojson")
        XCTAssertEqual(m.zones.id, "TS_PCODE")
        XCTAssertEqual(m.zones.rollup, ["ST_PCODE"])
        XCTAssertEqual(m.outputDir, "/survey/out")
        XCTAssertEqual(m.indicators.map(\.name), ["series", "described", "rain"])
        // Dates from the sidecar, blank lines skipped.
        XCTAssertEqual(m.indicators[0].sources.map(\.path), ["/survey/series.tif"])
        XCTAssertEqual(m.indicators[0].sources.map(\.bands), [[1, 2, 3]])
        XCTAssertEqual(m.indicators[0].sources.map(\.dates), [["2001-01", "2001-02", "2001-03"]])
        // `band: 2` of a raster whose band descriptions are dates.
        XCTAssertEqual(m.indicators[1].sources.map(\.path), ["/survey/described.tif"])
        XCTAssertEqual(m.indicators[1].sources.map(\.bands), [[2]])
        XCTAssertEqual(m.indicators[1].sources.map(\.dates), [["2002-02"]])
        // The pattern's files in date order (listed 03, 01, 02), readme.txt not matched.
        XCTAssertEqual(m.indicators[2].sources.map(\.path), (1...3).map { String(format: "/survey/months/rain-2001.%02d.tif", $0) })
        XCTAssertEqual(m.indicators[2].sources.map(\.dates), [["2001-01"], ["2001-02"], ["2001-03"]])
    }

    func testErrorsNameTheManifestAndTheLineOfTheMistake() throws {
        // (indicator entry, zones id, the line the error is on, what it says)
        let cases: [(String, String, Int, String)] = [
            ("  - name: a\n    source: series.tif\n    stats: [mean]", "TS_PCOD", 3,
             "no field 'TS_PCOD' in z.geojson (did you mean 'TS_PCODE'?); fields: zid, TS_PCODE, ST_PCODE"),
            ("  - name: a\n    source: nothere.tif\n    stats: [mean]", "TS_PCODE", 7, "nothere.tif: no such file (looked for /survey/nothere.tif)"),
            // A folder is allowed (a Zarr store), and is not a raster.
            ("  - name: a\n    source: months\n    stats: [mean]", "TS_PCODE", 7, "/survey/months: not a raster GDAL can read"),
            ("  - name: a\n    source: months\n    weights: months\n    stats: [weighted_mean]", "TS_PCODE", 8, "months: no such file (looked for /survey/months)"),
            ("  - name: a\n    source: series.tif\n    band: 4\n    stats: [mean]", "TS_PCODE", 8, "series.tif has no band 4 (it has 3)"),
            ("  - name: a\n    source: series.tif\n    dates: short.txt\n    stats: [mean]", "TS_PCODE", 8,
             "short.txt has 2 date(s) for the 3 band(s) of series.tif"),
            ("  - name: a\n    source: months/rain-{yyyy}.{mm}.tif\n    stats: [mean]", "TS_PCODE", 7,
             "indicator 'a': rain-2002.01.tif has 2 bands; a pattern's files hold one band each (or give 'band:')"),
            ("  - name: a\n    source: nofolder/rain-{yyyy}.tif\n    stats: [mean]", "TS_PCODE", 7,
             "indicator 'a': no folder /survey/nofolder for the pattern 'nofolder/rain-{yyyy}.tif'"),
            // The probe's own error (no line) gets the source's line.
            ("  - name: a\n    source: short.txt\n    stats: [mean]", "TS_PCODE", 7, "not a raster GDAL can read"),
        ]
        for (entry, id, line, problem) in cases {
            let text = manifest(entry, zonesId: id)
            XCTAssertThrowsError(try BatchManifest(yaml: text, path: path, probe: files()), entry) { e in
                guard let e = e as? GeoKitError else { return XCTFail("\(e)") }
                XCTAssertEqual(e.line, line, "\(entry): \(e)")
                XCTAssertTrue(e.message.hasPrefix("\(path):\(line): ") && e.problem.contains(problem), "\(entry): \(e.message)")
            }
        }
    }

    func testTheProbeAnswersFromItsFiles() throws {
        let f = files()
        XCTAssertEqual(f.kind(of: "/survey/months"), .folder)
        XCTAssertEqual(f.kind(of: "/survey/series.tif"), .file)
        XCTAssertNil(f.kind(of: "/survey/mon"))
        XCTAssertEqual(f.entries(of: "/survey")?.sorted(), ["described.tif", "months", "series.tif", "series.tif.bands.txt", "short.txt", "z.geojson"])
        XCTAssertEqual(try f.bandDates("/survey/described.tif"), ManifestBandDates(dates: ["2002-01", "2002-02"]))
        f.items["/survey/described.tif"] = .raster(bands: 2, descriptions: ["2002-01", "rainfall"])
        XCTAssertEqual(try f.bandDates("/survey/described.tif"), ManifestBandDates(dates: ["2002-01", nil]))
        XCTAssertThrowsError(try f.vectorFields("/survey/z.geojson", layer: "roads"))
    }
}

/// The in-memory probe answers as GDAL and the file system do: the same manifests over the
/// same files, written to disk (rasters by gdal_create) and held in memory, give the same
/// series and the same errors.
final class ManifestProbeAgreementTests: XCTestCase {
    func tool(_ name: String, _ args: [String]) throws {
        let r = try runProcess("/usr/bin/" + name, args)
        XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
    }

    func raster(_ path: String, bands: Int) throws {
        try tool("gdal_create", ["-q", "-of", "GTiff", "-outsize", "4", "4", "-bands", "\(bands)", "-ot", "Byte", "-burn", "1",
                                 "-a_srs", "EPSG:4326", "-a_ullr", "92", "29", "96", "25", path])
    }

    func testDiskThroughGDALAndMemoryGiveTheSameManifestAndErrors() throws {
        let dir = Fixtures.tempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/months", withIntermediateDirectories: true)
        let zones = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zid":"a","TS_PCODE":"MMR001"},"geometry":{"type":"Polygon","coordinates":[[[92,25],[96,25],[96,29],[92,25]]]}}]}"#
        try zones.write(toFile: dir + "/z.geojson", atomically: true, encoding: .utf8)
        try raster(dir + "/series.tif", bands: 3)
        try "2001-01\n2001-02\n2001-03\n".write(toFile: dir + "/series.tif.bands.txt", atomically: true, encoding: .utf8)
        try raster(dir + "/nodates.tif", bands: 2)
        try "2001-01\n2001-02\n".write(toFile: dir + "/short.txt", atomically: true, encoding: .utf8)
        for m in 1...3 { try raster(dir + String(format: "/months/rain-2001.%02d.tif", m), bands: 1) }
        try raster(dir + "/months/rain-2002.01.tif", bands: 2)
        let memory = MemoryFiles([
            dir + "/z.geojson": .layer(["z": ["zid", "TS_PCODE"]]),
            dir + "/series.tif": .raster(bands: 3),
            dir + "/series.tif.bands.txt": .text("2001-01\n2001-02\n2001-03\n"),
            dir + "/nodates.tif": .raster(bands: 2),
            dir + "/short.txt": .text("2001-01\n2001-02\n"),
            dir + "/months/rain-2001.01.tif": .raster(bands: 1),
            dir + "/months/rain-2001.02.tif": .raster(bands: 1),
            dir + "/months/rain-2001.03.tif": .raster(bands: 1),
            dir + "/months/rain-2002.01.tif": .raster(bands: 2),
        ])
        let entries = [
            "source: series.tif", "source: nodates.tif", "source: nodates.tif\n    band: 2", "source: months/rain-{yyyy}.{mm}.tif\n    band: 1",
            // Errors.
            "source: series.tif\n    band: 4", "source: series.tif\n    dates: short.txt", "source: months/rain-{yyyy}.{mm}.tif",
            "source: nothere.tif", "source: short.txt", "source: nofolder/x-{yyyy}.tif", "source: series.tif\n    # id TS_PCOD",
        ]
        for entry in entries {
            let id = entry.hasSuffix("TS_PCOD") ? "TS_PCOD" : "TS_PCODE"
            let text = "zones:\n  path: z.geojson\n  id: \(id)\nindicators:\n  - name: a\n    \(entry)\n    stats: [mean]\n"
            let path = dir + "/m.yaml"
            let onDisk = Result { try BatchManifest(yaml: text, path: path) }
            let inMemory = Result { try BatchManifest(yaml: text, path: path, probe: memory) }
            switch (onDisk, inMemory) {
            case (.success(let d), .success(let m)):
                XCTAssertEqual(d.zones.path, m.zones.path, entry)
                XCTAssertEqual(d.indicators[0].sources.map(\.path), m.indicators[0].sources.map(\.path), entry)
                XCTAssertEqual(d.indicators[0].sources.map(\.bands), m.indicators[0].sources.map(\.bands), entry)
                XCTAssertEqual(d.indicators[0].sources.map(\.dates), m.indicators[0].sources.map(\.dates), entry)
            case (.failure(let d as GeoKitError), .failure(let m as GeoKitError)):
                XCTAssertEqual(d.line, m.line, entry)
                // GDAL's own words for a file it cannot open differ from the probe's; the rest is the parser's.
                if entry == "source: short.txt" {
                    XCTAssertTrue(d.problem.contains("short.txt") && m.problem.contains("short.txt"), "\(d) / \(m)")
                } else {
                    XCTAssertEqual(d.message, m.message, entry)
                }
            default:
                XCTFail("\(entry): on disk \(onDisk), in memory \(inMemory)")
            }
        }
    }
}
