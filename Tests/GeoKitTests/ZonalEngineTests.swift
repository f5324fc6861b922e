import XCTest
import GeoCore
import GeoKit
import GeoTestSupport

/// The engine on arrays in memory: every expected number is computed here from the zones'
/// geometry (rectangles, so each cell's covered fraction is a product of two overlaps) and
/// the cell values, never taken from the engine.
final class ZonalEngineTests: XCTestCase {
    // Non-square cells away from the origin, so map -> grid conversion is exercised.
    static let grid = Grid(left: 100, top: 50, dx: 2, dy: 0.5, cols: 40, rows: 90)
    static let cellArea = 2 * 0.5 * 10 * 10.0     // metresPerUnit 10
    let areaModel = CellAreaModel.planar(metresPerUnit: 10)

    // MARK: Zones in cell units

    /// A rectangle in cell units: columns c0...c1, rows r0...r1 from the top-left corner.
    struct Rect { var c0, r0, c1, r1: Double }
    struct RectPolygon { var shell: Rect; var holes: [Rect] = [] }

    static func ring(_ r: Rect, on g: Grid) -> Ring {
        let x0 = g.x(col: r.c0), x1 = g.x(col: r.c1), yTop = g.y(row: r.r0), yBottom = g.y(row: r.r1)
        return Ring([(x0, yBottom), (x1, yBottom), (x1, yTop), (x0, yTop), (x0, yBottom)])
    }

    static func zone(_ i: Int, _ parts: [RectPolygon], on g: Grid = grid) -> Zone {
        let mp = MultiPolygon(parts.map { Polygon(shell: ring($0.shell, on: g), holes: $0.holes.map { ring($0, on: g) }) })
        return Zone(index: i, id: "z\(i)", attributes: [], geometry: mp)
    }

    /// Covered fraction of cell (row, col): overlap of the cell's unit square with each shell,
    /// minus that with each hole.
    static func fraction(_ parts: [RectPolygon], row: Int, col: Int) -> Double {
        func overlap(_ r: Rect) -> Double {
            let ox = max(0, min(Double(col + 1), r.c1) - max(Double(col), r.c0))
            let oy = max(0, min(Double(row + 1), r.r1) - max(Double(row), r.r0))
            return ox * oy
        }
        return parts.reduce(0) { $0 + overlap($1.shell) - $1.holes.reduce(0) { $0 + overlap($1) } }
    }

    /// Tall (crosses every row band), multipart, with a hole, partly outside, wholly
    /// outside, empty, and the whole grid.
    static let shapes: [[RectPolygon]] = [
        [RectPolygon(shell: Rect(c0: 0.5, r0: 0.25, c1: 7.75, r1: 80.5))],
        [RectPolygon(shell: Rect(c0: 10, r0: 3, c1: 12.5, r1: 5.5)), RectPolygon(shell: Rect(c0: 20.25, r0: 60, c1: 30, r1: 89.75))],
        [RectPolygon(shell: Rect(c0: 14, r0: 10, c1: 26, r1: 40), holes: [Rect(c0: 16.5, r0: 20.25, c1: 18, r1: 30.5)])],
        [RectPolygon(shell: Rect(c0: 35.5, r0: -4, c1: 45, r1: 10.5))],
        [RectPolygon(shell: Rect(c0: 50, r0: 0, c1: 55, r1: 5))],
        [],
        [RectPolygon(shell: Rect(c0: 0, r0: 0, c1: 40, r1: 90))],
    ]
    static let zones = shapes.enumerated().map { zone($0.offset, $0.element) }

    // MARK: Brute force

    /// What the statistics must be, summed cell by cell.
    struct Expected {
        var count = 0.0, sum = 0.0, min = Double.infinity, max = -Double.infinity
        var nodataCover = 0.0, cells = 0, weightCount = 0.0, weightSum = 0.0
        var pairs: [(value: Double, cover: Double)] = []
        var classes: [Double: Double] = [:]
        var mean: Double? { count > 0 ? sum / count : nil }
        var variance: Double? {
            guard let m = mean else { return nil }
            return pairs.reduce(0) { $0 + $1.cover * ($1.value - m) * ($1.value - m) } / count
        }
        var nodataFrac: Double? { count + nodataCover > 0 ? nodataCover / (count + nodataCover) : nil }
        var weightedMean: Double? { weightCount > 0 ? weightSum / weightCount : nil }
        var frac: [Double: Double] { classes.mapValues { $0 / count } }
    }

