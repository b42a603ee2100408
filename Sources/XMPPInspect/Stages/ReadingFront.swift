import XMPPBase
import XMPPCapture
import XMPPTransport

/// What a pipelined inspector's reading thread does ahead of the framing thread, so that the
/// work is spread over two cores instead of one: it decrypts a share of the direct-TLS
/// connections (XEP-0368, HTTPS) and decodes the HTTP and WebSocket layers of a share of the
/// plaintext web connections (BOSH, `ws://`), and the framing thread then only frames what
/// comes out. The calls for a capture's connections go through it on their way to the
/// ``FramingThreadFeeder``.
///
/// It decides as the framing stage does (``ConnectionSniff``, on the same bytes). After the call
/// that completes a ClientHello or an HTTP request line (or before the close of a connection
/// that ends with one), a `directTLS` or `web` call says which thread decodes the connection.
/// One taken over has its bytes go to a ``TLSConnectionDecoder`` or a ``WebConnectionDecoder``
/// here, and its decoder's events on as `tls` or `webEvent` calls, stamped with the
/// connection's clock as the framing stage would have stamped them. Every other connection's
/// calls pass as they are. STARTTLS is decrypted by the framing stage: only its framer knows
/// where TLS begins; so is the web layer under TLS (HTTPS), known only once decrypted.
///
/// Only TLS 1.3 sessions are taken over, as the key log tells them: secrets of TLS 1.3 and no
/// `CLIENT_RANDOM` line. TLS 1.3 does not use the framing stage's ``TLSSessionCache`` (TLS 1.2
/// resumption), so the decoders here have none and what either thread decrypts does not depend
/// on how far the other has got. A key log written for TLS 1.3 of a session that negotiated 1.2
/// would leave it undecrypted here where the cache might have held its resumed secret. A web
/// connection's decoder reads that connection alone (a BOSH session's requests on several
/// connections are joined on the framing thread), so it may run anywhere.
final class ReadingFront {
    /// Which connections of a kind the reading thread takes over.
    enum Share: Sendable {
        /// None: the framing thread decodes them all.
        case none
        /// Every other one, in the order they are found (the first, the third, …).
        case everyOther
        /// Three in four, in the order they are found (all but the fourth, the eighth, …).
        case threeInFour
        case all

        /// Whether the `found`th connection of the kind (from 1) is taken.
        func takes(_ found: Int) -> Bool {
            switch self {
            case .none: false
            case .everyOther: found % 2 == 1
            case .threeInFour: found % 4 != 0
            case .all: true
            }
        }
    }

    /// What the front knows of one connection.
    private enum Connection {
        /// Nothing decided yet: what it sent, held as the framing stage holds it.
        case sniffing(SniffingConnection)
        /// Began with a ClientHello: decrypted here.
        case decrypting(DecryptingConnection)
        /// Began with an HTTP request: its web layer decoded here.
        case decodingWeb(WebDecodingConnection)
        /// Anything else: its calls pass as they are.
        case passing
    }

    /// A connection not yet decided: its calls (bytes, or a gap's length) and its bytes per direction.
    private final class SniffingConnection {
        let serverPort: UInt16
        /// A call held: bytes received, or (`bytes` nil) a gap of `missing` bytes.
        typealias Held = (direction: Direction, bytes: [UInt8]?, missing: Int, time: Timestamp)

        var held: [Held] = []
        var bytes: [[UInt8]] = [[], []]

        init(serverPort: UInt16) {
            self.serverPort = serverPort
        }
    }

    /// A direct-TLS connection: its decoder, and its clock (the framing stage's, kept here).
    private final class DecryptingConnection {
        let decoder: TLSConnectionDecoder
        var clocks = StreamClocks()

        init(decoder: TLSConnectionDecoder) {
            self.decoder = decoder
        }
    }

    /// A plaintext web connection: its HTTP/WebSocket decoder, and its clock (the framing stage's, kept here).
    private final class WebDecodingConnection {
        let decoder: WebConnectionDecoder
        var clocks = StreamClocks()

        init(decoder: WebConnectionDecoder) {
            self.decoder = decoder
        }
    }

