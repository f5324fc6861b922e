// A mergeable accumulator of coverage-weighted statistics for one zone and one band.
//
// Every field is a sum, a min/max, or a Welford triple, so two accumulators built on
// disjoint parts of a zone merge into the accumulator of the whole: tiles merge into zones,
// workers into results, townships into districts. Merges happen in a fixed order, so any
// number of threads gives the same numbers.

/// Per-class sums: coverage, area in m², and weight x coverage.
public struct ClassBin: Sendable, Equatable {
    public var coverage = 0.0
    public var area = 0.0
    public var weighted = 0.0
    public init() {}
    public init(coverage: Double, area: Double, weighted: Double) {
        self.coverage = coverage; self.area = area; self.weighted = weighted
    }
    @inline(__always) package mutating func add(_ o: ClassBin) {
        coverage += o.coverage; area += o.area; weighted += o.weighted
    }
}

/// Value -> class sums. Byte rasters use a dense table of 256 bins.
public struct ClassHistogram: Sendable {
    public var dense: [ClassBin]?
    public var sparse: [Double: ClassBin] = [:]

    public init(denseBytes: Bool) { dense = denseBytes ? [ClassBin](repeating: ClassBin(), count: 256) : nil }

    @inline(__always) public mutating func add(value: Double, coverage: Double, area: Double, weighted: Double) {
        if dense != nil, value >= 0, value < 256, value == value.rounded(.down) {
            let k = Int(value)
            dense![k].coverage += coverage; dense![k].area += area; dense![k].weighted += weighted
        } else {
            sparse[value, default: ClassBin()].add(ClassBin(coverage: coverage, area: area, weighted: weighted))
        }
    }

    public mutating func merge(_ o: ClassHistogram) {
        if let od = o.dense {
            if dense == nil { dense = [ClassBin](repeating: ClassBin(), count: 256) }
            for k in 0..<256 where od[k].coverage != 0 || od[k].weighted != 0 { dense![k].add(od[k]) }
        }
        for (v, b) in o.sparse { sparse[v, default: ClassBin()].add(b) }
    }

    /// Classes with any coverage, ascending by value.
    public var bins: [(value: Double, bin: ClassBin)] {
        var out: [(Double, ClassBin)] = []
        if let d = dense { for k in 0..<256 where d[k].coverage > 0 { out.append((Double(k), d[k])) } }
        for (v, b) in sparse where b.coverage > 0 { out.append((v, b)) }
        out.sort { $0.0 < $1.0 }
        // A value can sit in both tables only if merged from different kinds; combine.
        var merged: [(value: Double, bin: ClassBin)] = []
        for (v, b) in out {
            if let last = merged.last, last.value == v { merged[merged.count - 1].bin.add(b) } else { merged.append((v, b)) }
        }
        return merged
    }
}

public struct ZoneStats: Sendable {
    /// Sum of coverage over valid cells (exactextract's `count`).
    public var count = 0.0
    /// Sum of coverage x value.
    public var sum = 0.0
    /// Coverage-weighted mean and sum of squared deviations (Welford / Chan).
    public var mean = 0.0
    public var m2 = 0.0
    // (mean and m2 are kept only when a moment statistic is requested; `sum / count` is the mean.)
    public var min = Double.infinity
    public var max = -Double.infinity
    /// Cells with any coverage, valid or not.
    public var cells = 0
    /// Sum of coverage over nodata cells.
    public var nodataCount = 0.0
    /// Covered area of valid cells, m².
    public var area = 0.0
    /// Covered area of all cells, valid or not, m².
    public var totalArea = 0.0
    /// Sums for weighted statistics: coverage x weight, and coverage x weight x value.
    public var weightCount = 0.0
    public var weightSum = 0.0
    /// The only field holding references: an accumulator without a class table is plain
    /// bytes, which the engine relies on to copy and reset zone-major partials as bytes
    /// (`ZonalEngine.resetBitwise`, `OrderedMerger.copyZoneMajor`). A new field holding a
    /// reference must end that.
    public var histogram: ClassHistogram?
    /// The zone's own area in m² (same measure as cell areas), for `coverage`.
    public var zoneArea = 0.0
    /// With a condition (`sum(pop) where hazard >= 3`): covered area in m² of the value
    /// cells (valid or not) times the share of each where the condition raster has no value
    /// (nodata, masked, or outside it), for `where_nodata` (this over `totalArea`, which a
    /// condition leaves whole). A sum, so it merges exactly; 0 without a condition.
    public var conditionNodataArea = 0.0

    public init(histogram: Bool = false, denseBytes: Bool = false) {
        if histogram { self.histogram = ClassHistogram(denseBytes: denseBytes) }
    }

    /// One cell (or `n` cells of equal value) with coverage `c` each.
    @inline(__always)
    public mutating func add(value v: Double, coverage c: Double, cellArea a: Double) {
        count += c
        sum += c * v
        let delta = v - mean
        mean += delta * c / count
        m2 += c * delta * (v - mean)
        if v < min { min = v }
        if v > max { max = v }
        area += c * a
    }

    /// A run of `n` valid cells of coverage `c` whose values have mean `runMean` and sum of
    /// squared deviations `runM2` (Chan's parallel merge of Welford triples).
    @inline(__always)
    public mutating func addRun(n: Double, runSum: Double, runMean: Double, runM2: Double,
                                min mn: Double, max mx: Double, coverage c: Double, cellArea a: Double) {
        let w = n * c
        guard w > 0 else { return }
        let total = count + w
        let delta = runMean - mean
        mean += delta * w / total
        m2 += runM2 * c + delta * delta * count * w / total
        count = total
        sum += c * runSum
        if mn < min { min = mn }
        if mx > max { max = mx }
        area += w * a
    }

    /// `addRun` without the moments (mean and m2 stay as they are): what a run changes when
    /// no statistic reads them (`mean` is `sum / count`), with the same bits for every other
    /// field. Spares the three divisions of each band's run.
    @inline(__always)
    public mutating func addRunSums(n: Double, runSum: Double, min mn: Double, max mx: Double, coverage c: Double, cellArea a: Double) {
        let w = n * c
        guard w > 0 else { return }
        count = count + w
        sum += c * runSum
        if mn < min { min = mn }
        if mx > max { max = mx }
        area += w * a
    }

    public mutating func merge(_ o: ZoneStats) {
        if o.count > 0 {
            let total = count + o.count
            let delta = o.mean - mean
            mean += delta * o.count / total
            m2 += o.m2 + delta * delta * count * o.count / total
            count = total
            sum += o.sum
        }
        area += o.area
        min = Swift.min(min, o.min)
        max = Swift.max(max, o.max)
        cells += o.cells
        nodataCount += o.nodataCount
        totalArea += o.totalArea
        weightCount += o.weightCount
        weightSum += o.weightSum
        zoneArea += o.zoneArea
        conditionNodataArea += o.conditionNodataArea
        if let oh = o.histogram {
            if histogram == nil { histogram = ClassHistogram(denseBytes: oh.dense != nil) }
            histogram!.merge(oh)
        }
    }
}
