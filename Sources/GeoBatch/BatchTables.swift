import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// The tables of `geotool batch`, built from the cached values alone (so they do not depend
// on which run computed what): rows by unit (zones in input order, then roll-ups), then
// series, then date, then statistic; derived series (annual, anomaly, anomaly_pct) after
// the observed values of each unit. Streamed to a temporary file and renamed.

extension BatchRunner {
    package func loadSeries(_ ind: BatchIndicator, units: Int) throws -> BatchSeries {
        let st = state.indicators[ind.name]!
        var entries: [BatchSeries.Entry] = []
        var values: [[Double]] = []
        var sourceKeys: [[String]] = []
        for (si, s) in ind.sources.enumerated() {
            guard let rec = st.sources[s.path] else { throw GeoKitError.internal("\(s.path) was not computed") }
            let keys = rec.valueKeys(ind.stats)
            sourceKeys.append(keys)
            values.append(try readCache(cachePath(ind.name, rec.cache), count: units * s.bands.count * keys.count))
            for (bi, b) in s.bands.enumerated() {
                entries.append(.init(source: si, bandIndex: bi, band: b, date: s.dates[bi], path: s.path))
            }
        }
        entries.sort { a, b in
            (a.date ?? "", a.source, a.band) < (b.date ?? "", b.source, b.band)
        }
        let keys = batchKeyOrder(Set(sourceKeys.flatMap { $0 }), ind.stats)
        return BatchSeries(entries: entries, values: values, bandCounts: ind.sources.map(\.bands.count), keys: keys,
                           keyStats: keys.map { batchKeyStat($0, ind.stats)!.stat }, sourceKeyCounts: sourceKeys.map(\.count),
                           sourceKeyIndex: sourceKeys.map { sk in keys.map { sk.firstIndex(of: $0) } })
    }

    /// Write an indicator's table and sidecar from the cache, unless both are as the state
    /// recorded them for the same table key; then record them in the state.
    package func writeTable(_ ind: BatchIndicator, valueKey vk: String, zones zc: BatchZonesCache, report: inout BatchReport) throws {
        let out = BatchRunner.tablePath(manifest, ind.name)
        let tk = try tableKey(ind, valueKey: vk)
        if tableIsUpToDate(ind, tableKey: tk, output: out) {
            report.tablesUpToDate.append(ind.name)
            return
        }
        let started = Date()
        let series = try loadSeries(ind, units: zc.units.count)
        // Band descriptions for the sidecar (and the raster's unit when the manifest has none).
        var rasters: [String: Raster] = [:]
        for s in ind.sources { rasters[s.path] = try Raster(path: s.path) }
        let valueUnit = ind.unit ?? series.entries.first.flatMap { rasters[$0.path]!.bands[$0.band - 1].unit }
        let layout = BatchTableLayout(ind, series: series, zones: zc, format: manifest.format, valueUnit: valueUnit)
        // Table and sidecar together: the sidecar renamed first, the table last.
        try writeAtomically([ZonalResult.sidecarPath(for: out), out]) { tmps in
            let rows = try writeRows(layout, zones: zc, to: out, temporary: tmps[1])
            try writeTableSidecar(ind, series: series, zones: zc, rasters: rasters, valueUnit: valueUnit,
                                  columns: layout.header, rows: rows, started: started, output: out, temporary: tmps[0])
        }
        var st = state.indicators[ind.name]!
        st.tableKey = tk
        st.table = try batchFingerprint(out)
        st.sidecar = try batchFingerprint(ZonalResult.sidecarPath(for: out))
        state.indicators[ind.name] = st
        try writeJSONAtomically(state, to: statePath)
        report.tablesWritten.append(ind.name)
    }

    /// Whether the table and its sidecar on disk are the ones the state recorded for `tableKey`.
    package func tableIsUpToDate(_ ind: BatchIndicator, tableKey tk: String, output out: String) -> Bool {
        guard let st = state.indicators[ind.name], st.tableKey == tk, let t = st.table, let s = st.sidecar else { return false }
        return (try? batchFingerprint(out)) == t && (try? batchFingerprint(ZonalResult.sidecarPath(for: out))) == s
    }