    private let keyLog: (any TLSSecretLookup & Sendable)?
    /// False where TLS was terminated in front of the inspector: no TLS is taken over.
    private let seesTLSRecords: Bool
    private let directTLSShare: Share
    private let webShare: Share
    /// The framing stage's limits for the web layer.
    private let webLimits: WebLimits
    /// Direct-TLS 1.3 sessions found so far.
    private var tls13Sessions = 0
    /// Plaintext web connections found so far.
    private var webConnections = 0
    /// How many of them this thread decodes (for tests).
    private(set) var webConnectionsDecoded = 0
    /// Every connection open, by id.
    private var connections: [Int: Connection] = [:]

    /// `keyLog` is shared with the framing thread. `seesTLSRecords` and `webLimits`: as the
    /// framing stage's options say (not a proxy terminating TLS; ``InspectorOptions/webLimits``).
    init(keyLog: (any TLSSecretLookup & Sendable)?, seesTLSRecords: Bool, directTLSShare: Share,
         webShare: Share, webLimits: WebLimits) {
        self.keyLog = keyLog
        self.seesTLSRecords = seesTLSRecords
        self.directTLSShare = directTLSShare
        self.webShare = webShare
        self.webLimits = webLimits
    }

    func opened(_ info: TCPConnectionInfo, into feeder: FramingThreadFeeder) {
        // Every connection is sniffed, whatever the shares: the framing stage waits for the verdict.
        connections[info.id] = .sniffing(SniffingConnection(serverPort: info.server.port))
        feeder.append(.opened(info))
    }

    func received(_ bytes: UnsafeRawBufferPointer, connection id: Int, direction: Direction, time: Timestamp,
                  into feeder: FramingThreadFeeder) {
        switch connections[id] {
        case nil, .passing?:
            feeder.appendReceived(bytes, connection: id, direction: direction, time: time)
        case .sniffing(let sniffing)?:
            feeder.appendReceived(bytes, connection: id, direction: direction, time: time)
            let copy = Array(bytes.bindMemory(to: UInt8.self))
            sniffing.held.append((direction, copy, 0, time))
            sniffing.bytes[direction == .c2s ? 0 : 1].append(contentsOf: copy)
            decide(id, sniffing, final: false, feeder)
        case .decrypting(let decrypting)?:
            let time = decrypting.clocks.advance(direction, to: time)
            decrypting.decoder.feed(direction, bytes) { feeder.appendTLS($0, connection: id, time: time) }
        case .decodingWeb(let web)?:
            let time = web.clocks.advance(direction, to: time)
            web.decoder.feed(direction, bytes) { feeder.appendWeb($0, connection: id, time: time) }
        }
    }

    func missing(_ count: Int, connection id: Int, direction: Direction, time: Timestamp, into feeder: FramingThreadFeeder) {
        switch connections[id] {
        case nil, .passing?:
            feeder.append(.missing(connection: id, count: count, direction: direction, time: time))
        case .sniffing(let sniffing)?:
            feeder.append(.missing(connection: id, count: count, direction: direction, time: time))
            sniffing.held.append((direction, nil, count, time))
        case .decrypting(let decrypting)?:
            gap(of: count, direction, at: time, in: decrypting, connection: id, into: feeder)
        case .decodingWeb(let web)?:
            gap(of: count, direction, at: time, in: web, connection: id, into: feeder)
        }
    }

    func closed(_ id: Int, reason: TCPCloseReason, time: Timestamp, into feeder: FramingThreadFeeder) {
        if case .sniffing(let sniffing)? = connections[id] { decide(id, sniffing, final: true, feeder) }
        if case .decrypting(let decrypting)? = connections[id] {
            decrypting.decoder.finish { feeder.appendTLS($0, connection: id, time: time) }
        }
        if case .decodingWeb(let web)? = connections[id] {
            web.decoder.finish { feeder.appendWeb($0, connection: id, time: time) }
        }
        connections[id] = nil
        feeder.append(.closed(connection: id, reason: reason, time: time))
    }

