import Foundation
import GeoCore

// A wide CSV table's zone rows formatted while the engine still runs. Formatting the numbers
// of a cube's table (13,726 village tracts x 180 values) is about 0.2 s of CPU, which ran
// after the engine; the engine's cores are not busy all the time (a worker waits for the
// merger, or for the last pieces of the last row band). A zone's row is final once its last
// row band is merged: its chunk of rows (consecutive zones, as the writer cuts them) is
// formatted, when every zone of it is final, on one thread of the lowest priority
// (SCHED_IDLE on Linux: it runs only on a core nothing else wants). After the engine, threads
// of normal priority format the chunks left, and the writer writes them in order, formatting
// the next one itself rather than wait (`write`). The rows are the bytes the writer's steps
// make (`ZonalResult.forEachRow`'s wide rows, `CSVWriter.encode`), made straight from the
// values, into memory only: the table is still written at the end, to a temporary renamed
// into place, so an error or an interrupt leaves no output.

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

/// Zone rows of a wide CSV table, formatted chunk by chunk as their zones become final, and
/// written in order by the table's writer (`write`).
///
/// During the engine one thread of the lowest priority formats the chunks made final; once
/// the engine is done it stops, and a thread of normal priority formats the rest while the
/// run finishes, then beside the writer, which writes the chunks in order and formats the
/// next unformatted one itself rather than wait: both cores are busy to the last chunk.
package final class RowsAhead: @unchecked Sendable {
    /// Zones per chunk (the writer's chunks of the same table: `ZonalResult.rowsPerChunk`).
    let chunkZones: Int
    let zoneCount: Int
    let guardsFormulas: Bool
    private let ids: [String], attributes: [[String]]
    /// The zones' values, let go (under `cond`) once no chunk will be formatted from them
    /// any more: a cube's store can be hundreds of megabytes, and the run's rows hold their
    /// own copies by then. A formatter holds its own reference while it formats.
    private var store: ScalarStore?
    private let width: Int
    /// Each indicator column's place in a zone's scalar values, in the table's order.
    private let columns: [Int]
    /// Accumulators a zone receives before its row is final (the group's bands).
    private let expected: Int
    /// Most bytes of formatted text held before it is written.
    private let budget: Int

    // The merger's (one thread at a time): accumulators still to come per zone, final
    // zones still to come per chunk.
    private var missing: [Int32]
    private var left: [Int32]

    /// Where a chunk's rows are (under `cond`).
    private enum Chunk {
        /// Some zone not final yet (after the engine: rows the writer makes from the result).
        case pending
        /// Every zone final, not yet formatted.
        case ready
        /// Being formatted.
        case claimed
        case formatted([UInt8])
        /// Handed to the writer.
        case taken

        var isReady: Bool { if case .ready = self { return true }; return false }
        var isClaimed: Bool { if case .claimed = self { return true }; return false }
    }

    private let cond = NSCondition()
    private var chunks: [Chunk]
    /// No `.ready` chunk lies below it.
    private var lowestReady = 0
    private var held = 0
    /// Buffers of chunks written, emptied, for the next chunks (fresh ones are faulted in
    /// page by page: a table's size in page faults); the largest chunk's size so far.
    private var spare: [[UInt8]] = []
    private var largest = 0
    private var closed = false, ended = false, writing = false
    /// Formatting threads running, and those of them of normal priority.
    private var helpers = 0, normal = 0
    /// Chunks formatted by the threads (tests check that the path was taken).
    package var formatted: Int { cond.lock(); defer { cond.unlock() }; return formattedCount }
    private var formattedCount = 0
    /// Tests: the writer waits until the threads have formatted every final chunk, and the
    /// threads run at normal priority.
    private let drainOnClose: Bool

    init(ids: [String], attributes: [[String]], store: ScalarStore, width: Int, columns: [Int], expected: Int,
         chunkZones: Int, guardsFormulas: Bool, budget: Int, drainOnClose: Bool = false) {
        self.ids = ids; self.attributes = attributes; self.store = store; self.width = width; self.columns = columns
        let per = max(1, chunkZones), n = ids.count
        self.expected = expected; self.chunkZones = per; self.guardsFormulas = guardsFormulas
        self.budget = budget; self.drainOnClose = drainOnClose
        zoneCount = n
        let count = (n + per - 1) / per
        missing = [Int32](repeating: Int32(expected), count: n)
        left = (0..<count).map { Int32(min(n, ($0 + 1) * per) - $0 * per) }
        chunks = [Chunk](repeating: .pending, count: count)
    }

    package var chunkCount: Int { chunks.count }

    /// Start the formatting thread of the engine's time (lowest priority).
    func start() {
        cond.lock()
        helpers += 1
        if drainOnClose { normal += 1 }
        cond.unlock()
        spawn(idle: !drainOnClose)
    }

    private func spawn(idle: Bool) {
        let t = Thread { [self] in
            if idle { Self.lowerPriority() }
            work(idle: idle)
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
        chunks[c] = .ready
        lowestReady = min(lowestReady, c)
        cond.signal()
        cond.unlock()
    }

    /// Every zone is final (the engine is done): the idle thread ends after its chunk, and
    /// threads of normal priority (one per core but the writer's) format the chunks left
    /// while the run finishes.
    func engineDone() {
        cond.lock()
        ended = true
        let more = closed || !hasReady ? 0 : max(0, Self.formatters - 1 - normal)
        helpers += more; normal += more
        cond.broadcast()
        cond.unlock()
        for _ in 0..<more { spawn(idle: false) }
    }

    /// Threads of normal priority that format beside the writer after the engine, the
    /// writer included: one per core (the old writer's encoding pool).
    private static var formatters: Int { max(2, min(16, ProcessInfo.processInfo.activeProcessorCount)) }

    /// No more chunks: the formatting threads stop (a chunk being formatted is dropped) and
    /// the values are let go. After this, `take` hands over what was formatted.
    func close() {
        cond.lock()
        closed = true
        store = nil
        spare = []
        cond.broadcast()
        cond.unlock()
    }

    /// Chunk `c`'s rows, if they were formatted (then handed over: taken once).
    func take(_ c: Int) -> [UInt8]? {
        cond.lock(); defer { cond.unlock() }
        guard case .formatted(let t) = chunks[c] else { return nil }
        chunks[c] = .taken
        held -= t.count
        return t
    }

    /// Every chunk's rows to `put`, in order: those formatted so far, the others formatted
    /// here (beside a thread that formats them too); `pending(c, &bytes)` makes those of a
    /// chunk whose zones were not all final (from the run's result, as the writer would).
    /// The threads are stopped when it returns or throws.
    package func write(_ put: ([UInt8]) throws -> Void, pending: (Int, inout [UInt8]) -> Void) throws {
        defer { close() }
        begin()
        var own: [UInt8] = []
        for c in chunks.indices {
            while true {
                cond.lock()
                switch chunks[c] {
                case .formatted(let bytes):
                    chunks[c] = .taken
                    held -= bytes.count
                    cond.broadcast()
                    cond.unlock()
                    try put(bytes)
                    recycle(bytes)
                case .pending, .ready, .taken:
                    let values = chunks[c].isReady ? claim(c) : nil
                    chunks[c] = .taken
                    cond.unlock()
                    own.removeAll(keepingCapacity: true)
                    if let values { format(chunk: c, values, into: &own) } else { pending(c, &own) }
                    try put(own)
                case .claimed:
                    // A thread formats it: format the next one meanwhile, or wait.
                    if let d = claimLowestReady() {
                        let values = store!
                        var bytes = buffer()
                        cond.unlock()
                        format(chunk: d, values, into: &bytes)
                        cond.lock()
                        stored(d, bytes)
                    } else {
                        cond.wait()
                    }
                    cond.unlock()
                    continue
                }
                break
            }
        }
    }

    /// An empty buffer for a chunk (under `cond`): a written chunk's, or one the size of the
    /// largest chunk so far.
    private func buffer() -> [UInt8] {
        if let b = spare.popLast() { return b }
        var b: [UInt8] = []
        b.reserveCapacity(largest + largest / 8)
        return b
    }

    /// Chunk `c` formatted (under `cond`).
    private func stored(_ c: Int, _ bytes: [UInt8]) {
        chunks[c] = .formatted(bytes)
        held += bytes.count
        largest = max(largest, bytes.count)
    }

    /// A written chunk's buffer, emptied, for another chunk.
    private func recycle(_ bytes: consuming [UInt8]) {
        var b = bytes
        b.removeAll(keepingCapacity: true)
        cond.lock()
        spare.append(b)
        cond.unlock()
    }

    /// The writer starts: formatting threads of normal priority beside it if fewer run (some
    /// stopped at the budget while nothing was written). Drained (tests): first the
    /// threads format every final chunk, or stop at the budget.
    private func begin() {
        cond.lock()
        if drainOnClose { while helpers > 0 && (hasReady || chunks.contains { $0.isClaimed }) { cond.wait() } }
        writing = true
        let more = closed || !hasReady ? 0 : max(0, Self.formatters - 1 - normal)
        helpers += more; normal += more
        cond.unlock()
        for _ in 0..<more { spawn(idle: false) }
    }

    /// Claim chunk `c` (ready), under `cond`: the values to format it from.
    private func claim(_ c: Int) -> ScalarStore {
        chunks[c] = .claimed
        let values = store!
        releaseIfDone()
        return values
    }

    /// The lowest ready chunk, claimed (under `cond`).
    private func claimLowestReady() -> Int? {
        while lowestReady < chunks.count && !chunks[lowestReady].isReady { lowestReady += 1 }
        guard lowestReady < chunks.count else { return nil }
        let c = lowestReady
        chunks[c] = .claimed
        return c
    }

    private var hasReady: Bool {
        while lowestReady < chunks.count && !chunks[lowestReady].isReady { lowestReady += 1 }
        return lowestReady < chunks.count
    }

    /// Let the values go once no chunk will be formatted from them (the engine is done and
    /// none is ready); formatters hold their own reference.
    private func releaseIfDone() {
        if ended && !hasReady { store = nil }
    }

    /// A formatting thread: the lowest ready chunk at a time, while the text held is within
    /// the budget (beyond it, it waits for the writer to take some, or ends if the writer
    /// has not started). The idle thread ends with the engine.
    private func work(idle: Bool) {
        cond.lock()
        while !closed && !(idle && ended) {
            if held >= budget {
                if writing { cond.wait(); continue }
                break
            }
            guard let c = claimLowestReady() else {
                if ended { break }
                cond.wait()
                continue
            }
            let values = store!
            releaseIfDone()
            var bytes = buffer()
            cond.unlock()
            let complete = format(chunk: c, values, into: &bytes, stopWhenClosed: true)
            cond.lock()
            guard complete && !closed else { break }
            stored(c, bytes)
            formattedCount += 1
            cond.broadcast()
        }
        helpers -= 1
        if !idle { normal -= 1 }
        releaseIfDone()
        cond.broadcast()
        cond.unlock()
    }

    /// Chunk `c`'s rows as `forEachRow` makes a zone's wide row (id, include-columns, then
    /// the indicators: empty where NaN or infinite) and `CSVWriter.encode` writes it, straight
    /// from the values into bytes; false when the run closed meanwhile (checked every 64
    /// rows, if asked).
    @discardableResult
    private func format(chunk c: Int, _ store: ScalarStore, into out: inout [UInt8], stopWhenClosed: Bool = false) -> Bool {
        let zones = (c * chunkZones)..<min(zoneCount, (c + 1) * chunkZones)
        let values = store.values
        withExtendedLifetime(store) {
            columns.withUnsafeBufferPointer { columns in
                for z in zones {
                    if stopWhenClosed && (z - zones.lowerBound) % 64 == 63 && isClosed { return }
                    CSVWriter.appendField(ids[z], guardsFormulas: guardsFormulas, to: &out)
                    for a in attributes[z] {
                        out.append(44)
                        CSVWriter.appendField(a, guardsFormulas: guardsFormulas, to: &out)
                    }
                    let base = values + z * width
                    appendNumbers(columns.count, after: 44, to: &out) { base[columns[$0]] }
                    out.append(10)
                }
            }
        }
        return !stopWhenClosed || !isClosed
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
