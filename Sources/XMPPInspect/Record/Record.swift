public import XMPPCore
public import XMPPBase

/// One thing that happened on a connection: what the printer shows, filters select and the
/// JSON Lines log holds (docs/log-format.md).
public struct Record: Sendable {
    /// What kind of record this is (`event` in the log).
    public enum Event: String, Sendable, Hashable, CaseIterable {
        case stanza
        case nonza
        case streamOpen = "stream-open"
        case streamClose = "stream-close"
        case streamError = "stream-error"
        case tlsStart = "tls-start"
        case parseError = "parse-error"
        case gap
        /// The proxy accepted a client and reached (or failed to reach) the server.
        case connect
        /// The proxy finished a TLS handshake on one leg (`dir` c2s: with the client; s2c: with the server).
        case tlsEstablished = "tls-established"
        /// A proxied connection ended.
        case close
        /// The proxy changed what it relays (stream features it edited) or has advice for the user.
        case proxyNote = "proxy-note"
        /// A connection's TLS session: the handshake's facts, decrypted or why not (`tls`, `decrypted`).
        case tls
        /// Something wrong in a connection's TLS layer: records that are not TLS, do not decrypt, were lost.
        case tlsError = "tls-error"
        /// A check found something wrong (`finding`, `about`): see docs/checks.md.
        case finding
        /// A web transport's HTTP request or response (`kind` request or response, `http`): the
        /// WebSocket upgrade and its answer, each BOSH body's carrier, a failed attempt.
        case http
        /// A WebSocket control frame (`kind` ping, pong or close; a close's code and reason in `http`).
        case webSocket = "websocket"
        /// Something wrong in a web transport: HTTP that does not parse, a WebSocket frame that
        /// breaks RFC 6455, a message that breaks RFC 7395, BOSH rids out of order.
        case webError = "web-error"

        /// Records the proxy writes about the connection itself, not decoded from its bytes.
        public var isProxyLifecycle: Bool {
            switch self {
            case .connect, .tlsEstablished, .close, .proxyNote: return true
            default: return false
            }
        }
    }

    /// 1-based, in the order records are produced. A follow-up record (an unanswered request
    /// reported at the connection's end) repeats the seq of the record it completes.
    public var seq: Int
    public var timestamp: Timestamp
    public var connection: Int
    public var direction: Direction
    public var event: Event
    /// What carried it: TCP, WebSocket or BOSH.
    public var transport: Transport = .tcp
    /// The element's local name (`iq`, `message`, `features`, `auth`), or `stream` for stream events.
    public var kind: String?
    public var type: String?
    public var id: String?
    public var from: String?
    public var to: String?
    /// Payload namespaces (for stanzas, those below the stanza; for nonzas, its own first).
    public var namespaces: [String] = []
    /// The XML as sent (redacted where it holds credentials), as UTF-8. Read from a framed
    /// element (``xmlSource``), a copy is made on each read: read with ``withXMLBytes(_:)`` where
    /// a buffer will do. Setting it forgets the framed element.
    public var xmlBytes: [UInt8]? {
        get { xmlSource?.raw ?? keptXMLBytes }
        set {
            keptXMLBytes = newValue
            xmlSource = nil
        }
    }
    /// The framed element whose bytes as sent are this record's XML, kept instead of a copy of
    /// them (``keepXML(of:)``; setting ``xmlBytes`` replaces it).
    private(set) var xmlSource: FramedElement?
    private var keptXMLBytes: [UInt8]?

