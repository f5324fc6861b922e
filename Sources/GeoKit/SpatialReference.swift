import CGeo
import Foundation

/// A coordinate reference system (OGR's spatial reference, backed by PROJ), always in
/// traditional GIS axis order (x = longitude / easting).
public final class SpatialReference {
    let handle: OGRSpatialReferenceH

    init(borrowing h: OGRSpatialReferenceH) {
        handle = OSRClone(h)
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    /// From WKT, "EPSG:4326", a PROJ string or any other definition GDAL accepts.
    public init(definition: String) throws {
        GDAL.initialize()
        guard let h = OSRNewSpatialReference(nil) else { throw GeoKitError("cannot create a spatial reference") }
        if OSRSetFromUserInput(h, definition) != OGRERR_NONE {
            OSRDestroySpatialReference(h)
            throw GeoKitError("not a coordinate reference system: \(definition)")
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
    let handle: OGRCoordinateTransformationH
    public init(from: SpatialReference, to: SpatialReference) throws {
        guard let h = OCTNewCoordinateTransformation(from.handle, to.handle) else {
            throw GeoKitError(GDAL.lastError("no transformation from \(from.shortName) to \(to.shortName)"))
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
}
