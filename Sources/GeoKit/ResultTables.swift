import Foundation
import GeoCore
import GeoGDAL

// Results as tables: wide (one row per unit, a column per indicator) or long (one row per
// unit x indicator x statistic x band), with an optional HXL hashtag row for HDX.

/// The long table's `stat` of a formula's rows (`--formula`).
public let formulaStatName = "formula"

/// Whether a wide table has a `name` column after `level`: with roll-up rows, whose
/// include-columns are mostly empty (a district shares no township's name), unless an
/// include-column is already called `name` in any case (GeoPackage and SQL column names
/// ignore case). Zone rows take the zones' name field, roll-up rows their parent's (as the
/// long format's `name`).
package func wideNameColumn(hasRollup: Bool, includeFields: [String]) -> Bool {
    hasRollup && !includeFields.contains { $0.lowercased() == "name" }
}

/// One output column of the wide table, and where its values come from.
public struct IndicatorColumn: Sendable {
    public var name: String
    public var band: Int              // index into result.bands
    public var stat: Statistic
    public var classValue: Double?
    /// Index into `ResultUnit.scalar` (band-major), for one-column statistics.
    package var scalarIndex: Int?
    package var statIndex: Int
    /// Key into `ResultUnit.classes`, for per-class statistics.
    package var classKey: Int?
}

extension ZonalResult {
    /// The indicator columns in output order: per band, its statistics in the order given.
    public var indicatorColumns: [IndicatorColumn] {
        var out: [IndicatorColumn] = []
        let l = layout
        for (bi, b) in bands.enumerated() {
            for (si, st) in l.stats[bi].enumerated() {
                if st.classColumnPrefix != nil {
                    let key = l.classOffset[bi] + si
                    var classes = Set<Double>()
                    for u in units { classes.formUnion(u.classes[key]?.keys ?? [:].keys) }
                    // Bins in order, values outside them last.
                    let order = b.classBreaks == nil ? classes.sorted()
                        : classes.filter { $0 != ClassBreaks.outOfRange }.sorted() + classes.filter { $0 == ClassBreaks.outOfRange }
                    for v in order {
                        out.append(IndicatorColumn(name: b.columnName(st, classValue: v), band: bi, stat: st,
                                                   classValue: v, scalarIndex: nil, statIndex: si, classKey: key))
                    }
                } else {
                    out.append(IndicatorColumn(name: b.columnName(st), band: bi, stat: st, classValue: nil,
                                               scalarIndex: l.scalarOffset[bi] + l.scalars[bi].firstIndex(of: st)!, statIndex: si))
                }
            }
        }
        return out
    }

    package func value(_ u: ResultUnit, _ c: IndicatorColumn) -> TableCell {
        if let k = c.scalarIndex {
            let v = u.scalar[k]
            return v.isNaN ? .empty : .number(v)
        }
        if u.isEmptyGeometry { return .empty }
        guard let m = u.classes[c.classKey!] else { return .empty }
        // A class absent from a covered unit has a share (and area) of zero.
        if m.isEmpty { return .empty }
        return .number(m[c.classValue!] ?? 0)
    }

    /// `value` of column `c` for every unit as numbers (NaN where empty), the units read in
    /// place: batch takes each pass's columns this way (516 x 13,726 values on the monthly
    /// series), and mapping over `units` copied each unit, retaining its strings and arrays,
    /// for every value.
    package func numbers(_ c: IndicatorColumn) -> [Double] {
        (0..<units.count).map { i in
            if let k = c.scalarIndex { let v = units[i].scalar[k]; return v.isNaN ? .nan : v }
            return value(units[i], c).doubleValue ?? .nan
        }
    }

    package var levelColumn: Bool { hasRollup }
    package var nameColumn: Bool { wideNameColumn(hasRollup: hasRollup, includeFields: includeFields) }

    /// Column names, HXL tags and whether each column holds text, for a table shape.
    public func layout(_ format: TableFormat, hxl: Bool = false) -> (columns: [String], hxl: [String]?, isText: [Bool]) {
        switch format {
        case .wide:
            let names = indicatorColumns.map(\.name) + formulas.map(\.name)
            let lead = [idField] + (levelColumn ? ["level"] : []) + (nameColumn ? ["name"] : []) + includeFields
            return (lead + names, hxl ? wideHXL(names) : nil,
                    [Bool](repeating: true, count: lead.count) + [Bool](repeating: false, count: names.count))
        case .long:
            let names = ["pcode", "name", "level"] + includeFields + ["indicator", "stat", "band", "date", "value", "unit"]
            let tags = ["#loc+code", "#loc+name", "#meta+level"] + includeFields.map(hxlTag(field:)) +
                ["#indicator+name", "#meta+stat", "#meta+band", "#date", "#indicator+value+num", "#meta+unit"]
            return (names, hxl ? tags : nil, names.map { $0 != "band" && $0 != "value" })
        }
    }

