import Foundation

// Derived indicators: arithmetic on a unit's columns (`ntl_sum / pop_sum`,
// `100 * pop_wfrac_3`, `pop_sum / zone_area_km2`). A formula is text in a small language:
//   numbers (2, 0.5, 1e4), column names ([A-Za-z_][A-Za-z0-9_]*), + - * /, unary minus,
//   parentheses, and the functions min(a, b), max(a, b) and abs(x).
// `*` and `/` bind tighter than `+` and `-`; operators of one level go left to right.
//
// The empty rule: a formula's value is empty when any column it uses is empty for the unit
// (no value, NaN), when it divides by zero, or when its result is not a finite number. An
// empty is never read as zero. Evaluated on each result row's own values (after a roll-up,
// the parent's merged values), so a district's ratio is its sum over its sum.

/// The operators of a formula.
public enum FormulaOperator: Character, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// Binding strength: `*` and `/` before `+` and `-`.
    var precedence: Int { self == .add || self == .subtract ? 1 : 2 }
}

/// The functions a formula may call.
public enum FormulaFunction: String, Sendable, Equatable, CaseIterable {
    case min, max, abs

    var arity: Int { self == .abs ? 1 : 2 }
}

/// A parsed formula: a tree of numbers, column names, operators and calls.
public indirect enum FormulaExpression: Sendable, Equatable {
    case number(Double)
    case column(String)
    case negate(FormulaExpression)
    case binary(FormulaOperator, FormulaExpression, FormulaExpression)
    case call(FormulaFunction, [FormulaExpression])
}

/// The empty rule as the sidecar states it.
public let formulaEmptyRule = "empty when any column it uses is empty for the row, when it divides by zero, or when the result is not a finite number; evaluated on each row's own values (a roll-up row's merged values, never an average of its zones' results)"

/// A formula: the text as given, its tree, and its canonical text.
public struct Formula: Sendable, Equatable {
    public let expression: FormulaExpression

    /// Parse `text`; a syntax error throws an argument error naming the formula and the
    /// character (counted from 1) where it went wrong.
    public init(parsing text: String) throws {
        var p = FormulaParser(text)
        expression = try p.parseWhole()
    }

    public init(_ expression: FormulaExpression) { self.expression = expression }

    /// The canonical text: single spaces around operators, only the parentheses needed.
    public var text: String { expression.formatted(context: 0) }

    /// The column names it uses, in order of first use.
    public var columns: [String] {
        var out: [String] = []
        expression.visitColumns { if !out.contains($0) { out.append($0) } }
        return out
    }

    /// The value for a row whose columns `lookup` gives (nil or NaN: empty); nil is empty.
    public func evaluate(_ lookup: (String) -> Double?) -> Double? {
        guard let v = expression.value(lookup), v.isFinite else { return nil }
        return v
    }
}

/// A formula with the column name it fills and the unit of its values:
/// `NAME = FORMULA [UNIT]` (the unit in brackets at the end, optional).
public struct NamedFormula: Sendable, Equatable {
    public var name: String
    public var formula: Formula
    public var unit: String?
    public var description: String?

    public init(name: String, formula: Formula, unit: String? = nil, description: String? = nil) {
        self.name = name; self.formula = formula; self.unit = unit; self.description = description
    }

    /// Parse `ntl_pc = ntl_sum / pop_sum [nW/cm2/sr per person]`.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw GeoKitError.argument("formula '\(text)': give NAME = FORMULA, e.g. 'ntl_pc = ntl_sum / pop_sum'")
        }
        let name = text[..<eq].trimmingCharacters(in: .whitespaces)
        var rest = Substring(text[text.index(after: eq)...])
        var unit: String?
        if let open = rest.firstIndex(of: "[") {
            let tail = rest[rest.index(after: open)...].trimmingCharacters(in: .whitespaces)
            guard tail.hasSuffix("]"), !tail.dropLast().contains("]") else {
                throw GeoKitError.argument("formula '\(text)': the unit goes last, in brackets: NAME = FORMULA [UNIT]")
            }
            unit = tail.dropLast().trimmingCharacters(in: .whitespaces)
            rest = rest[..<open]
            if unit!.isEmpty { unit = nil }
        }
        try NamedFormula.checkName(name, in: text)
        self.init(name: name, formula: try Formula(parsing: String(rest)), unit: unit)
    }

    /// A formula's name is a column name: letters, digits and _, not starting with a digit.
    public static func checkName(_ name: String, in text: String) throws {
        guard isFormulaIdentifier(name) else {
            throw GeoKitError.argument("formula '\(text)': '\(name)' is not a column name (letters, digits and _, not starting with a digit)")
        }
    }

    /// The text a user would give for it again.
    public var text: String { "\(name) = \(formula.text)" + (unit.map { " [\($0)]" } ?? "") }
}

