import Foundation

// The metadata sidecar every geotool table carries (`out.csv.datapackage.json`, and the
// metadata row of a PostGIS table): a Frictionless Tabular Data Package, as one Codable
// type. Writers (zonal, batch, vector, join, formulas) fill it; readers (merge, map,
// report, batch's PostGIS step) decode it. Keys are snake_case as the sidecar has always
// written them; optional members are left out when nil. Encoded with sorted keys, pretty
// printed, slashes unescaped: the bytes JSONSerialization gave for the same content.

/// A geotool sidecar: one table (resource), its sources, the run and the method.
public struct DataPackage: Codable, Sendable, Equatable {
    public var profile = "tabular-data-package"
    public var name: String
    public var title: String
    public var description: String?
    public var created: String
    public var resources: [Resource]
    public var sources: [Source]
    public var geotool: Run
    public var zones: Zones?
    public var rasters: [RasterFile]?
    public var method: Method?
    public var batch: Batch?
    /// `geotool join` into PostGIS: points per match kind, and the coordinates read.
    public var match: [String: Int]?
    public var coordinates: String?
    public var warnings: [String]?
    public var limitations: [String]?
    public var myanmarText: MyanmarTextReport?

    public init(name: String, title: String, created: String, resources: [Resource], sources: [Source], geotool: Run) {
        self.name = name; self.title = title; self.created = created
        self.resources = resources; self.sources = sources; self.geotool = geotool
    }

    enum CodingKeys: String, CodingKey {
        case profile, name, title, description, created, resources, sources, geotool, zones, rasters, method, batch
        case match, coordinates, warnings, limitations
        case myanmarText = "myanmar_text"
    }

    /// The table's resource (a sidecar describes one table).
    public var resource: Resource {
        get { resources[0] }
        set { resources[0] = newValue }
    }

    // MARK: parts

    public struct Resource: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var profile = "tabular-data-resource"
        public var format: String
        public var mediatype: String?
        public var encoding: String?
        public var schema: Schema
        public var rows: Int
        public var dialect: Dialect?
        /// A GeoPackage's layers: the zones' rows, then one per roll-up level.
        public var layers: [Layer]?

