import Testing
@testable import XMPPCore

/// `ByteWindow.lastTag` reads sixteen bytes at a time; it must find what a byte-by-byte walk
/// backwards finds, wherever the `<` falls against the vectors and the window's bounds.
@Suite("ByteWindow searches")
struct ByteWindowSearchTests {
    /// The last `<` in [from, before), one byte at a time: the reference.
    private func reference(_ bytes: [UInt8], windowStart: Int, from: Int, before: Int) -> Int? {
        var index = min(before, windowStart + bytes.count) - 1
        while index >= max(from, windowStart) {
            if bytes[index - windowStart] == UInt8(ascii: "<") { return index }
            index -= 1
        }
        return nil
    }

    @Test("lastTag finds the reference's answer for every range of generated windows, the window starting past 0")
    func lastTagMatchesReference() {
        var generator = SplitMix(seed: 7)
        var compared = 0, found = 0
        for _ in 0..<200 {
            let count = Int(generator.next() % 70)
            // Mostly attribute-like bytes, sometimes a `<`, sometimes bytes with the high bit set.
            let bytes: [UInt8] = (0..<count).map { _ in
                switch generator.next() % 20 {
                case 0: return UInt8(ascii: "<")
                case 1: return 0xBC  // "<" | 0x80: must not be taken for one
                case 2: return 0x3D
                default: return UInt8(ascii: "a") + UInt8(generator.next() % 26)
                }
            }
            let window = ByteWindow()
            window.skip(to: 1000)
            bytes.withUnsafeBytes { window.append($0) }
            for from in stride(from: 990, through: 1000 + count + 2, by: 1) {
                for before in stride(from: from, through: 1000 + count + 3, by: 1) {
                    let expected = reference(bytes, windowStart: 1000, from: from, before: before)
                    #expect(window.lastTag(from: from, before: before) == expected, "from \(from) before \(before) in \(bytes)")
                    compared += 1
                    if expected != nil { found += 1 }
                }
            }
        }
        #expect(compared > 100_000)
        #expect(found > 50_000)
    }
}