/// Whether `s` is a formula's column name: `[A-Za-z_][A-Za-z0-9_]*`.
public func isFormulaIdentifier(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first, isIdentifierStart(f) else { return false }
    return s.unicodeScalars.allSatisfy(isIdentifierPart)
}

private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
private func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0"..."9").contains(c) }

extension FormulaExpression {
    func value(_ lookup: (String) -> Double?) -> Double? {
        switch self {
        case .number(let v): return v
        case .column(let name):
            guard let v = lookup(name), !v.isNaN else { return nil }
            return v
        case .negate(let e): return e.value(lookup).map { -$0 }
        case .binary(let op, let a, let b):
            guard let x = a.value(lookup), let y = b.value(lookup) else { return nil }
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide: return y == 0 ? nil : x / y
            }
        case .call(let f, let args):
            var vs: [Double] = []
            for a in args { guard let v = a.value(lookup) else { return nil }; vs.append(v) }
            switch f {
            case .min: return Swift.min(vs[0], vs[1])
            case .max: return Swift.max(vs[0], vs[1])
            case .abs: return Swift.abs(vs[0])
            }
        }
    }

    func visitColumns(_ body: (String) -> Void) {
        switch self {
        case .number: break
        case .column(let n): body(n)
        case .negate(let e): e.visitColumns(body)
        case .binary(_, let a, let b): a.visitColumns(body); b.visitColumns(body)
        case .call(_, let args): for a in args { a.visitColumns(body) }
        }
    }

    /// Text within a context of binding strength `context` (0: top level, 1: an operand of
    /// + or -, 2: of * or /, 3: of unary minus). The right operand of an operator takes one
    /// more than its level, so `a - (b - c)` keeps its parentheses and `(a - b) - c` drops them.
    func formatted(context: Int) -> String {
        switch self {
        case .number(let v): return v < 0 ? "(\(formatNumber(v)))" : formatNumber(v)
        case .column(let n): return n
        case .negate(let e): return wrap("-" + e.formatted(context: 3), needs: context > 2)
        case .binary(let op, let a, let b):
            let p = op.precedence
            return wrap("\(a.formatted(context: p)) \(op.rawValue) \(b.formatted(context: p + 1))", needs: context > p)
        case .call(let f, let args):
            return "\(f.rawValue)(\(args.map { $0.formatted(context: 0) }.joined(separator: ", ")))"
        }
    }

    private func wrap(_ s: String, needs: Bool) -> String { needs ? "(\(s))" : s }
}

/// A recursive-descent parser over the formula's characters.
private struct FormulaParser {
    let text: String
    let chars: [Character]
    var pos = 0

    init(_ text: String) {
        self.text = text.trimmingCharacters(in: .whitespaces)
        chars = Array(self.text)
    }

    mutating func parseWhole() throws -> FormulaExpression {
        guard !chars.isEmpty else { throw GeoKitError.argument("formula '': empty; give an expression such as ntl_sum / pop_sum") }
        let e = try parseSum()
        skipSpaces()
        if pos < chars.count {
            throw error(chars[pos] == ")" ? "')' without its '('" : "unexpected '\(chars[pos])'")
        }
        return e
    }

    private mutating func parseSum() throws -> FormulaExpression {
        var e = try parseProduct()
        while let op = peekOperator(FormulaOperator.add, .subtract) {
            pos += 1
            e = .binary(op, e, try parseProduct(after: op))
        }
        return e
    }