    /// Stream the header and every unit's rows to `out` (atomically); the number of rows.
    package func writeRows(_ layout: BatchTableLayout, zones zc: BatchZonesCache, to out: String, temporary: String) throws -> Int {
        var rowCount = 0
        var derivedNanoseconds: UInt64 = 0
        try CSVWriter.write(to: out, temporary: temporary) { w in
            try w.writeEncoded(Array((layout.header.map(csvQuote).joined(separator: ",") + "\n").utf8))
            // One thread: rows are assembled as bytes and go to the writer a megabyte at a time.
            var buf = [UInt8]()
            if options.threads == 1 { buf.reserveCapacity(1 << 21) }
            // Units in blocks: each block's derived series computed in parallel (units are
            // independent), then its units' rows encoded in parallel waves of units (each
            // unit into a buffer kept from wave to wave), and the wave's buffers written in
            // order as they are (copying them into one first took the main thread's time
            // between waves).
            let block = 256
            var encoder = RowEncoder(threads: options.threads, maxUnits: block)
            for start in stride(from: 0, to: zc.units.count, by: block) {
                let units = start..<min(zc.units.count, start + block)
                // The derived series' time alone, for GEOTOOL_TIMING (the benchmark's "derived step").
                let t0 = PhaseTiming.enabled ? DispatchTime.now().uptimeNanoseconds : 0
                let derived = try derivedGroups(layout, units: units)
                if PhaseTiming.enabled { derivedNanoseconds += DispatchTime.now().uptimeNanoseconds - t0 }
                if options.threads == 1 {
                    // One thread: straight into the write buffer.
                    for u in units {
                        rowCount += layout.appendRows(unit: zc.units[u], index: u, derived: derived[u - start], to: &buf)
                        if buf.count >= 1 << 20 {
                            try w.writeEncoded(buf)
                            buf.removeAll(keepingCapacity: true)
                        }
                    }
                    continue
                }
                // The wave size changes after the first wave: not a stride.
                var wave = start
                while wave < units.upperBound {
                    let waveUnits = wave..<min(units.upperBound, wave + encoder.waveSize)
                    encoder.encode(layout, zones: zc, units: waveUnits, derived: derived[(wave - start)...], threads: options.threads)
                    rowCount += encoder.rows.prefix(waveUnits.count).reduce(0, +)
                    try w.writeEncoded(parts: encoder.bytes.prefix(waveUnits.count))
                    wave = waveUnits.upperBound
                }
            }
            try w.writeEncoded(buf)
        }
        PhaseTiming.mark(String(format: "table %@: derived series computed in %.3f s", layout.ind.name, Double(derivedNanoseconds) / 1e9))
        PhaseTiming.mark("table \(layout.ind.name): \(rowCount) rows written")
        return rowCount
    }

    /// The derived groups of `units`, computed on the run's threads (none without derived series).
    func derivedGroups(_ layout: BatchTableLayout, units: Range<Int>) throws -> [[BatchTableLayout.DerivedGroup]] {
        guard layout.seriesDerived || !layout.lossInputs.isEmpty else { return units.map { _ in [] } }
        let results = UnsafeMutableBufferPointer<[BatchTableLayout.DerivedGroup]>.allocate(capacity: units.count)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        // Each task writes its own slot.
        try WorkerPool(threads: options.threads).run(tasks: units.count) { k in results[k] = layout.derivedGroups(unit: units.lowerBound + k) }
        return Array(results)
    }

