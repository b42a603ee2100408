import NIOCore

/// Reads the cipher suite a TLS session agreed on from the ServerHello, which goes in the clear
/// in every TLS version (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3): swift-nio-ssl does not report it.
/// Sits below the TLS handler and only looks: inbound on the server leg (the server's hello),
/// outbound on the client leg (the proxy's own). Once it has the suite, or knows the first
/// record holds none, it takes itself out of the pipeline.
final class ServerHelloSniffer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which way the ServerHello goes past this handler.
    enum Watched { case inbound, outbound }

    private let watched: Watched
    private let found: (String) -> Void
    private var parser = ServerHelloParser()
    private var done = false
    private var leaving = false

    /// `found` gets the suite's IANA name (`TLS_AES_128_GCM_SHA256`), or its code point in hex.
    init(watching watched: Watched, found: @escaping (String) -> Void) {
        self.watched = watched
        self.found = found
    }

    // Each looks before passing the bytes on (the suite is known before the TLS handler can
    // report the handshake complete), and leaves once they have gone on.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if watched == .inbound { look(at: unwrapInboundIn(data)) }
        context.fireChannelRead(data)
        leaveWhenDone(context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if watched == .outbound { look(at: unwrapOutboundIn(data)) }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        leaveWhenDone(context)
    }

    private func look(at buffer: ByteBuffer) {
        guard !done else { return }
        switch parser.feed(buffer.readableBytesView) {
        case .needMore:
            return
        case .found(let suite):
            found(TLSCipherSuite.name(suite))
        case .notAServerHello:
            break
        }
        done = true
    }

    private func leaveWhenDone(_ context: ChannelHandlerContext) {
        guard done, !leaving else { return }
        leaving = true
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Finds the cipher suite in the first handshake message of a TLS byte stream, if that message is
/// a ServerHello. Holds at most one record.
struct ServerHelloParser: Sendable {
    enum Result: Equatable { case needMore, found(UInt16), notAServerHello }

    private var bytes: [UInt8] = []

    /// Takes the next bytes of the stream.
    mutating func feed(_ next: some Collection<UInt8>) -> Result {
        bytes.append(contentsOf: next.prefix(Self.enough - bytes.count))
        return parse()
    }

    /// A record header and a ServerHello up to its cipher suite: 5 + 4 + 2 + 32 + 1 + 32 + 2.
    private static let enough = 78

    private func parse() -> Result {
        // Record: content type 22 (handshake), version, length.
        guard let type = byte(0) else { return .needMore }
        guard type == 22 else { return .notAServerHello }
        // Handshake: type 2 (server_hello), 24-bit length, legacy_version, random (32).
        guard let handshake = byte(5) else { return .needMore }
        guard handshake == 2 else { return .notAServerHello }
        let sessionIDLength = 5 + 4 + 2 + 32
        guard let length = byte(sessionIDLength) else { return .needMore }
        guard length <= 32 else { return .notAServerHello }
        let suite = sessionIDLength + 1 + Int(length)
        // The hello must reach its suite inside this first record; one split across records is
        // legal but not read here (nothing is guessed from the next record's header).
        guard let recordHigh = byte(3), let recordLow = byte(4) else { return .needMore }
        guard Int(recordHigh) << 8 | Int(recordLow) >= suite + 2 - 5 else { return .notAServerHello }
        guard let high = byte(suite), let low = byte(suite + 1) else { return .needMore }
        return .found(UInt16(high) << 8 | UInt16(low))
    }

    private func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
}

/// IANA names of the cipher suites BoringSSL negotiates (TLS 1.2 and 1.3).
enum TLSCipherSuite {
    static let names: [UInt16: String] = [
        0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x008C: "TLS_PSK_WITH_AES_128_CBC_SHA",
        0x008D: "TLS_PSK_WITH_AES_256_CBC_SHA",
        0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x1301: "TLS_AES_128_GCM_SHA256",
        0x1302: "TLS_AES_256_GCM_SHA384",
        0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xC035: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
        0xC036: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
        0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAB: "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAC: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    ]

    /// The suite's IANA name, or its code point (`0x00FF`) when it is not one BoringSSL knows.
    static func name(_ suite: UInt16) -> String {
        if let name = names[suite] { return name }
        let hex = String(suite, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
