import Foundation

// "Did you mean": the closest of the known words to a mistyped one (statistics, methods,
// formats, extensions, palettes, fields, manifest keys).

/// Edits between `a` and `b`: insertions, deletions, substitutions, and swaps of two
/// neighbouring letters (optimal string alignment), so `maen` is one edit from `mean` and
/// `cvs` one from `csv`, the commonest typing slips.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var before = [Int](repeating: 0, count: b.count + 1)   // row i-2
    var prev = Array(0...b.count)                           // row i-1
    for i in 1...a.count {
        var cur = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                cur[j] = Swift.min(cur[j], before[j - 2] + 1)
            }
        }
        before = prev
        prev = cur
    }
    return prev[b.count]
}

/// The closest of `candidates` to `word` (case aside: at most one edit for words of up to 5
/// letters, two for longer ones), else one that starts the other, if any.
public func suggestion(_ word: String, _ candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, editDistance(w, Array($0.lowercased()))) }.sorted { $0.1 < $1.1 }
    if let best = scored.first, best.1 <= Swift.max(1, Swift.min(2, w.count / 3)) { return best.0 }
    return candidates.first { $0.lowercased().hasPrefix(word.lowercased()) || word.lowercased().hasPrefix($0.lowercased()) }
}

/// " (did you mean 'x'?)" when a known word is close to `word` (and is not `word` itself),
/// else "": for the end of an error message's first clause.
public func didYouMean(_ word: String, _ known: [String], prefix: String = "") -> String {
    guard !word.isEmpty, let s = suggestion(word, known), s != word else { return "" }
    return " (did you mean '\(prefix)\(s)'?)"
}
