import XCTest
import Foundation
import GeoCore

/// Counts behind a lock, for tasks running on several threads.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]
    init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
    func hit(_ k: Int) { lock.lock(); counts[k] += 1; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
    var total: Int { values.reduce(0, +) }
}

private struct TaskFailed: Error, Equatable { var task: Int }

/// A worker's state: which thread made it and how many tasks it ran.
private final class Worker {
    let thread = pthread_self()
    var tasks = 0
}

final class WorkerPoolTests: XCTestCase {
    func testEveryTaskRunsExactlyOnce() {
        for threads in 1...8 {
            for tasks in [0, 1, 5, 333] {
                let tally = Tally(max(tasks, 1))
                WorkerPool(threads: threads).run(tasks: tasks) { k in tally.hit(k) }
                XCTAssertEqual(tally.values, tasks == 0 ? [0] : [Int](repeating: 1, count: tasks), "\(threads) threads, \(tasks) tasks")
            }
        }
    }

    func testFirstErrorIsRethrownAndStopsTheRest() {
        // One thread: tasks 3, 4, ... all fail; the first to fail is the one reported, and
        // nothing runs after it.
        let serial = Tally(100)
        XCTAssertThrowsError(try WorkerPool(threads: 1).run(tasks: 100) { k in
            serial.hit(k)
            if k >= 3 { throw TaskFailed(task: k) }
        }) { XCTAssertEqual($0 as? TaskFailed, TaskFailed(task: 3)) }
        XCTAssertEqual(serial.total, 4)

        // Four threads, 2000 tasks of 0.2 ms: task 5 fails, and the others stop long before the end.
        let parallel = Tally(2000)
        XCTAssertThrowsError(try WorkerPool(threads: 4).run(tasks: 2000) { k in
            parallel.hit(k)
            if k == 5 { throw TaskFailed(task: 5) }
            usleep(200)
        }) { XCTAssertEqual($0 as? TaskFailed, TaskFailed(task: 5)) }
        XCTAssertLessThan(parallel.total, 1000)
        XCTAssertTrue(parallel.values.allSatisfy { $0 <= 1 })
    }

    func testStateIsMadeOncePerWorkerOnItsThread() {
        for threads in [1, 3, 8] {
            let lock = NSLock()
            var made = 0
            var finished: [Worker] = []
            WorkerPool(threads: threads).run(tasks: 200, state: { () -> Worker in
                lock.lock(); made += 1; lock.unlock()
                return Worker()
            }, task: { w, _ in
                XCTAssertNotEqual(pthread_equal(w.thread, pthread_self()), 0, "a task ran off its worker's thread")
                w.tasks += 1
                usleep(50)
            }, finish: { w in
                lock.lock(); finished.append(w); lock.unlock()
            })
            XCTAssertEqual(made, threads, "\(threads) threads")
            XCTAssertEqual(finished.count, threads)
            XCTAssertEqual(Set(finished.map { ObjectIdentifier($0) }).count, threads, "distinct states")
            XCTAssertEqual(finished.reduce(0) { $0 + $1.tasks }, 200)
        }
        // Fewer tasks than threads: only as many workers as tasks.
        let lock = NSLock()
        var made = 0
        WorkerPool(threads: 8).run(tasks: 2, state: { lock.lock(); made += 1; lock.unlock() }, task: { _, _ in })
        XCTAssertEqual(made, 2)
    }

    func testCancellationStopsThePool() {
        let cancel = Cancellation()
        let tally = Tally(2000)
        let completed = WorkerPool(threads: 3).run(tasks: 2000, cancellation: cancel) { k in
            tally.hit(k)
            if k == 10 { cancel.cancel() }
            usleep(200)
        }
        XCTAssertFalse(completed)
        XCTAssertLessThan(tally.total, 1000)
        XCTAssertGreaterThanOrEqual(tally.total, 11)

        // Cancelled before it starts: no task runs.
        let idle = Tally(10)
        XCTAssertFalse(WorkerPool(threads: 2).run(tasks: 10, cancellation: cancel) { k in idle.hit(k) })
        XCTAssertEqual(idle.total, 0)
        // Not cancelled: every task ran.
        XCTAssertTrue(WorkerPool(threads: 2).run(tasks: 10, cancellation: Cancellation()) { _ in })
    }

    func testAPoolThatCannotFailIsCalledWithoutTry() {
        // The non-throwing overload is chosen for closures that throw nothing (this line
        // would not compile without `try` otherwise), and still runs every task.
        let tally = Tally(100)
        let completed: Bool = WorkerPool(threads: 3).run(tasks: 100) { k in tally.hit(k) }
        XCTAssertTrue(completed)
        XCTAssertEqual(tally.values, [Int](repeating: 1, count: 100))
        var chunks = [Range<Int>?](repeating: nil, count: 4)
        let lock = NSLock()
        WorkerPool(threads: 2).run(count: 10, chunk: 3) { k, r in lock.lock(); chunks[k] = r; lock.unlock() }
        XCTAssertEqual(chunks, [0..<3, 3..<6, 6..<9, 9..<10])
    }
}

/// Counts its own deinit, to see when the last reference went.
private final class Freed: @unchecked Sendable {
    static let lock = NSLock()
    nonisolated(unsafe) static var count = 0
    deinit { Freed.lock.lock(); Freed.count += 1; Freed.lock.unlock() }
    static var freed: Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class DeferredReleaseTests: XCTestCase {
    /// Waits up to 5 s for `n` values freed in all.
    private func waitFreed(_ n: Int) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Freed.freed < n && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        return Freed.freed >= n
    }

    func testHeldValuesAreFreedOnlyAfterTheHoldEnds() {
        let before = Freed.freed
        DeferredRelease.hold()
        releaseInBackground(Freed())
        releaseInBackground(Freed())
        Thread.sleep(forTimeInterval: 0.1)   // time enough for a background free to have run
        XCTAssertEqual(Freed.freed, before, "a held value was freed while the hold lasted")
        XCTAssertEqual(DeferredRelease.heldCount, 2)
        DeferredRelease.releaseHeld()
        XCTAssertEqual(DeferredRelease.heldCount, 0)
        XCTAssertTrue(waitFreed(before + 2))
    }

    /// What a command keeps until its process exits is never freed, and the hold is over:
    /// what is released next goes to the background as before.
    func testValuesKeptUntilExitAreNotFreed() {
        let before = Freed.freed
        DeferredRelease.hold()
        releaseInBackground(Freed())
        releaseInBackground(Freed())
        DeferredRelease.keepHeldUntilExit()
        XCTAssertEqual(DeferredRelease.heldCount, 0, "no longer holding")
        Thread.sleep(forTimeInterval: 0.1)   // time enough for a background free to have run
        XCTAssertEqual(Freed.freed, before, "a value kept until exit was freed")
        releaseInBackground(Freed())
        XCTAssertTrue(waitFreed(before + 1))
    }

    func testWithoutAHoldValuesAreFreedInTheBackground() {
        let before = Freed.freed
        releaseInBackground(Freed())
        XCTAssertEqual(DeferredRelease.heldCount, 0)
        XCTAssertTrue(waitFreed(before + 1))
    }
}
