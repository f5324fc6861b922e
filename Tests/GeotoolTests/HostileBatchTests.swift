import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Broken batch manifests, and batch runs whose inputs sit where its outputs go.
final class HostileBatchTests: HostileTestCase {

    /// Zones A/B, a 3-band series (2001-01..03) with its dates file, and a good manifest.
    @discardableResult
    func setUpSeries() throws -> String {
        zonesAB()
        try raster("series.tif", cols: 4, rows: 4, values: (1...16).map(Float.init), bands: 3)
        write("series.tif.bands.txt", "2001-01\n2001-02\n2001-03\n")
        return write("m.yaml", goodManifest)
    }

    let goodManifest = """
    zones:
      path: z.geojson
      id: zid
    output:
      dir: out
      format: long
    indicators:
      - name: rain
        source: series.tif
        stats: [mean, count]

    """

    /// `batch` on a manifest with `text` must fail with `manifest:LINE:` (when `line`) naming
    /// the manifest, and create no output folder.
    func refuse(_ text: String? = nil, manifest: String? = nil, line expectedLine: Int? = nil, mentions: [String] = [],
                file: StaticString = #filePath, line: UInt = #line) throws {
        try setUpSeries()
        let m = manifest ?? write("bad.yaml", text ?? "")
        let before = snapshot([p("z.geojson"), p("series.tif"), p("series.tif.bands.txt"), m])
        let r = try run(["batch", m])
        assertError(r, names: expectedLine.map { "\(m):\($0): " } ?? m, mentions: mentions, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: p("out")), "no output folder", file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testNotYAML() throws {
        try refuse("zones: [\n  path: z.geojson\nindicators: {\n", line: nil, mentions: ["YAML"])
    }

    func testTabIndentation() throws {
        try refuse(goodManifest.replacingOccurrences(of: "  path: z.geojson", with: "\tpath: z.geojson"), mentions: ["YAML"])
    }

    func testUnknownTopLevelKey() throws {
        try refuse(goodManifest + "colour: blue\n", line: 11, mentions: ["colour"])
    }

    func testUnknownIndicatorKey() throws {
        try refuse(goodManifest.replacingOccurrences(of: "    stats:", with: "    statz:"), line: 10, mentions: ["statz"])
    }

    func testKeyGivenTwice() throws {
        try refuse(goodManifest + "    stats: [max]\n", line: 11, mentions: ["twice"])
    }

    func testMissingZonesFile() throws {
        try refuse(goodManifest.replacingOccurrences(of: "path: z.geojson", with: "path: nowhere.geojson"), line: 2, mentions: ["nowhere.geojson"])
    }

    func testMissingSource() throws {
        try refuse(goodManifest.replacingOccurrences(of: "source: series.tif", with: "source: gone.tif"), line: 9, mentions: ["gone.tif"])
    }

    func testSourceIsGarbage() throws {
        write("junk.tif", bytes: garbage(3000))
        try refuse(goodManifest.replacingOccurrences(of: "source: series.tif", with: "source: junk.tif"), line: 9, mentions: ["junk.tif"])
    }

    func testBadDateInDatesFile() throws {
        write("d.txt", "2001-01\n2001-13\n2001-03\n")
        try refuse(goodManifest.replacingOccurrences(of: "    source: series.tif", with: "    source: series.tif\n    dates: d.txt"),
                   line: 10, mentions: ["2001-13"])
    }

    func testDatesCountMismatch() throws {
        write("d.txt", "2001-01\n2001-02\n")
        try refuse(goodManifest.replacingOccurrences(of: "    source: series.tif", with: "    source: series.tif\n    dates: d.txt"),
                   line: 10, mentions: ["2 date"])
    }

    func testDateTwice() throws {
        write("d.txt", "2001-01\n2001-01\n2001-03\n")
        try refuse(goodManifest.replacingOccurrences(of: "    source: series.tif", with: "    source: series.tif\n    dates: d.txt"),
                   mentions: ["2001-01"])
    }

    func testImpossibleDateInFileName() throws {
        try FileManager.default.createDirectory(atPath: p("m"), withIntermediateDirectories: true)
        try raster("m/rain-2001.13.tif", cols: 4, rows: 4, values: (1...16).map(Float.init))
        try refuse(goodManifest.replacingOccurrences(of: "source: series.tif", with: "source: m/rain-{yyyy}.{mm}.tif"),
                   line: 9, mentions: ["2001-13"])
    }

    func testPatternMatchesNothing() throws {
        try refuse(goodManifest.replacingOccurrences(of: "source: series.tif", with: "source: series-{yyyy}.tif"), line: 9)
    }

    func testBaselineOutsideTheSeries() throws {
        try refuse(goodManifest + "    derive:\n      anomaly: {baseline: [1950, 1960]}\n", line: 12, mentions: ["baseline"])
    }

    func testDuplicateIndicatorNames() throws {
        try refuse(goodManifest + "  - name: rain\n    source: series.tif\n    stats: [max]\n", line: 11, mentions: ["rain"])
    }

    func testEmptyManifest() throws {
        try refuse("")
    }

    func testGarbageManifest() throws {
        try setUpSeries()
        try refuse(manifest: write("g.yaml", bytes: garbage(2000, seed: 5)))
    }

    func testLatin1Manifest() throws {
        try setUpSeries()
        let bytes = Array(goodManifest.replacingOccurrences(of: "stats: [mean, count]", with: "stats: [mean, count]\n    description: Caf").utf8) + [0xE9, 0x0A]
        try refuse(manifest: write("l.yaml", bytes: bytes))
    }

    func testManifestIsAFolder() throws {
        try FileManager.default.createDirectory(atPath: p("m.yaml.d"), withIntermediateDirectories: true)
        try refuse(manifest: p("m.yaml.d"))
    }

    func testAliasBombFailsQuickly() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        text += goodManifest.replacingOccurrences(of: "id: zid", with: "id: zid\n  include: *a8")
        let t0 = Date()
        try refuse(text)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 20, "aliases are not expanded a billion times")
    }

    func testOutputDirIsAFile() throws {
        try setUpSeries()
        let m = write("bad.yaml", goodManifest.replacingOccurrences(of: "dir: out", with: "dir: series.tif.bands.txt"))
        let before = snapshot([p("series.tif.bands.txt"), p("series.tif"), p("z.geojson")])
        let r = try run(["batch", m])
        assertError(r, names: nil, mentions: ["series.tif.bands.txt"])
        assertUnchanged(before)
    }

    func testZonesWhereATableGoes() throws {
        // The zones layer sits in the output folder under the name of rain's sidecar.
        try setUpSeries()
        try FileManager.default.createDirectory(atPath: p("out"), withIntermediateDirectories: true)
        let z = try copy(p("z.geojson"), as: "out/rain.csv.datapackage.json")
        let m = write("m2.yaml", goodManifest.replacingOccurrences(of: "path: z.geojson", with: "path: out/rain.csv.datapackage.json"))
        let before = snapshot([z])
        let r = try run(["batch", m])
        assertError(r, names: nil, mentions: ["rain"])
        assertUnchanged(before)
    }

    func testSourceWhereATableGoes() throws {
        // The raster is called out/rain.csv: the table would overwrite it.
        try setUpSeries()
        try FileManager.default.createDirectory(atPath: p("out"), withIntermediateDirectories: true)
        let src = try copy(p("series.tif"), as: "out/rain.csv")
        write("out/rain.csv.bands.txt", "2001-01\n2001-02\n2001-03\n")
        let m = write("m2.yaml", goodManifest.replacingOccurrences(of: "source: series.tif", with: "source: out/rain.csv"))
        let before = snapshot([src])
        let r = try run(["batch", m])
        assertError(r, names: nil, mentions: ["rain.csv"])
        assertUnchanged(before)
    }

    func testTouchDoesNotRecompute() throws {
        let m = try setUpSeries()
        let first = try run(["batch", m])
        assertSuccess(first)
        let table = p("out/rain.csv")
        let before = FileManager.default.contents(atPath: table)
        XCTAssertNotNil(before)
        // Same bytes, newer modification time.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(120)], ofItemAtPath: p("series.tif"))
        let dry = try run(["batch", m, "--dry-run"])
        XCTAssertTrue(dry.stdout.contains("0 band(s) of 0 file(s) to compute"), "touch is not a change: \(dry.stdout)")
        let again = try run(["batch", m])
        assertSuccess(again)
        XCTAssertTrue(again.stderr.contains("nothing changed"), "touch recomputed: \(again)")
        XCTAssertEqual(FileManager.default.contents(atPath: table), before)
    }
}
