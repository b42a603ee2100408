public import XMPPCore
import Foundation
import XMPPBase

/// The proxy's view of one session, fed with what the framers decode from each side. Plain
/// values in, actions out: no channels, so it is tested on its own.
public struct StreamPhaseMachine: Sendable {
    /// Whether to keep `-PLUS` mechanisms and channel-binding offers (they fail through two TLS sessions).
    public var keepsChannelBinding = false
    public private(set) var phase: StreamPhase = .plain
    /// Whether a resource is bound.
    public var isBound: Bool { if case .bound = phase { return true } else { return false } }
    /// The stream's `to` domain, from the client's header.
    public private(set) var domain: String?
    private var clientUsedChannelBinding = false
    private var strippedPlus = false
    private var warnedOfDowngradeProtection = false

    /// XEP-0388 Extensible SASL Profile (SASL2).
    static let sasl2 = XMPPNamespace.sasl2

    public init(keepsChannelBinding: Bool = false) {
        self.keepsChannelBinding = keepsChannelBinding
    }

    /// The client opened a stream.
    public mutating func clientOpened(_ header: StreamHeader) -> [StreamPhaseAction] {
        if domain == nil { domain = header.element[attribute: "to"] }
        if phase == .authenticated { phase = .restarted }
        return []
    }

    /// A top-level element from the client.
    public mutating func fromClient(_ element: Element) -> [StreamPhaseAction] {
        switch (element.name, element.namespace) {
        case ("starttls", XMPPNamespace.tls):
            if phase == .plain { phase = .startTLSRequested }
        case ("auth", XMPPNamespace.sasl):
            let mechanism = element[attribute: "mechanism"] ?? "?"
            phase = .authenticating(mechanism: mechanism)
            // GS2 header "y,": the client supports channel binding but thinks the server does not.
            if let data = Data(base64Encoded: element.text.trimmingCharacters(in: .whitespacesAndNewlines)),
               data.starts(with: Array("y,".utf8)) {
                clientUsedChannelBinding = true
            }
            if mechanism.hasSuffix("-PLUS") { clientUsedChannelBinding = true }
        case ("authenticate", Self.sasl2):
            let mechanism = element[attribute: "mechanism"] ?? "?"
            phase = .authenticating(mechanism: mechanism)
            if mechanism.hasSuffix("-PLUS") { clientUsedChannelBinding = true }
        case ("error", XMPPNamespace.streams):
            phase = .closed
        default:
            break
        }
        return []
    }

    /// A top-level element from the server.
    public mutating func fromServer(_ element: Element) -> [StreamPhaseAction] {
        switch (element.name, element.namespace) {
        case ("features", XMPPNamespace.streams):
            return rewriteFeatures(element)
        case ("proceed", XMPPNamespace.tls):
            guard phase == .startTLSRequested else { return [] }
            phase = .tls
            return [.startTLS(serverName: domain)]
        case ("challenge", XMPPNamespace.sasl), ("challenge", Self.sasl2):
            return downgradeProtectionAdvice(element)
        case ("success", XMPPNamespace.sasl), ("success", Self.sasl2):
            phase = .authenticated
        case ("failure", XMPPNamespace.sasl), ("failure", Self.sasl2):
            if case .authenticating(let mechanism) = phase {
                phase = .tls
                if clientUsedChannelBinding || (strippedPlus && mechanism.hasPrefix("SCRAM-")) {
                    return [.advise(
                        "SASL \(mechanism) failed through the proxy: the client and server each see a different TLS "
                            + "session, so channel binding (SCRAM-*-PLUS, or a client that signals it with GS2 'y' and a "
                            + "server with XEP-0474 downgrade protection) cannot succeed. Use PLAIN for the test account, "
                            + "or turn channel binding off on the server."
                    )]
                }
            }
        case ("iq", _) where element[attribute: "type"] == "result":
            if let jid = element.firstChild("bind", namespace: "urn:ietf:params:xml:ns:xmpp-bind")?.firstChild("jid")?.text {
                phase = .bound(jid: jid)
            }
        case ("error", XMPPNamespace.streams):
            phase = .closed
        default:
            break
        }
        return []
    }

    /// XEP-0474: a SCRAM server-first message with `d=` lets the client check the mechanism list
    /// it was shown; with the -PLUS mechanisms removed it will abort. Said once, before it fails.
    private mutating func downgradeProtectionAdvice(_ challenge: Element) -> [StreamPhaseAction] {
        guard strippedPlus, !warnedOfDowngradeProtection, case .authenticating(let mechanism) = phase,
              mechanism.hasPrefix("SCRAM-"),
              let data = Data(base64Encoded: challenge.text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return [] }
        let attributes = String(decoding: data, as: UTF8.self).split(separator: ",")
        guard attributes.contains(where: { $0.hasPrefix("d=") }) else { return [] }
        warnedOfDowngradeProtection = true
        return [.advise(
            "the server's SCRAM challenge carries XEP-0474 downgrade protection (d=): this client will notice that the "
                + "proxy removed the -PLUS mechanisms and abort the login. To see this client's session, relay TLS "
                + "untouched and decrypt it from the client's key log: xmppscope proxy --tls passthrough --keylog FILE, "
                + "with the client run as SSLKEYLOGFILE=FILE."
        )]
    }

    /// The stream closed.
    public mutating func closed() { phase = .closed }

    /// Strips what cannot work through two TLS sessions (channel binding) or that the framer
    /// cannot follow (compression), and says so.
    private mutating func rewriteFeatures(_ features: Element) -> [StreamPhaseAction] {
        var edits: [String] = []
        var edited = features
        edited.children = features.children.compactMap { node in
            guard case .element(var child) = node else { return node }
            if child.name == "compression" && child.namespace == "http://jabber.org/features/compress" {
                edits.append("removed the XEP-0138 compression offer")
                return nil
            }
            if keepsChannelBinding { return node }
            if child.name == "sasl-channel-binding" && child.namespace == "urn:xmpp:sasl-cb:0" {
                edits.append("removed the XEP-0440 channel-binding offer")
                return nil
            }
            // SASL (RFC 6120) lists <mechanism/>s in <mechanisms/>; SASL2 (XEP-0388) in <authentication/>.
            if (child.name == "mechanisms" && child.namespace == XMPPNamespace.sasl)
                || (child.name == "authentication" && child.namespace == Self.sasl2) {
                let before = child.children.count
                let profile = child.namespace == Self.sasl2 ? "SASL2 mechanism" : "SASL mechanism"
                child.children = child.children.filter { mechanism in
                    guard case .element(let element) = mechanism, element.name == "mechanism", element.text.hasSuffix("-PLUS") else { return true }
                    edits.append("removed \(profile) \(element.text)")
                    return false
                }
                if child.children.count != before { strippedPlus = true }
                return .element(child)
            }
            return node
        }
        return edits.isEmpty ? [] : [.replaceFeatures(with: edited, edits: edits)]
    }
}
