import Foundation

/// The floor no zonal tool can beat: decode every block of every band once, in parallel,
/// with the engine's row bands and one GDAL handle per worker, and do nothing else (a
/// checksum keeps the reads from being optimised away).
public enum ReadFloor {
    public static func run(path: String, threads: Int, maxMemory: Int = 512 << 20) throws -> (cells: Int, checksum: Double) {
        let r = try Raster(path: path)
        GDAL.setCacheMax(max(16 << 20, maxMemory / 8))
        let sources = r.bands.map { BandSource(path: path, band: $0.index, info: $0) }
        var opts = EngineOptions(); opts.threads = threads; opts.maxMemory = maxMemory
        let engine = ZonalEngine(grid: r.grid, areaModel: .planar(metresPerUnit: 1), sources: sources, options: opts)
        let bandRows = engine.rowsPerBand(readCols: r.grid.cols)
        let nBands = (r.grid.rows + bandRows - 1) / bandRows
        let next = AtomicCounter(), failure = FirstError()
        let total = Checksum()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, nBands))) { _ in
            do {
                let h = try Raster(path: path)
                var buffers = BandBuffers()
                defer { buffers.release() }
                var sum = 0.0
                while failure.error == nil {
                    let b = next.next()
                    if b >= nBands { break }
                    let w = Window(row: b * bandRows, col: 0, rows: min(bandRows, r.grid.rows - b * bandRows), cols: r.grid.cols)
                    for s in sources {
                        let p = buffers.values(bytes: w.cellCount * s.info.type.size)
                        try h.read(band: s.band, window: w, as: s.info.type, into: p)
                        sum += Double(p.load(fromByteOffset: (w.cellCount / 2) * s.info.type.size, as: UInt8.self))
                    }
                }
                total.add(sum)
            } catch { failure.set(error) }
        }
        if let e = failure.error { throw e }
        return (r.grid.rows * r.grid.cols * r.bands.count, total.value)
    }
}

final class Checksum: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0.0
    func add(_ v: Double) { lock.lock(); value += v; lock.unlock() }
}
