public import XMPPCore
public import XMPPCapture

/// Options for turning traffic into records.
public struct InspectorOptions: Sendable {
    public var limits: FramerLimits
    /// Keep credentials in `xml` instead of redacting them.
    public var showSecrets: Bool
    /// Give every stanza record its whole element tree (the printer needs it; the log does not,
    /// and building trees only where needed is several times faster).
    public var keepsElements: Bool

    public init(limits: FramerLimits = .default, showSecrets: Bool = false, keepsElements: Bool = true) {
        self.limits = limits
        self.showSecrets = showSecrets
        self.keepsElements = keepsElements
    }
}

/// What the inspector knows about a connection, for summaries.
public struct ConnectionDescription: Sendable {
    public var id: Int
    public var client: String
    public var server: String
    /// The stream's content namespace once a header was seen (`jabber:client`, …).
    public var streamNamespace: String?
    public var isXMPP: Bool
    public var closeReason: String?
    public var tlsStarted: Bool
    public var joinedMidStream: Bool
    /// Whether any payload byte was seen (refused or empty connections carry none).
    public var carriedPayload = false
}

/// Turns the bytes of XMPP connections into ``Record``s: detects XMPP by content, frames each
/// direction, pairs iqs, decodes errors, redacts credentials, and follows STARTTLS.
///
/// Feed it from a ``TCPConnectionTracker`` (it is the tracker's delegate), or with raw stream text
/// through ``feedRaw(_:direction:at:)``.
public final class Inspector: TCPStreamDelegate {
    public let options: InspectorOptions
    private let sink: (Record) -> Void
    private var sessions: [Int: Session] = [:]
    private var seq = 0
    /// Every connection seen, XMPP or not, in id order of creation.
    public private(set) var connections: [ConnectionDescription] = []
    private var connectionIndex: [Int: Int] = [:]

    /// `sink` receives every record, in order.
    public init(options: InspectorOptions = InspectorOptions(), sink: @escaping (Record) -> Void) {
        self.options = options
        self.sink = sink
    }

    // MARK: TCPStreamDelegate

    public func connectionOpened(_ connection: TCPConnectionInfo) {
        sessions[connection.id] = Session(id: connection.id, options: options, joinedMidStream: !connection.sawHandshake)
        connectionIndex[connection.id] = connections.count
        connections.append(ConnectionDescription(
            id: connection.id, client: connection.client.description, server: connection.server.description,
            streamNamespace: nil, isXMPP: false, closeReason: nil, tlsStarted: false,
            joinedMidStream: !connection.sawHandshake
        ))
    }

    public func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
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

