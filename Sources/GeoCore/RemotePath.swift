// Paths that GDAL reads over the network (object storage and HTTP): they are not local
// files, so no stat, realpath or fopen applies to them (docs/distributed.md).

/// GDAL's network file systems, streaming variants included.
public let remoteVSIPrefixes = ["/vsis3/", "/vsigs/", "/vsiaz/", "/vsiadls/", "/vsioss/", "/vsiswift/",
                                "/vsicurl/", "/vsiwebhdfs/", "/vsihdfs/",
                                "/vsis3_streaming/", "/vsigs_streaming/", "/vsiaz_streaming/",
                                "/vsioss_streaming/", "/vsiswift_streaming/", "/vsicurl_streaming/"]

/// Whether `path` (or the file inside a chained path such as `/vsizip//vsis3/b/a.zip`) is
/// read over the network.
public func isRemotePath(_ path: String) -> Bool {
    remoteVSIPrefixes.contains { path.hasPrefix($0) || path.contains("/" + $0) || path.contains(":" + $0) }
}
