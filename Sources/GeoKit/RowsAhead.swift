import Foundation
import GeoCore

// A wide CSV table's zone rows formatted while the engine still runs. Formatting the numbers
// of a cube's table (13,726 village tracts x 180 values) is about 0.2 s of CPU, which ran
// after the engine; the engine's cores are not busy all the time (a worker waits for the
// merger, or for the last pieces of the last row band). A zone's row is final once its last
// row band is merged: its chunk of rows (consecutive zones, as the writer cuts them) is
// formatted, when every zone of it is final, on one thread of the lowest priority
// (SCHED_IDLE on Linux: it runs only on a core nothing else wants), and the writer takes the
// chunks formatted so far and formats the others itself, as before. The rows are formatted
// by the same steps as the writer's (`ZonalResult.forEachRow`'s wide rows, `CSVWriter.encode`),
// into memory only: the table is still written at the end, to a temporary renamed into
// place, so an error or an interrupt leaves no output.

/// What a run's caller asks of `ZonalJob.run` when it writes the result at once, unchanged,
/// as a wide CSV table: its rows formatted ahead (see above).
public struct RowsAheadRequest: Sendable {
    /// The writer's `guardFormulas`: text cells are encoded as it will encode them.
    public var guardsFormulas: Bool
    public init(guardsFormulas: Bool) { self.guardsFormulas = guardsFormulas }
}

/// The zones' scalar values, zone-major (`values[zone * width + k]`), in memory of its own:
/// the merger writes a zone's values, and the rows-ahead thread reads those of final zones,
/// through the same pointer (an array's storage could move under it).
final class ScalarStore: @unchecked Sendable {
    let values: UnsafeMutablePointer<Double>
    let count: Int

    /// `count` NaNs, written in chunks on `threads` threads (a cube's 200,000 zones x 180
    /// values are 288 MB of fresh pages, faulted in as they are first written).
    init(nanCount count: Int, threads: Int) {
        self.count = count
        values = .allocate(capacity: max(1, count))
        guard count > 0 else { return }
        let base = SendableDoubles(values)
        WorkerPool(threads: threads).run(count: count, chunk: 1 << 20) { _, range in
            (base.pointer! + range.lowerBound).initialize(repeating: .nan, count: range.count)
        }
    }

    static var empty: ScalarStore { ScalarStore(nanCount: 0, threads: 1) }

    deinit { values.deallocate() }
}

