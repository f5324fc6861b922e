import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// Classing for choropleth maps: class breaks (quantile, equal interval, Fisher-Jenks
// natural breaks) and colour-blind-safe palettes. Plain Swift, no GDAL.
//
// Breaks are k+1 ascending edges b0 < b1 < ... < bk with b0 = min and bk = max of the
// non-missing values. Class i (0-based) holds the values v with b_i < v <= b_(i+1); the
// first class also holds b0 (upper bounds inclusive, as PySAL's mapclassify).

public enum ClassScheme: String, CaseIterable, Sendable {
    /// Breaks at the quantiles i/k of the values, numpy's default (linear) definition:
    /// sorted x_0..x_(n-1), h = (n-1)q, Q(q) = x_floor(h) + (h - floor(h))(x_floor(h)+1 - x_floor(h)).
    case quantile
    /// Breaks at min + i(max - min)/k.
    case equal
    /// Fisher-Jenks: the k groups of sorted values with the least total within-group sum of
    /// squared deviations (exact dynamic programming; over `jenksSampleLimit` values, an
    /// evenly spaced sample of the sorted values is classed).
    case jenks
}

public let jenksSampleLimit = 3000

/// numpy's linear quantile of sorted values.
public func linearQuantile(sorted x: [Double], _ q: Double) -> Double {
    precondition(!x.isEmpty)
    let h = Double(x.count - 1) * q
    let lo = Int(h.rounded(.down))
    if lo >= x.count - 1 { return x[x.count - 1] }
    return x[lo] + (h - Double(lo)) * (x[lo + 1] - x[lo])
}

/// Fisher-Jenks optimal breaks of sorted values into k groups: returns the upper bound
/// (largest value) of each group, ascending, k of them (fewer when there are fewer
/// distinct values).
public func fisherJenksUpperBounds(sorted x: [Double], classes k: Int) -> [Double] {
    let n = x.count
    guard n > 0, k > 0 else { return [] }
    var distinct = 1
    for i in 1..<n where x[i] != x[i - 1] { distinct += 1 }
    let k = min(k, distinct)
    if k == 1 { return [x[n - 1]] }
    // Prefix sums for O(1) within-group sum of squared deviations of x[i...j].
    var s1 = [Double](repeating: 0, count: n + 1), s2 = s1
    let shift = x[n / 2]   // centre for numerical stability
    for i in 0..<n { let v = x[i] - shift; s1[i + 1] = s1[i] + v; s2[i + 1] = s2[i] + v * v }
    @inline(__always) func ssd(_ i: Int, _ j: Int) -> Double {   // inclusive
        let m = Double(j - i + 1), a = s1[j + 1] - s1[i]
        return max(0, (s2[j + 1] - s2[i]) - a * a / m)
    }
    // cost[c][j]: best cost of x[0...j] in c+1 groups; start[c][j]: first index of the last group.
    var cost = [[Double]](repeating: [Double](repeating: .infinity, count: n), count: k)
    var start = [[Int]](repeating: [Int](repeating: 0, count: n), count: k)
    for j in 0..<n { cost[0][j] = ssd(0, j) }
    for c in 1..<k {
        for j in c..<n {
            var best = Double.infinity, arg = j
            for i in c...j {   // last group x[i...j]
                let v = cost[c - 1][i - 1] + ssd(i, j)
                if v < best { best = v; arg = i }
            }
            cost[c][j] = best; start[c][j] = arg
        }
    }
    var uppers: [Double] = []
    var j = n - 1
    for c in stride(from: k - 1, through: 0, by: -1) {
        uppers.append(x[j])
        if c > 0 { j = start[c][j] - 1 }
    }
    return uppers.reversed()
}

/// Class breaks (k+1 ascending edges, duplicates removed, so possibly fewer classes).
public func classBreaks(_ values: [Double], classes k: Int, scheme: ClassScheme) -> [Double] {
    let x = values.filter { $0.isFinite }.sorted()
    guard let lo = x.first, let hi = x.last else { return [] }
    if lo == hi || k <= 1 { return [lo, hi] }
    var b: [Double]
    switch scheme {
    case .quantile:
        b = (0...k).map { linearQuantile(sorted: x, Double($0) / Double(k)) }
    case .equal:
        b = (0...k).map { lo + Double($0) * (hi - lo) / Double(k) }
        b[k] = hi
    case .jenks:
        var s = x
        if x.count > jenksSampleLimit {
            let m = jenksSampleLimit
            s = (0..<m).map { x[Int((Double($0) * Double(x.count - 1) / Double(m - 1)).rounded())] }
        }
        b = [lo] + fisherJenksUpperBounds(sorted: s, classes: k)
        b[b.count - 1] = hi
    }
    var out: [Double] = []
    for v in b where out.last.map({ v > $0 }) ?? true { out.append(v) }
    if out.count == 1 { out.append(out[0]) }
    return out
}

