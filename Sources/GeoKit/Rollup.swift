import Foundation
import GeoCore

// Roll-ups: townships into districts, districts into states, everything into the country.
// Each zone names its parents (from zone fields or a child,parent gazetteer); a parent's
// accumulators are the merge of its zones' accumulators, so its mean is the area-weighted
// mean of its zones and its median is the median of all their cells. Plain values and no
// GDAL: the job hands in what the engine hands out, and tests can do the same.

/// Which parents each zone rolls up to, and what each level is called.
package struct ParentChains: Sendable {
    package struct Parent: Hashable, Sendable {
        /// Index into `levelNames`: 0 is the finest parent level, the country is last.
        package var level: Int
        package var code: String
        package init(level: Int, code: String) { self.level = level; self.code = code }
    }

    /// Per zone (in zone order), its parents, finest first.
    package var chains: [[Parent]]
    package var levelNames: [String]
    /// The country row's code, when there is a country row.
    package var countryCode: String?

    package init(chains: [[Parent]], levelNames: [String], countryCode: String?) {
        self.chains = chains; self.levelNames = levelNames; self.countryCode = countryCode
    }

    /// Parents from zone fields (`--rollup DT_PCODE,ST_PCODE`): `codes[zone][k]` is the
    /// zone's value of `fields[k]`; a blank value means no parent at that level.
    package static func fromFields(_ fields: [String], codes: [[String]], country: String?) -> ParentChains {
        let chains = codes.map { row in
            fields.indices.compactMap { k -> Parent? in
                let code = row[k].trimmingCharacters(in: .whitespaces)
                return code.isEmpty ? nil : Parent(level: k, code: code)
            }
        }
        return ParentChains(chains: chains, levelNames: fields.map { AdminLevel(field: $0)?.name ?? $0 },
                            countryCode: nil).addingCountry(country)
    }

    /// Parents by following child -> parent links up from each zone's id; a cycle ends the
    /// chain. Levels are named by depth (`parent1` is the nearest).
    package static func fromGazetteer(_ parentOf: [String: String], ids: [String], country: String?) -> ParentChains {
        var depth = 0
        let chains = ids.map { id -> [Parent] in
            var chain: [Parent] = []
            var current = id
            var seen = Set<String>()
            while let p = parentOf[current], !seen.contains(p) {
                seen.insert(p); chain.append(Parent(level: chain.count, code: p)); current = p
            }
            depth = max(depth, chain.count)
            return chain
        }
        return ParentChains(chains: chains, levelNames: (0..<depth).map { "parent\($0 + 1)" }, countryCode: nil)
            .addingCountry(country)
    }

    /// How many zones each parent stands for, by level name and code (a gazetteer's levels
    /// are numbered by depth, so the same parent can sit at another level index in another
    /// set of zones; its level's name and its code name it in both).
    package func memberCounts() -> [ParentKey: Int] {
        var n: [ParentKey: Int] = [:]
        for chain in chains { for p in chain { n[key(p), default: 0] += 1 } }
        return n
    }

    package func key(_ p: Parent) -> ParentKey { ParentKey(level: levelNames[p.level], code: p.code) }

    /// Every zone also rolls up to the country, a level above all others.
    private func addingCountry(_ code: String?) -> ParentChains {
        guard let code else { return self }
        let country = Parent(level: levelNames.count, code: code)
        return ParentChains(chains: chains.map { $0 + [country] }, levelNames: levelNames + ["country"], countryCode: code)
    }
}

/// A parent named by its level's name and its code.
package struct ParentKey: Hashable, Sendable {
    package var level: String
    package var code: String
}

