import Foundation

// The statistics geotool computes, their names, and how each is read off a `ZoneStats`.
// Definitions follow exactextract's: every cell is weighted by the fraction of it the zone
// covers (1 for the `center` and `all-touched` methods).

/// What `sum` and `weighted_sum` are for a unit that covers no cell with a value (outside
/// the raster, or all nodata): `empty` (the default, as mean and min are) or `zero`
/// (earlier geotool versions, and exactextract, write 0 there).
public enum EmptySum: String, Sendable, CaseIterable {
    case empty, zero
}

public enum Statistic: Hashable, Sendable, CustomStringConvertible {
    case count, sum, mean, min, max, range, stdev, variance, cv, median
    /// `pNN`: the NN-th coverage-weighted percentile (0...100).
    case percentile(Double)
    case majority, minority, variety
    /// `frac`: share of the covered valid area in each class (one column per value).
    case frac
    case cells
    case nodataFrac
    case area
    /// `class_area`: covered area in m² of each class value (one column per value).
    case classArea
    case weightedMean, weightedSum
    /// `coverage`: share of the zone's area the raster covers (valid or nodata cells).
    case coverage
    /// `weighted_frac`: share of the weight (e.g. population) in each class.
    case weightedFrac
    /// `where_nodata`: with a condition (`sum(pop) where hazard >= 3`), the share of the
    /// zone's covered area where the condition raster has no value.
    case whereNodata

