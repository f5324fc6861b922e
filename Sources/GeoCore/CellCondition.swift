import Foundation

// A condition on the cells of a raster, as the `where` part of an operation reads it:
// `hazard >= 3`, `flood > 0.5`, `lossyear in 1..23`, `landcover in 10,20,30`, `dem < 500`.
// One parser and one formatter: `CellCondition(parsing: c.text) == c` for every condition.
// A nodata cell of the condition raster neither holds nor fails: callers count it apart.

/// A test on one cell value.
public enum ValueTest: Hashable, Sendable {
    case less(Double), lessOrEqual(Double), greater(Double), greaterOrEqual(Double)
    case equal(Double), notEqual(Double)
    /// `in a..b`: a <= v <= b (both ends included, as years of loss are read).
    case between(Double, Double)
    /// `in a,b,c`: one of the listed values (classes).
    case oneOf([Double])

    public func holds(_ v: Double) -> Bool {
        switch self {
        case .less(let x): return v < x
        case .lessOrEqual(let x): return v <= x
        case .greater(let x): return v > x
        case .greaterOrEqual(let x): return v >= x
        case .equal(let x): return v == x
        case .notEqual(let x): return v != x
        case .between(let a, let b): return v >= a && v <= b
        case .oneOf(let xs): return xs.contains(v)
        }
    }

    /// The test as written after the raster's name: `>= 3`, `in 1..23`, `in 10,20`.
    public var text: String {
        switch self {
        case .less(let x): return "< \(formatNumber(x))"
        case .lessOrEqual(let x): return "<= \(formatNumber(x))"
        case .greater(let x): return "> \(formatNumber(x))"
        case .greaterOrEqual(let x): return ">= \(formatNumber(x))"
        case .equal(let x): return "== \(formatNumber(x))"
        case .notEqual(let x): return "!= \(formatNumber(x))"
        case .between(let a, let b): return "in \(formatNumber(a))..\(formatNumber(b))"
        case .oneOf(let xs): return "in " + xs.map(formatNumber).joined(separator: ",")
        }
    }

    /// A short form for column names: `ge_3`, `in_1_23`, `in_10_20`, `lt_0.5` -> `lt_0_5`.
    public var columnSuffix: String {
        func n(_ x: Double) -> String {
            formatNumber(x).replacingOccurrences(of: "-", with: "m").replacingOccurrences(of: ".", with: "_")
        }
        switch self {
        case .less(let x): return "lt_" + n(x)
        case .lessOrEqual(let x): return "le_" + n(x)
        case .greater(let x): return "gt_" + n(x)
        case .greaterOrEqual(let x): return "ge_" + n(x)
        case .equal(let x): return "eq_" + n(x)
        case .notEqual(let x): return "ne_" + n(x)
        case .between(let a, let b): return "in_\(n(a))_\(n(b))"
        case .oneOf(let xs): return "in_" + xs.map(n).joined(separator: "_")
        }
    }
}

/// `RASTER TEST`: which raster's cells the test reads, and the test.
public struct CellCondition: Hashable, Sendable, CustomStringConvertible {
    public var raster: String
    public var test: ValueTest

    public init(raster: String, test: ValueTest) { self.raster = raster; self.test = test }

    public var text: String { "\(raster) \(test.text)" }
    public var description: String { text }
    /// `hazard_ge_3`: the condition in a column name.
    public var columnSuffix: String { "\(raster)_\(test.columnSuffix)" }

    /// Parse `hazard >= 3`, `flood>0.5`, `lossyear in 1..23`, `lc in 10, 20, 30`, `dem = 5`.
    public init(parsing given: String) throws {
        let s = given.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> GeoKitError {
            GeoKitError.argument("condition '\(given)': \(why); write RASTER OP VALUE (OP one of < <= > >= = == !=) or RASTER in A..B or RASTER in A,B,C")
        }
        let nameEnd = s.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? s.endIndex
        let name = String(s[..<nameEnd])
        guard !name.isEmpty, name.first.map({ !$0.isNumber }) == true else { throw fail("it does not start with a raster's name") }
        let rest = s[nameEnd...].trimmingCharacters(in: .whitespaces)
        func number(_ t: Substring) throws -> Double {
            guard let x = Double(t.trimmingCharacters(in: .whitespaces)), x.isFinite else { throw fail("'\(t.trimmingCharacters(in: .whitespaces))' is not a number") }
            return x
        }
        let test: ValueTest
        if rest.hasPrefix("in ") || rest.hasPrefix("in\t") {
            let list = rest.dropFirst(3).trimmingCharacters(in: .whitespaces)
            if let dots = list.range(of: "..") {
                let a = try number(list[..<dots.lowerBound]), b = try number(list[dots.upperBound...])
                guard a <= b else { throw fail("the range \(formatNumber(a))..\(formatNumber(b)) is empty") }
                test = .between(a, b)
            } else {
                let xs = try list.split(separator: ",", omittingEmptySubsequences: false).map(number)
                test = .oneOf(xs)
            }
        } else {
            let ops: [(String, (Double) -> ValueTest)] = [("<=", ValueTest.lessOrEqual), (">=", ValueTest.greaterOrEqual),
                                                          ("==", ValueTest.equal), ("!=", ValueTest.notEqual),
                                                          ("<", ValueTest.less), (">", ValueTest.greater), ("=", ValueTest.equal)]
            guard let (op, make) = ops.first(where: { rest.hasPrefix($0.0) }) else { throw fail("no comparison after '\(name)'") }
            test = make(try number(rest.dropFirst(op.count)[...]))
        }
        self.init(raster: name, test: test)
    }
}
