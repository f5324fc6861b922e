import XCTest
import GeoCore
import GeoKit
import GeoTestSupport

/// Roll-ups on hand-made zones and accumulators: parents' numbers worked out by hand.
final class RollupTests: XCTestCase {
    // Five townships: A and B in district D001, C in D002 (state MMR001); D with a blank
    // district in state MMR002; E in MMR002D001, and E's values never arrive.
    let fields = ["DT_PCODE", "ST_PCODE"]
    let codes = [["MMR001D001", "MMR001"], ["MMR001D001", "MMR001"], ["MMR001D002", " MMR001 "],
                 ["  ", "MMR002"], ["MMR002D001", "MMR002"]]
    let attributes = [["Yangon", "x"], ["Yangon", "y"], ["Yangon", "x"], ["Mandalay", "x"], ["Mandalay", "z"]]
    let names: [[String?]] = [["Dist One", "Yangon"], ["Dist One bis", "Yangon R."], ["Dist Two", "Yangon"],
                              [nil, "Mandalay"], ["Dist Three", "Mandalay"]]
    let stats: [Statistic] = [.count, .sum, .mean, .min, .max, .frac]
    let scalarStats: [Statistic] = [.count, .sum, .mean, .min, .max]

    /// An accumulator of (value, coverage) cells of area 1, with class sums.
    func acc(_ cells: [(Double, Double)]) -> ZoneStats {
        var s = ZoneStats(histogram: true)
        for (v, c) in cells {
            s.add(value: v, coverage: c, cellArea: 1)
            s.histogram!.add(value: v, coverage: c, area: c, weighted: 0)
        }
        return s
    }

    // Band 0; band 2 is the same cells with values x 10.
    let cells: [[(Double, Double)]] = [[(1, 1), (3, 1)], [(10, 0.5)], [(4, 1), (6, 1), (8, 1)], [(2, 0.25)]]

    /// Three output bands in two grid groups: bands 0 and 2 (delivered in two chunks, as the
    /// engine does when memory is short), then band 1, where every zone but E arrives empty.
    func rolledUp() -> [ResultUnit] {
        let chains = ParentChains.fromFields(fields, codes: codes, country: "MMR")
        var r = Rollup(chains, stats: stats, bandCount: 3)
        r.beginGroup(template: [ZoneStats(histogram: true), ZoneStats(histogram: true)])
        // Zones in reverse order: the rows' order must not depend on it.
        for z in cells.indices.reversed() { r.add(zone: z, first: 0, [acc(cells[z])]) }
        for z in cells.indices.reversed() { r.add(zone: z, first: 1, [acc(cells[z].map { ($0.0 * 10, $0.1) })]) }
        r.endGroup(bands: [0, 2])
        r.beginGroup(template: [ZoneStats(histogram: true)])
        for z in cells.indices { r.add(zone: z, first: 0, [ZoneStats(histogram: true)]) }
        r.endGroup(bands: [1])
        return r.finish(attributes: attributes, names: names)
    }

    func value(_ u: ResultUnit, _ st: Statistic, band: Int) -> Double {
        u.scalar[band * scalarStats.count + scalarStats.firstIndex(of: st)!]
    }

    func testChainsFromFields() {
        let p = ParentChains.fromFields(fields + ["region_code"], codes: codes.map { $0 + ["R1"] }, country: "MMR")
        XCTAssertEqual(p.levelNames, ["district", "state", "region_code", "country"])
        XCTAssertEqual(p.countryCode, "MMR")
        XCTAssertEqual(p.chains[0].map(\.code), ["MMR001D001", "MMR001", "R1", "MMR"])
        XCTAssertEqual(p.chains[0].map(\.level), [0, 1, 2, 3])
        // Padding trimmed; a blank code skips that level.
        XCTAssertEqual(p.chains[2].map(\.code), ["MMR001D002", "MMR001", "R1", "MMR"])
        XCTAssertEqual(p.chains[3].map(\.code), ["MMR002", "R1", "MMR"])
        XCTAssertEqual(p.chains[3].map(\.level), [1, 2, 3])
        let noCountry = ParentChains.fromFields(fields, codes: codes, country: nil)
        XCTAssertEqual(noCountry.levelNames, ["district", "state"])
        XCTAssertEqual(noCountry.chains[0].map(\.code), ["MMR001D001", "MMR001"])
    }

    func testChainsFromGazetteer() {
        let gz = ["t1": "d1", "t2": "d1", "d1": "s1", "t3": "s2"]
        let p = ParentChains.fromGazetteer(gz, ids: ["t1", "t3", "t9"], country: "XYZ")
        // Levels by depth: the deepest chain has two parents.
        XCTAssertEqual(p.levelNames, ["parent1", "parent2", "country"])
        XCTAssertEqual(p.chains[0].map(\.code), ["d1", "s1", "XYZ"])
        XCTAssertEqual(p.chains[0].map(\.level), [0, 1, 2])
        XCTAssertEqual(p.chains[1].map(\.code), ["s2", "XYZ"])
        XCTAssertEqual(p.chains[1].map(\.level), [0, 2])
        // Not in the gazetteer: only the country.
        XCTAssertEqual(p.chains[2].map(\.code), ["XYZ"])
        // A cycle ends the chain instead of looping.
        let cyclic = ParentChains.fromGazetteer(["a": "b", "b": "c", "c": "b"], ids: ["a"], country: nil)
        XCTAssertEqual(cyclic.chains[0].map(\.code), ["b", "c"])
    }

