import Foundation
import GeoCore
import GeoKit

// The QA report: one row per flagged register row, with the register's own columns the
// officer looks the school up by (id, name, coordinates as written, the register's code)
// and one plain action per flag. See docs/join.md, "QA report".

extension PointTable {
    /// The column holding the points' names: `name`, else the first whose name starts or
    /// ends with "name" (school_name, name_en), compared case-insensitively.
    public var nameColumn: String? {
        columns.first { $0.lowercased() == "name" }
            ?? columns.first { let l = $0.lowercased(); return l.hasPrefix("name") || l.hasSuffix("name") }
    }
}

extension PointJoinResult {
    /// The coordinates of a row as written in the register (a CSV's own columns), or the
    /// point geometry's (an OGR layer), with their column names.
    func givenCoordinates(_ points: PointTable) -> (names: [String], values: (Int) -> [String]) {
        if let xc = points.xColumn, let yc = points.yColumn, let xi = points.columnIndex(xc), let yi = points.columnIndex(yc) {
            return ([yc, xc], { r in let f = points.fields(r); return [yi < f.count ? f[yi] : "", xi < f.count ? f[xi] : ""] })
        }
        return (["geometry_y", "geometry_x"], { r in
            points.status[r] == .ok ? [String(points.y[r]), String(points.x[r])] : ["", ""]
        })
    }

    /// Why a row is not a clean inside match, in words: every problem of the row.
    public func reason(_ r: Int, _ points: PointTable, idColumn: String? = nil, checkColumn: String? = nil) -> String {
        var parts: [String] = []
        let f = points.fields(r)
        func coordText() -> String {
            let (names, values) = givenCoordinates(points)
            let v = values(r)
            return "\(names[0])='\(v[0])', \(names[1])='\(v[1])'"
        }
        switch spatial[r] {
        case .missingCoords: parts.append("blank coordinate: \(coordText())")
        case .invalidCoords:
            if points.status[r] == .invalid { parts.append("not a point / not a number: \(coordText())") }
            else { parts.append("coordinates out of range or not transformable, and not explained by a swap: \(coordText())") }
        case .swappedCoords: parts.append("given position outside every zone; with latitude and longitude exchanged it falls in \(swappedID(r)) (not applied)")
        case .outside: parts.append("outside every zone")
        case .nearest: parts.append("outside every zone; nearest is \(zoneID(r)) at \(distanceText(r)) m")
        case .border:
            let others = otherIDs(r)
            if borders[r]?.tieBreak ?? true {
                parts.append("on the shared border of \(zoneID(r)) and \(others) (or in their overlap); lowest id chosen")
            } else {
                parts.append("inside \(zoneID(r)), within \(toleranceText) m of \(others)")
            }
        case .inside, .duplicateID, .mismatch, .borderOK, .duplicateRow, .zawgyi: break
        }
        if !duplicateCount.isEmpty && duplicateCount[r] > 1 {
            let id = idColumn.flatMap { points.columnIndex($0) }.map { $0 < f.count ? f[$0] : "" } ?? ""
            parts.append("\(idColumn ?? "id") '\(id)' appears \(duplicateCount[r]) times")
        }
        let reg = register.isEmpty ? "" : register[r].trimmingCharacters(in: .whitespaces)
        if !mismatch.isEmpty && mismatch[r] {
            parts.append(reg.isEmpty ? "register \(checkColumn ?? "code") is blank; found \(foundCode(r))"
                                     : "register \(checkColumn ?? "code")=\(reg) but found \(foundCode(r))")
        }
        if !borderOK.isEmpty && borderOK[r] {
            parts.append("register \(checkColumn ?? "code")=\(reg) is that of a zone on the border; found \(foundCode(r))")
        }
        if isDuplicateRow(r) { parts.append("identical to \(rowList(identicalRows(of: r))) (same position and fields)") }
        if isZawgyi(r) { parts.append(zawgyiReason(r, points)) }
        return parts.joined(separator: "; ")
    }

