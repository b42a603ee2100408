public import XMPPBase

/// The first transport layer: where a connection's plaintext XML ends and what its bytes are
/// after that. An XMPP stream leaves plaintext in two ways, both announced by a top-level element
/// the framer reports: STARTTLS (`<proceed/>`, RFC 6120 §5.4.3.3) and stream compression
/// (`<compressed/>`, XEP-0138). The server's element is the last plaintext on both directions.
///
/// One hand-off per connection, told of every top-level element in wire order, answers what the
/// framers of both directions do next. It is used alike by the inspector's framing stage (replay,
/// capture, the proxy's tap) and by the proxy's session follower, which must act on `<proceed/>`
/// before the next byte is relayed. A TLS decryptor fed from a key log plugs in here.
public struct StartTLSHandOff: Sendable {
    /// What the layer in front of the inspector does with TLS.
    public enum TLSHandling: Sendable, Hashable {
        /// The inspector sees TLS records: nothing after `<proceed/>` can be decoded.
        case opaque
        /// TLS is terminated in front of the inspector (the proxy intercepting it): the bytes after
        /// `<proceed/>` are the decrypted new stream.
        case terminatedInFront
    }

    /// What both directions' framers do after an element.
    public enum Switch: Sendable, Hashable {
        /// Both directions start new streams (TLS was terminated in front of them).
        case restartStreams
        /// Nothing after this can be decoded (TLS records, or compressed bytes): count them.
        case stopDecoding
    }

    /// How a top-level element ends the plaintext stream, if it does.
    public enum PlaintextEnd: Sendable, Hashable {
        /// `<proceed/>` (urn:ietf:params:xml:ns:xmpp-tls): TLS follows.
        case tls
        /// `<compressed/>` (http://jabber.org/protocol/compress): compressed bytes follow.
        case compression
    }

    /// Whether the element `name` in `namespace` ends the plaintext stream: the one place that
    /// knows, for the framer (which must stop inside the read that holds it) and for this hand-off.
    @inlinable
    public static func plaintextEnd(name: String, namespace: String?) -> PlaintextEnd? {
        // The length first (one load for a small string): asked of every top-level element.
        switch name.utf8.count {
        case 7 where name == "proceed" && namespace == XMPPNamespace.tls: return .tls
        case 10 where name == "compressed" && namespace == XMPPNamespace.compress: return .compression
        default: return nil
        }
    }

    public let tlsHandling: TLSHandling
    /// Set once `<proceed/>` went by.
    public private(set) var tlsStart: TLSStart?
    /// Set once `<compressed/>` went by: the rest of the connection is compressed.
    public private(set) var isCompressed = false

    public init(tlsHandling: TLSHandling) {
        self.tlsHandling = tlsHandling
    }

    /// Whether the framer that reports `<proceed/>` should stop right after it (the bytes that
    /// follow in the same read are TLS), or start a new stream there (TLS terminated in front).
    public var framerStopsAtProceed: Bool { tlsHandling == .opaque }

    /// A complete top-level element went by in `direction`; returns what both directions do
    /// next, if it changes anything. The framer that reported it has already acted on it itself
    /// (stopped at `<proceed/>` or `<compressed/>`, or started a new stream): the switch is for
    /// the other direction's framer.
    public mutating func topLevelElement(
        name: String, namespace: String?, direction: Direction, at time: Timestamp
    ) -> Switch? {
        switch Self.plaintextEnd(name: name, namespace: namespace) {
        case .tls?:
            tlsStart = TLSStart(direction: direction, time: time, intercepted: tlsHandling == .terminatedInFront)
            return tlsHandling == .terminatedInFront ? .restartStreams : .stopDecoding
        case .compression?:
            isCompressed = true
            return .stopDecoding
        case nil:
            return nil
        }
    }
}
