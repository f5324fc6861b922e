import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// Point-in-polygon join ("school mapping"): every point gets the P-code of the polygon
// that covers it, and every problem a flag. See docs/join.md for the rules.
//
// Design: zones are read once (repaired with make-valid by `readZones`), indexed by a
// packed STR tree of bounding boxes (plain Swift values, shared read-only by all
// threads), and tested with GEOS prepared geometries built per worker from WKB (GEOS
// objects never cross threads). Nearest search and distances use plain Swift code on the
// zone rings and Vincenty's geodesic, so they are also thread-free.

/// The outcome of one row, as written in the `match` column.
public enum MatchKind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case inside, border, nearest, outside
    case missingCoords, invalidCoords, swappedCoords
    case duplicateID, mismatch
    /// The register's code differs from the found zone's but is that of a zone on the
    /// border the point lies on (within the tolerance): the register may well be right.
    case borderOK
    /// The row is identical to another (the same position and the same text in every
    /// other field). Only in `flags`, never `match`: the row is located as any other.
    case duplicateRow
    /// A field of the row is Zawgyi-encoded Myanmar text. Only in `flags`, never `match`.
    case zawgyi

    public var label: String {
        switch self {
        case .inside: return "inside"
        case .border: return "border"
        case .nearest: return "nearest"
        case .outside: return "outside"
        case .missingCoords: return "missing_coords"
        case .invalidCoords: return "invalid_coords"
        case .swappedCoords: return "swapped_coords"
        case .duplicateID: return "duplicate_id"
        case .mismatch: return "mismatch"
        case .borderOK: return "border_ok"
        case .duplicateRow: return "duplicate_row"
        case .zawgyi: return "zawgyi"
        }
    }
    public var description: String { label }
}

public struct PointJoinOptions: Sendable {
    /// Zone field holding the P-code to attach (e.g. VT_PCODE).
    public var idField: String
    /// More zone fields to attach (e.g. TS_PCODE, ST_PCODE).
    public var includeFields: [String] = []
    /// Layer of the zones file (default: the first).
    public var layer: String?
    /// Search radius in metres for points outside every zone; 0 = no search.
    public var nearestMetres: Double = 0
    /// A point within this many metres of a zone counts as covered by it (so a point
    /// within it of two zones is on their border). 0.2 m absorbs the rounding of
    /// coordinates written with 6 decimals; 0 = exact GEOS covers only.
    public var borderToleranceMetres: Double = 0.2
    /// CRS of the points (default: the points layer's, or EPSG:4326 for CSV).
    public var pointsCRS: String?
    /// OGR attribute filter on the zones (`--where`).
    public var zonesFilter: String?
    /// Points column with each row's own identifier: repeated values are flagged duplicate_id.
    public var idColumn: String?
    /// Points column with the register's own code, compared with `checkField` of the found zone.
    public var checkColumn: String?
    /// Zone field compared with `checkColumn` (default: the field of the same name,
    /// case-insensitively: the id or an include field, or another field of the layer).
    public var checkField: String?
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Zawgyi-encoded values of the zones' include fields: reported (`.detect`) or converted
    /// to Unicode (`.unicode`). The register's own are converted by `PointTable.checkMyanmarText`.
    public var myanmarText: MyanmarTextMode = .detect

    public init(idField: String) { self.idField = idField }
}

/// Zones ready for joining: plain values, shared read-only by every worker.
package struct JoinZones: Sendable {
    package var ids: [String]
    /// Include-field values per zone (check field last when it had to be added).
    package var attributes: [[String]]
    package var geometry: [MultiPolygon]
    package var wkb: [[UInt8]]
    package var boxes: [Box]
    /// Position of each zone's id in sorted (string) order; equal ids share a rank.
    package var rank: [Int32]
    package var tree: BoxTree
    /// Uniform grid of the same boxes: point queries in a handful of box tests.
    package var grid: BoxGrid
    /// Zone edges bucketed for the border tolerance (nil when it is 0).
    package var edges: EdgeGrid?
}

public final class PointJoiner {
    public let options: PointJoinOptions
    public let zoneLayer: ZoneLayer
    /// The include fields as attached (with the check field appended when needed).
    public let includeFields: [String]
    /// Index of the compared zone value: -1 = the id, k = includeFields[k].
    package let checkIndex: Int?
    package let zones: JoinZones
    package let zonesCRS: SpatialReference
    public var warnings: [GeoWarning]
    /// The Myanmar text of the include fields (counts, and what was converted).
    public let zonesMyanmarText: MyanmarTextCheck

