import Foundation
import GeoCore
import GeoGDAL

// `geotool info` on a raster: what a zonal run will read. A series of hundreds of bands is
// summarised (count, pixel type, nodata, unit, first and last date, calendar), with every
// band on request: 516 lines of identical bands hide the one thing that differs.

/// Where a raster's band dates come from (see `bandDates`).
public enum BandDateSource: Sendable, Equatable {
    /// `PATH.bands.txt` beside the raster, one date a line.
    case sidecar(String)
    /// The CF time coordinate of a NetCDF or Zarr variable, in its calendar.
    case cfTime(CFCalendar)
    /// Band descriptions that read as dates.
    case descriptions
    case none
}

/// A raster described for people.
public struct RasterInfo {
    public let raster: Raster
    /// The band dates (nil: undated band) and where they come from; or the problem that
    /// keeps them from being read (a `.bands.txt` with another count of lines...).
    public let dates: [String?]
    public let dateSource: BandDateSource
    public let dateProblem: String?

    public init(raster: Raster) {
        self.raster = raster
        do {
            (dates, dateSource) = try bandDatesAndSource(path: raster.path, raster: raster)
            dateProblem = nil
        } catch {
            dates = Array(repeating: nil, count: raster.bands.count); dateSource = .none
            dateProblem = (error as? GeoKitError)?.messageWithHint ?? "\(error)"
        }
    }

    /// The text `geotool info` prints: the grid and CRS, then a summary of the bands, and
    /// with `bands` a line per band (without, a front end may say how to see them when
    /// `hasBandDetails`).
    public func text(bands perBand: Bool) -> String {
        let r = raster, g = r.grid
        var s = "raster: \(r.path)\n"
        s += "driver: \(r.driverName)\n"
        s += "size: \(g.cols) x \(g.rows) cells, \(r.bands.count) band\(r.bands.count == 1 ? "" : "s")\n"
        s += "grid: origin (\(g.left), \(g.top)), cell \(g.dx) x \(g.dy)\n"
        s += "extent: \(g.extent)\n"
        s += crsLine() + "\n"
        s += bandSummary()
        if perBand {
            for b in r.bands { s += bandLine(b) + "\n" }
        }
        return s
    }

    /// Whether the summary leaves out details a line per band would give (several bands).
    public var hasBandDetails: Bool { raster.bands.count > 1 }

    /// The CRS the raster reports, and why when it was taken from CF coordinates.
    func crsLine() -> String {
        guard let srs = raster.spatialReference else { return "crs: none" }
        return "crs: \(srs.shortName)\(srs.isGeographic ? " (geographic: cell areas from the ellipsoid)" : "")"
            + (raster.crsAssumedFromCF ? ", assumed: \(cfAssumedCRSNote)" : "")
    }

    /// One line for what every band shares, a line for each property that varies, and
    /// the dates.
    func bandSummary() -> String {
        let bands = raster.bands
        var shared: [String] = ["\(bands.count)"]
        var varying: [String] = []
        func property(_ name: String, _ values: [String], none: String? = nil) {
            let distinct = Set(values)
            if distinct.count == 1 {
                if !values[0].isEmpty { shared.append(values[0]) } else if let none { shared.append(none) }
            } else {
                varying.append("\(name): " + runs(values.map { $0.isEmpty ? (none ?? "none") : $0 }))
            }
        }
        property("pixel type", bands.map(\.type.rawValue))
        property("block", bands.map { "block \($0.blockCols) x \($0.blockRows)" })
        property("nodata", bands.map { $0.nodata.map { "nodata \(formatNumber($0))" } ?? "" }, none: "no nodata")
        property("unit", bands.map { $0.unit.map { "unit \($0)" } ?? "" })
        property("scale", bands.map { $0.scale != 1 || $0.offset != 0 ? "scale \($0.scale) offset \($0.offset)" : "" })
        property("mask", bands.map { $0.hasMask ? "mask band" : "" })
        var s = "bands: " + shared.joined(separator: ", ") + "\n"
        for v in varying { s += "  " + v + "\n" }
        s += datesLine() + "\n"
        let described = bands.filter { !$0.description.isEmpty }
        if dateSource != .descriptions, let first = described.first, let last = described.last {
            s += "descriptions: \"\(first.description)\" (band \(first.index))"
            if described.count > 1 { s += " ... \"\(last.description)\" (band \(last.index)); \(described.count) bands described" }
            s += "\n"
        }
        return s
    }

    /// First and last date, how many bands are dated, and where the dates come from.
    func datesLine() -> String {
        if let dateProblem { return "dates: none read: \(dateProblem)" }
        let dated = dates.enumerated().compactMap { i, d in d.map { (i + 1, $0) } }
        guard let first = dated.first, let last = dated.last else {
            return "dates: none (no \((raster.path as NSString).lastPathComponent).bands.txt, CF time coordinate or dated band descriptions)"
        }
        var s = "dates: \(first.1)"
        if dated.count > 1 { s += " to \(last.1)" }
        s += dated.count == dates.count ? ", \(dated.count) band\(dated.count == 1 ? "" : "s")" : ", \(dated.count) of \(dates.count) bands dated"
        switch dateSource {
        case .sidecar(let p): s += ", from \(p)"
        case .cfTime(let c): s += ", from the CF time coordinate\ncalendar: \(calendarName(c))"
        case .descriptions: s += ", from the band descriptions"
        case .none: break
        }
        return s
    }

    /// One band in full: its date first, then what `bands:` summarises.
    func bandLine(_ b: BandInfo) -> String {
        var s = "band \(b.index):"
        if let d = dates[b.index - 1] { s += " \(d)," }
        s += " \(b.type.rawValue), block \(b.blockCols) x \(b.blockRows)"
        if let nd = b.nodata { s += ", nodata \(formatNumber(nd))" }
        if let u = b.unit { s += ", unit \(u)" }
        if b.scale != 1 || b.offset != 0 { s += ", scale \(b.scale) offset \(b.offset)" }
        if b.hasMask { s += ", mask band" }
        if !b.description.isEmpty { s += ", \"\(b.description)\"" }
        return s
    }
}

/// A CF calendar as its attribute names it, with what it means.
func calendarName(_ c: CFCalendar) -> String {
    switch c {
    case .gregorian: return "standard (Gregorian)"
    case .noLeap: return "noleap (365-day years)"
    case .allLeap: return "all_leap (366-day years)"
    case .days360: return "360_day (twelve 30-day months)"
    }
}

/// Values of consecutive bands grouped: "Float32 (bands 1-500), Int16 (bands 501-516)";
/// after six runs, the count of the rest.
func runs(_ values: [String]) -> String {
    var parts: [String] = []
    var start = 0
    for i in 1...values.count where i == values.count || values[i] != values[start] {
        let bands = i - start == 1 ? "band \(start + 1)" : "bands \(start + 1)-\(i)"
        parts.append("\(values[start]) (\(bands))")
        start = i
    }
    return parts.count > 6 ? parts.prefix(6).joined(separator: ", ") + ", ... (\(parts.count - 6) more runs; see \(Setting.bands))" : parts.joined(separator: ", ")
}
