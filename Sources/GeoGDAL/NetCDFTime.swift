import CGeo
import Foundation
import GeoCore

extension Raster {
    /// The CF time coordinate of a NetCDF variable's bands (GDAL's netCDF driver gives each
    /// band `NETCDF_DIM_<dim>=<value>` and the dataset `<dim>#units`, `<dim>#calendar`): the
    /// axis and one value per band, or nil when the raster has no time dimension.
    public func cfTime() throws -> (axis: CFTimeAxis, values: [Double])? {
        func item(_ h: UnsafeMutableRawPointer?, _ key: String) -> String? {
            GDALGetMetadataItem(h, key, nil).map { String(cString: $0) }
        }
        guard let extra = item(handle, "NETCDF_DIM_EXTRA") else { return try multidimTime() }
        let dims = extra.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map(String.init)
        for dim in dims {
            guard let units = item(handle, "\(dim)#units"), units.contains(" since ") else { continue }
            let axis: CFTimeAxis
            do { axis = try CFTimeAxis(units: units, calendar: item(handle, "\(dim)#calendar")) } catch let e as GeoKitError {
                throw GeoKitError(.input, file: path, "time coordinate '\(dim)': \(e.problem)")
            }
            var values: [Double] = []
            for b in bands {
                guard let v = item(GDALGetRasterBand(handle, Int32(b.index)), "NETCDF_DIM_\(dim)").flatMap(Double.init) else { return nil }
                values.append(v)
            }
            return (axis, values)
        }
        return nil
    }

    /// The time coordinate through GDAL's multidimensional API: a Zarr array's, or a NetCDF
    /// variable's when the classic driver gave no NETCDF_DIM metadata.
    private func multidimTime() throws -> (axis: CFTimeAxis, values: [Double])? {
        let md = multidim ?? (path.uppercased().hasPrefix("NETCDF:")
            ? MultidimArray(file: datasetFile(path), array: variableName(ofDataset: path)) : nil)
        guard let md, let t = md.timeCoordinate(), t.values.count == bands.count else { return nil }
        do { return (try CFTimeAxis(units: t.units, calendar: t.calendar), t.values) } catch let e as GeoKitError {
            throw GeoKitError(.input, file: path, "time coordinate '\(t.name)': \(e.problem)")
        }
    }

    /// Band dates from the CF time coordinate (see `CFTimeAxis.labels`), or nil without one.
    public func cfBandDates() throws -> [String]? {
        guard let (axis, values) = try cfTime() else { return nil }
        do { return try axis.labels(values) } catch let e as GeoKitError {
            throw GeoKitError(.input, file: path, e.problem)
        }
    }
}
