import Testing
@testable import XMPPCore

/// `XMLCharacterValidator` skips plain ASCII sixty-four and sixteen bytes at a time, and reads
/// the last few in one load that ends where it stops (with bytes before its start in it); what it
/// returns must be what Swift's own UTF-8 decoder says, scalar by scalar, wherever the odd byte falls.
@Suite("XML character validation")
struct XMLCharacterValidatorTests {
    /// One scalar at a time, with Swift's own UTF-8 decoder (not the validator's table): how far
    /// the bytes are complete valid characters, and where the first bad one is (nil when none).
    private func reference(_ bytes: [UInt8], from: Int, to: Int) -> (Int, Int?) {
        var index = from
        while index < to {
            switch decode(bytes, at: index) {
            case .scalar(let scalar):
                if scalar.value < 0x20 && ![0x09, 0x0A, 0x0D].contains(scalar.value) { return (index, index) }
                index += UTF8.width(scalar)
            case .cutAtEnd:
                return (index, nil)
            case .invalid:
                return (index, index)
            }
        }
        return (index, nil)
    }

    private enum Decoded { case scalar(Unicode.Scalar), cutAtEnd, invalid }

    /// The scalar at `index`; a sequence that fails only because the data ends is one that some
    /// continuation bytes would complete.
    private func decode(_ bytes: [UInt8], at index: Int) -> Decoded {
        func first(_ input: [UInt8]) -> Unicode.Scalar? {
            var iterator = input.makeIterator()
            var decoder = UTF8()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
            return nil
        }
        let rest = Array(bytes[index...])
        if let scalar = first(rest) { return .scalar(scalar) }
        guard rest.count < 4 else { return .invalid }
        for pad: UInt8 in [0x80, 0x90, 0xA0, 0xBF] {
            if let scalar = first(rest + [pad, pad, pad]), UTF8.width(scalar) > rest.count { return .cutAtEnd }
        }
        return .invalid
    }

    @Test("the validator agrees with Swift's UTF-8 decoder, scalar by scalar, on generated text: long ASCII runs with a tab, a control character, é, 😀 or a broken sequence somewhere")
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

    @Test("isValidWhole agrees with the reference on whole buffers: valid to the end, nothing bad, nothing cut")
    func wholeBuffers() {
        var generator = SplitMix(seed: 12)
        let oddities: [[UInt8]] = [[0x09], [0x0A], [0x01], [0x00], Array("é".utf8), Array("😀".utf8), [0xC3], [0xE2, 0x82], [0xFF], [0x80]]
        var valid = 0, notValid = 0
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                bytes += (0..<Int(generator.next() % 70)).map { _ in UInt8(0x20 + generator.next() % 0x5F) }
                if generator.next() % 2 == 0 { bytes += oddities[Int(generator.next() % UInt64(oddities.count))] }
            }
            let expected = reference(bytes, from: 0, to: bytes.count)
            let whole = expected.0 == bytes.count && expected.1 == nil
            #expect(bytes.withUnsafeBufferPointer { XMLCharacterValidator.isValidWhole($0) } == whole, "\(bytes)")
            if whole { valid += 1 } else { notValid += 1 }
        }
        #expect(valid > 500 && notValid > 500)
    }

    @Test("one odd byte at every position of a 130-byte ASCII run, from several starting offsets: where the 64-byte steps and the halves of each vector fall")
    func oddByteEverywhere() {
        let oddities: [[UInt8]] = [[0x1F], [0x7F], [0x80], Array("é".utf8), [0xFF], [0x09]]
        var compared = 0
        for from in [0, 1, 7, 33] {
            for position in 0..<130 {
                for odd in oddities {
                    var bytes = (0..<(from + 134)).map { UInt8(0x20 + $0 % 0x5F) }
                    bytes.replaceSubrange(from + position..<from + position + odd.count, with: odd)
                    let window = ByteWindow()
                    window.skip(to: 100)
                    bytes.withUnsafeBytes { window.append($0) }
                    let (validEnd, bad) = XMLCharacterValidator.validate(window, from: 100 + from, to: 100 + bytes.count)
                    let expected = reference(bytes, from: from, to: bytes.count)
                    #expect(validEnd == 100 + expected.0, "\(odd) at \(position) from \(from)")
                    #expect(bad?.offset == expected.1.map { 100 + $0 }, "\(odd) at \(position) from \(from)")
                    compared += 1
                }
            }
        }
        #expect(compared == 4 * 130 * 6)
    }

    @Test("the last fewer than sixteen bytes, read in one load that ends at the end: an odd byte in them is found, one before the start (in the load, not in the range) is not, bytes after the end count only for a sequence that straddles it, a sequence cut at the end waits; and buffers shorter than sixteen bytes")
    func tailReadBackwards() {
        let oddities: [[UInt8]] = [[0x01], [0x80], Array("é".utf8), [0x0A], [0xE2, 0x82]]
        // Nothing after the range, or bytes that would be reported if they were taken for part of it.
        let afterwards: [[UInt8]] = [[], [0x01, 0xFF, 0x0A]]
        var compared = 0, invalid = 0, cut = 0
        for prefix in [0, 3, 16, 37] {
            for tail in 1..<16 {
                for position in -1..<tail {
                    for odd in oddities {
                        for after in afterwards {
                            // `prefix` bytes, then `tail` bytes checked, then `after`: the odd one at
                            // `position` of the tail (it may run past the tail), or (-1) just before
                            // it, where the load still reads.
                            let at = prefix + position
                            guard at >= 0, at + odd.count <= prefix + tail + after.count else { continue }
                            var bytes = (0..<(prefix + tail)).map { UInt8(0x41 + $0 % 26) } + after
                            bytes.replaceSubrange(at..<at + odd.count, with: odd)
                            let window = ByteWindow()
                            window.skip(to: 40)
                            bytes.withUnsafeBytes { window.append($0) }
                            let (validEnd, bad) = XMLCharacterValidator.validate(window, from: 40 + prefix, to: 40 + prefix + tail)
                            let expected = reference(bytes, from: prefix, to: prefix + tail)
                            let label = "\(odd) at \(position) of a \(tail)-byte tail after \(prefix), \(after.count) bytes after"
                            #expect(validEnd == 40 + expected.0, "\(label)")
                            #expect(bad?.offset == expected.1.map { 40 + $0 }, "\(label)")
                            compared += 1
                            if expected.1 != nil { invalid += 1 } else if expected.0 < prefix + tail { cut += 1 }
                        }
                    }
                }
            }
        }
        #expect(compared == 5_130)
        #expect(invalid == 2_944)
        #expect(cut == 56)
    }
}
