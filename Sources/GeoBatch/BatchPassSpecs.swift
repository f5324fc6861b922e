import GeoKit

extension BatchRunner {
    /// The rasters of a pass: a file whose every band is in it is one spec, opened and dated
    /// once as `zonal` reads a multi-band file (a spec per band would open the file and read
    /// its time axis once per band: quadratic in a daily NetCDF's bands); else a spec per
    /// band. Either way the pass's output bands are its items, in order.
    package func passSpecs(_ ind: BatchIndicator, _ chunk: Pass) -> [RasterSpec] {
        var out: [RasterSpec] = []
        var k = 0
        while k < chunk.items.count {
            let s = chunk.items[k].source
            var j = k
            while j < chunk.items.count && chunk.items[j].source.path == s.path { j += 1 }
            let bands = chunk.items[k..<j].map(\.band)
            if s.bands.count > 1 && bands == s.bands && s.bands == Array(1...s.bands.count) {
                out.append(RasterSpec(name: ind.name, path: s.path))
            } else {
                out += bands.map { RasterSpec(name: ind.name, path: s.path, band: $0) }
            }
            k = j
        }
        return out
    }
}
