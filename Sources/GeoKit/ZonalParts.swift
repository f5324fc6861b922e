import Foundation
import GeoCore
import GeoGDAL

// `geotool zonal --part I/N`: one of N runs, each over a share of the zones, that
// `geotool merge` turns into the table a single run writes, byte for byte. A zone's
// accumulators do not depend on which other zones are in the run (the engine's band cut
// depends on the grid and the options only, and each zone folds its own band partials in
// band order), so a part computes exactly the single run's accumulators for its zones.
// Roll-ups merge zones in the engine's order: parts take contiguous runs of that order,
// so reading them in order replays it.

/// How a run is shared out among parts.
public enum PartSplit: String, Sendable, CaseIterable {
    /// Zone subsets balanced by zone work (cells of each zone's bounding window).
    case zones
    /// Ranges of row bands: for a few huge zones over a huge raster.
    case rows
}

/// `I/N` as given to --part: I counts from 0 (as SLURM_ARRAY_TASK_ID and
/// JOB_COMPLETION_INDEX do).
public struct PartIndex: Sendable, Equatable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    public init(parsing text: String) throws {
        let bits = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard bits.count == 2, let i = bits[0], let n = bits[1] else {
            throw GeoKitError.argument("\(Setting.part) takes I/N (part I of N, I from 0 to N-1), e.g. 0/4, not '\(text)'")
        }
        guard n >= 1 else { throw GeoKitError.argument("\(Setting.part, text): N, the number of parts, must be at least 1") }
        guard i >= 0 && i < n else {
            throw GeoKitError.argument("\(Setting.part, text): I counts from 0 to N-1 (as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX do), so part \(i) of \(n) does not exist; the parts are 0/\(n) ... \(n - 1)/\(n)")
        }
        index = i; count = n
    }
}

/// What a part run writes beside its records, for the merge's sidecar.
public struct PartRunInfo: Sendable {
    public var commandLine: String
    public var started: Date
    public var seconds: Double
    public var hashes: [String: String]
    public init(commandLine: String, started: Date, seconds: Double, hashes: [String: String]) {
        self.commandLine = commandLine; self.started = started; self.seconds = seconds; self.hashes = hashes
    }
}

extension ZonalJob {
    /// The options that shape the results, as recorded in part files (and read back by the
    /// merge). Threads, memory and output options are not among them.
    var partOptions: PartOptions {
        PartOptions(zones: zonesPath, layer: layer, id: idField, includeCols: includeFields, rasters: rasters.map(\.given),
                    weights: weights?.given, stats: stats.map(\.name), method: method.rawValue, rollup: rollup,
                    allowDuplicateIds: allowDuplicateIDs, units: units, distinctRasterNames: distinctRasterNames,
                    where: whereFilter, gazetteer: gazetteer, country: country, nameCol: nameField, minCoverage: minCoverage,
                    bufferM: buffer,
                    // Recorded only when not the default, so part files of default runs keep their bytes.
                    emptySum: emptySum != .empty ? emptySum.rawValue : nil,
                    myanmarText: myanmarText != .detect ? myanmarText.rawValue : nil,   // absent (detect) in older parts too
                    formulas: formulas.isEmpty ? nil : formulas.map(\.text),
                    operations: operations.isEmpty ? nil : operations.map(\.text),
                    classes: classes.isEmpty ? nil : classes.mapValues(\.text),
                    areaUnit: areaUnit != .m2 ? areaUnit.rawValue : nil)
    }

    /// The job a part file records; `path` names the file in errors.
    init(partOptions o: PartOptions, path: String) throws {
        let bad = GeoKitError.input(path, "corrupt part file (its options do not read back); rerun that part")
        guard let method = CoverageMethod(rawValue: o.method) else { throw bad }
        self.init(zonesPath: o.zones, layer: o.layer, idField: o.id, includeFields: o.includeCols,
                  rasters: try RasterSpec.parsingRecorded(o.rasters), weights: try o.weights.map(RasterSpec.init(parsing:)),
                  stats: try o.stats.map(Statistic.init(parsing:)), method: method)
        rollup = o.rollup ?? []
        allowDuplicateIDs = o.allowDuplicateIds ?? false
        units = o.units ?? [:]
        distinctRasterNames = o.distinctRasterNames ?? true
        whereFilter = o.where
        gazetteer = o.gazetteer
        country = o.country
        nameField = o.nameCol
        minCoverage = o.minCoverage
        buffer = o.bufferM
        if let e = o.emptySum { guard let v = EmptySum(rawValue: e) else { throw bad }; emptySum = v }
        myanmarText = o.myanmarText.flatMap(MyanmarTextMode.init(rawValue:)) ?? .detect
        if let f = o.formulas { formulas = try f.map(NamedFormula.init(parsing:)) }
        if let a = o.areaUnit { guard let u = AreaUnit(rawValue: a) else { throw bad }; areaUnit = u }
        if let c = o.classes { classes = try c.mapValues(ClassBreaks.init(parsing:)) }
        if let ops = o.operations { operations = try ops.map(RasterOperation.init(parsing:)) }
    }

    /// The files whose SHA-256 identifies a run's inputs.
    public var inputPaths: [String] {
        [zonesPath] + rasters.map(\.path) + (weights.map { [$0.path] } ?? []) + (gazetteer.map { [$0] } ?? [])
    }

