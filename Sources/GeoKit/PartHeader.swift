import Foundation
import GeoCore

// What a part file's header records (JSON after its records, see PartFile.swift): which
// run (options, inputs, zones, band cut) and which part. Codable, with the keys part files
// have always had; the merge compares two parts' runs member by member.

/// The options that shape the results, as a part file records them (threads, memory and
/// output options are not among them). Options at their default are left out, so part files
/// of default runs keep their bytes.
struct PartOptions: Codable, Equatable {
    var zones: String
    var layer: String?
    var id: String
    var includeCols: [String]
    var rasters: [String]
    var weights: String?
    var stats: [String]
    var method: String
    var rollup: [String]?
    var allowDuplicateIds: Bool?
    var units: [String: String]?
    var distinctRasterNames: Bool?
    var `where`: String?
    var gazetteer: String?
    var country: String?
    var nameCol: String?
    var minCoverage: Double?
    var bufferM: Double?
    var emptySum: String?
    var myanmarText: String?
    /// Evaluated by the merge, after its roll-up.
    var formulas: [String]?
    var operations: [String]?
    var classes: [String: String]?
    var areaUnit: String?

    enum CodingKeys: String, CodingKey {
        case zones, layer, id, rasters, weights, stats, method, rollup, units, `where`, gazetteer, country, formulas, operations, classes
        case includeCols = "include_cols", allowDuplicateIds = "allow_duplicate_ids", distinctRasterNames = "distinct_raster_names"
        case nameCol = "name_col", minCoverage = "min_coverage", bufferM = "buffer_m", emptySum = "empty_sum"
        case myanmarText = "myanmar_text", areaUnit = "area_unit"
    }

    /// The options whose values differ, as `key: THEIRS instead of MINE` ("none" when absent).
    func differences(from other: PartOptions) -> [String] {
        guard case .object(let mine)? = try? JSONValue(encoding: self), case .object(let theirs)? = try? JSONValue(encoding: other) else { return [] }
        func text(_ v: JSONValue?) -> String { v?.canonicalText ?? "none" }
        return Set(mine.keys).union(theirs.keys).sorted().filter { mine[$0] != theirs[$0] }
            .map { "\($0): \(text(theirs[$0])) instead of \(text(mine[$0]))" }
    }
}

/// The run a part belongs to: every part of one run records the same.
struct PartRun: Codable, Equatable {
    struct Zones: Codable, Equatable {
        var count: Int
        var idsSha256: String
        enum CodingKeys: String, CodingKey { case count, idsSha256 = "ids_sha256" }
    }
    var job: PartOptions
    /// Each input's SHA-256 (or "unreadable").
    var inputs: [String: String]
    var zones: Zones
    /// Rows per band of the engine's band cut, per raster group.
    var bandRows: [Int]
    /// The bands' labels.
    var bands: [String]
    enum CodingKeys: String, CodingKey { case job, inputs, zones, bands, bandRows = "band_rows" }
}

/// A part file's header as written.
struct PartHeaderRecord: Codable, Equatable {
    var format = "geotool zonal part"
    var geotool: String
    var part: Int
    var parts: Int
    var split: String
    var run: PartRun
    var zonesInPart: Int
    var records: Int
    var command: String
    var started: String
    var seconds: Double
    enum CodingKeys: String, CodingKey {
        case format, geotool, part, parts, split, run, records, command, started, seconds
        case zonesInPart = "zones_in_part"
    }
}

/// What a part file says about itself and its run, with where it was read and its checksum.
struct PartHeader {
    var path: String
    var sha256: String
    var record: PartHeaderRecord
    var part: Int { record.part }
    var parts: Int { record.parts }
    var split: String { record.split }
    var geotool: String { record.geotool }
    var run: PartRun { record.run }
}
