import XMPPBase
import XMPPCore

/// A SASL2 `<authenticate/>` that asks for an inline feature the server did not offer inline:
/// Bind 2, a feature inside the Bind 2 request, FAST, or stream management.
struct SASL2InlineNotOffered: Check {
    static let descriptor = CheckDescriptor(
        id: "sasl2-inline-not-offered", severity: .error, spec: "XEP-0388 §2.3, XEP-0386 §3.1, XEP-0484 §3.1",
        rule: "A client requests inline in <authenticate/> only what the server listed in the <authentication/> feature's <inline/>: <bind xmlns='urn:xmpp:bind:0'/> only when Bind 2 is offered, features inside it only when listed as Bind 2 <feature var/>, FAST elements only when <fast/> is offered, XEP-0198 <resume/>/<enable/> only when stream management is offered.",
        hint: "Read the <inline/> element of the SASL2 feature and include only the requests it lists; do the rest after authentication in the classic way."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.kind == "authenticate", record.direction == .c2s,
              record.record.namespaces.first == CheckNamespace.sasl2,
              session.offeredSASL2Mechanisms != nil,
              record.childCount > 0, let authenticate = record.element else { return }
        let offered = session.offeredSASL2InlineElements
        var problems: [String] = []
        for request in authenticate.elements {
            switch (request.name, request.namespace) {
            case ("bind", CheckNamespace.bind2?):
                guard offered.contains(CheckNamespace.bind2) else {
                    problems.append("<bind xmlns='\(CheckNamespace.bind2)'/> (Bind 2 is not offered inline)")
                    continue
                }
                for feature in request.elements where !(feature.name == "tag" && feature.namespace == CheckNamespace.bind2) {
                    guard let namespace = feature.namespace, namespace != CheckNamespace.bind2,
                          !session.offeredBind2Features.contains(namespace) else { continue }
                    problems.append("<\(feature.name) xmlns='\(namespace)'/> inside <bind/> (not among Bind 2's inline features)")
                }
            case ("request-token", CheckNamespace.fast?), ("fast", CheckNamespace.fast?):
                if !offered.contains(CheckNamespace.fast) {
                    problems.append("<\(request.name) xmlns='\(CheckNamespace.fast)'/> (FAST is not offered inline)")
                }
            case ("enable", CheckNamespace.streamManagement?), ("resume", CheckNamespace.streamManagement?):
                if !offered.contains(CheckNamespace.streamManagement) {
                    problems.append("<\(request.name) xmlns='\(CheckNamespace.streamManagement)'/> (stream management is not offered inline)")
                }
            default:
                break
            }
        }
        guard !problems.isEmpty else { return }
        let about = (session.featuresSeq.map { [$0] } ?? []) + [record.seq]
        findings.report(Self.descriptor,
                        "\(record.label) requests inline what the SASL2 feature\(session.featuresSeq.map { " #\($0)" } ?? "") did not offer: "
                            + problems.joined(separator: "; ") + ".",
                        about: about)
    }
}
