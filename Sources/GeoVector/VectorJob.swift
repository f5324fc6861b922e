import Foundation
import GeoCore
import GeoGDAL
import GeoKit
import GeoJoin

// Vector indicators per zone (`geotool vector`): points counted (with the join's location
// pass and border rule), lines measured and polygons overlapped inside each zone, in one
// table with the zones' ids, roll-ups to parent units, and the method in the sidecar.

/// A point layer to count: a CSV register (read as `geotool join` reads it) or any OGR layer.
public struct PointLayerSpec: Sendable {
    public var name: String
    public var path: String
    public var layer: String?
    public var x: String?, y: String?
    public var delimiter: UInt8?
    public var decimalComma = false
    public var crs: String?
    public var filter: String?
    /// Columns whose values each get a count column (school level, facility type).
    public var countBy: [String] = []
    /// Numeric columns summed, and averaged, over the points of a zone.
    public var sum: [String] = []
    public var mean: [String] = []
    public init(name: String, path: String) { self.name = name; self.path = path }
}

/// A line or polygon layer to measure in each zone.
public struct FeatureLayerSpec: Sendable {
    public var name: String
    public var path: String
    public var part: VectorPart
    public var layer: String?
    public var filter: String?
    /// Class field: a length or area column per value (road type, protected-area category).
    public var by: String?
    public init(name: String, path: String, part: VectorPart) { self.name = name; self.path = path; self.part = part }
}

public struct VectorJob: Sendable {
    public var zonesPath: String
    public var idField: String
    public var layer: String?
    public var includeFields: [String] = []
    public var rollupFields: [String] = []
    public var zonesFilter: String?
    /// The join's border tolerance (metres) for points.
    public var borderToleranceMetres = 0.2
    public var points: [PointLayerSpec] = []
    public var features: [FeatureLayerSpec] = []
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Derived indicators (`--formula 'schools_per_km2 = schools_count / zone_area_km2'`),
    /// evaluated per row from its own values after the roll-up, as zonal's.
    public var formulas: [NamedFormula] = []
    /// `--part I/N`: compute the rows of a contiguous share of the zones (in input order)
    /// only, for `geotool merge` (see VectorParts.swift). Every layer is still cut by all the
    /// zones, so a line on the border of two zones in different parts counts once.
    public var part: PartIndex?
    /// Add a country row to the roll-up, its code the P-codes' letters (MMR), as `zonal` and
    /// batch's raster tables do (a batch manifest's tables then have the same rows).
    public var countryRow = false
    /// Add `zone_area_km2` even with points only (a batch manifest's formulas may use it).
    public var withZoneArea = false
    /// OGR point layers read as typed columns (false: as the join's register, every field as
    /// text; the tests compare the two).
    package var typedPointLayers = true
    /// Called as each layer's points or features are done: (layer name, done, total).
    public var progress: (@Sendable (String, Int, Int) -> Void)?

    public init(zonesPath: String, idField: String) { self.zonesPath = zonesPath; self.idField = idField }
}

/// A column of the result. Additive columns (counts, lengths, areas, sums) add up in
/// roll-ups; a ratio (density, share, mean) is computed from two additive columns of the
/// same row, so a parent's is that of its summed parts.
public struct VectorColumn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case additive
        case ratio(numerator: Int, denominator: Int)
        /// A derived indicator on the row's other columns, by name.
        case formula(NamedFormula)
    }
    public var name: String
    public var kind: Kind
    /// Kept for ratios only (the number of points with a value, behind a mean).
    public var hidden = false
    public var unit: String?
    public var description: String
}

/// One row: a zone, or a roll-up unit.
public struct VectorUnit: Sendable {
    public var id: String
    public var level: String
    public var attributes: [String]
    /// One value per additive column (ratios are computed when written).
    public var values: [Double]
    /// Zone geometry as WKB in the zones' CRS (the union of its zones for a roll-up unit, made when written).
    public var zones: [Int]
}