    /// "row 5", "rows 5 and 9", "rows 5, 9, 12, 20, 31 and 4 more" (register row numbers).
    func rowList(_ rows: [Int]) -> String {
        let shown = rows.prefix(5).map { String($0 + 1) }
        let more = rows.count - shown.count
        if rows.count == 1 { return "row \(shown[0])" }
        if more > 0 { return "rows \(shown.joined(separator: ", ")) and \(more) more" }
        return "rows \(shown.dropLast().joined(separator: ", ")) and \(shown.last!)"
    }

    /// The other zones at a border row, for sentences.
    func otherIDs(_ r: Int) -> String {
        let ids = (borders[r]?.others ?? (otherZone[r] >= 0 ? [otherZone[r]] : [])).map { zoneIDs[Int($0)] }
        return ids.isEmpty ? "?" : ids.count == 1 ? ids[0] : ids.dropLast().joined(separator: ", ") + " and " + ids.last!
    }

    var toleranceText: String { String(format: "%g", borderToleranceMetres) }

    /// What the officer should do about one flag of a row, in one sentence.
    public func action(_ flag: MatchKind, _ r: Int, _ points: PointTable, idColumn: String? = nil,
                       checkColumn: String? = nil, duplicateRows: [Int] = []) -> String {
        let (names, values) = givenCoordinates(points)
        let (yc, xc) = (names[0], names[1])
        let check = checkColumn ?? "code"
        let reg = register.isEmpty ? "" : register[r].trimmingCharacters(in: .whitespaces)
        switch flag {
        case .inside: return ""
        case .missingCoords:
            return "Fill in the blank \(yc) or \(xc) with a GPS reading taken at the school, in decimal degrees."
        case .invalidCoords:
            let v = values(r)
            if points.status[r] == .invalid {
                return "Rewrite \(yc) '\(v[0])' and \(xc) '\(v[1])' as decimal degrees with a point (16.8, not 16,8 or 16°48'), without letters."
            }
            return "Take the GPS reading again: \(yc) '\(v[0])', \(xc) '\(v[1])' is not a place on the map, even exchanged."
        case .swappedCoords:
            return "Exchange \(yc) and \(xc) in the register: exchanged, the school falls in \(swappedID(r))."
        case .outside:
            return "Check the position: it is in no unit; take the GPS reading again, or confirm the school is outside the area."
        case .nearest:
            return "Check the position: it is \(distanceText(r)) m outside \(zoneID(r)); if the school is in \(zoneID(r)) nothing else is needed, otherwise take the GPS reading again."
        case .border:
            if !reg.isEmpty && comparable.key(reg).caseInsensitiveCompare(comparable.key(foundCode(r).trimmingCharacters(in: .whitespaces))) == .orderedSame {
                return "Nothing to fix: \(check) \(reg) agrees with \(zoneID(r)), given to this point on the border with \(otherIDs(r))."
            }
            if !borderOK.isEmpty && borderOK[r] {
                let whereItIs = borders[r]?.tieBreak ?? true ? "on the border of \(zoneID(r)) and \(otherIDs(r))"
                    : "inside \(zoneID(r)), \(toleranceText) m or less from \(otherIDs(r))"
                return "Keep \(check) \(reg) if the school is there: the point is \(whereItIs)."
            }
            if borders[r]?.tieBreak ?? true {
                return "Confirm the unit: the point is on the border of \(zoneID(r)) and \(otherIDs(r)), and \(zoneID(r)) (the lowest code) was given; if the school is in another, record it in \(checkColumn ?? "the register") or move the point inside it."
            }
            return "Nothing to fix if the school is in \(zoneID(r)): the point is inside it, \(toleranceText) m or less from \(otherIDs(r))."
        case .duplicateID:
            let id = idColumn.flatMap { points.columnIndex($0) }.map { c -> String in let f = points.fields(r); return c < f.count ? f[c] : "" } ?? ""
            let others = duplicateRows.filter { $0 != r }
            let list = others.prefix(5).map { String($0 + 1) }.joined(separator: ", ") + (others.count > 5 ? " and \(others.count - 5) more" : "")
            return "Give each school its own \(idColumn ?? "id"): '\(id)' is also on row\(others.count > 1 ? "s" : "") \(list)."
        case .mismatch:
            if reg.isEmpty { return "Fill in \(check): the point is in \(foundCode(r))." }
            return "Correct \(check) from \(reg) to \(foundCode(r)), or, if \(reg) is right, correct the position (it is in \(foundCode(r)))."
        case .borderOK:
            return "No change needed: \(check) \(reg) is a unit on the border the point is on (\(foundCode(r)) was given)."
        case .duplicateRow:
            return "Keep one of the identical rows: this one repeats \(rowList(identicalRows(of: r))) (same position and fields)."
        case .zawgyi:
            return zawgyiAction(r, points)
        }
    }

