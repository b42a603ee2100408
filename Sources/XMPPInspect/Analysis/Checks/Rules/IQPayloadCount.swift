import XMPPCore

/// A get or set without exactly one child element, or a result with more than one: the request
/// must say exactly what it asks, and a result carries at most one answer.
struct IQPayloadCount: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-payload-count", severity: .error, spec: "RFC 6120 §8.2.3",
        rule: "An iq get or set holds exactly one child element (the payload naming the request); a result holds at most one.",
        hint: "Send one request per iq (one payload element); split several into separate iqs, and answer with at most one element."
    )
    static let interests: CheckInterest = .iq
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "iq", let type = record.type else { return }
        let count: Int
        switch type {
        case "get", "set":
            count = record.childCount
            guard count != 1 else { return }
        case "result":
            count = record.childCount
            guard count > 1 else { return }
        default:
            return
        }
        let message: String
        if count == 0 {
            message = "\(record.label) has no child element: a \(type) needs exactly one payload saying what is asked."
        } else {
            let rule = type == "result" ? "a result carries at most one" : "a \(type) carries exactly one"
            message = "\(record.label) has \(count) child elements (\(Self.describeChildren(of: record.element))): \(rule)."
        }
        findings.report(Self.descriptor, message, about: [record.seq])
    }

    /// `<query xmlns='jabber:iq:roster'/>, <ping xmlns='urn:xmpp:ping'/>`.
    private static func describeChildren(of element: Element?) -> String {
        guard let element else { return "not decoded" }
        return element.elements.map { child in
            child.namespace.map { "<\(child.name) xmlns='\($0)'/>" } ?? "<\(child.name)/>"
        }.joined(separator: ", ")
    }
}