    /// The sidecar, as `geotool zonal` writes it, with the batch's own description and one
    /// raster entry per source file.
    package func writeTableSidecar(_ ind: BatchIndicator, series: BatchSeries, zones zc: BatchZonesCache, rasters: [String: Raster],
                                   valueUnit: String?, columns: [String], rows: Int, started: Date, output out: String,
                                   temporary: String? = nil) throws {
        let st = state.indicators[ind.name]!
        let result = sidecarResult(ind, series: series, zones: zc, rasters: rasters, valueUnit: valueUnit, state: st)
        let z = manifest.zones
        var hashes: [String: String] = [z.path: try fullHash(z.path)]
        for s in ind.sources { hashes[s.path] = try fullHash(s.path) }
        if let w = ind.weights { hashes[w] = try fullHash(w) }
        let run = RunInfo(commandLine: options.commandLine, started: started, seconds: Date().timeIntervalSince(started),
                          hashes: hashes, format: manifest.format, hxl: false)
        var pkg = result.dataPackage(output: out, run: run)
        pkg = describeBatch(pkg, ind, series: series, rows: rows, columns: columns, valueUnit: valueUnit)
        // The raster list, built here once per file with every band of the series (the
        // result above holds the first band only).
        pkg.rasters = ind.sources.map { s in
            let r = rasters[s.path]!
            return sidecarRasterEntry(name: ind.name, path: s.path, sha256: hashes[s.path] ?? "", crs: st.rasterCRS, crsAssumed: r.crsAssumedFromCF,
                                      bandsTotal: r.bands.count, pixelType: r.bands[0].type, grid: r.grid,
                                      bands: s.bands.enumerated().map { SidecarBand(band: $1, info: r.bands[$1 - 1], date: s.dates[$0], unit: valueUnit) })
        }
        pkg.sources = [DataPackage.Source(title: "zones", path: z.path)] + ind.sources.map { DataPackage.Source(title: ind.name, path: $0.path) }
        try writeSidecar(pkg, for: out, temporary: temporary)
    }

    /// A `ZonalResult` standing for the table in the sidecar: the zones' units (without
    /// values), the series' first band, the zones' and the passes' warnings.
    package func sidecarResult(_ ind: BatchIndicator, series: BatchSeries, zones zc: BatchZonesCache, rasters: [String: Raster],
                               valueUnit: String?, state st: BatchIndicatorState) -> ZonalResult {
        let bands = series.entries.prefix(1).map { e -> OutputBand in
            let r = rasters[e.path]!
            return OutputBand(label: batchColumnPrefix(ind.name, e, entries: series.entries.count), rasterName: ind.name, path: e.path, band: e.band,
                              bandCount: r.bands.count, date: e.date, unit: valueUnit, grid: r.grid,
                              source: BandSource(raster: Raster.opener(path: e.path), band: e.band, info: r.bands[e.band - 1]))
        }
        let units = zc.units.map { ResultUnit(id: $0.id, level: $0.level, name: $0.name, attributes: $0.attributes, scalar: .init(), classes: .init(), isEmptyGeometry: $0.empty) }
        // Each warning once: the zones' (read once), then the indicator's passes' (a state from
        // an older version may still hold the zones' too).
        var seen = Set<String>()
        let warnings = (persistedWarnings(zc.warnings, kinds: zc.warningKinds) + persistedWarnings(st.warnings, kinds: st.warningKinds))
            .filter { seen.insert($0.message).inserted }
        var result = ZonalResult(units: units, bands: bands, stats: ind.stats, idField: zc.idField, includeFields: zc.includeFields,
                                 hasRollup: zc.hasRollup, geometries: [], zonesCRS: zc.zonesCRS, warnings: warnings,
                                 zones: ZoneLayerSummary(path: manifest.zones.path, layer: zc.layer, featureCount: zc.featureCount, idField: zc.idField,
                                                         pcodeVersion: zc.pcodeVersion, crs: zc.zonesCRS),
                                 rasterCRS: st.rasterCRS, method: ind.method, idLevel: zc.idLevel.flatMap(AdminLevel.init(rawValue:)))
        result.emptySum = ind.emptySum
        result.areaUnit = ind.areaUnit
        return result
    }

