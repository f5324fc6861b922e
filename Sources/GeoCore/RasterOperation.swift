import Foundation

// An operation of a zonal run: one statistic of one named raster, optionally weighted by
// another and restricted to the cells where a condition holds:
//
//   frac(hazard)                      sum(pop)
//   weighted_frac(hazard, pop)        sum(pop) where hazard >= 3
//   area where flood > 0.5            count(lossyear) where lossyear in 1..23
//
// `area where COND` (no raster) is the covered area where the condition holds: the `area`
// of the condition's raster under its own condition, `area(flood) where flood > 0.5`.
// One parser and one formatter: `RasterOperation(parsing: op.text) == op` for every operation.

public struct RasterOperation: Hashable, Sendable, CustomStringConvertible {
    public var statistic: Statistic
    /// The raster whose values the statistic reads (a `--raster` name).
    public var raster: String
    /// The weights raster of a weighted statistic (`weighted_frac(hazard, pop)`).
    public var weights: String?
    public var condition: CellCondition?

    public init(statistic: Statistic, raster: String, weights: String? = nil, condition: CellCondition? = nil) {
        self.statistic = statistic; self.raster = raster; self.weights = weights; self.condition = condition
    }

    /// `STAT(RASTER[, WEIGHTS])[ where CONDITION]`, the canonical spelling.
    public var text: String {
        "\(statistic.name)(\(raster)\(weights.map { ", \($0)" } ?? ""))" + (condition.map { " where \($0.text)" } ?? "")
    }
    public var description: String { text }

    /// The rasters the operation names: its values, weights and condition raster.
    public var rasterNames: [String] { [raster] + [weights, condition?.raster].compactMap { $0 } }

    public init(parsing given: String) throws {
        let s = given.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> GeoKitError {
            GeoKitError.argument("operation '\(given)': \(why); write STAT(RASTER), STAT(RASTER, WEIGHTS) (weighted_*), optionally followed by 'where RASTER OP VALUE', or 'area where RASTER OP VALUE'")
        }
        // The condition: after the first ` where ` (a raster's name cannot hold a space).
        var head = s
        var condition: CellCondition?
        if let w = s.range(of: #"(^|\s|\))where(\s|$)"#, options: .regularExpression) {
            let condStart = s[w].hasPrefix(")") ? s.index(after: w.lowerBound) : w.lowerBound
            head = s[..<condStart].trimmingCharacters(in: .whitespaces)
            let condText = s[w.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !condText.isEmpty else { throw fail("nothing after 'where'") }
            condition = try CellCondition(parsing: condText)
        }
        guard !head.isEmpty else { throw fail("no statistic before 'where'") }
        let statText: String
        var args: [String] = []
        if let open = head.firstIndex(of: "(") {
            guard head.hasSuffix(")") else { throw fail("no closing ')'") }
            statText = head[..<open].trimmingCharacters(in: .whitespaces)
            args = head[head.index(after: open)..<head.index(before: head.endIndex)]
                .split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard args.allSatisfy({ !$0.isEmpty }) else { throw fail("an empty raster name") }
            for a in args where !RasterOperation.isName(a) { throw fail("'\(a)' is not a raster's name (letters, digits and _)") }
        } else {
            statText = head
        }
        guard RasterOperation.isName(statText) else { throw fail("'\(statText)' is not a statistic") }
        let stat: Statistic
        do { stat = try Statistic(parsing: statText) } catch let e as GeoKitError {
            throw GeoKitError.argument("operation '\(given)': \(e.problem)")
        }
        if args.isEmpty {
            // `area where flood > 0.5`: the condition raster's own covered area.
            guard stat == .area, let c = condition else {
                throw fail(stat == .area ? "area without a raster needs a condition (area where flood > 0.5)" : "\(stat.name) needs a raster: \(stat.name)(NAME)")
            }
            self.init(statistic: .area, raster: c.raster, condition: c)
            return
        }
        if stat.needsWeights {
            guard args.count == 2 else { throw fail("\(stat.name) takes a raster and its weights: \(stat.name)(RASTER, WEIGHTS)") }
        } else {
            guard args.count == 1 else { throw fail("\(stat.name) takes one raster") }
        }
        self.init(statistic: stat, raster: args[0], weights: args.count == 2 ? args[1] : nil, condition: condition)
    }

    private static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" }
    }
}
