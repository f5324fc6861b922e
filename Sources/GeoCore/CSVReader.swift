import Foundation

// Reading a geotool CSV table back (for maps and reports), with the RFC 4180 scanner of
// PointTable.swift (quoted fields, `""`, line breaks inside quotes, UTF-8, BOM), and the
// Frictionless Data Package sidecar that may describe it.

extension Table {
    /// Read a CSV into a table. A column is numeric when every non-blank field in it is a
    /// plain number (blank, NA, N/A, NULL, None, NaN count as missing); numbers with a
    /// leading zero such as `007` keep a column textual (they are codes). Other columns stay text.
    public static func readCSV(path: String) throws -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { throw GeoKitError.input(path, "no such file") }
            throw GeoKitError.input(path, "cannot read")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var records: [[String]] = []
        try bytes.withUnsafeBufferPointer { p in
            var i = 0
            let n = p.count
            while i < n {
                if p[i] == 0x0A || p[i] == 0x0D { i += 1; continue }   // blank line
                var rec: [String] = []
                guard scanRecord(p, &i, limit: n, { _, fs, fe, q in rec.append(decodeField(p, fs, fe, q)) }) != nil else {
                    throw GeoKitError.input(path, "unterminated quoted field in record \(records.count + 1)")
                }
                records.append(rec)
            }
        }
        guard let header = records.first else { throw GeoKitError.input(path, "empty file") }
        var body = records.dropFirst()
        // An HXL hashtag row under the header (HDX's convention): not data.
        if let second = body.first, second.contains(where: { !$0.isEmpty }),
           second.allSatisfy({ $0.isEmpty || $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }) {
            body = body.dropFirst()
        }
        return typed(header: header, records: Array(body))
    }

    /// Text records as a typed table: a column is numeric when every non-blank field in it
    /// is a plain number (blank, NA, N/A, NULL, None, NaN count as missing); numbers with a
    /// leading zero such as `007` keep a column textual (they are codes). Short records are
    /// padded with blanks.
    package static func typed(header: [String], records: [[String]]) -> Table {
        let missing: Set<String> = ["", "NA", "N/A", "NULL", "NONE", "NAN"]
        func isMissing(_ s: String) -> Bool { missing.contains(s.trimmingCharacters(in: .whitespaces).uppercased()) }
        func number(_ s: String) -> Double? {
            let t = s.trimmingCharacters(in: .whitespaces)
            guard let v = Double(t), v.isFinite else { return nil }
            // Codes: a leading zero before another digit ("007"), or hex/inf spellings Double accepts.
            let digits = t.hasPrefix("-") || t.hasPrefix("+") ? String(t.dropFirst()) : t
            if digits.count > 1 && digits.hasPrefix("0") && digits.dropFirst().first?.isNumber == true { return nil }
            if t.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) { return nil }
            return v
        }
        var numeric = [Bool](repeating: true, count: header.count)
        var anyValue = [Bool](repeating: false, count: header.count)
        for r in records {
            for k in 0..<header.count where numeric[k] {
                let f = k < r.count ? r[k] : ""
                if isMissing(f) { continue }
                if number(f) == nil { numeric[k] = false } else { anyValue[k] = true }
            }
        }
        let rows: [[TableCell]] = records.map { r in
            (0..<header.count).map { k in
                let f = k < r.count ? r[k] : ""
                if numeric[k] && anyValue[k] { return isMissing(f) ? .empty : .number(number(f)!) }
                return f.isEmpty ? .empty : .text(f)
            }
        }
        return Table(columns: header, rows: rows)
    }

    /// Index of a column by exact name, else case-insensitively.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex(of: name) ?? columns.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// Whether column `k` holds numbers (and at least one).
    public func isNumeric(_ k: Int) -> Bool {
        var any = false
        for r in rows {
            switch r[k] {
            case .number: any = true
            case .text: return false
            case .empty: continue
            }
        }
        return any
    }
}

