import CGeo
import Foundation
import GeoCore

/// A coordinate reference system (OGR's spatial reference, backed by PROJ), always in
/// traditional GIS axis order (x = longitude / easting).
public final class SpatialReference {
    package let handle: OGRSpatialReferenceH

    package init(borrowing h: OGRSpatialReferenceH) {
        handle = OSRClone(h)
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    /// From WKT, "EPSG:4326", a PROJ string or any other definition GDAL accepts.
    public init(definition: String) throws {
        GDAL.initialize()
        guard let h = OSRNewSpatialReference(nil) else { throw GeoKitError(.internal, "cannot create a spatial reference") }
        if OSRSetFromUserInput(h, definition) != OGRERR_NONE {
            OSRDestroySpatialReference(h)
            throw GeoKitError(.crs, "not a coordinate reference system: \(definition)")
        }
        OSRSetAxisMappingStrategy(h, OAMS_TRADITIONAL_GIS_ORDER)
        handle = h
    }

    deinit { OSRRelease(handle) }

    public var wkt: String {
        var p: UnsafeMutablePointer<CChar>?
        OSRExportToWkt(handle, &p)
        defer { VSIFree(p) }
        return p.map { String(cString: $0) } ?? ""
    }

    /// "EPSG:4326" when the CRS has an authority code, else its name.
    public var shortName: String {
        if let a = OSRGetAuthorityName(handle, nil), let c = OSRGetAuthorityCode(handle, nil) {
            return "\(String(cString: a)):\(String(cString: c))"
        }
        return OSRGetName(handle).map { String(cString: $0) } ?? "unknown"
    }

    public var isGeographic: Bool { OSRIsGeographic(handle) != 0 }

    /// Metres per unit of a projected CRS (1 for a geographic one: its unit is the degree).
    public var metresPerUnit: Double { isGeographic ? 1 : OSRGetLinearUnits(handle, nil) }

    /// The geographic CRS this one is based on (itself when it is geographic).
    public func geographicBase() throws -> SpatialReference {
        if isGeographic { return self }
        guard let g = OSRCloneGeogCS(handle) else { throw GeoKitError(.crs, "no geographic CRS for \(shortName)") }
        defer { OSRRelease(g) }
        return SpatialReference(borrowing: g)
    }

    public func isSame(_ o: SpatialReference) -> Bool { OSRIsSame(handle, o.handle) != 0 }

    /// How cell areas are measured on a grid in this CRS.
    public var areaModel: CellAreaModel {
        if isGeographic {
            var err: OGRErr = OGRERR_NONE
            let a = OSRGetSemiMajor(handle, &err)
            let invf = OSRGetInvFlattening(handle, &err)
            return .geographic(Ellipsoid(semiMajor: a, inverseFlattening: invf))
        }
        return .planar(metresPerUnit: OSRGetLinearUnits(handle, nil))
    }
}

/// A coordinate transformation between two CRSs (PROJ through OGR).
public final class CoordinateTransform {
    package let handle: OGRCoordinateTransformationH
    public init(from: SpatialReference, to: SpatialReference) throws {
        guard let h = OCTNewCoordinateTransformation(from.handle, to.handle) else {
            throw GeoKitError(.crs, GDAL.lastError("no transformation from \(from.shortName) to \(to.shortName)"))
        }
        handle = h
    }
    deinit { OCTDestroyCoordinateTransformation(handle) }

    /// Transform points in place; returns false for each point PROJ could not transform.
    public func transform(x: inout [Double], y: inout [Double]) -> [Bool] {
        var ok = [Int32](repeating: 0, count: x.count)
        x.withUnsafeMutableBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                _ = OCTTransformEx(handle, Int32(xp.count), xp.baseAddress, yp.baseAddress, nil, &ok)
            }
        }
        return ok.map { $0 != 0 }
    }

    /// Transform `count` points in place; `ok[i]` is set to 0 for a point PROJ could not
    /// transform. For hot loops that keep their own buffers.
    public func transform(count: Int, x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>,
                          ok: UnsafeMutablePointer<Int32>) {
        _ = OCTTransformEx(handle, Int32(count), x, y, nil, ok)
    }

    /// Transform one point in place; false when PROJ cannot, or the result is not finite.
    public func transform(x: inout Double, y: inout Double) -> Bool {
        var ok: Int32 = 0
        _ = OCTTransformEx(handle, 1, &x, &y, nil, &ok)
        return ok != 0 && x.isFinite && y.isFinite
    }
}
