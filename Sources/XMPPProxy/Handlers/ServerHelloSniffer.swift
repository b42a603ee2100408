import NIOCore
import XMPPTransport

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
            found(TLSCipherSuite.name(id: suite))
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
