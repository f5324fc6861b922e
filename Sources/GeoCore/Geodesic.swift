import Foundation

// Ellipsoidal (geodesic) distance: Vincenty's inverse formula (1975), accurate to well
// under a millimetre for the distances GeoKit measures (metres to a few hundred km).
// Near-antipodal points (where Vincenty may not converge) are out of scope: after 200
// iterations the last estimate is returned.

extension Ellipsoid {
    /// Geodesic distance in metres between two points given in degrees (longitude, latitude).
    public func distance(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> Double {
        if lon1 == lon2 && lat1 == lat2 { return 0 }
        let a = semiMajor, f = flattening, b = a * (1 - f)
        let d2r = Double.pi / 180
        var L = (lon2 - lon1).truncatingRemainder(dividingBy: 360)
        if L > 180 { L -= 360 } else if L < -180 { L += 360 }
        L *= d2r
        let U1 = atan((1 - f) * tan(lat1 * d2r)), U2 = atan((1 - f) * tan(lat2 * d2r))
        let sinU1 = sin(U1), cosU1 = cos(U1), sinU2 = sin(U2), cosU2 = cos(U2)
        var lambda = L
        var sinSigma = 0.0, cosSigma = 0.0, sigma = 0.0, cos2Alpha = 0.0, cos2SigmaM = 0.0
        for _ in 0..<200 {
            let sinL = sin(lambda), cosL = cos(lambda)
            let t1 = cosU2 * sinL, t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosL
            sinSigma = (t1 * t1 + t2 * t2).squareRoot()
            if sinSigma == 0 { return 0 }   // coincident points
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL
            sigma = atan2(sinSigma, cosSigma)
            let sinAlpha = cosU1 * cosU2 * sinL / sinSigma
            cos2Alpha = 1 - sinAlpha * sinAlpha
            cos2SigmaM = cos2Alpha != 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0   // equatorial line
            let C = f / 16 * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha))
            let prev = lambda
            lambda = L + (1 - C) * f * sinAlpha *
                (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)))
            if abs(lambda - prev) < 1e-12 { break }
        }
        let u2 = cos2Alpha * (a * a - b * b) / (b * b)
        let A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
        let B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
        let c2 = cos2SigmaM * cos2SigmaM
        let dSigma = B * sinSigma * (cos2SigmaM + B / 4 * (cosSigma * (-1 + 2 * c2)
            - B / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * c2)))
        return b * A * (sigma - dSigma)
    }

    /// Radii of curvature at a latitude (degrees): meridian M and prime vertical N, in metres.
    /// A local frame scaled by (N cos φ, M) per radian is conformal at φ: used to find
    /// nearest points before measuring them exactly with `distance`.
    public func radii(atLatitude lat: Double) -> (meridian: Double, primeVertical: Double) {
        let e2 = flattening * (2 - flattening)
        let s = sin(lat * .pi / 180)
        let w = (1 - e2 * s * s).squareRoot()
        return (semiMajor * (1 - e2) / (w * w * w), semiMajor / w)
    }
}
