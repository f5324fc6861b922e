import Foundation
import XCTest
import GeoCore
import GeoGDAL
import GeoTestSupport

/// Bad options: one error line, exit 1, no output, inputs untouched.
final class HostileArgumentTests: HostileTestCase {

    /// zonal over zonesAB / raster16 with `args` replacing the defaults.
    func refuseZonal(_ args: [String], output: String? = nil, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let z = zonesAB(), r = try raster16(), out = output ?? p("out.csv")
        let before = snapshot([z, r])
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=\(r)", "-o", out] + args)
        assertError(run, names: nil, mentions: mentions, output: out, file: file, line: line)
        assertUnchanged(before, file: file, line: line)
    }

    func testUnknownStatistic() throws { try refuseZonal(["--stats", "mean,bogus"], mentions: ["bogus"]) }
    func testEmptyStatistics() throws { try refuseZonal(["--stats", ""], mentions: ["stat"]) }
    func testPercentileAbove100() throws { try refuseZonal(["--stats", "p101"], mentions: ["p101"]) }
    func testNegativePercentile() throws { try refuseZonal(["--stats", "p-5"], mentions: ["p-5"]) }
    func testThreadsZero() throws { try refuseZonal(["--threads", "0"], mentions: ["threads"]) }
    func testThreadsNotANumber() throws { try refuseZonal(["--threads", "abc"], mentions: ["threads"]) }
    func testThreadsOverflow() throws { try refuseZonal(["--threads", "99999999999999999999"], mentions: ["threads"]) }
    func testThreadsNegative() throws { try refuseZonal(["--threads=-3"], mentions: ["threads"]) }
    func testMaxMemoryZero() throws { try refuseZonal(["--max-memory", "0"], mentions: ["memory"]) }
    func testBadMethod() throws { try refuseZonal(["--method", "nearest"], mentions: ["nearest"]) }
    func testBadFormat() throws { try refuseZonal(["--format", "tall"], mentions: ["tall"]) }

    func testUnknownOutputExtension() throws {
        try refuseZonal([], output: p("out.txt"), mentions: [p("out.txt")])
    }

    func testOutputWithoutExtension() throws {
        try refuseZonal([], output: p("out"), mentions: [p("out")])
    }

    func testCompressedOutputExtension() throws {
        try refuseZonal([], output: p("out.csv.gz"), mentions: [p("out.csv.gz")])
    }

    func testEmptyOutputPath() throws {
        let z = zonesAB(), r = try raster16()
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=\(r)", "-o", ""])
        assertError(run, names: nil)
    }

    func testMissingOutputOption() throws {
        let z = zonesAB(), r = try raster16()
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=\(r)"])
        assertError(run, names: nil, mentions: ["output"])
    }

    func testRasterWithoutPath() throws {
        let z = zonesAB(), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=", "-o", out])
        assertError(run, names: nil, output: out)
    }

