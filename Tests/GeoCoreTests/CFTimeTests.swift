import XCTest
import GeoCore

/// CF time coordinates, against dates worked out by hand.
final class CFTimeTests: XCTestCase {
    func testStandardCalendar() throws {
        let a = try CFTimeAxis(units: "days since 1980-01-01", calendar: "standard")
        XCTAssertEqual(try a.date(0), CFDate(1980, 1, 1))
        // 1980 and 2000 are leap years: 1980-01-01 + 7685 days = 2001-01-15.
        XCTAssertEqual(try a.date(7685), CFDate(2001, 1, 15))
        XCTAssertEqual(try a.date(-1), CFDate(1979, 12, 31))
        XCTAssertEqual(try a.date(59.5), CFDate(1980, 2, 29, 12))
        let h = try CFTimeAxis(units: "hours since 1900-01-01 00:00:00.0", calendar: "gregorian")
        XCTAssertEqual(try h.date(24 * 365 + 6), CFDate(1901, 1, 1, 6))   // 1900 is not a leap year
        let s = try CFTimeAxis(units: "seconds since 1970-01-01T00:00:00Z", calendar: nil)
        XCTAssertEqual(try s.date(951_782_400), CFDate(2000, 2, 29))
    }

    func testNoLeapAllLeapAnd360Day() throws {
        let n = try CFTimeAxis(units: "days since 2000-02-28", calendar: "noleap")
        XCTAssertEqual(try n.date(1), CFDate(2000, 3, 1))
        XCTAssertEqual(try n.date(365), CFDate(2001, 2, 28))
        let l = try CFTimeAxis(units: "days since 2001-02-28", calendar: "366_day")
        XCTAssertEqual(try l.date(1), CFDate(2001, 2, 29))
        let d = try CFTimeAxis(units: "days since 2000-01-01", calendar: "360_day")
        XCTAssertEqual(try d.date(29), CFDate(2000, 1, 30))
        XCTAssertEqual(try d.date(30), CFDate(2000, 2, 1))
        XCTAssertEqual(try d.date(359), CFDate(2000, 12, 30))
        XCTAssertEqual(try d.date(-1), CFDate(1999, 12, 30))
    }

    func testLabels() throws {
        let a = try CFTimeAxis(units: "days since 2001-01-01", calendar: "standard")
        XCTAssertEqual(try a.labels([14, 45, 73]), ["2001-01", "2001-02", "2001-03"])
        XCTAssertEqual(try a.labels([0, 1, 2]), ["2001-01-01", "2001-01-02", "2001-01-03"])
        XCTAssertEqual(try a.labels([0, 0.25]), ["2001-01-01T00:00", "2001-01-01T06:00"])
    }

    func testRefusedCalendarsAndUnits() {
        XCTAssertThrowsError(try CFTimeAxis(units: "days since 1900-01-01", calendar: "julian"))
        XCTAssertThrowsError(try CFTimeAxis(units: "months since 1900-01-01", calendar: "standard"))
        XCTAssertThrowsError(try CFTimeAxis(units: "days since 1500-01-01", calendar: "standard"))
        XCTAssertNoThrow(try CFTimeAxis(units: "days since 1500-01-01", calendar: "proleptic_gregorian"))
        XCTAssertThrowsError(try CFTimeAxis(units: "days since 2001-02-30", calendar: "standard"))
    }
}
