import XMPPCore
import XMPPBase
import XMPPTransport

/// What the framing stage hands to the record stage: framed XMPP, in stream order. The cases
/// with large payloads and few occurrences are indirect, so that the event handed over for each
/// stanza is the size of `framed`.
enum FramingEvent: Sendable {
    /// A connection was recognised as XMPP (or a raw text stream began).
    case opened(connection: Int, undirected: Bool, joinedMidStream: Bool, transport: Transport)
    case framed(connection: Int, direction: Direction, time: Timestamp, event: FramerEvent)
    case gap(connection: Int, direction: Direction, time: Timestamp, count: Int, offset: Int)
    /// The connection's TLS session: its handshake facts and whether it was decrypted.
    indirect case tls(connection: Int, direction: Direction, time: Timestamp, info: TLSSessionInfo)
    /// Something wrong in the TLS layer of one direction (said once where it happens).
    case tlsProblem(connection: Int, direction: Direction, time: Timestamp, text: String)
    /// TLS began in front of the inspector (the proxy intercepts it): after `<proceed/>` what
    /// follows is decrypted, so this is said at once, before the new streams.
    case tlsBegan(connection: Int, start: TLSStart)
    /// The connection ended; TLS, if it began and was not said already (TLS the inspector saw
    /// as records: the bytes that stayed encrypted are known only now).
    /// `cutOff`: the capture ended with the connection still open (no FIN or RST seen).
    case closed(connection: Int, tlsStart: TLSStart?, encryptedBytes: (c2s: Int, s2c: Int), cutOff: Bool)
    /// A web transport's own record: an HTTP request or response, a WebSocket control frame, a
    /// problem in the HTTP, WebSocket or BOSH layer.
    indirect case web(connection: Int, direction: Direction, time: Timestamp, facts: WebRecordFacts)
    /// The proxy says something about the connection itself (connect, TLS per leg, close, edits).
    indirect case proxy(connection: Int, direction: Direction, time: Timestamp, event: Record.Event, info: ProxyInfo)
}