public struct VectorResult: Sendable {
    public var idField: String
    public var includeFields: [String]
    public var hasRollup: Bool
    public var columns: [VectorColumn]
    public var units: [VectorUnit]
    public var warnings: [GeoWarning]
    public var zonesCRS: String
    public var zoneWKB: [[UInt8]]
    /// What each layer was, and how it was measured, for the sidecar.
    public var method: [String]
    public var zoneCount: Int
    /// Each zone's roll-up codes and the country row's code (for a part's merge).
    public var parentCodes: [[String]] = []
    public var country: String?
}

/// The columns of a run as they are made, with their values per zone, the warnings and
/// the method's sentences.
private struct Columns {
    let zoneCount: Int
    var columns: [VectorColumn] = []
    /// Per column, one value per zone (empty for ratios, computed when written).
    var values: [[Double]] = []
    var warnings: [GeoWarning] = []
    var method: [String] = []

    @discardableResult
    mutating func add(_ name: String, unit: String?, hidden: Bool = false, _ description: String, _ v: [Double]) -> Int {
        columns.append(VectorColumn(name: name, kind: .additive, hidden: hidden, unit: unit, description: description))
        values.append(v)
        return columns.count - 1
    }

    mutating func ratio(_ name: String, _ num: Int, _ den: Int, unit: String?, _ description: String) {
        columns.append(VectorColumn(name: name, kind: .ratio(numerator: num, denominator: den), unit: unit, description: description))
        values.append([])
    }

    mutating func warn(_ kind: GeoWarning.Kind, _ file: String, _ text: String) {
        warnings.append(GeoWarning(kind, file: file, "\(file): \(text)"))
    }
}

extension VectorJob {
    /// The join's options for these zones (include and roll-up fields, filter, tolerance).
    private var joinOptions: PointJoinOptions {
        var opts = PointJoinOptions(idField: idField)
        opts.layer = layer
        opts.includeFields = (includeFields + rollupFields).uniqued()
        opts.zonesFilter = zonesFilter
        // The tolerance's edge index is for points only: a run without them skips building it.
        opts.borderToleranceMetres = points.isEmpty ? 0 : borderToleranceMetres
        opts.nearestMetres = 0
        opts.threads = max(1, threads)
        return opts
    }

    public func run() throws -> VectorResult {
        // The join's zones: read once (repaired by make-valid), indexed, for points and the rest.
        let joiner = try PointJoiner(zonesPath: zonesPath, options: joinOptions)
        PhaseTiming.mark("vector: zones read and indexed")
        let zones = joiner.zoneLayer.zones
        let measure = Measure(crs: joiner.zonesCRS)
        var cols = Columns(zoneCount: zones.count)
        cols.warnings = joiner.warnings
        var areaColumn = -1
        let formulaUsesArea = formulas.contains { f in f.formula.columns.contains { ZoneAreaVariable(rawValue: $0) != nil } }
        if !features.isEmpty || formulaUsesArea || withZoneArea {
            areaColumn = cols.add("zone_area_km2", unit: "km2", measure.areaNote("the zone's area"), zones.map { measure.area($0.geometry) / 1e6 })
        }
        for spec in points { try addPoints(spec, joiner, &cols) }
        let overlay = OverlayZones(wkb: joiner.zones.wkb, boxes: joiner.zones.boxes, order: tieBreakOrder(zones.map(\.id)))
        let kept = part.map { zoneShare($0, of: zones.count) } ?? 0..<zones.count
        for spec in features {
            try addFeatures(spec, overlay, joiner.zonesCRS, measure, areaColumn: areaColumn, near: part == nil ? nil : kept.map { joiner.zones.boxes[$0] }, &cols)
        }
        try addFormulas(&cols)
        // Rows: the zones (of the part), then the roll-up units (a part's are made by the merge).
        let all = joinOptions.includeFields
        let idx = rollupFields.map { f in all.firstIndex(of: f)! }   // include fields first, roll-up fields after (unless shared)
        let parents = zones.map { z in idx.map { z.attributes[$0] } }
        var units = kept.map { z in
            VectorUnit(id: zones[z].id, level: AdminLevel(field: idField)?.name ?? "zone", attributes: Array(zones[z].attributes.prefix(includeFields.count)),
                       values: cols.values.map { $0.isEmpty ? .nan : $0[z] }, zones: [z])
        }
        let country = countryRow && !rollupFields.isEmpty ? guessCountry(zones.map(\.id)) : nil
        if !rollupFields.isEmpty && part == nil {
            let chains = ParentChains.fromFields(rollupFields, codes: parents, country: country)
            units += rollupUnits(chains, units: units, columns: cols.columns)
        }
        var r = VectorResult(idField: joiner.zoneLayer.idField, includeFields: includeFields, hasRollup: !rollupFields.isEmpty,
                             columns: cols.columns, units: units, warnings: cols.warnings, zonesCRS: joiner.zonesCRS.wkt,
                             zoneWKB: joiner.zones.wkb, method: cols.method, zoneCount: zones.count)
        r.parentCodes = parents
        r.country = country
        return r
    }

