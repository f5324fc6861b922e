import Foundation

// GDAL's names of a variable in a file (`NETCDF:"file.nc":var`), taken apart as text: the
// file behind the name and the variable. Plain Swift, so that a manifest is checked without GDAL.

/// The file behind a GDAL dataset name: `NETCDF:"file.nc":var`, `NETCDF:file.nc:var`,
/// `HDF5:file.h5://path`, `ZARR:"store.zarr":/array` name a variable in a file (or store),
/// which is what gets hashed; other names are returned as they are.
public func datasetFile(_ name: String) -> String {
    for prefix in ["NETCDF:", "HDF5:", "HDF4_SDS:", "ZARR:", "GPKG:"] where name.uppercased().hasPrefix(prefix) {
        let rest = name.dropFirst(prefix.count)
        if rest.hasPrefix("\""), let end = rest.dropFirst().firstIndex(of: "\"") {
            return String(rest.dropFirst()[..<end])
        }
        // Unquoted: the file is up to the last colon that is followed by the variable.
        if let colon = rest.lastIndex(of: ":") { return String(rest[..<colon]) }
        return String(rest)
    }
    return name
}

/// The variable a subdataset name points to: what follows its last colon, without the
/// leading `/` of Zarr and HDF5 array paths.
package func variableName(ofDataset dataset: String) -> String {
    guard let colon = dataset.lastIndex(of: ":") else { return dataset }
    var v = String(dataset[dataset.index(after: colon)...])
    while v.hasPrefix("/") { v.removeFirst() }
    return v
}
