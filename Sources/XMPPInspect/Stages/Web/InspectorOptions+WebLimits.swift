import XMPPTransport

extension InspectorOptions {
    /// The web layer's limits: a body or a WebSocket message is kept up to a stanza's size limit.
    var webLimits: WebLimits {
        WebLimits(maxBodyBytes: limits.maxStanzaBytes, maxMessageBytes: limits.maxStanzaBytes)
    }
}
