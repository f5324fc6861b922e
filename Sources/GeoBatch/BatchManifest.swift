import Foundation
import Yams
import GeoCore

// `geotool batch` manifests: zones, an output folder and a list of indicators (a raster
// series each), read from YAML with line numbers kept on every node so that a mistake is
// reported as `indicators.yaml:12: reason` before any work.
// The parser (this file and the ones extending `ManifestParser`: BatchDatasetSource,
// BatchDeriveManifest, BatchVectorManifest, BatchFormulaManifest) imports neither GDAL nor
// GeoKit and opens no file: what the files it names hold comes from a `ManifestProbe`
// (ManifestProbe.swift; `GDALManifestProbe` on a real run, files in memory in the tests and
// the fuzzer).

/// One file of an indicator's series and the bands of it that are used.
public struct BatchSource: Sendable, Equatable {
    /// The path as resolved (relative paths resolve against the manifest's folder).
    public var path: String
    /// Bands used (1-based) and their dates (nil: the series has no dates).
    public var bands: [Int]
    public var dates: [String?]
    /// The calendar of the dates (a CF time coordinate's; nil: Gregorian).
    public var calendar: CFCalendar? = nil
}

/// How a monthly series is summed up per year.
public enum AnnualAggregate: String, Sendable { case sum, mean }

public struct BatchIndicator: Sendable {
    public var name: String
    public var description: String
    public var unit: String?
    /// `source:` as written in the manifest (a file or a pattern).
    public var sourceText: String
    public var isPattern: Bool
    /// The series: files (and bands), sorted by date.
    public var sources: [BatchSource]
    public var stats: [Statistic]
    public var method: CoverageMethod
    /// `empty_sum:` sum and weighted_sum of a unit without a valid cell: empty (default) or zero.
    public var emptySum: EmptySum = .empty
    /// `area_unit:` of `area` and `class_area`: m2 (default), ha or km2.
    public var areaUnit: AreaUnit = .m2
    public var weights: String?
    public var annual: AnnualAggregate?
    public var baseline: ClosedRange<Int>?
    public var line: Int
    /// The series' calendar: a daily year is complete with `daysInYear` days.
    public var calendar: CFCalendar = .gregorian
    /// Change over time: z-scores, SPI, seasons, dekads, extremes, year of change, trends.
    public var time = TimeDerive()
    /// `where: hazard >= 3`: only the cells where a test on another indicator's raster (one
    /// file, one band) or on this one's own holds (docs/indicators.md).
    public var condition: CellCondition?
    /// The condition's raster, when it is another indicator's (nil: this one's own bands).
    public var conditionSource: BatchSource?
    /// The manifest line of `where:`, for messages.
    public var conditionLine: Int?
}

public struct BatchZones: Sendable {
    public var path: String
    public var layer: String?
    public var id: String
    public var include: [String]
    public var rollup: [String]
}

public struct BatchManifest: Sendable {
    /// The manifest's path as given, and its folder.
    public var path: String
    public var folder: String
    public var zones: BatchZones
    public var outputDir: String
    public var format: TableFormat
    public var indicators: [BatchIndicator]
    /// Derived indicators over the indicators' columns (`formulas:`), written to `formulas.csv`.
    public var formulas: [BatchFormula] = []
    /// Vector layers summarised per zone (`vector:`), written to `vector.csv`.
    public var vector: [BatchVectorLayer] = []

