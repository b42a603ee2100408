/// Decides from the first bytes of a TCP connection whether it carries XMPP, by content alone.
enum XMPPDetector {
    enum Verdict { case xmpp, other, undecided }

    /// Bytes looked at before giving up on a direction.
    static let window = 2048

    private static let markers: [[UInt8]] = [
        "http://etherx.jabber.org/streams", "jabber:client", "jabber:server", "jabber:component",
        "<iq ", "<iq>", "<message ", "<message>", "<presence", "</stream:stream>", "urn:ietf:params:xml:ns:xmpp-",
    ].map { Array($0.utf8) }

    static func classify(_ bytes: [UInt8]) -> Verdict {
        guard let start = bytes.firstIndex(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            return .undecided
        }
        // Binary (a TLS record, say) is not XMPP's XML.
        for byte in bytes[start..<min(bytes.count, start + 64)] where byte < 0x09 || (byte > 0x0D && byte < 0x20) {
            return .other
        }
        let scanned = bytes[..<min(bytes.count, window)]
        for marker in markers where scanned.containsSequence(marker) { return .xmpp }
        return bytes.count >= window ? .other : .undecided
    }
}

extension ArraySlice where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count, let first = needle.first else { return false }
        var index = startIndex
        let last = endIndex - needle.count
        while index <= last {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