    /// Every row of a table shape, in order, without building the table.
    public func forEachRow(_ format: TableFormat, _ body: ([TableCell]) throws -> Void) rethrows {
        try forEachRow(format, units: units.indices, body)
    }

    /// The rows of units `range` (in the long format, every row of each of them).
    package func forEachRow(_ format: TableFormat, units range: Range<Int>, _ body: ([TableCell]) throws -> Void) rethrows {
        let cols = indicatorColumns
        // Checked when the run finished (`resolveFormulas`).
        let derived = formulasForRows(cols)
        let units = self.units[range]
        switch format {
        case .wide:
            // One row buffer for all units (an allocation per row otherwise).
            var row: [TableCell] = []
            for u in units {
                row.removeAll(keepingCapacity: true)
                row.reserveCapacity(2 + u.attributes.count + cols.count + derived.count)
                row.append(.text(u.id))
                if levelColumn { row.append(.text(u.level)) }
                if nameColumn { row.append(.text(u.name)) }
                row += u.attributes.map { .text($0) }
                for c in cols { row.append(value(u, c)) }
                if !derived.isEmpty { row += formulaValues(u, cols, derived).map { $0.map(TableCell.number) ?? .empty } }
                try body(row)
            }
        case .long:
            // The column's name after its band's label: `sum`, `frac_3`, `sum_where_hazard_ge_3`.
            let statNames = cols.map { c in String(c.name.dropFirst(bands[c.band].label.count + 1)) }
            let unitNames = cols.map { c in areaUnit.unit(of: c.stat, valueUnit: bands[c.band].unit).map { TableCell.text($0) } ?? .empty }
            var row: [TableCell] = []
            for u in units {
                let lead: [TableCell] = [.text(u.id), .text(u.name), .text(u.level)] + u.attributes.map { .text($0) }
                for (k, c) in cols.enumerated() {
                    let b = bands[c.band]
                    // The unit's lead cells, then this indicator's, in one reused buffer.
                    row.removeAll(keepingCapacity: true)
                    row += lead
                    row.append(.text(b.rasterName)); row.append(.text(statNames[k])); row.append(.number(Double(b.band)))
                    row.append(b.date.map { .text($0) } ?? .empty); row.append(value(u, c)); row.append(unitNames[k])
                    try body(row)
                }
                // A formula's row: its name as the indicator, `formula` as the statistic, no band.
                guard !derived.isEmpty else { continue }
                for (r, v) in zip(derived, formulaValues(u, cols, derived)) {
                    row.removeAll(keepingCapacity: true)
                    row += lead
                    row.append(.text(r.named.name)); row.append(.text(formulaStatName)); row.append(.empty); row.append(.empty)
                    row.append(v.map(TableCell.number) ?? .empty); row.append(r.named.unit.map(TableCell.text) ?? .empty)
                    try body(row)
                }
            }
        }
    }

