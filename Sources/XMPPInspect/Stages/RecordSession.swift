import XMPPCore

/// Per-connection state of the record stage.
final class RecordSession {
    let id: Int
    /// Raw text holding both sides in one stream, with no timing.
    let isUndirectedText: Bool
    var tracker: IQTracker
    /// SCRAM-*-PLUS logins checked against the connection's decrypted TLS session.
    var channelBinding = ChannelBindingCheck()
    /// Its stanzas' namespaces without their own, kept for the lists its framers hand out again.
    var namespaceTails = NamespaceTails()
    /// Its stanzas' `from` and `to` strings, lately made, used again for the same bytes.
    var recentAddresses = RecentStrings()

    /// What carries the connection's XMPP.
    let transport: Transport
    /// BOSH, per direction (c2s, s2c): the rid of the request whose body is being read (a
    /// response's: the request it answers).
    var currentRID: [Int?] = [nil, nil]

    init(id: Int, isUndirectedText: Bool, transport: Transport = .tcp) {
        self.id = id
        self.transport = transport
        self.isUndirectedText = isUndirectedText
        tracker = IQTracker(pairsWithinDirection: isUndirectedText)
    }
}
