import Foundation
import Yams
import GeoCore

// The `vector:` section of a batch manifest: point, line and polygon layers summarised per
// zone by `VectorJob` (as `geotool vector` does) with the manifest's zones and roll-up,
// written as OUTDIR/vector.csv beside the raster indicators' tables. The formulas see its
// columns as they see the indicators'.

/// The table the `vector:` section writes (OUTDIR/vector.csv).
package let batchVectorTable = "vector"

/// One entry of `vector:`.
public struct BatchVectorLayer: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case points, lines, polygons }
    public var name: String
    public var kind: Kind
    /// The path as resolved against the manifest's folder.
    public var path: String
    public var layer: String?
    public var filter: String?
    /// Points: per-class counts, sums and means of columns; CSV reading options.
    public var countBy: [String] = []
    public var sum: [String] = []
    public var mean: [String] = []
    public var x: String?, y: String?
    public var delimiter: UInt8?
    public var decimalComma = false
    public var crs: String?
    /// Lines and polygons: the class field.
    public var by: String?
    public var line: Int

    /// Everything the values depend on but the files' content (for the rerun key).
    var signature: String {
        [name, kind.rawValue, path, layer ?? "-", filter ?? "-", countBy.joined(separator: ","), sum.joined(separator: ","),
         mean.joined(separator: ","), x ?? "-", y ?? "-", delimiter.map { "\($0)" } ?? "-", "\(decimalComma)", crs ?? "-", by ?? "-"]
            .joined(separator: "|")
    }

    /// The wide columns the layer gives (their names are known before the run), and the
    /// prefixes of its per-class columns (whose classes come from the data).
    var formulaColumns: (scalar: [String], classPrefixes: [String]) {
        switch kind {
        case .points:
            return ([name + "_count"] + sum.map { "\(name)_\(columnSlug($0))_sum" } + mean.map { "\(name)_\(columnSlug($0))_mean" },
                    countBy.isEmpty ? [] : [name + "_count_"])
        case .lines: return ([name + "_length_km", name + "_density"], by == nil ? [] : [name + "_length_km_"])
        case .polygons: return ([name + "_area_km2", name + "_share", name + "_features"], by == nil ? [] : [name + "_area_km2_"])
        }
    }
}

extension ManifestParser {
    /// `vector:`: a list of layers, each checked (its file, its fields, the keys its kind takes).
    func vectorLayers(_ n: Node, taken: [String: Int]) throws -> [BatchVectorLayer] {
        guard case .sequence = n, !items(n).isEmpty else {
            throw error(n, "'vector' must be a list of layers (- name: schools, points: schools.csv ...)")
        }
        var out: [BatchVectorLayer] = []
        for item in items(n) {
            let layer = try vectorLayer(item)
            if let other = out.first(where: { $0.name == layer.name }) {
                throw error(item, "vector layer name '\(layer.name)' is already used on line \(other.line)")
            }
            out.append(layer)
        }
        if let other = taken[batchVectorTable] {
            throw error(n, "'vector:' writes \(batchVectorTable).csv, and the indicator on line \(other) is named '\(batchVectorTable)'; rename it")
        }
        return out
    }

    private static let pointKeys = ["count_by", "sum", "mean", "x", "y", "delimiter", "decimal_comma", "crs"]

