import Foundation

/// The zone's own area, as a formula variable: `zone_area_m2`, `zone_area_ha`,
/// `zone_area_km2` (a roll-up row: the sum of its zones' areas).
public enum ZoneAreaVariable: String, Sendable, CaseIterable {
    case m2 = "zone_area_m2", ha = "zone_area_ha", km2 = "zone_area_km2"

    public var squareMetres: Double {
        switch self { case .m2: return 1; case .ha: return 1e4; case .km2: return 1e6 }
    }
}
