import Foundation

// Classes of a continuous raster: `dem=0,500,1000,2000` bins elevation into [0, 500),
// [500, 1000), [1000, 2000), optionally labelled (`:low,mid,high`). Categorical statistics
// (frac, class_area, weighted_frac, variety) of such a raster count bins, not values: a class
// table of at most one entry per bin, where a Float32 layer's distinct values are millions.
// A value outside every bin (below the first break, or at or above the last) is its own
// class, "out_of_range", so that shares still add to 1.

public struct ClassBreaks: Hashable, Sendable, CustomStringConvertible {
    /// Strictly increasing, at least two: bin i is [breaks[i], breaks[i + 1]).
    public var breaks: [Double]
    /// One per bin, or none.
    public var labels: [String]?

    /// The class key of values outside every bin.
    public static let outOfRange = -1.0

    public init(breaks: [Double], labels: [String]? = nil) throws {
        guard breaks.count >= 2 else { throw GeoKitError.argument("classes need at least two breaks (one bin), e.g. 0,500,1000") }
        for k in 1..<breaks.count where !(breaks[k] > breaks[k - 1]) {
            throw GeoKitError.argument("class breaks must increase: \(formatNumber(breaks[k - 1])) then \(formatNumber(breaks[k]))")
        }
        if let labels {
            guard labels.count == breaks.count - 1 else {
                throw GeoKitError.argument("\(breaks.count) breaks make \(breaks.count - 1) classes, and \(labels.count) label(s) were given")
            }
            for l in labels where !Self.isLabel(l) { throw GeoKitError.argument("class label '\(l)' may hold only letters, digits and _ (it ends a column name)") }
            guard Set(labels).count == labels.count else { throw GeoKitError.argument("class labels repeat: \(labels.joined(separator: ","))") }
        }
        self.breaks = breaks; self.labels = labels
    }

    /// `0,500,1000,2000` or `0,500,1000,2000:low,mid,high`.
    public init(parsing given: String) throws {
        let parts = given.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let breaks = try parts[0].split(separator: ",", omittingEmptySubsequences: false).map { t -> Double in
            let s = t.trimmingCharacters(in: .whitespaces)
            guard let x = Double(s), x.isFinite else { throw GeoKitError.argument("classes '\(given)': '\(s)' is not a number; write B0,B1,...[:LABEL1,LABEL2,...]") }
            return x
        }
        let labels = parts.count > 1 ? parts[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } : nil
        do { try self.init(breaks: breaks, labels: labels) } catch let e as GeoKitError {
            throw GeoKitError.argument("classes '\(given)': \(e.problem)")
        }
    }

    public var text: String {
        breaks.map(formatNumber).joined(separator: ",") + (labels.map { ":" + $0.joined(separator: ",") } ?? "")
    }
    public var description: String { text }

    /// The bin of `v` (0-based), or `outOfRange`. Bins are few: a linear walk.
    @inline(__always) public func classKey(_ v: Double) -> Double {
        guard v >= breaks[0], v < breaks[breaks.count - 1] else { return Self.outOfRange }
        var k = 1
        while v >= breaks[k] { k += 1 }
        return Double(k - 1)
    }

    /// How a class ends a column name: its label, else `0_500` (`.` as `_`, minus as `m`), or `out_of_range`.
    public func columnSuffix(_ key: Double) -> String {
        guard key >= 0, let k = Int(exactly: key), k < breaks.count - 1 else { return "out_of_range" }
        if let labels { return labels[k] }
        func n(_ x: Double) -> String { formatNumber(x).replacingOccurrences(of: "-", with: "m").replacingOccurrences(of: ".", with: "_") }
        return "\(n(breaks[k]))_\(n(breaks[k + 1]))"
    }

    /// The class for the sidecar: `low: [0, 500)`, or `outside [0, 2000)`.
    public func describe(_ key: Double) -> String {
        guard key >= 0, let k = Int(exactly: key), k < breaks.count - 1 else {
            return "values outside [\(formatNumber(breaks[0])), \(formatNumber(breaks[breaks.count - 1])))"
        }
        return (labels.map { "\($0[k]): " } ?? "") + "[\(formatNumber(breaks[k])), \(formatNumber(breaks[k + 1])))"
    }

    private static func isLabel(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" }
    }
}
