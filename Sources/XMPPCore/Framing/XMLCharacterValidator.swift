#if !_endian(little)
#error("XMLCharacterValidator reads the first flagged lane from the low end of the low word: little-endian lanes")
#endif

/// Checks that bytes are UTF-8 encoded XML characters before libxml2 sees them: libxml2 would
/// otherwise report a broken sequence late, or at a place that depends on how the bytes were split.
enum XMLCharacterValidator {
    /// A byte that is not UTF-8 or not an XML character. The message is made only when asked
    /// for: a chunk checked on the reading thread (``isValidWhole(_:)``) that fails, TLS records
    /// say, wants none.
    struct InvalidCharacter {
        var offset: Int
        /// The byte, and the one after it when that is the broken continuation.
        var byte: UInt8
        var continuation: UInt8?

        /// What is wrong, as the framer reports it.
        var message: String {
            if byte < 0x80 {
                let name = byte == 0 ? "a NUL byte" : "control character 0x\(String(byte, radix: 16))"
                return "\(name) is not allowed in XML"
            }
            guard let continuation else { return "invalid UTF-8 (byte 0x\(String(byte, radix: 16)))" }
            return "invalid UTF-8 (byte 0x\(String(byte, radix: 16)) followed by 0x\(String(continuation, radix: 16)))"
        }
    }

    /// Checks the bytes of `window` from `from` to about `to`: returns how far they are complete,
    /// valid UTF-8 XML characters (a sequence may end up to three bytes past `to`), and the first
    /// invalid one. A sequence cut at the end of the data is left for the next call.
    static func validate(_ window: ByteWindow, from: Int, to: Int) -> (validEnd: Int, invalid: InvalidCharacter?) {
        window.withUnsafeBytes { buffer, base in validate(buffer, base: base, from: from, to: to) }
    }

    /// Whether `bytes` are all valid UTF-8 XML characters, the last one complete: what
    /// ``validate(_:from:to:)`` would find of them, whatever bytes came before, when they begin
    /// a character (any bytes that pass do: a continuation byte first fails).
    static func isValidWhole(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return true }
        let (validEnd, invalid) = validate(bytes, base: 0, from: 0, to: bytes.count)
        return invalid == nil && validEnd == bytes.count
    }

    /// ``validate(_:from:to:)`` over `buffer`, whose first byte is at stream offset `base`.
    private static func validate(_ buffer: UnsafeBufferPointer<UInt8>, base: Int, from: Int, to: Int) -> (validEnd: Int, invalid: InvalidCharacter?) {
        var index = from - base
        let end = to - base
        let raw = UnsafeRawPointer(buffer.baseAddress!)
        /// Zero exactly when all sixteen bytes are plain printable ASCII (as signed bytes, those
        /// of 0x80 and above are negative, so one compare flags them with the control bytes);
        /// otherwise each flagged byte is 0xFF, lane by lane, low word first.
        /// The vector type is spelt out: the inferred form compiles to a loop over the lanes.
        @inline(__always) func flagged(at offset: Int) -> SIMD2<UInt64> {
            let bytes = raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self)
            return unsafeBitCast(bytes .< SIMD16<Int8>(repeating: 0x20), to: SIMD2<UInt64>.self)
        }
        /// The first flagged lane of a nonzero `flagged(at:)`.
        @inline(__always) func firstLane(_ lanes: SIMD2<UInt64>) -> Int {
            (lanes[0] != 0 ? lanes[0].trailingZeroBitCount : 64 + lanes[1].trailingZeroBitCount) >> 3
        }
        /// The first byte from `index` on, before `end`, that is not plain printable ASCII
        /// (`end` when none is): sixty-four bytes at a time, then sixteen, whose flagged lanes
        /// say where it is; the last few in one load that ends at `end` (the bytes before
        /// `index` it also reads are the buffer's, and left out).
        @inline(__always) func nextOdd(from index: Int) -> Int {
            var index = index
            while index &+ 64 <= end {
                let lanes = flagged(at: index) | flagged(at: index &+ 16) | flagged(at: index &+ 32) | flagged(at: index &+ 48)
                if lanes[0] | lanes[1] != 0 { break }
                index &+= 64
            }
            while index &+ 16 <= end {
                let lanes = flagged(at: index)
                if lanes[0] | lanes[1] != 0 { return index &+ firstLane(lanes) }
                index &+= 16
            }
            guard index < end else { return end }
            guard end >= 16 else {
                while index < end, Int8(bitPattern: buffer[index]) >= 0x20 { index &+= 1 }
                return index
            }
            let last = end &- 16
            var lanes = flagged(at: last)
            // Leave out the lanes before `index` (fewer than sixteen).
            let skipped = UInt64(truncatingIfNeeded: 8 &* (index &- last))
            if skipped >= 64 {
                lanes[0] = 0
                lanes[1] &= ~0 &<< (skipped &- 64)
            } else {
                lanes[0] &= ~0 &<< skipped
            }
            return lanes[0] | lanes[1] == 0 ? end : last &+ firstLane(lanes)
        }
        while index < end {
            let odd = nextOdd(from: index)
            assert(odd >= index && odd <= end, "the next odd byte is ahead")
            index = odd
            if index == end { break }
            let byte = buffer[index]
            if byte < 0x80 {
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    return (index + base, InvalidCharacter(offset: index + base, byte: byte, continuation: nil))
                }
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
            default:
                return (index + base, InvalidCharacter(offset: index + base, byte: byte, continuation: nil))
            }
            for next in 1..<length {
                // A sequence may run past `to`; one cut at the end of the data waits for more.
                guard index + next < buffer.count else { return (index + base, nil) }
                let continuation = buffer[index + next]
                let low = next == 1 ? lowest : 0x80
                let high = next == 1 ? highest : 0xBF
                guard continuation >= low && continuation <= high else {
                    return (index + base, InvalidCharacter(offset: index + base, byte: byte, continuation: continuation))
                }
            }
            index += length
        }
        // Past `to` when the last sequence straddles it: never in the middle of a character.
        return (index + base, nil)
    }
}
