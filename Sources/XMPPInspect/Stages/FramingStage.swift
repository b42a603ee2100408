import XMPPCore
import XMPPCapture
import XMPPBase
import XMPPTransport

/// The first stage of inspection: recognises XMPP by content, frames both directions of each
/// connection, and follows STARTTLS (after `<proceed/>` both directions stop decoding). It keeps
/// the connection descriptions. Everything per-record happens in ``RecordStage``.
final class FramingStage: TCPStreamDelegate {
    let options: InspectorOptions
    private let emit: (FramingEvent) -> Void
    private var sessions: [Int: FramingSession] = [:]
    private(set) var connections: [ConnectionDescription] = []
    private var connectionIndex: [Int: Int] = [:]

    init(options: InspectorOptions, emit: @escaping (FramingEvent) -> Void) {
        self.options = options
        self.emit = emit
    }

    // MARK: TCPStreamDelegate

    func connectionOpened(_ connection: TCPConnectionInfo) {
        sessions[connection.id] = FramingSession(id: connection.id, options: options, joinedMidStream: !connection.sawHandshake)
        connectionIndex[connection.id] = connections.count
        connections.append(ConnectionDescription(
            id: connection.id, client: connection.client.description, server: connection.server.description,
            streamNamespace: nil, isXMPP: false, closeReason: nil, tlsStarted: false,
            joinedMidStream: !connection.sawHandshake
        ))
    }

    func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
        guard let session = sessions[id] else { return }
        if !session.carriedPayload, let index = connectionIndex[id] {
            session.carriedPayload = true
            connections[index].carriedPayload = true
        }
        switch session.verdict {
        case .other:
            return
        case .xmpp:
            feed(session, bytes, direction, time)
        case .undecided:
            session.pending.append((direction, Array(bytes.bindMemory(to: UInt8.self)), 0, time))
            session.pendingBytes[direction == .c2s ? 0 : 1].append(contentsOf: bytes.bindMemory(to: UInt8.self))
            decide(session, final: false)
        }
    }

    func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp) {
        guard let session = sessions[id] else { return }
        if session.verdict == .undecided {
            session.pending.append((direction, nil, count, time))
            return
        }
        guard session.verdict == .xmpp else { return }
        reportGap(session, count, direction, time)
    }

    func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if session.verdict == .undecided { decide(session, final: true) }
        if let index = connectionIndex[id] { connections[index].closeReason = reason.rawValue }
        guard session.verdict == .xmpp else { return }
        finish(session, at: time)
    }

    /// Passes a proxy lifecycle record on, in order with the connection's framed events.
    func proxyEvent(_ id: Int, _ event: Record.Event, _ info: ProxyInfo, direction: Direction, at time: Timestamp) {
        emit(.proxy(connection: id, direction: direction, time: time, event: event, info: info))
    }

    func finishAll(at time: Timestamp) {
        for id in sessions.keys.sorted() { connectionClosed(id, reason: .endOfCapture, at: time) }
    }

    // MARK: Raw stream text

    func feedRaw(_ bytes: UnsafeRawBufferPointer, direction: Direction?, at time: Timestamp) {
        let session = rawSession(undirected: direction == nil)
        feed(session, bytes, direction ?? .c2s, time)
    }

    func finishRaw(at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: 0) else { return }
        finish(session, at: time)
    }

    private func rawSession(undirected: Bool) -> FramingSession {
        if let session = sessions[0] { return session }
        let session = FramingSession(id: 0, options: options, joinedMidStream: false)
        session.verdict = .xmpp
        sessions[0] = session
        connectionIndex[0] = connections.count
        connections.append(ConnectionDescription(
            id: 0, client: "input", server: "-", streamNamespace: nil, isXMPP: true,
            closeReason: nil, tlsStarted: false, joinedMidStream: false
        ))
        emit(.opened(connection: 0, undirected: undirected))
        return session
    }

    // MARK: Sessions

    private func decide(_ session: FramingSession, final: Bool) {
        let verdicts = session.pendingBytes.map(XMPPDetector.classify)
        if verdicts.contains(.xmpp) {
            session.verdict = .xmpp
        } else if verdicts.contains(.other) || final {
            session.verdict = .other
        } else {
            return
        }
        if session.verdict == .xmpp {
            if let index = connectionIndex[session.id] { connections[index].isXMPP = true }
            emit(.opened(connection: session.id, undirected: false))
            if session.joinedMidStream {
                session.c2s.resynchronize()
                session.s2c.resynchronize()
            }
            let pending = session.pending
            session.pending = []
            for (direction, bytes, missing, time) in pending {
                if let bytes {
                    bytes.withUnsafeBytes { feed(session, $0, direction, time) }
                } else {
                    reportGap(session, missing, direction, time)
                }
            }
        }
        session.pending = []
        session.pendingBytes = [[], []]
    }

    private func feed(_ session: FramingSession, _ bytes: UnsafeRawBufferPointer, _ direction: Direction, _ time: Timestamp) {
        let time = session.advanceClock(direction, to: time)
        session.framer(direction).feed(bytes) { event in handle(event, session, direction, time) }
    }

    private func reportGap(_ session: FramingSession, _ count: Int, _ direction: Direction, _ time: Timestamp) {
        let time = session.advanceClock(direction, to: time)
        emit(.gap(connection: session.id, direction: direction, time: time, count: count,
                  offset: session.framer(direction).totalBytes))
        session.framer(direction).gap(missing: count) { event in handle(event, session, direction, time) }
    }

    private func finish(_ session: FramingSession, at time: Timestamp) {
        for direction in Direction.allCases {
            session.framer(direction).finish { event in handle(event, session, direction, time) }
        }
        emit(.closed(connection: session.id, tlsStart: session.handOff.tlsStart,
                     encryptedBytes: (session.c2s.opaqueBytes, session.s2c.opaqueBytes)))
    }

    private func handle(_ event: FramerEvent, _ session: FramingSession, _ direction: Direction, _ time: Timestamp) {
        emit(.framed(connection: session.id, direction: direction, time: time, event: event))
        switch event {
        case .streamOpened(let header):
            if let namespace = header.contentNamespace, let index = connectionIndex[session.id] {
                connections[index].streamNamespace = namespace
            }
        case .element(let framed):
            let top = framed.element
            guard let next = session.handOff.topLevelElement(name: top.name, namespace: top.namespace, direction: direction, at: time) else { return }
            switch next {
            case .restartStreams: session.framer(direction.opposite).resetForNewStream()
            case .stopDecoding: session.framer(direction.opposite).switchToOpaque()
            }
            if session.handOff.tlsStart != nil, let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
        case .streamClosed, .error:
            break
        }
    }
}
