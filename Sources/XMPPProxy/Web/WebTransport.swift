/// Which web transport a web proxy relays (`proxy --websocket`, `proxy --bosh`).
public enum WebTransport: String, Sendable, CaseIterable {
    /// XMPP over WebSocket (RFC 7395): one HTTP upgrade, then frames relayed one for one.
    case websocket
    /// BOSH (XEP-0124/0206): HTTP requests and their responses, long polls held.
    case bosh

    /// The URL schemes an upstream of this transport may have: plain, then TLS.
    var schemes: (plain: String, tls: String) {
        switch self {
        case .websocket: return ("ws", "wss")
        case .bosh: return ("http", "https")
        }
    }
}
