internal import NIOCore
internal import NIOEmbedded
internal import NIOHTTP1

/// NIOHTTP1's request or response decoder, driven directly by an ``HTTPMessageReader``: it is
/// handed the context of a ``DecoderSeat`` in an `EmbeddedChannel`, and what it fires is kept by
/// an ``InboundPartCollector``.
///
/// The decoder's life is the one a `ByteToMessageHandler` would give it: added once, fed bytes,
/// told of the connection's end.
final class HTTPDecoderSeat {
    private enum Decoder {
        case requests(HTTPRequestDecoder, InboundPartCollector<HTTPServerRequestPart>)
        case responses(HTTPResponseDecoder, InboundPartCollector<HTTPClientResponsePart>)
    }

    private let channel = EmbeddedChannel()
    private let decoder: Decoder
    /// The seat's context; nil when the channel could not be set up.
    let seat: ChannelHandlerContext?

    init(kind: HTTPMessageReader.Kind, configuration: NIOHTTPDecoderLimitConfiguration) {
        let collector: any ChannelHandler
        switch kind {
        case .requests:
            let parts = InboundPartCollector<HTTPServerRequestPart>()
            decoder = .requests(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop,
                                                   limitConfiguration: configuration), parts)
            collector = parts
        case .responses:
            let parts = InboundPartCollector<HTTPClientResponsePart>()
            decoder = .responses(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .forward,
                                                     limitConfiguration: configuration), parts)
            collector = parts
        }
        seat = DecoderSeat.context(in: channel, before: collector)
        if let context = seat {
            switch decoder {
            case .requests(let decoder, _): decoder.decoderAdded(context: context)
            case .responses(let decoder, _): decoder.decoderAdded(context: context)
            }
        }
    }

    deinit {
        // The decoder and its parser keep each other alive until it is removed, as a
        // `ByteToMessageHandler` would remove it; closing the channel takes the pipeline apart.
        if let seat {
            switch decoder {
            case .requests(let decoder, _): decoder.decoderRemoved(context: seat)
            case .responses(let decoder, _): decoder.decoderRemoved(context: seat)
            }
        }
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    /// Feeds the decoder what `buffer` holds; it reads what it uses.
    func decode(_ buffer: inout ByteBuffer) throws {
        guard let seat, buffer.readableBytes > 0 else { return }
        switch decoder {
        case .requests(let decoder, _): while try decoder.decode(context: seat, buffer: &buffer) == .continue {}
        case .responses(let decoder, _): while try decoder.decode(context: seat, buffer: &buffer) == .continue {}
        }
    }

    /// The connection ended: a message read to its end (a response without a length) ends.
    func decodeLast(_ buffer: inout ByteBuffer) throws {
        guard let seat else { return }
        switch decoder {
        case .requests(let decoder, _): _ = try decoder.decodeLast(context: seat, buffer: &buffer, seenEOF: true)
        case .responses(let decoder, _): _ = try decoder.decodeLast(context: seat, buffer: &buffer, seenEOF: true)
        }
    }

    /// Response decoder: a request with this head was sent (a response to `HEAD` has no body).
    func expect(_ head: HTTPRequestHead) {
        if case .responses(let decoder, _) = decoder { decoder.write(data: .head(head)) }
    }

    /// The next part a request decoder fired, in order.
    func nextRequestPart() -> HTTPServerRequestPart? {
        if case .requests(_, let parts) = decoder { return parts.next() }
        return nil
    }

    /// The next part a response decoder fired, in order.
    func nextResponsePart() -> HTTPClientResponsePart? {
        if case .responses(_, let parts) = decoder { return parts.next() }
        return nil
    }
}
