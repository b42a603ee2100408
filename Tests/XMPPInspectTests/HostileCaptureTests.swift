import Foundation
import Testing
import XMPPCapture
import XMPPCore
import XMPPInspect
import XMPPBase

// Hostile captures, through the whole pipeline (libpcap, TCP reassembly, framing, records): each
// case checks the error it gives (record, message, position) and that the traffic after it is still
// decoded. Cases already covered elsewhere and not repeated here: a file cut inside a packet
// (XMPPCaptureTests/CaptureRoundTripTests.truncatedFile), an empty file or a non-capture handed to
// PcapSource (CaptureRoundTripTests.notACapture), a snaplen-cut packet and a 2^31 jump at the
// reassembler level (CaptureRoundTripTests.snaplenTruncated, TCPReassemblerTests.sequenceJump).

/// Builds the Ethernet/IPv4/TCP frames of one client-server connection, keeping both sequence numbers.
private struct Wire {
    struct Frame {
        var bytes: [UInt8]
        var micros: Int64
        /// Bytes captured (less than `bytes.count` for a snaplen cut).
        var captured: Int
    }

    static let clientISN: UInt32 = 0xFFFF_FF00  // wraps around 2^32 during the session
    static let serverISN: UInt32 = 7_000_000

    var frames: [Frame] = []
    var clientSequence = Wire.clientISN
    var serverSequence = Wire.serverISN
    var micros: Int64 = 1_700_000_000_000_000
    /// Bytes sent so far per direction (offsets in each direction's stream).
    var sent = (c2s: 0, s2c: 0)

    mutating func handshake() {
        append(fromClient: true, sequence: clientSequence, ack: 0, flags: 0x02, payload: [])
        append(fromClient: false, sequence: serverSequence, ack: clientSequence &+ 1, flags: 0x12, payload: [])
        clientSequence &+= 1
        serverSequence &+= 1
        append(fromClient: true, sequence: clientSequence, ack: serverSequence, flags: 0x10, payload: [])
    }

    /// Sends `payload` in order; `capturedPayload` below its length records a snaplen cut.
    mutating func send(fromClient: Bool, _ payload: [UInt8], capturedPayload: Int? = nil) {
        let sequence = fromClient ? clientSequence : serverSequence
        let ack = fromClient ? serverSequence : clientSequence
        append(fromClient: fromClient, sequence: sequence, ack: ack, flags: 0x18, payload: payload,
               capturedPayload: capturedPayload)
        if fromClient {
            clientSequence &+= UInt32(payload.count)
            sent.c2s += payload.count
        } else {
            serverSequence &+= UInt32(payload.count)
            sent.s2c += payload.count
        }
    }

    mutating func send(fromClient: Bool, _ text: String) { send(fromClient: fromClient, Array(text.utf8)) }

    /// A segment whose sequence and acknowledgement numbers are 2^31 away from the connection's.
    mutating func jumped(fromClient: Bool, _ text: String) {
        let sequence = (fromClient ? clientSequence : serverSequence) &+ (1 << 31)
        let ack = (fromClient ? serverSequence : clientSequence) &+ (1 << 31)
        append(fromClient: fromClient, sequence: sequence, ack: ack, flags: 0x18, payload: Array(text.utf8))
    }

    mutating func close() {
        append(fromClient: true, sequence: clientSequence, ack: serverSequence, flags: 0x11, payload: [])
        append(fromClient: false, sequence: serverSequence, ack: clientSequence &+ 1, flags: 0x11, payload: [])
        append(fromClient: true, sequence: clientSequence &+ 1, ack: serverSequence &+ 1, flags: 0x10, payload: [])
    }

