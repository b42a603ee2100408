import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import NIOSSL
import X509
import Logging
import XMPPCore
import XMPPCapture
import XMPPInspect
import XMPPBase

/// One proxied connection: its two relay handlers tapped into the inspector, TLS on each leg,
/// the edits made to the server's stream features, and how the connection ended. Lives on
/// the connection's event loop.
final class ProxyConnection {
    let id: Int
    let clientSide: RelayHandler
    let serverSide: RelayHandler
    let client: any Channel
    private(set) var upstream: (any Channel)?
    private var closedChannels = 0
    private let state: NIOLoopBoundBox<ProxyState>
    private let configuration: ProxyServer.Configuration
    /// The proxy's own view of the session (what to do at STARTTLS), fed with what the
    /// inspector decodes.
    private var phases: StreamPhaseMachine
    /// Holds the server's bytes back to element boundaries while its features may be edited.
    private var editor = FeatureEditor()
    private var sawClientHeader = false
    /// Who ended the connection and why: the first close, half-close or error on either side.
    private var ending: (by: String, reason: String)?
    /// The certificate shown to the client, and the name it was chosen by.
    private var clientCertificateSubject: String?
    private var clientServerName: String?
    /// The SNI sent to the server.
    private var upstreamServerName: String?
    /// The cipher suite each leg agreed on, read from its ServerHello.
    private var clientCipher: String?
    private var upstreamCipher: String?
    /// Notes decided while the follower frames a read, recorded after that read's records.
    private var pendingNotes: [String] = []
    /// Frames the session on the event loop for what the relay acts on at once (interception
    /// only). Nil once there is nothing more to act on.
    private var follower: SessionFollower?
    /// Bytes the follower framed, and whether the features after SASL went by.
    private var followedBytes = 0
    private var finalFeaturesSeen = false
    /// STARTTLS and SASL happen in a session's first kilobytes; past this the follower stops.
    static let followLimit = 4 << 20
    /// The close record went out (at the last channel's close, or when the proxy closed both).
    private var closeRecorded = false

    static let logger = Logger(label: "xmppscope.proxy")
    /// How long a closing TLS leg waits for the peer's close_notify (NIO's default is 5 s, which
    /// Ctrl-C would wait out for a peer that never answers).
    static let tlsShutdownTimeout = TimeAmount.seconds(1)

    init(id: Int, state: NIOLoopBoundBox<ProxyState>, configuration: ProxyServer.Configuration, client: any Channel) {
        self.id = id
        self.state = state
        self.configuration = configuration
        self.client = client
        phases = StreamPhaseMachine(keepsChannelBinding: configuration.keepsChannelBinding)
        var closing: () -> Void = {}
        var tapped: (ByteBuffer, Direction) -> Void = { _, _ in }
        clientSide = RelayHandler(tap: { buffer in tapped(buffer, .c2s) }, onClose: { closing() })
        serverSide = RelayHandler(tap: { buffer in tapped(buffer, .s2c) }, onClose: { closing() })
        closing = { [unowned self] in self.channelClosed() }
        tapped = { [unowned self] buffer, direction in self.tap(buffer, direction) }
        clientSide.gate = state.value.readGate
        serverSide.gate = state.value.readGate
        if configuration.interceptsTLS { follower = SessionFollower(limits: configuration.inspector.limits) }

        clientSide.onInputClosed = { [unowned self] in self.ended(by: "client", "it closed its side (FIN)") }
        serverSide.onInputClosed = { [unowned self] in self.ended(by: "server", "it closed its side (FIN)") }
        clientSide.onError = { [unowned self] error in self.clientError(error) }
        serverSide.onError = { [unowned self] error in self.upstreamError(error) }
        clientSide.onTLSEstablished = { [unowned self] context, alpn in self.tlsEstablished(.c2s, context, alpn) }
        serverSide.onTLSEstablished = { [unowned self] context, alpn in self.tlsEstablished(.s2c, context, alpn) }
        if configuration.interceptsTLS {
            serverSide.rewrite = { [unowned self] buffer in self.edit(buffer) }
            serverSide.drainRewrite = { [unowned self] in self.drainEdits() }
        }
    }

