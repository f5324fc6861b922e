import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// The tables of `geotool batch`, built from the cached values alone (so they do not depend
// on which run computed what): rows by unit (zones in input order, then roll-ups), then
// series, then date, then statistic; derived series (annual, anomaly, anomaly_pct) after
// the observed values of each unit. Streamed to a temporary file and renamed.

/// An indicator's series and values, loaded from the cache.
public struct BatchSeries {
    public struct Entry { public var source: Int; public var bandIndex: Int; public var band: Int; public var date: String?; public var path: String }
    public var entries: [Entry]
    package var values: [[Double]]           // per source: [unit][band][stat]
    package var bandCounts: [Int]
    public var statCount: Int

    public func value(unit u: Int, entry k: Int, stat s: Int) -> Double {
        let e = entries[k]
        return values[e.source][(u * bandCounts[e.source] + e.bandIndex) * statCount + s]
    }
}

/// One derived value series for a unit and statistic.
package struct DerivedRow { var kind: String; var date: String; var value: Double }

/// Annual aggregates (complete years only) and anomalies against the baseline mean of the
/// same calendar month, for one unit and statistic, in date order.
package func derivedRows(dates: [String], values: [Double], annual: AnnualAggregate?, baseline: ClosedRange<Int>?) -> [DerivedRow] {
    var out: [DerivedRow] = []
    let ym = dates.map { (Int($0.prefix(4))!, Int($0.suffix(2))!) }
    if let annual {
        var years: [Int: [Int]] = [:]
        for (k, d) in ym.enumerated() { years[d.0, default: []].append(k) }
        for y in years.keys.sorted() where Set(years[y]!.map { ym[$0].1 }).count == 12 {
            let vs = years[y]!.map { values[$0] }
            let sum = vs.reduce(0, +)
            out.append(DerivedRow(kind: "annual", date: String(format: "%04d", y), value: annual == .sum ? sum : sum / 12))
        }
    }
    if let baseline {
        var sums = [Double](repeating: 0, count: 13), counts = [Int](repeating: 0, count: 13)
        for (k, d) in ym.enumerated() where baseline.contains(d.0) && !values[k].isNaN {
            sums[d.1] += values[k]; counts[d.1] += 1
        }
        var anomalies: [DerivedRow] = [], pct: [DerivedRow] = []
        for (k, d) in ym.enumerated() {
            let mean = counts[d.1] > 0 ? sums[d.1] / Double(counts[d.1]) : .nan
            let a = values[k] - mean
            anomalies.append(DerivedRow(kind: "anomaly", date: dates[k], value: a))
            pct.append(DerivedRow(kind: "anomaly_pct", date: dates[k], value: mean == 0 ? .nan : a / mean * 100))
        }
        out += anomalies + pct
    }
    return out
}

extension BatchRunner {
    package func loadSeries(_ ind: BatchIndicator, units: Int) throws -> BatchSeries {
        let st = state.indicators[ind.name]!
        var entries: [BatchSeries.Entry] = []
        var values: [[Double]] = []
        for (si, s) in ind.sources.enumerated() {
            guard let rec = st.sources[s.path] else { throw GeoKitError.internal("\(s.path) was not computed") }
            values.append(try readCache(cachePath(ind.name, rec.cache), count: units * s.bands.count * ind.stats.count))
            for (bi, b) in s.bands.enumerated() {
                entries.append(.init(source: si, bandIndex: bi, band: b, date: s.dates[bi], path: s.path))
            }
        }
        entries.sort { a, b in
            (a.date ?? "", a.source, a.band) < (b.date ?? "", b.source, b.band)
        }
        return BatchSeries(entries: entries, values: values, bandCounts: ind.sources.map(\.bands.count), statCount: ind.stats.count)
    }