        public init(name: String, path: String, format: String, mediatype: String? = nil, encoding: String? = "utf-8",
                    fields: [Field], rows: Int, dialect: Dialect? = nil) {
            self.name = name; self.path = path; self.format = format; self.mediatype = mediatype; self.encoding = encoding
            self.schema = Schema(fields: fields); self.rows = rows; self.dialect = dialect
        }
    }

    public struct Schema: Codable, Sendable, Equatable {
        public var fields: [Field]
        public var missingValues = [""]
        public init(fields: [Field]) { self.fields = fields }
    }

    /// A column: its name as written, type (`string`, `number`, `integer`), meaning, unit,
    /// HXL tag, and the formula of a derived column.
    public struct Field: Codable, Sendable, Equatable {
        public var name: String
        public var type: String?
        public var description: String?
        public var unit: String?
        public var hxl: String?
        public var formula: String?
        public init(name: String, type: String?, description: String? = nil, unit: String? = nil) {
            self.name = name; self.type = type; self.description = description; self.unit = unit
        }
    }

    /// A CSV's dialect: the header is row 1; an HXL row (row 2) is a comment row.
    public struct Dialect: Codable, Sendable, Equatable {
        public var delimiter: String?
        public var header = true
        public var headerRows = [1]
        public var commentRows: [Int]?
        public init(delimiter: String?, hxl: Bool) {
            self.delimiter = delimiter
            commentRows = hxl ? [2] : nil
        }
    }

    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var idField: String?
        public init(name: String, rows: Int, idField: String?) { self.name = name; self.rows = rows; self.idField = idField }
        enum CodingKeys: String, CodingKey { case name, rows, idField = "id_field" }
    }

    public struct Source: Codable, Sendable, Equatable {
        public var title: String?
        public var path: String
        public var sha256: String?
        public init(title: String?, path: String, sha256: String? = nil) { self.title = title; self.path = path; self.sha256 = sha256 }
    }

    /// The run that wrote the table.
    public struct Run: Codable, Sendable, Equatable {
        public var version: String
        public var gdal: String?
        public var command: String
        public var started: String?
        public var seconds: Double?
        public var format: String?
        public var hxl: Bool?
        /// A batch's formulas table: the manifest it comes from.
        public var manifest: String?
        /// A merged table: the part runs it comes from.
        public var parts: [Part]?
        public init(version: String, gdal: String?, command: String) { self.version = version; self.gdal = gdal; self.command = command }
    }

    public struct Part: Codable, Sendable, Equatable {
        public var part: Int
        public var path: String
        public var sha256: String
        public var command: String
        public var started: String
        public var seconds: Double
        public init(part: Int, path: String, sha256: String, command: String, started: String, seconds: Double) {
            self.part = part; self.path = path; self.sha256 = sha256; self.command = command; self.started = started; self.seconds = seconds
        }
    }

    /// How an input was identified: its SHA-256, or for a remote object its ETag or size
    /// and modification time (`checksum` says which).
    public struct Checksum: Codable, Sendable, Equatable {
        public var sha256: String?
        public var etag: String?
        public var checksum: String?
        /// From a digest as `fullHash` gives it: hex, `etag:...` or `size:...`.
        public init(digest: String) {
            if digest.hasPrefix("etag:") {
                etag = String(digest.dropFirst(5)); checksum = "etag (remote object: not read twice to hash it)"
            } else if digest.hasPrefix("size:") {
                checksum = "size and modification time (remote object without an ETag): " + digest
            } else {
                sha256 = digest
            }
        }
    }

    public struct Zones: Codable, Sendable, Equatable {
        public var path: String
        public var layer: String
        public var bytes: Int
        public var features: Int
        public var idField: String
        public var attribution: String
        public var checksum: Checksum
        public var pcodeVersion: String?
        public var idLevel: String?
        public var `where`: String?
        public init(path: String, layer: String, bytes: Int, features: Int, idField: String, attribution: String, checksum: Checksum) {
            self.path = path; self.layer = layer; self.bytes = bytes; self.features = features; self.idField = idField
            self.attribution = attribution; self.checksum = checksum
        }
        enum CodingKeys: String, CodingKey {
            case path, layer, bytes, features, attribution, `where`
            case idField = "id_field", pcodeVersion = "pcode_version", idLevel = "id_level"
        }
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path); layer = try c.decode(String.self, forKey: .layer)
            bytes = try c.decode(Int.self, forKey: .bytes); features = try c.decode(Int.self, forKey: .features)
            idField = try c.decode(String.self, forKey: .idField); attribution = try c.decode(String.self, forKey: .attribution)
            pcodeVersion = try c.decodeIfPresent(String.self, forKey: .pcodeVersion)
            idLevel = try c.decodeIfPresent(String.self, forKey: .idLevel)
            `where` = try c.decodeIfPresent(String.self, forKey: .where)
            checksum = try Checksum(from: d)   // flattened beside the other keys
        }
        public func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path); try c.encode(layer, forKey: .layer); try c.encode(bytes, forKey: .bytes)
            try c.encode(features, forKey: .features); try c.encode(idField, forKey: .idField); try c.encode(attribution, forKey: .attribution)
            try c.encodeIfPresent(pcodeVersion, forKey: .pcodeVersion); try c.encodeIfPresent(idLevel, forKey: .idLevel)
            try c.encodeIfPresent(`where`, forKey: .where)
            try checksum.encode(to: e)
        }
    }

    /// A raster file and the bands of it a table used.
    public struct RasterFile: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        /// A variable of a NetCDF file or Zarr store: the file `bytes` counts.
        public var file: String?
        public var bytes: Int
        public var crs: String
        public var crsAssumed: String?
        public var bandsTotal: Int
        public var pixelType: String
        public var checksum: Checksum
        public var grid: GridEntry
        public var bands: [Band]
        public init(name: String, path: String, file: String?, bytes: Int, crs: String, crsAssumed: String?, bandsTotal: Int,
                    pixelType: String, checksum: Checksum, grid: GridEntry, bands: [Band]) {
            self.name = name; self.path = path; self.file = file; self.bytes = bytes; self.crs = crs; self.crsAssumed = crsAssumed
            self.bandsTotal = bandsTotal; self.pixelType = pixelType; self.checksum = checksum; self.grid = grid; self.bands = bands
        }
        enum CodingKeys: String, CodingKey {
            case name, path, file, bytes, crs, grid, bands
            case crsAssumed = "crs_assumed", bandsTotal = "bands_total", pixelType = "pixel_type"
        }
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name); path = try c.decode(String.self, forKey: .path)
            file = try c.decodeIfPresent(String.self, forKey: .file); bytes = try c.decode(Int.self, forKey: .bytes)
            crs = try c.decode(String.self, forKey: .crs); crsAssumed = try c.decodeIfPresent(String.self, forKey: .crsAssumed)
            bandsTotal = try c.decode(Int.self, forKey: .bandsTotal); pixelType = try c.decode(String.self, forKey: .pixelType)
            grid = try c.decode(GridEntry.self, forKey: .grid); bands = try c.decode([Band].self, forKey: .bands)
            checksum = try Checksum(from: d)
        }
        public func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(path, forKey: .path); try c.encodeIfPresent(file, forKey: .file)
            try c.encode(bytes, forKey: .bytes); try c.encode(crs, forKey: .crs); try c.encodeIfPresent(crsAssumed, forKey: .crsAssumed)
            try c.encode(bandsTotal, forKey: .bandsTotal); try c.encode(pixelType, forKey: .pixelType)
            try c.encode(grid, forKey: .grid); try c.encode(bands, forKey: .bands)
            try checksum.encode(to: e)
        }
    }

    public struct GridEntry: Codable, Sendable, Equatable {
        public var columns: Int
        public var rows: Int
        public var cellSize: [Double]
        public var extent: [Double]
        public init(columns: Int, rows: Int, cellSize: [Double], extent: [Double]) {
            self.columns = columns; self.rows = rows; self.cellSize = cellSize; self.extent = extent
        }
        enum CodingKeys: String, CodingKey { case columns, rows, cellSize = "cell_size", extent }
    }

    /// A band: its number, nodata (a NaN nodata is written as null), description, date,
    /// unit, and scale and offset when they are not 1 and 0.
    public struct Band: Codable, Sendable, Equatable {
        public var band: Int
        public var nodata: Double?
        public var description: String?
        public var date: String?
        public var unit: String?
        public var scale: Double?
        public var offset: Double?
        public init(band: Int, nodata: Double?, description: String?, date: String?, unit: String?, scale: Double?, offset: Double?) {
            self.band = band; self.nodata = nodata; self.description = description; self.date = date; self.unit = unit
            self.scale = scale; self.offset = offset
        }
        enum CodingKeys: String, CodingKey { case band, nodata, description, date, unit, scale, offset }
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            band = try c.decode(Int.self, forKey: .band)
            // Present as null: a NaN nodata.
            nodata = c.contains(.nodata) ? try c.decodeIfPresent(Double.self, forKey: .nodata) ?? .nan : nil
            description = try c.decodeIfPresent(String.self, forKey: .description)
            date = try c.decodeIfPresent(String.self, forKey: .date); unit = try c.decodeIfPresent(String.self, forKey: .unit)
            scale = try c.decodeIfPresent(Double.self, forKey: .scale); offset = try c.decodeIfPresent(Double.self, forKey: .offset)
        }
        public func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(band, forKey: .band)
            if let nd = nodata { if nd.isFinite { try c.encode(nd, forKey: .nodata) } else { try c.encodeNil(forKey: .nodata) } }
            try c.encodeIfPresent(description, forKey: .description); try c.encodeIfPresent(date, forKey: .date)
            try c.encodeIfPresent(unit, forKey: .unit); try c.encodeIfPresent(scale, forKey: .scale); try c.encodeIfPresent(offset, forKey: .offset)
        }
    }

    /// How the values were computed. Zonal tables fill coverage, statistics and cell area;
    /// vector tables `layers` and `zones`; a formulas table `formulas`.
    public struct Method: Codable, Sendable, Equatable {
        public var coverage: String?
        public var coverageDefinition: String?
        public var statistics: [String: String]?
        public var cellArea: String?
        public var rollup: String?
        public var emptySum: String?
        public var areaUnit: String?
        public var rollupFilter: RollupFilter?
        public var formulas: Formulas?
        public var layers: [String]?
        public var zones: String?
        public init() {}
        enum CodingKeys: String, CodingKey {
            case coverage, statistics, rollup, formulas, layers, zones
            case coverageDefinition = "coverage_definition", cellArea = "cell_area", emptySum = "empty_sum"
            case areaUnit = "area_unit", rollupFilter = "rollup_filter"
        }
    }

    /// A roll-up of zones chosen by `--where`: which parents hold only some of their zones.
    public struct RollupFilter: Codable, Sendable, Equatable {
        public struct PartialParent: Codable, Sendable, Equatable {
            public var level: String
            public var code: String
            public var zones: Int
            public var zonesInLayer: Int
            public init(level: String, code: String, zones: Int, zonesInLayer: Int) {
                self.level = level; self.code = code; self.zones = zones; self.zonesInLayer = zonesInLayer
            }
            enum CodingKeys: String, CodingKey { case level, code, zones, zonesInLayer = "zones_in_layer" }
        }
        public var `where`: String
        public var rule: String
        public var partialParents: [PartialParent]
        public var countryRowLeftOut: String?
        public init(where w: String, rule: String, partialParents: [PartialParent], countryRowLeftOut: String?) {
            self.where = w; self.rule = rule; self.partialParents = partialParents; self.countryRowLeftOut = countryRowLeftOut
        }
        enum CodingKeys: String, CodingKey { case `where`, rule, partialParents = "partial_parents", countryRowLeftOut = "country_row_left_out" }
    }

    /// Derived indicators (`--formula`): each by name, the empty rule, the order of evaluation.
    public struct Formulas: Codable, Sendable, Equatable {
        public struct Definition: Codable, Sendable, Equatable {
            public var formula: String
            public var unit: String?
            public var description: String?
            public var zoneArea: String?
            public init(formula: String, unit: String?, description: String?, zoneArea: String? = nil) {
                self.formula = formula; self.unit = unit; self.description = description; self.zoneArea = zoneArea
            }
            enum CodingKeys: String, CodingKey { case formula, unit, description, zoneArea = "zone_area" }
        }
        public var formulas: [String: Definition]
        public var emptyRule: String
        public var order: [String]
        public init(formulas: [String: Definition], emptyRule: String, order: [String]) {
            self.formulas = formulas; self.emptyRule = emptyRule; self.order = order
        }
        enum CodingKeys: String, CodingKey { case formulas, emptyRule = "empty_rule", order }
    }

    /// A batch indicator's table: its manifest, source and derived series.
    public struct Batch: Codable, Sendable, Equatable {
        public var manifest: String
        public var indicator: String
        public var source: String
        public var files: Int
        public var bands: Int
        public var rowOrder: String
        public var unit: String?
        public var derived: [String: String]?
        public var derivedUnits: [String: String]?
        public init(manifest: String, indicator: String, source: String, files: Int, bands: Int, rowOrder: String) {
            self.manifest = manifest; self.indicator = indicator; self.source = source; self.files = files; self.bands = bands
            self.rowOrder = rowOrder
        }
        enum CodingKeys: String, CodingKey {
            case manifest, indicator, source, files, bands, unit, derived
            case rowOrder = "row_order", derivedUnits = "derived_units"
        }
    }

    /// Myanmar text found in the inputs: per column, values by encoding.
    public struct MyanmarTextReport: Codable, Sendable, Equatable {
        public struct Column: Codable, Sendable, Equatable {
            public var source: String
            public var file: String
            public var column: String
            public var unicode: Int
            public var zawgyi: Int
            public var ambiguous: Int
            public var converted: Int
            public init(source: String, file: String, column: String, unicode: Int, zawgyi: Int, ambiguous: Int, converted: Int) {
                self.source = source; self.file = file; self.column = column
                self.unicode = unicode; self.zawgyi = zawgyi; self.ambiguous = ambiguous; self.converted = converted
            }
        }
        public var mode: String
        public var method: String
        public var columns: [Column]
        public var conversion: String?
        public init(mode: String, method: String, columns: [Column], conversion: String?) {
            self.mode = mode; self.method = method; self.columns = columns; self.conversion = conversion
        }
    }
}

