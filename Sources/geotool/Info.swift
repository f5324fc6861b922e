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
        abstract: "Describe a raster (size, grid, CRS, bands, nodata, blocks) or a vector layer.",
        discussion: "Run it on every input before a zonal run: it shows the field names to pass to --id."
    )

    @Argument(help: "A raster or vector file GDAL can read.")
    var file: String

    func run() throws {
        if let r = try? Raster(path: file) {
            print(r.describe(), terminator: "")
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
