import ArgumentParser
import Foundation
import GeoCore
import GeoGDAL
import GeoJoin
import GeoBatch
import GeoRender
import GeoKit

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a raster (size, grid, CRS, bands, nodata, dates) or a vector layer.",
        discussion: "Run it on every input before a zonal run: it shows the field names to pass to --id, and a raster's band dates (from RASTER.bands.txt, a CF time coordinate or the band descriptions), summarised for a series (--bands: every band)."
    )

    @Argument(help: "A raster or vector file GDAL can read.")
    var file: String

    @Flag(help: "A line per band of a raster (its date, pixel type, nodata, unit, description); by default the bands are summarised.")
    var bands = false

    func run() throws {
        if let r = try? Raster(path: file) {
            let info = RasterInfo(raster: r)
            print(info.text(bands: bands) + (!bands && info.hasBandDetails ? "band details: geotool info --bands \(shellQuote(r.path))\n" : ""),
                  terminator: "")
            return
        }
        // A NetCDF file or Zarr store of several variables: which ones, and how to name one.
        if let (variables, hasBands) = try? rasterVariables(path: file), !variables.isEmpty, !hasBands {
            var s = "raster container: \(file)\n\(variables.count) variables; describe one with geotool info \(shellQuote(variables[0].dataset)):\n"
            for v in variables { s += "  \(v.name): \(v.dataset)\n" }
            print(s, terminator: "")
            return
        }
        do {
            let v = try VectorDataset(path: file)
            print(try v.describe(), terminator: "")
        } catch {
            if !FileManager.default.fileExists(atPath: file) { fail("\(file): no such file") }
            fail("\(file): neither a raster nor a vector layer GDAL can read")
        }
    }
}
