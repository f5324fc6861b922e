import Foundation

// True cell areas. On a projected grid every cell has the same planar area. On a
// geographic grid a cell's area depends only on its row: the area of the ellipsoidal zone
// between the row's two latitudes, times the cell's share of 360 degrees of longitude.

public struct Ellipsoid: Sendable, Equatable {
    public var semiMajor: Double
    public var inverseFlattening: Double
    public init(semiMajor: Double, inverseFlattening: Double) {
        self.semiMajor = semiMajor; self.inverseFlattening = inverseFlattening
    }
    public static let wgs84 = Ellipsoid(semiMajor: 6_378_137.0, inverseFlattening: 298.257223563)

    public var flattening: Double { inverseFlattening == 0 ? 0 : 1 / inverseFlattening }
    public var semiMinor: Double { semiMajor * (1 - flattening) }
    public var eccentricity: Double { let f = flattening; return (f * (2 - f)).squareRoot() }

    /// Area between the equator and latitude `lat` (degrees) over all longitudes, signed.
    public func zoneArea(toLatitude lat: Double) -> Double {
        let s = sin(lat * .pi / 180), b = semiMinor, e = eccentricity
        if e < 1e-12 { return 2 * .pi * semiMajor * semiMajor * s }
        let es = e * s
        return 2 * .pi * b * b * (s / (2 * (1 - es * es)) + log((1 + es) / (1 - es)) / (4 * e))
    }

    /// Area of the cell spanning latitudes [lat0, lat1] and `dLon` degrees of longitude.
    public func cellArea(lat0: Double, lat1: Double, dLon: Double) -> Double {
        abs(zoneArea(toLatitude: lat1) - zoneArea(toLatitude: lat0)) * dLon / 360
    }
}

/// Area in square metres of one cell in each row of a grid.
public enum CellAreaModel: Sendable, Equatable {
    /// Projected grid: `metresPerUnit` converts the CRS's linear unit to metres.
    case planar(metresPerUnit: Double)
    /// Geographic grid in degrees on the given ellipsoid.
    case geographic(Ellipsoid)

    public func rowAreas(_ grid: Grid, rows: Range<Int>) -> [Double] {
        switch self {
        case .planar(let m):
            return [Double](repeating: grid.dx * grid.dy * m * m, count: rows.count)
        case .geographic(let e):
            return rows.map { r in
                let top = min(90, max(-90, grid.y(row: Double(r))))
                let bottom = min(90, max(-90, grid.y(row: Double(r + 1))))
                return e.cellArea(lat0: bottom, lat1: top, dLon: grid.dx)
            }
        }
    }
}

extension CellAreaModel {
    /// The area of a zone in m², measured as cell areas are (so a zone covering whole cells
    /// has exactly their area): exact coverage on the grid extended to hold the zone.
    public func zoneArea(_ geometry: MultiPolygon, grid: Grid) -> Double {
        let b = geometry.bounds
        if b.isEmpty { return 0 }
        let u0 = floor(grid.u(b.xmin)), u1 = ceil(grid.u(b.xmax))
        let v0 = floor(grid.v(b.ymax)), v1 = ceil(grid.v(b.ymin))
        // A zone spanning millions of cells (a stray vertex at x = 1e20) is not measured cell
        // by cell: its plane area, scaled by the area of a cell at the grid's centre per
        // square unit, is as good as such a zone's area can be.
        guard u1 - u0 <= 1e7, v1 - v0 <= 1e7 else {
            let mid = Grid(left: grid.left, top: grid.y(row: Double(grid.rows / 2)), dx: grid.dx, dy: grid.dy, cols: 1, rows: 1)
            return geometry.area * rowAreas(mid, rows: 0..<1)[0] / (grid.dx * grid.dy)
        }
        let g = Grid(left: grid.x(col: u0), top: grid.y(row: v0), dx: grid.dx, dy: grid.dy,
                     cols: max(1, Int(u1 - u0)), rows: max(1, Int(v1 - v0)))
        let cov = GridPolygon(geometry, on: g).coverage(.exact, in: g.full)
        let rows = rowAreas(g, rows: 0..<g.rows)
        return cov.spans.reduce(0) { $0 + Double($1.len) * $1.fraction * rows[Int($1.row)] }
    }
}