/// What a Frictionless Data Package sidecar (`out.datapackage.json` or
/// `out.csv.datapackage.json` beside `out.csv`) says about the table. Every part is optional.
public struct TableMetadata: Sendable {
    public struct Field: Sendable {
        public var name: String
        public var title: String?
        public var unit: String?
        public var description: String?
        /// The Frictionless type (`string`, `number`, `integer`...).
        public var type: String?
        /// A derived column's formula (geotool's `--formula`).
        public var formula: String?
        public init(name: String, title: String? = nil, unit: String? = nil, description: String? = nil, type: String? = nil, formula: String? = nil) {
            self.name = name; self.title = title; self.unit = unit; self.description = description; self.type = type; self.formula = formula
        }
    }
    public var path: String?
    public var title: String?
    public var description: String?
    public var created: String?
    public var sources: [String] = []
    /// How the table was made, as (topic, text) pairs.
    public var method: [(String, String)] = []
    public var warnings: [String] = []
    public var limitations: [String] = []
    /// Attribution of the zones' source, when the sidecar names one.
    public var zonesAttribution: String?
    public var licenses: [String] = []
    public var fields: [String: Field] = [:]

    public init() {}

    public func unit(of column: String) -> String? { fields[column]?.unit }

    /// The sidecar beside `csvPath`, if there is one; a malformed one is returned as nil with a reason.
    public static func sidecar(for csvPath: String) -> (TableMetadata?, String?) {
        let base = (csvPath as NSString).deletingPathExtension
        for p in [base + ".datapackage.json", csvPath + ".datapackage.json"] where FileManager.default.fileExists(atPath: p) {
            guard let data = FileManager.default.contents(atPath: p),
                  case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                return (nil, "\(p): not a JSON object; metadata ignored")
            }
            return (TableMetadata(json: root, path: p), nil)
        }
        return (nil, nil)
    }

    /// Any Frictionless Data Package, read leniently: a member of an unexpected shape is
    /// skipped (geotool's own sidecars are checked strictly by `DataPackage`).
    public init(json root: [String: JSONValue], path: String? = nil) {
        self.path = path
        func text(_ v: JSONValue?) -> String? {
            switch v {
            case .string(let s)?: return s.isEmpty ? nil : s
            case .number(let n)?: return formatNumber(n)
            case .bool(let b)?: return b ? "true" : "false"
            case .array(let a)?: let t = a.compactMap { text($0) }; return t.isEmpty ? nil : t.joined(separator: "; ")
            case .object(let d)?:
                let parts = ["title", "name", "path", "url", "description"].compactMap { text(d[$0]) }
                return parts.isEmpty ? nil : parts.joined(separator: ", ")
            default: return nil
            }
        }
        func list(_ v: JSONValue?) -> [String] {
            if case .array(let a)? = v { return a.compactMap { text($0) } }
            return text(v).map { [$0] } ?? []
        }
        func object(_ v: JSONValue?) -> [String: JSONValue]? { if case .object(let d)? = v { return d }; return nil }
        let res: [String: JSONValue] = { if case .array(let a)? = root["resources"], let r = object(a.first) { return r }; return [:] }()
        title = text(root["title"]) ?? text(res["title"])
        description = text(root["description"]) ?? text(res["description"])
        created = text(root["created"]) ?? text(root["date"]) ?? text(res["created"])
        sources = list(root["sources"]) + list(res["sources"])
        func flatten(_ v: JSONValue?) -> String? {
            if let d = object(v) {
                let parts = d.keys.sorted().compactMap { k in flatten(d[k]).map { "\(k): \($0)" } }
                return parts.isEmpty ? nil : parts.joined(separator: "; ")
            }
            return text(v)
        }
        for m in [root["method"], res["method"]] {
            if let d = object(m) {
                for k in d.keys.sorted() { if let t = flatten(d[k]) { method.append((k.replacingOccurrences(of: "_", with: " "), t)) } }
            } else if let t = text(m) { method.append(("method", t)) }
        }
        warnings = list(root["warnings"]) + list(res["warnings"])
        limitations = list(root["limitations"])
        zonesAttribution = object(root["zones"]).flatMap { text($0["attribution"]) }
        licenses = list(root["licenses"]) + list(res["licenses"])
        guard case .array(let fieldList)? = object(res["schema"])?["fields"] else { return }
        for case .object(let f) in fieldList {
            guard let name = text(f["name"]) else { continue }
            fields[name] = Field(name: name, title: text(f["title"]), unit: text(f["unit"]), description: text(f["description"]),
                                 type: text(f["type"]), formula: text(f["formula"]))
        }
    }
}
