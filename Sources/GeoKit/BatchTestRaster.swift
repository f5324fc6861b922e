import CGeo
import Foundation

/// Writes a small north-up Float32 GeoTIFF: `bands[b][row * cols + col]`, origin at
/// (`left`, `top`), square cells of `cell` CRS units. For tests and examples of `geotool batch`
/// (a series of tiny months generated on the spot instead of committed binaries).
public func writeTestGeoTIFF(path: String, left: Double, top: Double, cell: Double, cols: Int, rows: Int,
                             bands: [[Float]], nodata: Double? = nil, crs: String = "EPSG:4326") throws {
    GDAL.initialize()
    guard let drv = GDALGetDriverByName("GTiff") else { throw GeoKitError("GDAL has no GTiff driver") }
    try writeAtomically(path) { tmp in
        guard let ds = GDALCreate(drv, tmp, Int32(cols), Int32(rows), Int32(bands.count), GDT_Float32, nil) else {
            throw GeoKitError("\(path): cannot create (\(GDAL.lastError("GDALCreate failed")))")
        }
        var gt = [left, cell, 0, top, 0, -cell]
        GDALSetGeoTransform(ds, &gt)
        let srs = try SpatialReference(definition: crs)
        GDALSetProjection(ds, srs.wkt)
        for (i, values) in bands.enumerated() {
            precondition(values.count == cols * rows, "band \(i + 1): \(values.count) values for \(cols)x\(rows)")
            let b = GDALGetRasterBand(ds, Int32(i + 1))
            if let nodata { GDALSetRasterNoDataValue(b, nodata) }
            var v = values
            let err = GDALRasterIO(b, GF_Write, 0, 0, Int32(cols), Int32(rows), &v, Int32(cols), Int32(rows), GDT_Float32, 0, 0)
            if err != CE_None { GDALClose(ds); throw GeoKitError("\(path): cannot write band \(i + 1)") }
        }
        GDALClose(ds)
    }
}
