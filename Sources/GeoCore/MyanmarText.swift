import Foundation

// Myanmar text as it comes: each value of a text column is Unicode, Zawgyi or ambiguous
// (ZawgyiDetector's probability against two documented thresholds), and values without
// Myanmar letters are none of them. Detection never changes text; conversion to Unicode
// happens only when asked for (`MyanmarTextMode.unicode`), by a converter the caller
// gives (ICU's, in GeoGDAL). See docs/myanmar-text.md.

/// What to do with Zawgyi-encoded values.
public enum MyanmarTextMode: String, CaseIterable, Sendable {
    /// Detect them and report them (warnings, counts, join's `zawgyi` flag); change nothing.
    case detect
    /// Convert them to Unicode (ICU's Zawgyi-my transform, then NFC), and report it.
    case unicode
}

/// The encoding of one value with Myanmar letters.
public enum MyanmarEncoding: String, Sendable, CaseIterable {
    case unicode, zawgyi, ambiguous

    /// A value is Zawgyi when the detector gives it a probability above this (the
    /// threshold myanmar-tools suggests when text is changed automatically)...
    public static let zawgyiAbove = 0.95
    /// ... Unicode when below this, and ambiguous in between (short names such as ဒလ
    /// read as words in both encodings).
    public static let unicodeBelow = 0.05

    /// The class of a probability; nil for -infinity (no Myanmar code point).
    public init?(zawgyiProbability p: Double) {
        guard p.isFinite else { return nil }
        self = p > Self.zawgyiAbove ? .zawgyi : p < Self.unicodeBelow ? .unicode : .ambiguous
    }

    /// The encoding of `text`; nil when it has no Myanmar letter (Latin, digits, Myanmar
    /// digits alone, empty, another script): such values are never flagged.
    public init?(of text: String, detector: ZawgyiDetector = .shared) {
        guard hasMyanmarLetters(text) else { return nil }
        self.init(zawgyiProbability: detector.zawgyiProbability(text))
    }
}

/// Whether `text` has a letter or sign of the Myanmar blocks (U+1000-103F, U+104A-109F,
/// Extended-A and -B; not the digits U+1040-1049). A byte test first: most values have
/// no UTF-8 lead byte of those blocks (E1 for U+1xxx, EA for U+Axxx).
@inline(__always)
public func hasMyanmarLetters(_ text: String) -> Bool {
    guard text.utf8.contains(where: { $0 == 0xE1 || $0 == 0xEA }) else { return false }
    return text.unicodeScalars.contains { c in
        let v = c.value
        return (0x1000...0x103F).contains(v) || (0x104A...0x109F).contains(v) || (0xA9E0...0xA9FF).contains(v) || (0xAA60...0xAA7F).contains(v)
    }
}

/// How many values of one column are in each encoding, and how many were converted.
public struct MyanmarColumnCount: Sendable, Equatable {
    public var column: String
    public var unicode = 0, zawgyi = 0, ambiguous = 0
    /// Zawgyi values replaced by their Unicode form (mode `.unicode`).
    public var converted = 0
    /// Positions (1-based rows or features) of the first Zawgyi and ambiguous values.
    public var zawgyiAt: [Int] = [], ambiguousAt: [Int] = []
    public init(column: String) { self.column = column }
    /// Values with Myanmar letters.
    public var myanmar: Int { unicode + zawgyi + ambiguous }
}

/// Detection (and on request conversion) over the text columns of one input: counts per
/// column, one warning per column that has Zawgyi values, and the sidecar's entry.
public struct MyanmarTextCheck: Sendable {
    public let file: String
    /// What the sidecar calls the input (`zones`, `points`, `table`).
    public let source: String
    /// What a position counts (`row`, `feature`).
    public let unit: String
    public let mode: MyanmarTextMode
    public private(set) var counts: [MyanmarColumnCount]
    /// How many positions each count keeps for the warning.
    static let keptPositions = 5

    public init(file: String, source: String, unit: String, mode: MyanmarTextMode, columns: [String]) {
        self.file = file; self.source = source; self.unit = unit; self.mode = mode
        counts = columns.map(MyanmarColumnCount.init(column:))
    }

    /// Classify the value of column `k` at `position` (1-based); returns its encoding (nil
    /// without Myanmar letters) and the value to use: in mode `.unicode` a Zawgyi value is
    /// replaced by `convert(value)`, any other value is kept as it is.
    public mutating func take(_ value: String, column k: Int, at position: Int,
                              convert: (String) throws -> String) rethrows -> (MyanmarEncoding?, String) {
        guard let e = MyanmarEncoding(of: value) else { return (nil, value) }
        return (e, try take(value, classified: e, column: k, at: position, convert: convert))
    }

