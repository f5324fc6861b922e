import XCTest
@testable import GeoCore

/// Derived indicators: the formula language's precedence, unary minus, canonical text,
/// the empty rule, and syntax errors that point at the character.
final class FormulaTests: XCTestCase {
    private func eval(_ text: String, _ values: [String: Double] = [:]) throws -> Double? {
        try Formula(parsing: text).evaluate { values[$0] }
    }

    private func problem(_ text: String) -> String {
        do { _ = try Formula(parsing: text); return "no error" } catch let e as GeoKitError { return e.problem } catch { return "\(error)" }
    }

    func testPrecedenceAndAssociativityAsArithmetic() throws {
        // Hand-computed: * and / before + and -, left to right within a level.
        XCTAssertEqual(try eval("1 + 2 * 3"), 7)
        XCTAssertEqual(try eval("(1 + 2) * 3"), 9)
        XCTAssertEqual(try eval("10 - 4 - 3"), 3)
        XCTAssertEqual(try eval("10 - (4 - 3)"), 9)
        XCTAssertEqual(try eval("8 / 4 / 2"), 1)
        XCTAssertEqual(try eval("8 / (4 / 2)"), 4)
        XCTAssertEqual(try eval("2 * 3 / 4"), 1.5)
        XCTAssertEqual(try eval("1e4 * 2"), 20000)
        XCTAssertEqual(try eval("2.5E-1 + .5"), 0.75)
    }

    func testUnaryMinus() throws {
        XCTAssertEqual(try eval("-2 * 3"), -6)
        XCTAssertEqual(try eval("2 * -3"), -6)
        XCTAssertEqual(try eval("-(2 + 3)"), -5)
        XCTAssertEqual(try eval("- -4"), 4)
        XCTAssertEqual(try eval("3 - -1"), 4)
        XCTAssertEqual(try eval("-a", ["a": 2]), -2)
    }

    func testColumnsAndFunctions() throws {
        let v: [String: Double] = ["ntl_sum": 300, "pop_sum": 1200, "pop_wfrac_3": 0.25]
        XCTAssertEqual(try eval("ntl_sum / pop_sum", v), 0.25)
        XCTAssertEqual(try eval("100 * pop_wfrac_3", v), 25)
        XCTAssertEqual(try eval("min(ntl_sum, pop_sum)", v), 300)
        XCTAssertEqual(try eval("max(ntl_sum, pop_sum) - 1", v), 1199)
        XCTAssertEqual(try eval("abs(ntl_sum - pop_sum)", v), 900)
        XCTAssertEqual(try Formula(parsing: "a / b + a * c_2").columns, ["a", "b", "c_2"])
    }

    func testTheEmptyRule() throws {
        // Any empty operand, a division by zero, or a non-finite result: empty (nil), never 0.
        XCTAssertNil(try eval("a / b", ["a": 1]))
        XCTAssertNil(try eval("a / b", ["a": 1, "b": .nan]))
        XCTAssertNil(try eval("a / b", ["a": 1, "b": 0]))
        XCTAssertNil(try eval("0 / b", ["b": 0]))
        XCTAssertNil(try eval("a * 0", [:]))
        XCTAssertNil(try eval("min(a, b)", ["a": 1]))
        XCTAssertNil(try eval("a * a", ["a": 1e200]))
        XCTAssertEqual(try eval("0 / b", ["b": 2]), 0)
    }

    func testCanonicalTextReparsesToTheSameFormula() throws {
        let cases = [
            ("ntl_sum/pop_sum", "ntl_sum / pop_sum"),
            ("(a - b) - c", "a - b - c"),
            ("a - (b - c)", "a - (b - c)"),
            ("a / (b * c)", "a / (b * c)"),
            ("((a))*(b+c)", "a * (b + c)"),
            ("-(a + b)", "-(a + b)"),
            ("a * -b", "a * (-b)"),
            ("100*pop_wfrac_3", "100 * pop_wfrac_3"),
            ("1e4 * x", "10000 * x"),
            ("max( a ,b )", "max(a, b)"),
        ]
        for (given, canonical) in cases {
            let f = try Formula(parsing: given)
            XCTAssertEqual(f.text, canonical, given)
            XCTAssertEqual(try Formula(parsing: f.text), f, given)
        }
    }

    func testSyntaxErrorsPointAtTheCharacter() {
        XCTAssertEqual(problem("ntl_sum / "), "formula 'ntl_sum /': expected a value after '/' at character 10")
        XCTAssertEqual(problem("(a + b"), "formula '(a + b': expected ')' to close the '(' at character 7")
        XCTAssertEqual(problem("a + b)"), "formula 'a + b)': ')' without its '(' at character 6")
        XCTAssertEqual(problem("a b"), "formula 'a b': unexpected 'b' at character 3")
        XCTAssertEqual(problem("a * ?"), "formula 'a * ?': expected a value after '*', not '?' at character 5")
        XCTAssertEqual(problem("sqrt(a)"), "formula 'sqrt(a)': unknown function 'sqrt' (functions: min, max, abs) at character 1")
        XCTAssertEqual(problem("mx(a, b)"), "formula 'mx(a, b)': unknown function 'mx' (did you mean 'max'?) (functions: min, max, abs) at character 1")
        XCTAssertEqual(problem("min(a)"), "formula 'min(a)': min takes 2 arguments, not 1 at character 1")
        XCTAssertEqual(problem("1.2.3 * a"), "formula '1.2.3 * a': '1.2.3' is not a number at character 1")
        XCTAssertTrue(problem("").contains("empty"))
    }

    func testNamedFormulaWithUnit() throws {
        let f = try NamedFormula(parsing: "ntl_pc = ntl_sum / pop_sum [nW/cm2/sr per person]")
        XCTAssertEqual(f.name, "ntl_pc")
        XCTAssertEqual(f.formula.text, "ntl_sum / pop_sum")
        XCTAssertEqual(f.unit, "nW/cm2/sr per person")
        XCTAssertEqual(f.text, "ntl_pc = ntl_sum / pop_sum [nW/cm2/sr per person]")
        let g = try NamedFormula(parsing: "density=pop_sum/zone_area_km2")
        XCTAssertNil(g.unit)
        XCTAssertEqual(g.name, "density")
        XCTAssertThrowsError(try NamedFormula(parsing: "ntl_sum / pop_sum"))
        XCTAssertThrowsError(try NamedFormula(parsing: "2x = a"))
        XCTAssertThrowsError(try NamedFormula(parsing: "ntl pc = a"))
        XCTAssertThrowsError(try NamedFormula(parsing: "x = a [unit] b"))
        XCTAssertTrue(isFormulaIdentifier("_a1"))
        XCTAssertFalse(isFormulaIdentifier("1a"))
        XCTAssertFalse(isFormulaIdentifier("a-b"))
    }
}
