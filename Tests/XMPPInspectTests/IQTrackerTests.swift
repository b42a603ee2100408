import Testing
import XMPPBase
@testable import XMPPInspect

/// ``IQTracker`` pairs requests with responses and, past its capacity, reports the oldest open
/// requests unanswered, whatever was answered in between; what it keeps stays bounded.
@Suite("iq tracker: pairing, eviction order, bounded bookkeeping")
struct IQTrackerTests {
    static func iq(_ seq: Int, _ direction: Direction, _ type: String, id: String, from: String? = nil, to: String? = nil) -> Record {
        var record = Record(seq: seq, timestamp: Timestamp(microseconds: Int64(seq)), connection: 1, direction: direction, event: .stanza)
        record.kind = "iq"
        record.type = type
        record.id = id
        record.from = from
        record.to = to
        return record
    }

    @Test("a response pairs with the oldest open request of its id sent the other way and addressed back")
    func pairs() {
        var tracker = IQTracker()
        #expect(tracker.request(Self.iq(1, .c2s, "get", id: "a", to: "x@example.org")).isEmpty)
        #expect(tracker.request(Self.iq(2, .c2s, "get", id: "a", to: "y@example.org")).isEmpty)
        #expect(tracker.response(Self.iq(3, .c2s, "result", id: "a", from: "y@example.org")) == nil, "same direction")
        #expect(tracker.response(Self.iq(4, .s2c, "result", id: "a", from: "y@example.org"))?.seq == 2)
        #expect(tracker.response(Self.iq(5, .s2c, "result", id: "a", from: "y@example.org")) == nil, "answered already")
        #expect(tracker.response(Self.iq(6, .s2c, "result", id: "a"))?.seq == 1)
        #expect(tracker.openCount == 0)
    }

    @Test("past its capacity the oldest open request is evicted first; answered ones are skipped")
    func evictsOldestOpen() {
        var tracker = IQTracker(capacity: 3)
        for (seq, id) in [(1, "a"), (2, "b"), (3, "c")] {
            #expect(tracker.request(Self.iq(seq, .c2s, "get", id: id)).isEmpty)
        }
        #expect(tracker.response(Self.iq(4, .s2c, "result", id: "a"))?.seq == 1)
        #expect(tracker.request(Self.iq(5, .c2s, "set", id: "d")).isEmpty, "three open: b, c, d")
        #expect(tracker.request(Self.iq(6, .c2s, "set", id: "e")).map(\.seq) == [2])
        #expect(tracker.request(Self.iq(7, .c2s, "set", id: "f")).map(\.seq) == [3])
        #expect(tracker.openCount == 3)
        #expect(tracker.drain().map(\.seq) == [5, 6, 7])
        #expect(tracker.openCount == 0 && tracker.orderedEntryCount == 0)
    }

    @Test("an answer to the younger of two requests sharing an id leaves the older one oldest")
    func evictsOldestOfSharedID() {
        var tracker = IQTracker(capacity: 3)
        #expect(tracker.request(Self.iq(1, .c2s, "get", id: "a", to: "x@example.org")).isEmpty)
        #expect(tracker.request(Self.iq(2, .c2s, "get", id: "b")).isEmpty)
        #expect(tracker.request(Self.iq(3, .c2s, "get", id: "a", to: "y@example.org")).isEmpty)
        #expect(tracker.response(Self.iq(4, .s2c, "result", id: "a", from: "y@example.org"))?.seq == 3)
        #expect(tracker.request(Self.iq(5, .c2s, "get", id: "c")).isEmpty, "three open: 1, 2, 5")
        #expect(tracker.request(Self.iq(6, .c2s, "get", id: "d")).map(\.seq) == [1])
        #expect(tracker.request(Self.iq(7, .c2s, "get", id: "e")).map(\.seq) == [2])
    }

    @Test("answered requests do not pile up in the eviction order")
    func orderStaysBounded() {
        var tracker = IQTracker(capacity: 100)
        var largest = 0
        var paired = 0
        for n in 0...20_000 {
            // One request in ten is never answered: past the capacity those are evicted.
            _ = tracker.request(Self.iq(2 * n, .c2s, "get", id: "r\(n)"))
            if n % 10 != 0, tracker.response(Self.iq(2 * n + 1, .s2c, "result", id: "r\(n)"))?.seq == 2 * n { paired += 1 }
            largest = max(largest, tracker.orderedEntryCount)
        }
        #expect(paired == 18_000)
        #expect(tracker.openCount == 100)
        #expect(largest <= 2 * 100 + 256 + 1, "at most about twice the open requests, and a few hundred")
    }
}
