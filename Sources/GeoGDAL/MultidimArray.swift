import CGeo
import Foundation
import GeoCore

/// One array of a file opened through GDAL's multidimensional API (Zarr stores, NetCDF):
/// what GDAL 3.6's classic raster API cannot give, a 3-D Zarr array as bands and the values
/// and CF attributes of its time coordinate. Owns the dataset, root group and array handles.
package final class MultidimArray {
    let dataset: GDALDatasetH
    let root: GDALGroupH
    let array: GDALMDArrayH
    let file: String

    /// The array `name` (`precip` or `/group/precip`) of `file`, or nil when GDAL cannot
    /// open the file as multidimensional or it has no such array.
    package init?(file: String, array name: String) {
        GDAL.initialize()
        let flags = UInt32(GDAL_OF_MULTIDIM_RASTER | GDAL_OF_READONLY)
        guard let ds = GDALOpenEx(file, flags, nil, nil, nil) else { return nil }
        guard let g = GDALDatasetGetRootGroup(ds) else { GDALClose(ds); return nil }
        let full = name.hasPrefix("/") ? name : "/" + name
        guard let a = GDALGroupOpenMDArrayFromFullname(g, full, nil) else { GDALGroupRelease(g); GDALClose(ds); return nil }
        dataset = ds; root = g; array = a; self.file = file
    }

    deinit {
        GDALMDArrayRelease(array)
        GDALGroupRelease(root)
        GDALClose(dataset)
    }

    /// The arrays of the root group with at least two dimensions (gridded variables, not
    /// coordinates), or nil when GDAL cannot open `file` as multidimensional.
    static func griddedArrays(file: String) -> [String]? {
        GDAL.initialize()
        guard let ds = GDALOpenEx(file, UInt32(GDAL_OF_MULTIDIM_RASTER | GDAL_OF_READONLY), nil, nil, nil) else { return nil }
        defer { GDALClose(ds) }
        guard let g = GDALDatasetGetRootGroup(ds) else { return nil }
        defer { GDALGroupRelease(g) }
        guard let names = GDALGroupGetMDArrayNames(g, nil) else { return [] }
        defer { CSLDestroy(names) }
        var out: [String] = []
        var i = 0
        while let n = names[i] {
            if let a = GDALGroupOpenMDArray(g, n, nil) {
                if GDALMDArrayGetDimensionCount(a) >= 2 { out.append(String(cString: n)) }
                GDALMDArrayRelease(a)
            }
            i += 1
        }
        return out
    }

    /// A classic raster view: the last dimension is x, the one before y, any other one
    /// bands (GDAL takes the georeferencing from regularly spaced coordinate arrays).
    /// Close it with GDALClose before this array goes.
    func classicView() -> GDALDatasetH? {
        let n = GDALMDArrayGetDimensionCount(array)
        guard n >= 2 else { return nil }
        return GDALMDArrayAsClassicDataset(array, n - 1, n - 2)
    }

    /// Names and sizes of the array's dimensions, slowest first.
    var dimensions: [(name: String, size: Int)] {
        var n = 0
        guard let dims = GDALMDArrayGetDimensions(array, &n) else { return [] }
        defer { GDALReleaseDimensions(dims, n) }
        return (0..<n).map { (String(cString: GDALDimensionGetName(dims[$0])), Int(GDALDimensionGetSize(dims[$0]))) }
    }

    /// The band dimension's coordinate (a 3-D array's first dimension) when it carries CF
    /// time units (`... since ...`): its units, calendar and values.
    package func timeCoordinate() -> (name: String, units: String, calendar: String?, values: [Double])? {
        var n = 0
        guard let dims = GDALMDArrayGetDimensions(array, &n) else { return nil }
        defer { GDALReleaseDimensions(dims, n) }
        guard n == 3, let coord = GDALDimensionGetIndexingVariable(dims[0]) else { return nil }
        defer { GDALMDArrayRelease(coord) }
        let name = String(cString: GDALDimensionGetName(dims[0]))
        // GDAL's Zarr driver turns the `units` attribute into the array's unit.
        let unit = GDALMDArrayGetUnit(coord).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let units = unit ?? Self.attribute(coord, "units"), units.contains(" since ") else { return nil }
        let count = Int(GDALDimensionGetSize(dims[0]))
        var values = [Double](repeating: .nan, count: count)
        var start: [GUInt64] = [0], size: [Int] = [count]
        guard let type = GDALExtendedDataTypeCreate(GDT_Float64) else { return nil }
        defer { GDALExtendedDataTypeRelease(type) }
        let ok = values.withUnsafeMutableBytes { buf in
            GDALMDArrayRead(coord, &start, &size, nil, nil, type, buf.baseAddress, buf.baseAddress, buf.count)
        }
        guard ok != 0 else { return nil }
        return (name, units, Self.attribute(coord, "calendar"), values)
    }

    private static func attribute(_ a: GDALMDArrayH, _ key: String) -> String? {
        guard let h = GDALMDArrayGetAttribute(a, key) else { return nil }
        defer { GDALAttributeRelease(h) }
        return GDALAttributeReadAsString(h).map { String(cString: $0) }
    }
}
