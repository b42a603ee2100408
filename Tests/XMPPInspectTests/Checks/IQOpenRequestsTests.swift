import Testing
import XMPPBase
@testable import XMPPInspect

@Suite("IQOpenRequests: waiting iq requests by direction and id, several under one id")
struct IQOpenRequestsTests {
    private func request(_ seq: Int, _ originator: String = "") -> IQOpenRequests.Request {
        .init(seq: seq, originator: originator, type: "get")
    }

    private let key = IQExchange.Key(direction: .c2s, id: "a1")

    @Test("three requests under one id come out oldest first, whichever is removed")
    func severalUnderOneID() {
        var open = IQOpenRequests()
        open.add(key, request(1, "x@a"))
        open.add(key, request(2, "y@a"))
        open.add(key, request(3, "x@a"))
        #expect(open.waiting(key, from: "x@a")?.seq == 1)
        #expect(open.waiting(key, from: "y@a")?.seq == 2)
        #expect(open.waiting(key, from: "z@a") == nil)

        open.remove(key, seq: 2)  // a later one
        #expect(open.waiting(key, from: "y@a") == nil)
        #expect(open.waiting(key, from: "x@a")?.seq == 1)

        open.removeOldest(key)  // 1 goes, 3 takes its place
        #expect(open.waiting(key, from: "x@a")?.seq == 3)
        #expect(open.isWaiting(key))

        open.remove(key, seq: 3)
        #expect(!open.isWaiting(key))
        #expect(open.waiting(key, from: "x@a") == nil)
    }

    @Test("an id is kept apart by direction, and removing an unknown seq changes nothing")
    func directionsAndUnknownSeqs() {
        var open = IQOpenRequests()
        let back = IQExchange.Key(direction: .s2c, id: "a1")
        open.add(key, request(1))
        open.add(back, request(2))
        open.remove(key, seq: 99)
        open.remove(IQExchange.Key(direction: .c2s, id: "other"), seq: 1)
        #expect(open.waiting(key, from: "")?.seq == 1)
        #expect(open.waiting(back, from: "")?.seq == 2)
        open.removeOldest(key)
        #expect(!open.isWaiting(key))
        #expect(open.waiting(back, from: "")?.seq == 2)
    }

    @Test("four requests under one id answered in turn leave nothing waiting; the id then waits anew")
    func answeredInTurn() {
        var open = IQOpenRequests()
        for seq in 1...4 { open.add(key, request(seq)) }
        for seq in 1...4 {
            #expect(open.waiting(key, from: "")?.seq == seq)
            open.remove(key, seq: seq)
        }
        #expect(!open.isWaiting(key))
        // Added again after all went: it waits alone, as new.
        open.add(key, request(5))
        #expect(open.waiting(key, from: "")?.seq == 5)
    }

    @Test("adding says which request from the same originator already waited under the id, past the capacity too")
    func addReturnsTheEarlierOne() {
        var open = IQOpenRequests()
        #expect(open.add(key, request(1, "x@a")) == nil)
        #expect(open.add(key, request(2, "y@a")) == nil)
        #expect(open.add(key, request(3, "x@a"))?.seq == 1)
        #expect(open.add(key, request(4, "y@a"))?.seq == 2)
        open.remove(key, seq: 1)
        #expect(open.add(key, request(5, "x@a"))?.seq == 3)
        // Two from x@a wait (3 and 5): the oldest is the one returned.
        #expect(open.add(key, request(7, "x@a"))?.seq == 3)
        #expect(open.add(IQExchange.Key(direction: .s2c, id: "a1"), request(6, "x@a")) == nil)

        // Filled to the capacity: the request that starts afresh still finds the one before it.
        var full = IQOpenRequests()
        full.add(key, request(0, "x@a"))
        for seq in 1..<IQExchange.capacity {
            full.add(IQExchange.Key(direction: .c2s, id: "id\(seq)"), request(seq))
        }
        #expect(full.add(key, request(5_000, "x@a"))?.seq == 0)
        #expect(!full.isWaiting(IQExchange.Key(direction: .c2s, id: "id1")))
        #expect(full.waiting(key, from: "x@a")?.seq == 5_000)
        #expect(full.add(key, request(5_001, "x@a"))?.seq == 5_000)
    }

    @Test("past the capacity it starts afresh")
    func bounded() {
        var open = IQOpenRequests()
        for seq in 0..<IQExchange.capacity {
            open.add(IQExchange.Key(direction: .c2s, id: "id\(seq)"), request(seq))
        }
        #expect(open.isWaiting(IQExchange.Key(direction: .c2s, id: "id0")))
        open.add(key, request(5_000))
        #expect(!open.isWaiting(IQExchange.Key(direction: .c2s, id: "id0")))
        #expect(open.waiting(key, from: "")?.seq == 5_000)
    }
}
