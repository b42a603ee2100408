import Testing
@testable import XMPPInspect

/// The record stage's kept namespace tails: each answer must be the list without its first
/// namespace, whether the list is one it has seen (the same array again) or a new array with
/// the same or other contents, and however many lists have pushed older ones out.
@Suite struct NamespaceTailsTests {
    @Test func everyTailIsTheListWithoutItsFirst() {
        var tails = NamespaceTails()
        // 150 distinct arrays (more than the table's slots), some with equal contents, handed out
        // again in an order that revisits both kept and pushed-out ones.
        let lists: [[String]] = (0..<150).map { index in
            ["jabber:client", "urn:example:\(index % 10)", "urn:extra:\(index % 3)"].prefix(2 + index % 2).map { $0 }
        }
        for round in 0..<5 {
            for step in 0..<lists.count {
                let list = lists[(step * (round + 1) * 7) % lists.count]
                #expect(tails.tail(of: list) == Array(list.dropFirst()))
            }
            // A new array equal to a kept one, and one whose contents changed after being asked about.
            let copy = Array(lists[round])
            #expect(tails.tail(of: copy) == Array(lists[round].dropFirst()))
            var changed = lists[round]
            changed[1] = "urn:changed:\(round)"
            #expect(tails.tail(of: changed) == ["urn:changed:\(round)"] + lists[round].dropFirst(2))
        }
    }

    /// A list that is gone by the time a new one of the same size is asked about: the new list
    /// may be where the old one was, and must still get its own tail.
    @Test func aNewListWhereAnOldOneWas() {
        var tails = NamespaceTails()
        for index in 0..<40 {
            do {
                let passing = ["jabber:client", "urn:passing:\(index)", "urn:more:\(index)"]
                #expect(tails.tail(of: passing) == ["urn:passing:\(index)", "urn:more:\(index)"])
            }
            let next = ["jabber:client", "urn:next:\(index)", "urn:other:\(index)"]
            #expect(tails.tail(of: next) == ["urn:next:\(index)", "urn:other:\(index)"])
        }
    }
}
