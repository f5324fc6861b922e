import Foundation

// Rows of a register that are identical (the same school entered twice). Comparing every
// row's every field would decode a million rows to find a handful of repeats: rows are
// first bucketed by a cheap key (their position, hashed), and only the rows that share a
// bucket with another are compared in full. Rows without a position all share one bucket
// and are always compared in full (there are few, and a dictionary keeps that linear).

package enum IdenticalRows {
    /// The cheap key of a position: equal numbers give equal keys (-0 is 0).
    @inline(__always)
    package static func positionKey(x: Double, y: Double) -> UInt64 {
        var h = (x + 0).bitPattern &* 0x9E37_79B9_7F4A_7C15
        h ^= (y + 0).bitPattern &+ 0x632B_E59B_D9B4_E019 &+ (h << 6) &+ (h >> 2)
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        return h
    }

    /// Groups of identical rows among `0..<n`, each in row order, the groups ordered by
    /// their first row. `coarse[i]` must be equal for identical rows (it may be equal for
    /// others); `full(i)` is the row's whole identity, compared for equality.
    package static func groups(count n: Int, coarse: [UInt64], full: (Int) -> String) -> [[Int]] {
        precondition(coarse.count == n && n < Int(Int32.max))
        guard n > 1 else { return [] }
        // Pass 1: which rows share their coarse key with another row.
        var size = 16
        while size < 2 * n + 1 { size <<= 1 }
        let mask = size - 1
        var shared = [Bool](repeating: false, count: n)
        var table = [Int32](repeating: -1, count: size)
        for i in 0..<n {
            let h = coarse[i]
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let j = Int(table[slot])
                if j < 0 { table[slot] = Int32(i); break }
                if coarse[j] == h { shared[i] = true; shared[j] = true; break }
                slot = (slot + 1) & mask
            }
        }
        // Pass 2: those rows, by their whole identity.
        var byIdentity: [String: Int] = [:]
        var groups: [[Int]] = []
        for i in 0..<n where shared[i] {
            let key = full(i)
            if let g = byIdentity[key] { groups[g].append(i) } else { byIdentity[key] = groups.count; groups.append([i]) }
        }
        return groups.filter { $0.count > 1 }
    }
}