/// Breaks for values of both signs: classes of the negative values and of the positive
/// values, with 0 always a break (0 itself falls in the class just below it). The number
/// of classes on each side follows the share of values on that side (at least one each).
public func divergingBreaks(_ values: [Double], classes k: Int, scheme: ClassScheme) -> (breaks: [Double], negativeClasses: Int) {
    let v = values.filter { $0.isFinite }
    let neg = v.filter { $0 <= 0 }, pos = v.filter { $0 > 0 }
    let k = max(2, k)
    let kn = min(max(Int((Double(k) * Double(neg.count) / Double(max(1, v.count))).rounded()), 1), k - 1)
    var nb = classBreaks(neg, classes: kn, scheme: scheme)
    var pb = classBreaks(pos, classes: k - kn, scheme: scheme)
    if nb.isEmpty { nb = [0, 0] }
    if pb.isEmpty { pb = [0, 0] }
    nb[nb.count - 1] = 0
    pb[0] = 0
    var out: [Double] = []
    for x in nb + pb.dropFirst() where out.last.map({ x > $0 }) ?? true { out.append(x) }
    return (out, out.firstIndex(of: 0) ?? 0)
}

/// The class (0-based) of `v` for breaks b0..bk: first i with v <= b_(i+1); nil outside [b0, bk] or NaN.
public func classIndex(_ v: Double, breaks b: [Double]) -> Int? {
    guard v.isFinite, b.count >= 2, v >= b[0], v <= b[b.count - 1] else { return nil }
    var lo = 0, hi = b.count - 2   // binary search over the k upper bounds b[1...k]
    while lo < hi {
        let mid = (lo + hi) / 2
        if v <= b[mid + 1] { hi = mid } else { lo = mid + 1 }
    }
    return lo
}

// MARK: - Palettes

/// Colour-blind-safe palettes: ColorBrewer (Cynthia A. Brewer, Penn State; Apache 2.0)
/// sequential and diverging schemes, and viridis (matplotlib; CC0).
public struct Palette: Sendable {
    public var name: String
    public var isDiverging: Bool
    package let byCount: [Int: [String]]
    package let reversed: Bool

    package static let table: [String: (Bool, [String])] = [
        "YlOrRd": (false, ["ffeda0 feb24c f03b20", "ffffb2 fecc5c fd8d3c e31a1c", "ffffb2 fecc5c fd8d3c f03b20 bd0026",
                           "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026", "ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
                           "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
                           "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"]),
        "YlGnBu": (false, ["edf8b1 7fcdbb 2c7fb8", "ffffcc a1dab4 41b6c4 225ea8", "ffffcc a1dab4 41b6c4 2c7fb8 253494",
                           "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494", "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
                           "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
                           "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"]),
        "Blues": (false, ["deebf7 9ecae1 3182bd", "eff3ff bdd7e7 6baed6 2171b5", "eff3ff bdd7e7 6baed6 3182bd 08519c",
                          "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c", "eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
                          "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
                          "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"]),
        "Greens": (false, ["e5f5e0 a1d99b 31a354", "edf8e9 bae4b3 74c476 238b45", "edf8e9 bae4b3 74c476 31a354 006d2c",
                           "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c", "edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
                           "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
                           "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"]),
        "Purples": (false, ["efedf5 bcbddc 756bb1", "f2f0f7 cbc9e2 9e9ac8 6a51a3", "f2f0f7 cbc9e2 9e9ac8 756bb1 54278f",
                            "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f", "f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
                            "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
                            "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"]),
        "RdBu": (true, ["ef8a62 f7f7f7 67a9cf", "ca0020 f4a582 92c5de 0571b0", "ca0020 f4a582 f7f7f7 92c5de 0571b0",
                        "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac", "b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac",
                        "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac",
                        "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac",
                        "67001f b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac 053061",
                        "67001f b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac 053061"]),
        "BrBG": (true, ["d8b365 f5f5f5 5ab4ac", "a6611a dfc27d 80cdc1 018571", "a6611a dfc27d f5f5f5 80cdc1 018571",
                        "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e", "8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e",
                        "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e",
                        "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e",
                        "543005 8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e 003c30",
                        "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30"]),
    ]
    /// viridis at 0, 1/9, ..., 1 (viridisLite(10)); other counts are interpolated.
    package static let viridisAnchors = ["440154", "482878", "3e4a89", "31688e", "26828e", "1f9e89", "35b779", "6dcd59", "b4de2c", "fde725"]

