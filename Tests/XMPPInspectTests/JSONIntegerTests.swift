import Testing
@testable import XMPPInspect

/// The writer's integers (seq, conn, size, offset, request, positions) against Swift's own
/// decimal text, at every digit count and edge, both signs, and the extremes.
@Suite("JSON Lines writer: integers")
struct JSONIntegerTests {
    private static func written(_ value: Int) -> String {
        var out: [UInt8] = []
        JSONLinesWriter.appendInteger(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// 0 to 199 (every two-digit pair, with and without a leading digit), each power of ten and
    /// its neighbours, the extremes; and their negatives.
    static let values: [Int] = {
        var values = Array(0..<200)
        var power = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, power / 2 + 7]
        }
        values += [Int.max, Int.max - 1, Int.min + 1]
        return values + values.map { -$0 } + [Int.min]
    }()

    @Test("every value is written as String(value) writes it")
    func decimal() {
        var compared = 0
        for value in Self.values {
            #expect(Self.written(value) == String(value), "\(value)")
            compared += 1
        }
        #expect(compared == 2 * (200 + 18 * 4 + 3) + 1)
    }

    @Test("a cursor with room for the digits writes the same bytes as an array")
    func cursor() {
        var compared = 0
        for value in Self.values {
            let expected = Array(String(value).utf8)
            var room = [UInt8](repeating: 0, count: 24)
            let written = room.withUnsafeMutableBufferPointer { buffer -> [UInt8] in
                var cursor = JSONByteCursor(buffer)
                JSONLinesWriter.appendInteger(value, to: &cursor)
                return Array(buffer[0..<cursor.count])
            }
            #expect(written == expected, "\(value)")
            compared += 1
        }
        #expect(compared == 551)
    }
}
