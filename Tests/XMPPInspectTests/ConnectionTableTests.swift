import Testing
@testable import XMPPInspect

/// The stages' per-connection table: whatever ids share a slot of its front, and in whatever
/// order connections come and go, it must answer as a dictionary does.
@Suite struct ConnectionTableTests {
    final class Session {
        let id: Int
        init(id: Int) { self.id = id }
    }

    @Test func answersAsADictionaryDoes() {
        var table = ConnectionTable<Session>()
        var reference: [Int: Session] = [:]
        var generator = SplitMix64(seed: 5)
        let size = ConnectionTable<Session>.frontSize
        // Ids that share slots (k, k + size, k + 2·size), ids in order, and 0 (the raw session).
        let ids = (0..<40).flatMap { [$0, $0 + size, $0 + 2 * size] } + Array(1_000..<1_400) + [0]
        var added = 0, removed = 0, checked = 0
        for _ in 0..<20_000 {
            let id = ids[Int(generator.next() % UInt64(ids.count))]
            switch generator.next() % 4 {
            case 0:
                let session = Session(id: id)
                table[id] = session
                reference[id] = session
                added += 1
            case 1:
                #expect(table.removeValue(forKey: id) === reference.removeValue(forKey: id), "remove \(id)")
                removed += 1
            case 2:
                table[id] = nil
                reference[id] = nil
                removed += 1
            default:
                #expect(table[id] === reference[id], "id \(id)")
                checked += 1
            }
        }
        for id in ids { #expect(table[id] === reference[id], "id \(id) at the end") }
        #expect(Set(table.keys) == Set(reference.keys))
        #expect(added > 4_000 && removed > 8_000 && checked > 4_000)
    }
}
