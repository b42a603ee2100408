import Dispatch
@testable import XMPPInspect

/// A consumer a test drives one batch at a time: each batch it is given waits at the ``Gate``
/// until the test lets it through. Its outcome is every batch it consumed.
struct GatedConsumer: HandOffConsumer {
    let gate: Gate
    private var batches: [[Int]] = []

    init(_ gate: Gate) { self.gate = gate }

    /// Each item costs what it says.
    static func cost(of item: Int) -> Int { item }

    mutating func consume(_ items: ArraySlice<Int>) {
        gate.pass(Array(items))
        batches.append(Array(items))
    }

    func finish() -> [[Int]] { batches }
}

/// Where a ``GatedConsumer`` waits: the test sees each batch arrive, then lets it through.
final class Gate: Sendable {
    private struct State {
        var arrivals: [[Int]] = []
        var permits = 0
        var isOpen = false
    }
    private let state = ConditionBox(State())
    private let arrived = DispatchSemaphore(value: 0)

    /// The consumer's side: says `batch` arrived, then waits to be let through.
    func pass(_ batch: [Int]) {
        state.withLock { $0.arrivals.append(batch) }
        arrived.signal()
        state.withLock(waitingUntil: { $0.isOpen || $0.permits > 0 }) { state in
            if !state.isOpen { state.permits -= 1 }
        }
    }

    /// Waits (10 s at most) for the next batch to arrive at the gate; nil when none did.
    func nextArrival() -> [Int]? {
        guard arrived.wait(timeout: .now() + 10) == .success else { return nil }
        return state.withLock { state in state.arrivals.isEmpty ? nil : state.arrivals.removeFirst() }
    }

    /// Lets the batch waiting at the gate (or the next one to arrive) through.
    func letOneThrough() { state.withLock { $0.permits += 1 } }

    /// Lets everything through from now on.
    func open() { state.withLock { $0.isOpen = true } }
}
