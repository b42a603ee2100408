import XMPPTransport
import XMPPBase

/// The web layer of one TCP connection in the framing stage: its HTTP/WebSocket decoder, which
/// transport it carries once known, and its BOSH requests awaiting responses.
final class WebFramingSession {
    /// Nil where the reading thread decodes the connection (``ReadingFront``): its events come
    /// as calls of their own.
    let decoder: WebConnectionDecoder?
    /// websocket or bosh, once a request carrying XMPP was seen.
    var transport: Transport?
    /// Whether the connection itself was shown (WebSocket: its records carry its own id).
    var shown = false
    /// BOSH: requests by index, until their responses come.
    var pendingRequests: [Int: BOSHRequestContext] = [:]
    /// BOSH: the session of the last body on this connection (problems of the HTTP layer go there).
    var lastSession: BOSHSession?
    /// TLS events (handshake, problems) said before the connection was known to carry XMPP.
    var heldTLS: [(TLSEvent, Timestamp)] = []

    init(decoder: WebConnectionDecoder?) {
        self.decoder = decoder
    }
}
