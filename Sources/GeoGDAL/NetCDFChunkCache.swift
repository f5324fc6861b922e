import Foundation

// netCDF-4 (HDF5) files keep decompressed chunks in a cache of their own, below GDAL's block
// cache: one per variable, shared by every handle the process opens on the file (HDF5 opens
// a file once), sized when the file is first opened, 16 MB by default. A chunk spans several
// bands (time steps) and blocks, and the engine reads a row band one band at a time: when
// the chunks under the workers' row bands do not fit, every band decompresses them all again
// (a (10, 256, 256) float chunk is 2.6 MB; two workers on a 1,056-column grid need 21 MB:
// 7x the decompression at 16 MB). GDAL 3.6 has no option for it: the netCDF library's
// default is set directly.
extension GDAL {
    private typealias SetChunkCache = @convention(c) (Int, Int, Float) -> Int32

    /// Chunk cache of each netCDF variable of the files opened from now on. No-op when GDAL
    /// was built without netCDF.
    package static func setNetCDFChunkCache(bytes: Int) {
        // The netCDF library is loaded with GDAL (a dependency of libgdal): look it up by name.
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "nc_set_chunk_cache") else { return }
        // Many slots: HDF5 evicts on slot collision, so small chunks need many to stay cached;
        // preemption 0.75 is the library's default.
        _ = unsafeBitCast(sym, to: SetChunkCache.self)(bytes, 10007, 0.75)
    }
}