    /// The batch's additions to the sidecar: the indicator, its series and derived rows.
    package func describeBatch(_ pkgIn: DataPackage, _ ind: BatchIndicator, series: BatchSeries, rows: Int, columns: [String], valueUnit: String?) -> DataPackage {
        var pkg = pkgIn
        let derived = BatchDerivedText(ind)
        let title = ind.description.isEmpty ? ind.name : "\(ind.name): \(ind.description)"
        pkg.title = title + " by \(manifest.zones.id)"
        if !ind.description.isEmpty { pkg.description = ind.description }
        pkg.batch = batchEntry(ind, derived: derived, valueUnit: valueUnit)
        guard !pkg.resources.isEmpty else { return pkg }
        pkg.resource.rows = rows
        let context = BatchFieldText(ind: ind, series: series, derived: derived, valueUnit: valueUnit)
        var fields = pkg.resource.schema.fields
        // Wide tables: the derived columns after the observed ones.
        let known = Set(fields.map(\.name))
        fields += columns.filter { !known.contains($0) }.map(context.observedOrDerivedField)
        for i in fields.indices { context.describe(&fields[i]) }
        if let c = ind.condition { context.addCondition(c, to: &fields) }
        // In the table's column order (per-class columns are known only from the values).
        let byName = Dictionary(fields.map { ($0.name, $0) }) { a, _ in a }
        if columns.allSatisfy({ byName[$0] != nil }) { fields = columns.map { byName[$0]! } }
        pkg.resource.schema.fields = fields
        return pkg
    }

    /// The sidecar's `batch` member: the manifest, the indicator, its series and derived rows.
    private func batchEntry(_ ind: BatchIndicator, derived: BatchDerivedText, valueUnit: String?) -> DataPackage.Batch {
        var batch = DataPackage.Batch(manifest: manifest.path, indicator: ind.name, source: ind.sourceText,
                                      files: ind.sources.count, bands: ind.sources.reduce(0) { $0 + $1.bands.count },
                                      rowOrder: manifest.format == .long
                                          ? "units (zones in input order, then roll-ups), then indicator (observed, then derived), then date, then statistic"
                                          : "units (zones in input order, then roll-ups)")
        batch.unit = valueUnit
        if !derived.definitions.isEmpty { batch.derived = derived.definitions }
        if !derived.time.isEmpty {
            // Each change-over-time series' unit; "VALUE" stands for each statistic's own unit.
            batch.derivedUnits = Dictionary(uniqueKeysWithValues: derived.time.map { ($0.name, $0.unit.text(statUnit: "VALUE")) })
        }
        return batch
    }
}

/// Encodes units' table rows on the run's threads (formatting the numbers is most of a
/// table's writing), a wave of units at a time: each unit of a wave into its own buffer, the
/// buffers kept from wave to wave (fresh ones would cost page faults). A wave holds about
/// 16 MB of rows: a whole block of wide rows, a few dozen units of long ones (a unit with
/// derived series takes hundreds of kilobytes there: a block's would hold 100 MB).
struct RowEncoder {
    /// Units per wave: 4 per thread at first, then as many as 16 MB holds (up to `maxUnits`).
    private(set) var waveSize: Int
    let minUnits: Int, maxUnits: Int
    /// The last wave's units' rows and row counts.
    var bytes: [[UInt8]] = []
    var rows: [Int] = []

    init(threads: Int, maxUnits: Int) {
        minUnits = min(maxUnits, 4 * threads)
        self.maxUnits = maxUnits
        waveSize = minUnits
    }

