import Foundation
import GeoCore
import GeoGDAL

/// `NAME=PATH[:BAND]` as given on the command line. Names become column prefixes, so they
/// hold only [A-Za-z0-9_]: an explicit NAME that does not is refused; a name taken from the
/// file's stem is made so (`rain dekad.tif` -> `rain_dekad`), with a warning.
public struct RasterSpec: Sendable, Equatable {
    public var name: String
    public var path: String
    public var band: Int?
    /// The spec as given (`rain=a.tif:2`), for messages.
    public var given: String
    /// The file's stem when `name` was made from it by replacing other characters.
    public var sanitisedFrom: String?
    /// The raster, when it is held in memory rather than read from `path` (which then names it).
    public var memory: MemoryRaster?

    public init(name: String, path: String, band: Int? = nil) {
        self.name = name; self.path = path; self.band = band
        given = "\(name)=\(path)" + (band.map { ":\($0)" } ?? "")
    }

    public static func == (a: RasterSpec, b: RasterSpec) -> Bool { a.name == b.name && a.path == b.path && a.band == b.band }

    public init(parsing text: String) throws {
        var rest = text
        var name: String?
        if let eq = text.firstIndex(of: "="), !text[..<eq].contains("/") {
            name = String(text[..<eq]); rest = String(text[text.index(after: eq)...])
        }
        var band: Int?
        if let colon = rest.lastIndex(of: ":"), let b = Int(rest[rest.index(after: colon)...]) {
            guard b >= 1 else { throw GeoKitError.argument("\(text): band numbers start at 1") }
            band = b; rest = String(rest[..<colon])
        }
        guard !rest.isEmpty else { throw GeoKitError.argument("'\(text)': expected NAME=PATH[:BAND]") }
        if let name, name.isEmpty {
            throw GeoKitError.argument("\(Setting.raster, "'\(text)'"): the name before '=' is empty; give one (NAME=PATH) or leave out the '=' to take the file's name")
        }
        if let name, !name.isEmpty {
            guard isColumnName(name) else {
                throw GeoKitError.argument("\(Setting.raster, "'\(text)'"): the name '\(name)' may hold only letters, digits and _ (it starts the column names); e.g. \(columnName(name))=\(rest)")
            }
            self.init(name: name, path: rest, band: band)
        } else {
            // A variable of a file (NETCDF:"f.nc":precip) is named after the variable.
            let stem = datasetFile(rest) != rest ? variableName(ofDataset: rest)
                : ((rest as NSString).lastPathComponent as NSString).deletingPathExtension
            let clean = columnName(stem)
            self.init(name: clean, path: rest, band: band)
            if clean != stem { sanitisedFrom = stem }
        }
        given = text
    }
}

/// Whether `s` is a column-name prefix: [A-Za-z0-9_]+.
package func isColumnName(_ s: String) -> Bool {
    !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" }
}

/// `s` with every character outside [A-Za-z0-9_] replaced by `_` (runs collapsed, ends trimmed).
package func columnName(_ s: String) -> String {
    var out = ""
    for ch in s.unicodeScalars {
        let ok = (ch.isASCII && (ch.properties.isAlphabetic || ("0"..."9").contains(ch))) || ch == "_"
        if ok { out.unicodeScalars.append(ch) } else if !out.hasSuffix("_") { out += "_" }
    }
    while out.hasSuffix("_") && out.count > 1 { out.removeLast() }
    while out.hasPrefix("_") && out.count > 1 { out.removeFirst() }
    return out.isEmpty || out == "_" ? "raster" : out
}
