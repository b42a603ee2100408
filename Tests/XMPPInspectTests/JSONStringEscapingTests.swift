import Testing
@testable import XMPPInspect

/// The writer's JSON string escaping against a byte-by-byte reference, with each character that
/// needs escaping at every position of a word, of the 16-byte vectors and of the 64-byte steps
/// the writer skips by.
@Suite("JSON Lines writer: string escaping")
struct JSONStringEscapingTests {
    /// What the log writes for one byte of a string.
    private static func reference(_ byte: UInt8) -> [UInt8] {
        switch byte {
        case UInt8(ascii: "\""): return Array(#"\""#.utf8)
        case UInt8(ascii: "\\"): return Array(#"\\"#.utf8)
        case 0x0A: return Array(#"\n"#.utf8)
        case 0x0D: return Array(#"\r"#.utf8)
        case 0x09: return Array(#"\t"#.utf8)
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            return Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        default: return [byte]
        }
    }

    private static func expected(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(ascii: "\"")] + bytes.flatMap(reference) + [UInt8(ascii: "\"")]
    }

    private static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { JSONLinesWriter.appendEscaped($0, to: &out) }
        return out
    }

    @Test("one special byte at every position, in texts of every length up to 70 and from 120 to 140")
    func oneSpecialEverywhere() {
        let specials: [UInt8] = [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x00, 0x01, 0x1F]
        // Every special up to 70 bytes (one 64-byte step and what follows it); two of them in
        // texts of two steps and a tail.
        let lengths = Array(1...70) + Array(120...140)
        var compared = 0
        var expected = 0
        for length in lengths {
            let tried: [UInt8] = length <= 70 ? specials : [0x22, 0x5C, 0x0A, 0x01]
            expected += length * tried.count
            for position in 0..<length {
                for special in tried {
                    // Filler that is close to the specials in value (0x20, 0x21, 0x23, 0x5B, 0x5D),
                    // UTF-8 (é) and bytes with the high bit set, so that a sloppy mask would flag it.
                    let filler: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x61, 0xC3, 0xA9, 0x80, 0xFF]
                    var text = (0..<length).map { filler[$0 % filler.count] }
                    text[position] = special
                    let same = Self.escaped(text) == Self.expected(text)
                    #expect(same, "\(special) at \(position) of \(length)")
                    compared += 1
                }
            }
        }
        #expect(compared == expected)
        #expect(expected == 8 * (70 * 71 / 2) + 4 * (120...140).reduce(0, +))
    }

    @Test("two specials more than a 64-byte step apart: the skip starts again after the first, from where it stopped")
    func specialsSeveralStepsApart() {
        var compared = 0
        for first in [0, 5, 63, 64, 70] {
            for gap in [65, 80, 127, 128, 129, 150] {
                var text = (0..<(first + gap + 20)).map { UInt8(0x61 + $0 % 26) }
                text[first] = 0x0A
                text[first + gap] = 0x22
                #expect(Self.escaped(text) == Self.expected(text), "at \(first) and \(first + gap)")
                compared += 1
            }
        }
        #expect(compared == 30)
    }

    @Test("runs of specials, and two in one word")
    func runs() {
        let texts: [[UInt8]] = [
            Array(repeating: 0x22, count: 40),
            Array(#"ab"cd\ef"#.utf8) + Array(repeating: 0x61, count: 30) + [0x0A, 0x22],
            Array(repeating: 0x61, count: 33) + [0x5C, 0x5C] + Array(repeating: 0x61, count: 9) + [0x01],
            [],
        ]
        for text in texts {
            #expect(Self.escaped(text) == Self.expected(text))
        }
    }
}
