/// Limits the framer enforces on what a peer may send.
///
/// libxml2's push parser has no nesting limit of its own, and a stanza can grow until memory runs
/// out; the framer refuses both early and resynchronises at the next stanza.
public struct FramerLimits: Sendable, Hashable {
    /// The largest top-level element (stanza, nonza or stream header), in bytes.
    public var maxStanzaBytes: Int
    /// The deepest nesting allowed inside a top-level element (the stanza itself is depth 1).
    public var maxDepth: Int

    public init(maxStanzaBytes: Int = 1 << 20, maxDepth: Int = 100) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
    }

    /// 1 MiB stanzas (Prosody's default is 256 KiB) and 100 levels.
    public static let `default` = FramerLimits()
}
