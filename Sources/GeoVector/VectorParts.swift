import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// `geotool vector --part I/N --partial FILE` and `geotool merge`: each part computes the
// rows of a contiguous share of the zones (in input order); the merge concatenates them in
// order and makes the roll-up rows from them, so the table is the single run's, byte for
// byte. Parts split by zones, not features: a polygon layer's overlaps are dissolved per
// zone, which does not add across feature subsets. Every part still cuts each line by all
// the zones it crosses (a border piece goes to the zone first in id order, which may be in
// another part), and reads only the features whose boxes meet its own zones. Per zone, the
// overlay adds its pieces in feature order whatever the threads, so a part's zone values
// are the single run's.

/// The line a part file starts with (how `geotool merge` tells a vector part from a zonal
/// one); the JSON follows.
public let vectorPartMagic = "geotool-vector-part\n"

/// One part: its zones' rows (additive values; ratios and formulas are made when written)
/// and what the merge needs to check the parts belong together and to write the table.
public struct VectorPartFile: Codable {
    public var format = "geotool-vector-part"
    public var version = 1
    public var geotool = GeoKitVersion.string
    /// The options that shape the values (zones, layers, roll-up, formulas...), and the
    /// inputs' SHA-256: parts of one run have the same.
    public var options: String
    public var hashes: [String: String]
    public var sources: [String]
    public var part: Int
    public var parts: Int
    public var zoneCount: Int
    public var firstZone: Int
    public var idField: String
    public var includeFields: [String]
    public var rollupFields: [String]
    /// The roll-up's country row (nil: none).
    public var country: String?
    public var columns: [Column]
    public var zones: [Zone]
    public var warnings: [Warning]
    public var method: [String]
    public var zonesCRS: String
    public var command: String
    public var started: String
    public var seconds: Double

    public struct Column: Codable {
        var name: String
        var kind: String
        var numerator: Int?, denominator: Int?
        var formula: String?, formulaName: String?, formulaDescription: String?
        var hidden: Bool
        var unit: String?
        var description: String
    }
    public struct Zone: Codable {
        var id: String
        var level: String
        var attributes: [String]
        /// Additive values (nil where a ratio or formula goes).
        var values: [Double?]
        var parents: [String]
        var wkb: Data
    }
    public struct Warning: Codable { var kind: String; var file: String?; var message: String }
}

extension VectorJob {
    /// The options that shape the table, as one text (parts of one run have the same).
    public var partOptions: String {
        var lines = ["zones=\(zonesPath)", "layer=\(layer ?? "")", "id=\(idField)", "include=\(includeFields)", "rollup=\(rollupFields)",
                     "where=\(zonesFilter ?? "")", "border=\(formatNumber(borderToleranceMetres))", "zone_area=\(withZoneArea)", "country=\(countryRow)"]
        for p in points {
            lines.append("points \(p.name)=\(p.path) layer=\(p.layer ?? "") x=\(p.x ?? "") y=\(p.y ?? "") delimiter=\(p.delimiter.map { "\($0)" } ?? "") decimal_comma=\(p.decimalComma) crs=\(p.crs ?? "") where=\(p.filter ?? "") count_by=\(p.countBy) sum=\(p.sum) mean=\(p.mean)")
        }
        for f in features { lines.append("\(f.part) \(f.name)=\(f.path) layer=\(f.layer ?? "") where=\(f.filter ?? "") by=\(f.by ?? "")") }
        for f in formulas { lines.append("formula \(f.name) = \(f.formula.text) [\(f.unit ?? "")]") }
        return lines.joined(separator: "\n")
    }
}

extension VectorPartFile {
    /// A part run's result (from a job with `part` set) as its part file.
    public init(_ r: VectorResult, job: VectorJob, hashes: [String: String], sources: [String], command: String, started: Date, seconds: Double) {
        let share = job.zoneShare(job.part!, of: r.zoneCount)
        options = job.partOptions; self.hashes = hashes; self.sources = sources
        part = job.part!.index; parts = job.part!.count; zoneCount = r.zoneCount; firstZone = share.lowerBound
        idField = r.idField; includeFields = r.includeFields; rollupFields = job.rollupFields; country = r.country
        columns = r.columns.map { c in
            var out = Column(name: c.name, kind: "additive", hidden: c.hidden, unit: c.unit, description: c.description)
            switch c.kind {
            case .additive: break
            case .ratio(let n, let d): out.kind = "ratio"; out.numerator = n; out.denominator = d
            case .formula(let f): out.kind = "formula"; out.formula = f.formula.text; out.formulaName = f.name; out.formulaDescription = f.description
            }
            return out
        }
        zones = zip(share, r.units).map { z, u in
            Zone(id: u.id, level: u.level, attributes: u.attributes, values: u.values.map { $0.isNaN ? nil : $0 },
                 parents: r.parentCodes[z], wkb: Data(r.zoneWKB[z]))
        }
        warnings = r.warnings.map { Warning(kind: $0.kind.rawValue, file: $0.file, message: $0.message) }
        method = r.method; zonesCRS = r.zonesCRS
        self.command = command; self.started = ISO8601DateFormatter().string(from: started); self.seconds = seconds
    }

