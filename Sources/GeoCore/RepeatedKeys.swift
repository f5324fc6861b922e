import Foundation

// Keys that occur more than once among many (duplicate zone ids), with their counts.
//
// Each key is hashed once (64-bit FNV-1a over its UTF-8, then a mixer), and positions go
// into open-addressing tables of Int32. The tables are split by the hash's top bit, so two
// threads fill halves that no key spans and nothing is merged afterwards. Equal hashes are
// confirmed by comparing the keys, so a collision never makes a duplicate. On 200,000 ids
// counting in a Dictionary<String, Int> (SipHash, a String stored and retained per slot)
// was a twentieth of a whole run.

package enum RepeatedKeys {
    /// The hash of a key, as `find` expects it.
    @inline(__always)
    package static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var ascii = true
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3; ascii = ascii && b < 0x80 }
        // Swift's == is canonical equivalence ("é" == "e\u{301}"): beyond ASCII, hash the
        // composed form so that equal keys hash alike.
        if !ascii {
            h = 0xcbf2_9ce4_8422_2325
            for b in s.precomposedStringWithCanonicalMapping.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        // FNV's low bits are weak for short, similar keys ("1", "2", ...): mix them in.
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        return h
    }

    /// The keys among positions `0..<count` that occur more than once, with how often.
    /// `hashes[i]` is `hash(key(i))`; positions in `skip` (blank ids) take no part.
    package static func find(count n: Int, hashes: [UInt64], skip: Set<Int> = [], threads: Int,
                             key: (Int) -> String) -> [String: Int] {
        precondition(hashes.count == n && n < Int(Int32.max))
        let parts = threads > 1 && n >= 50_000 ? 2 : 1
        var found = [[String: Int]](repeating: [:], count: parts)
        // Room for every key at a load of at most one half (a part holds about n / parts).
        var size = 16
        while size < 2 * n / parts + 1 { size <<= 1 }
        let tableSize = size
        hashes.withUnsafeBufferPointer { h in
            found.withUnsafeMutableBufferPointer { out in
                let out = out
                WorkerPool(threads: parts).run(tasks: parts) { part in
                    let mask = tableSize - 1
                    let table = UnsafeMutablePointer<Int32>.allocate(capacity: tableSize)
                    defer { table.deallocate() }
                    table.initialize(repeating: -1, count: tableSize)
                    var repeated: [String: Int] = [:]
                    for i in 0..<n where parts == 1 || Int(h[i] >> 63) == part {
                        if !skip.isEmpty && skip.contains(i) { continue }
                        let hi = h[i]
                        var slot = Int(truncatingIfNeeded: hi) & mask
                        while true {
                            let j = Int(table[slot])
                            if j < 0 { table[slot] = Int32(i); break }
                            if h[j] == hi {
                                let k = key(i)
                                if k == key(j) { repeated[k, default: 1] += 1; break }
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                    out[part] = repeated
                }
            }
        }
        return found.count == 1 ? found[0] : found[0].merging(found[1]) { a, _ in a }
    }
}
