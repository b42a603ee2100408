import Testing
@testable import XMPPInspect

/// The hand-off's rules without threads: what a push answers, when producers go on, when they
/// are called back, what closing drops.
@Suite("Hand-off state: water marks and closing")
struct HandOffStateTests {
    private typealias State = HandOffState<Int, String>

    /// Runs a mutating call outside `#expect` (which cannot take one) and returns its answer.
    private func mutate<Answer>(_ state: inout State, _ call: (inout State) -> Answer) -> Answer { call(&state) }

    @Test("a push says stop once the cost is past the high-water mark, not at it")
    func highWater() {
        var state = State(waterMarks: WaterMarks(high: 10, low: 4))
        #expect(mutate(&state) { $0.push(1, cost: 6) })
        #expect(mutate(&state) { $0.push(2, cost: 4) })  // 10: at the mark
        #expect(!mutate(&state) { $0.push(3, cost: 1) })  // 11: past it
        #expect(state.cost == 11)
        #expect(!mutate(&state) { $0.push(contentsOf: [4, 5], cost: 0) })
        #expect(!state.mayPushAgain)
    }

    @Test("what the thread took costs until the consumer is done with it; producers go on at the low-water mark")
    func costUntilDone() {
        var state = State(waterMarks: WaterMarks(high: 10, low: 4))
        _ = state.push(contentsOf: [1, 2, 3], cost: 12)
        var batch: [Int] = []
        #expect(state.threadHasWork)
        #expect(mutate(&state) { $0.take(into: &batch) })
        #expect(batch == [1, 2, 3])
        #expect(!state.threadHasWork)
        #expect(state.cost == 12)  // taken, not done
        #expect(!state.mayPushAgain)
        _ = state.release(7)
        #expect(state.cost == 5)
        #expect(!state.mayPushAgain)
        _ = state.release(1)
        #expect(state.mayPushAgain)
    }

    @Test("a producer waiting for the drain is called back once, when the cost is down to the low-water mark")
    func drained() {
        var state = State(waterMarks: WaterMarks(high: 10, low: 4))
        #expect(mutate(&state) { $0.whenDrained {} })  // nothing waits: at once
        _ = state.push(1, cost: 11)
        #expect(!mutate(&state) { $0.whenDrained {} })
        #expect(!mutate(&state) { $0.whenDrained {} })
        #expect(mutate(&state) { $0.release(6) }.resumes.isEmpty)  // 5: still above
        #expect(mutate(&state) { $0.release(1) }.resumes.count == 2)  // 4: at the mark
        _ = state.push(2, cost: 20)
        #expect(mutate(&state) { $0.release(20) }.resumes.isEmpty)  // nobody waits any more
    }

    @Test("closed: pushes are dropped, nobody is called back, the thread works through what waits, then finishes")
    func closing() {
        var state = State(waterMarks: WaterMarks(high: 2, low: 1))
        _ = state.push(contentsOf: [1, 2, 3], cost: 3)
        #expect(!mutate(&state) { $0.whenDrained {} })
        state.close()
        #expect(mutate(&state) { $0.push(4, cost: 100) })
        #expect(state.cost == 3)
        #expect(!mutate(&state) { $0.whenDrained {} })
        #expect(state.mayPushAgain)
        var batch: [Int] = []
        #expect(state.threadHasWork)
        #expect(mutate(&state) { $0.take(into: &batch) })
        #expect(batch == [1, 2, 3])
        #expect(mutate(&state) { $0.release(3) }.resumes.isEmpty)
        batch.removeAll()
        #expect(state.threadHasWork)  // to finish
        #expect(!mutate(&state) { $0.take(into: &batch) })
        #expect(state.outcome == nil)
        state.finish(with: "done")
        #expect(state.outcome == "done")
        state.close()
        #expect(state.outcome == "done")
    }

    @Test("spent batches are kept whole, in order, until a producer takes them all; the thread's array is left empty")
    func spentBatches() {
        var state = State(waterMarks: WaterMarks(high: 10, low: 4))
        var taken: [[Int]] = []
        state.takeSpent(into: &taken)
        #expect(taken.isEmpty)
        _ = state.push(contentsOf: [1, 2], cost: 2)
        var batch: [Int] = []
        #expect(mutate(&state) { $0.take(into: &batch) })
        state.keepSpent(&batch)
        #expect(batch.isEmpty)
        _ = state.push(3, cost: 1)
        #expect(mutate(&state) { $0.take(into: &batch) })
        state.keepSpent(&batch)
        #expect(batch.isEmpty)
        state.takeSpent(into: &taken)
        #expect(taken == [[1, 2], [3]])
        var again: [[Int]] = []
        state.takeSpent(into: &again)
        #expect(again.isEmpty)
    }
}
