import XMPPCore
import XMPPBase
import XMPPTransport

/// The web transports in the framing stage: what the HTTP/WebSocket decoder reports becomes
/// XMPP. WebSocket (RFC 7395): each text message is framed as one element, `<open/>` and
/// `<close/>` are the stream's header and close. BOSH (XEP-0124/0206): each `<body/>` is framed as
/// a small stream of its own, its children are the stanzas, and its `sid` ties requests on any
/// TCP connection into one session, shown as one connection.
extension FramingStage {
    func handleWeb(_ event: WebEvent, _ session: FramingSession, _ time: Timestamp) {
        guard let web = session.web else { return }
        switch event {
        case .request(let info, let body):
            guard info.carriesXMPP else { return }
            if info.isWebSocketUpgrade {
                showWebSocket(session, web, time)
                emitWeb(session.id, .c2s, time, requestFacts(info, body: nil))
            } else {
                handleBOSHRequest(info, body, session, web, time)
            }
        case .response(let info, let body):
            guard info.carriesXMPP else { return }
            if web.transport == .websocket {
                emitWeb(session.id, .s2c, time, responseFacts(info, body: nil))
            } else {
                handleBOSHResponse(info, body, session, web, time)
            }
        case .webSocketOpened(let handshake):
            guard web.transport == .websocket else { return }
            if handshake.agreedProtocol?.lowercased() != "xmpp" {
                let offered = handshake.offeredProtocols.joined(separator: ", ")
                let problem = handshake.agreedProtocol.map { "the server agreed to the subprotocol '\($0)', not 'xmpp'" }
                    ?? "the server's 101 names no subprotocol"
                emitWebError(session.id, .s2c, time, "\(problem) (offered: \(offered)); RFC 7395 §3.3.1 asks for 'xmpp'", offset: nil)
            }
        case .webSocketMessage(let message):
            guard web.transport == .websocket else { return }
            frameWebSocketMessage(message, session, time)
        case .webSocketControl(let direction, let control, let offset):
            guard web.transport == .websocket else { return }
            var facts = WebRecordFacts(event: .webSocket, offset: offset)
            switch control {
            case .ping(let payload):
                facts.kind = "ping"
                facts.size = payload.count
            case .pong(let payload):
                facts.kind = "pong"
                facts.size = payload.count
            case .close(let code, let reason):
                facts.kind = "close"
                facts.http = HTTPInfo(closeCode: code.map(Int.init), closeReason: reason)
                facts.size = reason.utf8.count + (code == nil ? 0 : 2)
            }
            emitWeb(session.id, direction, time, facts)
        case .problem(let direction, let problem):
            guard let connection = web.transport == .websocket ? (web.shown ? session.id : nil) : web.lastSession?.connection else {
                return  // a connection not known to carry XMPP: not shown
            }
            emitWebError(connection, direction, time, problem.kind.description, offset: problem.offset)
        }
    }

    /// The TCP connection ended (or the capture did).
    func finishWeb(_ session: FramingSession, at time: Timestamp, cutOff: Bool) {
        guard let web = session.web else { return }
        session.tls?.finish { deliverTLS($0, session, time) }
        web.decoder?.finish { handleWeb($0, session, time) }
        guard web.transport == .websocket, web.shown else { return }
        for direction in Direction.allCases {
            session.framer(direction).finish { emitFramed(session.id, direction, time, $0) }
        }
        emit(.closed(connection: session.id, tlsStart: nil, encryptedBytes: (0, 0), cutOff: cutOff))
    }

    /// The input ended: BOSH sessions still open end with it.
    func finishBOSHSessions(at time: Timestamp) {
        for bosh in openBOSHSessions { closeBOSH(bosh, time, cutOff: true) }
    }

