import XMPPBase

/// Namespaces the checks and the session facts read, beyond the core ones in `XMPPNamespace`.
enum CheckNamespace {
    static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
    static let session = "urn:ietf:params:xml:ns:xmpp-session"
    static let streamManagement = "urn:xmpp:sm:3"
    static let sasl2 = XMPPNamespace.sasl2
    static let bind2 = "urn:xmpp:bind:0"
    static let fast = "urn:xmpp:fast:0"
    static let register = "jabber:iq:register"
    static let legacyAuth = "jabber:iq:auth"
    static let channelBindingTypes = "urn:xmpp:sasl-cb:0"
}
