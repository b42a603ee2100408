/// XML text for the printer, written as UTF-8 bytes straight into its output: escaping, trimming
/// of surrounding white space, and where a text longer than the printer shows is cut.
///
/// Everything here decides on bytes. The bytes XML escapes (`&`, `<`, `>`, quotes) and the white
/// space it trims (space, tab, CR, LF) are ASCII, and no byte of a multi-byte UTF-8 sequence is
/// ASCII, so a byte test never splits a character. It differs from a test on Swift `Character`s
/// (grapheme clusters) in one way: a `&` or a space followed by a combining mark is one
/// `Character`, but its `&` is still escaped here and its space still trimmed, which is what XML
/// means by them.
enum XMLTextBytes {
    /// Whether `byte` is XML white space (space, tab, CR, LF).
    @inline(__always)
    static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// `bytes` without leading and trailing XML white space (empty when all of it is).
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end && isWhiteSpace(bytes[start]) { start += 1 }
        while end > start && isWhiteSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// Whether `bytes` hold anything but XML white space.
    static func hasContent(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.contains { !isWhiteSpace($0) }
    }

    // Each escaping below names the bytes it replaces twice: in `flagged` (eight at a time) and
    // in the replacement's switch. A byte left out of `flagged` goes unescaped in most texts.

    /// Appends `bytes` with `&`, `<` and `>` escaped, for XML character data.
    static func appendEscapedText(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        appendEscaped(bytes, to: &out, flagged: { hasByte($0, UInt8(ascii: "&")) | hasByte($0, UInt8(ascii: "<")) | hasByte($0, UInt8(ascii: ">")) }) { byte in
            switch byte {
            case UInt8(ascii: "&"): return "&amp;"
            case UInt8(ascii: "<"): return "&lt;"
            case UInt8(ascii: ">"): return "&gt;"
            default: return nil
            }
        }
    }

    /// Appends `bytes` escaped for a single-quoted attribute value (`&`, `<`, `'`, `"`).
    static func appendEscapedAttribute(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        appendEscaped(bytes, to: &out, flagged: {
            hasByte($0, UInt8(ascii: "&")) | hasByte($0, UInt8(ascii: "<")) | hasByte($0, UInt8(ascii: "'")) | hasByte($0, UInt8(ascii: "\""))
        }) { byte in
            switch byte {
            case UInt8(ascii: "&"): return "&amp;"
            case UInt8(ascii: "<"): return "&lt;"
            case UInt8(ascii: "'"): return "&apos;"
            case UInt8(ascii: "\""): return "&quot;"
            default: return nil
            }
        }
    }

    /// Non-zero when a byte of the eight in `word` is `byte` (exact for zero: the borrows that
    /// make false positives only follow a true one).
    @inline(__always)
    private static func hasByte(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let spread = word ^ (ones &* UInt64(byte))
        return (spread &- ones) & ~spread & 0x8080_8080_8080_8080
    }

    /// Copies runs that need no escaping whole; `replacement` names what an escaped byte becomes,
    /// and `flagged` is non-zero for eight bytes (as a word) when one of them may be escaped:
    /// eight bytes that hold none are passed over at once.
    @inline(__always)
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8],
                                      flagged: (UInt64) -> UInt64, replacement: (UInt8) -> StaticString?) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            while index &+ 8 <= count, flagged(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) == 0 {
                index &+= 8
            }
            let stop = min(count, index &+ 8)
            while index < stop {
                if let entity = replacement(base[index]) {
                    if runStart < index { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart)) }
                    out.append(contentsOf: UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
                    runStart = index + 1
                }
                index += 1
            }
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart)) }
    }

    /// How many bytes the first `limit` characters (grapheme clusters) of the UTF-8 text `bytes`
    /// take, or nil when the text has no more than `limit` characters.
    ///
    /// ASCII without CR is one character per byte (no ASCII byte but LF after CR joins the
    /// character before it), so the common case is decided on bytes; anything else asks Swift.
    static func prefixLength(_ bytes: UnsafeBufferPointer<UInt8>, characters limit: Int) -> Int? {
        if bytes.count <= limit { return nil }
        var index = 0
        while index <= limit && bytes[index] < 0x80 && (index == limit || bytes[index] != 0x0D) { index += 1 }
        if index > limit { return limit }
        let text = String(decoding: bytes, as: UTF8.self)
        let kept = text.prefix(limit)
        let length = kept.utf8.count
        return length < text.utf8.count ? length : nil
    }
}
