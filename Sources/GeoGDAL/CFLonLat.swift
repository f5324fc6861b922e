import CGeo
import Foundation
import GeoCore

// CF coordinates in degrees: a NetCDF file written without a grid_mapping variable (what
// xarray writes by default) has no CRS for GDAL, but its coordinate variables say, by
// their units, that x is longitude and y latitude (CF conventions, section 4.1).

/// The CF coordinate variables of a raster that are longitude and latitude by their units.
public struct CFLonLat: Sendable, Equatable {
    /// The variables' names (`lon`, `lat`) and units as written (`degrees_east`, `degrees_north`).
    public var lon: String, lat: String
    public var lonUnits: String, latUnits: String
}

extension Raster {
    /// The raster's CF longitude and latitude coordinates (`<var>#units` in GDAL's netCDF
    /// metadata: degrees_east / degrees_north or CF's other spellings), when its grid lies
    /// within degrees; nil otherwise (a raster from another driver, projected coordinates).
    public func cfLonLat() -> CFLonLat? {
        guard let list = GDALGetMetadata(handle, nil) else { return nil }
        var lon: (String, String)?, lat: (String, String)?
        var i = 0
        while let item = list[i] {
            i += 1
            let s = String(cString: item)
            guard let eq = s.firstIndex(of: "="), s[..<eq].hasSuffix("#units") else { continue }
            let name = String(s[..<eq].dropLast(6)), units = String(s[s.index(after: eq)...])
            let u = units.trimmingCharacters(in: .whitespaces).lowercased()
            if lon == nil && ["degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"].contains(u) { lon = (name, units) }
            if lat == nil && ["degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn"].contains(u) { lat = (name, units) }
        }
        guard let lon, let lat else { return nil }
        // A curvilinear grid has degree-valued coordinates too, but GDAL then gives a grid
        // of indices: only a grid whose extent is in degrees is taken as longitude/latitude.
        let e = grid.extent
        guard e.xmin >= -360, e.xmax <= 360, e.ymin >= -90.000001, e.ymax <= 90.000001 else { return nil }
        return CFLonLat(lon: lon.0, lat: lat.0, lonUnits: lon.1, latUnits: lat.1)
    }
}