    private mutating func append(fromClient: Bool, sequence: UInt32, ack: UInt32, flags: UInt8, payload: [UInt8],
                                 capturedPayload: Int? = nil) {
        let (sourcePort, destinationPort): (UInt16, UInt16) = fromClient ? (40_000, 5222) : (5222, 40_000)
        let (source, destination): (UInt8, UInt8) = fromClient ? (1, 2) : (2, 1)
        var tcp = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(ack)
        tcp += [0x50, flags] + be16(65_535) + [0, 0, 0, 0]
        var ip: [UInt8] = [0x45, 0] + be16(UInt16(20 + tcp.count + payload.count)) + [0, 1, 0x40, 0, 64, 6, 0, 0]
        ip += [10, 0, 0, source, 10, 0, 0, destination]
        let ethernet = [UInt8](repeating: 0xAA, count: 6) + [UInt8](repeating: 0xBB, count: 6) + [0x08, 0x00]
        let bytes = ethernet + ip + tcp + payload
        let captured = bytes.count - payload.count + (capturedPayload ?? payload.count)
        frames.append(Frame(bytes: bytes, micros: micros, captured: captured))
        micros += 1000
    }
}

private func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
private func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }
private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }

private let clientHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>"
private let serverHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0'><stream:features/>"

/// A short c2s session with `hostile` sent by the client between its first iq and the stanzas after
/// it; returns the wire and the c2s offset where `hostile` starts.
private func session(hostile: (inout Wire) -> Void) -> (Wire, Int) {
    var wire = Wire()
    wire.handshake()
    wire.send(fromClient: true, clientHeader)
    wire.send(fromClient: false, serverHeader)
    wire.send(fromClient: true, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
    wire.send(fromClient: false, "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
    let hostileOffset = wire.sent.c2s
    hostile(&wire)
    wire.send(fromClient: true, "<message id='m1' to='bob@example.org'><body>still here</body></message>")
    wire.send(fromClient: true, "<iq type='get' id='r2'><ping xmlns='urn:xmpp:ping'/></iq>")
    wire.send(fromClient: false, "<iq type='result' id='r2'/>")
    wire.send(fromClient: true, "<presence id='p1'/></stream:stream>")
    wire.send(fromClient: false, "</stream:stream>")
    wire.close()
    return (wire, hostileOffset)
}

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-hostile-\(UUID().uuidString)-\(name)").path
}

private func writePcap(_ wire: Wire, to path: String) throws {
    let writer = try PcapWriter(path: path, linkType: LinkType.ethernet)
    for frame in wire.frames {
        writer.write(Array(frame.bytes.prefix(frame.captured)), at: Timestamp(microseconds: frame.micros),
                     originalLength: frame.bytes.count)
    }
    writer.flush()
}

/// One pcapng block: type, total length, body padded to 32 bits, total length again (little-endian).
private func pcapngBlock(type: UInt32, body: [UInt8]) -> [UInt8] {
    let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
    let length = UInt32(12 + padded.count)
    return le32(type) + le32(length) + padded + le32(length)
}

/// A pcapng written by hand: section header, interface description, `extra` blocks after the
/// interface and after the `extraAfter`-th packet, and an enhanced packet block per frame.
private func writePcapng(_ wire: Wire, extra: [[UInt8]], extraAfter: Int, to path: String) throws {
    var file: [UInt8] = []
    // SHB: byte-order magic, version 1.0, section length unknown (-1), no options.
    file += pcapngBlock(type: 0x0A0D_0D0A, body: le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8))
    // IDB: Ethernet, snaplen 262144, no options (timestamps in microseconds).
    file += pcapngBlock(type: 0x0000_0001, body: le16(1) + le16(0) + le32(262_144))
    for block in extra { file += block }
    for (index, frame) in wire.frames.enumerated() {
        let time = UInt64(frame.micros)
        var body = le32(0) + le32(UInt32(time >> 32)) + le32(UInt32(time & 0xFFFF_FFFF))
        body += le32(UInt32(frame.captured)) + le32(UInt32(frame.bytes.count))
        body += frame.bytes.prefix(frame.captured)
        file += pcapngBlock(type: 0x0000_0006, body: body)
        if index + 1 == extraAfter { for block in extra { file += block } }
    }
    try Data(file).write(to: URL(fileURLWithPath: path))
}

/// Replays `path` through Replayer and returns the records and what the pipeline read.
private func replay(_ path: String) throws -> ([Record], Replayer.Outcome) {
    var records: [Record] = []
    let inspector = Inspector { records.append($0) }
    let outcome = try Replayer.replay(path: path, into: inspector)
    return (records, outcome)
}

