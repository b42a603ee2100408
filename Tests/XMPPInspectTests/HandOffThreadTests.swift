import Dispatch
import Foundation
import Testing
@testable import XMPPInspect

/// The hand-off with its thread: each test holds the consumer at its gate and lets it through
/// one batch at a time, deciding what must not have happened yet when the next batch arrives
/// (the consumer's thread does everything before that in order), never after a pause.
@Suite("Hand-off to a thread of its own")
struct HandOffThreadTests {
    private func start(_ gate: Gate, high: Int, low: Int, batchSize: Int = .max) -> HandOffThread<GatedConsumer> {
        HandOffThread(name: "test-hand-off", waterMarks: WaterMarks(high: high, low: low), batchSize: batchSize,
                      consumer: GatedConsumer(gate))
    }

    @Test("the thread takes everything waiting at once and gives it to the consumer in order, batchSize items at a time")
    func batches() {
        let gate = Gate()
        let handOff = start(gate, high: 100, low: 50, batchSize: 3)
        handOff.push(1)
        #expect(gate.nextArrival() == [1])
        for item in 2...8 { handOff.push(item) }  // all waiting while the consumer is held
        gate.open()
        #expect(handOff.close() == [[1], [2, 3, 4], [5, 6, 7], [8]])
    }

    @Test("push says stop past the high-water mark; whenDrained calls back once the consumer brought the cost to the low-water mark")
    func drained() {
        let gate = Gate()
        let handOff = start(gate, high: 4, low: 2, batchSize: 1)
        let resumed = DispatchSemaphore(value: 0)
        handOff.whenDrained { resumed.signal() }  // nothing waits: called at once, here
        #expect(resumed.wait(timeout: .now()) == .success)

        #expect(handOff.push(1))
        #expect(gate.nextArrival() == [1])
        #expect(handOff.push(1))
        #expect(handOff.push(1))
        #expect(handOff.push(1))  // 4: at the mark
        #expect(!handOff.push(1))  // 5: past it
        #expect(handOff.queuedCost == 5)  // the one being consumed counts
        handOff.whenDrained { resumed.signal() }
        #expect(resumed.wait(timeout: .now()) == .timedOut)
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // 4 left
        #expect(resumed.wait(timeout: .now()) == .timedOut)
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // 3 left
        #expect(resumed.wait(timeout: .now()) == .timedOut)
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // 2 left: called back before this batch came
        #expect(resumed.wait(timeout: .now()) == .success)
        gate.open()
        #expect(handOff.close().count == 5)
        #expect(resumed.wait(timeout: .now()) == .timedOut)  // once only
    }