    /// Part I of N's zones: a contiguous run of the input order, the same for every run.
    func zoneShare(_ p: PartIndex, of n: Int) -> Range<Int> { (p.index * n / p.count)..<((p.index + 1) * n / p.count) }

    /// The formulas as columns after the layers', each name it uses checked: a shown column,
    /// a zone area or an earlier formula (one line naming the formula and a near column).
    private func addFormulas(_ cols: inout Columns) throws {
        var known = cols.columns.filter { !$0.hidden }.map(\.name)
        for f in formulas {
            if let clash = (known + ZoneAreaVariable.allCases.map(\.rawValue)).first(where: { $0.lowercased() == f.name.lowercased() }) {
                throw GeoKitError.argument("formula '\(f.text)': the name '\(f.name)' is already a column ('\(clash)'); give the formula another name")
            }
            for name in f.formula.columns where !known.contains(name) && ZoneAreaVariable(rawValue: name) == nil {
                let all = known + ZoneAreaVariable.allCases.map(\.rawValue)
                throw GeoKitError.argument("formula '\(f.text)': no column '\(name)' in the output\(didYouMean(name, all)) (columns: \(all.joined(separator: ", ")))")
            }
            cols.columns.append(VectorColumn(name: f.name, kind: .formula(f), unit: f.unit,
                                             description: (f.description.map { $0 + "; " } ?? "") + "formula \(f.formula.text); \(formulaEmptyRule)"))
            cols.values.append([])
            known.append(f.name)
        }
        if !formulas.isEmpty { cols.method.append("formulas: evaluated on each row's own values after the roll-up; \(formulaEmptyRule)") }
    }

