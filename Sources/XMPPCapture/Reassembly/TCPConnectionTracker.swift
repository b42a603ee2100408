public import XMPPBase

/// Follows every TCP connection in a capture and reassembles both directions.
public final class TCPConnectionTracker {
    private final class Connection {
        let info: TCPConnectionInfo
        var c2s: TCPReassembler
        var s2c: TCPReassembler
        var lastSeen: Timestamp
        init(info: TCPConnectionInfo, limits: TCPReassembler.Limits) {
            self.info = info
            self.c2s = TCPReassembler(limits: limits)
            self.s2c = TCPReassembler(limits: limits)
            self.lastSeen = info.openedAt
        }
    }

    private struct Key: Hashable {
        var client: Endpoint
        var server: Endpoint

        /// Two words for an IPv4 pair (each address with its port), where the derived hash feeds
        /// every case tag, address and port on its own: one or two lookups for every segment.
        func hash(into hasher: inout Hasher) {
            client.combineCompactly(into: &hasher)
            server.combineCompactly(into: &hasher)
        }
    }

    private let limits: TCPReassembler.Limits
    private var open: [Key: Connection] = [:]
    /// Connections closed a moment ago: their stray ACKs and retransmissions are not new connections.
    private var recentlyClosed: [Key: Timestamp] = [:]
    private var nextID = 0
    public private(set) var statistics = CaptureStatistics()

    public init(limits: TCPReassembler.Limits = TCPReassembler.Limits()) {
        self.limits = limits
    }

    /// Decodes and follows one captured packet.
    public func process(_ packet: CapturedPacket, delegate: some TCPStreamDelegate) {
        statistics.packets += 1
        switch PacketDecoder.decode(packet) {
        case .success(let segment):
            statistics.tcpSegments += 1
            process(segment, delegate: delegate)
        case .failure(let reason):
            statistics.skipped[reason, default: 0] += 1
        }
    }

    /// Follows one TCP segment.
    public func process(_ segment: TCPSegment, delegate: some TCPStreamDelegate) {
        let forward = Key(client: segment.source, server: segment.destination)
        let backward = Key(client: segment.destination, server: segment.source)
        let flags = segment.flags

        if flags.contains(.syn) && !flags.contains(.ack) {
            // A new connection from `source` (unless this is a retransmitted SYN).
            if let existing = open[forward] {
                if !existing.c2s.isStarted || existing.c2s.nextOffset > 0 || existing.info.sawHandshake == false {
                    close(forward, reason: .endOfCapture, at: segment.timestamp, delegate: delegate)
                } else {
                    return
                }
            }
            if open[backward] != nil { close(backward, reason: .endOfCapture, at: segment.timestamp, delegate: delegate) }
            recentlyClosed[forward] = nil
            recentlyClosed[backward] = nil
            let connection = create(forward, segment: segment, handshake: true, delegate: delegate)
            connection.c2s.start(synSequence: segment.sequence)
            if segment.payloadLength > 0 {
                // TCP Fast Open: data in the SYN.
                let id = connection.info.id
                connection.c2s.receive(sequence: segment.sequence &+ 1, payload: segment.payload, length: segment.payloadLength,
                                       fin: false, at: segment.timestamp) { chunk, time in Self.forward(chunk, id, .c2s, time, delegate) }
            }
            return
        }

        var direction: Direction
        var key: Key
        var connection: Connection
        if let found = open[forward] {
            (direction, key, connection) = (.c2s, forward, found)
        } else if let found = open[backward] {
            (direction, key, connection) = (.s2c, backward, found)
        } else {
            if recentlyClosed[forward] != nil || recentlyClosed[backward] != nil {
                statistics.packetsAfterClose += 1
                return
            }
            if flags.contains(.syn) && flags.contains(.ack) {
                // The SYN was not captured: the receiver of the SYN-ACK is the client.
                key = backward
                connection = create(backward, segment: segment, handshake: true, delegate: delegate)
                direction = .s2c
            } else {
                guard segment.payloadLength > 0 else { return }
                // Joined mid-connection: the lower port is taken for the server's.
                let sourceIsClient = segment.source.port >= segment.destination.port
                key = sourceIsClient ? forward : backward
                connection = create(key, segment: segment, handshake: false, delegate: delegate)
                direction = sourceIsClient ? .c2s : .s2c
            }
        }
        connection.lastSeen = segment.timestamp
        let id = connection.info.id
        let time = segment.timestamp
        let deliverC2S: TCPReassembler.Deliver = { chunk, time in Self.forward(chunk, id, .c2s, time, delegate) }
        let deliverS2C: TCPReassembler.Deliver = { chunk, time in Self.forward(chunk, id, .s2c, time, delegate) }

        if flags.contains(.syn) {
            if direction == .s2c { connection.s2c.start(synSequence: segment.sequence) }
            return
        }
        if flags.contains(.rst) {
            close(key, reason: .reset, at: time, delegate: delegate)
            return
        }
        // The acknowledgement speaks of the other direction's bytes, sent before this segment:
        // apply it first, so a request held behind a hole comes out before its response.
        if direction == .c2s {
            if flags.contains(.ack) { connection.s2c.acknowledged(segment.acknowledgement, at: time, deliver: deliverS2C) }
            connection.c2s.receive(sequence: segment.sequence, payload: segment.payload, length: segment.payloadLength,
                                   fin: flags.contains(.fin), at: time, deliver: deliverC2S)
        } else {
            if flags.contains(.ack) { connection.c2s.acknowledged(segment.acknowledgement, at: time, deliver: deliverC2S) }
            connection.s2c.receive(sequence: segment.sequence, payload: segment.payload, length: segment.payloadLength,
                                   fin: flags.contains(.fin), at: time, deliver: deliverS2C)
        }
        if connection.c2s.isFinished && connection.s2c.isFinished {
            close(key, reason: .fin, at: time, delegate: delegate)
        }
    }

