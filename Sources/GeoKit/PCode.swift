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
        // 10^5 ids and more: two halves checked at once, then joined (a duplicate may span them).
        guard ids.count >= 50_000 else { self.init(ids[...]); return }
        let mid = ids.count / 2
        var halves = [IDCheck(), IDCheck()]
        var seen: [[String: Int]] = [[:], [:]]
        halves.withUnsafeMutableBufferPointer { halvesOut in
            seen.withUnsafeMutableBufferPointer { seenOut in
                let (halvesOut, seenOut) = (halvesOut, seenOut)
                DispatchQueue.concurrentPerform(iterations: 2) { k in
                    var h = IDCheck()
                    seenOut[k] = h.count(k == 0 ? ids[..<mid] : ids[mid...])
                    halvesOut[k] = h
                }
            }
        }
        self = halves[0]
        blanks += halves[1].blanks
        malformed += halves[1].malformed
        levels.merge(halves[1].levels, uniquingKeysWith: +)
        for (id, n) in seen[0] where n > 1 { duplicates[id] = n }
        for (id, n) in seen[1] {
            if let m = seen[0][id] { duplicates[id] = m + n } else if n > 1 { duplicates[id] = n }
        }
    }

    private init() {}

    private init(_ ids: ArraySlice<String>) {
        let seen = count(ids)
        duplicates = seen.filter { $0.value > 1 }
    }

    /// Blanks, levels and malformed ids of `ids` (positions are the slice's); how many times each id occurs.
    private mutating func count(_ ids: ArraySlice<String>) -> [String: Int] {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(ids.count)
        for (i, id) in zip(ids.indices, ids) {
            // Trim only when needed: Foundation's trimming is slow on 10^4-10^5 ids.
            // A printable ASCII byte at both ends rules out whitespace without grapheme breaking.
            let plain = { (b: UInt8?) in b.map { $0 > 0x20 && $0 < 0x7f } ?? false }
            let t = plain(id.utf8.first) && plain(id.utf8.last) ? id
                : (id.first?.isWhitespace == true || id.last?.isWhitespace == true) ? id.trimmingCharacters(in: .whitespaces) : id
            if t.isEmpty { blanks.append(i); continue }
            seen[t, default: 0] += 1
            if let l = AdminLevel(pcode: t) { levels[l, default: 0] += 1 } else { malformed.append(t) }
        }
        return seen
    }

    /// The level most ids have.
    public var dominantLevel: AdminLevel? { levels.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key }

    /// Duplicate and blank ids: errors unless the caller allows them (then warnings).
    public func errors(field: String, path: String) -> [GeoKitError] {
        let hint = "use --allow-duplicate-ids to go on"
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
