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

    /// Runs `body` with the lock held, then wakes every thread waiting on this box, unless
    /// `wakingWaiters` is false: the caller knows its change lets no waiter go on (or wakes them
    /// itself with ``wakeWaiters()`` once it does).
    func withLock<Result>(wakingWaiters: Bool = true, _ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        condition.lock()
        defer {
            if wakingWaiters { condition.broadcast() }
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits (with the lock released) until `isReady` holds, then runs `body` with the lock held
    /// and wakes every thread waiting on this box (unless `wakingWaiters` is false, as above).
    /// `isReady` runs with the lock held, after each change made through this box that woke it.
    func withLock<Result>(
        wakingWaiters: Bool = true,
        waitingUntil isReady: (inout sending State) -> Bool,
        _ body: (inout sending State) throws -> sending Result
    ) rethrows -> sending Result {
        condition.lock()
        defer {
            if wakingWaiters { condition.broadcast() }
            condition.unlock()
        }
        while !isReady(&state) { condition.wait() }
        return try body(&state)
    }

    /// Wakes every thread waiting on this box, after a change made without waking them. A waiter
    /// checks its condition with the lock held, so one that checked before that change is
    /// already waiting and is woken here.
    func wakeWaiters() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
