import Testing
@testable import XMPPInspect

/// The record stage's kept namespace tails: each answer must be the list without its first
/// namespace, whether the list is one it has seen (the same array again) or a new array with
/// the same or other contents, and however many lists have pushed older ones out.
@Suite struct NamespaceTailsTests {
    @Test func everyTailIsTheListWithoutItsFirst() {
        var tails = NamespaceTails()
        // 24 distinct arrays (more than are kept), some with equal contents, handed out again
        // in an order that revisits both kept and pushed-out ones.
        let lists: [[String]] = (0..<24).map { index in
            ["jabber:client", "urn:example:\(index % 10)", "urn:extra:\(index % 3)"].prefix(2 + index % 2).map { $0 }
        }
        var asked = 0
        for round in 0..<5 {
            for step in 0..<lists.count {
                let list = lists[(step * (round + 1) * 7) % lists.count]
                #expect(tails.tail(of: list) == Array(list.dropFirst()))
                asked += 1
            }
            // A new array equal to a kept one, and one whose contents changed after being asked about.
            let copy = Array(lists[round])
            #expect(tails.tail(of: copy) == Array(lists[round].dropFirst()))
            var changed = lists[round]
            changed[1] = "urn:changed:\(round)"
            #expect(tails.tail(of: changed) == ["urn:changed:\(round)"] + lists[round].dropFirst(2))
            asked += 2
        }
        #expect(asked == 5 * (24 + 2))
    }
}
