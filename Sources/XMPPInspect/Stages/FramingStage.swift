import XMPPCore
import XMPPCapture
import XMPPBase
import XMPPTransport

/// The first stage of inspection: recognises XMPP by content (in the clear, or in TLS from the
/// first byte), frames both directions of each connection, and follows STARTTLS: after
/// `<proceed/>` the TLS layer (``TLSConnectionDecoder``) reads the records, decrypts them when a
/// key log has the session's secrets, and hands the plaintext back to the framers. It keeps the
/// connection descriptions. Everything per-record happens in ``RecordStage``.
final class FramingStage: TCPStreamDelegate {
    let options: InspectorOptions
    let emit: (consuming FramingEvent) -> Void
    /// The key logs, if the user gave any.
    private let keyLog: (any TLSSecretLookup)?
    /// TLS 1.2 sessions by id and ticket, for resumptions later in the capture.
    private let tlsSessions = TLSSessionCache()
    /// Receives every decrypted byte of every connection (connection, direction, bytes), XMPP or not.
    var plaintextTap: ((Int, Direction, [UInt8]) -> Void)?
    private var sessions = ConnectionTable<FramingSession>()
    /// One libxml2 name dictionary for every framer of every session: this stage runs on one thread.
    private let names = SharedNameDictionary()
    var connections: [ConnectionDescription] = []
    var connectionIndex: [Int: Int] = [:]
    /// BOSH sessions by `sid`, and every one not yet closed (in creation order).
    var boshSessions: [String: BOSHSession] = [:]
    var openBOSHSessions: [BOSHSession] = []
    /// Ids for BOSH sessions that cannot take their first TCP connection's id (it is in use).
    var nextSyntheticConnectionID = ConnectionDescription.firstSessionOnlyID

    /// Whether a direct-TLS connection may be decrypted before this stage (a pipelined
    /// inspector's reading thread, ``ReadingFront``): such a connection waits, undecided, for
    /// ``directTLSDecided(_:knownXMPP:upstream:)``; one decrypted there has its decoder's events
    /// come through ``upstreamTLS(_:_:at:)``. STARTTLS is decrypted here either way.
    let directTLSDecryptedUpstream: Bool
    /// Whether a plaintext web connection may be decoded before this stage (``ReadingFront``):
    /// such a connection waits, undecided, for ``webDecided(_:upstream:)``; one decoded there
    /// has its decoder's events come through ``upstreamWeb(_:_:at:)``.
    let webDecodedUpstream: Bool

    init(options: InspectorOptions, keyLog: (any TLSSecretLookup)? = nil, directTLSDecryptedUpstream: Bool = false,
         webDecodedUpstream: Bool = false, emit: @escaping (consuming FramingEvent) -> Void) {
        self.options = options
        self.keyLog = keyLog
        self.directTLSDecryptedUpstream = directTLSDecryptedUpstream
        self.webDecodedUpstream = webDecodedUpstream
        self.emit = emit
    }

    /// Whether TLS records reach the inspector (not terminated in front of it by the proxy).
    private var seesTLSRecords: Bool { !options.tlsTerminated }

    // MARK: TCPStreamDelegate

    func connectionOpened(_ connection: TCPConnectionInfo) {
        sessions[connection.id] = FramingSession(id: connection.id, options: options, joinedMidStream: !connection.sawHandshake,
                                                 serverPort: connection.server.port, names: names)
        connectionIndex[connection.id] = connections.count
        connections.append(ConnectionDescription(
            id: connection.id, client: connection.client.description, server: connection.server.description,
            streamNamespace: nil, isXMPP: false, closeReason: nil, tlsStarted: false,
            joinedMidStream: !connection.sawHandshake
        ))
    }

