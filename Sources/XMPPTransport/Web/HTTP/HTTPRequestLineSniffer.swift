/// Tells from a connection's first client bytes whether they begin an HTTP/1.x request line:
/// a method token, a space, a target, a space, `HTTP/1.` and a digit, CR LF. Reads each byte at
/// most once and stops at the first that cannot fit.
enum HTTPRequestLineSniffer {
    /// The longest request line looked at.
    static let maxLineBytes = 8192
    /// The longest method token (the registered ones have at most 17 letters).
    static let maxMethodBytes = 24

    /// true, false, or nil while too few bytes are in to say.
    static func startsRequest(_ bytes: [UInt8]) -> Bool? {
        let version = Array("HTTP/1.".utf8)
        var index = 0
        // The method: one or more token characters.
        while index < bytes.count && isTokenCharacter(bytes[index]) {
            index += 1
            if index > maxMethodBytes { return false }
        }
        guard index < bytes.count else { return nil }
        guard index > 0, bytes[index] == 0x20 else { return false }
        index += 1
        // The target: visible characters.
        let targetStart = index
        while index < bytes.count && bytes[index] > 0x20 && bytes[index] < 0x7F {
            index += 1
            if index > maxLineBytes { return false }
        }
        guard index < bytes.count else { return nil }
        guard index > targetStart, bytes[index] == 0x20 else { return false }
        index += 1
        for expected in version {
            guard index < bytes.count else { return nil }
            guard bytes[index] == expected else { return false }
            index += 1
        }
        guard index < bytes.count else { return nil }
        guard bytes[index] >= 0x30 && bytes[index] <= 0x39 else { return false }
        index += 1
        guard index < bytes.count else { return nil }
        guard bytes[index] == 0x0D else { return false }
        index += 1
        guard index < bytes.count else { return nil }
        return bytes[index] == 0x0A
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
}