extension DataPackage {
    /// The media type of a table file by its extension.
    public static func mediaType(_ ext: String) -> String {
        switch ext {
        case "csv": return "text/csv"
        case "gpkg": return "application/geopackage+sqlite3"
        case "geojson": return "application/geo+json"
        case "fgb": return "application/flatgeobuf"
        case "shp": return "application/x-esri-shapefile"
        default: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }

    /// The sidecar's bytes: sorted keys, pretty printed, slashes as written.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// A sidecar read back; `path` names it in the error when it is not one geotool wrote.
    public static func decode(_ data: Data, path: String) throws -> DataPackage {
        do {
            return try JSONDecoder().decode(DataPackage.self, from: data)
        } catch {
            throw GeoKitError.input(path, "not a geotool metadata sidecar (\(DataPackage.decodingProblem(error)))")
        }
    }

    /// Whether `data` claims to be a geotool sidecar (has a `geotool` run): such a file must
    /// decode; a Data Package from another tool is read leniently by `TableMetadata`.
    public static func isGeotoolSidecar(_ data: Data) -> Bool {
        struct AnyRun: Decodable {}
        struct Marker: Decodable { var geotool: AnyRun? }
        return ((try? JSONDecoder().decode(Marker.self, from: data))?.geotool) != nil
    }

    /// A decoding error in a few words: the key path and what was wrong there.
    static func decodingProblem(_ error: Error) -> String {
        func path(_ c: [CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop(while: { $0 == "." }).description
        }
        switch error {
        case DecodingError.keyNotFound(let k, let ctx): return "\(path(ctx.codingPath + [k])) missing"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx): return "\(path(ctx.codingPath)): wrong type"
        case DecodingError.dataCorrupted(let ctx): return ctx.codingPath.isEmpty ? "not JSON" : "\(path(ctx.codingPath)): unreadable"
        default: return "\(error)"
        }
    }
}
