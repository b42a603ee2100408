/// The shape of a JID (RFC 7622 §3): where its localpart, domainpart and resourcepart lie, what
/// is wrong with it, and comparisons that treat localpart and domain without regard to case.
/// It judges only what is plainly broken (empty parts, parts too long, forbidden ASCII and
/// control characters); the finer PRECIS rules for non-ASCII text are left alone.
struct JIDSyntax {
    /// Byte offsets into the UTF-8 of the JID: the localpart is `0..<at` (when there is an '@'
    /// before the first '/'), the domain up to `slash`, the resource after it.
    let at: Int?
    let slash: Int?
    let count: Int

    init(_ jid: String) {
        var at: Int?
        var slash: Int?
        var index = 0
        for byte in jid.utf8 {
            if byte == UInt8(ascii: "/") { slash = index; break }
            if byte == UInt8(ascii: "@") && at == nil { at = index }
            index += 1
        }
        self.at = at
        self.slash = slash
        count = jid.utf8.count
    }

    /// The longest a part may be, in bytes.
    static let maximumPartLength = 1023

    /// What is wrong with `jid`, in words, or nil when nothing plainly is. Allocates only for a
    /// broken JID.
    static func problem(in jid: String) -> String? {
        let syntax = JIDSyntax(jid)
        let domainStart = syntax.at.map { $0 + 1 } ?? 0
        var domainEnd = syntax.slash ?? syntax.count
        if let at = syntax.at {
            if at == 0 { return "the localpart before '@' is empty" }
            if at > maximumPartLength { return "the localpart is \(at) bytes long (at most \(maximumPartLength))" }
        }
        if let slash = syntax.slash {
            let length = syntax.count - slash - 1
            if length == 0 { return "the resource after '/' is empty" }
            if length > maximumPartLength { return "the resource is \(length) bytes long (at most \(maximumPartLength))" }
        }
        // One trailing dot of a domain is allowed and ignored (RFC 7622 §3.2).
        if domainEnd > domainStart, byteAt(jid, domainEnd - 1) == UInt8(ascii: ".") { domainEnd -= 1 }
        if domainEnd <= domainStart { return "the domain is empty" }
        if domainEnd - domainStart > maximumPartLength {
            return "the domain is \(domainEnd - domainStart) bytes long (at most \(maximumPartLength))"
        }
        var index = 0
        var previous: UInt8 = 0
        for byte in jid.utf8 {
            defer { previous = byte; index += 1 }
            let control = byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F)
            if let at = syntax.at, index < at {
                if control { return "the localpart contains a control character" }
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: ":"),
                     UInt8(ascii: "<"), UInt8(ascii: ">"):
                    return "the localpart contains the forbidden character \(describe(byte))"
                default:
                    break
                }
            } else if index >= domainStart && index < domainEnd {
                if control { return "the domain contains a control character" }
                if byte == UInt8(ascii: " ") { return "the domain contains a space" }
                if byte == UInt8(ascii: "@") { return "the domain contains '@' (a second '@' in the JID)" }
            } else if let slash = syntax.slash, index > slash {
                if control { return "the resource contains a control character" }
            }
        }
        return nil
    }

    /// Whether two JIDs are the same: localpart and domain without regard to case (and a
    /// domain's trailing dot), resource exactly.
    static func same(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let left = JIDSyntax(a), right = JIDSyntax(b)
        guard (left.slash == nil) == (right.slash == nil) else { return false }
        guard bare(a, left) == bare(b, right) else { return false }
        return resource(a, left) == resource(b, right)
    }

    /// The bare JID of `jid`, lower-cased, without a domain's trailing dot: for comparing.
    static func comparableBare(_ jid: String) -> String {
        bare(jid, JIDSyntax(jid))
    }

    private static func bare(_ jid: String, _ syntax: JIDSyntax) -> String {
        var text = Substring(jid.utf8.prefix(syntax.slash ?? syntax.count)).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func resource(_ jid: String, _ syntax: JIDSyntax) -> Substring? {
        guard let slash = syntax.slash else { return nil }
        return Substring(jid.utf8.dropFirst(slash + 1))
    }

    private static func byteAt(_ jid: String, _ offset: Int) -> UInt8 {
        jid.utf8[jid.utf8.index(jid.utf8.startIndex, offsetBy: offset)]
    }

    private static func describe(_ byte: UInt8) -> String {
        byte == UInt8(ascii: " ") ? "space" : "'\(Character(Unicode.Scalar(byte)))'"
    }
}