    public init(zonesPath: String, options: PointJoinOptions) throws {
        self.options = options
        let ds = try VectorDataset(path: zonesPath)
        try ds.requireOneLayer(unless: options.layer)
        var include = options.includeFields
        var checkIndex: Int?
        if let col = options.checkColumn {
            let want = (options.checkField ?? col).lowercased()
            if want == options.idField.lowercased() { checkIndex = -1 }
            else if let k = include.firstIndex(where: { $0.lowercased() == want }) { checkIndex = k }
            else {
                let names = try ds.fieldNames(layer: options.layer)
                guard let f = names.first(where: { $0.lowercased() == want }) else {
                    throw GeoKitError.input(zonesPath, "no field '\(options.checkField ?? col)'\(didYouMean(options.checkField ?? col, names)) to compare with \(Setting.checkCol, col) (fields: \(names.joined(separator: ", "))); use \(Setting.checkCol, "\(col)=FIELD")")
                }
                include.append(f)
                checkIndex = include.count - 1
            }
        }
        var layer = try ds.readZones(layer: options.layer, idField: options.idField, includeFields: include, filter: options.zonesFilter)
        zonesMyanmarText = try layer.checkMyanmarText(options.myanmarText)
        layer.warnings += zonesMyanmarText.warnings
        zoneLayer = layer
        includeFields = layer.includeFields
        self.checkIndex = checkIndex
        var warnings = layer.warnings
        if let wkt = layer.crsWKT {
            zonesCRS = try SpatialReference(definition: wkt)
        } else {
            zonesCRS = try SpatialReference(definition: "EPSG:4326")
            warnings.append(GeoWarning(.crs, file: zonesPath, "\(zonesPath): layer has no CRS; assuming EPSG:4326"))
        }
        self.warnings = warnings
        let zonesCRS = self.zonesCRS
        let boxes = layer.zones.map { $0.geometry.isEmpty ? Box.empty : $0.geometry.bounds }
        let order = layer.zones.indices.sorted { (layer.zones[$0].id, $0) < (layer.zones[$1].id, $1) }
        var rank = [Int32](repeating: 0, count: layer.zones.count)
        var r: Int32 = 0
        for (k, z) in order.enumerated() {
            if k > 0 && layer.zones[order[k - 1]].id != layer.zones[z].id { r += 1 }
            rank[z] = r
        }
        var zones = JoinZones(ids: layer.zones.map(\.id), attributes: layer.zones.map(\.attributes),
                          geometry: layer.zones.map(\.geometry), wkb: layer.zones.map { wkbOf($0.geometry) },
                          boxes: boxes, rank: rank, tree: BoxTree(boxes), grid: BoxGrid(boxes), edges: nil)
        if options.borderToleranceMetres > 0 {
            let crs = zonesCRS
            var e = Ellipsoid.wgs84
            if crs.isGeographic, case .geographic(let el) = crs.areaModel { e = el }
            let unit = crs.metresPerUnit
            zones.edges = EdgeGrid(zones.geometry, tolerance: options.borderToleranceMetres,
                                   geographic: crs.isGeographic, ellipsoid: e, metresPerUnit: unit)
        }
        self.zones = zones
    }

    public var zoneCount: Int { zones.ids.count }

    /// The location pass's plan for `points` in `pointsCRS`; a bad CRS pair fails here.
    private func plan(_ points: PointTable, pointsCRS: SpatialReference) throws -> JoinPlan {
        // Geographic CRS for distances: the zones' own, or its geographic base.
        let geoCRS = try zonesCRS.geographicBase()
        let ellipsoid: Ellipsoid
        if case .geographic(let e) = geoCRS.areaModel { ellipsoid = e } else { ellipsoid = .wgs84 }
        let plan = JoinPlan(zones: zones, n: points.count, nearest: options.nearestMetres,
                            pointsGeographic: pointsCRS.isGeographic,
                            zonesGeographic: zonesCRS.isGeographic,
                            zonesMetresPerUnit: zonesCRS.metresPerUnit,
                            needPointTransform: !pointsCRS.isSame(zonesCRS),
                            pointsAreGeo: pointsCRS.isSame(geoCRS),
                            ellipsoid: ellipsoid,
                            pointsWKT: pointsCRS.wkt, zonesWKT: zonesCRS.wkt, geoWKT: geoCRS.wkt)
        // A bad CRS pair fails here, on this thread, with a clear message.
        if plan.needPointTransform { _ = try CoordinateTransform(from: pointsCRS, to: zonesCRS) }
        return plan
    }