    /// The same with the files the manifest names seen through `probe` (tests and the fuzzer
    /// give one over files in memory).
    package init(yaml text: String, path: String, probe: any ManifestProbe) throws {
        self.path = path
        let abs = URL(fileURLWithPath: path).standardizedFileURL
        folder = abs.deletingLastPathComponent().path
        let p = ManifestParser(file: path, folder: folder, probe: probe)
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { throw GeoKitError(.input, file: path, line: 1, "the manifest is empty") }
            root = n
        } catch let e as YamlError {
            throw p.yamlError(e)
        }
        let top = try p.mapping(root, "the manifest", keys: ["zones", "output", "indicators", "vector", "formulas"])
        // Zones.
        guard let zn = top["zones"] else { throw p.error(root, "missing 'zones:' (the zones layer: path, id...)") }
        let z = try p.mapping(zn, "zones", keys: ["path", "layer", "id", "include", "rollup"])
        let zpath = try p.existingFile(try p.requiredString(z, "path", in: zn, "zones"))
        let layer = try z["layer"].map { try p.string($0, "zones: layer") }
        let idNode = try p.required(z, "id", in: zn, "zones")
        let id = try p.string(idNode, "zones: id")
        let include = try z["include"].map { try p.stringList($0, "zones: include") } ?? []
        let rollup = try z["rollup"].map { try p.stringList($0, "zones: rollup") } ?? []
        // The layer and its fields, so a typo in a field name is caught here.
        do {
            let fields = try p.probe.vectorFields(zpath.path, layer: layer)
            let named: [(Node, String)] = [(idNode, id)] + include.map { (z["include"]!, $0) } + rollup.map { (z["rollup"]!, $0) }
            for (node, f) in named where !fields.contains(f) {
                let near = suggestion(f, fields).map { " (did you mean '\($0)'?)" } ?? ""
                throw p.error(node, "no field '\(f)' in \(zpath.given)\(near); fields: \(fields.joined(separator: ", "))")
            }
        } catch let e as GeoKitError where e.line == nil {
            throw e.at(file: p.file, line: p.line(zn))
        }
        zones = BatchZones(path: zpath.path, layer: layer, id: id, include: include, rollup: rollup)
        // Output.
        var outDir = folder + "/out"
        var format = TableFormat.long
        if let on = top["output"] {
            let o = try p.mapping(on, "output", keys: ["dir", "format"])
            if let d = o["dir"] { outDir = p.resolve(try p.string(d, "output: dir")) }
            if let f = o["format"] {
                let s = try p.string(f, "output: format")
                guard let t = TableFormat(rawValue: s) else { throw p.error(f, "unknown format '\(s)'\(didYouMean(s, ["long", "wide"])); choose long or wide") }
                format = t
            }
        }
        outputDir = outDir
        self.format = format
        // Indicators.
        // A manifest of vector layers alone needs no raster indicator.
        let inode = top["indicators"]
        if inode == nil && top["vector"] == nil { throw p.error(root, "missing 'indicators:' (a list of indicators) or 'vector:' (a list of layers)") }
        if let inode { guard case .sequence = inode, !p.items(inode).isEmpty else { throw p.error(inode, "'indicators' must be a list of indicators") } }
        var list: [BatchIndicator] = []
        var names: [String: Int] = [:]
        for n in inode.map(p.items) ?? [] {
            let ind = try p.indicator(n)
            for derived in [ind.name] + derivedIndicatorNames(ind) {
                if let other = names[derived] {
                    throw p.error(n, "indicator name '\(derived)' is already used on line \(other)")
                }
                names[derived] = ind.line
            }
            list.append(ind)
        }
        for k in list.indices { try p.resolveCondition(&list[k], among: list) }
        indicators = list
        if let vn = top["vector"] { vector = try p.vectorLayers(vn, taken: names) }
        if let fn = top["formulas"] {
            if let other = names[batchFormulaTable] {
                throw p.error(fn, "'formulas:' writes \(batchFormulaTable).csv, and the indicator on line \(other) is named '\(batchFormulaTable)'; rename it")
            }
            formulas = try p.formulas(fn, indicators: list, vector: vector, zones: zones)
        }
    }
}

struct ManifestParser {
    package let file: String
    package let folder: String
    /// What the files the manifest names hold (GDAL on a real run).
    package let probe: any ManifestProbe

    package func line(_ n: Node?) -> Int { n?.mark?.line ?? 1 }
    package func error(_ n: Node?, _ msg: String) -> GeoKitError { GeoKitError(.input, file: file, line: line(n), msg) }

