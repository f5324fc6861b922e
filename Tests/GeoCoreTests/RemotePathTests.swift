import XCTest
import GeoCore

/// Which paths GDAL reads over the network (every prefix, chained and subdataset forms) and
/// which it does not (local files, local /vsi file systems, "vsi" elsewhere in a name).
final class RemotePathTests: XCTestCase {
    func testRemotePaths() {
        for prefix in remoteVSIPrefixes {
            XCTAssertTrue(isRemotePath(prefix + "bucket/a.tif"), prefix)
            XCTAssertTrue(isRemotePath("/vsizip/" + prefix + "bucket/a.zip/a.tif"), prefix)
            XCTAssertTrue(isRemotePath("NETCDF:\"" + prefix + "bucket/a.nc\":precip"), prefix)
        }
        for local in ["/data/ntl.tif", "ntl.tif", "", "/v", "/vsi", "/vsimem/a.tif", "/vsizip//data/a.zip/a.tif",
                      "/data/vsis3/a.tif", "/data/avsis3/x.tif", "NETCDF:\"/data/a.nc\":precip", "/données/ပုံ.tif"] {
            XCTAssertFalse(isRemotePath(local), local)
        }
    }
}
