import XMPPBase
import XMPPCore

/// A stream header in the wrong namespace: the stream element outside
/// `http://etherx.jabber.org/streams`, a content namespace that is not one XMPP defines, or the
/// two sides declaring different content namespaces.
final class StreamHeaderNamespace: Check {
    static let descriptor = CheckDescriptor(
        id: "stream-header-namespace", severity: .error, spec: "RFC 6120 §4.8",
        rule: "The stream element is qualified by http://etherx.jabber.org/streams, its default (content) namespace is jabber:client, jabber:server or a component namespace, and both sides declare the same one.",
        hint: "Open the stream with <stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'> (jabber:server between servers) and answer with the namespace the other side declared."
    )
    static let interests: CheckInterest = .streamOpen

    static let contentNamespaces: Set<String> = [
        XMPPNamespace.client, XMPPNamespace.server, XMPPNamespace.componentAccept, XMPPNamespace.componentConnect,
    ]

    /// The content namespace each side declared on its current header, and where.
    private var declared: [Direction: (namespace: String?, seq: Int)] = [:]

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        // WebSocket (<open/>) and BOSH carry no <stream:stream> header: their framing has its own namespace.
        guard record.event == .streamOpen, record.kind == "stream", let header = record.element else { return }
        let content = header.namespaceDeclarations.first { $0.prefix == nil }?.uri
        declared[record.direction] = (content, record.seq)
        var problems: [String] = []
        var about = [record.seq]
        if header.namespace != XMPPNamespace.streams {
            problems.append("its stream element is in " + (header.namespace.map { "'\($0)'" } ?? "no namespace")
                            + ", not '\(XMPPNamespace.streams)'")
        }
        if let content {
            if !Self.contentNamespaces.contains(content) {
                problems.append("its content namespace is '\(content)', which is none of jabber:client, jabber:server, jabber:component:accept, jabber:component:connect")
            } else if let other = declared[record.direction.opposite], let otherContent = other.namespace,
                      Self.contentNamespaces.contains(otherContent), otherContent != content {
                problems.append("it declares '\(content)' while the other side's stream header #\(other.seq) declared '\(otherContent)'")
                about.insert(other.seq, at: 0)
            }
        } else {
            problems.append("it declares no content namespace (no xmlns='jabber:client' or the like)")
        }
        guard !problems.isEmpty else { return }
        findings.report(Self.descriptor, "\(record.label): " + problems.joined(separator: "; ") + ".", about: about)
    }
}
