import Foundation

/// An indicator's series and values, loaded from the cache.
public struct BatchSeries {
    public struct Entry { public var source: Int; public var bandIndex: Int; public var band: Int; public var date: String?; public var path: String }
    public var entries: [Entry]
    package var values: [[Double]]           // per source: [unit][band][source key]
    package var bandCounts: [Int]
    /// The value keys of the table (statistics; per-class ones as `frac_2`), in zonal's order.
    public var keys: [String]
    /// Per key, its statistic (index into the indicator's statistics).
    package var keyStats: [Int]
    /// Per source, its own keys' count, and per table key its index among them (nil: a class
    /// the file does not hold).
    package var sourceKeyCounts: [Int]
    package var sourceKeyIndex: [[Int?]]
    public var statCount: Int { keys.count }

    public func value(unit u: Int, entry k: Int, stat s: Int) -> Double {
        let e = entries[k], n = sourceKeyCounts[e.source]
        let base = (u * bandCounts[e.source] + e.bandIndex) * n
        if let i = sourceKeyIndex[e.source][s] { return values[e.source][base + i] }
        // A class the file does not hold: a share of 0 where the band has a value of that
        // statistic for the unit, else none (zonal's rule).
        for (t, i) in sourceKeyIndex[e.source].enumerated() where keyStats[t] == keyStats[s] {
            if let i, !values[e.source][base + i].isNaN { return 0 }
        }
        return .nan
    }
}

/// The column prefix of a series entry in wide tables, `zonal`'s rule: `NAME_DATE` for a
/// dated band; else `NAME` when the series is one band (a one-band file, or `band:`), and
/// `NAME_bN` for band N of several.
package func batchColumnPrefix(_ name: String, _ e: BatchSeries.Entry, entries: Int) -> String {
    if let d = e.date { return "\(name)_\(d)" }
    return entries == 1 ? name : "\(name)_b\(e.band)"
}