    func testRasterWithEmptyName() throws {
        let z = zonesAB(), r = try raster16(), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "=\(r)", "-o", out])
        assertError(run, names: nil, output: out)
    }

    func testTwoRastersWithOneName() throws {
        let z = zonesAB(), r = try raster16(), r2 = try raster16("r2.tif"), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "zid", "--raster", "r=\(r)", "--raster", "r=\(r2)", "-o", out])
        assertError(run, names: nil, mentions: ["r"], output: out)
    }

    func testRasterPathWithAColon() throws {
        let r = try raster16("a:b.tif"), z = zonesAB(), out = p("out.csv")
        let run = try zonal(z, r, out)
        assertSuccess(run, output: out)
        XCTAssertEqual(value(out, "A", "r_mean") ?? -1, 7.5, accuracy: 1e-9)
    }

    func testEmptyIDField() throws {
        let z = zonesAB(), r = try raster16(), out = p("out.csv")
        let run = try run(["zonal", "--zones", z, "--id", "", "--raster", "r=\(r)", "-o", out])
        assertError(run, names: nil, output: out)
    }

    func testIncludeColumnThatDoesNotExist() throws {
        try refuseZonal(["--include-cols", "zid,NOPE"], mentions: ["NOPE"])
    }

    func testRollupFieldThatDoesNotExist() throws {
        try refuseZonal(["--rollup", "DT_PCODE"], mentions: ["DT_PCODE"])
    }

    func testWeightedStatisticWithoutWeights() throws {
        try refuseZonal(["--stats", "weighted_mean"], mentions: ["--weights"])
    }

    func testJoinBadDistance() throws {
        let out = p("out.csv")
        let run = try run(["join", "--points", joinPoints, "--zones", joinZones, "--id", "TS_PCODE", "--nearest", "2 parsecs", "-o", out])
        assertError(run, names: nil, mentions: ["--nearest"], output: out, sidecar: false)
    }

    func testJoinNegativeTolerance() throws {
        let out = p("out.csv")
        let run = try run(["join", "--points", joinPoints, "--zones", joinZones, "--id", "TS_PCODE", "--border-tolerance", "-5m", "-o", out])
        assertError(run, names: nil, mentions: ["tolerance"], output: out, sidecar: false)
    }

    func testMapOneClass() throws {
        let t = write("t.csv", "zid,v\nA,1\nB,2\n"), out = p("m.svg")
        let run = try run(["map", t, "--zones", zonesAB(), "--id", "zid", "--column", "v", "--classes", "1", "-o", out])
        assertError(run, names: nil, mentions: ["classes"], output: out, sidecar: false)
    }

    func testMapUnknownOutputExtension() throws {
        let t = write("t.csv", "zid,v\nA,1\nB,2\n"), out = p("m.pdf")
        let run = try run(["map", t, "--zones", zonesAB(), "--id", "zid", "--column", "v", "-o", out])
        assertError(run, names: out, output: out, sidecar: false)
    }

    func testBatchNegativeBatchSize() throws {
        let run = try run(["batch", write("m.yaml", "zones: {}\n"), "--batch-size", "-1"])
        assertError(run, names: nil, mentions: ["batch-size"])
    }

    func testInfoOnAFolder() throws {
        try FileManager.default.createDirectory(atPath: p("d"), withIntermediateDirectories: true)
        let run = try run(["info", p("d")])
        assertError(run, names: p("d"))
    }

    func testInfoOnGarbage() throws {
        let g = write("g.tif", bytes: garbage(2000, seed: 2))
        let run = try run(["info", g])
        assertError(run, names: g)
    }

    // "Did you mean" for every typed choice (issue 28: a swap of two letters is one slip).
    func testSwappedLettersInAStatisticSuggest() throws {
        try refuseZonal(["--stats", "sum,maen"], mentions: ["'maen'", "did you mean 'mean'?"])
    }

    func testSwappedLettersInAnExtensionSuggest() throws {
        try refuseZonal([], output: p("x.cvs"), mentions: [p("x.cvs"), "did you mean '.csv'?"])
    }

    func testMisspeltMethodFormatAndSplitSuggest() throws {
        try refuseZonal(["--method", "exatc"], mentions: ["did you mean 'exact'?"])
        try refuseZonal(["--format", "wdie"], mentions: ["did you mean 'wide'?"])
        let split = try run(["zonal", "--zones", zonesAB(), "--id", "zid", "--raster", "r=\(try raster16())", "--part", "0/2",
                             "--partial", p("0.part"), "--split", "rwos"])
        assertError(split, names: nil, mentions: ["did you mean 'rows'?"], output: p("0.part"), sidecar: false)
    }

    func testMisspeltFieldsSuggest() throws {
        try refuseZonal(["--include-cols", "ZDI"], mentions: ["'ZDI'", "did you mean 'zid'?"])
    }

    func testMapAndReportChoicesSuggest() throws {
        let t = write("t.csv", "zid,v\nA,1\nB,2\n")
        let map = ["map", t, "--zones", zonesAB(), "--id", "zid", "--column", "v"]
        assertError(try run(map + ["--scheme", "qunatile", "-o", p("m.svg")]), names: nil, mentions: ["did you mean 'quantile'?"], output: p("m.svg"), sidecar: false)
        assertError(try run(map + ["--palette", "Bleus", "-o", p("m.svg")]), names: nil, mentions: ["did you mean 'Blues'?"], output: p("m.svg"), sidecar: false)
        assertError(try run(map + ["-o", p("m.sgv")]), names: p("m.sgv"), mentions: ["did you mean '.svg'?"], output: p("m.sgv"), sidecar: false)
        assertError(try run(["map", t, "--zones", zonesAB(), "--id", "zid", "--column", "vv", "-o", p("m.svg")]), names: t, mentions: ["did you mean 'v'?"])
        assertError(try run(["report", t, "--scheme", "jneks", "-o", p("r.html")]), names: nil, mentions: ["did you mean 'jenks'?"], output: p("r.html"), sidecar: false)
    }

    func testBatchManifestChoicesSuggest() throws {
        let z = try copy(townships, as: "z.json"), r = try copy(rain, as: "rain.tif")
        let m = write("m.yaml", """
            zones: {path: \(z), id: TS_PCODE}
            output: {dir: out, format: lnog}
            indicators:
              - name: rain
                source: \(r)
                stats: [mean]
            """)
        assertError(try run(["batch", m]), names: m, mentions: ["did you mean 'long'?"])
        let m2 = write("m2.yaml", """
            zones: {path: \(z), id: TS_PCODE}
            indicators:
              - name: rain
                source: \(r)
                stats: [maen]
            """)
        assertError(try run(["batch", m2]), names: m2, mentions: ["did you mean 'mean'?"])
    }

    func testUnknownSubcommand() throws {
        let run = try run(["zonnal"])
        assertError(run, names: nil, mentions: ["zonnal"])
    }
}
