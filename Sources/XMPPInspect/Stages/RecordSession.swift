import XMPPCore

/// Per-connection state of the record stage.
final class RecordSession {
    let id: Int
    /// Raw text holding both sides in one stream, with no timing.
    let isUndirectedText: Bool
    var tracker: IQTracker
    /// SCRAM-*-PLUS logins checked against the connection's decrypted TLS session.
    var channelBinding = ChannelBindingCheck()

    init(id: Int, isUndirectedText: Bool) {
        self.id = id
        self.isUndirectedText = isUndirectedText
        tracker = IQTracker(pairsWithinDirection: isUndirectedText)
    }
}