    public func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp) {
        guard let session = sessions[id] else { return }
        if session.verdict == .undecided {
            session.pending.append((direction, nil, count, time))
            return
        }
        guard session.verdict == .xmpp else { return }
        reportGap(session, count, direction, time)
    }

    private func reportGap(_ session: Session, _ count: Int, _ direction: Direction, _ time: Timestamp) {
        let time = session.advanceClock(direction, to: time)
        var record = makeRecord(session, direction, time, .gap)
        record.byteCount = count
        record.offset = session.framer(direction).totalBytes
        emit(record)
        session.framer(direction).gap(missing: count) { event in handle(event, session, direction, time) }
    }

    public func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if session.verdict == .undecided { decide(session, final: true) }
        if let index = connectionIndex[id] { connections[index].closeReason = reason.rawValue }
        guard session.verdict == .xmpp else { return }
        finish(session, at: time)
    }

    /// The capture ended: closes every connection still open.
    public func finishAll(at time: Timestamp) {
        for id in sessions.keys.sorted() { connectionClosed(id, reason: .endOfCapture, at: time) }
    }

    // MARK: Raw stream text

    /// Feeds raw XMPP stream text as connection 0. With a `direction`, the text is one side of
    /// a conversation (iqs pair across directions, with round trips). Without one it is an XML
    /// console dump or a file of stanzas holding both sides: it is shown as `c2s`, iqs pair by id
    /// and address within it, and no round trip is reported (the text has no timing).
    public func feedRaw(_ bytes: UnsafeRawBufferPointer, direction: Direction? = nil, at time: Timestamp) {
        let session = rawSession(undirected: direction == nil)
        feed(session, bytes, direction ?? .c2s, time)
    }

    /// The raw stream ended.
    public func finishRaw(at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: 0) else { return }
        finish(session, at: time)
    }

    private func rawSession(undirected: Bool) -> Session {
        if let session = sessions[0] { return session }
        let session = Session(id: 0, options: options, joinedMidStream: false, isUndirectedText: undirected)
        session.verdict = .xmpp
        sessions[0] = session
        connectionIndex[0] = connections.count
        connections.append(ConnectionDescription(
            id: 0, client: "input", server: "-", streamNamespace: nil, isXMPP: true,
            closeReason: nil, tlsStarted: false, joinedMidStream: false
        ))
        return session
    }

    // MARK: Sessions

    private func decide(_ session: Session, final: Bool) {
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

    private func feed(_ session: Session, _ bytes: UnsafeRawBufferPointer, _ direction: Direction, _ time: Timestamp) {
        let time = session.advanceClock(direction, to: time)
        session.framer(direction).feed(bytes) { event in handle(event, session, direction, time) }
    }

    private func finish(_ session: Session, at time: Timestamp) {
        for direction in Direction.allCases {
            session.framer(direction).finish { event in handle(event, session, direction, time) }
        }
        for request in session.tracker.drain() {
            var followUp = request
            followUp.unanswered = true
            sink(followUp)
        }
        if let start = session.tlsStart {
            var record = makeRecord(session, start.direction, start.time, .tlsStart)
            record.kind = "tls"
            record.encryptedBytes = (session.c2s.opaqueBytes, session.s2c.opaqueBytes)
            emit(record)
        }
    }

    private func handle(_ event: FramerEvent, _ session: Session, _ direction: Direction, _ time: Timestamp) {
        switch event {
        case .streamOpened(let header):
            var record = makeRecord(session, direction, time, .streamOpen)
            record.kind = header.element.name
            record.id = header.element[attribute: "id"]
            record.type = header.element[attribute: "type"]
            record.from = header.element[attribute: "from"]
            record.to = header.element[attribute: "to"]
            record.namespaces = [header.contentNamespace, header.element.namespace].compactMap { $0 }
            record.xmlBytes = header.raw
            record.size = header.raw.count
            record.offset = header.offset
            record.element = header.element
            if let namespace = header.contentNamespace, let index = connectionIndex[session.id] {
                connections[index].streamNamespace = namespace
            }
            emit(record)

        case .element(let framed):
            handleElement(framed, session, direction, time)

        case .streamClosed(let offset, let raw):
            var record = makeRecord(session, direction, time, .streamClose)
            record.kind = "stream"
            record.xmlBytes = raw
            record.size = raw.count
            record.offset = offset
            emit(record)

        case .error(let error):
            var record = makeRecord(session, direction, time, .parseError)
            record.error = ErrorInfo(source: .parse, condition: error.condition, text: error.message)
            record.position = error.position
            record.offset = error.position.offset
            record.byteCount = error.skippedCount
            record.size = error.skippedCount
            if !error.skipped.isEmpty {
                // Skipped bytes may not be UTF-8: decoding repairs them for the log.
                let text = String(decoding: error.skipped, as: UTF8.self)
                if !options.showSecrets && Redactor.mayHoldSecrets(text) {
                    record.redacted = true
                } else {
                    record.xml = text
                }
            }
            emit(record)
        }
    }

    private func handleElement(_ framed: FramedElement, _ session: Session, _ direction: Direction, _ time: Timestamp) {
        let top = framed.element
        let isStanza = (top.name == "iq" || top.name == "message" || top.name == "presence")
            && XMPPNamespace.isStanzaContent(top.namespace)
        let isStreamError = top.name == "error" && top.namespace == XMPPNamespace.streams
        var record = makeRecord(session, direction, time, isStanza ? .stanza : (isStreamError ? .streamError : .nonza))
        record.kind = top.name
        record.type = top[attribute: "type"]
        record.id = top[attribute: "id"]
        record.from = top[attribute: "from"]
        record.to = top[attribute: "to"]
        if isStanza {
            if framed.namespaces.count > 1 { record.namespaces = Array(framed.namespaces.dropFirst()) }
        } else {
            record.namespaces = framed.namespaces
        }
        record.size = framed.raw.count
        record.offset = framed.offset
        record.xmlBytes = framed.raw

        // The whole tree only where it is needed: the printer, errors, credentials.
        let mayCarryError = record.type == "error" || isStreamError || top.name == "failure"
        let mayHoldSecrets = !options.showSecrets && Redactor.mayHoldSecrets(name: top.name, namespaces: framed.namespaces)
        if options.keepsElements || mayCarryError || mayHoldSecrets {
            let element = framed.completeElement()
            record.element = element
            if mayCarryError { record.error = ErrorDecoder.decode(element) }
            if mayHoldSecrets, let redacted = Redactor.redact(element) {
                record.element = redacted
                record.xml = redacted.xmlString
                record.redacted = true
            }
        }

        if record.isRequest {
            for evicted in session.tracker.request(record) {
                var followUp = evicted
                followUp.unanswered = true
                sink(followUp)
            }
        } else if record.isResponse {
            if let request = session.tracker.response(record) {
                record.requestSeq = request.seq
                if !session.isUndirectedText { record.rttMilliseconds = time.milliseconds(since: request.timestamp) }
            } else {
                record.unmatchedResponse = true
            }
        }
        emit(record)

        if top.name == "proceed" && top.namespace == XMPPNamespace.tls {
            // Both sides switch to TLS after the server's <proceed/>: the framer that saw it already stopped.
            session.framer(direction.opposite).switchToOpaque()
            session.tlsStart = (direction, time)
            if let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
        } else if top.name == "compressed" && top.namespace == XMPPNamespace.compress {
            session.framer(direction.opposite).switchToOpaque()
        }
    }

    private func makeRecord(_ session: Session, _ direction: Direction, _ time: Timestamp, _ event: Record.Event) -> Record {
        seq += 1
        return Record(seq: seq, timestamp: time, connection: session.id, direction: direction, event: event)
    }

    private func emit(_ record: Record) { sink(record) }
}