    /// Makes `framed`'s bytes as sent this record's XML, without copying them.
    mutating func keepXML(of framed: FramedElement) {
        xmlSource = framed
        keptXMLBytes = nil
    }
    /// Calls `body` with the XML bytes without copying them, or returns nil when there are none.
    public func withXMLBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        if xmlSource != nil { return xmlSource?.withRawBytes(body) }
        return keptXMLBytes?.withUnsafeBufferPointer(body)
    }
    /// ``xmlBytes`` as text.
    public var xml: String? {
        get { xmlBytes.map { String(decoding: $0, as: UTF8.self) } }
        set { xmlBytes = newValue.map { Array($0.utf8) } }
    }
    /// Bytes on the wire.
    public var size = 0
    /// Where it starts in its direction's byte stream.
    public var offset: Int?
    /// The parsed element (stanzas, nonzas, stream headers).
    public var element: Element?

    /// iq responses: round trip in milliseconds and the request's seq.
    public var rttMilliseconds: Double?
    public var requestSeq: Int?
    /// A request never answered: the follow-up record written at the connection's end.
    public var unanswered = false
    /// An iq response that matched no request.
    public var unmatchedResponse = false
    public var error: ErrorInfo? {
        get { rare?.facts.error }
        set { updateRare { $0.error = newValue } }
    }
    /// parse-error: where.
    public var position: StreamPosition? {
        get { rare?.facts.position }
        set { updateRare { $0.position = newValue } }
    }
    /// gap: bytes missing; parse-error: bytes skipped.
    public var byteCount: Int?
    /// tls-start: bytes that stayed encrypted, per direction.
    public var encryptedBytes: (c2s: Int, s2c: Int)? {
        get { rare?.facts.encryptedBytes }
        set { updateRare { $0.encryptedBytes = newValue } }
    }
    /// Whether credentials were removed from `xml`.
    public var redacted = false
    /// connect, tls-established, close and proxy-note: what the proxy saw of the connection.
    public var proxy: ProxyInfo? {
        get { rare?.facts.proxy }
        set { updateRare { $0.proxy = newValue } }
    }
    /// tls: the session's facts.
    public var tls: TLSInfo? {
        get { rare?.facts.tls }
        set { updateRare { $0.tls = newValue } }
    }
    /// tls: whether the session was decrypted.
    public var decrypted: Bool?
    /// SASL response (and a failure after it): the SCRAM-*-PLUS channel binding, checked.
    public var binding: ChannelBinding? {
        get { rare?.facts.binding }
        set { updateRare { $0.binding = newValue } }
    }
    /// finding: what a check found, and the seqs of the records it is about.
    public var finding: Finding? {
        get { rare?.facts.finding }
        set { updateRare { $0.finding = newValue } }
    }
    public var about: [Int] = []
    /// The ids of the findings this record triggered (they follow it, with its seq).
    public var findingIDs: [String] = []
    /// BOSH: the `rid` of the request that carried it (a response's stanzas: the request it answers).
    public var rid: Int?
    /// http and websocket records: the request, response or control frame.
    public var http: HTTPInfo? {
        get { rare?.facts.http }
        set { updateRare { $0.http = newValue } }
    }

    /// The facts only some kinds of record carry, out of line: a stanza's record, copied from
    /// stage to stage, stays a third of the size it would be with them inline.
    private var rare: RareRecordFacts.Box?

    private mutating func updateRare(_ change: (inout RareRecordFacts) -> Void) {
        var facts = rare?.facts ?? RareRecordFacts()
        change(&facts)
        rare = facts.isEmpty ? nil : RareRecordFacts.Box(facts)
    }

    public init(seq: Int, timestamp: Timestamp, connection: Int, direction: Direction, event: Event) {
        self.seq = seq
        self.timestamp = timestamp
        self.connection = connection
        self.direction = direction
        self.event = event
    }

    /// The `kind` of a proxy lifecycle record: `connect`, `tls`, `close`, `note`.
    public static func proxyKind(_ event: Event) -> String? {
        switch event {
        case .connect: return "connect"
        case .tlsEstablished: return "tls"
        case .close: return "close"
        case .proxyNote: return "note"
        default: return nil
        }
    }

    /// Whether this is an iq get or set.
    public var isRequest: Bool { event == .stanza && kind == "iq" && (type == "get" || type == "set") }
    /// Whether this is an iq result or error.
    public var isResponse: Bool { event == .stanza && kind == "iq" && (type == "result" || type == "error") }
}
