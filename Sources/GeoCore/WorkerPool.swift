import Foundation

// The one way GeoKit runs work in parallel. Workers take task numbers from a shared
// counter (so fast workers take more), keep their own state for every task they take
// (GDAL handles, GEOS contexts, buffers: things that must not cross threads), and stop
// when the tasks run out, when one of them fails, or when the run is cancelled. The
// first error is rethrown to the caller once every worker has stopped. Like `rethrows`,
// a pool whose closures throw nothing is itself non-throwing (its own overload), so no
// call site needs a `try?` that could drop a failure. (Typed throws, `throws(E)` with E
// inferred as Never, crashes Swift 6.3's SIL lowering of the closures' thunks.)

public struct WorkerPool: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Run `task(&state, k)` for k in 0..<tasks. `makeState` runs on each worker's own
    /// thread before its first task; `finish` after its last one (to hand results back).
    /// Returns false when `cancellation` stopped the pool before every task ran (what that
    /// means is the caller's to say: a user's cancel, or an early stop of its own).
    @discardableResult
    public func run<State>(tasks: Int, cancellation: Cancellation? = nil,
                           state makeState: () throws -> State,
                           task: (inout State, Int) throws -> Void,
                           finish: (inout State) throws -> Void = { _ in }) throws -> Bool {
        guard tasks > 0 else { return true }
        let shared = PoolState()
        let workers = min(threads, tasks)
        // The job's contexts (its GDAL warning collector) on every worker.
        let contexts = WorkerContexts.current
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            WorkerContexts.entering(contexts) {
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
        }
        if let e = shared.error { throw e }
        return cancellation?.isCancelled != true
    }

    /// The same with closures that throw nothing: the pool throws nothing either.
    @discardableResult
    public func run<State>(tasks: Int, cancellation: Cancellation? = nil,
                           state makeState: () -> State,
                           task: (inout State, Int) -> Void,
                           finish: (inout State) -> Void = { _ in }) -> Bool {
        // No closure throws, so the pool has no error to rethrow.
        try! run(tasks: tasks, cancellation: cancellation, state: { () throws -> State in makeState() },
                 task: { (s: inout State, k: Int) throws in task(&s, k) }, finish: { (s: inout State) throws in finish(&s) })
    }

    /// Run `task(k)` for k in 0..<tasks with no per-worker state.
    @discardableResult
    public func run(tasks: Int, cancellation: Cancellation? = nil, task: (Int) throws -> Void) throws -> Bool {
        try run(tasks: tasks, cancellation: cancellation, state: { () throws in () }, task: { (_: inout Void, k: Int) throws in try task(k) })
    }

    /// The same with a task that throws nothing.
    @discardableResult
    public func run(tasks: Int, cancellation: Cancellation? = nil, task: (Int) -> Void) -> Bool {
        run(tasks: tasks, cancellation: cancellation, state: { () }, task: { (_: inout Void, k: Int) in task(k) })
    }

    /// Run `body(k, range)` over 0..<count cut into ranges of `chunk` items (the k-th range;
    /// the last may be shorter): a loop over 10^5 items whose every step is small.
    public func run(count: Int, chunk: Int, body: (Int, Range<Int>) throws -> Void) throws {
        try run(tasks: (count + chunk - 1) / chunk) { (k: Int) throws in try body(k, (k * chunk)..<min(count, (k + 1) * chunk)) }
    }

    /// The same with a body that throws nothing.
    public func run(count: Int, chunk: Int, body: (Int, Range<Int>) -> Void) {
        run(tasks: (count + chunk - 1) / chunk) { (k: Int) in body(k, (k * chunk)..<min(count, (k + 1) * chunk)) }
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
    func next() -> Int { lock.lock(); defer { counter += 1; lock.unlock() }; return counter }
    func fail(_ e: Error) { lock.lock(); if firstError == nil { firstError = e }; lock.unlock() }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return firstError != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return firstError }
}

/// Drop the last reference to `value` on another thread: freeing 10^5 zones or rows is
/// tens of milliseconds the caller need not wait for (and at exit, need not wait for at all).
/// While `DeferredRelease` holds, the value is kept until `releaseHeld`.
package func releaseInBackground<T>(_ value: consuming T) {
    let box = ReleaseBox(value)
    if DeferredRelease.keep(box) { return }
    DispatchQueue.global(qos: .utility).async { box.drop() }
}

/// Frees put off while a command writes its output. On two cores the background free of
/// 200,000 prepared zones ran on the core the table's rows were being encoded on, and the
/// write waited for it; a command that writes right after its job holds the frees, writes,
/// then lets them go (a process about to exit need not wait for them). Library callers
/// (Python, C) never hold: their frees go to the background at once.
package enum DeferredRelease {
    private static let held = HeldValues()
    private static let kept = KeptValues()

    /// From now on, `releaseInBackground` keeps what it is given.
    package static func hold() { held.set(holding: true) }

    /// Stop holding, and free what was kept on another thread.
    package static func releaseHeld() {
        let boxes = held.set(holding: false)
        guard !boxes.isEmpty else { return }
        DispatchQueue.global(qos: .utility).async { for b in boxes { b.drop() } }
    }

    /// Stop holding, and keep what was held for good: for a process about to exit, whose
    /// memory the system takes back at once (freeing it value by value first is work on
    /// the way out). Only a command-line program may choose this.
    package static func keepHeldUntilExit() {
        let boxes = held.set(holding: false)
        guard !boxes.isEmpty else { return }
        kept.append(boxes)
    }

    /// How many values are held now (for tests).
    package static var heldCount: Int { held.count }

    static func keep(_ box: any DroppableBox) -> Bool { held.keep(box) }
}

protocol DroppableBox: AnyObject, Sendable { func drop() }

private final class HeldValues: @unchecked Sendable {
    private let lock = NSLock()
    private var holding = false
    private var boxes: [any DroppableBox] = []

    /// Returns what was held when `holding` turns off.
    @discardableResult
    func set(holding h: Bool) -> [any DroppableBox] {
        lock.lock(); defer { lock.unlock() }
        holding = h
        if h { return [] }
        defer { boxes = [] }
        return boxes
    }

    func keep(_ box: any DroppableBox) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if holding { boxes.append(box) }
        return holding
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return boxes.count }
}

/// Values kept until the process exits.
private final class KeptValues: @unchecked Sendable {
    private let lock = NSLock()
    private var boxes: [any DroppableBox] = []
    func append(_ more: [any DroppableBox]) { lock.lock(); boxes += more; lock.unlock() }
}

private final class ReleaseBox<T>: DroppableBox, @unchecked Sendable {
    var value: T?
    init(_ value: consuming T) { self.value = value }
    func drop() { value = nil }
}