/// Zone rows of a wide CSV table, formatted chunk by chunk as their zones become final.
package final class RowsAhead: @unchecked Sendable {
    /// Zones per chunk (the writer's chunks of the same table: `ZonalResult.rowsPerChunk`).
    let chunkZones: Int
    let zoneCount: Int
    let guardsFormulas: Bool
    private let ids: [String], attributes: [[String]]
    /// The zones' values: read by the formatting thread only, and let go when it ends (a
    /// cube's store can be hundreds of megabytes; the run's rows hold their own copies by then).
    private var store: ScalarStore?
    private let width: Int
    /// Each indicator column's place in a zone's scalar values, in the table's order.
    private let columns: [Int]
    /// Accumulators a zone receives before its row is final (the group's bands).
    private let expected: Int
    /// Most bytes of text held (the table's rows wait in memory until it is written).
    private let budget: Int

    // The merger's (one thread at a time): accumulators still to come per zone, final
    // zones still to come per chunk.
    private var missing: [Int32]
    private var left: [Int32]

    private let cond = NSCondition()
    private var ready: [Int] = [], next = 0
    private var text: [[UInt8]?]
    private var held = 0
    private var closed = false, running = true, ended = false
    /// Chunks formatted here (tests check that the path was taken).
    package var formatted: Int { cond.lock(); defer { cond.unlock() }; return formattedCount }
    private var formattedCount = 0
    /// Tests: format every ready chunk before `close` returns (no idle priority).
    private let drainOnClose: Bool

    init(ids: [String], attributes: [[String]], store: ScalarStore, width: Int, columns: [Int], expected: Int,
         chunkZones: Int, guardsFormulas: Bool, budget: Int, drainOnClose: Bool = false) {
        self.ids = ids; self.attributes = attributes; self.store = store; self.width = width; self.columns = columns
        let per = max(1, chunkZones), n = ids.count
        self.expected = expected; self.chunkZones = per; self.guardsFormulas = guardsFormulas
        self.budget = budget; self.drainOnClose = drainOnClose
        zoneCount = n
        let chunks = (n + per - 1) / per
        missing = [Int32](repeating: Int32(expected), count: n)
        left = (0..<chunks).map { Int32(min(n, ($0 + 1) * per) - $0 * per) }
        text = [[UInt8]?](repeating: nil, count: chunks)
    }

    package var chunkCount: Int { text.count }

    /// Start the formatting thread.
    func start() {
        let t = Thread { [self] in
            if !drainOnClose { Self.lowerPriority() }
            work()
        }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Zone `z` received `n` more accumulators (its values are in the store): called by the
    /// merger, serially.
    func received(zone z: Int, accumulators n: Int) {
        missing[z] -= Int32(n)
        guard missing[z] == 0 else { return }
        let c = z / chunkZones
        left[c] -= 1
        guard left[c] == 0 else { return }
        cond.lock()
        ready.append(c)
        cond.signal()
        cond.unlock()
    }

    /// Every zone is final (the engine is done): the formatting thread ends once it has
    /// formatted the chunks ready (it does not wait for more).
    func engineDone() {
        cond.lock()
        ended = true
        cond.broadcast()
        cond.unlock()
    }

    /// No more chunks: the formatting thread stops (a chunk it is formatting is dropped, and
    /// the writer formats it). After this, `take` hands over what was formatted.
    func close() {
        cond.lock()
        if drainOnClose { while running && next < ready.count { cond.unlock(); usleep(1000); cond.lock() } }
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    /// Chunk `c`'s rows, if they were formatted (then handed over: taken once).
    func take(_ c: Int) -> [UInt8]? {
        cond.lock(); defer { cond.unlock() }
        precondition(closed, "rows taken before the run closed them")
        let t = text[c]
        text[c] = nil
        return t
    }

    private func work() {
        var row: [TableCell] = []
        cond.lock()
        while true {
            while next == ready.count && !closed && !ended { cond.wait() }
            if closed || held >= budget || next == ready.count { break }
            let c = ready[next]
            cond.unlock()
            var out: [UInt8] = []
            let complete = format(chunk: c, row: &row, into: &out)
            cond.lock()
            // Counted done only now: `close` (drained, for tests) waits for it.
            next += 1
            if complete && !closed {
                held += out.count
                text[c] = out
                formattedCount += 1
            }
        }
        running = false
        cond.unlock()
        store = nil
    }

    /// Chunk `c`'s rows as `forEachRow` makes a zone's wide row (id, include-columns, then
    /// the indicators: empty where NaN) and `CSVWriter.encode` writes it; false when the
    /// run closed meanwhile (checked every 64 rows).
    private func format(chunk c: Int, row: inout [TableCell], into out: inout [UInt8]) -> Bool {
        let zones = (c * chunkZones)..<min(zoneCount, (c + 1) * chunkZones)
        guard let values = store?.values else { return false }
        for z in zones {
            if (z - zones.lowerBound) % 64 == 63 && isClosed { return false }
            row.removeAll(keepingCapacity: true)
            row.reserveCapacity(1 + attributes[z].count + columns.count)
            row.append(.text(ids[z]))
            for a in attributes[z] { row.append(.text(a)) }
            let base = values + z * width
            for k in columns {
                let v = base[k]
                row.append(v.isNaN ? .empty : .number(v))
            }
            CSVWriter.encode(row, guardsFormulas: guardsFormulas, into: &out)
        }
        return true
    }

    private var isClosed: Bool { cond.lock(); defer { cond.unlock() }; return closed }

    /// This thread only on a core nothing else wants (Linux's SCHED_IDLE; elsewhere the
    /// lowest priority the system gives a thread).
    private static func lowerPriority() {
        #if os(Linux)
        var p = sched_param()
        p.sched_priority = 0
        _ = pthread_setschedparam(pthread_self(), 5 /* SCHED_IDLE */, &p)
        #else
        Thread.current.threadPriority = 0
        #endif
    }
}

/// A pointer handed to worker threads that write disjoint parts of what it points to.
struct SendableDoubles: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>?
    init(_ p: UnsafeMutablePointer<Double>?) { pointer = p }
}