    // MARK: Connecting

    /// The upstream channel is being set up: relay into it (TLS comes first for direct TLS).
    func attachUpstream(_ channel: any Channel) throws {
        upstream = channel
        try channel.pipeline.syncOperations.addHandler(serverSide)
        RelayHandler.pair(clientSide, serverSide)
    }

    /// The server accepted: say so. For direct TLS without interception nothing is decoded.
    func upstreamConnected(_ channel: any Channel, as target: ProxyServer.Upstream) {
        record(.connect, .c2s, ProxyInfo(
            client: client.remoteAddress.map(Self.describe), listener: client.localAddress.map(Self.describe),
            server: channel.remoteAddress.map(Self.describe) ?? target.description
        ))
        if configuration.directTLS && !configuration.interceptsTLS {
            note(["direct TLS relayed untouched (--tls passthrough): nothing of this session is decoded"])
            recordPendingNotes()
        }
    }

    /// The server could not be reached: the client gets a stream error (RFC 6120 §4.9) and the
    /// output shows it.
    func upstreamFailed(condition: String, text: String) {
        Self.logger.error("conn \(id): \(text)")
        ended(by: "proxy", text)
        record(.connect, .c2s, ProxyInfo(
            client: client.remoteAddress.map(Self.describe), listener: client.localAddress.map(Self.describe),
            server: configuration.upstreams.map(\.description).joined(separator: ", "), reason: text
        ))
        let bytes = StreamErrorReply.bytes(condition: condition, text: text)
        var buffer = client.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        inspect(buffer, .s2c)
        // Close gracefully: read (and show) what the client sent, half-close, and let the client
        // close; a close with unread input would reach it as a reset, maybe before the error.
        // With direct TLS the reply waits in the TLS handler until the client's handshake is done.
        let client = self.client
        let halfCloses = !(configuration.directTLS && configuration.interceptsTLS)
        clientSide.send(bytes) { if halfCloses { client.close(mode: .output, promise: nil) } }
        client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in client.read() }
        client.eventLoop.scheduleTask(in: .seconds(5)) { client.close(promise: nil) }
        channelClosed()  // no upstream channel will close
    }

    /// The upstream attempt was abandoned because the client left: nothing to say to anyone.
    func upstreamNeverOpened() {
        ended(by: "client", "it left before the server answered")
        channelClosed()
    }

    // MARK: TLS

    /// Terminates TLS towards the client with a leaf signed by our CA for the name the client
    /// asks for (SNI), or `defaultDomain`. For direct TLS the server leg starts when the
    /// client's hello names the domain.
    func addClientTLS(defaultDomain: String?, directTLS: Bool) throws {
        guard let authority = configuration.authority else { return }
        let state = self.state
        let fallback = defaultDomain ?? "localhost"
        let (leaf, key, _) = try state.value.leaf(for: fallback, authority: authority)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(leaf)], privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.shutdownTimeout = Self.tlsShutdownTimeout
        tls.keyLogCallback = configuration.keyLog?.callback
        if directTLS { tls.applicationProtocols = ["xmpp-client"] }
        let bound = NIOLoopBound(self, eventLoop: client.eventLoop)
        tls.sslContextCallback = { values, promise in
            // Runs on the connection's event loop, during the client's hello.
            let connection = bound.value
            let name = values.serverHostname ?? defaultDomain
            connection.clientServerName = values.serverHostname
            var override = NIOSSLContextConfigurationOverride()
            do {
                let (leaf, key, subject) = try state.value.leaf(for: name ?? fallback, authority: authority)
                override.certificateChain = [.certificate(leaf)]
                override.privateKey = .privateKey(key)
                connection.clientCertificateSubject = subject
                if directTLS { try connection.addUpstreamTLS(serverName: name, directTLS: true) }
                promise.succeed(override)
            } catch {
                promise.fail(error)
            }
        }
        clientCertificateSubject = "CN=\(fallback)"
        let handler = try NIOSSLServerHandler(context: NIOSSLContext(configuration: tls))
        try client.pipeline.syncOperations.addHandler(handler, position: .first)
        let sniffer = ServerHelloSniffer(watching: .outbound) { [unowned self] in self.clientCipher = $0 }
        try client.pipeline.syncOperations.addHandler(sniffer, position: .first)
    }

    /// TLS towards the server, verifying its certificate as configured, with SNI `serverName`.
    func addUpstreamTLS(serverName: String?, directTLS: Bool) throws {
        guard let upstream else { return }
        let configuration = self.configuration
        // One context per proxy (and ALPN choice): loading trust roots is the costly part.
        let context = try state.value.upstreamContext(directTLS: directTLS) {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch configuration.upstreamTrust {
            case .system: break
            case .file(let path): tls.trustRoots = .file(path)
            case .insecure: tls.certificateVerification = .none
            }
            if directTLS { tls.applicationProtocols = ["xmpp-client"] }
            tls.shutdownTimeout = Self.tlsShutdownTimeout
            tls.keyLogCallback = configuration.keyLog?.callback
            return try NIOSSLContext(configuration: tls)
        }
        upstreamServerName = serverName
        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
        try upstream.pipeline.syncOperations.addHandler(handler, position: .first)
        let sniffer = ServerHelloSniffer(watching: .inbound) { [unowned self] in self.upstreamCipher = $0 }
        try upstream.pipeline.syncOperations.addHandler(sniffer, position: .first)
    }

    /// After `<proceed/>` went across in the clear: both legs switch to TLS.
    private func startTLS(serverName: String?) {
        let domain = serverName ?? configuration.defaultDomain
        do {
            try addClientTLS(defaultDomain: domain, directTLS: false)
            try addUpstreamTLS(serverName: domain, directTLS: false)
        } catch {
            Self.logger.error("conn \(id): cannot set up TLS: \(error)")
            closeAll(reason: "TLS could not be set up: \(error)")
        }
    }

    private func tlsEstablished(_ direction: Direction, _ context: ChannelHandlerContext, _ alpn: String?) {
        let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0 }
        var info = ProxyInfo(tlsVersion: version.map(Self.describe), cipher: direction == .c2s ? clientCipher : upstreamCipher,
                             alpn: alpn)
        if direction == .c2s {
            info.certificateSubject = clientCertificateSubject
            info.serverName = clientServerName
        } else {
            info.serverName = upstreamServerName
            if let peer = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap({ $0 }),
               let certificate = try? Certificate(derEncoded: peer.toDERBytes()) {
                info.certificateSubject = certificate.subject.description
            }
        }
        record(.tlsEstablished, direction, info)
    }

    // MARK: Following the session

    /// Every read, before it is relayed: the follower frames it (and whatever it sets up applies
    /// to this read's relay), then the inspector gets it, then the notes the follower made.
    private func tap(_ buffer: ByteBuffer, _ direction: Direction) {
        if let follower {
            buffer.withUnsafeReadableBytes { bytes in
                follower.feed(bytes, direction) { event in observe(direction, event) }
            }
            followedBytes += buffer.readableBytes
            if phases.isBound || follower.isStopped || finalFeaturesSeen || followedBytes > Self.followLimit {
                // Nothing more to act on (bound; or SASL done and the last features went by, as with
                // SASL2 or stream resumption, which bind nothing; or far past where STARTTLS and SASL
                // happen): the inspector alone frames from here.
                self.follower = nil
                editor.deactivate()
            }
        }
        inspect(buffer, direction)
        recordPendingNotes()
    }

    /// Hands bytes to the inspector's thread, timed now; holds every relay's reads while it is
    /// too far behind.
    private func inspect(_ read: ByteBuffer, _ direction: Direction) {
        var buffer = read
        if buffer.storageCapacity > 2 * buffer.readableBytes + 4096 {
            // A small read in large storage (TLS decrypts into 32 KiB): hand over a tight copy, so
            // the queue holds what it counts and the reader can reuse its storage.
            buffer = client.allocator.buffer(capacity: read.readableBytes)
            buffer.writeImmutableBuffer(read)
        }
        let state = self.state
        let inspection = state.value.inspection
        let item = InspectionThread.Item.bytes(connection: id, direction: direction, buffer: buffer, time: Timestamp.now())
        guard !inspection.push(item), state.value.readGate.isOpen else { return }
        state.value.readGate.close()
        let loop = state.eventLoop
        inspection.whenDrained { loop.execute { state.value.readGate.open() } }
    }

    /// Follows the session, as the follower frames it: STARTTLS, feature edits, advice.
    private func observe(_ direction: Direction, _ event: FramerEvent) {
        if direction == .s2c { trackBoundary(event) }
        var actions: [StreamPhaseAction] = []
        switch event {
        case .streamOpened(let header) where direction == .c2s:
            if !sawClientHeader {
                sawClientHeader = true
                editor.activate()  // the server's answer is held to element boundaries from here
            }
            actions = phases.clientOpened(header)
        case .element(let framed):
            // The machine reads inside <auth/>, <features/> and the bind result; a lean log
            // framing keeps only the top of each element, so those few are built whole.
            var element = framed.element
            if ["auth", "features"].contains(element.name) || (element.name == "iq" && !phases.isBound) {
                element = framed.completeElement()
            }
            actions = direction == .c2s ? phases.fromClient(element) : phases.fromServer(element)
            for action in actions {
                switch action {
                case .startTLS(let serverName):
                    // Relay <proceed/> in the clear first, then both legs switch.
                    serverSide.afterThisRelay = { [unowned self] in self.startTLS(serverName: serverName) }
                case .replaceFeatures(let features, let edits):
                    let range = framed.offset..<(framed.offset + framed.rawCount)
                    if editor.replace(range, with: Array(features.xmlString.utf8)) {
                        note(edits.map { "edited the server's stream features: \($0)" })
                    } else {
                        note(["could not edit the server's stream features (already relayed): " + edits.joined(separator: "; ")])
                    }
                case .advise(let text):
                    note([text])
                }
            }
            if direction == .s2c && element.name == "features" && element.namespace == XMPPNamespace.streams
                && phases.phase == .restarted {
                editor.deactivate()  // the last features of the session went by
                finalFeaturesSeen = true
            }
            if phases.isBound { editor.deactivate() }
        case .error where direction == .s2c:
            editor.deactivate()  // cannot tell element boundaries any more: relay as read
        default:
            break
        }
    }

    private func trackBoundary(_ event: FramerEvent) {
        switch event {
        case .streamOpened(let header): editor.elementEnded(at: header.offset + header.raw.count)
        case .element(let framed): editor.elementEnded(at: framed.offset + framed.rawCount)
        case .streamClosed(let offset, let raw): editor.elementEnded(at: offset + raw.count)
        case .error: break
        }
    }

    private func edit(_ buffer: ByteBuffer) -> ByteBuffer {
        let output = editor.relay(buffer.readableBytesView)
        if !editor.isActive && editor.readThrough == editor.releasedThrough {
            serverSide.rewrite = nil  // nothing held, nothing more to edit: relay reads as they come
        }
        if output.count == buffer.readableBytes && output.elementsEqual(buffer.readableBytesView) { return buffer }
        var edited = client.allocator.buffer(capacity: output.count)
        edited.writeBytes(output)
        return edited
    }

    private func drainEdits() -> ByteBuffer? {
        let held = editor.drain()
        guard !held.isEmpty else { return nil }
        var buffer = client.allocator.buffer(capacity: held.count)
        buffer.writeBytes(held)
        return buffer
    }

    // MARK: Errors and closing

    private func clientError(_ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error {
            ended(by: "client", "it closed without a TLS close_notify")
            return
        }
        var hint = ""
        if case NIOSSLError.handshakeFailed = error {
            hint = " — does the client trust the xmppscope CA? ('xmppscope ca export --pem ca.pem')"
        }
        if hint.isEmpty {
            Self.logger.notice("conn \(id): the client's side failed: \(error)")
        } else {
            Self.logger.error("conn \(id): the client's side failed: \(error)\(hint)")
        }
        ended(by: "client", "error: \(error)")
    }

    /// The server's side failed (TLS verification, say): tell the user how to fix it, and the
    /// client with a stream error (RFC 6120 §4.9) before its connection closes.
    private func upstreamError(_ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error {
            ended(by: "server", "it closed without a TLS close_notify")
            return
        }
        guard let failure = TLSHandshakeFailure(error) else {
            Self.logger.error("conn \(id): the server's side failed: \(error)")
            ended(by: "server", "error: \(error)")
            return
        }
        let hint = failure == .certificateNotVerified
            ? " — the server's certificate did not verify: give its CA with --upstream-ca FILE (a test server's self-signed certificate, say), or --insecure"
            : ""
        Self.logger.error("conn \(id): TLS to the server failed: \(error)\(hint)")
        ended(by: "proxy", "TLS with the server failed: \(error)")
        let reply = StreamErrorReply.bytes(condition: "remote-connection-failed",
                                           text: "xmppscope could not set up TLS with the server: \(error)")
        var buffer = client.allocator.buffer(capacity: reply.count)
        buffer.writeBytes(reply)
        inspect(buffer, .s2c)
        clientSide.send(reply)
    }

    private func ended(by side: String, _ reason: String) {
        if ending == nil { ending = (side, reason) }
    }

    /// Closes both channels (the proxy is stopping, or TLS could not be set up). The close is
    /// recorded now: a TLS leg closes only after its close_notify exchange, which a peer may
    /// never answer.
    func closeAll(reason: String) {
        ended(by: "proxy", reason)
        recordClose()
        client.close(promise: nil)
        upstream?.close(promise: nil)
    }

    /// Ends the connection in the inspector and writes its close record, once.
    private func recordClose() {
        guard !closeRecorded else { return }
        closeRecorded = true
        state.value.inspection.push(.closed(connection: id, time: Timestamp.now()))
        let ending = self.ending ?? ("client", "the connection closed")
        record(.close, ending.by == "server" ? .s2c : .c2s, ProxyInfo(
            closedBy: ending.by, reason: ending.reason,
            bytes: .init(c2s: clientSide.bytesRelayed, s2c: serverSide.bytesRelayed)
        ))
    }

    private func channelClosed() {
        closedChannels += 1
        if closedChannels == 1 && ending == nil {
            // A close with no FIN or error seen first: who went first is who closed.
            ended(by: client.isActive ? "server" : "client", "the connection closed")
        }
        guard closedChannels == 2 else { return }
        recordClose()
        follower = nil
        state.value.connections[id] = nil
        if state.value.connections.isEmpty { Self.returnFreedMemory() }
    }

    /// The last connection closed: hand the memory the sessions freed back to the system, so an
    /// idle proxy's RSS returns to where it was (glibc keeps freed heap pages otherwise).
    private static func returnFreedMemory() {
        #if canImport(Glibc)
        // malloc_trim(3) is glibc's, declared in <malloc.h>, which the Glibc module leaves out.
        typealias MallocTrim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        }
        #endif
    }

    // MARK: Records

    private func record(_ event: Record.Event, _ direction: Direction, _ info: ProxyInfo) {
        state.value.inspection.push(.proxyEvent(connection: id, event: event, info: info, direction: direction, time: Timestamp.now()))
    }

    /// Records notes after the records of the read being decoded (the edit after the features
    /// it changed, the advice after the failure it explains).
    private func note(_ notes: [String]) {
        pendingNotes += notes
    }

    private func recordPendingNotes() {
        guard !pendingNotes.isEmpty else { return }
        let notes = pendingNotes
        pendingNotes = []
        for text in notes { Self.logger.notice("conn \(id): \(text)") }
        record(.proxyNote, .s2c, ProxyInfo(notes: notes))
    }

    static func describe(_ address: SocketAddress) -> String {
        Endpoint(address).description
    }

    static func describe(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: return "TLSv1.0"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        }
    }
}
