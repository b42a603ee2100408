import Foundation
import Testing
import XMPPInspect

/// tshark (Wireshark) as the second opinion: the same stanza counts on every capture.
/// tshark needs `-2` (two passes, for reassembly) and decode-as hints for non-standard ports;
/// xmppscope needs neither. Installed by scripts/test.sh; a missing tshark fails, never skips.
@Suite("Cross-check with tshark")
struct TsharkCrossCheckTests {
    static let captures: [String] = [
        publicCapture("ndpi-jabber.pcap"),
        publicCapture("xmpptrace-wx2-component.pcap"),
        publicCapture("zeek-xmpp-starttls.pcap"),
        publicCapture("zeek-xmpp-dialback-starttls.pcap"),
        repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path,
        repositoryRoot.appendingPathComponent("captures/c2s-starttls.pcap").path,
    ]

    /// Counts of iq/message/presence elements in tshark's PDML.
    static func tsharkCounts(_ path: String) throws -> [String: Int] {
        let pdml = try run("tshark", [
            "-n", "-2", "-r", path, "-T", "pdml",
            "-d", "tcp.port==7400,xmpp", "-d", "tcp.port==5269,xmpp",
            "-d", "tcp.port==15222,xmpp", "-d", "tcp.port==15223,xmpp",
        ])
        var counts: [String: Int] = [:]
        for kind in ["iq", "message", "presence"] {
            counts[kind] = pdml.components(separatedBy: "name=\"xmpp.\(kind)\"").count - 1
        }
        return counts
    }

    @Test("tshark is installed")
    func tsharkInstalled() {
        #expect(toolAvailable("tshark"), "tshark is missing: run scripts/test.sh, which installs it")
    }

    @Test("iq, message and presence counts agree with tshark", arguments: captures)
    func countsAgree(capture: String) throws {
        try #require(toolAvailable("tshark"), "tshark is missing: run scripts/test.sh, which installs it")
        let theirs = try Self.tsharkCounts(capture)
        let ours = try replayRecords(capture)
        for kind in ["iq", "message", "presence"] {
            #expect(ours.count(kind: kind) == theirs[kind], "\(kind) in \(capture)")
        }
        // And nothing else is shown as a stanza: a component <handshake/>, dialback or SASL element is a nonza.
        let otherKinds = Set(ours.stanzas.map { $0.kind ?? "" }).subtracting(["iq", "message", "presence"])
        #expect(otherKinds.isEmpty, "shown as stanzas in \(capture)")
    }
}