    @Test("pushBlocking returns only once the consumer brought the cost down to the low-water mark")
    func blocking() {
        let gate = Gate()
        let handOff = start(gate, high: 4, low: 2, batchSize: 1)
        handOff.push(1)
        #expect(gate.nextArrival() == [1])
        let returned = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            handOff.pushBlocking([1, 1, 1, 1, 1])  // 6: past the mark
            returned.signal()
        }
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // the producer's first: it pushed; 5 left
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // 4 left
        gate.letOneThrough()
        #expect(gate.nextArrival() == [1])  // 3 left
        #expect(returned.wait(timeout: .now()) == .timedOut)
        gate.letOneThrough()  // 2 left: the producer goes on
        #expect(returned.wait(timeout: .now() + 10) == .success)
        gate.open()
        #expect(handOff.close().count == 6)
    }

    @Test("close lets the consumer work through what waits, then returns its outcome; nothing later is taken or called back")
    func closing() {
        let gate = Gate()
        let handOff = start(gate, high: 2, low: 1)
        let resumed = DispatchSemaphore(value: 0)
        handOff.push(1)
        #expect(gate.nextArrival() == [1])
        handOff.push(2)
        handOff.push(3)  // 6: past the mark while the consumer is held
        handOff.whenDrained { resumed.signal() }
        let outcome = ConditionBox<[[Int]]?>(nil)
        let closed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = handOff.close()
            outcome.withLock { $0 = result }
            closed.signal()
        }
        handOff.pushBlocking([])  // returns once closed: until then the cost stays past the mark
        gate.open()
        #expect(closed.wait(timeout: .now() + 10) == .success)
        #expect(outcome.withLock { $0 } == [[1], [2, 3]])
        #expect(resumed.wait(timeout: .now()) == .timedOut)  // the cost fell to 0 after the close
        #expect(handOff.push(4))
        handOff.whenDrained { resumed.signal() }
        #expect(resumed.wait(timeout: .now()) == .timedOut)
        #expect(handOff.close() == [[1], [2, 3]])
    }

    /// An item that notes the thread it is let go of on.
    final class Tracked: Sendable {
        let threads: ConditionBox<[pthread_t]>
        init(_ threads: ConditionBox<[pthread_t]>) { self.threads = threads }
        deinit {
            let thread = pthread_self()
            threads.withLock { $0.append(thread) }
        }
    }

    /// Counts the items it is given and keeps none of them; waits for `go` before each batch.
    struct CountingConsumer: HandOffConsumer {
        let go: DispatchSemaphore
        var count = 0
        mutating func consume(_ items: ArraySlice<Tracked>) {
            go.wait()
            count += items.count
        }
        func finish() -> Int { count }
    }

    /// Waits (20 s at most) until the consumer is done with everything pushed: the thread keeps
    /// a batch's items for the producer in the same locked call that releases their cost.
    private func waitUntilConsumed(_ handOff: HandOffThread<CountingConsumer>) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while handOff.queuedCost > 0 {
            guard Date() < deadline else { return false }
            usleep(200)
        }
        return true
    }

    @Test("with dropsSpentOnProducer, the producer lets go of what the consumer is done with at its next push, and of the rest at close; the hand-off's thread of none")
    func spentItemsGoBackToTheProducer() {
        let threads = ConditionBox<[pthread_t]>([])
        let producer = pthread_self()
        let go = DispatchSemaphore(value: 0)
        let handOff = HandOffThread(name: "test-hand-off", waterMarks: WaterMarks(high: 1, low: 0), batchSize: 1,
                                    dropsSpentOnProducer: true, consumer: CountingConsumer(go: go))
        // Each item is the hand-off's alone before the consumer may take it: without the
        // option, the thread would be the last to hold every one of them.
        var pushed = 0
        for round in 0..<42 {
            if round % 3 != 2 {
                // push takes back what the consumer is done with: everything pushed before.
                handOff.push(Tracked(threads))
                #expect(threads.withLock { $0.count } == pushed, "round \(round)")
                go.signal()
                pushed += 1
            } else {
                // Two past the high-water mark: pushBlocking takes back what was done with
                // before, waits until the consumer is done with both, and takes them back too.
                go.signal()
                go.signal()
                handOff.pushBlocking([Tracked(threads), Tracked(threads)])
                pushed += 2
                #expect(threads.withLock { $0.count } == pushed, "round \(round)")
            }
            #expect(waitUntilConsumed(handOff))
        }
        #expect(handOff.close() == 56)
        let letGoOn = threads.withLock { $0 }
        #expect(letGoOn.count == 56, "what was left went at close")
        #expect(letGoOn.filter { pthread_equal($0, producer) == 0 }.count == 0)
    }

    /// Something a consumer holds on to: gone once the hand-off's thread let go of its consumer.
    final class Sentinel: Sendable {}

    /// Passes each batch through a gate and notes it; notes whether it was finished.
    struct ProbeConsumer: HandOffConsumer {
        let gate: Gate
        let sentinel: Sentinel
        let consumed: ConditionBox<[Int]>
        let finished: ConditionBox<Bool>

        mutating func consume(_ items: ArraySlice<Int>) {
            gate.pass(Array(items))
            consumed.withLock { $0.append(contentsOf: items) }
        }

        func finish() {
            withExtendedLifetime(sentinel) { finished.withLock { $0 = true } }
        }
    }

    @Test("a hand-off let go of unclosed drops what waits and ends its thread without finishing its consumer")
    func abandoned() {
        let gate = Gate()
        let consumed = ConditionBox<[Int]>([])
        let finished = ConditionBox(false)
        weak var released: Sentinel?
        do {
            let sentinel = Sentinel()
            released = sentinel
            let handOff = HandOffThread(name: "test-hand-off", waterMarks: WaterMarks(high: 100, low: 50),
                                        consumer: ProbeConsumer(gate: gate, sentinel: sentinel, consumed: consumed, finished: finished))
            handOff.push(1)
            #expect(gate.nextArrival() == [1])
            handOff.push(2)  // waits while the consumer is held at the gate
        }
        gate.open()
        // Bounded: the thread gets 20 s to let go of its consumer.
        let deadline = Date().addingTimeInterval(20)
        while released != nil && Date() < deadline { usleep(2_000) }
        #expect(released == nil, "the thread ended and let go of its consumer")
        #expect(consumed.withLock { $0 } == [1], "what waited was dropped")
        #expect(finished.withLock { $0 } == false)
    }
}
