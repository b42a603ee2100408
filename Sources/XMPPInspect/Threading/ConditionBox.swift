import Foundation

/// A value guarded by a lock, with a condition to wait on until the value is ready: NIO's
/// `NIOLockedValueBox` and `ConditionLock` in one, for the state threads hand each other.
///
/// This is the one place in XMPPInspect where threads share state the compiler cannot check:
/// it cannot see that `condition` serialises every access to `state`, hence `@unchecked`.
/// Everything else stays checked because every way in and out is `sending`, as with
/// `Synchronization.Mutex` (which has no condition to wait on, and needs macOS 15): a value
/// of a non-Sendable type inside belongs to whichever thread holds the lock, and leaves only
/// when nothing else refers to it.
final class ConditionBox<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    init(_ state: consuming sending State) {
        self.state = state
    }

    /// Runs `body` with the lock held, then wakes every thread waiting on this box.
    func withLock<Result>(_ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits (with the lock released) until `isReady` holds, then runs `body` with the lock held
    /// and wakes every thread waiting on this box. `isReady` runs with the lock held, after each
    /// change made through this box.
    func withLock<Result>(
        waitingUntil isReady: (inout sending State) -> Bool,
        _ body: (inout sending State) throws -> sending Result
    ) rethrows -> sending Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !isReady(&state) { condition.wait() }
        return try body(&state)
    }
}
