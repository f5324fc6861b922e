import Foundation

// Every zone of a run prepared on one grid, in flat buffers. With 10^5 small zones, an
// edge array per zone is an allocation each, and a reference count touched (by two
// threads) each time a row band asks for the zone's coverage; here the polygons' edges of
// 4,096 zones share one array, and a coverage reads a slice of it. Point and line zones
// (few) keep their cell weights.

package struct PreparedZones: Sendable {
    /// Zones in chunks of `chunkSize` (a power of two), each chunk's edges in one array:
    /// zone z's are chunks[z >> chunkShift].edges[starts[k]..<starts[k + 1]], k = z's place
    /// in its chunk. The chunks are made in parallel and never joined (copying 10^6 edges
    /// into one array was a third of the preparation).
    private var chunks: [Chunk] = []
    /// Each zone's cells on the grid (its bounds' window within the grid; empty for none).
    package private(set) var windows: [Window] = []
    package var count: Int { windows.count }
    private static let chunkShift = 12, chunkSize = 1 << chunkShift

    private struct Chunk: Sendable {
        var edges: [GridPolygon.Edge] = []
        var starts: [Int] = [0]
        var bounds: [GridPolygon.Bounds] = []
        /// Point and line zones by their place in the chunk.
        var cells: [Int: CellWeights] = [:]
    }

    /// Zones in chunks on `threads` threads.
    package init(_ zones: [Zone], on grid: Grid, threads: Int) {
        var made = [Chunk](repeating: Chunk(), count: (zones.count + Self.chunkSize - 1) / Self.chunkSize)
        // Windows are read by zone index by the engine: one array of them, each chunk's
        // written in place by the thread that made it (joined afterwards, they were 6 MB
        // copied into fresh pages on one thread for 200,000 zones).
        windows = [Window](unsafeUninitializedCapacity: zones.count) { windowsOut, initialized in
            let windowsOut = windowsOut
            made.withUnsafeMutableBufferPointer { out in
                let out = out
                zones.withUnsafeBufferPointer { zones in
                    WorkerPool(threads: threads).run(count: zones.count, chunk: Self.chunkSize) { k, range in
                        out[k] = Self.chunk(UnsafeBufferPointer(rebasing: zones[range]), on: grid,
                                            windows: UnsafeMutableBufferPointer(rebasing: windowsOut[range]))
                    }
                }
            }
            initialized = zones.count
        }
        chunks = made
    }

    /// One chunk of zones, read in place (a copy of each zone retained and released every
    /// part of it); their windows initialised in `windows` (as many as the zones).
    private static func chunk(_ zones: UnsafeBufferPointer<Zone>, on grid: Grid, windows: UnsafeMutableBufferPointer<Window>) -> Chunk {
        var c = Chunk()
        c.starts.reserveCapacity(zones.count + 1)
        c.bounds.reserveCapacity(zones.count)
        // At most an edge per point: room for all of them once, not grown by doubling.
        var points = 0
        for k in zones.indices {
            for p in zones[k].geometry.polygons { points += p.shell.points.count; for h in p.holes { points += h.points.count } }
        }
        c.edges.reserveCapacity(points)
        for k in zones.indices {
            if !zones[k].points.isEmpty || !zones[k].lines.isEmpty {
                c.cells[k] = zones[k].points.isEmpty ? CellWeights(lines: zones[k].lines, on: grid) : CellWeights(points: zones[k].points, on: grid)
                c.bounds.append(GridPolygon.Bounds())
            } else {
                c.bounds.append(GridPolygon.appendEdges(of: zones[k].geometry, on: grid, to: &c.edges))
            }
            c.starts.append(c.edges.count)
        }
        let full = grid.full
        for k in zones.indices {
            let w: Window
            if !c.cells.isEmpty, let cw = c.cells[k] { w = cw.window(in: full) }
            else { w = c.starts[k + 1] > c.starts[k] ? c.bounds[k].window(in: full) : Window(row: 0, col: 0, rows: 0, cols: 0) }
            (windows.baseAddress! + k).initialize(to: w)
        }
        return c
    }

    /// The coverages of zones `ids`, each within its window cut to `rows`, in one list (in
    /// the order of `ids`). One pass holds the shared buffers for all of them.
    package func coverages(of ids: [Int], rows: Window, _ method: CoverageMethod) -> CoverageList {
        var list = CoverageList()
        coverages(of: ids, rows: rows, method, into: &list)
        return list
    }

    /// The same into `list`, emptied first but its storage kept: a worker that fills one
    /// list for every row band faults its pages in once, not once per band (with 10^5
    /// small zones a band's spans are megabytes of fresh pages, and their faults were a
    /// twentieth of the run's CPU).
    package func coverages(of ids: [Int], rows: Window, _ method: CoverageMethod, into list: inout CoverageList) {
        var events = EventList()
        list.removeAll()
        list.starts.reserveCapacity(ids.count + 1)
        list.spans.reserveCapacity(Self.expectedSpans(of: ids, rows: rows, windows: windows))
        windows.withUnsafeBufferPointer { windows in
            // Runs of ids in one chunk (the engine's ids are in order) share its buffers.
            var i = 0
            while i < ids.count {
                let ci = ids[i] >> Self.chunkShift
                var j = i + 1
                while j < ids.count && ids[j] >> Self.chunkShift == ci { j += 1 }
                let hasCells = !chunks[ci].cells.isEmpty
                chunks[ci].edges.withUnsafeBufferPointer { edges in
                    chunks[ci].starts.withUnsafeBufferPointer { starts in
                        for z in ids[i..<j] {
                            let window = windows[z].intersection(rows)
                            let k = z & (Self.chunkSize - 1)
                            let lo = starts[k], hi = starts[k + 1]
                            if hasCells, let c = chunks[ci].cells[k] {
                                list.spans += c.coverage(in: window).spans
                            } else if method == .exact {
                                GridPolygon.exactCoverage(edges: UnsafeBufferPointer(rebasing: edges[lo..<hi]), in: window, events: &events,
                                                          appendingTo: &list.spans)
                            } else {
                                let p = GridPolygon(edges: Array(edges[lo..<hi]), bounds: chunks[ci].bounds[k])
                                list.spans += p.coverage(method, in: window, events: &events).spans
                            }
                            list.endZone()
                        }
                    }
                }
                i = j
            }
        }
    }

    /// About how many spans the coverages of zones `ids` cut to `rows` hold, so that the
    /// list is allocated once: with 10^5 small zones, growing it by doubling (a copy of
    /// every span so far, into fresh pages) cost a twentieth of the run. A zone of r rows
    /// and c columns has at most r * c spans (one per cell); a compact one about one
    /// interior run per row plus its boundary cells (about 2 (r + c)). An estimate only:
    /// a longer boundary still grows the list.
    package static func expectedSpans(of ids: [Int], rows: Window, windows: [Window]) -> Int {
        var n = 0
        for z in ids {
            let w = windows[z].intersection(rows)
            guard !w.isEmpty else { continue }
            n += min(w.rows * w.cols, 3 * w.rows + 2 * w.cols)
        }
        return n
    }
}
