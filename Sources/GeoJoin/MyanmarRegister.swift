import Foundation
import GeoCore
import GeoGDAL

// A register's Myanmar text: every field is checked when the register is read (Zawgyi,
// Unicode or ambiguous, see GeoCore's MyanmarText); rows with a Zawgyi field get join's
// `zawgyi` flag; on request their Zawgyi fields are converted to Unicode, and the row is
// then written from its fields rather than from the bytes read. See docs/myanmar-text.md.

/// What the check of a register's fields found.
public struct RegisterMyanmarText: Sendable {
    /// Counts per column, warnings and the sidecar entry (nil before the check).
    public var check: MyanmarTextCheck?
    /// Row -> the indexes of its Zawgyi-encoded fields (as read).
    public var zawgyiFields: [Int: [Int]] = [:]
    /// Rows whose Zawgyi fields were converted to Unicode: every field of the row.
    package var converted: [Int: [String]] = [:]
    public init() {}
}

extension PointTable {
    /// Check every field's Myanmar text (done in mode `.detect` when the table is read) and,
    /// in mode `.unicode`, convert the Zawgyi fields to Unicode: `fields`, `column` and the
    /// written rows then give the Unicode text. Replaces the check's warnings.
    public mutating func checkMyanmarText(_ mode: MyanmarTextMode) throws {
        myanmar = RegisterMyanmarText()
        warnings.removeAll { $0.kind == .text }
        var check = MyanmarTextCheck(file: path, source: "points", unit: "row", mode: mode, columns: columns)
        let rows = rowsWithMyanmarBytes()
        let converter = mode == .unicode && !rows.isEmpty ? try ZawgyiConverter.shared() : nil
        // Classified on every core (the model is a pure function), then counted in row order.
        let classified = try classify(rows)
        for (i, r) in rows.enumerated() where !classified[i].isEmpty {
            for (k, e) in classified[i] { check.count(e, column: k, at: r + 1) }
            let zawgyi = classified[i].filter { $0.e == .zawgyi }.map(\.k)
            guard !zawgyi.isEmpty else { continue }
            myanmar.zawgyiFields[r] = zawgyi
            // Converted: the row's fields, its Zawgyi ones in Unicode.
            guard let converter else { continue }
            var f = fields(r), changed = 0
            for k in zawgyi {
                let u = converter.unicode(f[k])
                if !u.unicodeScalars.elementsEqual(f[k].unicodeScalars) { f[k] = u; changed += 1; check.noteConverted(column: k) }
            }
            if changed > 0 { myanmar.converted[r] = f }
        }
        myanmar.check = check
        warnings += check.warnings
    }

    /// Per row of `rows`, its fields with Myanmar letters and their encodings.
    private func classify(_ rows: [Int]) throws -> [[(k: Int, e: MyanmarEncoding)]] {
        var out = [[(k: Int, e: MyanmarEncoding)]](repeating: [], count: rows.count)
        let n = columns.count
        try out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            try WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount).run(count: rows.count, chunk: 4096) { _, range in
                for i in range {
                    let f = fields(rows[i])
                    (base! + i).pointee = f.indices.compactMap { k in k < n ? MyanmarEncoding(of: f[k]).map { (k, $0) } : nil }
                }
            }
        }
        return out
    }

    /// The rows that may hold Myanmar text: with a UTF-8 lead byte of the Myanmar blocks
    /// (E1 for U+1xxx, EA for U+Axxx). A CSV with none (most) is passed over in one scan.
    private func rowsWithMyanmarBytes() -> [Int] {
        switch source {
        case .rows(let rows):
            return rows.indices.filter { rows[$0].contains(where: hasMyanmarLetters) }
        case .csv(let c):
            return c.bytes.withUnsafeBufferPointer { p -> [Int] in
                guard let base = p.baseAddress, !p.isEmpty,
                      memchr(base, 0xE1, p.count) != nil || memchr(base, 0xEA, p.count) != nil else { return [] }
                return (0..<count).filter { r in
                    UnsafeBufferPointer(rebasing: p[c.start[r]..<c.end[r]]).contains { $0 == 0xE1 || $0 == 0xEA }
                }
            }
        }
    }

    /// The names of a row's Zawgyi fields ("" when none).
    func zawgyiColumns(_ row: Int) -> [String] {
        (myanmar.zawgyiFields[row] ?? []).map { columns[$0] }
    }
}

extension PointJoinResult {
    /// Whether a field of the row is Zawgyi-encoded (flag `zawgyi`).
    @inline(__always) public func isZawgyi(_ r: Int) -> Bool { !zawgyiFields.isEmpty && zawgyiFields[r] != nil }

    /// Rows flagged zawgyi.
    public var zawgyiRowCount: Int { zawgyiFields.count }

    /// The metadata's `myanmar_text` entry (nil when the text had nothing to report).
    public var myanmarTextEntry: DataPackage.MyanmarTextReport? { MyanmarTextCheck.sidecarEntry(myanmarText) }
}

/// How join compares ids and codes: a Zawgyi value in its Unicode form, any other as
/// written. Without a converter (no Zawgyi value anywhere) every value is its own key.
package struct ComparableText: Sendable {
    let converter: ZawgyiConverter?
    package init(converter: ZawgyiConverter? = nil) { self.converter = converter }
    package func key(_ s: String) -> String {
        guard let converter, hasMyanmarLetters(s) else { return s }
        return MyanmarTextCheck.comparable(s, converter: converter)
    }
}

extension PointJoinResult {
    /// Whether the register's Zawgyi fields were converted in this run.
    var convertedRegister: Bool { myanmarText.first { $0.source == "points" }?.mode == .unicode }

    /// The QA report's reason for the `zawgyi` flag.
    func zawgyiReason(_ r: Int, _ points: PointTable) -> String {
        let cols = points.zawgyiColumns(r).joined(separator: ", ")
        return convertedRegister ? "\(cols) Zawgyi-encoded in the register (converted to Unicode in this table)"
                                 : "\(cols) Zawgyi-encoded (reads as nonsense outside a Zawgyi font)"
    }

    /// The QA report's action for the `zawgyi` flag: each field's Unicode spelling.
    func zawgyiAction(_ r: Int, _ points: PointTable) -> String {
        let f = points.fields(r)
        let converter = convertedRegister ? nil : try? ZawgyiConverter.shared()
        let each = (zawgyiFields[r] ?? []).map { k -> String in
            let unicode = converter?.unicode(f[k]) ?? f[k]
            return "\(points.columns[k]) '\(unicode)'"
        }
        return "Save the register in Unicode: " + each.joined(separator: ", ") + " (its Unicode spelling)."
    }
}
