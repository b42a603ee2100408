public import XMPPCore
import XMPPBase

/// Removes credentials from elements before they are shown or logged: SASL initial responses and
/// responses (PLAIN, SCRAM client messages; SASL2's `<initial-response/>` and `<response/>` too),
/// passwords in `jabber:iq:register` / `jabber:iq:auth`, and the FAST token (XEP-0484) a SASL2
/// `<success/>` hands the client.
public enum Redactor {
    /// XEP-0388 Extensible SASL Profile.
    static let sasl2Namespace = XMPPNamespace.sasl2
    /// XEP-0484 Fast Authentication Streamlining Tokens.
    static let fastNamespace = "urn:xmpp:fast:0"
    static let registerNamespace = "jabber:iq:register"
    static let authNamespace = "jabber:iq:auth"
    /// Children of `jabber:iq:auth` / `jabber:iq:register` queries that hold secrets.
    static let secretChildren: Set<String> = ["password", "digest", "token", "hash"]

    /// The element with its secrets replaced by `[redacted N bytes]`, or nil when it holds none.
    public static func redact(_ element: Element) -> Element? {
        if element.namespace == XMPPNamespace.sasl && (element.name == "auth" || element.name == "response") {
            let text = element.text
            guard !text.isEmpty, text != "=" else { return nil }
            var copy = element
            copy.children = [.text(placeholder(for: text))]
            return copy
        }
        if element.namespace == sasl2Namespace && element.name == "response" {
            let text = element.text
            guard !text.isEmpty else { return nil }
            var copy = element
            copy.children = [.text(placeholder(for: text))]
            return copy
        }
        if element.namespace == sasl2Namespace && element.name == "authenticate" {
            var changed = false
            var copy = element
            copy.children = element.children.map { node in
                guard case .element(var initial) = node, initial.name == "initial-response", !initial.text.isEmpty else { return node }
                initial.children = [.text(placeholder(for: initial.text))]
                changed = true
                return .element(initial)
            }
            return changed ? copy : nil
        }
        if element.namespace == sasl2Namespace && element.name == "success" {
            // <token xmlns='urn:xmpp:fast:0' token='…'/>: a login for as long as it lasts.
            var changed = false
            var copy = element
            copy.children = element.children.map { node in
                guard case .element(var token) = node, token.name == "token", token.namespace == fastNamespace else { return node }
                token.attributes = token.attributes.map { attribute in
                    guard attribute.name == "token", attribute.namespace == nil, !attribute.value.isEmpty else { return attribute }
                    var redacted = attribute
                    redacted.value = placeholder(for: attribute.value)
                    changed = true
                    return redacted
                }
                return .element(token)
            }
            return changed ? copy : nil
        }
        guard element.name == "iq" else { return nil }
        var changed = false
        var copy = element
        copy.children = element.children.map { node in
            guard case .element(var query) = node,
                  query.namespace == registerNamespace || query.namespace == authNamespace else { return node }
            query.children = query.children.map { child in
                guard case .element(var secret) = child, secretChildren.contains(secret.name), !secret.text.isEmpty else {
                    return child
                }
                secret.children = [.text(placeholder(for: secret.text))]
                changed = true
                return .element(secret)
            }
            return .element(query)
        }
        return changed ? copy : nil
    }

    static func placeholder(for secret: String) -> String { "[redacted \(secret.utf8.count) bytes]" }

    /// Whether a top-level element may hold credentials, from its name and namespaces alone.
    public static func mayHoldSecrets(name: String, namespaces: [String]) -> Bool {
        if name == "iq" { return namespaces.contains(registerNamespace) || namespaces.contains(authNamespace) }
        // The other names begin with a, r or s: a message or presence is settled by one byte.
        guard let first = name.utf8.first,
              first == UInt8(ascii: "a") || first == UInt8(ascii: "r") || first == UInt8(ascii: "s") else { return false }
        if (name == "auth" || name == "response") && namespaces.first == XMPPNamespace.sasl { return true }
        if (name == "authenticate" || name == "response") && namespaces.first == sasl2Namespace { return true }
        return name == "success" && namespaces.first == sasl2Namespace && namespaces.contains(fastNamespace)
    }

    /// Whether undecodable bytes may hold credentials (a broken `<auth>`, a register password):
    /// such bytes are not shown without `--show-secrets`.
    public static func mayHoldSecrets(_ text: String) -> Bool {
        // Broad on purpose: the bytes may start inside an element (`…==</auth>`) or use a prefix
        // (`<sasl:auth>`); hiding an innocent fragment costs little, showing a password a lot.
        ["auth", "response", "password", "digest", "token", "hash", registerNamespace].contains { text.contains($0) }
    }
}
