import Foundation
import GeoCore
import GeoBatch

// Also compiled into the manifest fuzz target (scripts/fuzz.sh), with its imports removed.

/// Files in memory: text, rasters (a band count and band descriptions) and vector layers
/// (their fields by layer name). Folders are the paths' prefixes. Answers as GDAL and the file
/// system would: band dates from PATH.bands.txt, else descriptions that are dates.
final class MemoryFiles: ManifestProbe {
    enum Item {
        case text(String)
        case raster(bands: Int, descriptions: [String] = [])
        case layer([String: [String]])
    }
    var items: [String: Item]

    init(_ items: [String: Item]) { self.items = items }

    func kind(of path: String) -> ManifestPathKind? {
        if items[path] != nil { return .file }
        return items.keys.contains { $0.hasPrefix(path + "/") } ? .folder : nil
    }

    func text(of path: String) -> String? {
        if case .text(let t)? = items[path] { return t }
        return nil
    }

    func head(of path: String, count: Int) -> Data? { text(of: path).map { Data($0.utf8.prefix(count)) } }

    func entries(of folder: String) -> [String]? {
        guard kind(of: folder) == .folder else { return nil }
        let inside = items.keys.filter { $0.hasPrefix(folder + "/") }.map { $0.dropFirst(folder.count + 1).prefix { $0 != "/" } }
        return Set(inside.map(String.init)).sorted()
    }

    func vectorFields(_ path: String, layer: String?) throws -> [String] {
        guard case .layer(let layers)? = items[path] else { throw GeoKitError.input(path, "not a vector layer GDAL can read") }
        let name = layer ?? layers.keys.sorted()[0]
        guard let fields = layers[name] else { throw GeoKitError.input(path, "no layer '\(name)' (layers: \(layers.keys.sorted().joined(separator: ", ")))") }
        return fields
    }

    func bandCount(_ path: String) throws -> Int { try raster(path).bands }

    func bandDates(_ path: String) throws -> ManifestBandDates {
        let r = try raster(path)
        let sidecar = path + ".bands.txt"
        if let text = text(of: sidecar) {
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard lines.count == r.bands else { throw GeoKitError.input(sidecar, "\(lines.count) date(s) for \(r.bands) band(s)") }
            return ManifestBandDates(dates: lines)
        }
        return ManifestBandDates(dates: (0..<r.bands).map { b in
            b < r.descriptions.count && isBandDate(r.descriptions[b]) ? r.descriptions[b] : nil
        })
    }

    func variables(_ path: String) throws -> (variables: [ManifestVariable], hasBands: Bool) {
        _ = try raster(path)
        return ([], true)
    }

    private func raster(_ path: String) throws -> (bands: Int, descriptions: [String]) {
        guard case .raster(let n, let d)? = items[path] else {
            if kind(of: path) == nil { throw GeoKitError.input(path, "no such file") }
            throw GeoKitError.input(path, "not a raster GDAL can read")
        }
        return (n, d)
    }
}
