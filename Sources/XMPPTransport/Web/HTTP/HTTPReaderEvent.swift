internal import NIOCore

/// What an ``HTTPMessageReader`` read, in wire order.
enum HTTPReaderEvent {
    /// A message's head; `offset` is where it began in the direction's byte stream.
    case head(HTTPMessageHead, offset: Int)
    /// Some of the body, de-chunked (valid during the call only).
    case body(ByteBuffer)
    /// The message ended: where it began and its bytes on the wire.
    case end(offset: Int, wireBytes: Int)
    /// NIOHTTP1 rejected the bytes (its own words); the reader reads nothing more.
    case failed(String, offset: Int)
}