    /// The QA table: every flagged row (not a clean inside match), with the register's id,
    /// name, coordinates as written and code, every flag, and one action per flag.
    public func report(_ points: PointTable, idColumn: String? = nil, checkColumn: String? = nil,
                       nameColumn: String? = nil) -> Table {
        let (coordNames, coordValues) = givenCoordinates(points)
        // The register's own columns, as written.
        var registerCols: [String] = []
        for c in [idColumn, nameColumn ?? points.nameColumn].compactMap({ $0 }) where !registerCols.contains(c) { registerCols.append(c) }
        let registerIdx = registerCols.map { points.columnIndex($0) }
        let coordCols = coordNames.filter { !registerCols.contains($0) }
        let check = checkColumn.flatMap { c in registerCols.contains(c) || coordNames.contains(c) ? nil : c }
        var taken = Set((registerCols + coordCols + [check].compactMap { $0 }).map { $0.lowercased() })
        func name(_ s: String, _ prefix: String) -> String {
            var n = s
            while taken.contains(n.lowercased()) { n = prefix + n }
            taken.insert(n.lowercased())
            return n
        }
        var cols = [name("row", "qa_")] + registerCols + coordCols
        cols += [name("match", "qa_"), name("flags", "qa_"), name("action", "qa_"), name("reason", "qa_"),
                 name(idField, "found_"), name("swapped_" + idField, "qa_")]
        if let check { cols.append(check) }
        // The found code, unless it is the id column already.
        let foundCheck = checkColumn != nil && checkIndex >= 0
        if let checkColumn, foundCheck { cols.append(name("found_" + checkColumn, "qa_")) }
        cols += [name("distance_m", "qa_"), name("border_" + idField, "qa_")]

        var rowsOfID: [String: [Int]] = [:]
        if let c = idColumn.flatMap({ points.columnIndex($0) }), !duplicateCount.isEmpty {
            for r in 0..<match.count where duplicateCount[r] > 1 {
                let f = points.fields(r)
                rowsOfID[comparable.key((c < f.count ? f[c] : "").trimmingCharacters(in: .whitespaces)), default: []].append(r)
            }
        }
        var t = Table(columns: cols)
        for r in 0..<match.count where isFlagged(r) {
            let f = points.fields(r)
            var row: [TableCell] = [.number(Double(r + 1))]
            for i in registerIdx { row.append(.text(i.map { $0 < f.count ? f[$0] : "" } ?? "")) }
            let coords = coordValues(r)
            for (k, c) in coordNames.enumerated() where coordCols.contains(c) { row.append(.text(coords[k])) }
            var dupRows: [Int] = []
            if let c = idColumn.flatMap({ points.columnIndex($0) }) {
                dupRows = rowsOfID[comparable.key((c < f.count ? f[c] : "").trimmingCharacters(in: .whitespaces))] ?? []
            }
            let fl = flags(r)
            let actions = fl.map { action($0, r, points, idColumn: idColumn, checkColumn: checkColumn, duplicateRows: dupRows) }
            row += [.text(match[r].label), .text(fl.map(\.label).joined(separator: ";")),
                    .text(actions.joined(separator: " | ")),
                    .text(reason(r, points, idColumn: idColumn, checkColumn: checkColumn)),
                    .text(zoneID(r)), .text(swappedID(r))]
            if check != nil { row.append(.text(register.isEmpty ? "" : register[r])) }
            if foundCheck { row.append(.text(foundCode(r))) }
            row.append(distance[r].isNaN ? .empty : .number((distance[r] * 10).rounded() / 10))
            row.append(.text(borderIDs(r)))
            t.rows.append(row)
        }
        return t
    }
}
