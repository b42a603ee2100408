import Testing
@testable import XMPPCore

/// Strings kept for attribute bytes: whatever was kept before, each answer must be the string
/// the bytes make on their own, for long and short addresses, entities, invalid UTF-8 and more
/// distinct values than are kept; only long strings whose bytes are exactly the attribute's are
/// handed out again.
@Suite struct RecentStringsTests {
    static func make(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let string = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(UInt8(ascii: "&")) ? string.unescapingXMLEntities() : string
    }

    static let values: [[UInt8]] = [
        Array("romeo@montague.example/orchard".utf8), Array("juliet@capulet.example".utf8),
        Array("short@x.y".utf8), Array("capulet.example".utf8), Array("nurse@capulet.example/balcony".utf8),
        Array("friar&amp;lawrence@verona.example".utf8), Array("tybalt@capulet.example/duel".utf8),
        Array("benvolio@montague.example/street".utf8), Array("romeo@montague.example/orchard2".utf8),
        Array("juliet@capulet.example".utf8) + [0xFF, 0xFE], Array("mercutio@verona.example/x".utf8),
        // Made from the first, the string has the second's bytes: it must not stand for them.
        Array("paris&amp;amp;county@verona.example".utf8), Array("paris&amp;county@verona.example".utf8),
    ]
    /// Too short to be kept (15 bytes or fewer), with an entity, or not UTF-8.
    static let neverKept: Set<Int> = [2, 3, 5, 9, 11, 12]

    @Test func everyAnswerIsWhatTheBytesMake() {
        var recent = RecentStrings()
        var asked = Array(repeating: 0, count: Self.values.count)
        var made = Array(repeating: 0, count: Self.values.count)
        for round in 0..<6 {
            for step in 0..<Self.values.count {
                let index = round % 2 == 0 ? step : (step * (round + 2)) % Self.values.count
                let bytes = Self.values[index]
                asked[index] += 1
                let answer = bytes.withUnsafeBufferPointer { buffer in
                    recent.string(buffer) { made[index] += 1; return Self.make($0) }
                }
                #expect(answer == bytes.withUnsafeBufferPointer { Self.make($0) })
            }
        }
        for index in Self.neverKept { #expect(made[index] == asked[index], "value \(index) was handed out again") }
        // Seven long exact values, asked six times each: handed out again more often than made.
        let keptMade = Self.values.indices.filter { !Self.neverKept.contains($0) }.map { made[$0] }.reduce(0, +)
        let keptAsked = Self.values.indices.filter { !Self.neverKept.contains($0) }.map { asked[$0] }.reduce(0, +)
        #expect(keptMade < keptAsked)
    }

    /// More addresses than the table has slots: colliding ones take each other's slot, and every
    /// answer is still the one the bytes make; one asked twice in a row is made once.
    @Test func moreAddressesThanSlots() {
        var recent = RecentStrings()
        let addresses = (0..<(4 * RecentStrings.slotCount)).map { Array("contact-\($0)@montague.example/orchard".utf8) }
        var made = 0
        for bytes in addresses {
            for _ in 0..<2 {
                let answer = bytes.withUnsafeBufferPointer { buffer in recent.string(buffer) { made += 1; return Self.make($0) } }
                #expect(Array(answer.utf8) == bytes)
            }
        }
        #expect(made == addresses.count)
        var answered = 0
        for bytes in addresses.reversed() {
            let answer = bytes.withUnsafeBufferPointer { buffer in recent.string(buffer) { Self.make($0) } }
            #expect(Array(answer.utf8) == bytes)
            answered += 1
        }
        #expect(answered == addresses.count)
    }

    @Test func aLongAddressAskedAgainIsMadeOnce() {
        var recent = RecentStrings()
        var made = 0
        let bytes = Self.values[0]
        for _ in 0..<3 {
            let answer = bytes.withUnsafeBufferPointer { buffer in recent.string(buffer) { made += 1; return Self.make($0) } }
            #expect(answer == "romeo@montague.example/orchard")
        }
        #expect(made == 1)
    }
}
