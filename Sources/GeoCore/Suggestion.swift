import Foundation

// "Did you mean": the closest of the known words to a mistyped one (statistics, methods,
// formats, manifest keys and fields).

/// The closest of `candidates` to `word` (edit distance at most 2, or a prefix), if any.
public func suggestion(_ word: String, _ candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var prev = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var cur = [i + 1] + [Int](repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                cur[j + 1] = Swift.min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (ca == cb ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.sorted { $0.1 < $1.1 }
    if let best = scored.first, best.1 <= Swift.max(1, Swift.min(2, w.count / 3)) { return best.0 }
    return candidates.first { $0.lowercased().hasPrefix(word.lowercased()) || word.lowercased().hasPrefix($0.lowercased()) }
}
