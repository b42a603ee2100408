public import NIOCore
import NIOTLS

/// Relays bytes from its channel to a partner channel, exactly, with back-pressure: when the
/// partner cannot take more, it stops reading until the partner can. Each read is also handed
/// to `tap` (the inspector), which never changes what is relayed. A half-close is passed on.
public final class RelayHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Holds reads while the inspector is too far behind (shared by every connection).
    var gate: ReadGate?
    private var waitingOnGate = false
    private let tap: (ByteBuffer) -> Void
    private let onClose: () -> Void
    /// Bytes relayed from this channel to the partner.
    public private(set) var bytesRelayed = 0
    /// Runs once, right after the current read has been relayed and flushed (to switch to TLS
    /// after `<proceed/>` went across in the clear).
    public var afterThisRelay: (() -> Void)?
    /// Told about an error on this channel (a failed TLS handshake, say) before it closes.
    public var onError: ((any Error) -> Void)?
    /// Told when the peer half-closes (its FIN), before the half-close is passed on.
    public var onInputClosed: (() -> Void)?
    /// Told when a TLS handshake on this channel completed, with the ALPN protocol agreed.
    public var onTLSEstablished: ((ChannelHandlerContext, String?) -> Void)?
    /// Replaces what is relayed: gets each read (after `tap` saw it) and returns the bytes to
    /// send on now, which may be fewer (held back) or different (edited). Nil: relay as read.
    public var rewrite: ((ByteBuffer) -> ByteBuffer)?
    /// What `rewrite` still holds, sent on before a close or half-close is passed on.
    public var drainRewrite: (() -> ByteBuffer?)?

    /// `tap` sees every chunk read on this channel; `onClose` runs once when it closes.
    public init(tap: @escaping (ByteBuffer) -> Void, onClose: @escaping () -> Void = {}) {
        self.tap = tap
        self.onClose = onClose
    }

    /// Pairs two handlers (call on their event loop, before either reads).
    public static func pair(_ a: RelayHandler, _ b: RelayHandler) {
        a.partner = b
        b.partner = a
    }

    public func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    public func handlerRemoved(context: ChannelHandlerContext) { self.context = nil; partner = nil }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytesRelayed += buffer.readableBytes
        tap(buffer)
        if let rewrite {
            let edited = rewrite(buffer)
            if edited.readableBytes > 0 { partner?.partnerWrite(edited) }
        } else {
            partner?.partnerWrite(buffer)
        }
        if let hook = afterThisRelay {
            afterThisRelay = nil
            partner?.partnerFlush()
            hook()
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
        onError = nil
        context.close(promise: nil)
    }

    /// Writes bytes on this channel (through any TLS below) and flushes.
    func send(_ bytes: [UInt8], then done: (() -> Void)? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        guard let done else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { _ in done() }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    private func drainHeldBytes() {
        guard let held = drainRewrite?(), held.readableBytes > 0 else { return }
        partner?.partnerWrite(held)
        partner?.partnerFlush()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        drainHeldBytes()
        onClose()
        partner?.partnerClose()
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            // The peer half-closed: pass it on as a half-close of our output towards the other peer.
            onInputClosed?()
            drainHeldBytes()
            partner?.partnerHalfClose()
        } else if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            onTLSEstablished?(context, negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    public func read(context: ChannelHandlerContext) {
        // Back-pressure: read only while the partner can take what we read.
        if let partner, let partnerContext = partner.context, !partnerContext.channel.isWritable {
            pendingRead = true
            return
        }
        if let gate, !gate.isOpen {
            if !waitingOnGate {
                waitingOnGate = true
                gate.wait(self)
            }
            return
        }
        context.read()
    }

    /// The inspector caught up: read again (unless the partner still cannot take more).
    func gateOpened() {
        waitingOnGate = false
        guard let context else { return }
        read(context: context)
    }

    // MARK: Called by the partner

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func partnerFlush() { context?.flush() }

    private func partnerHalfClose() {
        context?.close(mode: .output, promise: nil)
    }

    private func partnerClose() {
        context?.close(promise: nil)
    }

    private func partnerBecameWritable() {
        guard pendingRead, let context else { return }
        pendingRead = false
        read(context: context)
    }
}
