import Foundation
import Yams

// libFuzzer target: `geotool batch` manifests through the real parser
// (Sources/GeoBatch/BatchManifest.swift, with GDAL stood in for by Stubs.swift). The input is
// the manifest's text (bytes decoded as UTF-8, as String(contentsOfFile:) would after a check);
// it is parsed in a fixture folder holding a zones layer, a 3-band series with dates, monthly
// files for patterns, a weights raster, dates files good and bad, and a raster with no band
// dates. Checks: no crash or hang; every error is a GeoKitError naming the manifest with a line
// number; a manifest that parses has indicators with unique names, bands and dates of equal
// counts and dates that are real dates, each at most once.

let folder: String = {
    let d = NSTemporaryDirectory() + "geokit-fuzz-manifest-\(getpid())"
    let fm = FileManager.default
    try? fm.createDirectory(atPath: d + "/months", withIntermediateDirectories: true)
    func put(_ name: String, _ text: String) { _ = fm.createFile(atPath: d + "/" + name, contents: Data(text.utf8)) }
    put("z.geojson", "ZONES zid,TS,ST_PCODE,DT_PCODE\n")
    put("series.tif", "RASTER 3\n")
    put("series.tif.bands.txt", "2001-01\n2001-02\n2001-03\n")
    put("described.tif", "RASTER 2\n2002-01,2002-02\n")
    put("nodates.tif", "RASTER 2\n")
    put("w.tif", "RASTER 1\n")
    put("d.txt", "2001-01\n2001-02\n2001-03\n")
    put("bad-dates.txt", "2001-01\n2001-13\n2001-03\n")
    put("junk.tif", "\u{1}\u{2}garbage")
    for m in 1...14 { put(String(format: "months/rain-2001.%02d.tif", m), "RASTER 1\n") }
    put("months/rain-2002.01.tif", "RASTER 2\n")
    return d
}()
let manifestPath = folder + "/m.yaml"
let skipKnown = ProcessInfo.processInfo.environment["GEOKIT_FUZZ_SKIP_KNOWN"] == "1"

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
    _ = folder
    do {
        let m = try BatchManifest(yaml: text, path: manifestPath)
        if m.indicators.isEmpty { fail("a manifest without indicators parsed") }
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
