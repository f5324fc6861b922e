import Foundation
import GeoCore
import GeoGDAL

/// `--var`: the rasters given as whole NetCDF files or Zarr stores become one spec per chosen
/// variable (`NETCDF:"file.nc":precip`). Columns keep the raster's NAME for one variable and
/// are NAME_var for several; a raster named after its file is named after the variable.
/// Without `--var`, a file holding several variables is an error naming them, and one
/// holding a single variable (as a subdataset) is that variable. Specs naming a variable
/// already (`NETCDF:file.nc:var`) are checked against the file's variables.
public func resolveVariables(_ specs: [RasterSpec], variables: [String]) throws -> [RasterSpec] {
    var out: [RasterSpec] = []
    var used = false
    for spec in specs {
        let file = datasetFile(spec.path)
        if file != spec.path {
            // A variable named in the path: an unknown one gets the file's list, not GDAL's message.
            if FileManager.default.fileExists(atPath: file) {
                let known = try rasterVariables(path: file).variables
                let v = variableName(ofDataset: spec.path)
                if !known.isEmpty && !known.contains(where: { $0.name == v }) { throw unknownVariable(v, file: file, known: known) }
            }
            out.append(spec)
            continue
        }
        let (known, hasBands) = try rasterVariables(path: spec.path)
        if known.isEmpty { out.append(spec); continue }
        used = true
        if variables.isEmpty {
            // A file GDAL opens with bands of its own is read as before.
            if hasBands { out.append(spec); continue }
            if known.count > 1 {
                let names = known.map(\.name)
                throw GeoKitError.input(spec.path, "holds \(known.count) variables (\(names.joined(separator: ", "))); choose with \(Setting.variable, names[0]) (several: \(Setting.variable, names.prefix(2).joined(separator: ","))) or \(Setting.raster, "NAME=\(known[0].dataset)")")
            }
            out.append(renamed(spec, variable: known[0], several: false))
            continue
        }
        for v in variables {
            guard let found = known.first(where: { $0.name == v }) else { throw unknownVariable(v, file: spec.path, known: known) }
            out.append(renamed(spec, variable: found, several: variables.count > 1))
        }
    }
    if !variables.isEmpty && !used {
        throw GeoKitError.argument("\(Setting.variable, variables.joined(separator: ",")): no \(Setting.raster) is a NetCDF file or Zarr store with variables (give the file itself, e.g. \(Setting.raster, "p=file.nc"))")
    }
    return out
}

/// The spec for one variable of `spec`'s file: NAME (one variable), NAME_var (several), or
/// the variable's name when NAME was taken from the file's stem.
private func renamed(_ spec: RasterSpec, variable: RasterVariable, several: Bool) -> RasterSpec {
    let explicit = spec.sanitisedFrom == nil && spec.given.hasPrefix(spec.name + "=")
    let clean = columnName(variable.name)
    var s = RasterSpec(name: explicit ? (several ? "\(spec.name)_\(clean)" : spec.name) : clean, path: variable.dataset, band: spec.band)
    if !explicit && clean != variable.name { s.sanitisedFrom = variable.name }
    s.given = "\(spec.given) \(Setting.variable, variable.name)"
    return s
}

private func unknownVariable(_ v: String, file: String, known: [RasterVariable]) -> GeoKitError {
    let names = known.map(\.name)
    let hint = suggestion(v, names).map { " (did you mean '\($0)'?)" } ?? ""
    return GeoKitError.input(file, "no variable '\(v)'\(hint); it holds \(names.joined(separator: ", "))")
}