    public static let all: [Statistic] = [.count, .sum, .mean, .min, .max, .range, .stdev, .variance, .cv,
                                          .median, .percentile(90), .majority, .minority, .variety, .frac,
                                          .cells, .nodataFrac, .coverage, .area, .classArea, .weightedMean,
                                          .weightedSum, .weightedFrac, .whereNodata]

    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch s {
        case "count": self = .count
        case "sum": self = .sum
        case "mean": self = .mean
        case "min": self = .min
        case "max": self = .max
        case "range": self = .range
        case "stdev", "std": self = .stdev
        case "variance": self = .variance
        case "cv", "coefficient_of_variation": self = .cv
        case "median": self = .median
        case "majority", "mode": self = .majority
        case "minority": self = .minority
        case "variety": self = .variety
        case "frac": self = .frac
        case "cells": self = .cells
        case "nodata_frac": self = .nodataFrac
        case "coverage": self = .coverage
        case "area": self = .area
        case "class_area": self = .classArea
        case "weighted_mean": self = .weightedMean
        case "weighted_sum": self = .weightedSum
        case "weighted_frac": self = .weightedFrac
        case "where_nodata": self = .whereNodata
        default:
            if s.hasPrefix("p"), let q = Double(s.dropFirst()), q >= 0, q <= 100 {
                self = .percentile(q)
            } else {
                let names = Statistic.all.map(\.name)
                throw GeoKitError.argument("unknown statistic '\(text)'\(didYouMean(s, names + ["median", "p90"])); choose from \(names.joined(separator: ", ")) (pNN for any percentile)")
            }
        }
    }

    /// The name used in column headers and on the command line.
    public var name: String {
        switch self {
        case .count: return "count"
        case .sum: return "sum"
        case .mean: return "mean"
        case .min: return "min"
        case .max: return "max"
        case .range: return "range"
        case .stdev: return "stdev"
        case .variance: return "variance"
        case .cv: return "cv"
        case .median: return "median"
        case .percentile(let q):
            return "p" + (q == q.rounded() ? String(Int(q)) : String(q))
        case .majority: return "majority"
        case .minority: return "minority"
        case .variety: return "variety"
        case .frac: return "frac"
        case .cells: return "cells"
        case .nodataFrac: return "nodata_frac"
        case .coverage: return "coverage"
        case .area: return "area"
        case .classArea: return "class_area"
        case .weightedMean: return "weighted_mean"
        case .weightedSum: return "weighted_sum"
        case .weightedFrac: return "weighted_frac"
        case .whereNodata: return "where_nodata"
        }
    }
    public var description: String { name }

    /// Prefix of the per-class columns (`NAME_frac_3`, `NAME_area_3`, `NAME_wfrac_3`).
    public var classColumnPrefix: String? {
        switch self {
        case .frac: return "frac"
        case .classArea: return "area"
        case .weightedFrac: return "wfrac"
        default: return nil
        }
    }

    public var needsHistogram: Bool {
        switch self {
        case .median, .percentile, .majority, .minority, .variety, .frac, .classArea, .weightedFrac: return true
        default: return false
        }
    }
    /// Statistics of classes (a value per class, or the class with the most or least
    /// area, or their number): meant for rasters of categories such as land cover.
    public var isCategorical: Bool {
        switch self {
        case .majority, .minority, .variety, .frac, .classArea, .weightedFrac: return true
        default: return false
        }
    }

    /// Most distinct values a raster band may show within the zones of a run that asks for
    /// categorical statistics: more is a continuous raster (a column per value, a class
    /// table per zone, without bound), and the run stops. Land cover has tens of classes; an
    /// elevation model in whole metres fewer than 9,000.
    public static let maxClasses = 10_000

    public var needsWeights: Bool {
        switch self {
        case .weightedMean, .weightedSum, .weightedFrac: return true
        default: return false
        }
    }
    /// A short definition, for `--help` and the metadata sidecar.
    public var definition: String {
        switch self {
        case .count: return "sum of the coverage fractions of cells with a value"
        case .sum: return "sum of coverage x value"
        case .mean: return "coverage-weighted mean: sum / count"
        case .min: return "smallest value of any cell the zone covers"
        case .max: return "largest value of any cell the zone covers"
        case .range: return "max - min"
        case .stdev: return "coverage-weighted population standard deviation"
        case .variance: return "coverage-weighted population variance"
        case .cv: return "coefficient of variation: stdev / mean"
        case .median: return "coverage-weighted median (exactextract's weighted quantile)"
        case .percentile(let q): return "coverage-weighted \(formatNumber(q))th percentile (exactextract's weighted quantile)"
        case .majority: return "value with the largest covered area (ties: the smaller value)"
        case .minority: return "value with the smallest covered area (ties: the smaller value)"
        case .variety: return "number of distinct values"
        case .frac: return "share of the covered valid area in this class"
        case .cells: return "number of cells the zone touches (valid or not)"
        case .nodataFrac: return "share of the covered area that is nodata"
        case .coverage: return "share of the zone's area inside the raster (valid or nodata cells)"
        case .area: return "covered area of cells with a value, square metres (ellipsoidal on geographic rasters)"
        case .classArea: return "covered area of this class, square metres (ellipsoidal on geographic rasters)"
        case .weightedMean: return "sum of coverage x weight x value / sum of coverage x weight"
        case .weightedSum: return "sum of coverage x weight x value"
        case .weightedFrac: return "share of the weight (e.g. population) in this class"
        case .whereNodata: return "share of the covered area where the condition's raster has no value (nodata, masked or outside it): those cells count in no statistic of the operation"
        }
    }

    /// The unit of a result, given the raster's value unit.
    public func unit(valueUnit: String?) -> String? {
        switch self {
        case .count, .cells, .variety: return "cells"
        case .frac, .nodataFrac, .coverage, .weightedFrac, .whereNodata: return "fraction"
        case .area, .classArea: return "m2"
        case .cv: return "ratio"
        case .variance: return valueUnit.map { "(\($0))^2" }
        case .majority, .minority: return valueUnit ?? "class"
        default: return valueUnit
        }
    }

    package var needsMoments: Bool {
        switch self {
        case .stdev, .variance, .cv: return true
        default: return false
        }
    }

    /// Whether the statistic is a sum of values, which reads 0 over no values at all: empty
    /// there (or 0 with `EmptySum.zero`).
    public var isSumOfValues: Bool { self == .sum || self == .weightedSum }

    /// A one-column statistic's value; nil where it has no value (written as an empty cell).
    /// `sum` and `weighted_sum` of a zone that covers no cell with a value are empty, as its
    /// mean is (a 0 there reads as "zero lights"), unless `emptySum` is `.zero`.
    public func value(of s: ZoneStats, emptySum: EmptySum = .empty) -> Double? {
        let has = s.count > 0
        if isSumOfValues && !has && emptySum == .empty { return nil }
        switch self {
        case .count: return s.count
        case .sum: return s.sum
        case .mean: return has ? s.sum / s.count : nil
        case .min: return has ? s.min : nil
        case .max: return has ? s.max : nil
        case .range: return has ? s.max - s.min : nil
        case .variance: return has ? Swift.max(0, s.m2 / s.count) : nil
        case .stdev: return has ? Swift.max(0, s.m2 / s.count).squareRoot() : nil
        case .cv:
            guard has else { return nil }
            let m = s.sum / s.count
            return m == 0 ? nil : Swift.max(0, s.m2 / s.count).squareRoot() / m
        case .median, .percentile:
            guard has, let h = s.histogram else { return nil }
            let q: Double
            if case .percentile(let p) = self { q = p / 100 } else { q = 0.5 }
            return weightedQuantile(q, values: h.bins.map { ($0.value, $0.bin.coverage) })
        case .majority, .minority:
            guard has, let h = s.histogram else { return nil }
            var best: (Double, Double)?
            for (v, b) in h.bins {
                if let cur = best {
                    if self == .majority ? b.coverage > cur.1 : b.coverage < cur.1 { best = (v, b.coverage) }
                } else { best = (v, b.coverage) }
            }
            return best?.0
        case .variety: return Double(s.histogram?.bins.count ?? 0)
        case .cells: return Double(s.cells)
        case .nodataFrac:
            let all = s.count + s.nodataCount
            return all > 0 ? s.nodataCount / all : nil
        case .area: return s.area
        case .coverage: return s.zoneArea > 0 ? Swift.min(1, s.totalArea / s.zoneArea) : nil
        case .whereNodata: return s.totalArea > 0 ? Swift.min(1, s.conditionNodataArea / s.totalArea) : nil
        case .weightedMean: return s.weightCount > 0 ? s.weightSum / s.weightCount : nil
        case .weightedSum: return s.weightSum
        case .frac, .classArea, .weightedFrac: return nil
        }
    }

    /// A per-class statistic's values by class.
    public func classValues(of s: ZoneStats) -> [Double: Double] {
        guard let h = s.histogram else { return [:] }
        let bins = h.bins
        var out: [Double: Double] = [:]
        switch self {
        case .frac:
            let total = bins.reduce(0) { $0 + $1.bin.coverage }
            if total > 0 { for (v, b) in bins { out[v] = b.coverage / total } }
        case .classArea:
            for (v, b) in bins { out[v] = b.area }
        case .weightedFrac:
            let total = bins.reduce(0) { $0 + $1.bin.weighted }
            if total > 0 { for (v, b) in bins { out[v] = b.weighted / total } }
        default: break
        }
        return out
    }
}
