import Testing
import XMPPBase

/// ``RecentlyKept``: never more than its capacity, and once full each new value replaces the
/// oldest kept, so the last `capacity` values kept are always the ones there.
@Suite struct RecentlyKeptTests {
    @Test func keepsTheLatestUpToItsCapacity() {
        for capacity in [1, 2, 4, 16] {
            var recent = RecentlyKept<Int>(capacity: capacity)
            for value in 0..<50 {
                recent.keep(value)
                let expected = Set(max(0, value - capacity + 1)...value)
                #expect(Set(recent.values) == expected, "capacity \(capacity) after \(value)")
                #expect(recent.values.count == expected.count)
            }
            recent.removeAll()
            #expect(recent.values.isEmpty)
            // After forgetting, it fills again from the start.
            for value in 100..<(100 + capacity + 1) { recent.keep(value) }
            #expect(Set(recent.values) == Set((101...(100 + capacity))))
        }
    }
}
