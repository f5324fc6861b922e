import Foundation

// Stand-ins for the GDAL-backed types that Sources/GeoBatch/BatchManifest.swift uses, so the
// real parser compiles with GeoCore and Yams alone (scripts/fuzz.sh strips its `import
// GeoGDAL/GeoKit/GeoCore` lines). The fixture folder holds text files standing for layers
// and rasters:
//   a zones layer: first line `ZONES field1,field2,...`
//   a raster:      first line `RASTER n` (n bands), optional second line of band descriptions
// Anything else fails to open, as GDAL would, with an error naming the file (no line).

public enum TableFormat: String, Sendable, CaseIterable { case wide, long }

struct VectorDataset {
    let path: String
    let fields: [String]
    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix("ZONES ") else {
            throw GeoKitError.input(path, "not a vector layer GDAL can read")
        }
        self.path = path
        fields = text.dropFirst(6).prefix { $0 != "\n" }.split(separator: ",").map(String.init)
    }
    func fieldNames(layer: String? = nil) throws -> [String] {
        if let layer, layer != "zones" { throw GeoKitError.input(path, "no layer '\(layer)' (layers: zones)") }
        return fields
    }
}

struct Raster {
    struct Band { var description: String }
    var bands: [Band]
    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix("RASTER ") else {
            throw GeoKitError.input(path, "not a raster GDAL can read")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let n = Int(lines[0].dropFirst(7)), n >= 1 else { throw GeoKitError.input(path, "a raster without bands") }
        let desc = lines.count > 1 ? lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
        bands = (0..<n).map { Band(description: $0 < desc.count ? desc[$0] : "") }
    }
}

/// As GeoKit's: dates from PATH.bands.txt, else band descriptions that are dates.
func bandDates(path: String, raster: Raster) throws -> [String?] {
    let sidecar = path + ".bands.txt"
    if let text = try? String(contentsOfFile: sidecar, encoding: .utf8) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count == raster.bands.count else {
            throw GeoKitError.input(sidecar, "\(lines.count) date(s) for \(raster.bands.count) band(s)")
        }
        return lines
    }
    return raster.bands.map { isBandDate($0.description) ? $0.description : nil }
}
