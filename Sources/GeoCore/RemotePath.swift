// Paths that GDAL reads over the network (object storage and HTTP): they are not local
// files, so no stat, realpath or fopen applies to them (docs/distributed.md).

/// GDAL's network file systems, streaming variants included.
public let remoteVSIPrefixes = ["/vsis3/", "/vsigs/", "/vsiaz/", "/vsiadls/", "/vsioss/", "/vsiswift/",
                                "/vsicurl/", "/vsiwebhdfs/", "/vsihdfs/",
                                "/vsis3_streaming/", "/vsigs_streaming/", "/vsiaz_streaming/",
                                "/vsioss_streaming/", "/vsiswift_streaming/", "/vsicurl_streaming/"]

/// Whether `path` (or the file inside a chained path such as `/vsizip//vsis3/b/a.zip`, or
/// a subdataset name such as `NETCDF:"/vsis3/b/a.nc":precip`) is read over the network.
public func isRemotePath(_ path: String) -> Bool {
    // Most paths name no /vsi file system: one scan of the bytes rules them out (each
    // `contains` below is a Foundation search, and workers ask for every raster they open).
    guard containsVSI(path) else { return false }
    return remoteVSIPrefixes.contains {
        path.hasPrefix($0) || path.contains("/" + $0) || path.contains(":" + $0) || path.contains("\"" + $0)
    }
}

/// Whether `path`'s bytes hold "/vsi" anywhere.
private func containsVSI(_ path: String) -> Bool {
    var path = path
    return path.withUTF8 { b in
        guard b.count >= 4 else { return false }
        for i in 0...(b.count - 4) where b[i] == 0x2F && b[i + 1] == 0x76 && b[i + 2] == 0x73 && b[i + 3] == 0x69 { return true }
        return false
    }
}
