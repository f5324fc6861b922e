import CGeo
import Foundation
import GeoCore

/// A zip archive written with GDAL's own zip writer (cpl_minizip, deflate), so that no
/// other library is needed for the spreadsheets geotool writes. Every call is checked, and
/// `close` verifies the archive ends with its central directory: a full disk is an error,
/// never a truncated file. Errors name `displayPath`.
final class ZipWriter {
    private var handle: UnsafeMutableRawPointer?
    private let path: String, displayPath: String

    init(path: String, displayPath: String) throws {
        self.path = path
        self.displayPath = displayPath
        GDAL.initialize()
        CPLErrorReset()
        guard let h = CPLCreateZip(path, nil) else { throw fail("cannot create") }
        handle = h
    }

    deinit { if let handle { CPLCloseZip(handle) } }

    private func fail(_ what: String) -> GeoKitError {
        GeoKitError.io(displayPath, "cannot write: \(what): \(GDAL.lastError("unknown error").replacingOccurrences(of: path, with: displayPath))")
    }

    /// Add a file named `name` holding `bytes`.
    func add(_ name: String, _ bytes: [UInt8]) throws {
        guard let handle else { throw fail("the archive is closed") }
        CPLErrorReset()
        guard CPLCreateFileInZip(handle, name, nil) == CE_None else { throw fail("cannot add \(name)") }
        // CPLWriteFileInZip takes an Int32 length: write in slices below 2 GB.
        var offset = 0
        let step = 1 << 30
        let ok = bytes.withUnsafeBytes { buf -> Bool in
            while offset < buf.count {
                let n = min(step, buf.count - offset)
                if CPLWriteFileInZip(handle, buf.baseAddress! + offset, Int32(n)) != CE_None { return false }
                offset += n
            }
            return true
        }
        let closed = CPLCloseFileInZip(handle) == CE_None
        guard ok && closed else { throw fail("cannot add \(name) (disk full?)") }
    }

    /// Finish the archive (its central directory) and check it is complete.
    func close() throws {
        guard let h = handle else { return }
        handle = nil
        CPLErrorReset()
        let ok = CPLCloseZip(h) == CE_None
        if !ok || CPLGetLastErrorType() == CE_Failure || !isCompleteZip(path) {
            throw GeoKitError.io(displayPath, "cannot write: the zip archive is incomplete (disk full?)")
        }
    }
}