    private static func forward(
        _ chunk: ReassembledChunk, _ id: Int, _ direction: Direction, _ time: Timestamp, _ delegate: some TCPStreamDelegate
    ) {
        switch chunk {
        case .data(let bytes): delegate.connection(id, received: bytes, direction: direction, at: time)
        case .gap(let count): delegate.connection(id, missing: count, direction: direction, at: time)
        }
    }

    /// The capture ended: flushes and closes every open connection, in order of id.
    public func finish(at time: Timestamp, delegate: some TCPStreamDelegate) {
        for (key, _) in open.sorted(by: { $0.value.info.id < $1.value.info.id }) {
            close(key, reason: .endOfCapture, at: open[key]?.lastSeen ?? time, delegate: delegate)
        }
    }

    private func create(_ key: Key, segment: TCPSegment, handshake: Bool, delegate: some TCPStreamDelegate) -> Connection {
        let info = TCPConnectionInfo(
            id: nextID, client: key.client, server: key.server, sawHandshake: handshake,
            firstPacket: segment.packet, openedAt: segment.timestamp
        )
        nextID += 1
        statistics.connections += 1
        let connection = Connection(info: info, limits: limits)
        open[key] = connection
        delegate.connectionOpened(info)
        return connection
    }

    private func close(_ key: Key, reason: TCPCloseReason, at time: Timestamp, delegate: some TCPStreamDelegate) {
        guard let connection = open.removeValue(forKey: key) else { return }
        let id = connection.info.id
        connection.c2s.flush(at: time) { chunk, time in Self.forward(chunk, id, .c2s, time, delegate) }
        connection.s2c.flush(at: time) { chunk, time in Self.forward(chunk, id, .s2c, time, delegate) }
        statistics.retransmissions += connection.c2s.retransmissions + connection.s2c.retransmissions
        statistics.missingBytes += connection.c2s.missingBytes + connection.s2c.missingBytes
        statistics.outOfWindow += connection.c2s.outOfWindow + connection.s2c.outOfWindow
        delegate.connectionClosed(id, reason: reason, at: time)
        if reason != .endOfCapture {
            recentlyClosed[key] = time
            if recentlyClosed.count > 4096 { forgetOldClosedConnections(before: time) }
        }
    }

    private func forgetOldClosedConnections(before time: Timestamp) {
        let horizon = time.microseconds - 120_000_000
        recentlyClosed = recentlyClosed.filter { $0.value.microseconds >= horizon }
    }
}