    /// A point layer: located by the join's pass, then counted, per class, summed.
    private func addPoints(_ spec: PointLayerSpec, _ joiner: PointJoiner, _ cols: inout Columns) throws {
        if spec.filter != nil && isCSV(spec) {
            throw GeoKitError(.argument, file: spec.path, "\(Setting.layerWhere, "\(spec.name)=...") filters OGR layers (GeoJSON, GeoPackage...), not a CSV",
                              hint: "filter the CSV first, or convert it to a GeoPackage")
        }
        let p = try layerPoints(spec, joiner) ?? registerPoints(spec, joiner)
        PhaseTiming.mark("points \(spec.name): read and located")
        cols.warnings += p.warnings
        let zoneOf = p.zoneOf
        let outside = zoneOf.filter { $0 < 0 }.count
        if outside > 0 {
            cols.warn(.outside, spec.path, "\(outside) of \(zoneOf.count) point(s) are in no zone (outside, within no border tolerance, or with unusable coordinates) and are not counted")
        }
        let n = cols.zoneCount
        var count = [Double](repeating: 0, count: n)
        for z in zoneOf where z >= 0 { count[Int(z)] += 1 }
        cols.add("\(spec.name)_count", unit: nil, "points of \(spec.path) in the zone (inside it, or on its border by join's rule: each point counted once)", count)
        for (col, (classes, classOf)) in zip(spec.countBy, p.classes) {
            var k = [[Double]](repeating: [Double](repeating: 0, count: n), count: classes.count)
            for (r, z) in zoneOf.enumerated() where z >= 0 { k[Int(classOf[r])][Int(z)] += 1 }
            for (c, cls) in classes.enumerated() {
                cols.add("\(spec.name)_count_\(cls.slug)", unit: nil, "points of \(spec.path) in the zone with \(col) = '\(cls.value)'", k[c])
            }
        }
        for (col, values) in zip(numberColumns(spec), p.numbers) {
            let (sum, valued, bad) = sums(values, zoneOf, zones: n)
            if bad > 0 { cols.warn(.input, spec.path, "\(bad) value(s) of \(col) are not numbers and are left out of its sum and mean") }
            let name = "\(spec.name)_\(columnSlug(col))"
            let s = cols.add(name + "_sum", unit: nil, hidden: !spec.sum.contains(col), "sum of \(col) over the points of \(spec.path) in the zone", sum)
            if spec.mean.contains(col) {
                let k = cols.add(name + "_n", unit: nil, hidden: true, "points with a value of \(col)", valued)
                cols.ratio(name + "_mean", s, k, unit: nil, "mean of \(col) over the points of \(spec.path) in the zone that have one")
            }
        }
        PhaseTiming.mark("points \(spec.name): counted")
        cols.method.append("\(spec.name): points of \(spec.path) located with geotool join's pass (GEOS covers, border tolerance \(formatNumber(borderToleranceMetres)) m); a point on the border of two zones counts for one (the zone that covers it, else the lowest id in string order); nearest and swapped-coordinate matches are not counted")
    }

    private func isCSV(_ spec: PointLayerSpec) -> Bool {
        (spec.path as NSString).pathExtension.lowercased() == "csv" || spec.delimiter != nil
    }

    /// The columns summed or averaged, each once.
    private func numberColumns(_ spec: PointLayerSpec) -> [String] { (spec.sum + spec.mean).uniqued() }

    /// The joiner that locates a layer's points: the run's, or one for points in a CRS of their own (--points-crs).
    private func pointJoiner(_ spec: PointLayerSpec, _ joiner: PointJoiner) throws -> PointJoiner {
        guard spec.crs != nil else { return joiner }
        var own = joinOptions
        own.pointsCRS = spec.crs
        return try PointJoiner(zonesPath: zonesPath, options: own)
    }

    /// A CSV register (or an OGR layer whose named columns are not all fields: the
    /// register's coordinate columns) read as `geotool join` reads it: every field as text.
    private func registerPoints(_ spec: PointLayerSpec, _ joiner: PointJoiner) throws -> CountedPoints {
        var table = try PointTable.read(path: spec.path, xColumn: spec.x, yColumn: spec.y, layer: spec.layer,
                                        delimiter: spec.delimiter, decimalComma: spec.decimalComma, filter: spec.filter, crs: spec.crs)
        let warnings = table.warnings
        table.warnings = []
        let zoneOf = countedZone(try pointJoiner(spec, joiner).join(table, progress: progress.map { p in { p(spec.name, $0, $1) } }))
        return CountedPoints(zoneOf: zoneOf, classes: try spec.countBy.map { classify(try column(table, $0, spec)) },
                             numbers: try numberColumns(spec).map { try column(table, $0, spec).map(PointNumber.value) }, warnings: warnings)
    }