    /// Encode `units` (at most `waveSize`), whose derived groups `derived` starts with.
    mutating func encode(_ layout: BatchTableLayout, zones zc: BatchZonesCache, units: Range<Int>,
                         derived: ArraySlice<[BatchTableLayout.DerivedGroup]>, threads: Int) {
        let first = derived.startIndex
        if bytes.count < units.count {
            bytes += Array(repeating: [], count: units.count - bytes.count)
            rows += Array(repeating: 0, count: units.count - rows.count)
        }
        defer {
            let largest = bytes.prefix(units.count).map(\.count).max() ?? 0
            waveSize = max(minUnits, min(maxUnits, (16 << 20) / max(1, largest)))
        }
        bytes.withUnsafeMutableBufferPointer { b in
            rows.withUnsafeMutableBufferPointer { r in
                // Each task writes its own slot.
                WorkerPool(threads: threads).run(tasks: units.count) { k in
                    b[k].removeAll(keepingCapacity: true)
                    r[k] = layout.appendRows(unit: zc.units[units.lowerBound + k], index: units.lowerBound + k, derived: derived[first + k], to: &b[k])
                }
            }
        }
    }
}

/// The definitions of an indicator's derived series (annual, anomaly, change over time), by
/// the series' name (`rain_annual`), as the sidecar gives them.
struct BatchDerivedText {
    var definitions: [String: String] = [:]
    /// The change-over-time series, with their units.
    let time: [(name: String, definition: String, unit: DerivedUnit)]

    init(_ ind: BatchIndicator) {
        if let a = ind.annual {
            definitions["\(ind.name)_annual"] = "\(a == .sum ? "sum" : "mean") of the 12 monthly (or every daily) values of each statistic per unit and calendar year (date YYYY); only complete years"
        }
        if let b = ind.baseline {
            let period = ind.sources.first?.dates.first??.count == 10 ? "calendar day (month and day; 29 February with 29 February only)" : "calendar month"
            definitions["\(ind.name)_anomaly"] = "value minus the mean of the same unit, statistic and \(period) over the baseline years \(b.lowerBound)-\(b.upperBound)"
            definitions["\(ind.name)_anomaly_pct"] = "the anomaly as a percentage of that baseline mean; empty where the mean is 0 or missing"
        }
        time = timeDefinitions(ind)
        for d in time { definitions[d.name] = d.definition }
    }

    /// The longest derived name a column starts with (rain_anomaly_pct_..., not rain_anomaly).
    func series(ofColumn name: String) -> String? {
        definitions.keys.filter { name.hasPrefix($0 + "_") }.max { $0.count < $1.count }
    }
}

/// The descriptions and units of one indicator's table fields.
struct BatchFieldText {
    let ind: BatchIndicator
    let series: BatchSeries
    let derived: BatchDerivedText
    let valueUnit: String?

    /// A wide column the table model did not describe: an observed NAME_DATE_STAT column (its
    /// statistic, date, class and condition) or a derived one (described later).
    func observedOrDerivedField(_ c: String) -> DataPackage.Field {
        var f = DataPackage.Field(name: c, type: "number")
        let isDerived = derived.definitions.keys.contains { c.hasPrefix($0 + "_") }
        if let key = series.keys.first(where: { c.hasSuffix("_" + $0) }), let ks = batchKeyStat(key, ind.stats), !isDerived {
            let st = ind.stats[ks.stat]
            let date = String(c.dropFirst(ind.name.count + 1).dropLast(key.count + 1))
            f.description = "\(ind.areaUnit.definition(of: st)) of \(ind.name)" + (date.isEmpty ? "" : " (\(date))") +
                (ks.classValue.map { ", class \(formatNumber($0))" } ?? "") +
                (ind.condition.map(conditionText) ?? "") +
                "; \(ind.method.rawValue) method"
            f.unit = ind.areaUnit.unit(of: st, valueUnit: valueUnit)
        }
        return f
    }

    /// The long table's shared columns (indicator, band, date), and a derived column's
    /// definition and unit.
    func describe(_ field: inout DataPackage.Field) {
        switch field.name {
        case "indicator":
            let defs = derived.definitions
            field.description = "\(ind.name): the series' values" + defs.keys.sorted().map { "; \($0): \(defs[$0]!)" }.joined()
        case "band":
            field.description = "band number in the source file; empty on derived rows"
            field.type = "integer"
        case "date":
            field.description = "date of the band (YYYY-MM), or the year (YYYY) of annual rows"
                + (derived.time.isEmpty ? "" : "; of seasons, the year of their first month; of dekads, their first day (YYYY-MM-DD); of trends and year-of-change summaries, the period FIRST-LAST")
        default:
            guard field.description == nil, let k = derived.series(ofColumn: field.name) else { return }
            field.description = derived.definitions[k]!
            if let u = derived.time.first(where: { $0.name == k })?.unit, let st = statistic(ofColumn: field.name) {
                let text = u.text(statUnit: st.unit(valueUnit: valueUnit))
                if !text.isEmpty { field.unit = text }
            }
        }
    }

