import Foundation
import GeoCore
import GeoGDAL
import GeoKit

// The work `geotool map` and `geotool report` do between reading their options and drawing:
// the zones read and matched to the table's rows, units below a coverage emptied, the outline
// read onto the map's frame, the source line, and the PNG drawn by rsvg-convert. The CLI
// prints what these return or pass to their `warn` sinks.

extension ZoneLayer {
    /// The zones a map draws: `idField` and the `fields` beside it, the features `filter`
    /// keeps; Myanmar text checked (its warnings added to the layer's, for the caller to say).
    public static func readForMap(_ path: String, layer: String?, idField: String, fields: [String], filter: String?,
                                  myanmarText: MyanmarTextMode) throws -> ZoneLayer {
        var l = try VectorDataset(path: path).readZones(layer: layer, idField: idField, includeFields: fields, filter: filter)
        l.warnings += try l.checkMyanmarText(myanmarText).warnings
        return l
    }

    /// The zones a report draws, with the name field beside `idField` (TS for TS_PCODE) when
    /// the layer has one, and the zones' names by id from it (empty without).
    public static func readForReport(_ path: String, layer: String?, idField: String, filter: String?,
                                     myanmarText: MyanmarTextMode) throws -> (zones: ZoneLayer, names: [String: String]) {
        let fields = try VectorDataset(path: path).fieldNames(layer: layer)
        let nameField = parentNameField(idField, fields)
        let l = try readForMap(path, layer: layer, idField: idField, fields: nameField.map { [$0] } ?? [], filter: filter,
                               myanmarText: myanmarText)
        var names: [String: String] = [:]
        if nameField != nil { for z in l.zones where !z.attributes[0].isEmpty { names[z.id] = z.attributes[0] } }
        return (l, names)
    }
}

extension ZoneTableJoin {
    /// The zones of `layer` matched to the rows of `table` (its `level` rows, "" for any):
    /// each problem passed to `warn` (zones without a row, rows without a zone, duplicate
    /// ids), then an error when no zone matches at all. `tableIDsInError`: the error also
    /// quotes the table's first id.
    public static func matching(_ layer: ZoneLayer, to table: Table, level: String, tablePath: String, zonesPath: String,
                                tableIDsInError: Bool, warn: (GeoWarning) -> Void) throws -> ZoneTableJoin {
        let join = ZoneTableJoin(table: table, zoneIDs: layer.zones.map(\.id), idField: nil)
        for p in join.problems(tablePath: tablePath, zonesPath: zonesPath) { warn(p) }
        if join.rowOfZone.allSatisfy({ $0 == nil }) {
            let tableIDs = tableIDsInError ? ", table ids like \(table.rows.first.map { $0[0].csv } ?? "?")" : ""
            throw GeoKitError(.input, "no zone of \(zonesPath) matches a \(level.isEmpty ? "" : level + " ")row of \(tablePath) (zone ids like \(layer.zones.first?.id ?? "?")\(tableIDs))")
        }
        return join
    }
}

extension IndicatorTable {
    /// The zones (by `join`, over the units `units` of the wide view) whose coverage in
    /// series `s` is below `minCoverage`, their `values` emptied; nil without `minCoverage`.
    public func emptyInsufficientZones(_ values: inout [Double?], series s: Int, units: [Int], join: ZoneTableJoin,
                                       minCoverage: Double?) throws -> [Bool]? {
        guard let minCoverage else { return nil }
        let flags = try insufficient(s, units: units, minCoverage: minCoverage)
        let z = join.rowOfZone.map { r in r.map { flags[$0] } ?? false }
        for i in z.indices where z[i] { values[i] = nil }
        return z
    }
}

/// The data's sources from a table's sidecar, for the map's "Source:" line: every source
/// but the zones (the attribution line names them); nil without a sidecar or sources.
public func defaultMapSource(_ meta: TableMetadata?) -> String? {
    guard let m = meta, !m.sources.isEmpty else { return nil }
    let data = m.sources.filter { !$0.hasPrefix("zones, ") && $0 != "zones" }
    return (data.isEmpty ? m.sources : data).joined(separator: "; ")
}

extension OutlineGeometry {
    /// The outline layer at `path` on `map`'s frame, named by `nameField` (an error when the
    /// layer has no such field) or a guessed name field. `label` names the lines in the
    /// legend (default: the layer's level); `myanmarText` reports or converts Zawgyi names.
    /// Warnings go to `warn` as they arise, each call one batch.
    public static func read(_ path: String, nameField: String?, label: String? = nil, on map: MapGeometry,
                            myanmarText: MyanmarTextMode, warn: ([GeoWarning]) -> Void) throws -> OutlineGeometry {
        let fields = try VectorDataset(path: path).fieldNames()
        var name = nameField
        if let n = name, !fields.contains(where: { $0.lowercased() == n.lowercased() }) {
            throw GeoKitError.input(path, "no field '\(n)' for \(Setting.outlineName)\(didYouMean(n, fields)) (fields: \(fields.joined(separator: ", ")))")
        }
        if name == nil {
            name = guessNameField(fields)
            if name == nil {
                warn([GeoWarning(.input, file: path, "\(path): no name field found (fields: \(fields.joined(separator: ", "))); boundaries drawn without names (name one with \(Setting.outlineName))")])
            }
        }
        guard let idField = name ?? fields.first else { throw GeoKitError.input(path, "the outline layer has no fields") }
        var layer = try VectorDataset(path: path).readZones(idField: idField, includeFields: name.map { [$0] } ?? [])
        layer.warnings += try layer.checkMyanmarText(myanmarText).warnings
        // Repaired geometries matter to statistics, not to a drawn line: only other warnings show.
        warn(layer.warnings.filter { $0.kind != .geometry })
        var gw: [GeoWarning] = []
        var o = try build(layer: layer, nameField: name, on: map, warnings: &gw)
        warn(gw)
        o.label = label.flatMap { $0.isEmpty ? nil : $0 } ?? levelLabel(fields: fields) ?? "Boundaries"
        return o
    }
}

/// A map written to a file: the SVG, or the PNG rsvg-convert draws from it.
public enum MapFile {
    /// rsvg-convert on the PATH, or an error saying how to get it.
    public static func findRsvgConvert() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/rsvg-convert"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw GeoKitError(.argument, "PNG output needs rsvg-convert, which is not installed: install Debian's librsvg2-bin (scripts/setup.sh does), or write .svg")
    }

    /// `svg` written atomically to `output`, or with `rsvg` (rsvg-convert's path) the PNG drawn
    /// from it at `zoom`.
    public static func write(_ svg: String, to output: String, rsvg: String?, zoom: Double) throws {
        try writeAtomically(output) { tmp in
            if let rsvg {
                let svgTmp = tmp + ".svg"
                defer { try? FileManager.default.removeItem(atPath: svgTmp) }
                try writeFileChecked(Data(svg.utf8), to: svgTmp, displayPath: output)
                try runRsvg(rsvg, svg: svgTmp, png: tmp, zoom: zoom)
            } else {
                try writeFileChecked(Data(svg.utf8), to: tmp, displayPath: output)
            }
        }
    }

    /// rsvg-convert drawing `svg` as `png` on white; its first line of error in the error.
    static func runRsvg(_ exe: String, svg: String, png: String, zoom: Double) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["--zoom", String(zoom), "--background-color", "white", "--format", "png", "-o", png, svg]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let msg = String(decoding: e, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "exit \(p.terminationStatus)"
            throw GeoKitError(.io, "rsvg-convert failed: \(msg)")
        }
    }
}
