import Foundation
import GeoCore
import GeoGDAL
import GeoKit

/// The floor no zonal tool can beat: decode every block of every band once, in parallel,
/// with the engine's row bands and one GDAL handle per worker, and do nothing else (a
/// checksum keeps the reads from being optimised away).
enum ReadFloor {
    static func run(path: String, threads: Int, maxMemory: Int = 512 << 20) throws -> (cells: Int, checksum: Double) {
        let r = try Raster(path: path)
        GDAL.setCacheMax(max(16 << 20, maxMemory / 8))
        let opener = Raster.opener(path: path)
        let sources = r.bands.map { BandSource(raster: opener, band: $0.index, info: $0) }
        var opts = EngineOptions(); opts.threads = threads; opts.maxMemory = maxMemory
        let engine = ZonalEngine(grid: r.grid, areaModel: .planar(metresPerUnit: 1), sources: sources, options: opts)
        let bandRows = engine.rowsPerBand(readCols: r.grid.cols)
        let nBands = (r.grid.rows + bandRows - 1) / bandRows
        let total = Checksum()
        final class Worker {
            let raster: Raster
            var buffers = BandBuffers()
            var sum = 0.0
            init(_ r: Raster) { raster = r }
            deinit { buffers.release() }
        }
        try WorkerPool(threads: threads).run(tasks: nBands, state: { Worker(try Raster(path: path)) }, task: { w, b in
            let win = Window(row: b * bandRows, col: 0, rows: min(bandRows, r.grid.rows - b * bandRows), cols: r.grid.cols)
            for s in sources {
                let p = w.buffers.values(bytes: win.cellCount * s.info.type.size)
                try w.raster.read(band: s.band, window: win, as: s.info.type, into: p)
                w.sum += Double(p.load(fromByteOffset: (win.cellCount / 2) * s.info.type.size, as: UInt8.self))
            }
        }, finish: { w in total.add(w.sum) })
        return (r.grid.rows * r.grid.cols * r.bands.count, total.value)
    }
}

final class Checksum: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0.0
    func add(_ v: Double) { lock.lock(); value += v; lock.unlock() }
}
