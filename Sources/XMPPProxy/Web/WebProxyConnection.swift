import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import X509
import Logging
import XMPPInspect
import XMPPBase

/// One client connection of the web proxy and its own upstream connection: HTTP requests
/// forwarded one at a time (NIO's codecs and aggregators on both legs), responses returned with
/// their bodies as the server sent them; a WebSocket upgrade the server accepts switches both
/// legs to frame relays. Both legs' plaintext is tapped into the inspector. On the event loop.
final class WebProxyConnection {
    let id: Int
    let client: any Channel
    let configuration: WebProxyConfiguration
    private(set) var upstream: (any Channel)?
    private let state: NIOLoopBoundBox<WebProxyState>

    private var clientTap: InspectionTap!
    private var upstreamTap: InspectionTap!
    private let clientHandler = WebClientHandler()
    private let upstreamHandler = WebUpstreamHandler()
    // The HTTP handlers, kept to take them out at a WebSocket upgrade.
    private let requestDecoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
    private let responseEncoder = HTTPResponseEncoder()
    private let requestAggregator: NIOHTTPServerRequestAggregator
    private let requestEncoder = HTTPRequestEncoder()
    private let responseDecoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes))
    private let responseAggregator: NIOHTTPClientResponseAggregator

    private enum UpstreamState { case connecting, open, failed(String) }
    private var upstreamState = UpstreamState.connecting
    /// Requests read and not forwarded yet (pipelined behind the one in flight).
    private var waiting: [NIOHTTPServerRequestFull] = []
    /// The request forwarded whose response is awaited, and whether it asks for an upgrade.
    private var inFlight: (head: HTTPRequestHead, isUpgrade: Bool)?
    /// Responses relayed to the client so far.
    private var responsesRelayed = 0
    /// No more requests on this connection: it closes after the current response.
    private var closing = false
    private var upgraded = false
    private var clientRelay: WebSocketFrameRelay?
    private var upstreamRelay: WebSocketFrameRelay?
    /// Who ended the connection and why: the first close or error seen.
    private var ending: (by: String, reason: String)?
    private var clientClosed = false
    private var upstreamClosed = false
    private var closeRecorded = false
    private var clientCertificateSubject: String?
    private var clientServerName: String?

    /// At most this many requests wait behind the one in flight before the client is not read.
    static let maxWaiting = 4
    static let logger = Logger(label: "xmppscope.proxy")

    init(id: Int, state: NIOLoopBoundBox<WebProxyState>, configuration: WebProxyConfiguration, client: any Channel) {
        self.id = id
        self.state = state
        self.configuration = configuration
        self.client = client
        requestAggregator = NIOHTTPServerRequestAggregator(maxContentLength: configuration.maxBodySize)
        responseAggregator = NIOHTTPClientResponseAggregator(maxContentLength: configuration.maxBodySize)
        clientTap = InspectionTap { [unowned self] buffer in self.inspect(buffer, .c2s) }
        upstreamTap = InspectionTap { [unowned self] buffer in self.inspect(buffer, .s2c) }
        clientTap.gate = state.value.gate
        upstreamTap.gate = state.value.gate
        clientTap.onClose = { [unowned self] in self.channelClosed(client: true) }
        upstreamTap.onClose = { [unowned self] in self.channelClosed(client: false) }
        clientTap.onTLSEstablished = { [unowned self] context, alpn in self.tlsEstablished(.c2s, context, alpn) }
        upstreamTap.onTLSEstablished = { [unowned self] context, alpn in self.tlsEstablished(.s2c, context, alpn) }
        clientHandler.onRequest = { [unowned self] request in self.requested(request) }
        clientHandler.onError = { [unowned self] error in self.clientError(error) }
        clientHandler.mayRead = { [unowned self] in self.waiting.count < Self.maxWaiting }
        upstreamHandler.onResponse = { [unowned self] response in self.responded(response) }
        upstreamHandler.onError = { [unowned self] error in self.upstreamError(error) }
    }

    private var upstreamName: String { configuration.upstream.description }

    // MARK: Setting up

    /// The client leg: [TLS] → tap → HTTP server codec → request aggregator → handler.
    func setUpClient() throws {
        let pipeline = client.pipeline.syncOperations
        if configuration.listensTLS {
            let loop = client.eventLoop
            let bound = NIOLoopBound(self, eventLoop: loop)
            try pipeline.addHandler(WebTLS.serverHandler(
                configuration: configuration, state: state.value.shared, eventLoop: loop,
                shown: { subject, name in
                    bound.value.clientCertificateSubject = subject
                    bound.value.clientServerName = name
                }))
            clientCertificateSubject = "CN=\(configuration.defaultDomain)"
        }
        try pipeline.addHandlers([clientTap, requestDecoder, responseEncoder, requestAggregator, clientHandler])
    }

    /// The server leg: [TLS] → tap → HTTP client codec → response aggregator → handler.
    func setUpUpstream(_ channel: any Channel) throws {
        upstream = channel
        let pipeline = channel.pipeline.syncOperations
        if configuration.upstream.usesTLS {
            try pipeline.addHandler(WebTLS.clientHandler(configuration: configuration, state: state.value.shared))
        }
        try pipeline.addHandlers([upstreamTap, requestEncoder, responseDecoder, responseAggregator, upstreamHandler])
    }

    func upstreamConnected(_ channel: any Channel) {
        upstreamState = .open
        if clientClosed {
            // The client left while we connected: nothing to relay.
            channel.close(promise: nil)
            return
        }
        record(.connect, .c2s, ProxyInfo(
            client: client.remoteAddress.map(ProxyConnection.describe),
            listener: client.localAddress.map(ProxyConnection.describe),
            server: "\(upstreamName) (\(channel.remoteAddress.map(ProxyConnection.describe) ?? "?"))"
        ))
        forwardNext()
    }

    /// No connection to the server: every request gets 502, then the client's connection closes.
    func upstreamUnreachable(_ error: any Error) {
        upstream = nil
        if clientClosed {
            // The client left while we connected (its close may be why the attempt failed).
            ended(by: "client", "it left before the server answered")
            finishIfClosed()
            return
        }
        let failure = WebProxyError.upstreamUnreachable(upstream: upstreamName, reason: "\(error)")
        Self.logger.error("conn \(id): \(failure)")
        upstreamState = .failed(failure.description)
        ended(by: "proxy", failure.description)
        record(.connect, .c2s, ProxyInfo(
            client: client.remoteAddress.map(ProxyConnection.describe),
            listener: client.localAddress.map(ProxyConnection.describe),
            server: upstreamName, reason: failure.description
        ))
        forwardNext()
    }

    // MARK: HTTP

    private func requested(_ request: NIOHTTPServerRequestFull) {
        waiting.append(request)
        forwardNext()
    }

    /// Forwards the next waiting request, if none is in flight.
    private func forwardNext() {
        guard inFlight == nil, !upgraded, !waiting.isEmpty else { return }
        switch upstreamState {
        case .connecting:
            return
        case .failed(let reason):
            let request = waiting.removeFirst()
            closing = true
            waiting.removeAll()
            respondWithError(.badGateway, to: request.head, text: reason)
        case .open:
            let request = waiting.removeFirst()
            clientHandler.resumeReading()
            forward(request)
        }
    }

    private func forward(_ request: NIOHTTPServerRequestFull) {
        let wantsUpgrade = WebHeaders.isWebSocketUpgrade(request.head)
        let isUpgrade = wantsUpgrade && configuration.transport == .websocket
        var headers = WebHeaders.endToEnd(request.head.headers, also: ["host", "content-length"])
        headers.replaceOrAdd(name: "Host", value: configuration.upstream.hostHeader)
        let bodySize = request.body?.readableBytes ?? 0
        if bodySize > 0 || !["GET", "HEAD", "OPTIONS"].contains(request.head.method.rawValue) {
            headers.replaceOrAdd(name: "Content-Length", value: String(bodySize))
        }
        if isUpgrade {
            headers.add(name: "Connection", value: "Upgrade")
            headers.add(name: "Upgrade", value: "websocket")
        }
        if wantsUpgrade || !request.head.isKeepAlive {
            // The request decoder stops at an upgrade request: nothing more is read after it
            // unless the upgrade happens.
            closing = true
        }
        if wantsUpgrade && !isUpgrade {
            note("the client asked for a WebSocket upgrade on a BOSH proxy: forwarded as a plain request")
        }
        let head = HTTPRequestHead(version: .http1_1, method: request.head.method,
                                   uri: targetURI(request.head.uri), headers: headers)
        inFlight = (request.head, isUpgrade)
        upstreamHandler.send(head, body: request.body)
    }

    /// Every request goes to the upstream's path; the client's query string is kept.
    private func targetURI(_ uri: String) -> String {
        let path = configuration.upstream.path
        guard !path.contains("?"), let query = uri.firstIndex(of: "?") else { return path }
        return path + uri[query...]
    }

    private func responded(_ response: NIOHTTPClientResponseFull) {
        guard let request = inFlight else {
            note("the server sent a response to no request (\(response.head.status.code)): dropped")
            return
        }
        inFlight = nil
        if request.isUpgrade && response.head.status == .switchingProtocols {
            upgrade(response.head, request: request.head)
            return
        }
        if request.isUpgrade {
            note("the server refused the WebSocket upgrade: \(response.head.status.code) \(response.head.status.reasonPhrase)")
        }
        if !response.head.isKeepAlive { closing = true }
        var headers = WebHeaders.endToEnd(response.head.headers, also: ["content-length"])
        let status = response.head.status.code
        let hasBody = request.head.method != .HEAD && !(100..<200).contains(status) && status != 204 && status != 304
        if hasBody {
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body?.readableBytes ?? 0))
        } else if let length = response.head.headers.first(name: "content-length") {
            headers.replaceOrAdd(name: "Content-Length", value: length)
        }
        if closing { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.head.version, status: response.head.status, headers: headers)
        let closes = closing
        let client = self.client
        responsesRelayed += 1
        clientHandler.respond(head, body: hasBody ? response.body : nil) { if closes { client.close(promise: nil) } }
        if closes {
            // Who asked for the close: the server (Connection: close), the client (the same, or
            // HTTP/1.0), or the proxy (after a refused upgrade its request decoder has stopped).
            let by = !response.head.isKeepAlive ? "server" : !request.head.isKeepAlive ? "client" : "proxy"
            ended(by: by, "the HTTP exchange ended the connection")
            upstream?.close(promise: nil)
        } else {
            forwardNext()
        }
    }

    /// An error response of the proxy's own (400, 502), with `text` as its body; the connection
    /// closes after it.
    private func respondWithError(_ status: HTTPResponseStatus, to request: HTTPRequestHead?, text: String) {
        closing = true  // the client's connection closes once this response is written, not before
        note("answered \(status.code) \(status.reasonPhrase) to the client: \(text)")
        var body = client.allocator.buffer(capacity: text.utf8.count + 1)
        body.writeString(text + "\n")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: request?.version ?? .http1_1, status: status, headers: headers)
        let client = self.client
        clientHandler.respond(head, body: body) { client.close(promise: nil) }
        upstream?.close(promise: nil)
    }

    private func clientError(_ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error {
            ended(by: "client", "it closed without a TLS close_notify")
            return
        }
        if let error = error as? HTTPParserError {
            ended(by: "proxy", "the client's HTTP could not be read: \(error)")
            waiting.removeAll()
            respondWithError(.badRequest, to: nil, text: "xmppscope could not read the HTTP request: \(error)")
            return
        }
        if error as? NIOHTTPObjectAggregatorError == .frameTooLong {
            // The aggregator answered 413 itself and closes.
            note("the client's request body is over \(configuration.maxBodySize) bytes: answered 413")
            ended(by: "proxy", "a request body over the limit")
            return
        }
        var hint = ""
        if case NIOSSLError.handshakeFailed = error {
            hint = " — does the client trust the xmppscope CA? ('xmppscope ca export --pem ca.pem')"
        }
        Self.logger.notice("conn \(id): the client's side failed: \(error)\(hint)")
        ended(by: "client", "error: \(error)")
        client.close(promise: nil)
    }

    private func upstreamError(_ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error {
            ended(by: "server", "it closed without a TLS close_notify")
            return
        }
        var reason = "\(error)"
        if TLSHandshakeFailure(error) == .certificateNotVerified {
            reason += " — the server's certificate did not verify: give its CA with --upstream-ca FILE, or --insecure"
        }
        let failure = WebProxyError.upstreamFailed(upstream: upstreamName, reason: reason)
        Self.logger.error("conn \(id): \(failure)")
        ended(by: "proxy", failure.description)
        upstreamState = .failed(failure.description)
        if let request = inFlight {
            inFlight = nil
            respondWithError(.badGateway, to: request.head, text: failure.description)
        }
    }

    // MARK: WebSocket

    /// The server accepted the upgrade: the client gets its 101 (protocol, extensions, accept
    /// key: the client's key went through unchanged), and both legs switch to frame relays.
    private func upgrade(_ response: HTTPResponseHead, request: HTTPRequestHead) {
        upgraded = true
        closing = false
        var headers = WebHeaders.endToEnd(response.headers)
        headers.add(name: "Connection", value: "Upgrade")
        headers.add(name: "Upgrade", value: response.headers.first(name: "upgrade") ?? "websocket")
        clientHandler.respond(HTTPResponseHead(version: request.version, status: .switchingProtocols, headers: headers),
                              body: nil)
        let loop = client.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        // Out of the decoders' call stacks: they forward what they hold once taken out.
        loop.execute { bound.value.switchToFrames() }
    }

    private func switchToFrames() {
        guard let upstream, client.isActive, upstream.isActive else { return }
        let clientRelay = WebSocketFrameRelay(masksOutgoing: false)
        let upstreamRelay = WebSocketFrameRelay(masksOutgoing: true)
        clientRelay.onError = { [unowned self] error in self.frameError(error, from: "client") }
        upstreamRelay.onError = { [unowned self] error in self.frameError(error, from: "server") }
        WebSocketFrameRelay.pair(clientRelay, upstreamRelay)
        self.clientRelay = clientRelay
        self.upstreamRelay = upstreamRelay
        do {
            let clientPipeline = client.pipeline.syncOperations
            let upstreamPipeline = upstream.pipeline.syncOperations
            // The HTTP handlers above the decoders go first; the decoders last, each forwarding
            // the bytes it held (frames sent right behind the handshake) to the frame decoder.
            for handler in [clientHandler as any RemovableChannelHandler, requestAggregator, responseEncoder] {
                _ = clientPipeline.removeHandler(handler)
            }
            for handler in [upstreamHandler as any RemovableChannelHandler, responseAggregator, requestEncoder] {
                _ = upstreamPipeline.removeHandler(handler)
            }
            try clientPipeline.addHandlers(
                [ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxFrameSize)),
                 WebSocketFrameEncoder(), clientRelay], position: .after(requestDecoder))
            try upstreamPipeline.addHandlers(
                [ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxFrameSize)),
                 WebSocketFrameEncoder(), upstreamRelay], position: .after(responseDecoder))
            _ = clientPipeline.removeHandler(requestDecoder)
            _ = upstreamPipeline.removeHandler(responseDecoder)
        } catch {
            Self.logger.error("conn \(id): cannot switch to WebSocket frames: \(error)")
            closeAll(reason: "the WebSocket relay could not be set up: \(error)")
        }
    }

    /// A frame NIO could not read (over the size limit, a fragmented or long control frame):
    /// both peers get a close frame (1009 or 1002) and the connection ends.
    private func frameError(_ error: any Error, from side: String) {
        let tooBig = error as? NIOWebSocketError == .invalidFrameLength
        let code: WebSocketErrorCode = tooBig ? .messageTooLarge : .protocolError
        let text = tooBig ? "a frame over \(configuration.maxFrameSize) bytes" : "an unreadable frame (\(error))"
        note("the \(side) sent \(text): both sides closed with \(code)")
        ended(by: "proxy", "the \(side) sent \(text)")
        // Both close frames go out before either channel closes (closing one closes the other).
        let relays = [clientRelay, upstreamRelay].compactMap { $0 }
        var written = 0
        let client = self.client
        let upstream = self.upstream
        for relay in relays {
            var data = client.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: code)
            relay.send(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)) {
                written += 1
                guard written == relays.count else { return }
                client.close(promise: nil)
                upstream?.close(promise: nil)
            }
        }
    }

    // MARK: TLS

    private func tlsEstablished(_ direction: Direction, _ context: ChannelHandlerContext, _ alpn: String?) {
        let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0 }
        var info = ProxyInfo(tlsVersion: version.map(ProxyConnection.describe), alpn: alpn)
        if direction == .c2s {
            info.certificateSubject = clientCertificateSubject
            info.serverName = clientServerName
        } else {
            info.serverName = configuration.upstream.hostIsAddress ? nil : configuration.upstream.host
            if let peer = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap({ $0 }),
               let certificate = try? Certificate(derEncoded: peer.toDERBytes()) {
                info.certificateSubject = certificate.subject.description
            }
        }
        record(.tlsEstablished, direction, info)
    }

    // MARK: Inspection and closing

    /// Hands a read to the inspector's thread, timed now; holds every tap's reads while it is
    /// too far behind.
    private func inspect(_ read: ByteBuffer, _ direction: Direction) {
        var buffer = read
        if buffer.storageCapacity > 2 * buffer.readableBytes + 4096 {
            buffer = client.allocator.buffer(capacity: read.readableBytes)
            buffer.writeImmutableBuffer(read)
        }
        let state = self.state
        let inspection = state.value.shared.inspection
        let item = InspectionThread.Item.bytes(connection: id, direction: direction, buffer: buffer, time: Timestamp.now())
        guard !inspection.push(item), state.value.gate.isOpen else { return }
        state.value.gate.close()
        let loop = state.eventLoop
        inspection.whenDrained { loop.execute { state.value.gate.open() } }
    }

    private func ended(by side: String, _ reason: String) {
        if ending == nil { ending = (side, reason) }
    }

    /// Closes both channels (the proxy is stopping); the close is recorded now.
    func closeAll(reason: String) {
        ended(by: "proxy", reason)
        recordClose()
        client.close(promise: nil)
        upstream?.close(promise: nil)
    }

    private func channelClosed(client isClient: Bool) {
        let first = !clientClosed && !upstreamClosed
        // Marked first: closing the other side may call back at once (a connect attempt fails).
        if isClient { clientClosed = true } else { upstreamClosed = true }
        if first {
            ended(by: isClient ? "client" : "server", "the connection closed")
            if isClient {
                upstream?.close(promise: nil)
            } else if !upgraded {
                // The server's connection is gone: a request in flight gets 502; a client
                // connection idle after answers closes (it has no server behind it any more); one
                // that was never answered gets 502 for its first request (TLS with the server
                // failed before it sent one, say).
                if case .failed = upstreamState {} else {
                    upstreamState = .failed(WebProxyError.upstreamFailed(upstream: upstreamName,
                                                                         reason: "the server closed the connection").description)
                }
                if let request = inFlight {
                    inFlight = nil
                    respondWithError(.badGateway, to: request.head, text: "the server closed the connection before it answered")
                } else if !closing && responsesRelayed > 0 {
                    client.close(promise: nil)
                } else {
                    forwardNext()
                }
            }
        }
        finishIfClosed()
    }

    /// Both channels are closed (or the server's never opened): the close record, and the
    /// connection is forgotten.
    private func finishIfClosed() {
        let upstreamDone: Bool
        switch upstreamState {
        case .connecting: upstreamDone = false
        case .open: upstreamDone = upstreamClosed
        case .failed: upstreamDone = upstreamClosed || upstream == nil || !(upstream?.isActive ?? false)
        }
        guard clientClosed, upstreamDone else { return }
        recordClose()
        state.value.connections[id] = nil
    }

    private func recordClose() {
        guard !closeRecorded else { return }
        closeRecorded = true
        state.value.shared.inspection.push(.closed(connection: id, time: Timestamp.now()))
        let ending = self.ending ?? ("client", "the connection closed")
        record(.close, ending.by == "server" ? .s2c : .c2s, ProxyInfo(
            closedBy: ending.by, reason: ending.reason,
            bytes: .init(c2s: clientTap.bytesRead, s2c: upstreamTap.bytesRead)
        ))
    }

    private func record(_ event: Record.Event, _ direction: Direction, _ info: ProxyInfo) {
        state.value.shared.inspection.push(.proxyEvent(connection: id, event: event, info: info,
                                                       direction: direction, time: Timestamp.now()))
    }

    private func note(_ text: String) {
        Self.logger.notice("conn \(id): \(text)")
        record(.proxyNote, .s2c, ProxyInfo(notes: [text]))
    }
}