    /// The capture ended: closes every connection still open, in the order of their ids (as the
    /// framing stage's `finishAll` would, each after what its decoder says as it finishes).
    func closeAll(at time: Timestamp, into feeder: FramingThreadFeeder) {
        for id in connections.keys.sorted() { closed(id, reason: .endOfCapture, time: time, into: feeder) }
    }

    // MARK: Deciding

    private func decide(_ id: Int, _ sniffing: SniffingConnection, final: Bool, _ feeder: FramingThreadFeeder) {
        switch ConnectionSniff.classify(sniffing.bytes, final: final, seesTLSRecords: seesTLSRecords, serverPort: sniffing.serverPort) {
        case .undecided:
            return
        case .web:
            webConnections += 1
            guard webShare.takes(webConnections) else {
                feeder.append(.web(connection: id, upstream: false))
                connections[id] = .passing
                return
            }
            feeder.append(.web(connection: id, upstream: true))
            webConnectionsDecoded += 1
            connections[id] = .decodingWeb(WebDecodingConnection(decoder: WebConnectionDecoder(limits: webLimits)))
            replay(sniffing.held, connection: id, into: feeder)
        case .directTLS(let knownXMPP, let clientRandom):
            guard takesOver(clientRandom) else {
                feeder.append(.directTLS(connection: id, knownXMPP: knownXMPP, upstream: false))
                connections[id] = .passing
                return
            }
            feeder.append(.directTLS(connection: id, knownXMPP: knownXMPP, upstream: true))
            connections[id] = .decrypting(DecryptingConnection(decoder: TLSConnectionDecoder(lookup: keyLog, cache: nil)))
            replay(sniffing.held, connection: id, into: feeder)
        case .xmpp, .other:
            connections[id] = .passing
        }
    }

    /// What the framing stage held of connection `id` (and drops now) goes to the decoder that
    /// takes it over, in order, as if it came now: each call as ``received`` or ``missing``
    /// would take it in the connection's new state.
    private func replay(_ held: [SniffingConnection.Held], connection id: Int, into feeder: FramingThreadFeeder) {
        for (direction, bytes, missing, time) in held {
            if let bytes {
                bytes.withUnsafeBytes { received($0, connection: id, direction: direction, time: time, into: feeder) }
            } else {
                self.missing(missing, connection: id, direction: direction, time: time, into: feeder)
            }
        }
    }

    /// Whether this thread decrypts the session `clientRandom` names: the key log must hold its
    /// TLS 1.3 secrets and no TLS 1.2 master secret, and it must be its turn.
    private func takesOver(_ clientRandom: [UInt8]) -> Bool {
        guard directTLSShare != .none, let keyLog, let secrets = keyLog.secrets(forClientRandom: clientRandom),
              secrets[.clientRandom] == nil, secrets[.clientHandshakeTrafficSecret] != nil || secrets[.clientTrafficSecret0] != nil
        else { return false }
        tls13Sessions += 1
        return directTLSShare.takes(tls13Sessions)
    }

    /// A gap in a decrypted connection: what the decoder says of it, then the gap itself (the
    /// framing stage reports it where the connection is shown), both at the connection's clock.
    private func gap(of count: Int, _ direction: Direction, at time: Timestamp, in decrypting: DecryptingConnection,
                     connection id: Int, into feeder: FramingThreadFeeder) {
        let time = decrypting.clocks.advance(direction, to: time)
        decrypting.decoder.gap(direction, missing: count) { feeder.appendTLS($0, connection: id, time: time) }
        feeder.append(.missing(connection: id, count: count, direction: direction, time: time))
    }

    /// A gap in a web connection decoded here: what the decoder says of it, at the connection's
    /// clock (the framing stage reports a web connection's gaps through its decoder alone).
    private func gap(of count: Int, _ direction: Direction, at time: Timestamp, in web: WebDecodingConnection,
                     connection id: Int, into feeder: FramingThreadFeeder) {
        let time = web.clocks.advance(direction, to: time)
        web.decoder.gap(direction, missing: count) { feeder.appendWeb($0, connection: id, time: time) }
    }
}