    /// Each point's zone by the location pass alone, where it counts: inside a zone or on a
    /// border (the join's rule), else -1 (nearest, swapped, outside and unusable rows). What `join` adds (identical rows, codes, flags) is not made.
    package func countedZones(_ points: PointTable, progress: ((Int, Int) -> Void)? = nil) throws -> [Int32] {
        let pointsCRS = try SpatialReference(definition: options.pointsCRS ?? points.crsWKT ?? "EPSG:4326")
        let plan = try plan(points, pointsCRS: pointsCRS)
        var result = PointJoinResult(n: points.count)
        try plan.run(points: points, into: &result, threads: max(1, options.threads), progress: progress)
        return result.spatial.indices.map { i in (result.spatial[i] == .inside || result.spatial[i] == .border) ? result.zone[i] : -1 }
    }

    /// Join every point. Throws for unusable inputs (missing columns, unknown CRS).
    /// `progress(points located, points)` as the workers finish chunks.
    public func join(_ points: PointTable, progress: ((Int, Int) -> Void)? = nil) throws -> PointJoinResult {
        let pointsCRS: SpatialReference
        if let def = options.pointsCRS { pointsCRS = try SpatialReference(definition: def) }
        else if let wkt = points.crsWKT { pointsCRS = try SpatialReference(definition: wkt) }
        else { pointsCRS = try SpatialReference(definition: "EPSG:4326") }
        var idValues: [String]?
        if let c = options.idColumn {
            guard let v = points.column(c) else {
                throw GeoKitError.input(points.path, "no column '\(c)' for \(Setting.idCol)\(didYouMean(c, points.columns)) (columns: \(points.columns.joined(separator: ", ")))")
            }
            idValues = v
        }
        var registerValues: [String]?
        if let c = options.checkColumn {
            guard let v = points.column(c) else {
                throw GeoKitError.input(points.path, "no column '\(c)' for \(Setting.checkCol)\(didYouMean(c, points.columns)) (columns: \(points.columns.joined(separator: ", ")))")
            }
            registerValues = v
        }
        let plan = try plan(points, pointsCRS: pointsCRS)
        var result = PointJoinResult(n: points.count)
        result.zoneIDs = zones.ids
        result.zoneAttributes = zones.attributes
        result.idField = zoneLayer.idField
        result.includeFields = includeFields
        result.borderToleranceMetres = options.borderToleranceMetres
        try plan.run(points: points, into: &result, threads: max(1, options.threads), progress: progress)
        result.borders = try plan.borders(points: points, rows: result.spatial.indices.filter { result.spatial[$0] == .border })

        // Identity checks, in input order, on the Unicode form of Zawgyi values.
        let anyZawgyi = !points.myanmar.zawgyiFields.isEmpty || zonesMyanmarText.counts.contains { $0.zawgyi > 0 }
        let same = ComparableText(converter: anyZawgyi ? try ZawgyiConverter.shared() : nil)
        if let ids = idValues {
            var count: [String: Int] = [:]
            count.reserveCapacity(ids.count)
            let keys = ids.map { same.key($0.trimmingCharacters(in: .whitespaces)) }
            for t in keys where !t.isEmpty { count[t, default: 0] += 1 }
            result.duplicateCount = keys.map { Int32(count[$0] ?? 0) }
        }
        if let reg = registerValues, let ci = checkIndex {
            result.register = reg
            result.checkIndex = ci
        }
        result.setIdenticalRows(points.identicalRows(text: same))
        result.comparable = same
        result.zawgyiFields = points.myanmar.zawgyiFields
        result.myanmarText = [points.myanmar.check, zonesMyanmarText].compactMap { $0 }
        result.finish()
        return result
    }
}