    /// TLS under HTTP (wss://, https://): plaintext to the web layer; the handshake and problems
    /// are held until the connection is shown.
    func handleTLSUnderWeb(_ event: TLSEvent, _ web: WebFramingSession, _ session: FramingSession, _ time: Timestamp) {
        if case .plaintext(let direction, let bytes) = event {
            bytes.withUnsafeBytes { raw in web.decoder?.feed(direction, raw) { handleWeb($0, session, time) } }
            return
        }
        if case .handshake = event, let index = connectionIndex[session.id] { connections[index].tlsStarted = true }
        guard let connection = web.transport == .websocket ? (web.shown ? session.id : nil) : web.lastSession?.connection else {
            if web.heldTLS.count < 16 { web.heldTLS.append((event, time)) }
            return
        }
        switch event {
        case .plaintext:
            break
        case .handshake(let info):
            emit(.tls(connection: connection, direction: .s2c, time: time, info: info))
        case .lost(let direction, let records):
            emit(.tlsProblem(connection: connection, direction: direction, time: time,
                             text: "\(records) TLS records lost to a gap; decryption resumed after them"))
        case .problem(let direction, let problem):
            emit(.tlsProblem(connection: connection, direction: direction, time: time, text: problem.description))
        }
    }

    // MARK: WebSocket

    private func showWebSocket(_ session: FramingSession, _ web: WebFramingSession, _ time: Timestamp) {
        guard !web.shown else { return }
        web.shown = true
        web.transport = .websocket
        markXMPP(session, transport: .websocket)
        if let index = connectionIndex[session.id] { connections[index].streamNamespace = XMPPNamespace.client }
        flushHeldTLS(web, session)
    }

    /// One message, one element (RFC 7395 §3.3.3): `<open/>` opens the stream, `<close/>` closes it.
    private func frameWebSocketMessage(_ message: WebSocketMessage, _ session: FramingSession, _ time: Timestamp) {
        let direction = message.direction
        let framer = session.framer(direction)
        var items = 0
        let handle: (consuming FramerEvent) -> Void = { event in
            if case .error = event {} else { items += 1 }
            self.emitFramed(session.id, direction, time, self.webSocketItem(event, at: message.offset))
        }
        message.payload.withUnsafeBytes { framer.feed($0, emit: handle) }
        var whole = true
        if !framer.isBetweenItems {
            whole = false
            framer.finish(emit: handle)
        }
        if !message.isText {
            emitWebError(session.id, direction, time, "a binary WebSocket message: RFC 7395 §3.2 allows text messages only", offset: message.offset)
        }
        if !whole {
            emitWebError(session.id, direction, time,
                         "a WebSocket message that does not end with a whole element (RFC 7395 §3.3.3: one stanza, <open/> or <close/> per message)",
                         offset: message.offset)
        } else if items == 0 {
            emitWebError(session.id, direction, time,
                         "a WebSocket message with no element (RFC 7395 §3.3.3: one per message; keepalives are pings)", offset: message.offset)
        } else if items > 1 {
            emitWebError(session.id, direction, time,
                         "a WebSocket message holding \(items) elements (RFC 7395 §3.3.3: one per message)", offset: message.offset)
        }
    }

    /// An element of a WebSocket message as the record stage expects it: the framing elements
    /// become the stream's header and close; offsets are the message's place on the wire.
    private func webSocketItem(_ event: FramerEvent, at offset: Int) -> FramerEvent {
        guard case .element(var framed) = event else { return event }
        framed.offset = offset
        if framed.namespace == XMPPNamespace.framing {
            switch framed.name {
            case "open": return .streamOpened(StreamHeader(element: framed.element, raw: framed.raw, offset: offset))
            case "close": return .streamClosed(offset: offset, raw: framed.raw)
            default: break
            }
        }
        return .element(framed)
    }

    // MARK: BOSH

