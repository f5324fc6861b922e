import Foundation

// Short sort keys for a column of numbers (the report's sortable table): a page sorts by
// the exact values, but 17 digits per cell made the table of a 48-indicator report a third
// of its size. Each value gets the shortest number (fewest significant digits) that lies
// strictly between the midpoints to its neighbours in sorted order: sorting the keys gives
// exactly the order of the values, ties included.

package enum SortKeys {
    /// A key per value (nil stays nil): `Double(key)` sorts as the values do.
    package static func shortest(_ values: [Double?]) -> [String?] {
        let distinct = Array(Set(values.compactMap { $0 }.filter(\.isFinite))).sorted()
        var keyOf: [Double: String] = [:]
        keyOf.reserveCapacity(distinct.count)
        for (i, v) in distinct.enumerated() {
            let lo = i > 0 ? distinct[i - 1] / 2 + v / 2 : -Double.infinity
            let hi = i + 1 < distinct.count ? v / 2 + distinct[i + 1] / 2 : Double.infinity
            keyOf[v] = shortestBetween(v, lo, hi)
        }
        return values.map { v in v.map { keyOf[$0] ?? formatNumber($0) } }
    }

    /// The shortest text of a number near `v` strictly inside `(lo, hi)`; `v` itself in
    /// full when no shorter one is.
    static func shortestBetween(_ v: Double, _ lo: Double, _ hi: Double) -> String {
        for digits in 1...16 {
            let s = String(format: "%.\(digits)g", v)   // %g drops trailing zeros
            if let k = Double(s), k > lo, k < hi { return s }
        }
        return formatNumber(v)
    }

}