    /// Write the part file (atomically: whole or not at all).
    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let data = Data(vectorPartMagic.utf8) + (try enc.encode(self))
        try writeAtomically(path) { tmp in try writeFileChecked(data, to: tmp, displayPath: path) }
    }
}

public enum VectorMerge {
    /// Whether `path` is a vector part file (else a zonal one, or no part file).
    public static func isPart(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: vectorPartMagic.utf8.count)).map { $0 == Data(vectorPartMagic.utf8) } ?? false
    }

    /// The inputs a part names (zones and layers), so the output is checked against them.
    public static func inputs(ofPart path: String) -> [String] {
        (try? read(path))?.sources ?? []
    }

    static func read(_ path: String) throws -> VectorPartFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw GeoKitError.input(path, "cannot read the part file") }
        let magic = Data(vectorPartMagic.utf8)
        do {
            guard data.starts(with: magic) else { throw GeoKitError.internal("no magic") }
            return try JSONDecoder().decode(VectorPartFile.self, from: data.dropFirst(magic.count))
        } catch {
            throw GeoKitError.input(path, "not a complete geotool vector part file (truncated or edited?)", hint: "rerun that part")
        }
    }

    /// The merged result, the inputs' hashes and the parts, for the table and its sidecar.
    public static func run(_ paths: [String]) throws -> (result: VectorResult, hashes: [String: String], parts: [DataPackage.Part], sources: [String]) {
        let files = try paths.map { ($0, try read($0)) }
        let first = files[0].1
        var byIndex: [Int: (String, VectorPartFile)] = [:]
        for (path, f) in files {
            guard f.version == first.version, f.geotool == first.geotool else {
                throw GeoKitError.input(path, "written by geotool \(f.geotool), the other parts by \(first.geotool)", hint: "rerun the parts with one geotool")
            }
            guard f.options == first.options, f.parts == first.parts, f.zoneCount == first.zoneCount else {
                throw GeoKitError.input(path, "a part of another run (other options, zones or number of parts than \((files[0].0 as NSString).lastPathComponent))")
            }
            guard f.hashes == first.hashes else {
                throw GeoKitError.input(path, "its inputs differ (by SHA-256) from those of \((files[0].0 as NSString).lastPathComponent)", hint: "rerun the parts on the same files")
            }
            if let other = byIndex[f.part] { throw GeoKitError.input(path, "part \(f.part)/\(f.parts) is given twice (also \(other.0))") }
            byIndex[f.part] = (path, f)
        }
        if let missing = (0..<first.parts).first(where: { byIndex[$0] == nil }) {
            throw GeoKitError.input(paths[0], "part \(missing)/\(first.parts) is missing", hint: "give every part 0 ... \(first.parts - 1) once")
        }
        let ordered = (0..<first.parts).map { byIndex[$0]!.1 }
        var next = 0
        for (k, f) in ordered.enumerated() {
            guard f.firstZone == next else { throw GeoKitError.input(byIndex[k]!.0, "its zones do not follow part \(k - 1)'s (edited?)", hint: "rerun that part") }
            next += f.zones.count
        }
        guard next == first.zoneCount else { throw GeoKitError.input(paths[0], "the parts hold \(next) of the \(first.zoneCount) zones", hint: "rerun the parts") }
        let columns = try first.columns.map(column)
        let zones = ordered.flatMap(\.zones)
        var units = zones.enumerated().map { z, zone in
            VectorUnit(id: zone.id, level: zone.level, attributes: zone.attributes, values: zone.values.map { $0 ?? .nan }, zones: [z])
        }
        if !first.rollupFields.isEmpty {
            let chains = ParentChains.fromFields(first.rollupFields, codes: zones.map(\.parents), country: first.country)
            units += rollupUnits(chains, units: units, columns: columns)
        }
        var result = VectorResult(idField: first.idField, includeFields: first.includeFields, hasRollup: !first.rollupFields.isEmpty,
                                  columns: columns, units: units,
                                  warnings: first.warnings.map { GeoWarning(GeoWarning.Kind(rawValue: $0.kind) ?? .input, file: $0.file, $0.message) },
                                  zonesCRS: first.zonesCRS, zoneWKB: zones.map { [UInt8]($0.wkb) }, method: first.method, zoneCount: zones.count)
        result.parentCodes = zones.map(\.parents)
        let parts = try (0..<first.parts).map { k -> DataPackage.Part in
            let (path, f) = byIndex[k]!
            return DataPackage.Part(part: k, path: path, sha256: try SHA256.hex(fileAt: path), command: f.command, started: f.started, seconds: f.seconds)
        }
        return (result, first.hashes, parts, first.sources)
    }

    private static func column(_ c: VectorPartFile.Column) throws -> VectorColumn {
        let kind: VectorColumn.Kind
        switch c.kind {
        case "ratio": kind = .ratio(numerator: c.numerator ?? 0, denominator: c.denominator ?? 0)
        case "formula":
            kind = .formula(NamedFormula(name: c.formulaName ?? c.name, formula: try Formula(parsing: c.formula ?? ""), unit: c.unit, description: c.formulaDescription))
        default: kind = .additive
        }
        return VectorColumn(name: c.name, kind: kind, hidden: c.hidden, unit: c.unit, description: c.description)
    }
}
