import Foundation

// Every zone of a run prepared on one grid, in flat buffers. With 10^5 small zones, an
// edge array per zone is an allocation each, and a reference count touched (by two
// threads) each time a row band asks for the zone's coverage; here the polygons' edges
// share one array, zone z's at edges[starts[z]..<starts[z + 1]], and a coverage reads a
// slice of it. Point and line zones (few) keep their cell weights.

package struct PreparedZones: Sendable {
    package private(set) var edges: [GridPolygon.Edge] = []
    package private(set) var starts: [Int] = [0]
    package private(set) var bounds: [GridPolygon.Bounds] = []
    /// Each zone's cells on the grid (its bounds' window within the grid; empty for none).
    package private(set) var windows: [Window] = []
    /// Point and line zones by index.
    package private(set) var cells: [Int: CellWeights] = [:]
    package var count: Int { bounds.count }

    /// Zones in chunks on `threads` threads; the chunks are joined in order.
    package init(_ zones: [Zone], on grid: Grid, threads: Int) {
        let perTask = 4096
        let tasks = (zones.count + perTask - 1) / perTask
        guard tasks > 1 else { self.init(zones[...], on: grid); return }
        var parts = [PreparedZones](repeating: PreparedZones(), count: tasks)
        parts.withUnsafeMutableBufferPointer { out in
            let out = out
            // The work throws nothing (the pool's error is never set).
            try? WorkerPool(threads: threads).run(tasks: tasks) { k in
                let r = (k * perTask)..<min(zones.count, (k + 1) * perTask)
                out[k] = PreparedZones(zones[r], on: grid)
            }
        }
        // Joined in parallel too: each chunk copies into its place (one thread copying
        // 10^6 edges was a tenth of the preparation).
        self.init()
        var edgeBase = [0], zoneBase = [0]
        for p in parts { edgeBase.append(edgeBase.last! + p.edges.count); zoneBase.append(zoneBase.last! + p.bounds.count) }
        let nEdges = edgeBase.last!, nZones = zoneBase.last!
        let pool = WorkerPool(threads: threads)
        func join<T>(_ total: Int, _ base: [Int], _ part: @escaping (PreparedZones) -> [T]) -> [T] {
            [T](unsafeUninitializedCapacity: total) { buf, n in
                let out = buf.baseAddress!
                try? pool.run(tasks: parts.count) { k in
                    part(parts[k]).withUnsafeBufferPointer { (out + base[k]).initialize(from: $0.baseAddress!, count: $0.count) }
                }
                n = total
            }
        }
        edges = join(nEdges, edgeBase) { $0.edges }
        bounds = join(nZones, zoneBase) { $0.bounds }
        windows = join(nZones, zoneBase) { $0.windows }
        starts = [Int](unsafeUninitializedCapacity: nZones + 1) { buf, n in
            let out = buf.baseAddress!
            out.initialize(to: 0)
            try? pool.run(tasks: parts.count) { k in
                let local = parts[k].starts
                for i in 1..<local.count { (out + zoneBase[k] + i).initialize(to: edgeBase[k] + local[i]) }
            }
            n = nZones + 1
        }
        for p in parts where !p.cells.isEmpty { cells.merge(p.cells) { a, _ in a } }
    }

    private init() {}

    /// Zones `zones` (a slice keeps the run's indexes: point and line zones are found by them).
    private init(_ zones: ArraySlice<Zone>, on grid: Grid) {
        starts.reserveCapacity(zones.count + 1)
        bounds.reserveCapacity(zones.count)
        for (i, zone) in zip(zones.indices, zones) {
            if !zone.points.isEmpty || !zone.lines.isEmpty {
                let c = zone.points.isEmpty ? CellWeights(lines: zone.lines, on: grid) : CellWeights(points: zone.points, on: grid)
                cells[i] = c
                bounds.append(GridPolygon.Bounds())
            } else {
                bounds.append(GridPolygon.appendEdges(of: zone.geometry, on: grid, to: &edges))
            }
            starts.append(edges.count)
        }
        // Windows by local position k (starts and bounds) and the run's index (cells).
        let full = grid.full, first = zones.startIndex
        windows = (0..<zones.count).map { k in
            if !cells.isEmpty, let c = cells[first + k] { return c.window(in: full) }
            return starts[k + 1] > starts[k] ? bounds[k].window(in: full) : Window(row: 0, col: 0, rows: 0, cols: 0)
        }
    }

    /// The coverages of zones `ids`, each within its window cut to `rows`, in one list (in
    /// the order of `ids`). One pass holds the shared buffers for all of them.
    package func coverages(of ids: [Int], rows: Window, _ method: CoverageMethod) -> CoverageList {
        var events = EventList()
        var list = CoverageList()
        list.starts.reserveCapacity(ids.count + 1)
        edges.withUnsafeBufferPointer { all in
            starts.withUnsafeBufferPointer { starts in
                windows.withUnsafeBufferPointer { windows in
                    for z in ids {
                        let window = windows[z].intersection(rows)
                        if !cells.isEmpty, let c = cells[z] {
                            list.spans += c.coverage(in: window).spans
                        } else if method == .exact {
                            let slice = UnsafeBufferPointer(rebasing: all[starts[z]..<starts[z + 1]])
                            GridPolygon.exactCoverage(edges: slice, in: window, events: &events, appendingTo: &list.spans)
                        } else {
                            let p = GridPolygon(edges: Array(all[starts[z]..<starts[z + 1]]), bounds: bounds[z])
                            list.spans += p.coverage(method, in: window, events: &events).spans
                        }
                        list.endZone()
                    }
                }
            }
        }
        return list
    }
}