    package func writeTable(_ ind: BatchIndicator, valueKey vk: String, zones zc: BatchZonesCache, report: inout BatchReport) throws {
        let out = BatchRunner.tablePath(manifest, ind.name)
        let side = ZonalResult.sidecarPath(for: out)
        let tk = try tableKey(ind, valueKey: vk)
        var st = state.indicators[ind.name]!
        if st.tableKey == tk, let t = st.table, (try? batchFingerprint(out)) == t, let s = st.sidecar, (try? batchFingerprint(side)) == s {
            report.tablesUpToDate.append(ind.name)
            return
        }
        let started = Date()
        let series = try loadSeries(ind, units: zc.units.count)
        // Band descriptions for the sidecar (and the raster's unit when the manifest has none).
        var infos: [String: Raster] = [:]
        for s in ind.sources { infos[s.path] = try Raster(path: s.path) }
        let first = series.entries.first.map { infos[$0.path]!.bands[$0.band - 1] }
        let valueUnit = ind.unit ?? first?.unit
        let stats = ind.stats
        let statUnits = stats.map { $0.unit(valueUnit: valueUnit) ?? "" }
        let derivedKinds = (ind.annual == nil ? [] : ["annual"]) + (ind.baseline == nil ? [] : ["anomaly", "anomaly_pct"])
        let dates = series.entries.map { $0.date ?? "" }
        let long = manifest.format == .long
        let levelColumn = zc.hasRollup
        let header: [String]
        if long {
            header = ["pcode", "name", "level"] + zc.includeFields + ["indicator", "stat", "band", "date", "value", "unit"]
        } else {
            var cols = [zc.idField] + (levelColumn ? ["level"] : []) + zc.includeFields
            for e in series.entries { for s in stats { cols.append("\(ind.name)_\(e.date ?? "b\(e.band)")_\(s.name)") } }
            if derivedKinds.contains("annual") {
                let ys = derivedRows(dates: dates, values: dates.map { _ in 0 }, annual: ind.annual, baseline: nil).map(\.date)
                for y in ys { for s in stats { cols.append("\(ind.name)_annual_\(y)_\(s.name)") } }
            }
            if ind.baseline != nil {
                for kind in ["anomaly", "anomaly_pct"] { for d in dates { for s in stats { cols.append("\(ind.name)_\(kind)_\(d)_\(s.name)") } } }
            }
            header = cols
        }
        var rowCount = 0
        try CSVWriter.write(to: out) { w in
            // Rows are assembled as bytes: the parts that do not depend on the unit are
            // encoded once, and the buffer goes to the writer a megabyte at a time.
            var buf = [UInt8]()
            buf.reserveCapacity(1 << 21)
            func flush() throws {
                try w.writeEncoded(buf)
                buf.removeAll(keepingCapacity: true)
            }
            buf += Array((header.map(csvQuote).joined(separator: ",") + "\n").utf8)
            let nameCell = Array((csvQuote(ind.name) + ",").utf8)
            // Per (entry, stat): "stat,band,date," and per stat: ",unit\n".
            let middle: [[[UInt8]]] = series.entries.map { e in
                stats.map { Array(($0.name + ",\(e.band)," + (e.date ?? "") + ",").utf8) }
            }
            let tail = statUnits.map { Array(("," + csvQuote($0) + "\n").utf8) }
            let pctTail = Array(("," + csvQuote("%") + "\n").utf8)
            for (u, unit) in zc.units.enumerated() {
                // Derived rows need the unit's values per statistic in date order.
                var derived: [[DerivedRow]] = []
                if !derivedKinds.isEmpty {
                    for s in 0..<stats.count {
                        let vs = series.entries.indices.map { series.value(unit: u, entry: $0, stat: s) }
                        derived.append(derivedRows(dates: dates, values: vs, annual: ind.annual, baseline: ind.baseline))
                    }
                }
                if long {
                    let prefix = Array((([unit.id, unit.name, unit.level] + unit.attributes).map(csvQuote).joined(separator: ",") + ",").utf8)
                    for k in series.entries.indices {
                        for s in stats.indices {
                            buf += prefix; buf += nameCell; buf += middle[k][s]
                            buf += formatNumber(series.value(unit: u, entry: k, stat: s)).utf8
                            buf += tail[s]
                            rowCount += 1
                        }
                    }
                    for kind in derivedKinds {
                        // Derived rows: by kind, then date, then statistic.
                        let perStat = derived.map { $0.filter { $0.kind == kind } }
                        guard let n = perStat.first?.count else { continue }
                        let kindCell = Array((csvQuote("\(ind.name)_\(kind)") + ",").utf8)
                        for i in 0..<n {
                            for (s, stat) in stats.enumerated() {
                                let r = perStat[s][i]
                                buf += prefix; buf += kindCell
                                buf += (stat.name + ",," + r.date + ",").utf8
                                buf += formatNumber(r.value).utf8
                                buf += kind == "anomaly_pct" ? pctTail : tail[s]
                                rowCount += 1
                            }
                        }
                    }
                } else {
                    var cells = [unit.id] + (levelColumn ? [unit.level] : []) + unit.attributes
                    cells = cells.map(csvQuote)
                    for k in series.entries.indices { for s in stats.indices { cells.append(formatNumber(series.value(unit: u, entry: k, stat: s))) } }
                    for kind in derivedKinds {
                        let perStat = derived.map { $0.filter { $0.kind == kind } }
                        guard let n = perStat.first?.count else { continue }
                        for i in 0..<n { for s in stats.indices { cells.append(formatNumber(perStat[s][i].value)) } }
                    }
                    buf += (cells.joined(separator: ",") + "\n").utf8
                    rowCount += 1
                }
                if buf.count >= 1 << 20 { try flush() }
            }
            try flush()
        }
        // The sidecar, as `geotool zonal` writes it, with the batch's own description.
        var bands: [OutputBand] = []
        for e in series.entries {
            let r = infos[e.path]!
            bands.append(OutputBand(label: "\(ind.name)_\(e.date ?? "b\(e.band)")", rasterName: ind.name, path: e.path, band: e.band,
                                    bandCount: r.bands.count, date: e.date, unit: valueUnit, grid: r.grid,
                                    source: BandSource(raster: Raster.opener(path: e.path), band: e.band, info: r.bands[e.band - 1])))
        }
        let units = zc.units.map { ResultUnit(id: $0.id, level: $0.level, name: $0.name, attributes: $0.attributes, scalar: .init(), classes: .init(), isEmptyGeometry: $0.empty) }
        let z = manifest.zones
        // The sidecar's raster list is built here, once per file (ZonalResult.dataPackage
        // reopens every raster per file: quadratic for a series of hundreds of files).
        let result = ZonalResult(units: units, bands: Array(bands.prefix(1)), stats: stats, idField: zc.idField, includeFields: zc.includeFields,
                                 hasRollup: zc.hasRollup, geometries: [], zonesCRS: zc.zonesCRS, warnings: (zc.warnings + st.warnings).map { GeoWarning(.input, $0) },
                                 zones: ZoneLayerSummary(path: z.path, layer: zc.layer, featureCount: zc.featureCount, idField: zc.idField,
                                                         pcodeVersion: zc.pcodeVersion, crs: zc.zonesCRS),
                                 rasterCRS: st.rasterCRS, method: ind.method, idLevel: zc.idLevel.flatMap(AdminLevel.init(rawValue:)))
        var hashes: [String: String] = [z.path: try fullHash(z.path)]
        for s in ind.sources { hashes[s.path] = try fullHash(s.path) }
        if let w = ind.weights { hashes[w] = try fullHash(w) }
        let run = RunInfo(commandLine: options.commandLine, started: started, seconds: Date().timeIntervalSince(started),
                          hashes: hashes, format: manifest.format, hxl: false)
        var pkg = result.dataPackage(output: out, run: run)
        pkg = describeBatch(pkg, ind, rows: rowCount, columns: header, valueUnit: valueUnit)
        var rasters: [[String: Any]] = []
        for (si, s) in ind.sources.enumerated() {
            let r = infos[s.path]!, g = r.grid
            var d: [String: Any] = ["name": ind.name, "path": s.path, "sha256": hashes[s.path] ?? "", "bytes": fileSize(s.path),
                                    "crs": st.rasterCRS ?? "unknown", "bands_total": r.bands.count, "pixel_type": r.bands[0].type.rawValue,
                                    "grid": ["columns": g.cols, "rows": g.rows, "cell_size": [g.dx, g.dy], "extent": [g.left, g.bottom, g.right, g.top]]]
            d["bands"] = s.bands.enumerated().map { (bi, b) -> [String: Any] in
                let info = r.bands[b - 1]
                var x: [String: Any] = ["band": b]
                if let nd = info.nodata { x["nodata"] = nd }
                if !info.description.isEmpty { x["description"] = info.description }
                if let date = s.dates[bi] { x["date"] = date }
                if let u = valueUnit { x["unit"] = u }
                if info.scale != 1 || info.offset != 0 { x["scale"] = info.scale; x["offset"] = info.offset }
                return x
            }
            _ = si
            rasters.append(d)
        }
        pkg["rasters"] = rasters
        pkg["sources"] = [["title": "zones", "path": z.path]] + ind.sources.map { ["title": ind.name, "path": $0.path] }
        try writeSidecar(pkg, for: out)
        st.tableKey = tk
        st.table = try batchFingerprint(out)
        st.sidecar = try batchFingerprint(side)
        state.indicators[ind.name] = st
        try writeJSONAtomically(state, to: statePath)
        report.tablesWritten.append(ind.name)
    }