    /// An OGR point layer read as typed columns (only the fields the run needs, positions as
    /// numbers, class values interned), located by the join's pass alone; nil for a CSV, or
    /// when a named column is not a field of the layer (the register path then reads it,
    /// and says what is missing). Counts and sums are the register path's.
    private func layerPoints(_ spec: PointLayerSpec, _ joiner: PointJoiner) throws -> CountedPoints? {
        guard typedPointLayers, !isCSV(spec) else { return nil }
        guard let read = try VectorDataset(path: spec.path).readPointColumns(layer: spec.layer, filter: spec.filter, textFields: spec.countBy,
                                                                           numberFields: numberColumns(spec), threads: max(1, threads))
        else { return nil }
        PhaseTiming.mark("points \(spec.name): \(read.count) read")
        var warnings: [GeoWarning] = []
        let notPoints = read.position.filter { $0 == .notPoint }.count
        if notPoints > 0 { warnings.append(GeoWarning(.input, file: spec.path, "\(spec.path): \(notPoints) feature(s) are not points; flagged invalid_coords")) }
        warnings += myanmarCheck(spec.path, read).warnings
        let table = PointTable.inMemory(name: spec.path, x: read.x, y: read.y, crs: read.crsWKT)
        let zoneOf = try pointJoiner(spec, joiner).countedZones(table, progress: progress.map { p in { p(spec.name, $0, $1) } })
        let classes = read.text.map { classify(interned: $0.values, $0.ids) }
        let numbers = read.numbers.map { column -> [Double] in
            switch column {
            case .values(let v): return v
            case .text(let c):
                let value = c.values.map(PointNumber.value)
                return c.ids.map { value[Int($0)] }
            }
        }
        return CountedPoints(zoneOf: zoneOf, classes: classes, numbers: numbers, warnings: warnings)
    }

    /// The Myanmar text of the fields read, as the register checks its rows: each distinct
    /// value classified once, counted for every row that has it.
    private func myanmarCheck(_ path: String, _ read: PointColumns) -> MyanmarTextCheck {
        var check = MyanmarTextCheck(file: path, source: "points", unit: "row", mode: .detect, columns: read.fieldNames)
        var seen = Set<Int>()
        let texts = read.text + read.numbers.compactMap { if case .text(let c) = $0 { return c } else { return nil } }
        for c in texts where seen.insert(c.field).inserted {
            let encoding = c.values.map { MyanmarEncoding(of: $0) }
            guard encoding.contains(where: { $0 != nil }) else { continue }
            for (r, id) in c.ids.enumerated() { if let e = encoding[Int(id)] { check.count(e, column: c.field, at: r + 1) } }
        }
        return check
    }

