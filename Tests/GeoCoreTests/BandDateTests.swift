import XCTest
import GeoCore

/// Band dates (YYYY, YYYY-MM, YYYY-MM-DD with a real month and day), by hand.
final class BandDateTests: XCTestCase {
    func testShapesAndCalendar() {
        for s in ["2020", "2020-02", "2020-02-29", "2000-02-29", "1981-12-31"] { XCTAssertTrue(isBandDate(s), s) }
        for s in ["2019-02-29", "1900-02-29", "2020-13", "2020-00", "2020-04-31", "2020-01-00", "20200", "2020-1-01",
                  "2020-01-1", " 2020", "2020 ", "2020/01", "", "abcd", "2020-01-01T00"] {
            XCTAssertFalse(isBandDate(s), s)
        }
    }

    /// Digits of other scripts are not a date (the regex's \d took them, then Int() failed on them).
    func testOtherDigitsAreNotDates() {
        for s in ["၂၀၂၀", "၂၀၂၀-၀၁", "２０２０", "٢٠٢٠"] { XCTAssertFalse(isBandDate(s), s) }
    }
}
