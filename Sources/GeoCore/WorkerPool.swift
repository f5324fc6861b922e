import Foundation

// The one way GeoKit runs work in parallel. Workers take task numbers from a shared
// counter (so fast workers take more), keep their own state for every task they take
// (GDAL handles, GEOS contexts, buffers: things that must not cross threads), and stop
// when the tasks run out, when one of them fails, or when the run is cancelled. The
// first error is rethrown to the caller once every worker has stopped.

public struct WorkerPool: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Run `task(&state, k)` for k in 0..<tasks. `makeState` runs on each worker's own
    /// thread before its first task; `finish` after its last one (to hand results back).
    public func run<State>(tasks: Int, cancellation: Cancellation? = nil,
                           state makeState: () throws -> State,
                           task: (inout State, Int) throws -> Void,
                           finish: (inout State) throws -> Void = { _ in }) throws {
        guard tasks > 0 else { return }
        let shared = PoolState()
        let workers = min(threads, tasks)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            do {
                var state = try makeState()
                while !shared.failed && !(cancellation?.isCancelled ?? false) {
                    let k = shared.next()
                    if k >= tasks { break }
                    try task(&state, k)
                }
                try finish(&state)
            } catch {
                shared.fail(error)
            }
        }
        if let e = shared.error { throw e }
        if cancellation?.isCancelled == true { throw GeoKitError(.cancelled, "cancelled") }
    }

    /// Run `task(k)` for k in 0..<tasks with no per-worker state.
    public func run(tasks: Int, cancellation: Cancellation? = nil, task: (Int) throws -> Void) throws {
        try run(tasks: tasks, cancellation: cancellation, state: { () }, task: { _, k in try task(k) })
    }

    /// Run `body(k, range)` over 0..<count cut into ranges of `chunk` items (the k-th range;
    /// the last may be shorter): a loop over 10^5 items whose every step is small.
    public func run(count: Int, chunk: Int, body: (Int, Range<Int>) throws -> Void) throws {
        try run(tasks: (count + chunk - 1) / chunk) { k in try body(k, (k * chunk)..<min(count, (k + 1) * chunk)) }
    }
}

/// A flag a caller sets to stop a pool between tasks (e.g. from a signal handler's thread).
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    public init() {}
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
}

/// The counter and the first error, behind one lock.
private final class PoolState: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 0
    private var firstError: Error?
    package func next() -> Int { lock.lock(); defer { counter += 1; lock.unlock() }; return counter }
    package func fail(_ e: Error) { lock.lock(); if firstError == nil { firstError = e }; lock.unlock() }
    package var failed: Bool { lock.lock(); defer { lock.unlock() }; return firstError != nil }
    package var error: Error? { lock.lock(); defer { lock.unlock() }; return firstError }
}

/// Drop the last reference to `value` on another thread: freeing 10^5 zones or rows is
/// tens of milliseconds the caller need not wait for (and at exit, need not wait for at all).
package func releaseInBackground<T>(_ value: consuming T) {
    let box = ReleaseBox(value)
    DispatchQueue.global(qos: .utility).async { box.value = nil }
}

private final class ReleaseBox<T>: @unchecked Sendable {
    var value: T?
    init(_ value: consuming T) { self.value = value }
}
