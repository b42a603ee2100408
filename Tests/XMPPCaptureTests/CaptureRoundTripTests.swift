import Foundation
import Testing
import XMPPCapture
import XMPPBase

/// Collects what the tracker reassembles.
final class Collector: TCPStreamDelegate {
    var opened: [TCPConnectionInfo] = []
    var streams: [Int: [Direction: [UInt8]]] = [:]
    var gaps: [(Int, Direction, Int)] = []
    var closed: [(Int, TCPCloseReason)] = []

    func connectionOpened(_ connection: TCPConnectionInfo) { opened.append(connection) }
    func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
        streams[id, default: [:]][direction, default: []] += Array(bytes.bindMemory(to: UInt8.self))
    }
    func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp) { gaps.append((id, direction, count)) }
    func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) { closed.append((id, reason)) }

    func text(_ id: Int, _ direction: Direction) -> String { String(decoding: streams[id]?[direction] ?? [], as: UTF8.self) }
}

/// Writes a capture with libpcap, reads it back through libpcap, and follows its TCP.
@Suite("Captures through libpcap")
struct CaptureRoundTripTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString)-\(name)").path
    }

    /// A short XMPP exchange: handshake, a request split over two segments, a response, FINs.
    static func writeSession(to path: String, linkType: Int32, family: PacketBuilder.Family, vlanTags: Int = 0,
                             hopByHop: Bool = false) throws {
        let writer = try PcapWriter(path: path, linkType: linkType)
        let builder = PacketBuilder(family: family)
        var time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
        func send(_ fromClient: Bool, _ sequence: UInt32, _ ack: UInt32, _ flags: UInt8, _ text: String) {
            let segment = builder.tcp(sourcePort: fromClient ? 40000 : 5222, destinationPort: fromClient ? 5222 : 40000,
                                      sequence: sequence, acknowledgement: ack, flags: flags, payload: Array(text.utf8))
            let ip = builder.ip(segment, source: fromClient ? 1 : 2, destination: fromClient ? 2 : 1, hopByHop: hopByHop)
            writer.write(builder.frame(ip, linkType: linkType, vlanTags: vlanTags), at: time)
            time.microseconds += 1000
        }
        send(true, 100, 0, 0x02, "")                  // SYN
        send(false, 500, 101, 0x12, "")               // SYN-ACK
        send(true, 101, 501, 0x10, "")                // ACK
        send(true, 101, 501, 0x18, "<iq type='get' ")
        send(true, 116, 501, 0x18, "id='1'/>")
        send(false, 501, 124, 0x18, "<iq type='result' id='1'/>")
        send(true, 124, 527, 0x11, "")                // FIN
        send(false, 527, 125, 0x11, "")               // FIN
        writer.flush()
    }

    static func follow(_ path: String) throws -> (Collector, CaptureStatistics) {
        let source = try PcapSource(path: path)
        let tracker = TCPConnectionTracker()
        let collector = Collector()
        try source.forEachPacket { tracker.process($0, delegate: collector) }
        tracker.finish(at: Timestamp(microseconds: 0), delegate: collector)
        return (collector, tracker.statistics)
    }

    static let linkTypes: [(String, Int32, PacketBuilder.Family, Int, Bool)] = [
        ("Ethernet IPv4", LinkType.ethernet, .v4, 0, false),
        ("Ethernet + two VLAN tags IPv6", LinkType.ethernet, .v6, 2, false),
        ("Linux cooked SLL IPv4", LinkType.linuxSLL, .v4, 0, false),
        ("Linux cooked SLL2 IPv6", LinkType.linuxSLL2, .v6, 0, false),
        ("BSD loopback NULL IPv4", LinkType.null, .v4, 0, false),
        ("BSD LOOP IPv6", LinkType.loop, .v6, 0, false),
        ("raw IPv4", LinkType.raw, .v4, 0, false),
        ("raw IPv6 with a hop-by-hop header", LinkType.raw, .v6, 0, true),
    ]

    @Test("every supported link layer decodes to the same streams", arguments: 0..<8)
    func linkTypes(index: Int) throws {
        let (name, linkType, family, vlans, hopByHop) = Self.linkTypes[index]
        let path = Self.temporaryPath("link.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSession(to: path, linkType: linkType, family: family, vlanTags: vlans, hopByHop: hopByHop)
        let (collector, statistics) = try Self.follow(path)
        #expect(statistics.packets == 8, "\(name)")
        #expect(statistics.skipped.isEmpty, "\(name): \(statistics.skipped)")
        #expect(collector.opened.count == 1)
        #expect(collector.opened.first?.server.port == 5222)
        #expect(collector.opened.first?.sawHandshake == true)
        #expect(collector.text(0, .c2s) == "<iq type='get' id='1'/>", "\(name)")
        #expect(collector.text(0, .s2c) == "<iq type='result' id='1'/>", "\(name)")
        #expect(collector.closed.first?.1 == .fin)
    }

    @Test("a file many times the read buffer's size: every packet, its bytes and its time, in order")
    func largerThanTheReadBuffer() throws {
        let path = Self.temporaryPath("large.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet)
        var written: [(bytes: [UInt8], time: Timestamp)] = []
        var total = 0, index = 0
        while total < 5 * PcapSource.fileBufferSize + 12345 {
            // Lengths that do not divide the buffer: packets straddle every refill.
            let bytes = (0..<(60 + index * 37 % 1400)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let time = Timestamp(seconds: 1_700_000_000 + Int64(index / 1000), microseconds: Int64(index % 1000) * 999)
            writer.write(bytes, at: time)
            written.append((bytes, time))
            total += 16 + bytes.count
            index += 1
        }
        writer.flush()
        var read: [(bytes: [UInt8], time: Timestamp)] = []
        try PcapSource(path: path).forEachPacket { read.append((Array($0.data), $0.timestamp)) }
        #expect(read.count == written.count)
        #expect(read.count > 1000)
        for (got, sent) in zip(read, written) where got.bytes != sent.bytes || got.time != sent.time {
            Issue.record("packet differs: \(got.bytes.count) bytes at \(got.time), sent \(sent.bytes.count) at \(sent.time)")
            break
        }
    }

    @Test("a file cut inside a packet: a clear error with the packet number, earlier packets kept")
    func truncatedFile() throws {
        let path = Self.temporaryPath("cut.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSession(to: path, linkType: LinkType.ethernet, family: .v4)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 30).write(to: URL(fileURLWithPath: path))
        let source = try PcapSource(path: path)
        let tracker = TCPConnectionTracker()
        let collector = Collector()
        var caught: CaptureError?
        do {
            try source.forEachPacket { tracker.process($0, delegate: collector) }
        } catch {
            caught = error
        }
        guard case .truncated(_, let packet, _)? = caught else {
            Issue.record("expected a truncated-file error, got \(String(describing: caught))")
            return
        }
        #expect(packet == 8)
        #expect(caught?.description.contains("packet 8") == true)
        tracker.finish(at: Timestamp(microseconds: 0), delegate: collector)
        #expect(collector.text(0, .s2c) == "<iq type='result' id='1'/>")
    }

    @Test("an empty file and a non-capture are refused with a message")
    func notACapture() throws {
        let path = Self.temporaryPath("empty.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: CaptureError.self) { _ = try PcapSource(path: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data("hello".utf8))
        #expect(throws: CaptureError.self) { _ = try PcapSource(path: path) }
    }

    @Test("a connection joined after its handshake takes the lower port for the server")
    func midConnection() throws {
        let path = Self.temporaryPath("mid.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet)
        let builder = PacketBuilder(family: .v4)
        let segment = builder.tcp(sourcePort: 5222, destinationPort: 40001, sequence: 7, acknowledgement: 9, flags: 0x18,
                                  payload: Array("<presence/>".utf8))
        writer.write(builder.frame(builder.ip(segment), linkType: LinkType.ethernet), at: Timestamp(microseconds: 1))
        writer.flush()
        let (collector, _) = try Self.follow(path)
        #expect(collector.opened.first?.sawHandshake == false)
        #expect(collector.opened.first?.server.port == 5222)
        #expect(collector.text(0, .s2c) == "<presence/>")
        #expect(collector.closed.first?.1 == .endOfCapture)
    }

    @Test("a snaplen-truncated packet gives its captured bytes and a gap")
    func snaplenTruncated() throws {
        let path = Self.temporaryPath("snap.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet)
        let builder = PacketBuilder(family: .v4)
        let payload = Array("<message><body>long text</body></message>".utf8)
        let segment = builder.tcp(sourcePort: 40002, destinationPort: 5222, sequence: 1, acknowledgement: 1, flags: 0x18, payload: payload)
        let frame = builder.frame(builder.ip(segment), linkType: LinkType.ethernet)
        writer.write(Array(frame.prefix(frame.count - 20)), at: Timestamp(microseconds: 1), originalLength: frame.count)
        writer.flush()
        let (collector, _) = try Self.follow(path)
        #expect(collector.text(0, .c2s) == String(decoding: payload.prefix(payload.count - 20), as: UTF8.self))
        #expect(collector.gaps.map(\.2) == [20])
    }
}