    /// `value(row, col)` is the cell's value after scale and offset, nil when it has none
    /// (nodata or masked); `weight` likewise (nil: no weight).
    static func expected(_ parts: [RectPolygon], grid g: Grid = grid, value: (Int, Int) -> Double?,
                         weight: ((Int, Int) -> Double?)? = nil) -> Expected {
        var e = Expected()
        for r in 0..<g.rows {
            for c in 0..<g.cols {
                let f = fraction(parts, row: r, col: c)
                guard f > 0 else { continue }
                e.cells += 1
                guard let v = value(r, c) else { e.nodataCover += f; continue }
                e.count += f; e.sum += f * v
                e.min = Swift.min(e.min, v); e.max = Swift.max(e.max, v)
                e.pairs.append((v, f))
                e.classes[v, default: 0] += f
                if let w = weight?(r, c) { e.weightCount += f * w; e.weightSum += f * w * v }
            }
        }
        return e
    }

    // MARK: Running the engine

    struct Run {
        var threads = 2
        var minBandRows: Int?
        var maxMemory: Int?
        var minPartialBytes: Int?
        var method = CoverageMethod.exact
        var coverageCache: CoverageCache?
    }

    func runEngine(_ raster: ArrayRaster, weights: ArrayRaster? = nil, zones: [Zone] = zones, stats: [Statistic],
                   _ run: Run = Run(), file: StaticString = #filePath, line: UInt = #line) throws -> [[ZoneStats]] {
        try runWithOffsets(raster, weights: weights, zones: zones, stats: stats, run, file: file, line: line).stats
    }