    /// The batch's additions to the sidecar: the indicator, its series and derived rows.
    package func describeBatch(_ pkgIn: [String: Any], _ ind: BatchIndicator, rows: Int, columns: [String], valueUnit: String?) -> [String: Any] {
        var pkg = pkgIn
        var derived: [String: String] = [:]
        if let a = ind.annual {
            derived["\(ind.name)_annual"] = "\(a == .sum ? "sum" : "mean") of the 12 monthly values of each statistic per unit and calendar year (date YYYY); only complete years"
        }
        if let b = ind.baseline {
            derived["\(ind.name)_anomaly"] = "value minus the mean of the same unit, statistic and calendar month over the baseline years \(b.lowerBound)-\(b.upperBound)"
            derived["\(ind.name)_anomaly_pct"] = "the anomaly as a percentage of that baseline mean; empty where the mean is 0 or missing"
        }
        let title = ind.description.isEmpty ? ind.name : "\(ind.name): \(ind.description)"
        pkg["title"] = title + " by \(manifest.zones.id)"
        if !ind.description.isEmpty { pkg["description"] = ind.description }
        var batch: [String: Any] = ["manifest": manifest.path, "indicator": ind.name, "source": ind.sourceText,
                                    "files": ind.sources.count, "bands": ind.sources.reduce(0) { $0 + $1.bands.count },
                                    "row_order": manifest.format == .long
                                        ? "units (zones in input order, then roll-ups), then indicator (observed, then derived), then date, then statistic"
                                        : "units (zones in input order, then roll-ups)"]
        if let u = valueUnit { batch["unit"] = u }
        if !derived.isEmpty { batch["derived"] = derived }
        pkg["batch"] = batch
        if var resources = pkg["resources"] as? [[String: Any]], var r = resources.first {
            r["rows"] = rows
            if var schema = r["schema"] as? [String: Any], var fields = schema["fields"] as? [[String: Any]] {
                // Wide tables: the derived columns after the observed ones.
                let known = Set(fields.compactMap { $0["name"] as? String })
                for c in columns where !known.contains(c) {
                    var f: [String: Any] = ["name": c, "type": "number"]
                    // Observed columns NAME_DATE_STAT.
                    if let st = ind.stats.first(where: { c.hasSuffix("_" + $0.name) }), !c.hasPrefix(ind.name + "_annual_"), !c.hasPrefix(ind.name + "_anomaly_") {
                        let date = String(c.dropFirst(ind.name.count + 1).dropLast(st.name.count + 1))
                        f["description"] = "\(st.definition) of \(ind.name) (\(date)); \(ind.method.rawValue) method"
                        if let u = st.unit(valueUnit: valueUnit) { f["unit"] = u }
                    }
                    fields.append(f)
                }
                for i in fields.indices {
                    let name = fields[i]["name"] as? String ?? ""
                    if name == "indicator" {
                        fields[i]["description"] = "\(ind.name): the series' values" + derived.keys.sorted().map { "; \($0): \(derived[$0]!)" }.joined()
                    } else if name == "band" {
                        fields[i]["description"] = "band number in the source file; empty on derived rows"
                        fields[i]["type"] = "integer"
                    } else if name == "date" {
                        fields[i]["description"] = "date of the band (YYYY-MM), or the year (YYYY) of annual rows"
                    } else if fields[i]["description"] == nil {
                        for (k, d) in derived where name.hasPrefix(k + "_") && !(k == "\(ind.name)_anomaly" && name.hasPrefix("\(ind.name)_anomaly_pct")) {
                            fields[i]["description"] = d
                        }
                    }
                }
                schema["fields"] = fields
                r["schema"] = schema
            }
            resources[0] = r
            pkg["resources"] = resources
        }
        return pkg
    }
}
