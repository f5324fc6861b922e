import CGeo
import Foundation
import GeoCore

/// What the object store says about a remote input (`/vsis3/`, `/vsigs/`, `/vsiaz/`,
/// `/vsicurl/`...), from one HEAD request through GDAL: its size, modification time and
/// ETag. The sidecar and batch's change detection record the ETag instead of a SHA-256,
/// which would read the whole object a second time over the network.
public struct RemoteObject: Sendable, Equatable {
    public var size: Int64
    public var mtime: Int64
    /// The ETag without its quotes, nil when the server sends none (some HTTP servers).
    public var etag: String?

    public init(path: String) throws {
        // VSIStatBufL is `struct stat64`, opaque to Swift; on 64-bit Linux it is `struct stat`.
        var st = stat()
        CPLErrorReset()
        let status = withUnsafeMutablePointer(to: &st) {
            VSIStatExL(path, OpaquePointer($0), VSI_STAT_EXISTS_FLAG | VSI_STAT_SIZE_FLAG | VSI_STAT_SET_ERROR_FLAG)
        }
        guard status == 0 else {
            let msg = String(cString: CPLGetLastErrorMsg())
            throw GeoKitError.input(path, "cannot read the remote object" + (msg.isEmpty ? "" : " (\(msg))"))
        }
        size = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec)
        etag = nil
        // GDAL keeps the HEAD response's headers; after the stat above this is no new request.
        if let list = VSIGetFileMetadata(path, "HEADERS", nil) {
            defer { CSLDestroy(list) }
            var i = 0
            while let entry = list[i] {
                let kv = String(cString: entry)
                if let eq = kv.firstIndex(of: "="), kv[..<eq].lowercased() == "etag" {
                    etag = kv[kv.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                }
                i += 1
            }
        }
    }

    /// The checksum recorded for the object: `etag:ETAG`, or when the server gives no ETag
    /// `size:BYTES;mtime:SECONDS` (weaker, and said so in the sidecar).
    public var digest: String {
        if let etag, !etag.isEmpty { return "etag:" + etag }
        return "size:\(size);mtime:\(mtime)"
    }
}

/// The size of an input in bytes, local or remote (0 when it cannot be read).
public func inputSize(_ path: String) -> Int {
    if isRemotePath(path) { return (try? RemoteObject(path: path)).map { Int($0.size) } ?? 0 }
    return ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