extension Array where Element == Record {
    fileprivate var parseErrors: [Record] { filter { $0.event == .parseError } }
    fileprivate var stanzaIDs: [String] { stanzas.compactMap(\.id) }
}

/// The stanzas every session in this file carries, in record order.
private let expectedStanzaIDs = ["r1", "r1", "m1", "r2", "r2", "p1"]

private let laughsDoctype = "<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
    + "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
private let xxeDoctype = "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"

@Suite("Hostile captures")
struct HostileCaptureTests {
    /// Hostile XML sent by the client inside a capture: name, bytes, and the errors expected as
    /// (condition, message, offset from the start of the hostile bytes, bytes skipped).
    static let hostileXML: [(String, [UInt8], [(String, String, Int, Int)])] = [
        // The DOCTYPE is skipped, so the entity is undeclared where the message uses it: a second error.
        ("billion laughs", Array((laughsDoctype + "<message id='lol'><body>&lol3;</body></message>").utf8), [
            ("restricted-xml", "a DOCTYPE or ENTITY declaration is not allowed in XMPP (RFC 6120 §11.1)", 0, laughsDoctype.utf8.count),
            ("restricted-xml", "a reference to an undeclared entity (&lol3;) is not allowed in XMPP (RFC 6120 §11.1)",
             laughsDoctype.utf8.count + 30, 47),
        ]),
        ("external entity", Array((xxeDoctype + "<message id='xxe'><body>&e;</body></message>").utf8), [
            ("restricted-xml", "a DOCTYPE or ENTITY declaration is not allowed in XMPP (RFC 6120 §11.1)", 0, xxeDoctype.utf8.count),
            ("restricted-xml", "a reference to an undeclared entity (&e;) is not allowed in XMPP (RFC 6120 §11.1)",
             xxeDoctype.utf8.count + 27, 44),
        ]),
        ("overlong UTF-8", Array("<message id='bad'><body>".utf8) + [0xC0, 0xAF] + Array("</body></message>".utf8), [
            ("not-well-formed", "not well-formed XML: invalid UTF-8 (byte 0xc0)", 24, 43),
        ]),
        ("a NUL byte", Array("<message id='bad'><body>a".utf8) + [0x00] + Array("</body></message>".utf8), [
            ("not-well-formed", "not well-formed XML: a NUL byte is not allowed in XML", 25, 43),
        ]),
        ("text after the close, then a new stream", Array(("</stream:stream>junk" + clientHeader).utf8), [
            ("not-well-formed", "not well-formed XML: text outside any element", 16, 4),
        ]),
    ]

