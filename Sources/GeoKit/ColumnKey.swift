import Foundation
import GeoCore

// The name of an indicator column in a wide zonal table, as a value. `name` formats it (the
// one place zonal names its columns: `OutputBand.columnName`), `init?(parsing:)` reads it
// back (map, report and merge read tables as indicators). The grammar:
//
//   LABEL_STAT                       ntl_sum, ntl_p90, precip_b3_mean
//   LABEL_PREFIX_CLASS               hazard_frac_3, loss_area_5, hazard_wfrac_2, dem_frac_low, dem_frac_0_500
//   ..._where_CONDITION              pop_sum_where_hazard_ge_3, hazard_frac_3_where_flood_gt_0_5
//   LABEL_where_CONDITION_nodata     pop_where_hazard_ge_3_nodata (the share where the condition has no value)
//
// LABEL is the band's label (`ntl`, `precip_b3`), PREFIX a per-class statistic's column
// prefix (`frac`, `area`, `wfrac`), CLASS a class value, bin or label, CONDITION
// `CellCondition.columnSuffix`.

public struct ColumnKey: Hashable, Sendable {
    /// The band's label: the raster's name, with `_bN` for band N of a multi-band raster.
    public var label: String
    /// The statistic's name (`sum`, `p90`, `where_nodata`), or a per-class statistic's prefix (`frac`).
    public var stat: String
    /// The class of a per-class statistic.
    public var classSuffix: String?
    /// The condition of an operation (`hazard_ge_3`).
    public var condition: String?

    public init(label: String, stat: String, classSuffix: String? = nil, condition: String? = nil) {
        self.label = label; self.stat = stat; self.classSuffix = classSuffix; self.condition = condition
    }

    static let nodataShare = Statistic.whereNodata.name
    static let classPrefixes = Statistic.all.compactMap(\.classColumnPrefix)
    /// Statistics that end a name by their own name, longest first (percentiles apart).
    static let plainStats = Statistic.all.map(\.name).filter { !$0.hasPrefix("p") && $0 != nodataShare }.sorted { $0.count > $1.count }

    /// The statistic as a table reader shows it: `sum`, `frac_3`, `sum_where_hazard_ge_3`,
    /// `where_hazard_ge_3_nodata`.
    public var statText: String {
        if stat == Self.nodataShare, let c = condition { return "where_\(c)_nodata" }
        return (classSuffix.map { "\(stat)_\($0)" } ?? stat) + (condition.map { "_where_" + $0 } ?? "")
    }

    /// The column's name.
    public var name: String { "\(label)_\(statText)" }

    /// A column name read back; nil for a name that is not LABEL_STAT (a formula, an id...).
    public init?(parsing name: String) {
        var body = name
        var condition: String?
        if let w = name.range(of: "_where_"), w.lowerBound > name.startIndex {
            body = String(name[..<w.lowerBound])
            let c = String(name[w.upperBound...])
            if c.hasSuffix("_nodata"), c.count > 7 {
                self.init(label: body, stat: Self.nodataShare, condition: String(c.dropLast(7)))
                return
            }
            condition = c
        }
        guard let (label, stat, cls) = Self.split(body) else { return nil }
        self.init(label: label, stat: stat, classSuffix: cls, condition: condition)
    }

    /// LABEL, STAT and CLASS of a name without its condition. A numeric class first (`frac_3`,
    /// `area_-1`, `frac_out_of_range`), then a statistic's name, a percentile, and last a class label or bin.
    private static func split(_ body: String) -> (String, String, String?)? {
        let prefixes = classPrefixes.joined(separator: "|")
        // A numeric class, or the bins' `out_of_range` (which ends like the statistic `range`).
        if let m = body.range(of: "_(\(prefixes))_(-?[0-9][0-9.eE+-]*|out_of_range)$", options: .regularExpression), m.lowerBound > body.startIndex {
            return classParts(body, m)
        }
        for st in plainStats where body.hasSuffix("_" + st) && body.count > st.count + 1 {
            return (String(body.dropLast(st.count + 1)), st, nil)
        }
        if let m = body.range(of: #"_p[0-9]+(\.[0-9]+)?$"#, options: .regularExpression), m.lowerBound > body.startIndex {
            return (String(body[..<m.lowerBound]), String(body[m].dropFirst()), nil)
        }
        if let m = body.range(of: "_(\(prefixes))_[A-Za-z0-9_.-]+$", options: .regularExpression), m.lowerBound > body.startIndex {
            return classParts(body, m)
        }
        return nil
    }

    /// `hazard_frac_3` at `_frac_3`: ("hazard", "frac", "3").
    private static func classParts(_ body: String, _ m: Range<String.Index>) -> (String, String, String?) {
        let tail = body[m].dropFirst()
        let prefix = tail.prefix { $0 != "_" }
        return (String(body[..<m.lowerBound]), String(prefix), String(tail.dropFirst(prefix.count + 1)))
    }
}
