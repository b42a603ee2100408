/// Namespace URIs the tool itself needs to recognise.
public enum XMPPNamespace {
    public static let streams = "http://etherx.jabber.org/streams"
    public static let client = "jabber:client"
    public static let server = "jabber:server"
    public static let componentAccept = "jabber:component:accept"
    public static let componentConnect = "jabber:component:connect"
    public static let dialback = "jabber:server:dialback"
    public static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
    public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    /// XEP-0388: Extensible SASL Profile.
    public static let sasl2 = "urn:xmpp:sasl:2"
    public static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    public static let compress = "http://jabber.org/protocol/compress"
    public static let xml = "http://www.w3.org/XML/1998/namespace"
    /// RFC 7395: `<open/>` and `<close/>` of XMPP over WebSocket.
    public static let framing = "urn:ietf:params:xml:ns:xmpp-framing"
    /// XEP-0124: BOSH's `<body/>`.
    public static let httpBind = "http://jabber.org/protocol/httpbind"
    /// XEP-0206: `xmpp:version`, `xmpp:restart` on a BOSH `<body/>`.
    public static let xbosh = "urn:xmpp:xbosh"

    /// Namespaces in which `iq`, `message` and `presence` are stanzas.
    public static let stanzaContent: Set<String> = [client, server, componentAccept, componentConnect]

    /// Whether `iq`, `message` and `presence` in `namespace` are stanzas (cheaper than the set).
    public static func isStanzaContent(_ namespace: String?) -> Bool {
        namespace == client || namespace == server || namespace == componentAccept || namespace == componentConnect
    }
}