    func vectorLayer(_ n: Node) throws -> BatchVectorLayer {
        let kinds = BatchVectorLayer.Kind.allCases.map(\.rawValue)
        let m = try mapping(n, "a vector layer", keys: ["name", "layer", "where", "by"] + kinds + Self.pointKeys)
        let (name, nameNode) = try requiredString(m, "name", in: n, "a vector layer")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw error(nameNode, "vector layer name '\(name)': use letters, digits and _ (it starts the layer's column names)")
        }
        let what = "vector layer '\(name)'"
        let given = kinds.filter { m[$0] != nil }
        guard given.count == 1, let kind = BatchVectorLayer.Kind(rawValue: given[0]) else {
            throw error(given.count > 1 ? m[given[1]] : n, "\(what): give one of 'points:', 'lines:' or 'polygons:' (the layer's file)")
        }
        let fileNode = m[kind.rawValue]!
        let (path, shown) = try existingFile((try string(fileNode, "\(what): \(kind.rawValue)"), fileNode))
        var v = BatchVectorLayer(name: name, kind: kind, path: path, line: line(n))
        v.layer = try m["layer"].map { try string($0, "\(what): layer") }
        v.filter = try m["where"].map { try string($0, "\(what): where") }
        let isCSV = (path as NSString).pathExtension.lowercased() == "csv"
        if kind == .points {
            v.countBy = try m["count_by"].map { try stringList($0, "\(what): count_by") } ?? []
            v.sum = try m["sum"].map { try stringList($0, "\(what): sum") } ?? []
            v.mean = try m["mean"].map { try stringList($0, "\(what): mean") } ?? []
            v.x = try m["x"].map { try string($0, "\(what): x") }
            v.y = try m["y"].map { try string($0, "\(what): y") }
            v.crs = try m["crs"].map { try string($0, "\(what): crs") }
            if let dn = m["delimiter"] {
                let d = try string(dn, "\(what): delimiter")
                guard let b = csvDelimiter(d) else { throw error(dn, "\(what): delimiter takes ',', ';' or tab, not '\(d)'") }
                v.delimiter = b
            }
            if let cn = m["decimal_comma"] {
                guard let b = Bool(try string(cn, "\(what): decimal_comma")) else { throw error(cn, "\(what): decimal_comma is true or false") }
                v.decimalComma = b
            }
            if let b = m["by"] { throw error(b, "\(what): 'by:' classes lines and polygons; points are counted per class with 'count_by:'") }
        } else {
            if let k = Self.pointKeys.first(where: { m[$0] != nil }) { throw error(m[k], "\(what): '\(k):' is for points, not \(kind.rawValue)") }
            v.by = try m["by"].map { try string($0, "\(what): by") }
        }
        if isCSV && v.filter != nil { throw error(m["where"], "\(what): 'where:' filters OGR layers (GeoJSON, GeoPackage...), not a CSV") }
        try checkFields(v, node: fileNode, shown: shown, nodes: m, isCSV: isCSV)
        return v
    }

    /// The fields the entry names exist in its layer (a CSV's header, an OGR layer's fields).
    private func checkFields(_ v: BatchVectorLayer, node: Node, shown: String, nodes m: [String: Node], isCSV: Bool) throws {
        let fields: [String]
        if isCSV {
            fields = try csvHeader(v.path, delimiter: v.delimiter, node: node, shown: shown)
        } else {
            do { fields = try probe.vectorFields(v.path, layer: v.layer) } catch let e as GeoKitError {
                throw error(m["layer"] ?? node, "\(shown): \(e.problem)")
            }
        }
        let named: [(String, [String])] = [("count_by", v.countBy), ("sum", v.sum), ("mean", v.mean), ("by", v.by.map { [$0] } ?? []),
                                           ("x", v.x.map { [$0] } ?? []), ("y", v.y.map { [$0] } ?? [])]
        for (key, list) in named {
            for f in list where !fields.contains(f) {
                throw error(m[key], "vector layer '\(v.name)': no field '\(f)' in \(shown)\(didYouMean(f, fields)); fields: \(fields.joined(separator: ", "))")
            }
        }
    }

    /// A CSV's column names: its first line, split at the given delimiter or the one the
    /// join's reader would find.
    private func csvHeader(_ path: String, delimiter: UInt8?, node: Node, shown: String) throws -> [String] {
        guard let head = probe.head(of: path, count: 1 << 16) else { throw error(node, "\(shown): cannot be read") }
        var bytes = Array(head.prefix { $0 != 0x0A && $0 != 0x0D })
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        // The separator as the join's CSV reader finds it.
        let d = delimiter ?? bytes.withUnsafeBufferPointer { detectSeparator($0, from: 0, limit: $0.count) }
        return bytes.split(separator: d, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
    }

    private func csvDelimiter(_ s: String) -> UInt8? {
        switch s { case ",": return UInt8(ascii: ","); case ";": return UInt8(ascii: ";"); case "\t", "tab", "\\t": return 9; default: return nil }
    }
}
