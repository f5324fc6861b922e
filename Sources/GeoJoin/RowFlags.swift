import Foundation

// Every problem of a row, not only the one `match` shows: a duplicate id with blank
// coordinates is both, and the officer fixing the register needs to know both.

/// The other zones at a border point (covering it or within the border tolerance), one
/// per id in id order, and whether the id order chose the row's zone (the point is covered
/// by two ids, or by none) rather than the zone that covers it.
public struct BorderZones: Sendable, Equatable {
    public var others: [Int32]
    public var tieBreak: Bool
    public init(others: [Int32], tieBreak: Bool) { self.others = others; self.tieBreak = tieBreak }
}

extension PointJoinResult {
    /// Every flag of a row, in the order of precedence, so the first is `match` (empty for
    /// a clean inside match): a coordinate flag, `duplicate_id`, `mismatch` or
    /// `border_ok`, then the location (`border`, `nearest`, `outside`); last `duplicate_row`
    /// and `zawgyi`, which never set `match` (so either can be a row's only flag).
    public func flags(_ r: Int) -> [MatchKind] {
        var out: [MatchKind] = []
        let s = spatial[r]
        let coordinate = s == .missingCoords || s == .invalidCoords || s == .swappedCoords
        if coordinate { out.append(s) }
        if !duplicateCount.isEmpty && duplicateCount[r] > 1 { out.append(.duplicateID) }
        if !mismatch.isEmpty && mismatch[r] { out.append(.mismatch) }
        if !borderOK.isEmpty && borderOK[r] { out.append(.borderOK) }
        if !coordinate && s != .inside { out.append(s) }
        if isDuplicateRow(r) { out.append(.duplicateRow) }
        if isZawgyi(r) { out.append(.zawgyi) }
        return out
    }

    /// Whether a row has any flag (it is not a clean inside match).
    @inline(__always) public func isFlagged(_ r: Int) -> Bool { match[r] != .inside || isDuplicateRow(r) || isZawgyi(r) }

    /// The `flags` column: the labels joined by `;`.
    public func flagsText(_ r: Int) -> String {
        isFlagged(r) ? flags(r).map(\.label).joined(separator: ";") : ""
    }

    /// The ids of the other zones at a border row, joined by `;`.
    public func borderIDs(_ r: Int) -> String {
        (borders[r]?.others ?? []).map { zoneIDs[Int($0)] }.joined(separator: ";")
    }
}