    public static var names: [String] { (table.keys.sorted() + ["viridis"]) }
    public static var sequentialNames: [String] { names.filter { $0 == "viridis" || table[$0]?.0 == false } }
    public static var divergingNames: [String] { names.filter { table[$0]?.0 == true } }

    /// A palette by name, case-insensitive; `_r` reverses it (e.g. `RdBu_r`).
    public init?(named raw: String) {
        var n = raw, rev = false
        if n.lowercased().hasSuffix("_r") { n.removeLast(2); rev = true }
        if n.lowercased() == "viridis" {
            name = "viridis"; isDiverging = false; byCount = [:]; reversed = rev
        } else if let key = Palette.table.keys.first(where: { $0.lowercased() == n.lowercased() }), let (div, lists) = Palette.table[key] {
            name = key; isDiverging = div; reversed = rev
            var d: [Int: [String]] = [:]
            for l in lists { let c = l.split(separator: " ").map { "#" + $0 }; d[c.count] = c }
            byCount = d
        } else { return nil }
        if rev { name += "_r" }
    }

    /// The palette of `map` and `report` when none is given: sequential YlOrRd (values of
    /// both signs get RdBu whatever the sequential palette, see `Classification`).
    public static let standard = Palette(named: "YlOrRd")!

    public var maxColors: Int { byCount.isEmpty ? 12 : byCount.keys.max()! }

    /// `n` colours from light to dark (sequential) or low to high (diverging), as `#rrggbb`.
    public func colors(_ n: Int) -> [String] {
        var c: [String]
        if byCount.isEmpty {   // viridis
            c = (0..<max(n, 1)).map { i in
                let t = n <= 1 ? 0.5 : Double(i) / Double(n - 1) * 9
                let a = min(Int(t), 8), f = t - Double(a)
                return mixHex(Palette.viridisAnchors[a], Palette.viridisAnchors[a + 1], f)
            }
        } else if let l = byCount[n] {
            c = l
        } else if n < 3 {
            let three = byCount[3]!
            c = n == 1 ? [three[1]] : [three[0], three[2]]
        } else {
            c = byCount[maxColors]!   // more classes than the palette has: repeat the darkest
            while c.count < n { c.append(c.last!) }
        }
        return reversed ? c.reversed() : c
    }
}

private func mixHex(_ a: String, _ b: String, _ f: Double) -> String {
    func rgb(_ s: String) -> [Double] {
        let v = Int(s, radix: 16)!
        return [Double(v >> 16 & 255), Double(v >> 8 & 255), Double(v & 255)]
    }
    let x = rgb(a), y = rgb(b)
    let m = (0..<3).map { Int((x[$0] + (y[$0] - x[$0]) * f).rounded()) }
    return String(format: "#%02x%02x%02x", m[0], m[1], m[2])
}

/// A classification of one column: breaks, one colour per class, counts.
public struct Classification: Sendable {
    public var breaks: [Double]
    public var colors: [String]
    public var scheme: ClassScheme
    public var palette: String
    public var diverging: Bool
    /// Units in each class, and units with no value.
    public var counts: [Int]
    public var missing: Int
    /// The breaks are the user's (`--breaks`), not computed.
    public var explicitBreaks = false
    public var classCount: Int { colors.count }

    /// Class the values. Values of both signs get a diverging palette centred on zero (the
    /// given palette when it is diverging, else RdBu) unless `allowDiverging` is false.
    public init(values: [Double?], classes k: Int, scheme: ClassScheme, palette: Palette,
                divergingPalette: Palette? = nil, allowDiverging: Bool = true) {
        let present = values.compactMap { $0 }.filter { $0.isFinite }
        let lo = present.min() ?? 0, hi = present.max() ?? 0
        if allowDiverging && lo < 0 && hi > 0 {
            let (b, kn) = divergingBreaks(present, classes: k, scheme: scheme)
            self.init(breaks: b, belowZero: kn, values: values, scheme: scheme, palette: palette, divergingPalette: divergingPalette)
        } else {
            let b = classBreaks(present, classes: k, scheme: scheme)
            self.init(breaks: b, belowZero: nil, values: values, scheme: scheme, palette: palette, divergingPalette: nil)
        }
    }

    /// Class the values at the user's breaks b1 < ... < bm (`--breaks 50,100,200`): m + 1
    /// classes, v <= b1, b1 < v <= b2, ..., v > bm, every one kept (so maps of several
    /// months share one legend). With values of both signs and 0 among the breaks, the
    /// classes diverge at 0 as in the computed schemes.
    public init(values: [Double?], breaks user: [Double], palette: Palette,
                divergingPalette: Palette? = nil, allowDiverging: Bool = true) {
        precondition(!user.isEmpty)
        let present = values.compactMap { $0 }.filter { $0.isFinite }
        let lo = min(present.min() ?? user[0], user[0]), hi = max(present.max() ?? user[user.count - 1], user[user.count - 1])
        let edges = [lo] + user + [hi]
        let zero = user.firstIndex(of: 0).map { $0 + 1 }
        let diverge = allowDiverging && zero != nil && (palette.isDiverging || (lo < 0 && hi > 0))
        self.init(breaks: edges, belowZero: diverge ? zero : nil, values: values, scheme: .equal, palette: palette, divergingPalette: divergingPalette)
        explicitBreaks = true
    }