    /// Every zone's accumulators per source, checking each (zone, source) arrives exactly once,
    /// and the source offsets the sink saw (more than one: the sources went in chunks).
    func runWithOffsets(_ raster: ArrayRaster, weights: ArrayRaster? = nil, zones: [Zone] = zones, stats: [Statistic],
                        _ run: Run = Run(), file: StaticString = #filePath, line: UInt = #line) throws
        -> (stats: [[ZoneStats]], firsts: Set<Int>) {
        var opts = EngineOptions()
        opts.stats = stats; opts.threads = run.threads; opts.method = run.method
        if let m = run.minBandRows { opts.minBandRows = m }
        if let m = run.maxMemory { opts.maxMemory = m }
        if let m = run.minPartialBytes { opts.minPartialBytes = m }
        opts.coverageCache = run.coverageCache
        let sources = raster.bands.map { BandSource(raster: raster.opener, band: $0.index, info: $0) }
        let w = weights.map { BandSource(raster: $0.opener, band: 1, info: $0.bands[0]) }
        let engine = ZonalEngine(grid: raster.grid, areaModel: areaModel, sources: sources, weights: w, options: opts)
        var out = [[ZoneStats?]](repeating: [ZoneStats?](repeating: nil, count: sources.count), count: zones.count)
        var firsts = Set<Int>()
        try engine.run(zones: zones, sink: { z, first, accs in
            firsts.insert(first)
            for (k, a) in accs.enumerated() {
                XCTAssertNil(out[z][first + k], "zone \(z) source \(first + k) delivered twice", file: file, line: line)
                out[z][first + k] = a
            }
        })
        let stats = out.enumerated().map { z, accs in
            accs.enumerated().map { s, a in
                if a == nil { XCTFail("zone \(z) source \(s) never delivered", file: file, line: line) }
                return a ?? ZoneStats()
            }
        }
        return (stats, firsts)
    }

    /// The engine's numbers against the brute force ones.
    func assertMatches(_ s: ZoneStats, _ e: Expected, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertRelative(Statistic.count.value(of: s), e.count, 1e-12, "\(what) count", file: file, line: line)
        // A sum over no valid cell is empty, as the mean is (the brute force adds up to 0).
        assertRelative(Statistic.sum.value(of: s), e.count > 0 ? e.sum : nil, 1e-12, "\(what) sum", file: file, line: line)
        assertRelative(Statistic.sum.value(of: s, emptySum: .zero), e.sum, 1e-12, "\(what) sum, --empty-sum zero", file: file, line: line)
        assertRelative(Statistic.mean.value(of: s), e.mean, 1e-12, "\(what) mean", file: file, line: line)
        XCTAssertEqual(Statistic.min.value(of: s), e.count > 0 ? e.min : nil, "\(what) min", file: file, line: line)
        XCTAssertEqual(Statistic.max.value(of: s), e.count > 0 ? e.max : nil, "\(what) max", file: file, line: line)
        assertRelative(Statistic.area.value(of: s), e.count * Self.cellArea, 1e-12, "\(what) area", file: file, line: line)
        XCTAssertEqual(Statistic.cells.value(of: s), Double(e.cells), "\(what) cells", file: file, line: line)
        assertRelative(Statistic.nodataFrac.value(of: s), e.nodataFrac, 1e-12, "\(what) nodata_frac", file: file, line: line)
        assertRelative(Statistic.variance.value(of: s), e.variance, 1e-9, "\(what) variance", file: file, line: line)
    }

    // MARK: Rasters

    /// Float values with repeats (so classes and quantiles have ties) and a sprinkle of nodata.
    static func floatValue(_ r: Int, _ c: Int) -> Double { Double((r * 37 + c * 11) % 29) * 0.25 - 3 }
    static func isNodataCell(_ r: Int, _ c: Int) -> Bool { (r * 5 + c) % 31 == 0 }

    static func floatRaster(blockRows: Int = 256, nodata: Bool = true) -> ArrayRaster {
        var values: [Double] = []
        for r in 0..<grid.rows { for c in 0..<grid.cols { values.append(nodata && isNodataCell(r, c) ? -999 : floatValue(r, c)) } }
        return ArrayRaster(grid: grid, bands: [.init(values, nodata: nodata ? -999 : nil)], blockRows: blockRows)
    }

    let moments: [Statistic] = [.count, .sum, .mean, .min, .max, .variance, .area, .cells, .nodataFrac]

    // MARK: Tests

    func testRectangleOnThreeByThreeByHand() throws {
        // Values 1...9 row by row; the square (0.5, 0.5)-(2.5, 2.5) covers the corners a
        // quarter, the edges half and the centre fully: count 4, sum 5 + 10 + 5 = 20.
        let g = Grid(left: 0, top: 3, dx: 1, dy: 1, cols: 3, rows: 3)
        let raster = ArrayRaster(grid: g, bands: [.init((1...9).map(Double.init))])
        let z = Self.zone(0, [RectPolygon(shell: Rect(c0: 0.5, r0: 0.5, c1: 2.5, r1: 2.5))], on: g)
        let s = try runEngine(raster, zones: [z], stats: moments)[0][0]
        XCTAssertEqual(Statistic.count.value(of: s)!, 4, accuracy: 1e-14)
        XCTAssertEqual(Statistic.sum.value(of: s)!, 20, accuracy: 1e-13)
        XCTAssertEqual(Statistic.mean.value(of: s)!, 5, accuracy: 1e-14)
        XCTAssertEqual(Statistic.min.value(of: s), 1)
        XCTAssertEqual(Statistic.max.value(of: s), 9)
        XCTAssertEqual(Statistic.cells.value(of: s), 9)
        XCTAssertEqual(Statistic.area.value(of: s)!, 4 * 100, accuracy: 1e-11)
    }

    func testBandCuttingGivesTheBruteForceNumbers() throws {
        var runs: [(String, [[ZoneStats]])] = []
        for blockRows in [1, 2, 7, 256] {
            for minBandRows in [1, 64] {
                let raster = Self.floatRaster(blockRows: blockRows)
                var opts = EngineOptions(); opts.minBandRows = minBandRows
                let engine = ZonalEngine(grid: Self.grid, areaModel: areaModel,
                                         sources: [BandSource(raster: raster.opener, band: 1, info: raster.bands[0])], options: opts)
                // Whole blocks, at least minBandRows of them: the cuts really differ.
                let expectedRows = minBandRows == 1 ? blockRows : (64 + blockRows - 1) / blockRows * blockRows
                XCTAssertEqual(engine.rowsPerBand(readCols: Self.grid.cols), expectedRows, "blockRows \(blockRows)")
                runs.append(("blockRows \(blockRows), min \(minBandRows)",
                             try runEngine(raster, stats: moments, Run(minBandRows: minBandRows))))
            }
        }
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape) { r, c in Self.isNodataCell(r, c) ? nil : Self.floatValue(r, c) }
            for (name, result) in runs { assertMatches(result[z][0], e, "zone \(z), \(name)") }
        }
        // The zones that matter are really covered (guards against an all-empty pass).
        XCTAssertGreaterThan(runs[0].1[0][0].count, 500)
        XCTAssertEqual(runs[0].1[4][0].count, 0)   // wholly outside
        XCTAssertNil(Statistic.mean.value(of: runs[0].1[5][0]))   // empty geometry
    }

    /// Every bit of an accumulator, histogram included.
    func bits(_ s: ZoneStats) -> [UInt64] {
        var out = [s.count, s.sum, s.mean, s.m2, s.min, s.max, s.nodataCount, s.area, s.totalArea,
                   s.weightCount, s.weightSum, s.zoneArea].map(\.bitPattern) + [UInt64(s.cells)]
        for (v, b) in s.histogram?.bins ?? [] {
            out += [v.bitPattern, b.coverage.bitPattern, b.area.bitPattern, b.weighted.bitPattern]
        }
        return out
    }

    func testThreadCountDoesNotChangeAnyBit() throws {
        // One-row bands: ~90 partials per zone merged in band order whatever the threads.
        // Values that are not binary fractions, so a different merge order would show in the bits.
        var values: [Double] = []
        for r in 0..<Self.grid.rows { for c in 0..<Self.grid.cols { values.append(sin(Double(r) * 0.37 + Double(c) * 1.3) * 100 / 3) } }
        let raster = ArrayRaster(grid: Self.grid, bands: [.init(values)], blockRows: 1)
        let weights = ArrayRaster(name: "weights", grid: Self.grid,
                                  bands: [.init((0..<(40 * 90)).map { Double($0 % 7) * 0.3 })])
        let stats: [Statistic] = [.count, .mean, .stdev, .median, .weightedMean]
        let reference = try runEngine(raster, weights: weights, stats: stats, Run(threads: 1, minBandRows: 1))
        XCTAssertNotNil(reference[0][0].histogram)
        for threads in [2, 3, 8] {
            let other = try runEngine(raster, weights: weights, stats: stats, Run(threads: threads, minBandRows: 1))
            for z in Self.zones.indices {
                XCTAssertEqual(bits(other[z][0]), bits(reference[z][0]), "zone \(z), \(threads) threads")
            }
        }
    }

    func testSourcesInChunksEqualOnePass() throws {
        // Twelve bands, each its own function of the cell.
        let bands: [ArrayRaster.Band] = (0..<12).map { b in
            var v: [Double] = []
            for r in 0..<Self.grid.rows { for c in 0..<Self.grid.cols { v.append(Self.floatValue(r, c) * Double(b + 1) + Double(b)) } }
            return .init(v)
        }
        let raster = ArrayRaster(grid: Self.grid, bands: bands, blockRows: 8)
        let stats: [Statistic] = [.count, .mean, .stdev, .median]
        let (whole, oneFirst) = try runWithOffsets(raster, stats: stats, Run(minBandRows: 1))
        // No memory to speak of: one source per pass.
        let (chunked, chunkFirsts) = try runWithOffsets(raster, stats: stats, Run(minBandRows: 1, maxMemory: 1, minPartialBytes: 1))
        XCTAssertEqual(oneFirst, [0])
        XCTAssertEqual(chunkFirsts, Set(0..<12))
        for z in Self.zones.indices {
            for b in 0..<12 { XCTAssertEqual(bits(chunked[z][b]), bits(whole[z][b]), "zone \(z) band \(b)") }
        }
        let e = Self.expected(Self.shapes[2]) { r, c in Self.floatValue(r, c) * 12 + 11 }
        assertMatches(chunked[2][11], e, "band 12 of the zone with a hole")
    }

    /// More zones in a row band than `coverageChunk`: their coverages are made and folded
    /// chunk by chunk. Every bit as when each band's coverages are made whole first (as
    /// they are for a coverage cache), on 1 and 2 threads, and a sample of zones against
    /// the brute force.
    func testZonesFoldedInCoverageChunksEqualWholeLists() throws {
        var values: [Double] = []
        for r in 0..<Self.grid.rows { for c in 0..<Self.grid.cols { values.append(sin(Double(r) * 0.37 + Double(c) * 1.3) * 100 / 3) } }
        let raster = ArrayRaster(grid: Self.grid, bands: [.init(values)], blockRows: 8)
        var shapes: [[RectPolygon]] = []
        for i in 0..<(3 * ZonalEngine.coverageChunk + 17) {
            let c0 = Double((i * 7) % 37) + Double(i % 4) * 0.25, r0 = Double((i * 13) % 84) + Double(i % 3) * 0.3
            shapes.append([RectPolygon(shell: Rect(c0: c0, r0: r0, c1: c0 + 1.5 + Double(i % 3), r1: r0 + 0.8 + Double(i % 5)))])
        }
        let zones = shapes.enumerated().map { Self.zone($0.offset, $0.element) }
        let stats: [Statistic] = [.count, .mean, .stdev, .min, .max]
        // Two row bands (64 rows and 26), each with more zones than three chunks hold.
        let whole = try runEngine(raster, zones: zones, stats: stats, Run(threads: 1, minBandRows: 64, coverageCache: CoverageCache()))
        for threads in [1, 2] {
            let chunked = try runEngine(raster, zones: zones, stats: stats, Run(threads: threads, minBandRows: 64))
            for z in zones.indices where bits(chunked[z][0]) != bits(whole[z][0]) {
                XCTFail("zone \(z), \(threads) threads: chunks and whole lists differ"); break
            }
        }
        for z in stride(from: 0, to: zones.count, by: 97) {
            let e = Self.expected(shapes[z]) { r, c in values[r * Self.grid.cols + c] }
            assertMatches(whole[z][0], e, "zone \(z)")
        }
    }

    func testMaskedCellsCountAsNodata() throws {
        let masked = { (r: Int, c: Int) in (r + c) % 3 == 0 || c == 5 }
        var values: [Double] = [], mask: [UInt8] = []
        for r in 0..<Self.grid.rows {
            for c in 0..<Self.grid.cols { values.append(Self.floatValue(r, c)); mask.append(masked(r, c) ? 0 : 255) }
        }
        let raster = ArrayRaster(grid: Self.grid, bands: [.init(values, mask: mask)], blockRows: 16)
        let result = try runEngine(raster, stats: moments, Run(minBandRows: 1))
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape) { r, c in masked(r, c) ? nil : Self.floatValue(r, c) }
            assertMatches(result[z][0], e, "zone \(z)")
        }
        XCTAssertGreaterThan(result[0][0].nodataCount, 100)
    }

    func testNodataCellsAreLeftOutAndCounted() throws {
        let result = try runEngine(Self.floatRaster(blockRows: 16), stats: moments, Run(minBandRows: 1))
        // -999 would drag every minimum down if nodata leaked in.
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape) { r, c in Self.isNodataCell(r, c) ? nil : Self.floatValue(r, c) }
            assertMatches(result[z][0], e, "zone \(z)")
            if e.count > 0 { XCTAssertGreaterThan(Statistic.min.value(of: result[z][0])!, -999) }
        }
        XCTAssertGreaterThan(Statistic.nodataFrac.value(of: result[6][0])!, 0.02)
    }

    func testScaleAndOffsetApplyAfterTheNodataTest() throws {
        // Int16 raw values; nodata is a raw value (-1), values are raw * 0.1 - 2.
        let raw = { (r: Int, c: Int) -> Double in (r * 3 + c) % 13 == 0 ? -1 : Double((r * 7 + c * 3) % 50) }
        var values: [Double] = []
        for r in 0..<Self.grid.rows { for c in 0..<Self.grid.cols { values.append(raw(r, c)) } }
        let raster = ArrayRaster(grid: Self.grid, bands: [.init(values, type: .int16, nodata: -1, scale: 0.1, offset: -2)],
                                 blockRows: 10)
        let result = try runEngine(raster, stats: moments, Run(minBandRows: 1))
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape) { r, c in raw(r, c) == -1 ? nil : raw(r, c) * 0.1 - 2 }
            assertMatches(result[z][0], e, "zone \(z)")
        }
    }

    func testWeightedMeanWithAWeightsRaster() throws {
        // Weights 0...4 with 4 as the weights' nodata (missing, not weight 4).
        let weight = { (r: Int, c: Int) -> Double in Double((r + 2 * c) % 5) }
        var w: [Double] = []
        for r in 0..<Self.grid.rows { for c in 0..<Self.grid.cols { w.append(weight(r, c)) } }
        let weights = ArrayRaster(name: "weights", grid: Self.grid, bands: [.init(w, nodata: 4)])
        let result = try runEngine(Self.floatRaster(blockRows: 16), weights: weights,
                                   stats: [.count, .mean, .weightedMean, .weightedSum], Run(minBandRows: 1))
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape, value: { r, c in Self.isNodataCell(r, c) ? nil : Self.floatValue(r, c) },
                                  weight: { r, c in weight(r, c) == 4 ? nil : weight(r, c) })
            assertRelative(Statistic.weightedMean.value(of: result[z][0]), e.weightedMean, 1e-12, "zone \(z) weighted_mean")
            // Empty, not 0, where no cell with a value is covered (as weighted_mean).
            assertRelative(Statistic.weightedSum.value(of: result[z][0]), e.count > 0 ? e.weightSum : nil, 1e-12, "zone \(z) weighted_sum")
        }
        // The weights really change the answer.
        XCTAssertNotEqual(Statistic.weightedMean.value(of: result[6][0])!, Statistic.mean.value(of: result[6][0])!, accuracy: 1e-3)
    }

    func testInt8NegativeValues() throws {
        let raster = ArrayRaster(grid: Self.grid, bands: [.init([Double](repeating: -5, count: 40 * 90), type: .int8)],
                                 blockRows: 4)
        let result = try runEngine(raster, stats: moments, Run(minBandRows: 1))
        for (z, shape) in Self.shapes.enumerated() {
            let e = Self.expected(shape) { _, _ in -5 }
            let s = result[z][0]
            assertMatches(s, e, "zone \(z)")
            guard e.count > 0 else { continue }
            XCTAssertEqual(Statistic.mean.value(of: s)!, -5, accuracy: 1e-12)
            XCTAssertEqual(Statistic.min.value(of: s), -5)
            XCTAssertEqual(Statistic.max.value(of: s), -5)
            XCTAssertEqual(Statistic.variance.value(of: s)!, 0, accuracy: 1e-12)
        }
    }

    func testUInt8ClassFractions() throws {
        // Classes 0, 1, 2, 7 and nodata 3; the masked variant also drops a diagonal stripe.
        let cls = { (r: Int, c: Int) -> Double in [0, 1, 2, 3, 7][(r / 3 + c) % 5] }
        let stripe = { (r: Int, c: Int) in (r - c) % 4 == 0 }
        var values: [Double] = [], mask: [UInt8] = []
        for r in 0..<Self.grid.rows {
            for c in 0..<Self.grid.cols { values.append(cls(r, c)); mask.append(stripe(r, c) ? 0 : 1) }
        }
        for masked in [false, true] {
            let raster = ArrayRaster(grid: Self.grid, bands: [.init(values, type: .uint8, nodata: 3, mask: masked ? mask : nil)],
                                     blockRows: 5)
            let result = try runEngine(raster, stats: [.count, .frac, .majority], Run(minBandRows: 1))
            XCTAssertNotNil(result[0][0].histogram?.dense, "byte rasters use the dense table")
            for (z, shape) in Self.shapes.enumerated() {
                let e = Self.expected(shape) { r, c in cls(r, c) == 3 || (masked && stripe(r, c)) ? nil : cls(r, c) }
                let frac = Statistic.frac.classValues(of: result[z][0])
                XCTAssertEqual(Set(frac.keys), Set(e.frac.keys), "zone \(z) masked \(masked)")
                for (v, f) in e.frac { assertRelative(frac[v], f, 1e-12, "zone \(z) masked \(masked) class \(v)") }
                assertRelative(Statistic.count.value(of: result[z][0]), e.count, 1e-12, "zone \(z) count")
            }
        }
    }
}
