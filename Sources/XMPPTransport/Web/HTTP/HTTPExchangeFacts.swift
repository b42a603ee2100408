/// What the decoder remembers of a request until its response has ended.
struct HTTPExchangeFacts {
    /// `Sec-WebSocket-Protocol` of the request, split at commas.
    var offeredProtocols: [String]
    var isWebSocketUpgrade: Bool
    /// The request's target (`/xmpp-websocket`).
    var target: String
    /// Decided when the request ended; nil while its body is still coming.
    var carriesXMPP: Bool?

    /// What a request's head says (its body is still to come).
    init(head: HTTPMessageHead) {
        offeredProtocols = head.listValues(named: "Sec-WebSocket-Protocol")
        isWebSocketUpgrade = head.headers.first(named: "Upgrade").map { $0.lowercased().contains("websocket") } ?? false
        target = head.target
        carriesXMPP = nil
    }

    /// Whether it offers RFC 7395's `xmpp` subprotocol, or is a WebSocket upgrade to a target that
    /// names XMPP (`/xmpp-websocket`): a client that forgot the subprotocol is refused there (Prosody
    /// answers 501), and that attempt is what its developer needs to see.
    var offersXMPP: Bool {
        offeredProtocols.contains { $0.lowercased() == "xmpp" }
            || isWebSocketUpgrade && target.lowercased().contains("xmpp")
    }
}
