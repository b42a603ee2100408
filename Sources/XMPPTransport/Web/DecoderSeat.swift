internal import NIOCore

/// The handler whose context a reader hands the NIO decoder it drives itself: what the decoder
/// fires from it goes to the ``InboundPartCollector`` after it.
///
/// Bytes never pass through the pipeline; the reader calls the decoder with them.
final class DecoderSeat: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
}
