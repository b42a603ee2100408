internal import NIOCore

/// The handler whose context a reader hands the NIO decoder it drives itself: what the decoder
/// fires from it goes to the ``InboundPartCollector`` after it.
///
/// Bytes never pass through the pipeline; the reader calls the decoder with them.
final class DecoderSeat: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Adds a seat and then `collector` to `channel`'s pipeline (on the channel's thread) and
    /// returns the seat's context; nil when the pipeline refused them.
    static func context(in channel: any Channel, before collector: any ChannelHandler) -> ChannelHandlerContext? {
        let seat = DecoderSeat()
        do {
            try channel.pipeline.syncOperations.addHandlers(seat, collector)
            return try channel.pipeline.syncOperations.context(handler: seat)
        } catch {
            return nil
        }
    }
}