    /// A line or polygon layer: read in the zones' CRS, cut by the zones, measured.
    private func addFeatures(_ spec: FeatureLayerSpec, _ overlay: OverlayZones, _ zonesCRS: SpatialReference, _ measure: Measure,
                             areaColumn: Int, near: [Box]?, _ cols: inout Columns) throws {
        var f = try VectorDataset(path: spec.path).readFeatures(spec.part, layer: spec.layer, filter: spec.filter, classField: spec.by, target: zonesCRS,
                                                                threads: max(1, threads))
        PhaseTiming.mark("\(spec.name): \(f.wkb.count) \(spec.part.rawValue) read")
        if f.crsAssumed { cols.warn(.crs, spec.path, "layer has no CRS; taken to be the zones' (\(zonesCRS.shortName))") }
        if f.repaired > 0 { cols.warn(.geometry, spec.path, "\(f.repaired) invalid polygon(s) repaired with make-valid") }
        if f.skipped > 0 { cols.warn(.geometry, spec.path, "\(f.skipped) feature(s) have no \(spec.part == .lines ? "line" : "polygon") geometry and are left out") }
        var (classes, classOf) = spec.by == nil ? ([], [Int32](repeating: 0, count: f.classIds.count)) : classify(interned: f.classNames, f.classIds)
        if let near {
            // A part: the classes of every feature (so every part has the same columns), the
            // features that may touch its zones (the rest add nothing to them).
            let tree = BoxTree(near)
            var hits: [Int32] = [], stack: [Int32] = []
            let keep = f.boxes.indices.filter { k in hits.removeAll(keepingCapacity: true); tree.query(f.boxes[k], into: &hits, stack: &stack); return !hits.isEmpty }
            f.wkb = keep.map { f.wkb[$0] }; f.boxes = keep.map { f.boxes[$0] }; classOf = keep.map { classOf[$0] }
        }
        let k = max(1, classes.count), n = cols.zoneCount
        func perClass(_ v: [Double], _ c: Int, _ scale: Double) -> [Double] { (0..<n).map { v[$0 * k + c] / scale } }
        switch spec.part {
        case .lines:
            let r = try lineLengths(f, classOf: classOf, classes: k, zones: overlay, measure: measure, threads: threads, progress: layerProgress(spec.name))
            PhaseTiming.mark("\(spec.name): lines measured")
            let total = cols.add("\(spec.name)_length_km", unit: "km", measure.lengthNote("length of the lines of \(spec.path) inside the zone"), r.total.map { $0 / 1000 })
            cols.ratio("\(spec.name)_density", total, areaColumn, unit: "km/km2", "km of line of \(spec.path) per km2 of the zone")
            for (c, cls) in classes.enumerated() {
                cols.add("\(spec.name)_length_km_\(cls.slug)", unit: "km", "length of the lines of \(spec.path) with \(spec.by!) = '\(cls.value)' inside the zone",
                         perClass(r.byClass, c, 1000))
            }
            cols.method.append("\(spec.name): lines of \(spec.path) cut by each zone (at their crossings with its edges; with GEOS where a line touches a vertex or runs along or ends on an edge) and measured \(measure.kindNote); a piece on the border of two zones (or where zones overlap) counts once, for the zone first in id order (string order, then input order)")
        case .polygons:
            let r = try polygonOverlap(f, classOf: classOf, classes: k, zones: overlay, measure: measure, threads: threads, progress: layerProgress(spec.name))
            PhaseTiming.mark("\(spec.name): polygons overlapped")
            let total = cols.add("\(spec.name)_area_km2", unit: "km2", measure.areaNote("area of the zone covered by the polygons of \(spec.path), overlaps dissolved"), r.area.map { $0 / 1e6 })
            cols.ratio("\(spec.name)_share", total, areaColumn, unit: "1", "share of the zone's area covered by the polygons of \(spec.path) (0 to 1)")
            cols.add("\(spec.name)_features", unit: nil, "polygons of \(spec.path) overlapping the zone (a roll-up adds its zones' counts: a polygon over two zones counts twice)", r.features)
            for (c, cls) in classes.enumerated() {
                cols.add("\(spec.name)_area_km2_\(cls.slug)", unit: "km2", "area of the zone covered by the polygons of \(spec.path) with \(spec.by!) = '\(cls.value)', overlaps dissolved",
                         perClass(r.areaByClass, c, 1e6))
            }
            cols.method.append("\(spec.name): polygons of \(spec.path) (invalid ones repaired with make-valid) cut by each zone with GEOS; in each zone the pieces of each class are dissolved (union), and all classes together for the total, then measured \(measure.kindNote), so a zone is never more than fully covered")
        }
    }

    private func layerProgress(_ name: String) -> (@Sendable (Int, Int) -> Void)? {
        guard let progress else { return nil }
        return { progress(name, $0, $1) }
    }

    private func column(_ t: PointTable, _ name: String, _ spec: PointLayerSpec) throws -> [String] {
        guard let v = t.column(name) else {
            throw GeoKitError.input(spec.path, "no column '\(name)'\(didYouMean(name, t.columns)) (columns: \(t.columns.joined(separator: ", ")))")
        }
        return v
    }
}

/// A point layer's values as counted: each point's zone (-1: not counted), per count-by
/// column its classes and each point's, per number column each point's value
/// (`PointNumber`), and what reading it noticed.
private struct CountedPoints {
    var zoneOf: [Int32]
    var classes: [(classes: [(slug: String, value: String)], classOf: [Int32])]
    var numbers: [[Double]]
    var warnings: [GeoWarning]
}

/// Per zone, the sum of a column's numbers over its points and how many had one; and how
/// many values were neither blank nor a number (`PointNumber`).
package func sums(_ values: [Double], _ zoneOf: [Int32], zones n: Int) -> (sum: [Double], valued: [Double], bad: Int) {
    var s = [Double](repeating: 0, count: n), m = [Double](repeating: 0, count: n)
    var bad = 0
    for (r, z) in zoneOf.enumerated() where z >= 0 {
        let x = values[r]
        if x.isFinite { s[Int(z)] += x; m[Int(z)] += 1 } else if x == PointNumber.notANumber { bad += 1 }
    }
    return (s, m, bad)
}

