import Foundation

/// An indicator's series and values, loaded from the cache.
public struct BatchSeries {
    public struct Entry { public var source: Int; public var bandIndex: Int; public var band: Int; public var date: String?; public var path: String }
    public let entries: [Entry]
    package let values: [[Double]]           // per source: [unit][band][source key]
    package let bandCounts: [Int]
    /// The value keys of the table (statistics; per-class ones as `frac_2`), in zonal's order.
    public let keys: [String]
    /// Per key, its statistic (index into the indicator's statistics).
    package let keyStats: [Int]
    /// Per source, its own keys' count, and per table key its index among them (nil: a class
    /// the file does not hold).
    package let sourceKeyCounts: [Int]
    package let sourceKeyIndex: [[Int?]]
    public var statCount: Int { keys.count }
    /// Per entry, where its values lie in its source's array (flat: `value` is called per
    /// value of every table, and copying an `Entry`, with its two strings, cost more than
    /// the lookup).
    private let slots: [Slot]
    /// Per source and table key, the key's index among the source's keys (-1: none).
    private let keySlots: [Int]

    private struct Slot { var source: Int; var bandOffset: Int; var unitStride: Int }

    package init(entries: [Entry], values: [[Double]], bandCounts: [Int], keys: [String], keyStats: [Int], sourceKeyCounts: [Int],
                 sourceKeyIndex: [[Int?]]) {
        self.entries = entries; self.values = values; self.bandCounts = bandCounts; self.keys = keys; self.keyStats = keyStats
        self.sourceKeyCounts = sourceKeyCounts; self.sourceKeyIndex = sourceKeyIndex
        slots = entries.map { e in
            Slot(source: e.source, bandOffset: e.bandIndex * sourceKeyCounts[e.source], unitStride: bandCounts[e.source] * sourceKeyCounts[e.source])
        }
        keySlots = sourceKeyIndex.flatMap { $0.map { $0 ?? -1 } }
    }

    public func value(unit u: Int, entry k: Int, stat s: Int) -> Double {
        let p = slots[k]
        let i = keySlots[p.source * keys.count + s]
        if i >= 0 { return values[p.source][u * p.unitStride + p.bandOffset + i] }
        return absentClassValue(unit: u, entry: k, stat: s)
    }

    /// One statistic's values of unit `u`, in entry (date) order, into `out` (one per entry).
    package func unitValues(unit u: Int, stat s: Int, into out: inout [Double]) {
        // Stored through a buffer pointer (an append per value checked the array's uniqueness).
        let n = slots.count
        if out.count != n { out = [Double](repeating: 0, count: n) }
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<n { o[k] = value(unit: u, entry: k, stat: s) }
        }
    }

    /// A class the file does not hold: a share of 0 where the band has a value of that
    /// statistic for the unit, else none (zonal's rule).
    private func absentClassValue(unit u: Int, entry k: Int, stat s: Int) -> Double {
        let e = entries[k], n = sourceKeyCounts[e.source]
        let base = (u * bandCounts[e.source] + e.bandIndex) * n
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
