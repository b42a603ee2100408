/// What carries a connection's XMPP: TCP itself (RFC 6120), WebSocket (RFC 7395), or BOSH
/// (XEP-0124/0206).
public enum Transport: String, Sendable, Hashable, CaseIterable {
    case tcp
    case websocket
    case bosh
}