    func testRowsSortedByLevelThenCode() {
        let rows = rolledUp()
        XCTAssertEqual(rows.map(\.id), ["MMR001D001", "MMR001D002", "MMR002D001", "MMR001", "MMR002", "MMR"])
        XCTAssertEqual(rows.map(\.level), ["district", "district", "district", "state", "state", "country"])
    }

    func testParentValuesMergeTheirZones() {
        let rows = Dictionary(uniqueKeysWithValues: rolledUp().map { ($0.id, $0) })
        // District D001 = A + B: count 2 + 0.5; its mean is the coverage-weighted mean of
        // the zones' means (2 over 2 cells, 10 over half a cell).
        let d1 = rows["MMR001D001"]!
        XCTAssertEqual(value(d1, .count, band: 0), 2.5, accuracy: 1e-12)
        XCTAssertEqual(value(d1, .sum, band: 0), 9, accuracy: 1e-12)
        let d1Sum: Double = 2 * 2 + 0.5 * 10
        XCTAssertEqual(value(d1, .mean, band: 0), d1Sum / 2.5, accuracy: 1e-12)
        XCTAssertEqual(value(d1, .min, band: 0), 1)
        XCTAssertEqual(value(d1, .max, band: 0), 10)
        XCTAssertEqual(value(d1, .mean, band: 2), 36, accuracy: 1e-12)
        XCTAssertEqual(value(d1, .max, band: 2), 100)
        // State MMR001 = A + B + C.
        let s1 = rows["MMR001"]!
        XCTAssertEqual(value(s1, .count, band: 0), 5.5, accuracy: 1e-12)
        let s1Sum: Double = 2 * 2 + 0.5 * 10 + 3 * 6
        XCTAssertEqual(value(s1, .mean, band: 0), s1Sum / 5.5, accuracy: 1e-12)
        XCTAssertEqual(value(s1, .min, band: 0), 1)
        XCTAssertEqual(value(s1, .max, band: 0), 10)
        // State MMR002 = D (E never arrived).
        let s2 = rows["MMR002"]!
        XCTAssertEqual(value(s2, .count, band: 0), 0.25, accuracy: 1e-12)
        XCTAssertEqual(value(s2, .mean, band: 0), 2, accuracy: 1e-12)
        // The country: everything.
        let c = rows["MMR"]!
        XCTAssertEqual(value(c, .count, band: 0), 5.75, accuracy: 1e-12)
        XCTAssertEqual(value(c, .sum, band: 0), 27.5, accuracy: 1e-12)
        XCTAssertEqual(value(c, .mean, band: 2), 275 / 5.75, accuracy: 1e-12)
        // Class shares of D001: classes 1 and 3 a whole cell each, 10 half a cell, of 2.5.
        let frac = d1.classes[0 * stats.count + stats.firstIndex(of: .frac)!]!
        XCTAssertEqual(frac.keys.sorted(), [1, 3, 10])
        XCTAssertEqual(frac[1]!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(frac[10]!, 0.2, accuracy: 1e-12)
        XCTAssertEqual(d1.classes[2 * stats.count + stats.firstIndex(of: .frac)!]!.keys.sorted(), [10, 30, 100])
    }

    func testParentsNoValueReachedStillGetARow() {
        let rows = Dictionary(uniqueKeysWithValues: rolledUp().map { ($0.id, $0) })
        // Only E lies in MMR002D001 and E never arrived: a row, every value empty.
        let d3 = rows["MMR002D001"]!
        XCTAssertEqual(d3.scalar.count, 3 * scalarStats.count)
        XCTAssertTrue(d3.scalar.allSatisfy(\.isNaN), "\(d3.scalar)")
        XCTAssertTrue(d3.classes.isEmpty)
        // Band 1: the zones arrived empty, so parents have a count of 0 and no mean.
        XCTAssertEqual(value(rows["MMR001"]!, .count, band: 1), 0)
        XCTAssertTrue(value(rows["MMR001"]!, .mean, band: 1).isNaN)
        XCTAssertTrue(value(d3, .count, band: 1).isNaN)
    }

    func testSharedAttributesAndNames() {
        let rows = Dictionary(uniqueKeysWithValues: rolledUp().map { ($0.id, $0) })
        // A and B agree on the first column only; C alone keeps both.
        XCTAssertEqual(rows["MMR001D001"]!.attributes, ["Yangon", ""])
        XCTAssertEqual(rows["MMR001D002"]!.attributes, ["Yangon", "x"])
        XCTAssertEqual(rows["MMR001"]!.attributes, ["Yangon", ""])
        XCTAssertEqual(rows["MMR002"]!.attributes, ["Mandalay", ""])
        XCTAssertEqual(rows["MMR"]!.attributes, ["", ""])
        // Names from the first zone of each parent; the country by its code.
        XCTAssertEqual(rows["MMR001D001"]!.name, "Dist One")
        XCTAssertEqual(rows["MMR001"]!.name, "Yangon")
        XCTAssertEqual(rows["MMR002"]!.name, "Mandalay")
        XCTAssertEqual(rows["MMR002D001"]!.name, "Dist Three")
        XCTAssertEqual(rows["MMR"]!.name, "Myanmar")
        XCTAssertTrue(rows.values.allSatisfy { !$0.isEmptyGeometry })
    }
}
