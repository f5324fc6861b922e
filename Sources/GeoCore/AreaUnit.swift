import Foundation

/// The unit `area` and `class_area` are written in (`--area-unit`): square metres (the
/// default), hectares or square kilometres. Computed in m² and divided once when stored.
public enum AreaUnit: String, Sendable, CaseIterable {
    case m2, ha, km2

    /// m² per unit.
    public var squareMetres: Double {
        switch self {
        case .m2: return 1
        case .ha: return 10_000
        case .km2: return 1_000_000
        }
    }

    /// A statistic's value in this unit: areas divided, other statistics as they are.
    @inline(__always) public func scaled(_ v: Double, _ stat: Statistic) -> Double {
        self == .m2 || !(stat == .area || stat == .classArea) ? v : v / squareMetres
    }

    /// A statistic's definition with areas in this unit ("covered area ..., hectares").
    public func definition(of stat: Statistic) -> String {
        guard self != .m2, stat == .area || stat == .classArea else { return stat.definition }
        return stat.definition.replacingOccurrences(of: "square metres", with: self == .ha ? "hectares" : "square kilometres")
    }

    /// A statistic's unit: this one for areas, else the statistic's own.
    public func unit(of stat: Statistic, valueUnit: String?) -> String? {
        stat == .area || stat == .classArea ? rawValue : stat.unit(valueUnit: valueUnit)
    }
}