/// Per-connection state.
private final class Session {
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
    var tracker = IQTracker()
    var tlsStart: (direction: Direction, time: Timestamp)?
    /// Per direction, the latest capture time of bytes handed on: an element is complete only when
    /// its last byte is in, and a held out-of-order segment may have been captured earlier.
    private var clocks = (c2s: Timestamp(microseconds: .min), s2c: Timestamp(microseconds: .min))

    func advanceClock(_ direction: Direction, to time: Timestamp) -> Timestamp {
        if direction == .c2s {
            clocks.c2s = max(clocks.c2s, time)
            return clocks.c2s
        }
        clocks.s2c = max(clocks.s2c, time)
        return clocks.s2c
    }

    /// Raw text holding both sides in one stream, with no timing.
    let isUndirectedText: Bool

    init(id: Int, options: InspectorOptions, joinedMidStream: Bool, isUndirectedText: Bool = false) {
        self.id = id
        self.joinedMidStream = joinedMidStream
        self.isUndirectedText = isUndirectedText
        tracker = IQTracker(pairsWithinDirection: isUndirectedText)
        let content: XMLFramer.Content = options.keepsElements ? .full : .topLevel
        c2s = XMLFramer(limits: options.limits, content: content)
        s2c = XMLFramer(limits: options.limits, content: content)
    }

    func framer(_ direction: Direction) -> XMLFramer { direction == .c2s ? c2s : s2c }
}
