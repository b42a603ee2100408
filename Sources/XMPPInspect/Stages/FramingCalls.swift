import XMPPBase
import XMPPCore
import XMPPCapture
import XMPPTransport

/// The calls an ``Inspector`` received for its framing stage, in order, with the bytes they
/// carried copied into one buffer: recorded on the thread that reads and reassembles, made again
/// on the framing thread (``replay(into:)``).
struct FramingCalls: Sendable {
    /// One call; `received` and `raw` name their bytes by their range in ``bytes``.
    enum Call: Sendable {
        case opened(TCPConnectionInfo)
        /// `checked`: the bytes are valid XML text (``XMLFramer/isValidXMLText(_:)``), found so
        /// on the reading thread, so the framer need not check them.
        case received(connection: Int, range: Range<Int>, direction: Direction, time: Timestamp, checked: Bool)
        case missing(connection: Int, count: Int, direction: Direction, time: Timestamp)
        case closed(connection: Int, reason: TCPCloseReason, time: Timestamp)
        /// Raw stream text (``Inspector/feedRaw(_:direction:at:)``).
        case raw(range: Range<Int>, direction: Direction?, time: Timestamp)
        /// Something the proxy saw of a connection itself (``Inspector/connection(_:proxyEvent:_:direction:at:)``).
        case proxy(connection: Int, event: Record.Event, info: ProxyInfo, direction: Direction, time: Timestamp)
        /// The reading thread found a connection to be direct TLS (``ReadingFront``). `upstream`:
        /// it decrypts its TLS bytes, which do not follow as `received` calls; its decoder's events
        /// do, as `tls`. Otherwise the framing stage decrypts it.
        case directTLS(connection: Int, knownXMPP: Bool, upstream: Bool)
        /// What the reading thread's decoder said (``tlsEvents`` at `index`), at the connection's `time`.
        case tls(connection: Int, index: Int, time: Timestamp)
        /// The reading thread found a plaintext connection to begin with an HTTP request
        /// (``ReadingFront``). `upstream`: it decodes its web layer, and the connection's bytes do
        /// not follow as `received` or `missing` calls; its decoder's events do, as `webEvent`.
        /// Otherwise the framing stage decodes it, from what it held.
        case web(connection: Int, upstream: Bool)
        /// What the reading thread's web decoder said (``webEvents`` at `index`), at the connection's `time`.
        case webEvent(connection: Int, index: Int, time: Timestamp)
    }

    private(set) var calls: [Call] = []
    /// Every received byte of ``calls``, one after the other.
    private(set) var bytes: [UInt8] = []
    /// The events of the `tls` calls, in order (kept apart: a call stays as small as the others).
    private(set) var tlsEvents: [TLSEvent] = []
    /// Plaintext bytes the events carry.
    private var tlsPlaintextBytes = 0
    /// The events of the `webEvent` calls, in order.
    private(set) var webEvents: [WebEvent] = []
    /// Bytes of bodies and messages the web events carry.
    private var webPayloadBytes = 0

    /// The TLS or web events a batch makes room for when it records its first: a batch of
    /// ``FramingThreadFeeder``'s 64 KiB holds about 160 records' plaintext (the benchmark's
    /// direct-TLS capture), so it grows at most once from here.
    static let eventsReserved = 128

    /// Room for `calls` calls carrying `bytes` bytes (a batch kept within them does not grow).
    init(reservingCalls calls: Int, bytes: Int) {
        self.calls.reserveCapacity(calls)
        self.bytes.reserveCapacity(bytes)
    }

    var isEmpty: Bool { calls.isEmpty }
    /// Calls recorded.
    var count: Int { calls.count }
    /// Bytes the calls carry, decrypted and decoded ones included.
    var byteCount: Int { bytes.count + tlsPlaintextBytes + webPayloadBytes }

    /// Records a call that carries no bytes.
    mutating func append(_ call: Call) {
        calls.append(call)
    }

    /// Records a `received` call, copying `received` (valid only during the delegate's call) and
    /// checking its characters here, on the reading thread, rather than on the framing thread.
    mutating func appendReceived(_ received: UnsafeRawBufferPointer, connection: Int, direction: Direction, time: Timestamp) {
        calls.append(.received(connection: connection, range: copy(received), direction: direction, time: time,
                               checked: XMLFramer.isValidXMLText(received)))
    }

    /// Records what the reading thread's TLS decoder said of `connection`.
    mutating func appendTLS(_ event: TLSEvent, connection: Int, time: Timestamp) {
        if case .plaintext(_, let plaintext) = event { tlsPlaintextBytes += plaintext.count }
        // Room for a batch's worth at the first: grown one by one, the list's regrowth was called
        // 4,268 times in the 264 batches of a direct-TLS replay (callgrind).
        if tlsEvents.isEmpty { tlsEvents.reserveCapacity(Self.eventsReserved) }
        calls.append(.tls(connection: connection, index: tlsEvents.count, time: time))
        tlsEvents.append(event)
    }

    /// Records what the reading thread's web decoder said of `connection`.
    mutating func appendWeb(_ event: WebEvent, connection: Int, time: Timestamp) {
        switch event {
        case .request(_, let body), .response(_, let body): webPayloadBytes += body.count
        case .webSocketMessage(let message): webPayloadBytes += message.payload.count
        case .webSocketOpened, .webSocketControl, .problem: break
        }
        if webEvents.isEmpty { webEvents.reserveCapacity(Self.eventsReserved) }
        calls.append(.webEvent(connection: connection, index: webEvents.count, time: time))
        webEvents.append(event)
    }

    /// Records raw stream text, copying it.
    mutating func appendRaw(_ text: UnsafeRawBufferPointer, direction: Direction?, time: Timestamp) {
        calls.append(.raw(range: copy(text), direction: direction, time: time))
    }

    private mutating func copy(_ received: UnsafeRawBufferPointer) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: received)
        return start..<bytes.count
    }

    /// Makes every call again on `framing`, in order.
    func replay(into framing: FramingStage) {
        bytes.withUnsafeBytes { buffer in
            for call in calls {
                switch call {
                case .opened(let info):
                    framing.connectionOpened(info)
                case .received(let connection, let range, let direction, let time, let checked):
                    framing.connection(connection, received: UnsafeRawBufferPointer(rebasing: buffer[range]), direction: direction,
                                       at: time, checked: checked)
                case .missing(let connection, let count, let direction, let time):
                    framing.connection(connection, missing: count, direction: direction, at: time)
                case .closed(let connection, let reason, let time):
                    framing.connectionClosed(connection, reason: reason, at: time)
                case .raw(let range, let direction, let time):
                    framing.feedRaw(UnsafeRawBufferPointer(rebasing: buffer[range]), direction: direction, at: time)
                case .proxy(let connection, let event, let info, let direction, let time):
                    framing.proxyEvent(connection, event, info, direction: direction, at: time)
                case .directTLS(let connection, let knownXMPP, let upstream):
                    framing.directTLSDecided(connection, knownXMPP: knownXMPP, upstream: upstream)
                case .tls(let connection, let index, let time):
                    framing.upstreamTLS(connection, tlsEvents[index], at: time)
                case .web(let connection, let upstream):
                    framing.webDecided(connection, upstream: upstream)
                case .webEvent(let connection, let index, let time):
                    framing.upstreamWeb(connection, webEvents[index], at: time)
                }
            }
        }
    }
}