    /// Each zone's completion key in group `gi`: its last row band in the engine's band cut
    /// (-1 for a zone that meets no cell). The engine hands zones on in (key, zone) order.
    func completionKeys(_ gi: Int, _ p: PreparedRun, zones subset: [Int]) -> [Int] {
        let grid = p.groups[gi].grid
        let bandRows = engine(gi, p).rowsPerBand(readCols: grid.cols)
        return subset.map { z in
            let w = PreparedZone(p.input.zones[z], on: grid).window(in: grid.full)
            return w.isEmpty ? -1 : (w.rowEnd - 1) / bandRows
        }
    }

    /// The zones of part `part`: contiguous in the engine's order on the first grid, with
    /// about equal work (cells of each zone's window), so every part run, from the zones
    /// alone, picks the same ones.
    func partZones(_ p: PreparedRun, _ part: PartIndex) -> [Int] {
        let all = Array(p.input.zones.indices)
        let keys = completionKeys(0, p, zones: all)
        let grid = p.groups[0].grid
        let order = all.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        let work = all.map { z -> Double in
            let w = PreparedZone(p.input.zones[z], on: grid).window(in: grid.full)
            return Double(w.rows * w.cols) + 1
        }
        let total = work.reduce(0, +)
        var before = 0.0
        var mine: [Int] = []
        for z in order {
            let k = min(part.count - 1, Int((before + work[z] / 2) / total * Double(part.count)))
            if k == part.index { mine.append(z) }
            before += work[z]
        }
        return mine.sorted()
    }

    /// Run part `part` of `split` and write its accumulators to `output` (a temporary, then
    /// renamed). `hashes` gives the inputs' SHA-256 when the engine is done.
    public func runPart(_ part: PartIndex, split: PartSplit, to output: String, commandLine: String,
                        hashes: () -> [String: String], progress: ((Int, Int) -> Void)? = nil) throws -> (zones: Int, warnings: [GeoWarning]) {
        // GDAL's warnings on the part's threads are its own, as in `run`.
        try GDALMessages().collecting {
            try runPartCollectingWarnings(part, split: split, to: output, commandLine: commandLine, hashes: hashes, progress: progress)
        }
    }

    private func runPartCollectingWarnings(_ part: PartIndex, split: PartSplit, to output: String, commandLine: String,
                                           hashes: () -> [String: String], progress: ((Int, Int) -> Void)?) throws -> (zones: Int, warnings: [GeoWarning]) {
        let started = Date()
        let p = try prepare()
        let mine = split == .zones ? partZones(p, part) : Array(p.input.zones.indices)
        var zoneCount = 0
        try writeAtomically(output) { tmp in
            let writer = try PartWriter(temporary: tmp, displayPath: output)
            var bandRows: [Int] = []
            for gi in p.groups.indices {
                let keys = completionKeys(gi, p, zones: mine)
                var keyOf: [Int: Int] = [:]
                for (i, z) in mine.enumerated() { keyOf[z] = keys[i] }
                let rows = engine(gi, p).rowsPerBand(readCols: p.groups[gi].grid.cols)
                bandRows.append(rows)
                let record = { (z: Int, first: Int, accs: [ZoneStats]) in
                    writer.record(group: gi, zone: z, first: first, key: keyOf[z]!, accs)
                }
                if split == .rows {
                    let n = (p.groups[gi].grid.rows + rows - 1) / rows
                    let range = (part.index * n / part.count)..<((part.index + 1) * n / part.count)
                    try computeRows(gi, p, rowBands: range, progress: progress, sink: record) { b, first, partial in
                        writer.band(group: gi, band: b, first: first, partial)
                    }
                } else {
                    try computeGroup(gi, p, zones: mine, progress: progress, sink: record)
                }
            }
            zoneCount = split == .zones ? mine.count : 0
            let h = hashes()
            let run = PartRun(job: partOptions,
                              inputs: Dictionary(uniqueKeysWithValues: inputPaths.uniqued().map { ($0, h[$0] ?? "unreadable") }),
                              zones: PartRun.Zones(count: p.input.zones.count, idsSha256: SHA256.hex(text: p.input.zones.map(\.id).joined(separator: "\n"))),
                              bandRows: bandRows, bands: p.bands.map(\.label))
            let iso = ISO8601DateFormatter()
            try writer.finish(header: PartHeaderRecord(
                geotool: GeoKitVersion.string, part: part.index, parts: part.count, split: split.rawValue, run: run,
                zonesInPart: zoneCount, records: writer.records, command: commandLine, started: iso.string(from: started),
                seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000))
        }
        return (zoneCount, p.input.warnings + GDALMessages.current.drain())
    }
}

extension RasterSpec {
    /// The rasters as a part file records them (`given`): the variables chosen with `--var`
    /// read `NAME=file.nc --var precip`, one after another, and are resolved again together,
    /// so they get the same names (NAME_precip when several).
    static func parsingRecorded(_ texts: [String]) throws -> [RasterSpec] {
        var out: [RasterSpec] = [], i = 0
        while i < texts.count {
            guard let r = texts[i].range(of: " --var ", options: .backwards) else { out.append(try RasterSpec(parsing: texts[i])); i += 1; continue }
            let base = String(texts[i][..<r.lowerBound])
            var vars: [String] = [], given: [String] = []
            while i < texts.count, let r2 = texts[i].range(of: " --var ", options: .backwards), texts[i][..<r2.lowerBound] == base {
                vars.append(String(texts[i][r2.upperBound...])); given.append(texts[i]); i += 1
            }
            out += try zip(resolveVariables([RasterSpec(parsing: base)], variables: vars), given).map { var s = $0; s.given = $1; return s }
        }
        return out
    }
}
