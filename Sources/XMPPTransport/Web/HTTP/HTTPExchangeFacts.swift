/// What the decoder remembers of a request until its response has ended.
struct HTTPExchangeFacts {
    /// `Sec-WebSocket-Protocol` of the request, split at commas.
    var offeredProtocols: [String]
    var isWebSocketUpgrade: Bool
    /// Decided when the request ended; nil while its body is still coming.
    var carriesXMPP: Bool?

    /// Whether it offers RFC 7395's `xmpp` subprotocol.
    var offersXMPP: Bool { offeredProtocols.contains("xmpp") }
}
