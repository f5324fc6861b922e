import CGeo
import Foundation
import GeoCore

/// A variable of a NetCDF file or Zarr store (a GDAL subdataset): its name (`precip`) and
/// the dataset name GDAL opens it by (`NETCDF:"file.nc":precip`, `ZARR:"s.zarr":/precip`).
public struct RasterVariable: Sendable, Equatable {
    public var name: String
    public var dataset: String
}

/// The gridded variables of the raster file at `path`, and whether GDAL opens the file itself
/// as a raster with bands. A file with several variables lists them as subdatasets (and has
/// no bands); a NetCDF file with one is opened as that variable (named in its bands'
/// NETCDF_VARNAME); any other raster has none (an empty list).
public func rasterVariables(path: String) throws -> (variables: [RasterVariable], hasBands: Bool) {
    GDAL.initialize()
    CPLErrorReset()
    let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
    guard let h = SiblingFiles.open(path, flags: flags) else {
        if !FileManager.default.fileExists(atPath: path) && !path.hasPrefix("/vsi") { throw GeoKitError.input(path, "no such file") }
        throw GeoKitError.input(path, "not a raster GDAL can read (\(GDAL.lastError("unrecognised format")))")
    }
    defer { GDALClose(h) }
    var out: [RasterVariable] = []
    if let list = GDALGetMetadata(h, "SUBDATASETS") {
        var i = 0
        while let item = list[i] {
            let s = String(cString: item)
            if let eq = s.firstIndex(of: "="), s[..<eq].hasSuffix("_NAME") {
                let dataset = String(s[s.index(after: eq)...])
                out.append(RasterVariable(name: variableName(ofDataset: dataset), dataset: dataset))
            }
            i += 1
        }
    }
    // A Zarr store lists its coordinate arrays (lat, lon, time) too: keep the gridded ones.
    if out.contains(where: { $0.dataset.uppercased().hasPrefix("ZARR:") }), let gridded = MultidimArray.griddedArrays(file: path) {
        out = out.filter { gridded.contains($0.name) }
    }
    if out.isEmpty, GDALGetRasterCount(h) > 0,
       let v = GDALGetMetadataItem(GDALGetRasterBand(h, 1), "NETCDF_VARNAME", nil).map({ String(cString: $0) }) {
        out.append(RasterVariable(name: v, dataset: "NETCDF:\"\(path)\":\(v)"))
    }
    return (out, GDALGetRasterCount(h) > 0)
}
