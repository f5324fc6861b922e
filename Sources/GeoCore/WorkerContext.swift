import Foundation

// Per-job state that follows a job onto its pools' worker threads. A job sets a context on
// its own thread (`WorkerContexts.with`); every `WorkerPool` run from that thread enters the
// same contexts on each of its workers, before their first task, and leaves them after their
// last. GeoGDAL's warning collector is one: each job collects GDAL's warnings of its own
// threads, and two jobs running at once in one process (the C interface, Python) do not
// see each other's. GeoCore knows nothing of what a context does.

/// Something a job sets on the threads that work for it.
public protocol WorkerContext: AnyObject, Sendable {
    /// On a thread that starts working for the job (the job's own, or a pool's worker).
    func enter()
    /// On the same thread, when it stops; contexts are left in the reverse order.
    func leave()
}

public enum WorkerContexts {
    private static let key = "GeoKit.WorkerContexts"

    /// The contexts set on this thread, the innermost last.
    public static var current: [any WorkerContext] {
        (Thread.current.threadDictionary[key] as? ContextList)?.items ?? []
    }

    /// Run `body` with `context` entered on this thread and on the workers of every pool
    /// that `body` runs.
    public static func with<T>(_ context: any WorkerContext, _ body: () throws -> T) rethrows -> T {
        try entering([context], body)
    }

    /// Enter `contexts` on this thread for `body` (those already entered here are not entered twice).
    static func entering<T>(_ contexts: [any WorkerContext], _ body: () throws -> T) rethrows -> T {
        let before = current
        let new = contexts.filter { c in !before.contains { $0 === c } }
        if new.isEmpty { return try body() }
        set(before + new)
        for c in new { c.enter() }
        defer {
            for c in new.reversed() { c.leave() }
            set(before)
        }
        return try body()
    }

    private static func set(_ items: [any WorkerContext]) {
        Thread.current.threadDictionary[key] = items.isEmpty ? nil : ContextList(items)
    }
}

private final class ContextList: NSObject {
    let items: [any WorkerContext]
    init(_ items: [any WorkerContext]) { self.items = items }
}