    private func handleBOSHRequest(_ info: HTTPRequestInfo, _ body: [UInt8], _ session: FramingSession,
                                   _ web: WebFramingSession, _ time: Timestamp) {
        let (header, items) = frameBOSHBody(body, .c2s, session)
        let attributes = header?.element
        let sid = attributes?[attribute: "sid"]
        let rid = attributes?[attribute: "rid"].flatMap { Int($0) }
        let kind: BOSHRequestKind
        if attributes?[attribute: "type"] == "terminate" {
            kind = .terminate
        } else if attributes?.attribute("restart", namespace: XMPPNamespace.xbosh) == "true" {
            kind = .restart
        } else if header != nil && sid == nil {
            kind = .create
        } else {
            kind = .poll
        }
        let bosh: BOSHSession
        if let sid, let known = boshSessions[sid] {
            bosh = known
        } else if kind != .create, sid == nil, let last = web.lastSession, !last.closed {
            bosh = last  // a body that did not parse: the session this connection last served
        } else {
            bosh = openBOSHSession(session, sid: sid, time)
        }
        web.transport = .bosh
        web.lastSession = bosh
        noteCarrier(bosh, session)
        flushHeldTLS(web, session)
        web.pendingRequests[info.index] = BOSHRequestContext(session: bosh, rid: rid, kind: kind)

        var facts = requestFacts(info, body: header)
        facts.rid = rid
        facts.type = attributes?[attribute: "type"]
        facts.http?.sid = sid
        if bosh.connection != session.id { facts.http?.via = session.id }
        emitWeb(bosh.connection, .c2s, time, facts)
        if let rid, let problem = bosh.noteRequest(rid: rid) {
            emitWebError(bosh.connection, .c2s, time, problem, offset: info.offset)
        }
        if let header, kind == .create || kind == .restart {
            emitFramed(bosh.connection, .c2s, time, .streamOpened(StreamHeader(element: header.element, raw: header.raw, offset: info.offset)))
        }
        for item in items { emitFramed(bosh.connection, .c2s, time, relocated(item, to: info.offset)) }
        if kind == .terminate && !bosh.terminated.c2s {
            bosh.terminated.c2s = true
            emitFramed(bosh.connection, .c2s, time, .streamClosed(offset: info.offset, raw: []))
        }
    }

    private func handleBOSHResponse(_ info: HTTPResponseInfo, _ body: [UInt8], _ session: FramingSession,
                                    _ web: WebFramingSession, _ time: Timestamp) {
        let context = info.requestIndex.flatMap { web.pendingRequests.removeValue(forKey: $0) }
        guard let bosh = context?.session ?? web.lastSession, !bosh.closed else { return }
        // A failed response's body is the server's error page, not a <body/>.
        let (header, items) = info.status == 200 ? frameBOSHBody(body, .s2c, session) : (nil, [])
        let attributes = header?.element
        if context?.kind == .create, bosh.sid == nil, let sid = attributes?[attribute: "sid"] {
            bosh.sid = sid
            boshSessions[sid] = bosh
        }
        var facts = responseFacts(info, body: header)
        facts.rid = context?.rid
        facts.type = attributes?[attribute: "type"]
        facts.http?.sid = attributes?[attribute: "sid"]
        if bosh.connection != session.id { facts.http?.via = session.id }
        emitWeb(bosh.connection, .s2c, time, facts)
        let succeeded = info.status == 200
        if let header, succeeded, context?.kind == .create || context?.kind == .restart {
            emitFramed(bosh.connection, .s2c, time, .streamOpened(StreamHeader(element: header.element, raw: header.raw, offset: info.offset)))
        }
        for item in items { emitFramed(bosh.connection, .s2c, time, relocated(item, to: info.offset)) }
        let serverEnded = attributes?[attribute: "type"] == "terminate"
        if serverEnded && !bosh.terminated.s2c {
            bosh.terminated.s2c = true
            emitFramed(bosh.connection, .s2c, time, .streamClosed(offset: info.offset, raw: []))
        }
        if serverEnded || context?.kind == .terminate || (context?.kind == .create && !succeeded) {
            closeBOSH(bosh, time, cutOff: false)
        }
    }

    /// Frames one `<body/>`: its header (the body's start tag) and its children, in order.
    private func frameBOSHBody(_ body: [UInt8], _ direction: Direction, _ session: FramingSession) -> (StreamHeader?, [FramerEvent]) {
        guard !body.isEmpty else { return (nil, []) }
        let framer = session.framer(direction)
        framer.readsBOSHBodies = true
        var header: StreamHeader?
        var items: [FramerEvent] = []
        let collect: (consuming FramerEvent) -> Void = { event in
            switch event {
            case .streamOpened(let opened) where header == nil: header = opened
            case .streamClosed: break
            default: items.append(event)
            }
        }
        body.withUnsafeBytes { framer.feed($0, emit: collect) }
        if !framer.isBetweenItems { framer.finish(emit: collect) }
        return (header, items)
    }

    private func relocated(_ event: FramerEvent, to offset: Int) -> FramerEvent {
        guard case .element(var framed) = event else { return event }
        framed.offset = offset
        return .element(framed)
    }

