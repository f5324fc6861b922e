import Foundation
import GeoCore
import GeoGDAL

// `geotool merge`: the parts of one `geotool zonal --part I/N` run into its table. The
// parts are checked first (each whole and unedited, all of one run, every index once),
// then read one at a time, in index order, into the single run's finishing code: each
// zone's accumulators fill its row and go to its parents in the order a single run would
// hand them on. Only one part is in memory at a time (except for roll-ups over a second
// grid, whose zones come in another order and are sorted first). Parts split by rows hold
// row bands' partials instead, folded here in band order; zones crossing a part boundary
// stay open until their last band.


public struct MergeResult: Sendable {
    public var result: ZonalResult
    /// The inputs' SHA-256 as the parts recorded them.
    public var hashes: [String: String]
    public var parts: [DataPackage.Part]
}

public enum ZonalMerge {
    /// Check `paths` and merge them; `keepGeometry` for outputs that carry the zones'.
    public static func run(_ paths: [String], keepGeometry: Bool, progress: ((Int, Int) -> Void)? = nil) throws -> MergeResult {
        guard !paths.isEmpty else { throw GeoKitError.argument("give the part files to merge") }
        let headers = try checkParts(paths)
        let first = headers[0]
        var job = try ZonalJob(partOptions: first.run.job, path: first.path)
        job.keepGeometry = keepGeometry
        let p = try job.prepare()
        try checkSameInputs(first, job, p)
        let ordered = headers.sorted { $0.part < $1.part }
        let merger = PartMerger(job: job, p, first: first)
        for gi in p.groups.indices {
            try merger.mergeGroup(gi, of: ordered) { k in progress?(gi * ordered.count + k + 1, p.groups.count * ordered.count) }
        }
        let result = try job.finish(p, merger.takeState())
        let hashes = first.run.inputs
        let parts = ordered.map { h in
            DataPackage.Part(part: h.part, path: h.path, sha256: h.sha256, command: h.record.command, started: h.record.started, seconds: h.record.seconds)
        }
        return MergeResult(result: result, hashes: hashes, parts: parts)
    }

    /// The zones (or the rasters) read now must be those the parts read.
    private static func checkSameInputs(_ first: PartHeader, _ job: ZonalJob, _ p: PreparedRun) throws {
        let ids = SHA256.hex(text: p.input.zones.map(\.id).joined(separator: "\n"))
        let z = first.run.zones
        if z.idsSha256 != ids || z.count != p.input.zones.count {
            throw GeoKitError.input(job.zonesPath, "the zones differ from those the parts were computed on (\(z.count) zones then, \(p.input.zones.count) now); rerun the parts")
        }
        if first.run.bands != p.bands.map(\.label) {
            throw GeoKitError.input(job.rasters[0].path, "the rasters' bands differ from those the parts were computed on; rerun the parts")
        }
    }

    /// The inputs (zones, rasters...) the run of part file `path` read: no output may be one.
    public static func inputs(ofPart path: String) throws -> [String] {
        let h = try PartFile(path: path).header
        return try ZonalJob(partOptions: h.run.job, path: path).inputPaths
    }

    /// Read every part's header (checking each file whole), and refuse parts of different
    /// runs, duplicated parts and missing ones.
    static func checkParts(_ paths: [String]) throws -> [PartHeader] {
        var headers: [PartHeader] = []
        for path in paths { headers.append(try PartFile(path: path).header) }
        let a = headers[0]
        for h in headers.dropFirst() {
            if h.geotool != a.geotool {
                throw GeoKitError.input(h.path, "made by geotool \(h.geotool), but \(a.path) by geotool \(a.geotool); parts of one run come from one geotool version")
            }
            if h.parts != a.parts || h.split != a.split {
                throw GeoKitError.input(h.path, "is part \(h.part)/\(h.parts) (split by \(h.split)), but \(a.path) is part \(a.part)/\(a.parts) (split by \(a.split)); parts of one run share N and the split")
            }
            if let why = difference(a, h) {
                throw GeoKitError.input(h.path, "is a part of a different run than \(a.path): \(why)")
            }
        }
        var byIndex: [Int: String] = [:]
        for h in headers {
            if let other = byIndex[h.part] {
                throw GeoKitError.input(h.path, "part \(h.part)/\(h.parts) is given twice (also as \(other)); give each part once")
            }
            byIndex[h.part] = h.path
        }
        let missing = (0..<a.parts).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let list = missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? ", ... (\(missing.count) in all)" : "")
            throw GeoKitError.input(a.path, "part(s) \(list) of \(a.parts) are missing (parts count from 0 to \(a.parts - 1)); run them (\(Setting.part, "I/\(a.parts)")) and give every part to merge")
        }
        return headers
    }

    /// What differs between two parts' runs, in words, or nil.
    private static func difference(_ a: PartHeader, _ b: PartHeader) -> String? {
        if a.run.inputs != b.run.inputs {
            let ia = a.run.inputs, ib = b.run.inputs
            if let p = ia.keys.sorted().first(where: { ib[$0] != nil && ib[$0] != ia[$0] }) {
                return "the input \(p) has another SHA-256 (it changed between the part runs)"
            }
            return "other input files (\(ib.keys.sorted().joined(separator: ", ")) instead of \(ia.keys.sorted().joined(separator: ", ")))"
        }
        if a.run.job != b.run.job {
            return "other options (\(a.run.job.differences(from: b.run.job).joined(separator: "; ")))"
        }
        if a.run.zones != b.run.zones { return "other zones" }
        if a.run != b.run {
            let differing = (a.run.bandRows != b.run.bandRows ? ["band_rows"] : []) + (a.run.bands != b.run.bands ? ["bands"] : [])
            return "another band cut or other bands (\(differing.joined(separator: ", ")))"
        }
        return nil
    }
}