    /// Every row into `w`: chunks of units encoded in parallel, written in order. With 10^5
    /// units, formatting the numbers is most of the writing; a window of chunks at a time
    /// keeps memory to a few megabytes whatever the table's size.
    package func writeRows(_ format: TableFormat, to w: CSVWriter) throws {
        // About a megabyte of text per chunk (a wide row of 516 bands is 5 KB): the window of
        // chunks in memory stays near 8 MB whatever the table's width.
        let cells = format == .wide ? 2 + includeFields.count + indicatorColumns.count + formulas.count
                                    : (indicatorColumns.count + formulas.count) * (10 + includeFields.count)
        // Rows the run formatted ahead (a wide table of its zone rows only, as this writer encodes them).
        let ahead = rowsAhead.flatMap { a in
            format == .wide && a.guardsFormulas == w.guardsFormulas && a.zoneCount == units.count ? a : nil
        }
        if ahead == nil { rowsAhead?.close() }   // rows for another table: its threads stop
        if let ahead {
            PhaseTiming.mark("rows formatted ahead: \(ahead.formatted) of \(ahead.chunkCount) chunks")
            let guards = w.guardsFormulas, perChunk = ahead.chunkZones
            try ahead.write({ try w.writeEncoded($0); try w.startWritingOut() }, pending: { c, bytes in
                forEachRow(format, units: (c * perChunk)..<min(units.count, (c + 1) * perChunk)) {
                    CSVWriter.encode($0, guardsFormulas: guards, into: &bytes)
                }
            })
            try w.startWritingOut(last: true)
            PhaseTiming.mark("rows: \(ahead.formatted) of \(ahead.chunkCount) chunks formatted by the threads, the others by the writer")
            return
        }
        let perChunk = writerChunkZones.map { max(1, $0) } ?? Self.rowsPerChunk(cells: cells)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let chunks = (units.count + perChunk - 1) / perChunk
        guard chunks > 1, threads > 1 else { try forEachRow(format) { try w.writeRow($0) }; return }
        let guards = w.guardsFormulas
        var next = 0
        // One buffer per place in the window, reused window after window (emptied, its
        // capacity kept): a buffer per chunk was freed and its successor's pages faulted in
        // afresh, as it grew, about twice the table's size in page faults.
        var encoded = [[UInt8]](repeating: [], count: min(chunks, 4 * threads))
        while next < chunks {
            let window = next..<min(chunks, next + 4 * threads)
            encoded.withUnsafeMutableBufferPointer { out in
                let out = out
                WorkerPool(threads: threads).run(tasks: window.count) { k in
                    let c = window.lowerBound + k
                    var bytes: [UInt8] = []
                    swap(&bytes, &out[k])
                    bytes.removeAll(keepingCapacity: true)
                    forEachRow(format, units: (c * perChunk)..<min(units.count, (c + 1) * perChunk)) {
                        CSVWriter.encode($0, guardsFormulas: guards, into: &bytes)
                    }
                    swap(&bytes, &out[k])
                }
            }
            try w.writeEncoded(parts: encoded[..<window.count])   // in order, not copied together first
            try w.startWritingOut()
            next = window.upperBound
        }
        try w.startWritingOut(last: true)
    }

    /// Units per chunk of rows encoded together: about a megabyte of text (`cells` cells
    /// per unit).
    package static func rowsPerChunk(cells: Int) -> Int {
        max(16, min(4096, (1 << 20) / max(1, 12 * cells)))
    }

    public func rowCount(_ format: TableFormat) -> Int {
        format == .wide ? units.count : units.count * (indicatorColumns.count + formulas.count)
    }

    public func table(_ format: TableFormat, hxl: Bool = false) -> Table {
        let l = layout(format, hxl: hxl)
        var t = Table(columns: l.columns)
        t.hxl = l.hxl
        forEachRow(format) { t.rows.append($0) }
        return t
    }

    public func wideTable(hxl: Bool = false) -> Table { table(.wide, hxl: hxl) }
    public func longTable(hxl: Bool = false) -> Table { table(.long, hxl: hxl) }

    private func wideHXL(_ names: [String]) -> [String] {
        let idTag: String = hasRollup ? "#loc+code" : (idLevel.map { "\($0.hxl)+code" } ?? "#loc+code")
        var tags = [idTag] + (levelColumn ? ["#meta+level"] : []) + (nameColumn ? ["#loc+name"] : []) + includeFields.map(hxlTag(field:))
        tags += names.map { name in
            let attr = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            return "#indicator+num+\(attr)"
        }
        return tags
    }

    package func hxlTag(field: String) -> String { hxlFieldTag(field) }
}

/// The HXL tag of a zone field: a P-code field's level code (`#adm3+code`), a name field's
/// level name (`+i_my` for Myanmar script), else `#meta+FIELD`.
package func hxlFieldTag(_ field: String) -> String {
    if let l = AdminLevel(field: field) { return "\(l.hxl)+code" }
    let lower = field.lowercased()
    for l in AdminLevel.allCases where parentNameField(l == .township ? "TS_PCODE" : l == .district ? "DT_PCODE" : l == .state ? "ST_PCODE" : "VT_PCODE", [field]) == field {
        let lang = lower.hasSuffix("_mmr") || lower.hasSuffix("_my") ? "+i_my" : ""
        return "\(l.hxl)+name\(lang)"
    }
    if lower.hasSuffix("_mmr") {
        let stem = String(field.dropLast(4))
        if let l = AdminLevel(field: stem + "_PCODE") { return "\(l.hxl)+name+i_my" }
    }
    return "#meta+" + lower.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
}
