import Foundation

// Year of change from a categorical year raster (forest loss year: 0 no loss, 1 loss in
// 2001, ... 23 loss in 2023): the per-class amounts a zone holds (class_area, frac) as a
// dated series, one value per year, and the first, last and peak year of change.
//
// Class v ≥ 1 (a whole number) is year `firstYear` + v − 1; class 0 and any other value
// are "no change" and left out. The series runs from the year of the smallest class given
// to the year of the largest (batch gives every class any zone holds); a year whose class
// the zone does not hold has 0 (where the zone has values; with none, every year is empty).

public struct ChangeYears: Sendable, Equatable {
    /// Consecutive years and the amount of change in each.
    public var years: [Int]
    public var amounts: [Double]

    /// `classes`: every class value of the raster with the zone's amount (NaN: no value).
    public init(classes: [(value: Double, amount: Double)], firstYear: Int) {
        let changes = classes.compactMap { c -> (year: Int, amount: Double)? in
            guard c.value >= 1, c.value == c.value.rounded(), c.value < 10_000 else { return nil }
            return (firstYear + Int(c.value) - 1, c.amount)
        }
        guard let y0 = changes.map(\.year).min(), let y1 = changes.map(\.year).max() else { years = []; amounts = []; return }
        let hasValues = classes.contains { !$0.amount.isNaN }
        years = Array(y0...y1)
        amounts = years.map { _ in hasValues ? 0 : .nan }
        for c in changes where !c.amount.isNaN { amounts[c.year - y0] = c.amount }
    }

    /// The first year with change (amount > 0); NaN with none.
    public var firstYear: Double { years.indices.first { amounts[$0] > 0 }.map { Double(years[$0]) } ?? .nan }
    /// The last year with change; NaN with none.
    public var lastYear: Double { years.indices.last { amounts[$0] > 0 }.map { Double(years[$0]) } ?? .nan }
    /// The year of the most change (the earliest of equal ones); NaN with none.
    public var peakYear: Double {
        var best: Int?
        for i in amounts.indices where amounts[i] > 0 && (best == nil || amounts[i] > amounts[best!]) { best = i }
        return best.map { Double(years[$0]) } ?? .nan
    }
    /// The total change over the years (NaN when the zone has no values).
    public var total: Double { amounts.contains(where: \.isNaN) ? .nan : amounts.reduce(0, +) }
}
