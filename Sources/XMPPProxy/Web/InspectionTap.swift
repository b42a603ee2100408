import NIOCore
import NIOTLS

/// Sits in a web proxy leg's pipeline below the HTTP or WebSocket codec (above TLS) and hands
/// every plaintext read to the inspector exactly as it arrived, before the codec sees it; holds
/// reads while the inspector is behind (``WebReadGate``). Also reports the leg's close and TLS
/// handshake, which stay visible here whichever codec sits above.
final class InspectionTap: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let tap: (ByteBuffer) -> Void
    /// Holds reads while the inspector is behind (shared by every connection).
    var gate: WebReadGate?
    private var waitingOnGate = false
    private var context: ChannelHandlerContext?
    /// Bytes read on this leg (application bytes, after TLS).
    private(set) var bytesRead = 0
    /// Runs once when the channel closes.
    var onClose: (() -> Void)?
    /// Told when a TLS handshake below completed, with the ALPN protocol agreed.
    var onTLSEstablished: ((ChannelHandlerContext, String?) -> Void)?

    /// `tap` sees every chunk read on this leg, in order.
    init(tap: @escaping (ByteBuffer) -> Void) {
        self.tap = tap
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytesRead += buffer.readableBytes
        tap(buffer)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            onTLSEstablished?(context, negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if let gate, !gate.isOpen {
            if !waitingOnGate {
                waitingOnGate = true
                gate.wait { [weak self] in self?.gateOpened() }
            }
            return
        }
        context.read()
    }

    private func gateOpened() {
        waitingOnGate = false
        guard let context else { return }
        read(context: context)
    }
}
