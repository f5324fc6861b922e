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
        if let flipped { GDALMDArrayRelease(flipped) }
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
        // Latitudes stored south to north (common in xarray output) would make a south-up
        // raster: view the y dimension reversed, which reverses its coordinate too.
        if flipped == nil && yAscending(dimensionCount: n) {
            flipped = GDALMDArrayGetView(array, "[" + String(repeating: ":,", count: n - 2) + "::-1,:]")
        }
        return GDALMDArrayAsClassicDataset(flipped ?? array, n - 1, n - 2)
    }

    /// A y-reversed view of the array, kept as long as this object.
    private var flipped: GDALMDArrayH?

    /// Whether the y dimension's coordinate grows with the index (south to north).
    private func yAscending(dimensionCount n: Int) -> Bool {
        guard let y = coordinate(n - 2), y.count >= 2 else { return false }
        return y[1] > y[0]
    }

    /// Whether the y dimension's coordinate (the one before last) grows with the index; nil
    /// when it has no coordinate of two values or more.
    package var yCoordinateAscending: Bool? {
        let n = GDALMDArrayGetDimensionCount(array)
        guard n >= 2, let y = coordinate(n - 2), y.count >= 2, y[0] != y[y.count - 1] else { return nil }
        return y[y.count - 1] > y[0]
    }

    /// The geotransform of the y-reversed view (GDAL gives a view none): from the cell
    /// centres of regularly spaced x and y coordinates; nil when the array is not reversed
    /// or a coordinate is missing or irregular.
    func flippedGeotransform() -> [Double]? {
        let n = GDALMDArrayGetDimensionCount(array)
        guard flipped != nil, let x = coordinate(n - 1), let y = coordinate(n - 2), x.count >= 2, y.count >= 2 else { return nil }
        func step(_ v: [Double]) -> Double? {
            let s = (v[v.count - 1] - v[0]) / Double(v.count - 1)
            // Coordinates stored as float32 are off by their rounding; more is irregular.
            return v.indices.allSatisfy { abs(v[$0] - (v[0] + Double($0) * s)) <= 1e-3 * abs(s) } ? s : nil
        }
        guard let dx = step(x), let dy = step(y), dx > 0, dy > 0 else { return nil }
        return [x[0] - dx / 2, dx, 0, y[y.count - 1] + dy / 2, 0, -dy]
    }

    /// The values of dimension `i`'s coordinate array, if it has one.
    private func coordinate(_ i: Int) -> [Double]? {
        var count = 0
        guard let dims = GDALMDArrayGetDimensions(array, &count) else { return nil }
        defer { GDALReleaseDimensions(dims, count) }
        guard i < count, let coord = GDALDimensionGetIndexingVariable(dims[i]) else { return nil }
        defer { GDALMDArrayRelease(coord) }
        let n = Int(GDALDimensionGetSize(dims[i]))
        var values = [Double](repeating: .nan, count: n)
        var start: [GUInt64] = [0], size: [Int] = [n]
        guard let type = GDALExtendedDataTypeCreate(GDT_Float64) else { return nil }
        defer { GDALExtendedDataTypeRelease(type) }
        let ok = values.withUnsafeMutableBytes { GDALMDArrayRead(coord, &start, &size, nil, nil, type, $0.baseAddress, $0.baseAddress, $0.count) }
        return ok != 0 ? values : nil
    }

    /// Whether the array's x dimension (the last) has a CF longitude coordinate and its y
    /// dimension (the one before) a CF latitude one: by their `units` (`degrees_east`,
    /// `degrees_north` and the other spellings CF allows) or their `standard_name`.
    package var hasCFLongitudeLatitude: Bool {
        var n = 0
        guard let dims = GDALMDArrayGetDimensions(array, &n) else { return false }
        defer { GDALReleaseDimensions(dims, n) }
        guard n >= 2 else { return false }
        func axis(_ i: Int, units: Set<String>, standardName: String) -> Bool {
            guard let coord = GDALDimensionGetIndexingVariable(dims[i]) else { return false }
            defer { GDALMDArrayRelease(coord) }
            // GDAL's Zarr driver turns the `units` attribute into the array's unit.
            let unit = GDALMDArrayGetUnit(coord).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            if let u = unit ?? Self.attribute(coord, "units"), units.contains(u.trimmingCharacters(in: .whitespaces)) { return true }
            return Self.attribute(coord, "standard_name")?.trimmingCharacters(in: .whitespaces) == standardName
        }
        return axis(n - 1, units: ["degrees_east", "degree_east", "degrees_E", "degree_E", "degreesE", "degreeE"], standardName: "longitude")
            && axis(n - 2, units: ["degrees_north", "degree_north", "degrees_N", "degree_N", "degreesN", "degreeN"], standardName: "latitude")
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