/// The parts' records handed to one run's finishing code, a grid group at a time, each
/// group from every part in index order. A class: the part reader's closures add to the
/// results it holds.
private final class PartMerger {
    let job: ZonalJob
    let p: PreparedRun
    /// The first part given (its split is every part's; errors about the whole name it).
    let first: PartHeader
    var state: ResultState
    // The group being merged: records held for sorting, accumulators handed on, and for
    // --split rows each zone's last band, its sources so far and those done.
    private var held: [(key: Int, zone: Int, first: Int, accs: [ZoneStats])] = []
    private var delivered = 0
    private var lastBand: [Int] = []
    private var open: [Int: [ZoneStats?]] = [:]
    private var sourcesDone: [Int: Int] = [:]

    init(job: ZonalJob, _ p: PreparedRun, first: PartHeader) {
        self.job = job; self.p = p; self.first = first
        state = job.startResults(p)
    }

    /// The merged rows, handed on without a copy (the merger is done with them).
    func takeState() -> ResultState {
        var taken = ResultState(units: [], zoneScalar: .empty, scalarWidth: 0, rollup: nil, warnings: [])
        swap(&taken, &state)
        return taken
    }

    /// Group `gi` of every part of `ordered`; `partDone(k)` after the k-th part.
    func mergeGroup(_ gi: Int, of ordered: [PartHeader], partDone: (Int) -> Void) throws {
        job.beginGroup(gi, p, &state)
        // Roll-up sums depend on the order zones reach their parents: parts follow the
        // first grid's order; other grids' zones are sorted into theirs.
        let sortFirst = gi > 0 && state.rollup != nil && first.split == PartSplit.zones.rawValue
        held = []; delivered = 0; open = [:]; sourcesDone = [:]
        // --split rows: row bands' partials, folded per zone in band order as the
        // engine's merger does; a zone is done at its last band.
        lastBand = first.split == PartSplit.rows.rawValue ? job.completionKeys(gi, p, zones: Array(p.input.zones.indices)) : []
        for (k, h) in ordered.enumerated() {
            try readGroup(gi, of: h, sortFirst: sortFirst)
            partDone(k)
        }
        if sortFirst {
            held.sort { $0.key != $1.key ? $0.key < $1.key : $0.zone != $1.zone ? $0.zone < $1.zone : $0.first < $1.first }
            for r in held { job.add(gi, p, &state, zone: r.zone, first: r.first, r.accs) }
        }
        guard delivered == p.input.zones.count * p.groups[gi].bands.count else {
            throw GeoKitError.input(first.path, "the parts do not hold every zone once (\(delivered) accumulators for \(p.input.zones.count) zones x \(p.groups[gi].bands.count) bands); rerun the parts")
        }
        job.endGroup(gi, p, &state)
    }

    /// Part `h`'s records of group `gi`: zones' accumulators handed on (or held to be
    /// sorted), row bands' partials folded.
    private func readGroup(_ gi: Int, of h: PartHeader, sortFirst: Bool) throws {
        let part = try PartFile(path: h.path)
        guard part.header.sha256 == h.sha256 else {
            throw GeoKitError.input(h.path, "the part file changed while it was being merged")
        }
        try part.forEachRecord({ g, z, firstBand, key, accs in
            guard g == gi else { return }
            guard z < self.p.input.zones.count, firstBand + accs.count <= self.p.groups[gi].bands.count else {
                throw GeoKitError.input(h.path, "corrupt part file (a zone or band out of range); rerun that part")
            }
            self.delivered += accs.count
            if sortFirst { self.held.append((key, z, firstBand, accs)) } else { self.job.add(gi, self.p, &self.state, zone: z, first: firstBand, accs) }
        }, band: { g, b, firstSource, partial in
            guard g == gi, !self.lastBand.isEmpty else { return }
            try self.foldBand(gi, h, b, firstSource, partial)
        })
    }

    /// Row band `b`'s partials into their zones' accumulators; a zone whose every source
    /// has had its last band is handed on.
    private func foldBand(_ gi: Int, _ h: PartHeader, _ b: Int, _ firstSource: Int, _ partial: BandPartial) throws {
        let nSources = p.groups[gi].bands.count
        let nZ = partial.zones.count
        let nS = nZ == 0 ? 0 : partial.stats.count / nZ
        guard firstSource + nS <= nSources else {
            throw GeoKitError.input(h.path, "corrupt part file (a band out of range); rerun that part")
        }
        for (zi, z) in partial.zones.enumerated() {
            guard z < lastBand.count else { throw GeoKitError.input(h.path, "corrupt part file (a zone out of range); rerun that part") }
            var acc = open.removeValue(forKey: z) ?? [ZoneStats?](repeating: nil, count: nSources)
            for k in 0..<nS {
                let s = partial.stats[k * nZ + zi]
                if acc[firstSource + k] == nil { acc[firstSource + k] = s } else { acc[firstSource + k]!.merge(s) }
            }
            if lastBand[z] == b { sourcesDone[z, default: 0] += nS }
            if sourcesDone[z] == nSources {
                sourcesDone[z] = nil
                var accs = acc.map { $0! }
                if !p.zoneAreas.isEmpty { for k in accs.indices { accs[k].zoneArea = p.zoneAreas[z] } }
                delivered += nSources
                job.add(gi, p, &state, zone: z, first: 0, accs)
            } else {
                open[z] = acc
            }
        }
    }
}
