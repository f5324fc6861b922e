import CGeo
import Foundation
import GeoCore

/// Writes a north-up Float32 GeoTIFF from arrays, `bands[b][row * cols + col]` on `grid`,
/// atomically (a temporary file, then a rename). For small rasters made on the spot:
/// examples, test series, masks derived in Swift.
public func writeGeoTIFF(path: String, grid: Grid, bands: [[Float]], nodata: Double? = nil,
                         crs: String = "EPSG:4326") throws {
    GDAL.initialize()
    guard let drv = GDALGetDriverByName("GTiff") else { throw GeoKitError(.internal, "GDAL has no GTiff driver") }
    for (i, values) in bands.enumerated() where values.count != grid.cols * grid.rows {
        throw GeoKitError(.argument, file: path, "band \(i + 1): \(values.count) values for \(grid.cols) x \(grid.rows) cells")
    }
    let srs = try SpatialReference(definition: crs)
    try writeAtomically(path) { tmp in
        guard let ds = GDALCreate(drv, tmp, Int32(grid.cols), Int32(grid.rows), Int32(bands.count), GDT_Float32, nil) else {
            throw GeoKitError.io(path, "cannot create (\(GDAL.lastError("GDALCreate failed")))")
        }
        var gt = [grid.left, grid.dx, 0, grid.top, 0, -grid.dy]
        GDALSetGeoTransform(ds, &gt)
        GDALSetProjection(ds, srs.wkt)
        for (i, values) in bands.enumerated() {
            let b = GDALGetRasterBand(ds, Int32(i + 1))
            if let nodata { GDALSetRasterNoDataValue(b, nodata) }
            var v = values
            let err = GDALRasterIO(b, GF_Write, 0, 0, Int32(grid.cols), Int32(grid.rows), &v, Int32(grid.cols), Int32(grid.rows),
                                   GDT_Float32, 0, 0)
            if err != CE_None { GDALClose(ds); throw GeoKitError.io(path, "cannot write band \(i + 1)") }
        }
        CPLErrorReset()
        GDALClose(ds)
        if CPLGetLastErrorType() == CE_Failure { throw GeoKitError.io(path, "cannot finish writing: \(GDAL.lastError("unknown error"))") }
    }
}