    /// A new BOSH session, shown under its first TCP connection's id when that is free.
    private func openBOSHSession(_ session: FramingSession, sid: String?, _ time: Timestamp) -> BOSHSession {
        let idInUse = openBOSHSessions.contains { $0.connection == session.id }
        let id: Int
        if idInUse {
            id = nextSyntheticConnectionID
            nextSyntheticConnectionID += 1
            var description = connectionIndex[session.id].map { connections[$0] }
                ?? ConnectionDescription(id: id, client: "-", server: "-", streamNamespace: nil, isXMPP: true,
                                         closeReason: nil, tlsStarted: false, joinedMidStream: false)
            description.id = id
            description.httpConnections = []
            description.carriesBOSHSession = nil
            connectionIndex[id] = connections.count
            connections.append(description)
        } else {
            id = session.id
        }
        let bosh = BOSHSession(connection: id, sid: sid)
        if let sid { boshSessions[sid] = bosh }
        openBOSHSessions.append(bosh)
        if let index = connectionIndex[id] {
            connections[index].isXMPP = true
            connections[index].transport = .bosh
            connections[index].streamNamespace = XMPPNamespace.client
            connections[index].carriesBOSHSession = nil
        }
        // Joined mid-session: a request with a sid never seen created.
        emit(.opened(connection: id, undirected: false, joinedMidStream: sid != nil, transport: .bosh))
        return bosh
    }

    private func noteCarrier(_ bosh: BOSHSession, _ session: FramingSession) {
        guard !bosh.httpConnections.contains(session.id) else { return }
        bosh.noteCarrier(session.id)
        guard let index = connectionIndex[bosh.connection], let carrier = connectionIndex[session.id] else { return }
        connections[index].httpConnections.append((session.id, connections[carrier].client))
        if session.id != bosh.connection { connections[carrier].carriesBOSHSession = bosh.connection }
    }

    private func closeBOSH(_ bosh: BOSHSession, _ time: Timestamp, cutOff: Bool) {
        guard !bosh.closed else { return }
        bosh.closed = true
        openBOSHSessions.removeAll { $0 === bosh }
        if let sid = bosh.sid, boshSessions[sid] === bosh { boshSessions[sid] = nil }
        emit(.closed(connection: bosh.connection, tlsStart: nil, encryptedBytes: (0, 0), cutOff: cutOff))
    }

    // MARK: Records

    private func flushHeldTLS(_ web: WebFramingSession, _ session: FramingSession) {
        guard !web.heldTLS.isEmpty else { return }
        let held = web.heldTLS
        web.heldTLS = []
        for (event, time) in held { handleTLSUnderWeb(event, web, session, time) }
    }

    private func requestFacts(_ info: HTTPRequestInfo, body header: StreamHeader?) -> WebRecordFacts {
        var facts = WebRecordFacts(event: .http, kind: "request", size: info.wireBytes, offset: info.offset)
        facts.http = HTTPInfo(method: info.method, target: info.target, bodyBytes: info.bodyLength,
                              origin: info.headers.first(named: "Origin"),
                              webSocketProtocol: info.headers.first(named: "Sec-WebSocket-Protocol"))
        facts.xml = header?.raw
        return facts
    }

    private func responseFacts(_ info: HTTPResponseInfo, body header: StreamHeader?) -> WebRecordFacts {
        var facts = WebRecordFacts(event: .http, kind: "response", size: info.wireBytes, offset: info.offset)
        facts.http = HTTPInfo(status: info.status, reason: info.reason, bodyBytes: info.bodyLength,
                              webSocketProtocol: info.headers.first(named: "Sec-WebSocket-Protocol"),
                              extensions: info.headers.first(named: "Sec-WebSocket-Extensions"))
        facts.xml = header?.raw
        return facts
    }

    private func emitWeb(_ connection: Int, _ direction: Direction, _ time: Timestamp, _ facts: WebRecordFacts) {
        emit(.web(connection: connection, direction: direction, time: time, facts: facts))
    }

    private func emitWebError(_ connection: Int, _ direction: Direction, _ time: Timestamp, _ text: String, offset: Int?) {
        var facts = WebRecordFacts(event: .webError, offset: offset)
        facts.kind = "web"
        facts.errorText = text
        emitWeb(connection, direction, time, facts)
    }

    private func emitFramed(_ connection: Int, _ direction: Direction, _ time: Timestamp, _ event: FramerEvent) {
        emit(.framed(connection: connection, direction: direction, time: time, event: event))
    }
}
