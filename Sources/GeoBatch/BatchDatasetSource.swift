import Foundation
import Yams
import GeoCore

// A single-file source that is a variable of a NetCDF file or Zarr store: `source: f.nc`
// with `var: precip`, or the GDAL name `NETCDF:f.nc:precip` / `ZARR:"s.zarr":/precip`.
// The series' path is then the GDAL name, with the file resolved against the manifest's
// folder; its bands are dated from the CF time coordinate (`bandDates`), and it is
// fingerprinted and hashed as the file (or store folder) behind the name.

private let datasetPrefixes = ["NETCDF:", "ZARR:", "HDF5:"]

extension ManifestParser {
    /// The dataset a single-file source names: (GDAL path, as written). A file with several
    /// variables needs `var:`; one with one variable is that variable; any other raster is
    /// read as it is.
    func datasetPath(_ source: String, node: Node, varNode: Node?, what: String) throws -> (path: String, given: String) {
        let variable = try varNode.map { try string($0, "\(what): var") }
        if let prefix = datasetPrefixes.first(where: { source.uppercased().hasPrefix($0) }) {
            if let varNode { throw error(varNode, "\(what): the source \(source) names its variable already; remove 'var:'") }
            let file = datasetFile(source)
            let rest = source.dropFirst(prefix.count).hasPrefix("\"") ? source.dropFirst(prefix.count + file.count + 2)
                                                                      : source.dropFirst(prefix.count + file.count)
            let abs = try existingPath(file, node: node, folderAllowed: true)
            let path = "\(source.prefix(prefix.count))\"\(abs)\"\(rest)"
            let v = variableName(ofDataset: path)
            let known = try variables(abs, node: node).variables
            if !known.isEmpty && !known.contains(where: { $0.name == v }) { throw unknownVariable(v, file: file, known: known, node: node, what: what) }
            return (path, source)
        }
        let abs = try existingPath(source, node: node, folderAllowed: true)
        let (known, hasBands) = try variables(abs, node: node)
        if let variable {
            guard !known.isEmpty else {
                throw error(varNode, "\(what): \(source) is not a NetCDF file or Zarr store with variables; remove 'var: \(variable)'")
            }
            guard let found = known.first(where: { $0.name == variable }) else {
                throw unknownVariable(variable, file: source, known: known, node: varNode!, what: what)
            }
            return (found.dataset, "\(source) var \(variable)")
        }
        // A file GDAL opens with bands of its own is read as before.
        if known.isEmpty || hasBands { return (abs, source) }
        guard known.count == 1 else {
            let names = known.map(\.name)
            throw error(node, "\(what): \(source) holds \(known.count) variables (\(names.joined(separator: ", "))); choose one with 'var: \(names[0])'")
        }
        return (known[0].dataset, source)
    }

    private func variables(_ path: String, node: Node) throws -> (variables: [ManifestVariable], hasBands: Bool) {
        do { return try probe.variables(path) } catch let e as GeoKitError { throw e.at(file: file, line: line(node)) }
    }

    private func unknownVariable(_ v: String, file source: String, known: [ManifestVariable], node: Node, what: String) -> GeoKitError {
        let names = known.map(\.name)
        let hint = suggestion(v, names).map { " (did you mean '\($0)'?)" } ?? ""
        return error(node, "\(what): \(source) has no variable '\(v)'\(hint); it holds \(names.joined(separator: ", "))")
    }
}

/// A source's file name, with its variable for a NetCDF or Zarr variable (`f.nc:precip`).
func batchSourceLabel(_ path: String) -> String {
    let file = datasetFile(path)
    let name = (file as NSString).lastPathComponent
    return file == path ? name : name + ":" + variableName(ofDataset: path)
}
