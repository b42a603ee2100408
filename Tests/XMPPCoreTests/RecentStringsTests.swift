import Testing
@testable import XMPPCore

/// Strings kept for attribute bytes: whatever was kept before, each answer must be the string
/// the bytes make on their own, for long and short addresses, entities, invalid UTF-8 and more
/// distinct values than are kept.
@Suite struct RecentStringsTests {
    static func make(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let string = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(UInt8(ascii: "&")) ? string.unescapingXMLEntities() : string
    }

    @Test func everyAnswerIsWhatTheBytesMake() {
        let values: [[UInt8]] = [
            Array("romeo@montague.example/orchard".utf8), Array("juliet@capulet.example".utf8),
            Array("short@x.y".utf8), Array("capulet.example".utf8), Array("nurse@capulet.example/balcony".utf8),
            Array("friar&amp;lawrence@verona.example".utf8), Array("tybalt@capulet.example/duel".utf8),
            Array("benvolio@montague.example/street".utf8), Array("romeo@montague.example/orchard2".utf8),
            Array("juliet@capulet.example".utf8) + [0xFF, 0xFE], Array("mercutio@verona.example/x".utf8),
            // Made from the first, the string has the second's bytes: it must not stand for them.
            Array("paris&amp;amp;county@verona.example".utf8), Array("paris&amp;county@verona.example".utf8),
        ]
        var recent = RecentStrings()
        var made = 0
        var kept = 0
        for round in 0..<6 {
            for step in 0..<values.count {
                let bytes = values[round % 2 == 0 ? step : (step * (round + 2)) % values.count]
                let answer = bytes.withUnsafeBufferPointer { buffer in
                    recent.string(buffer) { made += 1; return Self.make($0) }
                }
                #expect(answer == bytes.withUnsafeBufferPointer { Self.make($0) })
            }
        }
        // Something was kept and handed out again (fewer made than asked), not everything.
        kept = 6 * values.count - made
        #expect(kept > 0 && made > values.count)
    }
}
