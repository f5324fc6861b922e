import XCTest
@testable import GeoCore

/// "Did you mean": swapped neighbours are one slip, and the suggestion is the closest word.
final class SuggestionTests: XCTestCase {
    func testEditDistanceCountsASwapAsOneEdit() {
        // Hand-counted: one swap each; kitten -> sitting is Levenshtein's classic 3.
        XCTAssertEqual(editDistance(Array("maen"), Array("mean")), 1)
        XCTAssertEqual(editDistance(Array("cvs"), Array("csv")), 1)
        XCTAssertEqual(editDistance(Array("kitten"), Array("sitting")), 3)
        XCTAssertEqual(editDistance(Array(""), Array("abc")), 3)
        XCTAssertEqual(editDistance(Array("abc"), Array("abc")), 0)
    }

    func testSuggestionsForTheIssuesSlips() {
        XCTAssertEqual(suggestion("maen", ["count", "sum", "mean", "min", "max"]), "mean")
        XCTAssertEqual(suggestion("cvs", ["csv", "gpkg", "geojson", "fgb", "shp", "xlsx"]), "csv")
        XCTAssertEqual(suggestion("meen", ["count", "mean"]), "mean")
        XCTAssertEqual(suggestion("qunatile", ["quantile", "equal", "jenks"]), "quantile")
        XCTAssertNil(suggestion("zzz", ["csv", "gpkg"]))
        XCTAssertEqual(didYouMean("cvs", ["csv"], prefix: "."), " (did you mean '.csv'?)")
        XCTAssertEqual(didYouMean("csv", ["csv"]), "", "no suggestion of the word itself")
    }

    func testWhereFieldNames() {
        XCTAssertEqual(WhereFields.names(in: "ST_PCOD = 'MMR013'"), ["ST_PCOD"])
        XCTAssertEqual(WhereFields.names(in: #""ST PCODE" = 'it''s' AND TS IN ('a', 'b')"#), ["ST PCODE", "TS"])
        // Functions, keywords, numbers, blobs and quoted text are not fields.
        XCTAssertEqual(WhereFields.names(in: "substr(TS_PCODE, 1, 6) = 'MMR013' AND pop >= 1.5e+3 AND x IS NOT NULL"), ["TS_PCODE", "pop", "x"])
        XCTAssertEqual(WhereFields.names(in: "name LIKE 'Y%' COLLATE NOCASE OR b = X'0A' OR [my col] BETWEEN 1 AND 2"), ["name", "b", "my col"])
        XCTAssertEqual(WhereFields.unknown(in: "st_pcode = 'MMR013' AND FID > 3 AND ST_PCOD = 'x'", fields: ["ST_PCODE"]), ["ST_PCOD"])
    }
}
