import Foundation
import GeoCore

// MIMU P-codes and HDX/COD field names: what level a code or a field is, and checks of an
// id column before any work. A township code does not contain its district, so parents
// always come from attributes or a gazetteer, never from slicing the string.

public enum AdminLevel: Int, Comparable, Sendable, CaseIterable {
    case country = 0, state = 1, district = 2, township = 3, villageTract = 4

    public var name: String {
        switch self {
        case .country: return "country"
        case .state: return "state"
        case .district: return "district"
        case .township: return "township"
        case .villageTract: return "village_tract"
        }
    }
    /// HXL admin tag: #country, #adm1 ... #adm4.
    public var hxl: String { self == .country ? "#country" : "#adm\(rawValue)" }
    public static func < (a: AdminLevel, b: AdminLevel) -> Bool { a.rawValue < b.rawValue }

    /// The level of a MIMU P-code (`MMR`, `MMR001`, `MMR001D001` or `MMR005S001`,
    /// `MMR001001`, `MMR001001701`), or nil when it has none of these shapes.
    public init?(pcode: String) {
        // Read in place: this runs once per zone id (10^5 of them), an array each would show.
        guard let level = pcode.utf8.withContiguousStorageIfAvailable(AdminLevel.level) ?? AdminLevel.level(Array(pcode.utf8)) else {
            return nil
        }
        self = level
    }

    private static func level<C: RandomAccessCollection<UInt8>>(_ u: C) -> AdminLevel? where C.Index == Int {
        let isDigit = { (b: UInt8) in b >= 48 && b <= 57 }
        let n = u.count, s = u.startIndex
        guard n >= 3, u[s...(s + 2)].allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return nil }
        let rest = u[(s + 3)...]
        switch n - 3 {
        case 0: return .country
        case 3 where rest.allSatisfy(isDigit): return .state
        case 7 where rest.prefix(3).allSatisfy(isDigit) && (u[s + 6] == 68 || u[s + 6] == 83) && rest.suffix(3).allSatisfy(isDigit):
            return .district
        case 6 where rest.allSatisfy(isDigit): return .township
        case 9 where rest.allSatisfy(isDigit): return .villageTract
        default: return nil
        }
    }

    /// The level a field name stands for: `TS_PCODE`, `adm3_pcode`, `DT_PCODE`...
    public init?(field: String) {
        let f = field.lowercased()
        if f.hasPrefix("adm"), let d = f.dropFirst(3).first, let n = Int(String(d)), (0...4).contains(n),
           f.contains("pcode") || f.hasSuffix("code") {
            self = AdminLevel(rawValue: n)!
            return
        }
        switch f {
        case "st_pcode", "sr_pcode", "st_code": self = .state
        case "dt_pcode", "d_pcode", "dt_code": self = .district
        case "ts_pcode", "tsp_pcode", "ts_code": self = .township
        case "vt_pcode", "vt_code": self = .villageTract
        default: return nil
        }
    }
}

/// Problems in an id column found before computing.
public struct IDCheck: Sendable {
    public var duplicates: [String: Int] = [:]
    public var blanks: [Int] = []
    public var malformed: [String] = []
    public var levels: [AdminLevel: Int] = [:]

    public init(ids: [String]) {
        // 10^5 ids and more: two halves checked at once, then the repeats found in two
        // halves of a hash table (see RepeatedKeys).
        let n = ids.count, halves = n >= 50_000 ? 2 : 1, mid = n / 2
        var hashes = [UInt64](repeating: 0, count: n)
        var parts = [IDCheck](repeating: IDCheck(), count: halves)
        // Ids that trimming changed (rare), by position.
        var trimmedParts = [[Int: String]](repeating: [:], count: halves)
        hashes.withUnsafeMutableBufferPointer { hashesOut in
            parts.withUnsafeMutableBufferPointer { partsOut in
                trimmedParts.withUnsafeMutableBufferPointer { trimmedOut in
                    let (hashesOut, partsOut, trimmedOut) = (hashesOut, partsOut, trimmedOut)
                    WorkerPool(threads: halves).run(tasks: halves) { k in
                        var c = IDCheck()
                        trimmedOut[k] = c.scan(ids, halves == 1 ? 0..<n : k == 0 ? 0..<mid : mid..<n, hashes: hashesOut)
                        partsOut[k] = c
                    }
                }
            }
        }
        self = parts[0]
        if halves == 2 {
            blanks += parts[1].blanks
            malformed += parts[1].malformed
            levels.merge(parts[1].levels, uniquingKeysWith: +)
        }
        let trimmed = halves == 2 ? trimmedParts[0].merging(trimmedParts[1]) { a, _ in a } : trimmedParts[0]
        duplicates = RepeatedKeys.find(count: n, hashes: hashes, skip: Set(blanks), threads: halves) { trimmed[$0] ?? ids[$0] }
    }

    private init() {}

    /// Blanks, levels and malformed ids of `ids[range]`, and the hash of each non-blank id
    /// (trimmed); returns the ids that trimming changed.
    private mutating func scan(_ ids: [String], _ range: Range<Int>, hashes: UnsafeMutableBufferPointer<UInt64>) -> [Int: String] {
        var trimmed: [Int: String] = [:]
        // Trim only when needed: Foundation's trimming is slow on 10^4-10^5 ids.
        // A printable ASCII byte at both ends rules out whitespace without grapheme breaking.
        let plain = { (b: UInt8?) in b.map { $0 > 0x20 && $0 < 0x7f } ?? false }
        for i in range {
            var t = ids[i]
            if !(plain(t.utf8.first) && plain(t.utf8.last)) && (t.first?.isWhitespace == true || t.last?.isWhitespace == true) {
                t = t.trimmingCharacters(in: .whitespaces)
                trimmed[i] = t
            }
            if t.isEmpty { blanks.append(i); continue }
            hashes[i] = RepeatedKeys.hash(t)
            if let l = AdminLevel(pcode: t) { levels[l, default: 0] += 1 } else { malformed.append(t) }
        }
        return trimmed
    }

    /// The level most ids have.
    public var dominantLevel: AdminLevel? { levels.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key }

    /// Duplicate and blank ids: errors unless the caller allows them (then warnings).
    public func errors(field: String, path: String) -> [GeoKitError] {
        let hint = "use \(Setting.allowDuplicateIDs) to go on"
        var out: [GeoKitError] = []
        if !duplicates.isEmpty {
            let list = duplicates.keys.sorted().prefix(5).map { "\($0) (\(duplicates[$0]!)x)" }.joined(separator: ", ")
            out.append(.input(path, "\(duplicates.count) duplicate value(s) in \(field): \(list)\(duplicates.count > 5 ? ", ..." : "")", hint: hint))
        }
        if !blanks.isEmpty {
            out.append(.input(path, "\(blanks.count) feature(s) with a blank \(field) (first: feature \(blanks[0]))", hint: hint))
        }
        return out
    }

    public func warnings(field: String) -> [GeoWarning] {
        var out: [GeoWarning] = []
        if !malformed.isEmpty {
            out.append(GeoWarning(.ids, "\(malformed.count) \(field) value(s) are not MIMU P-codes: \(malformed.prefix(5).joined(separator: ", "))\(malformed.count > 5 ? ", ..." : "")"))
        }
        if levels.count > 1 {
            let mix = levels.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.name)" }.joined(separator: ", ")
            out.append(GeoWarning(.ids, "\(field) mixes admin levels: \(mix)"))
        }
        return out
    }
}
