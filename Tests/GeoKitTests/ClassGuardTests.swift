import XCTest
import GeoCore
@testable import GeoKit
import GeoTestSupport

/// Categorical statistics stop on a raster with more distinct values than the limit, early
/// (before the run has read most of the raster), with one error naming the raster, the band
/// and the limit; under the limit, and for statistics that are not categorical, runs as
/// before.
final class ClassGuardTests: XCTestCase {
    static let grid = Grid(left: 100, top: 50, dx: 1, dy: 1, cols: 40, rows: 90)
    let areaModel = CellAreaModel.planar(metresPerUnit: 1)

    /// Every cell its own value (a continuous raster), or `classes` values (categories).
    static func raster(classes: Int? = nil, blockRows: Int = 1) -> ArrayRaster {
        let values = (0..<(grid.cols * grid.rows)).map { i in classes.map { Double(i % $0) } ?? (Double(i) * 0.37 + 0.001) }
        return ArrayRaster(name: "cont.tif", grid: grid, bands: [.init(values)], blockRows: blockRows)
    }

    static func rect(_ i: Int, c0: Double, r0: Double, c1: Double, r1: Double) -> Zone {
        let x0 = grid.x(col: c0), x1 = grid.x(col: c1), yTop = grid.y(row: r0), yBottom = grid.y(row: r1)
        return Zone(index: i, id: "z\(i)", attributes: [],
                    geometry: MultiPolygon([Polygon(shell: Ring([(x0, yBottom), (x1, yBottom), (x1, yTop), (x0, yTop), (x0, yBottom)]))]))
    }

    /// One zone over the whole grid; or one zone per row (40 cells each).
    static let whole = [rect(0, c0: 0, r0: 0, c1: 40, r1: 90)]
    static let rows = (0..<90).map { rect($0, c0: 0, r0: Double($0), c1: 40, r1: Double($0 + 1)) }

    /// Run with `limit`; the cells done when the run ended (from the progress calls).
    func run(_ raster: ArrayRaster, zones: [Zone], stats: [Statistic], limit: Int) throws -> (zones: Int, cellsDone: Int) {
        var opts = EngineOptions()
        opts.stats = stats; opts.threads = 1; opts.minBandRows = 1; opts.maxClasses = limit
        let engine = ZonalEngine(grid: raster.grid, areaModel: areaModel,
                                 sources: [BandSource(raster: raster.opener, band: 1, info: raster.bands[0])], options: opts)
        var finished = 0, done = 0
        do {
            try engine.run(zones: zones, sink: { _, _, _ in finished += 1 }, progress: { d, _ in done = d })
        } catch {
            throw Stopped(error: error, cellsDone: done)
        }
        return (finished, done)
    }

    struct Stopped: Error { var error: Error; var cellsDone: Int }

    func assertStopsEarly(_ zones: [Zone], _ stat: Statistic, limit: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try run(Self.raster(), zones: zones, stats: [.count, stat], limit: limit), file: file, line: line) { e in
            guard let s = e as? Stopped, let g = s.error as? GeoKitError else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssertEqual(g.kind, .input, file: file, line: line)
            XCTAssertEqual(g.file, "cont.tif", file: file, line: line)
            XCTAssertTrue(g.problem.contains("band 1") && g.problem.contains("more than \(limit) distinct values") && g.problem.contains(stat.name),
                          g.messageWithHint, file: file, line: line)
            XCTAssertTrue(g.hint?.contains("--classes NAME=B0,B1") == true, g.messageWithHint, file: file, line: line)
            // 40 new values a row: the limit is passed within a few rows of the 90.
            XCTAssertLessThanOrEqual(s.cellsDone, 40 * (limit / 40 + 2), "stopped early: \(s.cellsDone) cells of 3,600", file: file, line: line)
        }
    }

    /// One zone over everything: its merged bands pass the limit while it is still open.
    func testOneLargeZoneStopsWhileOpen() {
        for stat in [Statistic.frac, .majority, .minority, .variety, .classArea] { assertStopsEarly(Self.whole, stat, limit: 100) }
    }

    /// Zones of 40 values each, under the limit one by one: their values together pass it.
    func testManySmallZonesStopOnTheirValuesTogether() {
        assertStopsEarly(Self.rows, .frac, limit: 100)
        assertStopsEarly(Self.rows, .majority, limit: 100)
    }

    /// One row band holding more values than the limit in one zone stops in that band.
    func testOneRowBandOverTheLimit() {
        XCTAssertThrowsError(try run(Self.raster(blockRows: 90), zones: Self.whole, stats: [.frac], limit: 100))
    }

    func testAtTheLimitAndWithoutCategoricalStatisticsItRuns() throws {
        // 3,600 distinct values: a limit of 3,600 is not passed; 3,599 is.
        XCTAssertEqual(try run(Self.raster(), zones: Self.rows, stats: [.frac], limit: 3600).zones, 90)
        XCTAssertThrowsError(try run(Self.raster(), zones: Self.rows, stats: [.frac], limit: 3599))
        // Median and percentiles keep every value too, but are not categorical: no limit.
        XCTAssertEqual(try run(Self.raster(), zones: Self.whole, stats: [.median, .p90], limit: 10).zones, 1)
        // A raster of 7 classes runs with any limit above 7.
        XCTAssertEqual(try run(Self.raster(classes: 7), zones: Self.rows, stats: [.frac, .majority], limit: 7).zones, 90)
    }

    func testTheDocumentedLimit() {
        XCTAssertEqual(Statistic.maxClasses, 10_000)
        XCTAssertEqual(Statistic.all.filter(\.isCategorical).map(\.name), ["majority", "minority", "variety", "frac", "class_area", "weighted_frac"])
    }
}

private extension Statistic { static let p90 = Statistic.percentile(90) }
