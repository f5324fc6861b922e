// Mean rainfall per MIMU township with GeoKit as a library: prints the ten wettest.
//   cd Examples && swift run township-means [ZONES] [RASTER]
import Foundation
import GeoCore
import GeoKit

let args = CommandLine.arguments
let zones = args.count > 1 ? args[1] : "../TestRasters/mimu/townships.json"
let raster = args.count > 2 ? args[2] : "../TestRasters/mimu/rainfall_dekad.tif"

do {
    let job = ZonalJob(zonesPath: zones, idField: "TS_PCODE",
                       rasters: [RasterSpec(name: "rain", path: raster)], stats: [.mean])
    let result = try job.run()
    // One band and one statistic: scalar[0] is the mean (NaN where no rain cell is covered).
    let wettest = result.units.filter { !$0.scalar[0].isNaN }.sorted { $0.scalar[0] > $1.scalar[0] }
    print("TS_PCODE,name,mean")
    for unit in wettest.prefix(10) {
        print("\(unit.id),\(unit.name),\(formatNumber(unit.scalar[0]))")
    }
} catch {
    FileHandle.standardError.write("township-means: \(error)\n".data(using: .utf8)!)
    exit(1)
}