    /// Colours for `breaks` (diverging around edge `belowZero` when given) and the counts.
    private init(breaks b: [Double], belowZero kn: Int?, values: [Double?], scheme: ClassScheme, palette: Palette, divergingPalette: Palette?) {
        self.scheme = scheme
        breaks = b
        if let kn {
            let pal = palette.isDiverging ? palette : (divergingPalette ?? Palette(named: "RdBu")!)
            let kp = b.count - 1 - kn
            let m = min(max(kn, kp), pal.maxColors / 2)
            let full = pal.colors(2 * m)
            var cols: [String] = []
            for j in 0..<kn { cols.append(full[max(0, m - kn + j)]) }
            for j in 0..<kp { cols.append(full[min(2 * m - 1, m + j)]) }
            colors = cols; diverging = true; self.palette = pal.name
        } else {
            colors = b.isEmpty ? [] : palette.colors(max(1, b.count - 1))
            diverging = false; self.palette = palette.name
        }
        var counts = [Int](repeating: 0, count: colors.count)
        var missing = 0
        for v in values {
            if let v, let c = classIndex(v, breaks: breaks) { counts[c] += 1 } else { missing += 1 }
        }
        self.counts = counts; self.missing = missing
    }

    /// The legend text of class `k`: "lo – hi", or "≤ b1" and "> bm" at the user's breaks.
    public func rangeLabel(_ k: Int) -> String {
        if explicitBreaks && k == 0 { return "≤ " + label(breaks[1]) }
        if explicitBreaks && k == classCount - 1 { return "> " + label(breaks[k]) }
        return label(breaks[k]) + " – " + label(breaks[k + 1])
    }

    public func classOf(_ v: Double?) -> Int? { v.flatMap { classIndex($0, breaks: breaks) } }
    public func color(_ v: Double?) -> String? { classOf(v).map { colors[$0] } }

    /// Decimals to show breaks with: about three significant digits of the range (the
    /// user's breaks: as many as they were given with, up to six).
    public var decimals: Int {
        guard let lo = breaks.first, let hi = breaks.last, hi > lo else { return 2 }
        let computed = max(0, min(6, 2 - Int(log10(hi - lo).rounded(.down))))
        guard explicitBreaks else { return computed }
        let given = breaks.dropFirst().dropLast().map { b in (0...6).first { d in abs(b * pow(10, Double(d)) - (b * pow(10, Double(d))).rounded()) < 1e-9 } ?? 6 }
        return max(computed, given.max() ?? 0)
    }
    public func label(_ v: Double) -> String { formatFixed(v, decimals) }
}

/// `v` with `d` decimals and thin grouping of thousands; "-0" shown as "0".
public func formatFixed(_ v: Double, _ d: Int) -> String {
    var s = String(format: "%.\(d)f", v)
    if Double(s) == 0 { s = String(format: "%.\(d)f", 0.0) }
    let neg = s.hasPrefix("-")
    if neg { s.removeFirst() }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    var int = String(parts[0])
    if int.count > 4 {
        var g: [String] = []
        while int.count > 3 { g.insert(String(int.suffix(3)), at: 0); int.removeLast(3) }
        g.insert(int, at: 0)
        int = g.joined(separator: ",")
    }
    return (neg ? "-" : "") + int + (parts.count > 1 ? "." + parts[1] : "")
}

/// The user's class breaks from text such as "50,100,200": finite numbers, strictly
/// ascending, at most 8 (9 classes, the most a palette has).
public func parseBreaks(_ text: String, option: Setting = .breaks) throws -> [Double] {
    var out: [Double] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let t = part.trimmingCharacters(in: .whitespaces)
        guard let v = Double(t), v.isFinite else {
            throw GeoKitError(.argument, "\(option, text): '\(t)' is not a number", hint: "give ascending numbers separated by commas, e.g. \(option, "50,100,200")")
        }
        if let last = out.last, v <= last {
            throw GeoKitError(.argument, "\(option, text): the breaks must be ascending, but \(t) comes after \(formatNumber(last))", hint: "e.g. \(option, "50,100,200")")
        }
        out.append(v)
    }
    if out.count > 8 { throw GeoKitError(.argument, "\(option, text): \(out.count) breaks make \(out.count + 1) classes; at most 8 breaks (9 classes)") }
    return out
}
