import Foundation
import GeoCore

// What the manifest check asks of the files a manifest names. The parser (BatchManifest.swift
// and the files extending `ManifestParser`) touches no file and no GDAL handle itself: it asks
// a probe. A real run's probe is `GDALManifestProbe` (GDAL and the file system); tests and the
// fuzzer give one over files held in memory, so a manifest is parsed and checked without GDAL.
// A probe's errors name the file and carry no line: the parser adds the manifest's line.

/// What is at a path.
package enum ManifestPathKind: Sendable, Equatable { case file, folder }

/// A raster's band dates as `bandDates` finds them (PATH.bands.txt, a CF time coordinate, or
/// band descriptions that are dates).
package struct ManifestBandDates: Sendable, Equatable {
    /// One per band (nil: that band has no date).
    package var dates: [String?]
    /// Whether the raster has a CF time coordinate and no PATH.bands.txt: its dates are days of
    /// its calendar (30 February in 360_day), not checked as Gregorian dates.
    package var fromCFTime: Bool
    /// That coordinate's calendar (nil: none, or Gregorian by default).
    package var calendar: CFCalendar?

    package init(dates: [String?], fromCFTime: Bool = false, calendar: CFCalendar? = nil) {
        self.dates = dates; self.fromCFTime = fromCFTime; self.calendar = calendar
    }
}

/// A gridded variable of a NetCDF file or Zarr store: its name and the dataset name it is opened by.
package struct ManifestVariable: Sendable, Equatable {
    package var name: String
    package var dataset: String

    package init(name: String, dataset: String) { self.name = name; self.dataset = dataset }
}

package protocol ManifestProbe {
    /// A local path: a file, a folder, or nil (nothing there). A remote path: `.file` when the
    /// object can be read, else nil.
    func kind(of path: String) -> ManifestPathKind?
    /// A text file's contents (nil: it cannot be read as UTF-8 text).
    func text(of path: String) -> String?
    /// The first `count` bytes of a file (nil: it cannot be read).
    func head(of path: String, count: Int) -> Data?
    /// The names in a folder (nil: no such folder).
    func entries(of folder: String) -> [String]?
    /// The field names of a vector layer (nil: the file's only or first layer).
    func vectorFields(_ path: String, layer: String?) throws -> [String]
    /// The number of bands of a raster.
    func bandCount(_ path: String) throws -> Int
    /// The dates of a raster's bands.
    func bandDates(_ path: String) throws -> ManifestBandDates
    /// The gridded variables of a raster file (none: a plain raster), and whether the file
    /// opens as a raster with bands of its own.
    func variables(_ path: String) throws -> (variables: [ManifestVariable], hasBands: Bool)
}
