import XCTest
import GeoCore
@testable import GeoKit

/// Column names: each form of the grammar read back into the parts it was made from, and
/// names that are not indicator columns left alone.
final class ColumnKeyTests: XCTestCase {
    func testEachFormReadsBackIntoItsParts() {
        let cases: [(String, ColumnKey)] = [
            ("ntl_sum", ColumnKey(label: "ntl", stat: "sum")),
            ("precip_b3_mean", ColumnKey(label: "precip_b3", stat: "mean")),
            ("ntl_p90", ColumnKey(label: "ntl", stat: "p90")),
            ("ntl_p2.5", ColumnKey(label: "ntl", stat: "p2.5")),
            ("lc_weighted_mean", ColumnKey(label: "lc", stat: "weighted_mean")),
            ("hazard_frac_3", ColumnKey(label: "hazard", stat: "frac", classSuffix: "3")),
            ("dem_area_-1", ColumnKey(label: "dem", stat: "area", classSuffix: "-1")),
            ("hazard_wfrac_2", ColumnKey(label: "hazard", stat: "wfrac", classSuffix: "2")),
            ("dem_frac_low", ColumnKey(label: "dem", stat: "frac", classSuffix: "low")),
            ("dem_frac_0_500", ColumnKey(label: "dem", stat: "frac", classSuffix: "0_500")),
            ("dem_frac_out_of_range", ColumnKey(label: "dem", stat: "frac", classSuffix: "out_of_range")),
            ("pop_sum_where_hazard_ge_3", ColumnKey(label: "pop", stat: "sum", condition: "hazard_ge_3")),
            ("hazard_frac_3_where_flood_gt_0_5", ColumnKey(label: "hazard", stat: "frac", classSuffix: "3", condition: "flood_gt_0_5")),
            ("pop_where_hazard_ge_3_nodata", ColumnKey(label: "pop", stat: "where_nodata", condition: "hazard_ge_3")),
            ("forest_area_2020_sum", ColumnKey(label: "forest_area_2020", stat: "sum")),
        ]
        for (name, key) in cases {
            XCTAssertEqual(ColumnKey(parsing: name), key, name)
            XCTAssertEqual(key.name, name, "formatted back")
        }
        XCTAssertEqual(ColumnKey(parsing: "pop_sum_where_hazard_ge_3")?.statText, "sum_where_hazard_ge_3")
        XCTAssertEqual(ColumnKey(parsing: "pop_where_hazard_ge_3_nodata")?.statText, "where_hazard_ge_3_nodata")
        XCTAssertEqual(ColumnKey(parsing: "hazard_frac_3")?.statText, "frac_3")
    }

    func testNamesThatAreNotIndicatorColumns() {
        for name in ["TS_PCODE", "sum", "_sum", "name", "ntl_pc", "students", "where_x"] {
            XCTAssertNil(ColumnKey(parsing: name), name)
        }
    }

    /// The names zonal writes are the keys' names: every statistic of a band, per class and
    /// with a condition, read back to its own parts.
    func testZonalNamesReadBack() {
        for st in Statistic.all where st != .whereNodata {
            let key = ColumnKey(label: "ntl_b2", stat: st.classColumnPrefix ?? st.name, classSuffix: st.classColumnPrefix == nil ? nil : "7",
                                condition: "hazard_in_1_3")
            XCTAssertEqual(ColumnKey(parsing: key.name), key, key.name)
        }
    }
}