/// The zone each point counts for: inside or on a border (within the tolerance) only; -1
/// for nearest, swapped, outside and unusable rows.
package func countedZone(_ r: PointJoinResult) -> [Int32] {
    r.spatial.indices.map { i in (r.spatial[i] == .inside || r.spatial[i] == .border) ? r.zone[i] : -1 }
}

/// Each zone's position when sorted by (id, input position): the border tie-break of lines.
package func tieBreakOrder(_ ids: [String]) -> [Int32] {
    let sorted = ids.indices.sorted { (ids[$0], $0) < (ids[$1], $1) }
    var order = [Int32](repeating: 0, count: ids.count)
    for (k, z) in sorted.enumerated() { order[z] = Int32(k) }
    return order
}

/// The classes of a column's values and each value's class. Values that name the same
/// column (`Primary`, `primary `) are one class, shown by the first value met; classes are
/// in the order of their names. Each distinct value is looked at once.
package func classify(_ values: [String]) -> (classes: [(slug: String, value: String)], classOf: [Int32]) {
    var slugOf: [String: String] = [:]
    var firstValue: [String: String] = [:]
    for v in values where slugOf[v] == nil {
        let key = classKey(v), slug = columnSlug(key)
        slugOf[v] = slug
        if firstValue[slug] == nil { firstValue[slug] = key }
    }
    let classes = firstValue.keys.sorted().map { (slug: $0, value: firstValue[$0]!) }
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1.slug, Int32($0)) })
    var byValue: [String: Int32] = [:]
    for (v, slug) in slugOf { byValue[v] = index[slug]! }
    return (classes, values.map { byValue[$0]! })
}

/// The same for interned values: the distinct values in order of first appearance, and
/// each feature's.
package func classify(interned values: [String], _ ids: [Int32]) -> (classes: [(slug: String, value: String)], classOf: [Int32]) {
    let (classes, classOfValue) = classify(values)
    return (classes, ids.map { classOfValue[Int($0)] })
}

/// A class value as it names columns: trimmed; blank is `none`.
package func classKey(_ s: String) -> String {
    let t = s.trimmingCharacters(in: .whitespaces)
    return t.isEmpty ? "none" : t
}

/// Roll-up units: each parent's additive values are the sums of its zones'.
package func rollupUnits(_ chains: ParentChains, units: [VectorUnit], columns: [VectorColumn]) -> [VectorUnit] {
    var index: [ParentChains.Parent: Int] = [:]
    var out: [VectorUnit] = []
    for (z, chain) in chains.chains.enumerated() {
        for p in chain {
            if index[p] == nil {
                index[p] = out.count
                out.append(VectorUnit(id: p.code, level: chains.levelNames[p.level], attributes: units[z].attributes.map { _ in "" },
                                      values: columns.map { $0.kind == .additive ? 0 : .nan }, zones: []))
            }
            let k = index[p]!
            out[k].zones.append(z)
            for c in columns.indices where columns[c].kind == .additive { out[k].values[c] += units[z].values[c] }
        }
    }
    // Coarser levels after finer ones, each level in order of first appearance.
    let levelOf = Dictionary(uniqueKeysWithValues: index.map { ($1, $0.level) })
    return out.indices.sorted { (levelOf[$0]!, $0) < (levelOf[$1]!, $1) }.map { out[$0] }
}

extension Measure {
    var kindNote: String {
        switch kind {
        case .geodesic(let e): return "geodesically on the ellipsoid (a = \(formatNumber(e.semiMajor)) m, 1/f = \(formatNumber(e.inverseFlattening)); GeographicLib through PROJ)"
        case .planar: return "in the plane of the zones' projected CRS, in metres"
        }
    }
    func areaNote(_ what: String) -> String { "\(what), km2, measured \(kindNote)" }
    func lengthNote(_ what: String) -> String { "\(what), km, measured \(kindNote)" }
}
