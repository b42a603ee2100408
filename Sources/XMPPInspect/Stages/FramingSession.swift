import XMPPCore
import XMPPBase
import XMPPTransport

/// Per-connection state of the framing stage.
final class FramingSession {
    enum Verdict {
        case undecided
        /// Began with a TLS ClientHello: XMPP if its decrypted bytes are (or its ALPN or port say so).
        case directTLS
        case xmpp
        /// Began with an HTTP request: its bytes go to the web layer (``web``).
        case web
        case other
    }
    let id: Int
    let joinedMidStream: Bool
    /// The server's port (direct TLS on 5223 or 5270 is taken for XMPP without decrypting it).
    let serverPort: UInt16?
    var verdict: Verdict = .undecided
    var carriedPayload = false
    /// Bytes (or gaps, as nil) held until the connection is recognised.
    var pending: [(Direction, [UInt8]?, Int, Timestamp)] = []
    var pendingBytes: [[UInt8]] = [[], []]
    let c2s: XMLFramer
    let s2c: XMLFramer
    /// Where the plaintext stream ends (STARTTLS, compression), and what follows.
    var handOff: StartTLSHandOff
    /// The TLS decoder, once TLS began (after `<proceed/>`, or from the first byte) and the
    /// inspector sees TLS records (not a proxy terminating TLS in front of it).
    var tls: TLSConnectionDecoder?
    /// Per direction (c2s, s2c): whether its bytes go to ``tls`` (or to the reading thread's
    /// decoder, ``tlsDecryptedUpstream``); the framer then reads what it decrypts.
    var decrypting = [false, false]
    /// Direct TLS decrypted on a pipelined inspector's reading thread (``ReadingFront``): its
    /// decoder's events come as calls of their own, and ``tls`` stays nil.
    var tlsDecryptedUpstream = false
    /// Began with a ClientHello (``tls`` is then the direct-TLS decoder, not a STARTTLS one).
    var tlsFromFirstByte = false
    /// The HTTP/WebSocket/BOSH layer, for a connection that began with an HTTP request.
    var web: WebFramingSession?
    /// Direct TLS not yet known to be XMPP: what the decoder said, held until it is.
    var heldTLSEvents: [(TLSEvent, Timestamp)] = []
    /// Per direction, the latest capture time of bytes handed on.
    private var clocks = StreamClocks()

    /// `names`: the framing stage's dictionary, shared by every framer it feeds.
    init(id: Int, options: InspectorOptions, joinedMidStream: Bool, serverPort: UInt16? = nil, names: SharedNameDictionary? = nil) {
        self.id = id
        self.joinedMidStream = joinedMidStream
        self.serverPort = serverPort
        let content: XMLFramer.Content = options.keepsElements ? .full : .topLevel
        c2s = XMLFramer(limits: options.limits, content: content, nameDictionary: names)
        s2c = XMLFramer(limits: options.limits, content: content, nameDictionary: names)
        handOff = StartTLSHandOff(tlsHandling: options.tlsTerminated ? .terminatedInFront : .opaque)
        c2s.stopsAtProceed = handOff.framerStopsAtProceed
        s2c.stopsAtProceed = handOff.framerStopsAtProceed
        c2s.keepsOpaqueTail = handOff.framerStopsAtProceed
        s2c.keepsOpaqueTail = handOff.framerStopsAtProceed
        // The records are made on another thread: it builds the attributes it reads.
        c2s.packsAttributes = true
        s2c.packsAttributes = true
        // What the records thread would parse again for its whole tree is built whole here.
        let whole = RecordStage.elementsBuiltWhole(checking: options.checks != nil)
        c2s.wholeElements = whole
        s2c.wholeElements = whole
    }

    func framer(_ direction: Direction) -> XMLFramer { direction == .c2s ? c2s : s2c }

    func advanceClock(_ direction: Direction, to time: Timestamp) -> Timestamp {
        clocks.advance(direction, to: time)
    }
}
