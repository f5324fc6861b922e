import Foundation
import GeoCore
import GeoGDAL

/// Dates of a raster's bands: one per line in `PATH.bands.txt` beside it, else from the CF
/// time coordinate of a NetCDF variable, else each band's description when it looks like a
/// date (YYYY, YYYY-MM, YYYY-MM-DD).
package func bandDates(path: String, raster: Raster) throws -> [String?] {
    try bandDatesAndSource(path: path, raster: raster).dates
}

/// The band dates (see `bandDates`) and where they come from.
package func bandDatesAndSource(path: String, raster: Raster) throws -> (dates: [String?], source: BandDateSource) {
    let sidecar = path + ".bands.txt"
    if let text = try? String(contentsOfFile: sidecar, encoding: .utf8) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count == raster.bands.count else {
            throw GeoKitError.input(sidecar, "\(lines.count) date(s) for \(raster.bands.count) band(s)")
        }
        return (lines, .sidecar(sidecar))
    }
    if let cf = try raster.cfBandDates() {
        let calendar = (try? raster.cfTime())??.axis.calendar
        return (cf, calendar.map { .cfTime($0) } ?? .none)
    }
    let described: [String?] = raster.bands.map { b in
        let d = b.description
        return isBandDate(d) ? d : nil
    }
    return (described, described.contains { $0 != nil } ? .descriptions : .none)
}