    func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
        connection(id, received: bytes, direction: direction, at: time, checked: false)
    }

    /// The same for bytes found to be valid XML text (``XMLFramer/isValidXMLText(_:)``) when
    /// `checked` is set, so that a framer fed them need not check them again.
    func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp, checked: Bool) {
        guard let session = sessions[id] else { return }
        if !session.carriedPayload, let index = connectionIndex[id] {
            session.carriedPayload = true
            connections[index].carriedPayload = true
        }
        switch session.verdict {
        case .other:
            return
        case .xmpp, .directTLS, .web:
            feed(session, bytes, direction, time, checked: checked)
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
        guard session.verdict == .xmpp || session.verdict == .directTLS || session.verdict == .web else { return }
        reportGap(session, count, direction, time)
    }

    func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if session.verdict == .undecided { decide(session, final: true) }
        if session.verdict == .directTLS {
            session.tls?.finish { deliverTLS($0, session, time) }
            if session.verdict == .directTLS { session.verdict = .other }
        }
        if let index = connectionIndex[id] { connections[index].closeReason = reason.rawValue }
        if session.web != nil {
            finishWeb(session, at: time, cutOff: reason == .endOfCapture)
            return
        }
        guard session.verdict == .xmpp else { return }
        finish(session, at: time, cutOff: reason == .endOfCapture)
    }

    /// Passes a proxy lifecycle record on, in order with the connection's framed events.
    func proxyEvent(_ id: Int, _ event: Record.Event, _ info: ProxyInfo, direction: Direction, at time: Timestamp) {
        emit(.proxy(connection: id, direction: direction, time: time, event: event, info: info))
    }

    func finishAll(at time: Timestamp) {
        for id in sessions.keys.sorted() { connectionClosed(id, reason: .endOfCapture, at: time) }
        finishBOSHSessions(at: time)
    }

    // MARK: Raw stream text

    func feedRaw(_ bytes: UnsafeRawBufferPointer, direction: Direction?, at time: Timestamp) {
        let session = rawSession(undirected: direction == nil)
        feed(session, bytes, direction ?? .c2s, time)
    }

    func finishRaw(at time: Timestamp) {
        guard let session = sessions.removeValue(forKey: 0) else { return }
        // A console dump holds what was said; it is taken as the whole conversation.
        finish(session, at: time, cutOff: false)
    }

    private func rawSession(undirected: Bool) -> FramingSession {
        if let session = sessions[0] { return session }
        let session = FramingSession(id: 0, options: options, joinedMidStream: false, names: names)
        session.verdict = .xmpp
        sessions[0] = session
        connectionIndex[0] = connections.count
        connections.append(ConnectionDescription(
            id: 0, client: "input", server: "-", streamNamespace: nil, isXMPP: true,
            closeReason: nil, tlsStarted: false, joinedMidStream: false
        ))
        emit(.opened(connection: 0, undirected: undirected, joinedMidStream: false, transport: .tcp))
        return session
    }

    // MARK: Sessions

    private func decide(_ session: FramingSession, final: Bool) {
        switch ConnectionSniff.classify(session.pendingBytes, final: final, seesTLSRecords: seesTLSRecords, serverPort: session.serverPort) {
        case .undecided:
            return
        case .web:
            // The reading thread says in the very next call which thread decodes it.
            if webDecodedUpstream { return }
            startWeb(session)
            return
        case .directTLS(let knownXMPP, _):
            // The reading thread says in the very next call which thread decrypts it.
            if directTLSDecryptedUpstream { return }
            startDirectTLS(session, knownXMPP: knownXMPP)
            return
        case .xmpp:
            session.verdict = .xmpp
            markXMPP(session)
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
        case .other:
            session.verdict = .other
        }
        session.pending = []
        session.pendingBytes = [[], []]
    }

    func markXMPP(_ session: FramingSession, transport: Transport = .tcp) {
        if let index = connectionIndex[session.id] {
            connections[index].isXMPP = true
            connections[index].transport = transport
        }
        emit(.opened(connection: session.id, undirected: false, joinedMidStream: session.joinedMidStream, transport: transport))
    }

    /// A connection that began with an HTTP request: its bytes go to the web layer, and it is
    /// shown once a request carries XMPP (a WebSocket upgrade offering `xmpp`, a BOSH body).
    private func startWeb(_ session: FramingSession) {
        session.web = WebFramingSession(decoder: WebConnectionDecoder(limits: options.webLimits))
        session.verdict = .web
        replayPending(session)
    }

    /// Feeds what was held while the connection was undecided.
    func replayPending(_ session: FramingSession) {
        let pending = session.pending
        session.pending = []
        session.pendingBytes = [[], []]
        for (direction, bytes, missing, time) in pending {
            if let bytes {
                bytes.withUnsafeBytes { feed(session, $0, direction, time) }
            } else {
                reportGap(session, missing, direction, time)
            }
        }
    }

    /// A connection that began with a ClientHello: its bytes go to a TLS decoder from the first.
    /// It is XMPP if its ALPN or port says so, or once its decrypted bytes are.
    private func startDirectTLS(_ session: FramingSession, knownXMPP: Bool) {
        session.tls = TLSConnectionDecoder(lookup: keyLog, cache: tlsSessions)
        session.tlsFromFirstByte = true
        session.decrypting = [true, true]
        session.verdict = knownXMPP ? .xmpp : .directTLS
        if knownXMPP { markXMPP(session) }
        let pending = session.pending
        session.pending = []
        session.pendingBytes = [[], []]
        for (direction, bytes, missing, time) in pending {
            // As for bytes that come later: a connection shown as web goes on to the decoder.
            guard session.verdict != .other else { return }
            if let bytes {
                bytes.withUnsafeBytes { feed(session, $0, direction, time) }
            } else {
                reportGap(session, missing, direction, time)
            }
        }
    }

    // MARK: Direct TLS decrypted upstream

    /// The reading thread found connection `id` to be direct TLS (the call before completed its
    /// ClientHello, or the next call closes it). `upstream`: it decrypts it; what this stage held
    /// of it is dropped, the decoder there has it. Otherwise this stage decrypts it, from what it held.
    func directTLSDecided(_ id: Int, knownXMPP: Bool, upstream: Bool) {
        guard let session = sessions[id] else { return }
        guard upstream else {
            startDirectTLS(session, knownXMPP: knownXMPP)
            return
        }
        session.tlsDecryptedUpstream = true
        session.tlsFromFirstByte = true
        session.decrypting = [true, true]
        session.verdict = knownXMPP ? .xmpp : .directTLS
        if knownXMPP { markXMPP(session) }
        session.pending = []
        session.pendingBytes = [[], []]
    }

    /// What the reading thread's TLS decoder said of connection `id`, stamped with its clock.
    func upstreamTLS(_ id: Int, _ event: TLSEvent, at time: Timestamp) {
        guard let session = sessions[id] else { return }
        deliverTLS(event, session, time)
    }

    // MARK: Web decoded upstream

    /// The reading thread found connection `id` to begin with an HTTP request (the call before
    /// completed its request line, or the next call closes it). `upstream`: it decodes its web
    /// layer; what this stage held of it is dropped, the decoder there has it. Otherwise this
    /// stage decodes it, from what it held.
    func webDecided(_ id: Int, upstream: Bool) {
        guard let session = sessions[id] else { return }
        guard upstream else {
            startWeb(session)
            return
        }
        session.web = WebFramingSession(decoder: nil)
        session.verdict = .web
        session.pending = []
        session.pendingBytes = [[], []]
    }

    /// What the reading thread's web decoder said of connection `id`, stamped with its clock.
    func upstreamWeb(_ id: Int, _ event: WebEvent, at time: Timestamp) {
        guard let session = sessions[id] else { return }
        handleWeb(event, session, time)
    }

    private func feed(_ session: FramingSession, _ bytes: UnsafeRawBufferPointer, _ direction: Direction, _ time: Timestamp,
                      checked: Bool = false) {
        let time = session.advanceClock(direction, to: time)
        if let tls = session.tls, session.decrypting[direction == .c2s ? 0 : 1] {
            tls.feed(direction, bytes) { deliverTLS($0, session, time) }
            return
        }
        if let web = session.web {
            web.decoder?.feed(direction, bytes) { handleWeb($0, session, time) }
            return
        }
        session.framer(direction).feed(bytes, checked: checked) { event in handle(event, session, direction, time) }
        if session.tls != nil { takeOverTLS(session, time) }
    }

    /// A framer stopped at `<proceed/>` (or was stopped by the other's): its bytes from there on
    /// are the TLS decoder's, and what it decrypts comes back to the framer as a new stream.
    private func takeOverTLS(_ session: FramingSession, _ time: Timestamp) {
        guard let tls = session.tls else { return }
        for direction in Direction.allCases {
            let i = direction == .c2s ? 0 : 1
            let framer = session.framer(direction)
            guard !session.decrypting[i], framer.isOpaque else { continue }
            session.decrypting[i] = true
            let tail = framer.takeOpaqueTail()
            framer.restartForDecryptedStream()
            if !tail.isEmpty { tail.withUnsafeBytes { tls.feed(direction, $0) { deliverTLS($0, session, time) } } }
        }
    }

    /// What the TLS decoder says, to the tap (if any) and then the session.
    func deliverTLS(_ event: TLSEvent, _ session: FramingSession, _ time: Timestamp) {
        if let plaintextTap, case .plaintext(let direction, let bytes) = event { plaintextTap(session.id, direction, bytes) }
        handleTLS(event, session, time)
    }

    private func handleTLS(_ event: TLSEvent, _ session: FramingSession, _ time: Timestamp) {
        if session.verdict == .directTLS {
            holdTLS(event, session, time)
            return
        }
        if let web = session.web {
            handleTLSUnderWeb(event, web, session, time)
            return
        }
        guard session.verdict == .xmpp else { return }
        switch event {
        case .plaintext(let direction, let bytes):
            bytes.withUnsafeBytes { raw in session.framer(direction).feed(raw) { handle($0, session, direction, time) } }
        case .handshake(let info):
            if let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
            emit(.tls(connection: session.id, direction: .s2c, time: time, info: info))
        case .lost(let direction, let records):
            emit(.tlsProblem(connection: session.id, direction: direction, time: time,
                             text: "\(records) TLS records lost to a gap; decryption resumed after them"))
        case .problem(let direction, let problem):
            emit(.tlsProblem(connection: session.id, direction: direction, time: time, text: problem.description))
        }
    }

    /// Direct TLS not yet known to be XMPP: decrypted bytes decide; a session that will not be
    /// decrypted is not shown (nothing says it is XMPP).
    private func holdTLS(_ event: TLSEvent, _ session: FramingSession, _ time: Timestamp) {
        session.heldTLSEvents.append((event, time))
        switch event {
        case .plaintext(let direction, let bytes):
            let i = direction == .c2s ? 0 : 1
            session.pendingBytes[i].append(contentsOf: bytes)
            if i == 0, WebConnectionDecoder.startsHTTPRequest(session.pendingBytes[0]) == true {
                // HTTPS: the web layer reads the decrypted bytes (wss://, https://…/http-bind).
                session.web = WebFramingSession(decoder: WebConnectionDecoder(limits: options.webLimits))
                session.verdict = .web
                let held = session.heldTLSEvents
                session.heldTLSEvents = []
                session.pendingBytes = [[], []]
                for (event, time) in held { handleTLS(event, session, time) }
                return
            }
            switch XMPPDetector.classify(session.pendingBytes[i]) {
            case .xmpp:
                session.verdict = .xmpp
                markXMPP(session)
                let held = session.heldTLSEvents
                session.heldTLSEvents = []
                session.pendingBytes = [[], []]
                for (event, time) in held { handleTLS(event, session, time) }
            case .other:
                session.verdict = .other
                session.heldTLSEvents = []
            case .undecided:
                break
            }
        case .handshake(let info) where !info.decrypted:
            session.verdict = .other
            session.heldTLSEvents = []
        default:
            break
        }
    }

    private func reportGap(_ session: FramingSession, _ count: Int, _ direction: Direction, _ time: Timestamp) {
        let time = session.advanceClock(direction, to: time)
        if session.decrypting[direction == .c2s ? 0 : 1] {
            if let tls = session.tls {
                tls.gap(direction, missing: count) { deliverTLS($0, session, time) }
            }
            // Decrypted upstream: what the gap did to TLS came just before, as its own calls.
            if session.verdict == .directTLS || session.web != nil { return }
        }
        if let web = session.web {
            web.decoder?.gap(direction, missing: count) { handleWeb($0, session, time) }
            return
        }
        emit(.gap(connection: session.id, direction: direction, time: time, count: count,
                  offset: session.framer(direction).totalBytes))
        session.framer(direction).gap(missing: count) { event in handle(event, session, direction, time) }
    }

    func finish(_ session: FramingSession, at time: Timestamp, cutOff: Bool) {
        session.tls?.finish { deliverTLS($0, session, time) }
        for direction in Direction.allCases {
            session.framer(direction).finish { event in handle(event, session, direction, time) }
        }
        // Said with a STARTTLS (`tlsStart`) only: the decoder's counts for one of its own, the
        // framers' for one inside direct TLS (whichever thread decrypted that).
        var encrypted = (session.c2s.opaqueBytes, session.s2c.opaqueBytes)
        if let tls = session.tls, !session.tlsFromFirstByte {
            // Bytes that stayed encrypted: every TLS byte of a session not decrypted.
            let decrypted = tls.sessionInfo.decrypted
            encrypted = (decrypted ? tls.undecryptedBytes(.c2s) : tls.tlsBytes(.c2s),
                         decrypted ? tls.undecryptedBytes(.s2c) : tls.tlsBytes(.s2c))
        }
        // TLS terminated in front was said when it began.
        let tlsStart = session.handOff.tlsStart.flatMap { $0.intercepted ? nil : $0 }
        emit(.closed(connection: session.id, tlsStart: tlsStart, encryptedBytes: encrypted, cutOff: cutOff))
    }

    private func handle(_ event: consuming FramerEvent, _ session: FramingSession, _ direction: Direction, _ time: Timestamp) {
        // What the rest needs is read first, so that the event itself moves on, uncopied; what is
        // done with it still follows the emit.
        // At most one of the two is set (a stream header, or a top-level element).
        let contentNamespace = event.streamContentNamespace
        let topLevel = event.topLevelName
        emit(.framed(connection: session.id, direction: direction, time: time, event: consume event))
        if let contentNamespace, let index = connectionIndex[session.id] {
            connections[index].streamNamespace = contentNamespace
        }
        if let topLevel {
            guard let next = session.handOff.topLevelElement(name: topLevel.name, namespace: topLevel.namespace, direction: direction, at: time) else { return }
            switch next {
            case .restartStreams:
                session.framer(direction.opposite).resetForNewStream()
                // TLS terminated in front (the proxy): the streams that follow are its plaintext.
                if let start = session.handOff.tlsStart, start.intercepted { emit(.tlsBegan(connection: session.id, start: start)) }
            case .stopDecoding: session.framer(direction.opposite).switchToOpaque()
            }
            if seesTLSRecords, session.tls == nil, !session.tlsDecryptedUpstream, session.handOff.tlsStart != nil {
                session.tls = TLSConnectionDecoder(lookup: keyLog, cache: tlsSessions)
            }
            if session.handOff.tlsStart != nil, let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
        }
    }
}