/// Parent rows built from zone accumulators, one grid group at a time: the engine's
/// accumulators cover one group's bands, so each group fills its own bands of the rows.
package struct Rollup {
    package typealias Parent = ParentChains.Parent
    package let parents: ParentChains
    private let layout: StatLayout
    private let emptySum: EmptySum
    private var rows: [ResultUnit] = []
    private var rowOf: [Parent: Int] = [:]
    /// The current group: an empty accumulator per band, and its parents' accumulators.
    private var template: [ZoneStats] = []
    private var groupAccs: [Parent: [ZoneStats]] = [:]
    private var groupOrder: [Parent] = []

    /// `layout`: each output band's statistics (scalar and per-class). A parent's sums are
    /// empty only when none of its zones covered a cell with a value (`emptySum`).
    package init(_ parents: ParentChains, layout: StatLayout, emptySum: EmptySum = .empty) {
        self.parents = parents; self.layout = layout; self.emptySum = emptySum
    }

    /// The same statistics for each of `bandCount` output bands.
    package init(_ parents: ParentChains, stats: [Statistic], bandCount: Int, emptySum: EmptySum = .empty) {
        self.init(parents, layout: StatLayout(uniform: stats, bandCount: bandCount), emptySum: emptySum)
    }

    /// Start a grid group whose bands have these empty accumulators.
    package mutating func beginGroup(template: [ZoneStats]) {
        self.template = template
        groupAccs.removeAll()
        groupOrder.removeAll()
    }

    /// Merge zone `zone`'s accumulators of the group's bands first..<first+accs.count into
    /// its parents'. Calls come in the engine's fixed order, so sums do not depend on threads.
    package mutating func add(zone: Int, first: Int, _ accs: [ZoneStats]) {
        for p in parents.chains[zone] {
            if groupAccs[p] == nil { groupAccs[p] = template; groupOrder.append(p) }
            for k in accs.indices { groupAccs[p]![first + k].merge(accs[k]) }
        }
    }

    /// The group is done: its parents' values go to output bands `bands` (one per group band).
    package mutating func endGroup(bands: [Int]) {
        for p in groupOrder {
            let r = row(p)
            rows[r].record(groupAccs[p]!, bands: bands, layout: layout, emptySum: emptySum)
        }
        groupAccs.removeAll()
        groupOrder.removeAll()
    }

    /// Every parent's row, sorted by level (finest first) then code. Parents no zone's
    /// values reached still get a row. `attributes[zone]` are the zones' include-columns: a
    /// parent keeps the values all its zones share and blanks the others. `names[zone][level]`
    /// is the zone's value of that level's name field (nil: none); a parent takes its first
    /// zone's, and the country its country name.
    package mutating func finish(attributes: [[String]], names: [[String?]]) -> [ResultUnit] {
        var shared: [Parent: [String]] = [:]
        var name: [Parent: String] = [:]
        for (z, chain) in parents.chains.enumerated() {
            for p in chain {
                _ = row(p)
                if let a = shared[p] {
                    shared[p] = zip(a, attributes[z]).map { $0 == $1 ? $0 : "" }
                } else {
                    shared[p] = attributes[z]
                }
                if p.level < names[z].count, let n = names[z][p.level], name[p] == nil { name[p] = n }
            }
        }
        for (p, r) in rowOf {
            rows[r].attributes = shared[p] ?? []
            rows[r].name = name[p] ?? (p.code == parents.countryCode ? countryName(p.code) : "")
        }
        // By level name as the old tables did (levels sharing a name sort together), then code.
        let levelNames = parents.levelNames
        return rows.sorted { a, b in
            let la = levelNames.firstIndex(of: a.level) ?? 0, lb = levelNames.firstIndex(of: b.level) ?? 0
            return la != lb ? la < lb : a.id < b.id
        }
    }

    /// The row of `p`, made (with no values) on first use.
    private mutating func row(_ p: Parent) -> Int {
        if let r = rowOf[p] { return r }
        rows.append(ResultUnit(id: p.code, level: parents.levelNames[p.level], name: "", attributes: [],
                               scalar: [Double](repeating: .nan, count: layout.scalarWidth), classes: [:],
                               isEmptyGeometry: false))
        rowOf[p] = rows.count - 1
        return rows.count - 1
    }
}

extension ResultUnit {
    /// Store the statistics of `accs[k]` as the values of output band `bands[k]`.
    package mutating func record<C: Collection<Int>>(_ accs: [ZoneStats], bands: C, layout: StatLayout, emptySum: EmptySum = .empty) {
        scalar.withUnsafeMutableBufferPointer { out in
            for (k, b) in bands.enumerated() {
                let o = layout.scalarOffset[b]
                for (si, st) in layout.scalars[b].enumerated() {
                    out[o + si] = st.value(of: accs[k], emptySum: emptySum).map { layout.areaUnit.scaled($0, st) } ?? .nan
                }
            }
        }
        recordClasses(accs, bands: bands, layout: layout)
    }

    /// Store the per-class statistics of `accs[k]` as the values of output band `bands[k]`.
    package mutating func recordClasses<C: Collection<Int>>(_ accs: [ZoneStats], bands: C, layout: StatLayout) {
        for (k, b) in bands.enumerated() {
            for (si, st) in layout.stats[b].enumerated() where st.classColumnPrefix != nil {
                let values = st.classValues(of: accs[k])
                classes[layout.classOffset[b] + si] = layout.areaUnit == .m2 ? values : values.mapValues { layout.areaUnit.scaled($0, st) }
            }
        }
    }
}

/// A roll-up over zones filtered by `--where`. Its parent rows merge only the zones that
/// match, so a parent whose other zones were filtered out is partial, and the country row
/// (which would equal the filtered zones, say Yangon, under the name Myanmar) is left out
/// unless `--country` asks for it.
public struct FilteredRollup: Sendable {
    /// A parent row that holds `zones` of its `of` zones in the layer.
    public struct PartialParent: Sendable, Equatable {
        public var level: String
        public var code: String
        public var zones: Int
        public var of: Int
    }
    public var filter: String
    /// The country code a roll-up without the filter would have added, now left out.
    public var countryLeftOut: String?
    /// Partial parents, finest level first, then by code.
    public var partial: [PartialParent]

    /// One warning for the country row left out, one listing the partial parents.
    func warnings(zonesPath: String) -> [GeoWarning] {
        var w: [GeoWarning] = []
        if let c = countryLeftOut {
            w.append(GeoWarning(.rollup, file: zonesPath, "\(zonesPath): \(Setting.where, filter, quoted: true): the roll-up has no country row (\(c) would hold only the zones that match); give \(Setting.country, c) to add it anyway"))
        }
        if !partial.isEmpty {
            w.append(GeoWarning(.rollup, file: zonesPath, "\(zonesPath): \(Setting.where, filter, quoted: true): \(partial.count) roll-up row(s) hold only some of their zones: ",
                                listing: partial.map { "\($0.code) (\($0.level), \($0.zones) of \($0.of))" }))
        }
        return w
    }

    /// The sidecar's `method.rollup_filter`.
    var sidecar: DataPackage.RollupFilter {
        DataPackage.RollupFilter(
            where: filter,
            rule: "parent rows merge only the zones matching \(Setting.where); a parent listed in partial_parents holds only some of its zones (counted in the unfiltered layer); as the filter leaves zones out, the country row is left out unless \(Setting.country) is given",
            partialParents: partial.map { DataPackage.RollupFilter.PartialParent(level: $0.level, code: $0.code, zones: $0.zones, zonesInLayer: $0.of) },
            countryRowLeftOut: countryLeftOut)
    }
}