/// Per-row outcomes of a join, plus the zone values needed to write them.
public struct PointJoinResult: Sendable {
    /// Final `match` of each row.
    public var match: [MatchKind]
    /// Outcome of the location alone (inside/border/nearest/outside or a coordinate flag).
    public var spatial: [MatchKind]
    /// Zone attached to the row (-1: none). Duplicate and mismatch rows keep theirs.
    public var zone: [Int32]
    /// The zone the swapped position falls in (swapped_coords rows), else -1.
    public var swappedZone: [Int32]
    /// Border rows: another zone at the point (the next id in string order).
    public var otherZone: [Int32]
    /// Border rows: every other zone at the point, and whether the id order chose.
    public var borders: [Int: BorderZones] = [:]
    /// The tolerance the rows were located with, for the report's sentences.
    public var borderToleranceMetres = 0.0
    /// Metres to the attached zone: 0 inside/border, the geodesic distance for nearest; NaN otherwise.
    public var distance: [Double]
    /// Occurrences of each row's --id-col value (0 when blank); empty without --id-col.
    public var duplicateCount: [Int32] = []
    /// Groups of identical rows (the same position and fields), each in row order; and per
    /// row its group's index (-1: none), empty when there is no group.
    public private(set) var identicalRows: [[Int]] = []
    package private(set) var identicalGroup: [Int32] = []
    /// The register's own codes (--check-col); empty without it.
    public var register: [String] = []
    /// How codes are compared (Zawgyi values in their Unicode form).
    package var comparable = ComparableText()
    /// Rows with Zawgyi-encoded fields: the indexes of those fields (flag `zawgyi`).
    public var zawgyiFields: [Int: [Int]] = [:]
    /// The Myanmar text of the register and of the zones' fields, for the metadata.
    public var myanmarText: [MyanmarTextCheck] = []
    package var checkIndex: Int = -1
    /// The register's code differs from the found zone's and from every other zone at the point.
    public var mismatch: [Bool] = []
    /// The register's code differs from the found zone's but is another zone's at the point.
    public var borderOK: [Bool] = []
    public var zoneIDs: [String] = []
    public var zoneAttributes: [[String]] = []
    public var idField = ""
    public var includeFields: [String] = []

    package init(n: Int) {
        match = Array(repeating: .outside, count: n); spatial = match
        zone = Array(repeating: -1, count: n); swappedZone = zone; otherZone = zone
        distance = Array(repeating: .nan, count: n)
    }

    package mutating func setIdenticalRows(_ groups: [[Int]]) {
        identicalRows = groups
        identicalGroup = groups.isEmpty ? [] : Array(repeating: -1, count: match.count)
        for (g, rows) in groups.enumerated() { for r in rows { identicalGroup[r] = Int32(g) } }
    }

    /// Whether the row is identical to another.
    @inline(__always) public func isDuplicateRow(_ r: Int) -> Bool { !identicalGroup.isEmpty && identicalGroup[r] >= 0 }

    /// The other rows identical to row `r` (empty when none).
    public func identicalRows(of r: Int) -> [Int] {
        isDuplicateRow(r) ? identicalRows[Int(identicalGroup[r])].filter { $0 != r } : []
    }

    /// Rows flagged duplicate_row.
    public var duplicateRowCount: Int { identicalRows.reduce(0) { $0 + $1.count } }

    /// The P-code attached to a row ("" when none).
    public func zoneID(_ row: Int) -> String { zone[row] >= 0 ? zoneIDs[Int(zone[row])] : "" }
    public func swappedID(_ row: Int) -> String { swappedZone[row] >= 0 ? zoneIDs[Int(swappedZone[row])] : "" }

    /// The zone value compared with the register code ("" when no zone).
    public func foundCode(_ row: Int) -> String {
        let z = Int(zone[row])
        guard z >= 0 else { return "" }
        return code(ofZone: z)
    }

    /// A zone's value compared with the register code (its id, or the check field).
    public func code(ofZone z: Int) -> String { checkIndex < 0 ? zoneIDs[z] : zoneAttributes[z][checkIndex] }

    package mutating func finish() {
        let n = match.count
        if !register.isEmpty {
            func same(_ a: String, _ b: String) -> Bool {
                comparable.key(a).caseInsensitiveCompare(comparable.key(b.trimmingCharacters(in: .whitespaces))) == .orderedSame
            }
            mismatch = Array(repeating: false, count: n); borderOK = mismatch
            for r in 0..<n where zone[r] >= 0 {
                let a = register[r].trimmingCharacters(in: .whitespaces)
                if !a.isEmpty && same(a, foundCode(r)) { continue }
                if !a.isEmpty, let b = borders[r], b.others.contains(where: { same(a, code(ofZone: Int($0))) }) { borderOK[r] = true }
                else { mismatch[r] = true }
            }
        }
        for r in 0..<n {
            var m = spatial[r]
            if m != .missingCoords && m != .invalidCoords && m != .swappedCoords {
                if !duplicateCount.isEmpty && duplicateCount[r] > 1 { m = .duplicateID }
                else if !mismatch.isEmpty && mismatch[r] { m = .mismatch }
                else if !borderOK.isEmpty && borderOK[r] { m = .borderOK }
            }
            match[r] = m
        }
    }

    /// Rows per match value, in `MatchKind` order (values never seen are left out).
    public var counts: [(MatchKind, Int)] {
        var c = [Int](repeating: 0, count: MatchKind.allCases.count)
        for m in match { c[Int(m.rawValue)] += 1 }
        return MatchKind.allCases.compactMap { c[Int($0.rawValue)] > 0 ? ($0, c[Int($0.rawValue)]) : nil }
    }
}

