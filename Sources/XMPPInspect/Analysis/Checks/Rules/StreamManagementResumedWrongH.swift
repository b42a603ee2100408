import XMPPCore
import XMPPBase

/// The server's `<resumed previd h='N'/>` claims a count of the client's stanzas on the old
/// connection that cannot be right: below what it already acknowledged there, or above what the
/// client sent there. Judged only when the old connection is in the same input.
struct StreamManagementResumedWrongH: Check {
    static let descriptor = CheckDescriptor(
        id: "sm-resumed-wrong-h", severity: .error, spec: "XEP-0198 §5",
        rule: "The 'h' of <resumed/> is the number of the client's stanzas the server handled on the stream resumed: at least what it acknowledged there, at most what the client sent there.",
        hint: "Answer <resume/> with the old session's inbound counter (mod 2^32), kept with the detached session; not a count restarted on the new connection."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.direction == .s2c else { return }
        let resumed: Element?
        if record.kind == "resumed" && record.record.namespaces.first == CheckNamespace.streamManagement {
            resumed = nil
        } else if record.kind == "success" && record.record.namespaces.first == CheckNamespace.sasl2 && record.rawContains("resumed") {
            // XEP-0388: <resumed/> inline in <success/>.
            guard let inline = record.element?.firstChild("resumed", namespace: CheckNamespace.streamManagement) else { return }
            resumed = inline
        } else {
            return
        }
        guard let previd = resumed.map({ $0[attribute: "previd"] }) ?? record[attribute: "previd"] ?? session.resumeRequest?.previd,
              let h = (resumed.map({ $0[attribute: "h"] }) ?? record[attribute: "h"]).flatMap(UInt32.init),
              let old = session.resumable(previd), old.connection != session.connection else { return }
        let counters = old.counters
        let answer = "<resumed h='\(h)'/> #\(record.seq)"
        if let last = counters.lastAck[.s2c], !StreamManagementCounters.isAtMost(last.h, h) {
            findings.report(Self.descriptor,
                            "\(answer) claims \(StreamManagementSide.stanzas(h)) from the client on connection \(old.connection), but the server had already acknowledged \(last.h) there (<a h='\(last.h)'/> #\(last.seq)).",
                            about: [last.seq, record.seq])
        } else if let sent = counters.sent[.c2s], !old.hadGap.contains(.c2s), !StreamManagementCounters.isAtMost(h, sent) {
            let start = counters.startSeq[.c2s].map { " since #\($0)" } ?? ""
            findings.report(Self.descriptor,
                            "\(answer) claims \(StreamManagementSide.stanzas(h)) from the client on connection \(old.connection), but the client sent only \(sent) there\(start).",
                            about: [record.seq])
        }
    }
}