    package func yamlError(_ e: YamlError) -> GeoKitError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return GeoKitError(.input, file: file, line: mark.line, "not valid YAML: \(problem)")
        case .reader(let problem, let offset, let value, let yaml):
            // The reader refuses bytes (a NUL, a control character): say where, on one line.
            let line = offset.map { o in yaml.utf8.prefix(o).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } } ?? 1
            return GeoKitError(.input, file: file, line: line, "not valid YAML: \(problem) (character \(String(format: "0x%02X", value)))")
        default:
            return GeoKitError(.input, file: file, line: 1,
                               "not valid YAML: " + "\(e)".split(whereSeparator: \.isNewline).joined(separator: " "))
        }
    }

    package func resolve(_ p: String) -> String {
        p.hasPrefix("/") ? p : URL(fileURLWithPath: folder).appendingPathComponent(p).standardizedFileURL.path
    }

    /// A mapping with only `keys`, as [key: value node]; unknown or repeated keys are errors.
    package func mapping(_ n: Node, _ what: String, keys: [String]) throws -> [String: Node] {
        guard case .mapping(let m) = n else { throw error(n, "\(what) must be a mapping of 'key: value'") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw error(k, "a key in \(what) is not text") }
            guard keys.contains(key) else {
                let near = suggestion(key, keys).map { " (did you mean '\($0)'?)" } ?? " (known keys: \(keys.joined(separator: ", ")))"
                throw error(k, "unknown key '\(key)' in \(what)\(near)")
            }
            guard out[key] == nil else { throw error(k, "'\(key)' is given twice in \(what)") }
            out[key] = v
        }
        return out
    }

    package func required(_ m: [String: Node], _ key: String, in n: Node, _ what: String) throws -> Node {
        guard let v = m[key] else { throw error(n, "missing '\(key):' in \(what)") }
        return v
    }

    package func string(_ n: Node, _ what: String) throws -> String {
        guard case .scalar(let s) = n, !s.string.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error(n, "\(what) must be a non-empty text value")
        }
        return s.string.trimmingCharacters(in: .whitespaces)
    }

    package func requiredString(_ m: [String: Node], _ key: String, in n: Node, _ what: String) throws -> (String, Node) {
        let v = try required(m, key, in: n, what)
        return (try string(v, "\(what): \(key)"), v)
    }

    package func items(_ n: Node) -> [Node] {
        if case .sequence(let s) = n { return Array(s) }
        return [n]
    }

    /// A list (`[a, b]`, or a comma-separated text) of non-empty strings.
    package func stringList(_ n: Node, _ what: String) throws -> [String] {
        if case .scalar = n {
            return try string(n, what).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard case .sequence = n else { throw error(n, "\(what) must be a list") }
        return try items(n).map { try string($0, what) }
    }

    package func existingFile(_ s: (String, Node)) throws -> (path: String, given: String) {
        (try existingPath(s.0, node: s.1, folderAllowed: false), s.0)
    }

    /// `given` resolved against the manifest's folder, checked to exist: a file (or, when
    /// `folderAllowed`, a folder such as a Zarr store), or a remote object (one HEAD request
    /// through GDAL).
    package func existingPath(_ given: String, node: Node, folderAllowed: Bool) throws -> String {
        let p = resolve(given)
        let kind = probe.kind(of: p)
        if isRemotePath(p) {
            guard kind != nil else { throw self.error(node, "\(given): no such object (or it cannot be read)") }
            return p
        }
        guard let kind, folderAllowed || kind == .file else {
            throw error(node, "\(given): no such file (looked for \(p))")
        }
        return p
    }

    /// One entry of `indicators:`: its name, statistics, method, weights, band, series and
    /// derived series, each checked.
    package func indicator(_ n: Node) throws -> BatchIndicator {
        let (m, name) = try indicatorKeys(n)
        let what = "indicator '\(name)'"
        let description = try m["description"].map { try string($0, "\(what): description") } ?? ""
        let unit = try m["unit"].map { try string($0, "\(what): unit") }
        let (stats, statsNode) = try statistics(m, in: n, what)
        var method = CoverageMethod.exact
        if let mn = m["method"] {
            let s = try string(mn, "\(what): method")
            guard let mm = CoverageMethod(rawValue: s) else { throw error(mn, "unknown method '\(s)' in \(what)\(didYouMean(s, CoverageMethod.allCases.map(\.rawValue))); choose exact, center or all-touched") }
            method = mm
        }
        var emptySum = EmptySum.empty
        if let en = m["empty_sum"] {
            let s = try string(en, "\(what): empty_sum")
            guard let e = EmptySum(rawValue: s) else { throw error(en, "unknown empty_sum '\(s)' in \(what)\(suggestion(s, EmptySum.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""); choose empty or zero") }
            emptySum = e
        }
        var areaUnit = AreaUnit.m2
        if let an = m["area_unit"] {
            let s = try string(an, "\(what): area_unit")
            guard let u = AreaUnit(rawValue: s) else { throw error(an, "unknown area_unit '\(s)' in \(what)\(didYouMean(s, AreaUnit.allCases.map(\.rawValue))); choose m2, ha or km2") }
            areaUnit = u
        }
        let weights = try m["weights"].map { try existingFile((try string($0, "\(what): weights"), $0)).path }
        if stats.contains(where: \.needsWeights) && weights == nil {
            throw error(statsNode, "weighted statistics need 'weights:' in \(what)")
        }
        var band: Int?
        if let bn = m["band"] {
            guard let b = Int(try string(bn, "\(what): band")), b >= 1 else { throw error(bn, "band must be a number from 1 in \(what)") }
            band = b
        }
        // Source: one file, or a pattern with the date in the file name.
        let (source, sourceNode) = try requiredString(m, "source", in: n, what)
        let isPattern = source.contains("{")
        let sources: [BatchSource]
        if isPattern {
            if let d = m["dates"] { throw error(d, "\(what): the dates come from the pattern '\(source)'; remove 'dates:'") }
            if let v = m["var"] { throw error(v, "\(what): 'var:' picks a variable of one NetCDF file or Zarr store, not of a pattern's files") }
            sources = try patternSources(source, node: sourceNode, band: band, what: what)
        } else {
            let dataset = try datasetPath(source, node: sourceNode, varNode: m["var"], what: what)
            sources = [try fileSource(dataset, node: sourceNode, band: band, bandNode: m["band"], datesNode: m["dates"], what: what)]
        }
        try checkDatesOnce(sources, node: sourceNode, what: what)
        let (annual, baseline, time) = try derived(m["derive"], sources: sources, stats: stats, what: what)
        var indicator = BatchIndicator(name: name, description: description, unit: unit, sourceText: source, isPattern: isPattern,
                                       sources: sources, stats: stats, method: method, weights: weights, annual: annual,
                                       baseline: baseline, line: line(n), calendar: sources.first?.calendar ?? .gregorian, time: time)
        indicator.emptySum = emptySum
        indicator.areaUnit = areaUnit
        if let wn = m["where"] {
            let text = try string(wn, "\(what): where")
            do { indicator.condition = try CellCondition(parsing: text) } catch let e as GeoKitError { throw error(wn, "\(what): \(e.problem)") }
            indicator.conditionLine = line(wn)
            // The share where the condition's raster has no value, with the engine's side of conditions.
            if !indicator.stats.contains(.whereNodata) { indicator.stats.append(.whereNodata) }
        }
        return indicator
    }

    /// `where:` names this indicator or another one read from one file and one band.
    package func resolveCondition(_ ind: inout BatchIndicator, among all: [BatchIndicator]) throws {
        guard let c = ind.condition, c.raster != ind.name else { return }
        let name = ind.name, conditionLine = ind.conditionLine
        func fail(_ why: String) -> GeoKitError { GeoKitError(.input, file: file, line: conditionLine, "indicator '\(name)': where '\(c.text)': \(why)") }
        guard let other = all.first(where: { $0.name == c.raster }) else {
            throw fail("no indicator named '\(c.raster)'\(didYouMean(c.raster, all.map(\.name))); the condition reads another indicator's raster, or this one's (\(ind.name))")
        }
        guard other.sources.count == 1, other.sources[0].bands.count == 1 else {
            throw fail("'\(c.raster)' is a series of \(other.sources.reduce(0) { $0 + $1.bands.count }) bands; a condition reads one (give that indicator one file and 'band:')")
        }
        ind.conditionSource = other.sources[0]
    }

    /// The indicator's keys and its name, read first so that every later message can say
    /// which indicator it is about.
    package func indicatorKeys(_ n: Node) throws -> (keys: [String: Node], name: String) {
        let keys = ["name", "description", "unit", "source", "var", "dates", "band", "stats", "method", "empty_sum", "area_unit", "weights", "derive", "where"]
        var given: String?
        if case .mapping(let mm) = n { given = mm.first { $0.key.string == "name" }?.value.string }
        let m = try mapping(n, given.map { "indicator '\($0)'" } ?? "an indicator", keys: keys)
        let (name, nameNode) = try requiredString(m, "name", in: n, "an indicator")
        guard name.range(of: #"^[A-Za-z][A-Za-z0-9_-]*$"#, options: .regularExpression) != nil else {
            throw error(nameNode, "indicator name '\(name)' must start with a letter and hold only letters, digits, '_' and '-' (it names the output file)")
        }
        return (m, name)
    }

    /// `stats:`: known statistics (per-class ones give a value per class, as in `zonal`), each
    /// once, at least one.
    package func statistics(_ m: [String: Node], in n: Node, _ what: String) throws -> ([Statistic], Node) {
        let statsNode = try required(m, "stats", in: n, what)
        var stats: [Statistic] = []
        for (i, s) in try stringList(statsNode, "\(what): stats").enumerated() {
            let node = items(statsNode).count > i ? items(statsNode)[i] : statsNode
            let st: Statistic
            do { st = try Statistic(parsing: s) } catch let e as GeoKitError { throw error(node, "\(e.message) (in \(what))") }
            if stats.contains(st) { throw error(node, "statistic '\(s)' is given twice in \(what)") }
            stats.append(st)
        }
        if stats.isEmpty { throw error(statsNode, "\(what): give at least one statistic") }
        return (stats, statsNode)
    }

    /// A single-file source: its bands (all, or `band:`) and their dates (from `dates:`, else
    /// from the raster: PATH.bands.txt or band descriptions).
    package func fileSource(_ f: (path: String, given: String), node sourceNode: Node, band: Int?, bandNode: Node?, datesNode: Node?, what: String) throws -> BatchSource {
        let source = f.given
        let bandCount: Int
        do { bandCount = try probe.bandCount(f.path) } catch let e as GeoKitError { throw e.at(file: file, line: line(sourceNode)) }
        let bands: [Int]
        if let b = band {
            guard b <= bandCount else { throw error(bandNode, "\(source) has no band \(b) (it has \(bandCount))") }
            bands = [b]
        } else {
            bands = Array(1...bandCount)
        }
        var all: [String?]
        var calendar: CFCalendar?
        if let dn = datesNode {
            all = try datesFile(dn, bandCount: bandCount, source: source, what: what)
        } else {
            let found: ManifestBandDates
            do { found = try probe.bandDates(f.path) } catch let e as GeoKitError { throw e.at(file: file, line: line(sourceNode)) }
            all = found.dates
            calendar = found.calendar
            // Dates of a CF time coordinate are days of its calendar (30 February in 360_day).
            for (i, d) in all.enumerated() where !found.fromCFTime {
                if let d, !isBandDate(d) { throw error(sourceNode, "\(source): band \(i + 1) has a bad date '\(d)'") }
            }
        }
        return BatchSource(path: f.path, bands: bands, dates: bands.map { all[$0 - 1] }, calendar: calendar)
    }

    /// `dates:`: a text file with one date per band of the source (blank lines skipped).
    package func datesFile(_ dn: Node, bandCount: Int, source: String, what: String) throws -> [String] {
        let d = try existingFile((try string(dn, "\(what): dates"), dn))
        let text = probe.text(of: d.path) ?? ""
        var dates: [String] = []
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = l.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { continue }
            guard isBandDate(t) else { throw error(dn, "\(d.given):\(i + 1): bad date '\(t)' (use YYYY, YYYY-MM or YYYY-MM-DD)") }
            dates.append(t)
        }
        guard dates.count == bandCount else {
            throw error(dn, "\(d.given) has \(dates.count) date(s) for the \(bandCount) band(s) of \(source)")
        }
        return dates
    }

    /// Each date of the series at most once.
    package func checkDatesOnce(_ sources: [BatchSource], node sourceNode: Node, what: String) throws {
        var seen: [String: String] = [:]
        for s in sources {
            for (b, d) in zip(s.bands, s.dates) {
                guard let d else { continue }
                if let prev = seen[d] { throw error(sourceNode, "\(what): date \(d) appears twice (\(prev) and \((s.path as NSString).lastPathComponent) band \(b))") }
                seen[d] = "\((s.path as NSString).lastPathComponent) band \(b)"
            }
        }
    }

    /// `derive:`: the annual aggregate and the anomaly's baseline, on a monthly or a daily
    /// series, and the change-over-time series (`timeDerive`).
    package func derived(_ dn: Node?, sources: [BatchSource], stats: [Statistic], what: String) throws -> (AnnualAggregate?, ClosedRange<Int>?, TimeDerive) {
        guard let dn else { return (nil, nil, TimeDerive()) }
        let d = try mapping(dn, "'derive' of \(what)", keys: ["annual", "anomaly", "zscore", "spi", "season", "dekad", "extremes",
                                                             "trend", "seasonal_trend", "loss_years"])
        let allDates = sources.flatMap(\.dates)
        var annual: AnnualAggregate?
        var baseline: ClosedRange<Int>?
        if d["annual"] != nil || d["anomaly"] != nil {
            // A daily series: annual sums of its complete years, anomalies by calendar day.
            let daily = !allDates.isEmpty && allDates.allSatisfy { $0?.count == 10 }
            if !daily, let bad = allDates.first(where: { $0 == nil || $0!.count != 7 }) {
                let undated = sources.first { $0.dates.contains { $0 == nil } }.map { s in
                    "band \(s.bands[s.dates.firstIndex { $0 == nil }!]) of \(batchSourceLabel(s.path)) without a date (it has no time coordinate, dates file or dated band descriptions; give 'dates:')"
                }
                throw error(dn, "\(what): derive needs a monthly series (dates YYYY-MM) or a daily one (YYYY-MM-DD); found \(bad.map { "'\($0)'" } ?? undated ?? "a band without a date")")
            }
            if let an = d["annual"] {
                let s = try string(an, "\(what): annual")
                guard let a = AnnualAggregate(rawValue: s) else { throw error(an, "annual must be sum or mean, not '\(s)' (in \(what))") }
                annual = a
            }
            baseline = try d["anomaly"].map { try anomalyBaseline($0, dates: allDates.map { $0! }, what: what) }
        }
        let time = try timeDerive(d, dates: allDates, sources: sources, stats: stats, annual: annual != nil, what: what)
        return (annual, baseline, time)
    }

    /// `anomaly: {baseline: [FIRST, LAST]}`: two years, in order, holding a date of the series.
    package func anomalyBaseline(_ on: Node, dates: [String], what: String) throws -> ClosedRange<Int> {
        let o = try mapping(on, "'anomaly' of \(what)", keys: ["baseline"])
        let bn = try required(o, "baseline", in: on, "'anomaly' of \(what)")
        let years = items(bn).compactMap { $0.string.flatMap { Int($0) } }
        guard case .sequence = bn, years.count == 2, years[0] <= years[1] else {
            throw error(bn, "baseline must be two years, first to last, e.g. [1991, 2020] (in \(what))")
        }
        let r = years[0]...years[1]
        guard dates.contains(where: { r.contains(Int($0.prefix(4))!) }) else {
            throw error(bn, "\(what): no date of the series falls in the baseline \(years[0])-\(years[1])")
        }
        return r
    }

    /// Files matching `rain/chirps-{yyyy}.{mm}.tif`: tokens {yyyy}, {mm}, {dd} in the file name.
    package func patternSources(_ pattern: String, node: Node, band: Int?, what: String) throws -> [BatchSource] {
        let full = resolve(pattern)
        let dir = (full as NSString).deletingLastPathComponent, name = (full as NSString).lastPathComponent
        guard !dir.contains("{") else { throw error(node, "\(what): date tokens go in the file name, not the folder ('\(pattern)')") }
        var regex = "^", order: [String] = []
        var rest = Substring(name)
        while let open = rest.firstIndex(of: "{") {
            regex += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            guard let close = rest[open...].firstIndex(of: "}") else { throw error(node, "\(what): unclosed '{' in '\(pattern)'") }
            let token = String(rest[rest.index(after: open)..<close])
            switch token {
            case "yyyy": regex += "(\\d{4})"
            case "mm", "dd": regex += "(\\d{2})"
            default: throw error(node, "\(what): unknown token '{\(token)}' in '\(pattern)'; use {yyyy}, {mm} and {dd}")
            }
            guard !order.contains(token) else { throw error(node, "\(what): '{\(token)}' appears twice in '\(pattern)'") }
            order.append(token)
            rest = rest[rest.index(after: close)...]
        }
        regex += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        guard order.contains("yyyy") else { throw error(node, "\(what): the pattern '\(pattern)' needs {yyyy}") }
        if order.contains("dd") && !order.contains("mm") { throw error(node, "\(what): '{dd}' needs '{mm}' in '\(pattern)'") }
        let re = try NSRegularExpression(pattern: regex)
        guard let names = probe.entries(of: dir.isEmpty ? "." : dir) else {
            throw error(node, "\(what): no folder \(dir) for the pattern '\(pattern)'")
        }
        var found: [(date: String, path: String)] = []
        for f in names.sorted() {
            let ns = f as NSString
            guard let mt = re.firstMatch(in: f, range: NSRange(location: 0, length: ns.length)) else { continue }
            var parts: [String: String] = [:]
            for (i, t) in order.enumerated() { parts[t] = ns.substring(with: mt.range(at: i + 1)) }
            let date = [parts["yyyy"], parts["mm"], parts["dd"]].compactMap { $0 }.joined(separator: "-")
            guard isBandDate(date) else { throw error(node, "\(what): \(f): bad date '\(date)' in the file name") }
            found.append((date, dir + "/" + f))
        }
        guard !found.isEmpty else { throw error(node, "\(what): no file matches the pattern '\(pattern)' (in \(dir))") }
        found.sort { $0.date != $1.date ? $0.date < $1.date : $0.path < $1.path }
        return try found.map { f in
            let bandCount: Int
            do { bandCount = try probe.bandCount(f.path) } catch let e as GeoKitError { throw e.at(file: file, line: line(node)) }
            let b = band ?? 1
            if band == nil && bandCount > 1 {
                throw error(node, "\(what): \((f.path as NSString).lastPathComponent) has \(bandCount) bands; a pattern's files hold one band each (or give 'band:')")
            }
            guard b <= bandCount else { throw error(node, "\((f.path as NSString).lastPathComponent) has no band \(b)") }
            return BatchSource(path: f.path, bands: [b], dates: [f.date])
        }
    }
}