    @Test("Hostile: XML in a capture gives parse-error records with their positions; every later stanza decodes",
          arguments: 0..<5)
    func hostileXMLInCapture(index: Int) throws {
        let (name, bytes, expected) = Self.hostileXML[index]
        let (wire, hostileOffset) = session { $0.send(fromClient: true, bytes) }
        let path = temporaryPath("xml.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writePcap(wire, to: path)
        let (records, outcome) = try replay(path)
        #expect(outcome.captureError == nil, "\(name)")
        let errors = records.parseErrors
        #expect(errors.map { $0.error?.condition ?? "" } == expected.map(\.0), "\(name)")
        #expect(errors.map { $0.error?.text ?? "" } == expected.map(\.1), "\(name)")
        #expect(errors.map { $0.position?.offset ?? -1 } == expected.map { hostileOffset + $0.2 }, "\(name)")
        #expect(errors.map { $0.byteCount ?? -1 } == expected.map(\.3), "\(name)")
        #expect(errors.allSatisfy { $0.direction == .c2s && $0.position?.line == 1 })
        #expect(records.stanzaIDs == expectedStanzaIDs, "\(name)")
        #expect(!records.contains { $0.id == "lol" || $0.id == "xxe" || $0.id == "bad" })
        #expect(records.contains { $0.id == "r2" && $0.rttMilliseconds != nil }, "pairing goes on after the error")
    }

    @Test("Hostile: a snaplen-cut packet inside a stanza: a gap and a parse error with the position, then the next stanzas")
    func snaplenCutInsideStanza() throws {
        let cutStanza = Array("<message id='cut' to='bob@example.org'><body>long text that the snapshot length cut</body></message>".utf8)
        let (wire, hostileOffset) = session { $0.send(fromClient: true, cutStanza, capturedPayload: 30) }
        let path = temporaryPath("snap.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writePcap(wire, to: path)
        let (records, outcome) = try replay(path)
        #expect(outcome.captureError == nil)
        let missing = cutStanza.count - 30
        #expect(outcome.statistics?.missingBytes == missing)
        let gaps = records.filter { $0.event == .gap }
        #expect(gaps.map { $0.byteCount ?? -1 } == [missing])
        #expect(gaps.first?.offset == hostileOffset + 30)
        let errors = records.parseErrors
        #expect(errors.map { $0.error?.text ?? "" } == ["element cut by \(missing) bytes missing from the capture"])
        #expect(errors.first?.error?.condition == "not-well-formed")
        #expect(errors.first?.position?.offset == hostileOffset + 30)
        #expect(errors.first?.byteCount == 30)
        #expect(records.stanzaIDs == expectedStanzaIDs)
    }

    @Test("Hostile: a packet cut inside its TCP header is skipped; its bytes become a gap; the next stanzas decode")
    func snaplenCutInsideHeader() throws {
        let lost = Array("<message id='lost'><body>gone</body></message>".utf8)
        var cutFrame = 0
        let (wire, hostileOffset) = session { wire in
            wire.send(fromClient: true, lost)
            cutFrame = wire.frames.count - 1
        }
        var cut = wire
        cut.frames[cutFrame].captured = 14 + 20 + 10  // Ethernet, IPv4, half the TCP header
        let path = temporaryPath("snap-header.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writePcap(cut, to: path)
        let (records, outcome) = try replay(path)
        #expect(outcome.statistics?.skipped == [.malformed: 1])
        // The server's next acknowledgement covers the lost bytes: a gap at once, then resynchronisation.
        let gaps = records.filter { $0.event == .gap }
        #expect(gaps.map { $0.byteCount ?? -1 } == [lost.count])
        #expect(gaps.first?.offset == hostileOffset)
        #expect(records.parseErrors.isEmpty, "the gap fell between stanzas: \(records.parseErrors.map { $0.error?.text ?? "" })")
        #expect(records.stanzaIDs == expectedStanzaIDs)
    }

    @Test("Hostile: segments 2^31 away in sequence and acknowledgement are ignored, not taken for a 2 GB hole")
    func sequenceJump() throws {
        let (wire, _) = session { wire in
            wire.jumped(fromClient: true, "<message id='bogus-c2s'><body>x</body></message>")
            wire.jumped(fromClient: false, "<message id='bogus-s2c'><body>x</body></message>")
        }
        let path = temporaryPath("jump.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writePcap(wire, to: path)
        let (records, outcome) = try replay(path)
        #expect(outcome.statistics?.outOfWindow == 2)
        #expect(outcome.statistics?.missingBytes == 0)
        #expect(!records.contains { $0.event == .gap })
        #expect(records.parseErrors.isEmpty)
        #expect(!records.contains { $0.id?.hasPrefix("bogus") == true })
        #expect(records.stanzaIDs == expectedStanzaIDs)
        #expect(records.contains { $0.id == "r2" && $0.rttMilliseconds != nil })
    }

    @Test("Hostile: a pcapng with a custom block and blocks of unknown types decodes every packet")
    func pcapngUnknownBlocks() throws {
        let (wire, _) = session { $0.send(fromClient: true, "<presence id='p0'/>") }
        // A custom block (0x00000BAD: private enterprise number, then data), an unknown block type,
        // and an empty-bodied one, before the first packet and again in the middle of the session.
        let extra = [
            pcapngBlock(type: 0x0000_0BAD, body: be32(32_473) + Array("not a packet <iq id='fake'/>".utf8)),
            pcapngBlock(type: 0x0000_7A7A, body: [UInt8](repeating: 0x3C, count: 37)),
            pcapngBlock(type: 0x0000_0BAE, body: []),
        ]
        let path = temporaryPath("unknown.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writePcapng(wire, extra: extra, extraAfter: 6, to: path)
        let (records, outcome) = try replay(path)
        #expect(outcome.kind == .capture)
        #expect(outcome.captureError == nil)
        #expect(outcome.statistics?.packets == wire.frames.count)
        #expect(outcome.statistics?.skipped.isEmpty == true)
        #expect(records.parseErrors.isEmpty)
        #expect(!records.contains { $0.id == "fake" })
        #expect(records.stanzaIDs == ["r1", "r1", "p0", "m1", "r2", "r2", "p1"])
        #expect(records.filter { $0.event == .streamOpen }.count == 2)
    }

    @Test("Hostile: a zero-length file is refused with a message")
    func zeroLengthFile() throws {
        let path = temporaryPath("empty.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        var records: [Record] = []
        let inspector = Inspector { records.append($0) }
        #expect {
            _ = try Replayer.replay(path: path, into: inspector)
        } throws: { error in
            "\(error)" == "\(path) is empty: nothing to replay"
        }
        #expect(records.isEmpty)
    }

    @Test("Hostile: a pcap or pcapng with only its file header replays as zero packets, without an error")
    func headerOnlyFiles() throws {
        // pcap: magic, version 2.4, zone, sigfigs, snaplen, Ethernet.
        let pcap = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65_535) + le32(1)
        let sectionHeader = pcapngBlock(type: 0x0A0D_0D0A, body: le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8))
        let pcapng = sectionHeader + pcapngBlock(type: 0x0000_0001, body: le16(1) + le16(0) + le32(262_144))
        for (name, bytes) in [("header.pcap", pcap), ("header.pcapng", pcapng)] {
            let path = temporaryPath(name)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let (records, outcome) = try replay(path)
            #expect(outcome.kind == .capture, "\(name)")
            #expect(outcome.captureError == nil, "\(name)")
            #expect(outcome.statistics?.packets == 0, "\(name)")
            #expect(records.isEmpty, "\(name)")
        }
        // A pcap header cut short, and a pcapng section with no interface: refused when opened, with libpcap's reason.
        for (name, bytes, reason) in [("short.pcap", Array(pcap.prefix(12)), "truncated dump file"),
                                      ("no-interface.pcapng", sectionHeader, "no Interface Description Blocks")] {
            let path = temporaryPath(name)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try replay(path)
            } throws: { error in
                guard case .cannotOpen(let failed, let why) = error as? CaptureError else { return false }
                return failed == path && why.contains(reason)
            }
        }
    }

    @Test("Hostile: an 8 MB attribute in raw text: one parse-error record holding at most 64 KiB, the next stanza decoded")
    func hugeAttributeRecord() {
        var records: [Record] = []
        let inspector = Inspector { records.append($0) }
        let time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
        let prefix = clientHeader + "<presence id='a'/><message id='big' note='"
        Array(prefix.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: .c2s, at: time) }
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<8 { chunk.withUnsafeBytes { inspector.feedRaw($0, direction: .c2s, at: time) } }
        Array("'/><presence id='b'/>".utf8).withUnsafeBytes { inspector.feedRaw($0, direction: .c2s, at: time) }
        inspector.finishRaw(at: time)
        let errors = records.parseErrors
        #expect(errors.map { $0.error?.condition ?? "" } == ["policy-violation"])
        #expect(errors.first?.error?.text == "element larger than 1048576 bytes; raise --max-stanza-size to decode it")
        let start = clientHeader.utf8.count + 18
        #expect(errors.first?.position?.offset == start + (1 << 20))
        #expect(errors.first?.byteCount == 24 + 8 << 20 + 3)
        #expect(errors.first?.xmlBytes?.count == FramerError.keptSkippedBytes)
        #expect(records.stanzas.compactMap(\.id) == ["a", "b"])
    }
}
