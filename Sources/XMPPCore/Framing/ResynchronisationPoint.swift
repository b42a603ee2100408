/// A place after an error where decoding can start again.
enum ResynchronisationPoint {
    case streamStart
    case stanzaStart
    case streamClose(length: Int)

    enum Match {
        case found(ResynchronisationPoint)
        case needMoreBytes
        case no
    }

    /// Names that open a top-level element in XMPP (stanzas and common nonzas).
    private static let stanzaNames: Set<[UInt8]> = Set([
        "iq", "message", "presence", "auth", "success", "failure", "challenge", "response", "abort",
        "proceed", "starttls", "handshake", "route", "xdb", "enable", "enabled", "resume", "resumed",
        "failed", "compress", "compressed",
    ].map { Array($0.utf8) })
    private static let streamName = Array("stream:stream".utf8)
    private static let longestName = 32

    /// What the `<` at `index` opens, read up to the end of its name.
    static func match(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Match {
        var position = index + 1
        let closing = position < buffer.count && buffer[position] == UInt8(ascii: "/")
        if closing { position += 1 }
        let nameStart = position
        while position < buffer.count, isNameByte(buffer[position]) {
            position += 1
            if position - nameStart > longestName { return .no }
        }
        guard position < buffer.count else { return .needMoreBytes }
        let name = Array(buffer[nameStart..<position])
        let delimiter = buffer[position]
        let delimited = delimiter == 0x20 || delimiter == 0x09 || delimiter == 0x0A || delimiter == 0x0D
            || delimiter == UInt8(ascii: ">") || delimiter == UInt8(ascii: "/")
        if closing {
            guard name == streamName else { return .no }
            var end = position
            while end < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[end]) { end += 1 }
            guard end < buffer.count else { return .needMoreBytes }
            return buffer[end] == UInt8(ascii: ">") ? .found(.streamClose(length: end + 1 - index)) : .no
        }
        if name == Array("?xml".utf8) { return delimited ? .found(.streamStart) : .no }
        guard delimited else { return .no }
        if name == streamName { return .found(.streamStart) }
        if name.starts(with: Array("stream:".utf8)) || name.starts(with: Array("db:".utf8)) { return .found(.stanzaStart) }
        return stanzaNames.contains(name) ? .found(.stanzaStart) : .no
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "?"):
            return true
        default:
            return byte >= 0x80
        }
    }
}
