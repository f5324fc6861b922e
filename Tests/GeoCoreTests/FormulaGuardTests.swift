import XCTest
import GeoCore
import GeoTestSupport

/// CSV injection (OWASP): text a spreadsheet would run gets a leading apostrophe; numbers and
/// ordinary text are untouched.
final class FormulaGuardTests: XCTestCase {
    func testFormulasAreNeutralised() {
        XCTAssertEqual(guardFormula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")")
        XCTAssertEqual(guardFormula("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0")
        XCTAssertEqual(guardFormula("-2+3"), "'-2+3")
        XCTAssertEqual(guardFormula("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(guardFormula("\tx"), "'\tx")
    }

    func testNumbersAndTextStay() {
        for s in ["-5", "+3.25", "-1e-3", "-96.2", "MMR001001", "", "a=b", "Yangon (East)"] {
            XCTAssertEqual(guardFormula(s), s)
        }
    }

    func testWriterGuardsTextCellsOnlyWhenAsked() throws {
        let dir = Fixtures.tempDir()
        var t = Table(columns: ["id", "v"])
        t.rows = [[.text("=1+1"), .number(-5)], [.text("-x"), .text("-7")]]
        try t.writeCSV(to: dir + "/g.csv")
        XCTAssertEqual(try String(contentsOfFile: dir + "/g.csv", encoding: .utf8), "id,v\n'=1+1,-5\n'-x,-7\n")
        try t.writeCSV(to: dir + "/r.csv", guardFormulas: false)
        XCTAssertEqual(try String(contentsOfFile: dir + "/r.csv", encoding: .utf8), "id,v\n=1+1,-5\n-x,-7\n")
    }
}
