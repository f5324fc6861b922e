import CGeo
import Foundation
import GeoCore

// Zawgyi to Unicode with ICU's `Zawgyi-my` transform (Debian's libicu72), then NFC, and
// the Myanmar-text check applied to what GeoGDAL reads: zone layers and tables. The
// detector itself is plain Swift in GeoCore (ZawgyiDetector).

/// ICU's Zawgyi-my transliterator and NFC normaliser. A transliterator must not be used by
/// two threads at once: calls are serialised, and results kept (names repeat).
public final class ZawgyiConverter: @unchecked Sendable {   // state behind `lock`
    private let lock = NSLock()
    private let transliterator: UnsafeMutableRawPointer
    private let nfc: UnsafeRawPointer
    private var done: [String: String] = [:]

    /// The one converter of the process (opened on first use).
    public static func shared() throws -> ZawgyiConverter { try sharedConverter.get() }
    private static let sharedConverter = Result { try ZawgyiConverter() }

    public init() throws {
        var status: Int32 = 0
        let id = Array("Zawgyi-my".utf16)
        guard let t = geokit_utrans_open(id, Int32(id.count), &status), status <= 0 else {
            throw GeoKitError.internal("ICU's Zawgyi-my transform is not available (\(String(cString: geokit_icu_error_name(status)))); is libicu72 installed?")
        }
        guard let n = geokit_nfc(&status), status <= 0 else {
            geokit_utrans_close(t)
            throw GeoKitError.internal("ICU's NFC normaliser is not available (\(String(cString: geokit_icu_error_name(status))))")
        }
        transliterator = t; nfc = n
    }

    /// ICU's U_BUFFER_OVERFLOW_ERROR.
    private static let bufferOverflow: Int32 = 15

    deinit { geokit_utrans_close(transliterator) }

    /// `zawgyi` in Unicode, NFC. Text that is not Zawgyi is changed too (the transform
    /// reorders and replaces code points): call it only on values detected as Zawgyi.
    public func unicode(_ zawgyi: String) -> String {
        lock.lock(); defer { lock.unlock() }
        if let u = done[zawgyi] { return u }
        let u = normalised(transliterated(Array(zawgyi.utf16)))
        let s = String(decoding: u, as: UTF16.self)
        done[zawgyi] = s
        return s
    }

    /// The transform, in a buffer with room to grow (a Zawgyi kinzi, one code unit,
    /// becomes three); tried again with the room ICU asks for when that is not enough.
    private func transliterated(_ text: [UInt16]) -> [UInt16] {
        var capacity = text.count * 4 + 16
        while true {
            var buffer = text + [UInt16](repeating: 0, count: capacity - text.count)
            var length = Int32(text.count), limit = Int32(text.count)
            var status: Int32 = 0
            geokit_utrans_trans(transliterator, &buffer, &length, Int32(capacity), &limit, &status)
            if status == Self.bufferOverflow { capacity = max(capacity * 2, Int(length) + 16); continue }
            guard status <= 0 else { return text }   // not expected: keep the text
            return Array(buffer[0..<Int(length)])
        }
    }

    private func normalised(_ text: [UInt16]) -> [UInt16] {
        var capacity = text.count + 16
        while true {
            var out = [UInt16](repeating: 0, count: capacity)
            var status: Int32 = 0
            let n = geokit_normalize(nfc, text, Int32(text.count), &out, Int32(capacity), &status)
            if status == Self.bufferOverflow { capacity = Int(n) + 16; continue }
            guard status <= 0 else { return text }
            return Array(out[0..<Int(n)])
        }
    }
}

extension MyanmarTextCheck {
    /// The form values are compared in (join's duplicate and --check-col tests): a Zawgyi
    /// value converted to Unicode, any other as written (Swift compares strings by
    /// canonical equivalence, so NFC or not makes no difference there).
    public static func comparable(_ value: String, converter: ZawgyiConverter) -> String {
        MyanmarEncoding(of: value) == .zawgyi ? converter.unicode(value) : value
    }
}

extension ZoneLayer {
    /// Check the include fields' values (the names, codes and other text the run reads;
    /// not the id, a code compared as written) and, in mode `.unicode`, convert the Zawgyi
    /// ones. Returns the check (its warnings, counts and sidecar entry).
    public mutating func checkMyanmarText(_ mode: MyanmarTextMode, source: String = "zones") throws -> MyanmarTextCheck {
        var check = MyanmarTextCheck(file: path, source: source, unit: "feature", mode: mode, columns: includeFields)
        // No text read besides the ids (a zone's attributes are its `includeFields`): nothing
        // to look at, and no walk over 10^5 zones (a copy of each) to find that out.
        guard !includeFields.isEmpty else { return check }
        // Most layers have no Myanmar text: no converter is opened for them.
        guard zones.contains(where: { $0.attributes.contains(where: hasMyanmarLetters) }) else { return check }
        let converter = try ZawgyiConverter.shared()
        for z in zones.indices {
            for k in includeFields.indices where k < zones[z].attributes.count && hasMyanmarLetters(zones[z].attributes[k]) {
                zones[z].attributes[k] = check.take(zones[z].attributes[k], column: k, at: z + 1, convert: converter.unicode).1
            }
        }
        return check
    }
}

extension Table {
    /// Check the text cells of `columns` (every column when nil) and, in mode `.unicode`,
    /// convert the Zawgyi ones. Positions are data rows, 1-based.
    public mutating func checkMyanmarText(_ mode: MyanmarTextMode, file: String, source: String = "table",
                                          columns only: [Int]? = nil) throws -> MyanmarTextCheck {
        let cols = only ?? Array(columns.indices)
        var check = MyanmarTextCheck(file: file, source: source, unit: "row", mode: mode, columns: cols.map { columns[$0] })
        let hasMyanmar = rows.contains { r in cols.contains { k in if k < r.count, case .text(let s) = r[k] { return hasMyanmarLetters(s) }; return false } }
        guard hasMyanmar else { return check }
        let converter = try ZawgyiConverter.shared()
        for r in rows.indices {
            for (j, k) in cols.enumerated() where k < rows[r].count {
                guard case .text(let s) = rows[r][k], hasMyanmarLetters(s) else { continue }
                rows[r][k] = .text(check.take(s, column: j, at: r + 1, convert: converter.unicode).1)
            }
        }
        return check
    }
}
