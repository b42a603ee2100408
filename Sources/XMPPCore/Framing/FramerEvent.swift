/// What the framer reports, in stream order.
public enum FramerEvent: Sendable, Hashable {
    case streamOpened(StreamHeader)
    case element(FramedElement)
    /// `</stream:stream>` (as written), at this offset.
    case streamClosed(offset: Int, raw: [UInt8])
    case error(FramerError)
}
