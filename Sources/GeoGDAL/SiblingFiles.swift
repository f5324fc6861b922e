import CGeo
import Foundation
import GeoCore

// GDAL's GeoTIFF driver lists a raster's folder after each open, the first time it looks for
// a sidecar (a world file, `.aux`, an external mask `.msk`): its "sibling files". A run opens
// each raster several times (its metadata, then a handle per worker and pass), and a batch
// over 516 monthly files in one folder listed that folder 8,257 times, 518 names each: 2.2 s
// of the kernel's time in a run of 9 s of CPU. (A list handed to GDALOpenEx does not help:
// the 3.6 driver lists again.) In a folder of more than `manyNames` names each open here
// sets GDAL_DISABLE_READDIR_ON_OPEN for itself, GDAL's own mode for such folders (it drops
// its listing past GDAL_READDIR_LIMIT_ON_OPEN, 1,000 names, the same way): no listing, each
// sidecar looked up by name, in lower and upper case. Small folders keep GDAL's listing (its
// matching ignores case altogether). The names are counted once per folder and counted
// again when the folder changes. Remote (`/vsi...`) and subdataset names, and a user's own
// GDAL_DISABLE_READDIR_ON_OPEN, are left to GDAL.

package enum SiblingFiles {
    /// Above this many names a folder's listing costs more than looking sidecars up by name.
    package static let manyNames = 100

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counts: [String: (stamp: FolderStamp, names: Int)] = [:]
    /// Folders counted so far (tests).
    nonisolated(unsafe) package private(set) static var foldersCounted = 0

    /// `GDALOpenEx(path, flags)`, without GDAL's listing of the folder where it holds many names.
    static func open(_ path: String, flags: UInt32) -> GDALDatasetH? {
        guard skipsListing(path) else { return GDALOpenEx(path, flags, nil, nil, nil) }
        return withThreadLocalOption("GDAL_DISABLE_READDIR_ON_OPEN", "TRUE") { GDALOpenEx(path, flags, nil, nil, nil) }
    }

    /// Whether opening `path` (a local file) goes without GDAL's listing of its folder.
    package static func skipsListing(_ path: String) -> Bool {
        guard !path.hasPrefix("/vsi"), datasetFile(path) == path, CPLGetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", nil) == nil,
              isFile(path) else { return false }
        let folder = String(cString: CPLGetDirname(path))
        guard let stamp = FolderStamp(folder) else { return false }
        lock.lock()
        defer { lock.unlock() }
        if let known = counts[folder], known.stamp == stamp { return known.names > manyNames }
        // GDAL's own listing call, stopped one name past the threshold.
        let names = VSIReadDirEx(folder, Int32(manyNames + 1))
        defer { CSLDestroy(names) }
        let count = Int(CSLCount(names))
        foldersCounted += 1
        counts[folder] = (stamp, count)
        return count > manyNames
    }

    /// Whether `path` is there and not a folder (GDAL lists the siblings of such names only).
    private static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR
    }

    /// `body` with GDAL configuration option `key` set to `value` on this thread, then as it was.
    private static func withThreadLocalOption<T>(_ key: String, _ value: String, _ body: () -> T) -> T {
        let previous = CPLGetThreadLocalConfigOption(key, nil).map { String(cString: $0) }
        CPLSetThreadLocalConfigOption(key, value)
        defer { CPLSetThreadLocalConfigOption(key, previous) }
        return body()
    }
}

/// What tells a folder's names are still the ones counted: a name added or removed changes
/// the folder's modification time.
struct FolderStamp: Equatable {
    var device: UInt64, inode: UInt64, seconds: Int, nanoseconds: Int

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        seconds = st.st_mtim.tv_sec
        nanoseconds = st.st_mtim.tv_nsec
    }
}
