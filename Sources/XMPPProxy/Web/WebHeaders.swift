import NIOHTTP1

/// The header rules of a forwarding proxy (RFC 9110 §7.6.1): hop-by-hop fields stay on their
/// hop, everything else goes on unchanged and in order.
enum WebHeaders {
    /// Fields that belong to one connection, never forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// `headers` without the hop-by-hop fields, those the `Connection` field names, and the
    /// ones in `also` (lowercase), which the proxy sets itself.
    static func endToEnd(_ headers: HTTPHeaders, also: Set<String> = []) -> HTTPHeaders {
        var dropped = hopByHop.union(also)
        for value in headers[canonicalForm: "connection"] { dropped.insert(value.lowercased()) }
        var kept = HTTPHeaders()
        for (name, value) in headers where !dropped.contains(name.lowercased()) {
            kept.add(name: name, value: value)
        }
        return kept
    }

    /// Whether a request asks for a WebSocket upgrade (RFC 6455 §4.1).
    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
            && head.headers["upgrade"].contains { $0.lowercased() == "websocket" }
    }
}
