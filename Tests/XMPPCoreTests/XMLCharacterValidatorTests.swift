import Testing
@testable import XMPPCore

/// `XMLCharacterValidator` skips plain ASCII thirty-two and eight bytes at a time; what it
/// returns must be what a byte-by-byte walk returns, wherever the odd byte falls.
@Suite("XML character validation")
struct XMLCharacterValidatorTests {
    /// One byte at a time: how far the bytes are complete valid characters, and where the first
    /// bad one is (nil when none), as the validator defines it.
    private func reference(_ bytes: [UInt8], from: Int, to: Int) -> (Int, Int?) {
        var index = from
        while index < to {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return (index, index) }
                index += 1
                continue
            }
            let length: Int
            var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowest = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; highest = 0x9F
            case 0xF0: length = 4; lowest = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; highest = 0x8F
            default: return (index, index)
            }
            for next in 1..<length {
                guard index + next < bytes.count else { return (index, nil) }
                let continuation = bytes[index + next]
                guard continuation >= (next == 1 ? lowest : 0x80) && continuation <= (next == 1 ? highest : 0xBF) else {
                    return (index, index)
                }
            }
            index += length
        }
        return (index, nil)
    }

    @Test("the validator agrees with a byte-by-byte walk on generated text: long ASCII runs with a tab, a control character, é, 😀 or a broken sequence somewhere")
    func matchesReference() {
        var generator = SplitMix(seed: 11)
        let oddities: [[UInt8]] = [[0x09], [0x0A], [0x0D], [0x01], [0x00], [0x7F], Array("é".utf8), Array("😀".utf8),
                                   [0xC3], [0xE2, 0x82], [0xFF], [0xED, 0xA0, 0x80], [0x80]]
        var compared = 0, invalid = 0
        for _ in 0..<3_000 {
            var bytes: [UInt8] = []
            let pieces = 1 + Int(generator.next() % 4)
            for _ in 0..<pieces {
                bytes += (0..<Int(generator.next() % 90)).map { _ in UInt8(0x20 + generator.next() % 0x5F) }
                if generator.next() % 3 != 0 { bytes += oddities[Int(generator.next() % UInt64(oddities.count))] }
            }
            let window = ByteWindow()
            window.skip(to: 500)
            bytes.withUnsafeBytes { window.append($0) }
            let from = bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count))
            let to = from + Int(generator.next() % UInt64(bytes.count - from + 1))
            let (validEnd, bad) = XMLCharacterValidator.validate(window, from: 500 + from, to: 500 + to)
            let expected = reference(bytes, from: from, to: to)
            #expect(validEnd == 500 + expected.0 && bad?.offset == expected.1.map { 500 + $0 }, "got \(validEnd - 500) \(String(describing: bad?.offset)) expected \(expected) for \(bytes.count) bytes from \(from) to \(to)")
            compared += 1
            if expected.1 != nil { invalid += 1 }
        }
        #expect(compared == 3_000)
        #expect(invalid > 300)
    }
}