    private mutating func parseProduct(after: FormulaOperator? = nil) throws -> FormulaExpression {
        var e = try parseUnary(after: after.map { String($0.rawValue) })
        while let op = peekOperator(FormulaOperator.multiply, .divide) {
            pos += 1
            e = .binary(op, e, try parseUnary(after: String(op.rawValue)))
        }
        return e
    }

    private mutating func parseUnary(after: String?) throws -> FormulaExpression {
        skipSpaces()
        if pos < chars.count, chars[pos] == "-" { pos += 1; return .negate(try parseUnary(after: "-")) }
        if pos < chars.count, chars[pos] == "+" { pos += 1; return try parseUnary(after: "+") }
        return try parseAtom(after: after)
    }

    private mutating func parseAtom(after: String?) throws -> FormulaExpression {
        skipSpaces()
        guard pos < chars.count else {
            throw error(after.map { "expected a value after '\($0)'" } ?? "expected a value")
        }
        let c = chars[pos]
        if c == "(" {
            pos += 1
            let e = try parseSum()
            try expect(")", "expected ')' to close the '('")
            return e
        }
        if c.isASCII && (c.isNumber || c == ".") { return .number(try parseNumber()) }
        if let s = c.unicodeScalars.first, c.unicodeScalars.count == 1, isIdentifierStart(s) {
            let start = pos
            while pos < chars.count, let s = chars[pos].unicodeScalars.first, chars[pos].unicodeScalars.count == 1, isIdentifierPart(s) { pos += 1 }
            let name = String(chars[start..<pos])
            skipSpaces()
            if pos < chars.count, chars[pos] == "(" { return try parseCall(name, at: start) }
            return .column(name)
        }
        throw error(after.map { "expected a value after '\($0)', not '\(c)'" } ?? "expected a value, not '\(c)'")
    }

    private mutating func parseCall(_ name: String, at start: Int) throws -> FormulaExpression {
        guard let f = FormulaFunction(rawValue: name) else {
            throw error("unknown function '\(name)'\(didYouMean(name, FormulaFunction.allCases.map(\.rawValue))) (functions: min, max, abs)", at: start)
        }
        pos += 1
        var args = [try parseSum()]
        skipSpaces()
        while pos < chars.count, chars[pos] == "," { pos += 1; args.append(try parseSum()); skipSpaces() }
        try expect(")", "expected ')' after the arguments of \(name)")
        guard args.count == f.arity else {
            throw error("\(name) takes \(f.arity) argument\(f.arity == 1 ? "" : "s"), not \(args.count)", at: start)
        }
        return .call(f, args)
    }

    private mutating func parseNumber() throws -> Double {
        let start = pos
        while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber || chars[pos] == "." { pos += 1 }
        if pos < chars.count, chars[pos] == "e" || chars[pos] == "E" {
            var q = pos + 1
            if q < chars.count, chars[q] == "+" || chars[q] == "-" { q += 1 }
            if q < chars.count, chars[q].isASCII, chars[q].isNumber {
                pos = q
                while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber { pos += 1 }
            }
        }
        guard let v = Double(String(chars[start..<pos])) else {
            throw error("'\(String(chars[start..<pos]))' is not a number", at: start)
        }
        return v
    }

    /// The next operator when it is one of `ops` (spaces skipped; not consumed).
    private mutating func peekOperator(_ ops: FormulaOperator...) -> FormulaOperator? {
        skipSpaces()
        guard pos < chars.count, let op = FormulaOperator(rawValue: chars[pos]), ops.contains(op) else { return nil }
        return op
    }

    private mutating func skipSpaces() {
        while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 }
    }

    private mutating func expect(_ c: Character, _ problem: String) throws {
        skipSpaces()
        guard pos < chars.count, chars[pos] == c else { throw error(problem) }
        pos += 1
    }

    /// "formula 'TEXT': PROBLEM at character N" (N from 1; the end of the text is one past it).
    private func error(_ problem: String, at p: Int? = nil) -> GeoKitError {
        GeoKitError.argument("formula '\(text)': \(problem) at character \((p ?? pos) + 1)")
    }
}
