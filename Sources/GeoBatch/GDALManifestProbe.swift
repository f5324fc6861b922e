import Foundation
import GeoCore
import GeoGDAL
import GeoKit

extension BatchManifest {
    /// Read and check a manifest: every file exists, every pattern matches, dates parse and
    /// match the bands, statistics are known. Errors read `FILE:LINE: reason`.
    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GeoKitError.input(path, "cannot read the manifest (no such file?)")
        }
        try self.init(yaml: text, path: path)
    }

    public init(yaml text: String, path: String) throws {
        try self.init(yaml: text, path: path, probe: GDALManifestProbe())
    }
}

/// The manifest check's probe on a real run: the file system, GDAL and object storage.
package final class GDALManifestProbe: ManifestProbe {
    /// The raster opened last (a file's bands are asked, then its dates); one only, so that a
    /// pattern of thousands of files holds one handle at a time.
    private var last: (path: String, raster: Raster)?

    package init() {}

    package func kind(of path: String) -> ManifestPathKind? {
        if isRemotePath(path) { return (try? RemoteObject(path: path)) != nil ? .file : nil }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        return isDir.boolValue ? .folder : .file
    }

    package func text(of path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    package func head(of path: String, count: Int) -> Data? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        return (try? h.read(upToCount: count)) ?? Data()
    }

    package func entries(of folder: String) -> [String]? { try? FileManager.default.contentsOfDirectory(atPath: folder) }

    package func vectorFields(_ path: String, layer: String?) throws -> [String] {
        try VectorDataset(path: path).fieldNames(layer: layer)
    }

    package func bandCount(_ path: String) throws -> Int { try raster(path).bands.count }

    package func bandDates(_ path: String) throws -> ManifestBandDates {
        let r = try raster(path)
        let dates = try GeoKit.bandDates(path: path, raster: r)
        let sidecar = FileManager.default.fileExists(atPath: path + ".bands.txt")
        guard !sidecar else { return ManifestBandDates(dates: dates) }
        let cf = (try? r.cfTime()) ?? nil
        return ManifestBandDates(dates: dates, fromCFTime: cf != nil, calendar: cf?.axis.calendar)
    }

    package func variables(_ path: String) throws -> (variables: [ManifestVariable], hasBands: Bool) {
        let (found, hasBands) = try rasterVariables(path: path)
        return (found.map { ManifestVariable(name: $0.name, dataset: $0.dataset) }, hasBands)
    }

    private func raster(_ path: String) throws -> Raster {
        if let last, last.path == path { return last.raster }
        last = nil
        let r = try Raster(path: path)
        last = (path, r)
        return r
    }
}
