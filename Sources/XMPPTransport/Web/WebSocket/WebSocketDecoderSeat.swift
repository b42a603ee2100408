internal import NIOCore

/// The handler whose context a ``WebSocketFrameReader`` hands NIOWebSocket's decoder: what the
/// decoder fires from it goes to the ``WebSocketFrameCollector`` after it.
///
/// Bytes never pass through the pipeline; the reader calls the decoder itself.
final class WebSocketDecoderSeat: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
}
