import XMPPTransport

/// What a connection's first bytes say it carries, before any of them is framed: an HTTP
/// request (the web layer reads it), a TLS ClientHello (direct TLS), an XMPP stream, or
/// something else. The framing stage decides with it; so does a pipelined inspector's reading
/// thread (``ReadingFront``), which decrypts direct TLS and decodes plaintext web connections
/// ahead of the framing thread: both come to the same verdict at the same byte.
enum ConnectionSniff: Equatable {
    /// Not enough bytes yet.
    case undecided
    /// Began with an HTTP request.
    case web
    /// Began with a ClientHello; `knownXMPP` when its ALPN or the server's port says XMPP;
    /// `clientRandom` names the session in a key log.
    case directTLS(knownXMPP: Bool, clientRandom: [UInt8])
    case xmpp
    case other

    /// The verdict on `pendingBytes` (c2s, then s2c: all each side sent so far). `final`: the
    /// connection ended, nothing more comes. `seesTLSRecords`: TLS is not terminated in front
    /// of the inspector. `serverPort`: direct TLS on 5223 or 5270 is taken for XMPP.
    static func classify(_ pendingBytes: [[UInt8]], final: Bool, seesTLSRecords: Bool, serverPort: UInt16?) -> ConnectionSniff {
        switch WebConnectionDecoder.startsHTTPRequest(pendingBytes[0]) {
        case true?:
            return .web
        case nil where !final && !pendingBytes[0].isEmpty:
            return .undecided
        default:
            break
        }
        if seesTLSRecords && !pendingBytes[0].isEmpty {
            switch TLSClientHelloSniffer.sniff(pendingBytes[0]) {
            case .needMoreBytes where !final:
                return .undecided
            case .clientHello(_, let alpn, let random):
                let namesXMPP = alpn.contains { $0 == "xmpp-client" || $0 == "xmpp-server" } || serverPort == 5223 || serverPort == 5270
                return .directTLS(knownXMPP: namesXMPP, clientRandom: random)
            case .needMoreBytes, .notTLS:
                break
            }
        }
        let verdicts = pendingBytes.map(XMPPDetector.classify)
        if verdicts.contains(.xmpp) { return .xmpp }
        if verdicts.contains(.other) || final { return .other }
        return .undecided
    }
}
