import XMPPCore

/// What only some records carry — the proxy's lifecycle facts, a TLS session, an HTTP message or
/// WebSocket control frame, a finding, a channel binding, an error, a parse error's position, the
/// bytes left encrypted — kept by ``Record`` out of line.
struct RareRecordFacts: Sendable {
    var proxy: ProxyInfo?
    var tls: TLSInfo?
    var http: HTTPInfo?
    var finding: Finding?
    var binding: ChannelBinding?
    var error: ErrorInfo?
    var position: StreamPosition?
    var encryptedBytes: (c2s: Int, s2c: Int)?

    var isEmpty: Bool {
        proxy == nil && tls == nil && http == nil && finding == nil && binding == nil && error == nil && position == nil
            && encryptedBytes == nil
    }

    /// The facts behind one reference, never changed once made: a record that changes them gets
    /// a new box, so copies of a record never share a change.
    final class Box: Sendable {
        let facts: RareRecordFacts
        init(_ facts: RareRecordFacts) { self.facts = facts }
    }
}
