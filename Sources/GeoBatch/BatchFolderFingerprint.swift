import Foundation
import GeoCore
import GeoGDAL

/// The fingerprint of a folder (a Zarr store), nil for anything else: the total size of its
/// files, the newest modification time of its files and folders (a chunk rewritten, added
/// or removed moves it), and for the head the SHA-256 of its entries' relative names and
/// sizes. A store whose times alone changed is then compared by its full SHA-256, as a file.
package func folderFingerprint(_ path: String) throws -> BatchFingerprint? {
    var st = stat()
    guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
    var size: Int64 = 0
    var newest = modificationTime(st)
    var lines: [String] = []
    guard let walker = FileManager.default.enumerator(atPath: path) else { throw GeoKitError.input(path, "cannot read the folder") }
    while let rel = walker.nextObject() as? String {
        var es = stat()
        guard lstat(path + "/" + rel, &es) == 0 else { throw GeoKitError.input(path + "/" + rel, "cannot read (\(String(cString: strerror(errno))))") }
        let t = modificationTime(es)
        if t.sec > newest.sec || (t.sec == newest.sec && t.nsec > newest.nsec) { newest = t }
        if (es.st_mode & S_IFMT) == S_IFREG { size += Int64(es.st_size); lines.append("\(rel)\t\(es.st_size)") }
    }
    return BatchFingerprint(size: size, mtime: "\(newest.sec).\(newest.nsec)", head: SHA256.hex(text: lines.sorted().joined(separator: "\n")))
}

private func modificationTime(_ st: stat) -> (sec: Int, nsec: Int) {
    #if os(Linux)
    (Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
    #else
    (Int(st.st_mtimespec.tv_sec), Int(st.st_mtimespec.tv_nsec))
    #endif
}
