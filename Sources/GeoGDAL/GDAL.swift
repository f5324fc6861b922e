import CGeo
import Foundation
import GeoCore

// The C boundary. GeoGDAL is the only target that imports CGeo (GDAL/OGR/OSR/CPL, GEOS,
// PROJ, OpenSSL's libcrypto); everything above it sees Swift values and classes that free
// their handles in deinit. This file holds the GDAL setup (per thread) and error handling:
// GDAL's messages never reach stderr directly: errors are turned into thrown
// `GeoKitError`s by the calls that fail, warnings are collected as `GeoWarning`s.

/// Messages GDAL raised as warnings. Each job owns one (`collecting`), set on its own thread
/// and on its pools' workers, so that two jobs running at once in one process keep their
/// warnings apart; a thread outside any job collects into `shared`.
public final class GDALMessages: @unchecked Sendable, WorkerContext {
    private let lock = NSLock()
    private var items: [String] = []
    /// The collector of threads that run no job.
    public static let shared = GDALMessages()

    public init() {}

    /// The collector of the job running on this thread (`shared` outside a job).
    public static var current: GDALMessages {
        WorkerContexts.current.last { $0 is GDALMessages } as? GDALMessages ?? shared
    }

    /// Run `body` (a job) with GDAL's warnings of this thread, and of the workers of every pool
    /// it runs, collected here.
    public func collecting<T>(_ body: () throws -> T) rethrows -> T {
        try WorkerContexts.with(self, body)
    }

    /// On a thread that starts working for the job: this collector on top of the thread's
    /// error-handler stack, itself as the handler's user data.
    public func enter() {
        GDAL.initialize()
        CPLPushErrorHandlerEx(collectingHandler, Unmanaged.passUnretained(self).toOpaque())
    }

    public func leave() { CPLPopErrorHandler() }

    /// Each message once: a notice about a file (GeoPackage's `user_version`) comes again
    /// from every handle that opens it.
    package func append(_ s: String) { lock.lock(); if items.count < 1000 && !items.contains(s) { items.append(s) }; lock.unlock() }
    public func drain() -> [GeoWarning] {
        lock.lock(); defer { items.removeAll(); lock.unlock() }
        return items.map { GeoWarning(isFormatVersionNote($0) ? .notice : .gdal, $0) }
    }
}

/// GDAL 3.6 on a GeoPackage of a later version (1.4, as QGIS and GDAL 3.7+ write them): "This
/// version of GeoPackage user_version=... may only be partially supported". It reads them
/// (a GeoPackage 1.4 adds nothing zones need), and said it on every run.
func isFormatVersionNote(_ message: String) -> Bool {
    message.contains("user_version=") && message.hasSuffix("may only be partially supported")
}

/// The handler of threads outside any job (pushed once per thread by `GDAL.initialize`).
private let gdalErrorHandler: CPLErrorHandler = { errClass, _, message in
    // Called on whichever thread raised it. Errors stay readable via CPLGetLastErrorMsg.
    if errClass == CE_Warning, let message {
        GDALMessages.shared.append(String(cString: message))
    }
}

/// A job's handler: its collector is the handler's user data (`GDALMessages.enter`).
private let collectingHandler: CPLErrorHandler = { errClass, _, message in
    guard errClass == CE_Warning, let message, let data = CPLGetErrorHandlerUserData() else { return }
    Unmanaged<GDALMessages>.fromOpaque(data).takeUnretainedValue().append(String(cString: message))
}

public enum GDAL {
    /// Process-wide, once: the drivers, and netCDF's chunk cache before any file is opened
    /// (the first open sizes it; the slice of the default --max-memory GDAL's block cache gets).
    private static let registered: Void = {
        GDALAllRegister()
        GDAL.setNetCDFChunkCache(bytes: 64 << 20)
        PhaseTiming.mark("GDAL drivers registered")
    }()

    /// Marks a thread whose GDAL state is set (its value is never read, only its presence).
    private static let threadKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Register the drivers (once), and set this thread's GDAL state (once per thread): its
    /// configuration (no `.aux.xml` beside the user's rasters, GeoJSON objects of any size)
    /// as thread-local options, and our warning collector pushed on its error-handler stack.
    /// Nothing process-wide changes, so another GDAL user in the process (osgeo.gdal, a
    /// plugin) keeps its own settings and handler. Every call that opens a GDAL or OGR
    /// dataset calls this first.
    public static func initialize() {
        _ = registered
        guard pthread_getspecific(threadKey) == nil else { return }
        CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
        CPLSetThreadLocalConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0")
        CPLPushErrorHandler(gdalErrorHandler)
        // HDF5 prints its error stack to stderr on any failed call, libnetcdf's probes for
        // optional attributes included (GDAL reports the errors that matter). Its setting is
        // per thread: each worker that opens a netCDF file needs it too. Not under the HDF5
        // lock: the call is HDF5's own (thread-safe) on this thread's stack, and a thread's
        // first GDAL call may come under the lock (MultidimArray's open), which is not reentrant.
        geokit_h5_quiet()
        pthread_setspecific(threadKey, UnsafeRawPointer(bitPattern: 1))
    }

    /// Set the block cache size in bytes (call before the first read).
    /// netCDF chunks get as much again, per file opened from now on (NetCDFChunkCache.swift).
    public static func setCacheMax(_ bytes: Int) {
        initialize(); GDALSetCacheMax64(GIntBig(bytes)); setNetCDFChunkCache(bytes: bytes)
    }

    package static func lastError(_ fallback: String) -> String {
        guard let m = CPLGetLastErrorMsg() else { return fallback }
        let s = String(cString: m).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? fallback : s
    }

    /// Whether HDF5 would print this thread's errors to stderr (tests).
    package static var hdf5PrintsErrors: Bool { HDF5Access.locked { geokit_h5_prints_errors() != 0 } }

    public static var version: String { String(cString: GDALVersionInfo("RELEASE_NAME")) }
}
