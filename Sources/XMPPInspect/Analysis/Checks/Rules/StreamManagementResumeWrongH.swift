import XMPPCore
import XMPPBase

/// The client's `<resume previd h='N'/>` claims a count of the server's stanzas on the old
/// connection that cannot be right: below what it already acknowledged there, or above what the
/// server sent there. Judged only when the old connection is in the same input.
struct StreamManagementResumeWrongH: Check {
    static let descriptor = CheckDescriptor(
        id: "sm-resume-wrong-h", severity: .error, spec: "XEP-0198 §5",
        rule: "The 'h' of <resume/> is the number of the server's stanzas the client received on the stream it resumes: at least what it acknowledged there, at most what the server sent there.",
        hint: "Keep the inbound counter of the old stream (mod 2^32) and send it unchanged in <resume h='…'/>; do not reset it on reconnecting, nor count stanzas of the new connection."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.direction == .c2s else { return }
        let resume: Element?
        if record.kind == "resume" && record.record.namespaces.first == CheckNamespace.streamManagement {
            resume = nil
        } else if record.kind == "authenticate" && record.record.namespaces.first == CheckNamespace.sasl2 && record.rawContains("resume") {
            // XEP-0388: <resume/> inline in <authenticate/>.
            guard let inline = record.element?.firstChild("resume", namespace: CheckNamespace.streamManagement) else { return }
            resume = inline
        } else {
            return
        }
        guard let previd = resume.map({ $0[attribute: "previd"] }) ?? record[attribute: "previd"],
              let h = (resume.map({ $0[attribute: "h"] }) ?? record[attribute: "h"]).flatMap(UInt32.init),
              let old = session.resumable(previd), old.connection != session.connection else { return }
        let counters = old.counters
        let request = "<resume h='\(h)'/> #\(record.seq)"
        if let last = counters.lastAck[.c2s], !StreamManagementCounters.isAtMost(last.h, h) {
            findings.report(Self.descriptor,
                            "\(request) claims \(StreamManagementSide.stanzas(h)) from the server on connection \(old.connection), but the client had already acknowledged \(last.h) there (<a h='\(last.h)'/> #\(last.seq)).",
                            about: [last.seq, record.seq])
        } else if let sent = counters.sent[.s2c], !old.hadGap.contains(.s2c), !StreamManagementCounters.isAtMost(h, sent) {
            let start = counters.startSeq[.s2c].map { " since #\($0)" } ?? ""
            findings.report(Self.descriptor,
                            "\(request) claims \(StreamManagementSide.stanzas(h)) from the server on connection \(old.connection), but the server sent only \(sent) there\(start).",
                            about: [record.seq])
        }
    }
}
