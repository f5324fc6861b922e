import Foundation
import Yams

// libFuzzer target: `geotool batch` manifests through the real parser (BatchManifest.swift and
// the files that extend ManifestParser, listed in scripts/fuzz.sh), which sees the files a
// manifest names only through a `ManifestProbe`. Here that is `MemoryFiles`
// (Tests/GeoBatchTests/MemoryFiles.swift, as the tests use it), a folder held in memory: a
// zones layer, a 3-band series with dates, monthly files for patterns (months 13 and 14 bad,
// one file of 2 bands), a weights raster, dates files good and bad, a raster with no band
// dates, one whose band descriptions are dates, a points CSV and junk. The input is the
// manifest's text (bytes decoded as UTF-8, as String(contentsOfFile:) would after a check).
// Checks: no crash or hang; every error is a GeoKitError naming the manifest with a line
// number; a manifest that parses has indicators or vector layers, indicators with unique
// names, bands and dates of equal counts and dates that are real dates, each at most once.

let folder = "/fuzz"
let manifestPath = folder + "/m.yaml"
let skipKnown = ProcessInfo.processInfo.environment["GEOKIT_FUZZ_SKIP_KNOWN"] == "1"

let files: MemoryFiles = {
    var items: [String: MemoryFiles.Item] = [
        "z.geojson": .layer(["zones": ["zid", "TS", "ST_PCODE", "DT_PCODE"]]),
        "series.tif": .raster(bands: 3),
        "series.tif.bands.txt": .text("2001-01\n2001-02\n2001-03\n"),
        "described.tif": .raster(bands: 2, descriptions: ["2002-01", "2002-02"]),
        "nodates.tif": .raster(bands: 2),
        "w.tif": .raster(bands: 1),
        "d.txt": .text("2001-01\n2001-02\n2001-03\n"),
        "bad-dates.txt": .text("2001-01\n2001-13\n2001-03\n"),
        "junk.tif": .text("\u{1}\u{2}garbage"),
        "points.csv": .text("x,y,kind,people\n96.1,19.7,school,30\n"),
        "months/rain-2002.01.tif": .raster(bands: 2),
    ]
    for m in 1...14 { items[String(format: "months/rain-2001.%02d.tif", m)] = .raster(bands: 1) }
    return MemoryFiles(Dictionary(uniqueKeysWithValues: items.map { (folder + "/" + $0.key, $0.value) }))
}()

func fail(_ msg: String) -> Never {
    FileHandle.standardError.write(Data("manifest fuzz: \(msg)\n".utf8))
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // BatchManifest(path:) reads with String(contentsOfFile:encoding: .utf8), which refuses
    // invalid UTF-8; only valid text reaches the parser.
    guard let text = String(bytes: bytes, encoding: .utf8) else { return 0 }
    do {
        let m = try BatchManifest(yaml: text, path: manifestPath, probe: files)
        if m.indicators.isEmpty && m.vector.isEmpty { fail("a manifest without indicators or vector layers parsed") }
        var names = Set<String>()
        for ind in m.indicators {
            if !names.insert(ind.name).inserted { fail("indicator name \(ind.name) twice") }
            if ind.stats.isEmpty { fail("\(ind.name): no statistics") }
            var seen = Set<String>()
            for s in ind.sources {
                if s.bands.count != s.dates.count { fail("\(ind.name): \(s.bands.count) bands, \(s.dates.count) dates") }
                if s.bands.isEmpty { fail("\(ind.name): a source without bands") }
                for d in s.dates.compactMap({ $0 }) {
                    if !isBandDate(d) { fail("\(ind.name): bad date \(d) accepted") }
                    if !seen.insert(d).inserted { fail("\(ind.name): date \(d) twice") }
                }
            }
        }
    } catch let e as GeoKitError {
        // Known and reported (Fuzz/README.md): libyaml's reader errors (control characters,
        // bad encodings) fall to the `default:` branch of yamlError and carry no line.
        if skipKnown && e.line == nil && e.problem.hasPrefix("not valid YAML") { return 0 }
        if e.file != manifestPath { fail("error not naming the manifest: \(e)") }
        if e.line == nil { fail("error without a line: \(e)") }
        if e.message.contains("\n") && e.message.count > 2000 { fail("a huge multi-line message") }
    } catch {
        fail("not a GeoKitError: \(error)")
    }
    return 0
}
