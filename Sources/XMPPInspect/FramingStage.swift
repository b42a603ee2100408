import XMPPCore
import XMPPCapture

/// What the framing stage hands to the record stage: framed XMPP, in stream order.
enum FramingEvent: Sendable {
    /// A connection was recognised as XMPP (or a raw text stream began).
    case opened(connection: Int, undirected: Bool)
    case framed(connection: Int, direction: Direction, time: Timestamp, event: FramerEvent)
    case gap(connection: Int, direction: Direction, time: Timestamp, count: Int, offset: Int)
    /// The connection ended; TLS, if it began, and the bytes that stayed encrypted.
    case closed(connection: Int, tlsStart: TLSStart?, encryptedBytes: (c2s: Int, s2c: Int))
    /// The proxy says something about the connection itself (connect, TLS per leg, close, edits).
    case proxy(connection: Int, direction: Direction, time: Timestamp, event: Record.Event, info: ProxyInfo)
}

/// Where and when TLS began on a connection.
struct TLSStart: Sendable {
    var direction: Direction
    var time: Timestamp
    /// Terminated in front of the inspector, so nothing stayed encrypted.
    var intercepted = false
}

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
        emit(.closed(connection: session.id, tlsStart: session.tlsStart,
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
            if top.name == "proceed" && top.namespace == XMPPNamespace.tls {
                if options.tlsTerminated {
                    // Decrypted in front of us: both sides start new streams.
                    session.framer(direction.opposite).resetForNewStream()
                } else {
                    // Both sides switch to TLS after the server's <proceed/>: the framer that saw it already stopped.
                    session.framer(direction.opposite).switchToOpaque()
                }
                session.tlsStart = TLSStart(direction: direction, time: time, intercepted: options.tlsTerminated)
                if let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
            } else if top.name == "compressed" && top.namespace == XMPPNamespace.compress {
                session.framer(direction.opposite).switchToOpaque()
            }
        case .streamClosed, .error:
            break
        }
    }
}

/// Per-connection state of the framing stage.
private final class FramingSession {
    enum Verdict { case undecided, xmpp, other }
    let id: Int
    let joinedMidStream: Bool
    var verdict: Verdict = .undecided
    var carriedPayload = false
    /// Bytes (or gaps, as nil) held until the connection is recognised.
    var pending: [(Direction, [UInt8]?, Int, Timestamp)] = []
    var pendingBytes: [[UInt8]] = [[], []]
    let c2s: XMLFramer
    let s2c: XMLFramer
    var tlsStart: TLSStart?
    /// Per direction, the latest capture time of bytes handed on: an element is complete only when
    /// its last byte is in, and a held out-of-order segment may have been captured earlier.
    private var clocks = (c2s: Timestamp(microseconds: .min), s2c: Timestamp(microseconds: .min))

    init(id: Int, options: InspectorOptions, joinedMidStream: Bool) {
        self.id = id
        self.joinedMidStream = joinedMidStream
        let content: XMLFramer.Content = options.keepsElements ? .full : .topLevel
        c2s = XMLFramer(limits: options.limits, content: content)
        s2c = XMLFramer(limits: options.limits, content: content)
        c2s.stopsAtProceed = !options.tlsTerminated
        s2c.stopsAtProceed = !options.tlsTerminated
    }

    func framer(_ direction: Direction) -> XMLFramer { direction == .c2s ? c2s : s2c }

    func advanceClock(_ direction: Direction, to time: Timestamp) -> Timestamp {
        if direction == .c2s {
            clocks.c2s = max(clocks.c2s, time)
            return clocks.c2s
        }
        clocks.s2c = max(clocks.s2c, time)
        return clocks.s2c
    }
}