    /// The statistic a column ends with: a series key's (`..._mean`, `..._class_area_3`), else a name's.
    private func statistic(ofColumn name: String) -> Statistic? {
        series.keys.first { name.hasSuffix("_" + $0) }.flatMap { batchKeyStat($0, ind.stats) }.map { ind.stats[$0.stat] }
            ?? ind.stats.first { name.hasSuffix("_" + $0.name) }
    }

    /// A condition (`where:`) on every statistic of the indicator's own values.
    func addCondition(_ c: CellCondition, to fields: inout [DataPackage.Field]) {
        let method = "; \(ind.method.rawValue) method"
        for i in fields.indices {
            guard let d = fields[i].description, d.contains(" of \(ind.name)"), d.hasSuffix(method), !d.contains("only where") else { continue }
            fields[i].description = String(d.dropLast(method.count)) + conditionText(c) + method
        }
    }

    private func conditionText(_ c: CellCondition) -> String {
        ", only where \(c.text) (each cell counts with the share of its area where the condition holds; cells where \(c.raster) is nodata do not count)"
    }
}

/// The shape of an indicator's table: its header, and its rows as bytes. The parts of a row
/// that do not depend on the unit are encoded once.
package struct BatchTableLayout {
    let ind: BatchIndicator
    let series: BatchSeries
    let long: Bool
    let levelColumn: Bool
    let nameColumn: Bool
    /// The series' dates in table order ("" for bands without a date).
    let dates: [String]
    let computer: DerivedComputer
    /// Whether each value key's series gives derived rows (annual, anomaly, SPI...).
    let seriesDerived: Bool
    /// The year-of-change inputs: per per-class statistic, its name, index and classes
    /// (class value, value key); empty without `loss_years`.
    let lossInputs: [LossInput]
    package let header: [String]
    /// "NAME," on observed rows; per (entry, stat) "stat,band,date,"; per stat ",unit\n".
    let nameCell: [UInt8]
    let middle: [[[UInt8]]]
    let tail: [[UInt8]]
    /// Per statistic, the unit cell (",unit\n") of each derived unit.
    let derivedTails: [[DerivedUnit: [UInt8]]]
    /// The kinds, dates and units of a value key's derived rows and of a per-class
    /// statistic's year-of-change rows (the same for every unit: their values are not used).
    let seriesShape: [DerivedRow]
    let lossShape: [DerivedRow]
    /// Their long rows' cells, encoded once: per row "NAME_kind," and "date,".
    let seriesCells: [(kind: [UInt8], date: [UInt8])]
    let lossCells: [(kind: [UInt8], date: [UInt8])]

    struct LossInput { var label: String; var stat: Int; var classes: [(value: Double, key: Int)] }

    /// A group of derived inputs sharing one shape of rows (`seriesShape` or `lossShape`): its
    /// inputs' stat cells and statistics, and each input's values in the shape's order.
    struct DerivedGroup { var labels: [String]; var stats: [Int]; var loss: Bool; var values: [[Double]] }

    init(_ ind: BatchIndicator, series: BatchSeries, zones zc: BatchZonesCache, format: TableFormat, valueUnit: String?) {
        self.ind = ind
        self.series = series
        long = format == .long
        levelColumn = zc.hasRollup
        nameColumn = wideNameColumn(hasRollup: zc.hasRollup, includeFields: zc.includeFields)
        dates = series.entries.map { $0.date ?? "" }
        computer = DerivedComputer(ind, dates: dates)
        seriesShape = computer.rows(dates.map { _ in 0 })
        seriesDerived = !seriesShape.isEmpty
        lossInputs = ind.time.lossFirstYear == nil ? [] : ind.stats.indices.compactMap { st in
            guard ind.stats[st].classColumnPrefix != nil else { return nil }
            let classes = series.keys.indices.compactMap { k -> (value: Double, key: Int)? in
                guard series.keyStats[k] == st, let v = batchKeyStat(series.keys[k], ind.stats)?.classValue else { return nil }
                return (v, k)
            }
            return LossInput(label: ind.stats[st].name, stat: st, classes: classes)
        }
        let computer = computer
        lossShape = lossInputs.first.map { i in computer.lossRows(i.classes.map { ($0.value, 0) }) } ?? []
        seriesCells = Self.longCells(ind.name, seriesShape)
        lossCells = Self.longCells(ind.name, lossShape)
        nameCell = Array((csvQuote(ind.name) + ",").utf8)
        middle = series.entries.map { e in series.keys.map { Array(($0 + ",\(e.band)," + (e.date ?? "") + ",").utf8) } }
        tail = series.keyStats.map { Array(("," + csvQuote(ind.stats[$0].unit(valueUnit: valueUnit) ?? "") + "\n").utf8) }
        derivedTails = ind.stats.map { st in
            let units: [DerivedUnit] = [.value, .percent, .dimensionless, .perYear, .year, .days, .years, .months]
            return Dictionary(uniqueKeysWithValues: units.map { ($0, Array(("," + csvQuote($0.text(statUnit: st.unit(valueUnit: valueUnit))) + "\n").utf8)) })
        }
        header = long ? ["pcode", "name", "level"] + zc.includeFields + ["indicator", "stat", "band", "date", "value", "unit"]
            : Self.wideHeader(ind, series: series, zones: zc) + Self.derivedWideColumns(ind.name, seriesShape: seriesShape, keys: series.keys,
                                                                                       lossShape: lossShape, lossInputs: lossInputs)
    }

    /// The unit's derived rows, in groups: per value key (from its values in date order), then
    /// per per-class statistic of a year-of-change raster (from its classes).
    func derivedGroups(unit u: Int) -> [DerivedGroup] {
        var groups: [DerivedGroup] = []
        if seriesDerived {
            // One buffer for the unit's values of each statistic in turn.
            var values: [Double] = []
            values.reserveCapacity(series.entries.count)
            groups.append(DerivedGroup(labels: series.keys, stats: series.keyStats, loss: false, values: series.keys.indices.map { s in
                series.unitValues(unit: u, stat: s, into: &values)
                return computer.derivedValues(values)
            }))
        }
        if !lossInputs.isEmpty {
            groups.append(DerivedGroup(labels: lossInputs.map(\.label), stats: lossInputs.map(\.stat), loss: true, values: lossInputs.map { i in
                computer.lossValues(i.classes.map { ($0.value, series.value(unit: u, entry: 0, stat: $0.key)) })
            }))
        }
        return groups
    }

    /// Wide columns: ID, level, include fields, then NAME_DATE_STAT per date and statistic
    /// (then `derivedWideColumns`: NAME_KIND_DATE_STAT per derived series, such as
    /// NAME_annual_YYYY_STAT, NAME_anomaly_DATE_STAT, NAME_spi_3_DATE_STAT).
    static func wideHeader(_ ind: BatchIndicator, series: BatchSeries, zones zc: BatchZonesCache) -> [String] {
        var cols = [zc.idField] + (zc.hasRollup ? ["level"] : [])
            + (wideNameColumn(hasRollup: zc.hasRollup, includeFields: zc.includeFields) ? ["name"] : []) + zc.includeFields
        for e in series.entries { for s in series.keys { cols.append("\(batchColumnPrefix(ind.name, e, entries: series.entries.count))_\(s)") } }
        return cols
    }

    /// Append the rows of unit `u` (long: one per entry and statistic, then derived rows;
    /// wide: one); the number of rows appended.
    func appendRows(unit: CachedUnit, index u: Int, derived: [DerivedGroup], to buf: inout [UInt8]) -> Int {
        if long {
            let prefix = Array((([unit.id, unit.name, unit.level] + unit.attributes).map(csvQuote).joined(separator: ",") + ",").utf8)
            return appendObservedLongRows(prefix: prefix, unit: u, to: &buf) + appendDerivedLongRows(prefix: prefix, derived: derived, to: &buf)
        }
        appendWideRow(unit: unit, index: u, derived: derived, to: &buf)
        return 1
    }

    /// Long rows of the observed values: by date, then statistic.
    func appendObservedLongRows(prefix: [UInt8], unit u: Int, to buf: inout [UInt8]) -> Int {
        var n = 0
        for k in series.entries.indices {
            for s in series.keys.indices {
                buf += prefix; buf += nameCell; buf += middle[k][s]
                appendNumber(series.value(unit: u, entry: k, stat: s), to: &buf)
                buf += tail[s]
                n += 1
            }
        }
        return n
    }

    /// Long rows of the derived series: per group, by row (kind, then date), then input.
    func appendDerivedLongRows(prefix: [UInt8], derived: [DerivedGroup], to buf: inout [UInt8]) -> Int {
        var n = 0
        for g in derived {
            guard !g.values.isEmpty else { continue }
            let shape = g.loss ? lossShape : seriesShape
            let cells = g.loss ? lossCells : seriesCells
            let labelCells = g.labels.map { Array(($0 + ",,").utf8) }
            for i in shape.indices {
                for j in g.labels.indices {
                    buf += prefix; buf += cells[i].kind
                    buf += labelCells[j]; buf += cells[i].date
                    appendNumber(g.values[j][i], to: &buf)
                    buf += derivedTails[g.stats[j]][shape[i].unit]!
                    n += 1
                }
            }
        }
        return n
    }

    /// The unit's wide row: its cells, the observed values, then the derived ones.
    func appendWideRow(unit: CachedUnit, index u: Int, derived: [DerivedGroup], to buf: inout [UInt8]) {
        // Straight into the buffer (no array of cells joined: a row holds thousands).
        let cells = ([unit.id] + (levelColumn ? [unit.level] : []) + (nameColumn ? [unit.name] : []) + unit.attributes).map(csvQuote)
        buf += cells.joined(separator: ",").utf8
        // By date, then statistic; derived values by row, then input.
        let keys = series.keys.count
        appendNumbers(series.entries.count * keys, after: 0x2C, to: &buf) { series.value(unit: u, entry: $0 / keys, stat: $0 % keys) }
        for g in derived {
            guard let count = g.values.first?.count else { continue }
            let inputs = g.values.count
            appendNumbers(count * inputs, after: 0x2C, to: &buf) { g.values[$0 % inputs][$0 / inputs] }
        }
        buf.append(0x0A)
    }

    /// Each derived row's indicator cell ("NAME_kind,") and date cell ("date,") as bytes.
    static func longCells(_ name: String, _ shape: [DerivedRow]) -> [(kind: [UInt8], date: [UInt8])] {
        shape.map { (Array((csvQuote("\(name)_\($0.kind)") + ",").utf8), Array(($0.date + ",").utf8)) }
    }

    /// The wide header's derived columns, in the order `appendWideRow` writes them: the
    /// rows' kinds and dates do not depend on the values, so zeros stand for them.
    static func derivedWideColumns(_ name: String, seriesShape: [DerivedRow], keys: [String], lossShape: [DerivedRow], lossInputs: [LossInput]) -> [String] {
        var cols: [String] = []
        for r in seriesShape { for k in keys { cols.append("\(name)_\(r.kind)_\(r.date)_\(k)") } }
        for r in lossShape { for i in lossInputs { cols.append("\(name)_\(r.kind)_\(r.date)_\(i.label)") } }
        return cols
    }
}
