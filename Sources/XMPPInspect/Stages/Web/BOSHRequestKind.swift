/// What a BOSH request does to its session (XEP-0124 §7, XEP-0206 §5).
enum BOSHRequestKind: Sendable {
    /// The session creation request (no `sid`): the stream opens.
    case create
    /// `xmpp:restart='true'`: a stream restart (after SASL).
    case restart
    /// `type='terminate'`: the session ends.
    case terminate
    /// Anything else: stanzas, or an empty poll.
    case poll
}
