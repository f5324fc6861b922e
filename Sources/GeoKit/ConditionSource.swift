import Foundation
import GeoCore
import GeoGDAL

// From `sum(pop) where hazard >= 3` as written to what the engine reads: the condition's
// raster opened and checked against the values' raster. The grids may differ (each value
// cell then counts with the share of its area where the test holds: docs/conditions.md),
// but not the CRS, and they must overlap.

extension SourceCondition {
    /// The condition `condition` read from band `band` of the raster at `path`, for values
    /// on `values`. Throws one line naming both files when the band is missing, the CRSs
    /// differ, or the rasters do not overlap.
    public static func resolve(_ condition: CellCondition, path: String, band: Int = 1, values: Raster) throws -> SourceCondition {
        let r = try Raster(path: path)
        guard band >= 1 && band <= r.bands.count else {
            throw GeoKitError.input(path, "condition '\(condition.text)': no band \(band) (the raster has \(r.bands.count))")
        }
        if let a = r.spatialReference, let b = values.spatialReference, !a.isSame(b) {
            throw GeoKitError.crs(path, "condition '\(condition.text)': CRS \(a.shortName) differs from \(values.path)'s \(b.shortName); warp one to the other first (gdalwarp)")
        }
        let c = r.grid.extent, v = values.grid.extent
        let overlaps = min(c.xmax, v.xmax) > max(c.xmin, v.xmin) && min(c.ymax, v.ymax) > max(c.ymin, v.ymin)
        guard overlaps else {
            throw GeoKitError.input(path, "condition '\(condition.text)': the raster (\(c)) does not overlap \(values.path) (\(v)), so the condition could be read nowhere")
        }
        return SourceCondition(raster: Raster.opener(path: r.path), band: band, info: r.bands[band - 1], test: condition.test)
    }
}
