public import XMPPCore

/// What the relay must do because of what went by.
public enum StreamPhaseAction: Sendable, Hashable {
    /// Switch both legs to TLS; upstream with this server name (SNI), the stream's `to` domain.
    case startTLS(serverName: String?)
    /// Relay these features to the client instead of the server's (edits listed for the log).
    case replaceFeatures(with: Element, edits: [String])
    /// Tell the user something about the session (a SASL failure's likely cause, say).
    case advise(String)
}