    /// The same for a value already classified (`MyanmarEncoding(of:)`, e.g. on several
    /// threads): count it, and return the value to use.
    public mutating func take(_ value: String, classified e: MyanmarEncoding, column k: Int, at position: Int,
                              convert: (String) throws -> String) rethrows -> String {
        count(e, column: k, at: position)
        guard e == .zawgyi && mode == .unicode else { return value }
        let u = try convert(value)
        if !u.unicodeScalars.elementsEqual(value.unicodeScalars) { counts[k].converted += 1 }
        return u
    }

    /// Count a Zawgyi value of column `k` that the caller converted (and that changed).
    public mutating func noteConverted(column k: Int) { counts[k].converted += 1 }

    /// Count a value of column `k` at `position` (1-based) by its encoding; nothing converted.
    public mutating func count(_ e: MyanmarEncoding, column k: Int, at position: Int) {
        switch e {
        case .unicode: counts[k].unicode += 1
        case .ambiguous:
            counts[k].ambiguous += 1
            if counts[k].ambiguousAt.count < Self.keptPositions { counts[k].ambiguousAt.append(position) }
        case .zawgyi:
            counts[k].zawgyi += 1
            if counts[k].zawgyiAt.count < Self.keptPositions { counts[k].zawgyiAt.append(position) }
        }
    }

    /// Classify (and convert) a whole column in place; positions are 1-based indexes.
    @discardableResult
    public mutating func take(column k: Int, values: inout [String], convert: (String) throws -> String) rethrows -> [MyanmarEncoding?] {
        var out = [MyanmarEncoding?](repeating: nil, count: values.count)
        for i in values.indices where hasMyanmarLetters(values[i]) {
            let (e, v) = try take(values[i], column: k, at: i + 1, convert: convert)
            out[i] = e
            values[i] = v
        }
        return out
    }

    /// Whether there is anything to report: a Zawgyi value, or conversion asked for.
    public var hasNews: Bool { mode == .unicode || counts.contains { $0.zawgyi > 0 } }

    /// One warning per column with Zawgyi values: how many, where, and what was done.
    public var warnings: [GeoWarning] {
        counts.filter { $0.zawgyi > 0 }.map { c in
            var s = "\(file): column \(c.column): \(c.zawgyi) of \(c.myanmar) Myanmar value(s) are Zawgyi-encoded (\(positions(c.zawgyiAt, of: c.zawgyi)))"
            if c.ambiguous > 0 { s += ", \(c.ambiguous) ambiguous (\(positions(c.ambiguousAt, of: c.ambiguous)))" }
            s += mode == .unicode
                ? "; \(c.converted) converted to Unicode\(c.ambiguous > 0 ? ", the ambiguous left as written" : "")"
                : "; left as written (give \(Setting.myanmarText, "unicode") to convert them to Unicode)"
            return GeoWarning(.text, file: file, s)
        }
    }

    /// "row 3", "rows 3, 7 and 9", "rows 3, 7, 9, 12, 20 and 4 more".
    private func positions(_ at: [Int], of total: Int) -> String {
        let shown = at.map(String.init)
        let more = total - shown.count
        if shown.count == 1 && more == 0 { return "\(unit) \(shown[0])" }
        if more > 0 { return "\(unit)s \(shown.joined(separator: ", ")) and \(more) more" }
        return "\(unit)s \(shown.dropLast().joined(separator: ", ")) and \(shown.last!)"
    }

    /// The sidecar's `myanmar_text` entry for the inputs of a run, or nil when none has
    /// news (so a run on Unicode-only text writes the sidecar it always did).
    public static func sidecarEntry(_ checks: [MyanmarTextCheck]) -> DataPackage.MyanmarTextReport? {
        guard let mode = checks.first?.mode, checks.contains(where: \.hasNews) else { return nil }
        return DataPackage.MyanmarTextReport(
            mode: mode.rawValue,
            method: "myanmar-tools' Markov model (Google, Apache-2.0) per value: Zawgyi when P(Zawgyi) > \(MyanmarEncoding.zawgyiAbove), Unicode when < \(MyanmarEncoding.unicodeBelow), ambiguous in between; values without Myanmar letters are not counted",
            columns: checks.flatMap { c in
                c.counts.filter { $0.myanmar > 0 }.map { n in
                    DataPackage.MyanmarTextReport.Column(source: c.source, file: c.file, column: n.column, unicode: n.unicode,
                                                         zawgyi: n.zawgyi, ambiguous: n.ambiguous, converted: n.converted)
                }
            },
            conversion: mode == .unicode ? "Zawgyi values converted with ICU's Zawgyi-my transform, then normalised to NFC; ambiguous and Unicode values left as written" : nil)
    }
}
