import XMPPCore
public import XMPPCapture
public import XMPPBase
public import XMPPTransport

/// Turns the bytes of XMPP connections into ``Record``s: detects XMPP by content, frames each
/// direction, pairs iqs, decodes errors, redacts credentials, and follows STARTTLS.
///
/// Feed it from a ``TCPConnectionTracker`` (it is the tracker's delegate), or with raw stream text
/// through ``feedRaw(_:direction:at:)``. It works in two stages (``FramingStage``, then
/// ``RecordStage``); ``threaded(options:keyLog:output:)`` runs the second on a thread of its own,
/// ``pipelined(options:keyLog:output:)`` each on a thread of its own.
public final class Inspector: TCPStreamDelegate {
    public let options: InspectorOptions
    /// Where the stages run.
    private enum Stages {
        /// Framing on the calling thread; records there too, or (`records`) on a thread of their own.
        case framingHere(FramingStage, records: RecordBatcher?)
        /// Pipelined: what the framing stage is told, on its way to the framing thread, through
        /// the reading thread's front (``ReadingFront``: direct TLS decrypted, plaintext web decoded).
        case framingOnThread(ReadingFront, FramingThreadFeeder)
    }

    private let stages: Stages

    /// `sink` receives every record, in order, on the calling thread. With `keyLog`, TLS sessions
    /// whose secrets it holds are decrypted (see ``KeyLogFiles``).
    public init(options: InspectorOptions = InspectorOptions(), keyLog: (any TLSSecretLookup)? = nil,
                sink: @escaping (Record) -> Void) {
        self.options = options
        let records = RecordStage(options: options, sink: sink)
        stages = .framingHere(FramingStage(options: options, keyLog: keyLog) { records.consume($0) }, records: nil)
    }

    private init(options: InspectorOptions, keyLog: (any TLSSecretLookup)?, records: RecordBatcher) {
        self.options = options
        stages = .framingHere(FramingStage(options: options, keyLog: keyLog) { records.append($0) }, records: records)
    }

    private init(options: InspectorOptions, front: ReadingFront, framingThread: FramingThreadFeeder) {
        self.options = options
        stages = .framingOnThread(front, framingThread)
    }

    /// An inspector whose records are built and handed to `output` on a second thread, in order:
    /// framing and record building run on two cores. `output` belongs to that thread from now
    /// on. ``finishAll(at:)`` and ``finishRaw(at:)`` return once every record has reached it and
    /// its `finish` has run. Let go of unfinished (its input could not be read), its thread ends
    /// and `output`'s `finish` is not called.
    public static func threaded(options: InspectorOptions = InspectorOptions(), keyLog: sending (any TLSSecretLookup)? = nil,
                                output: consuming sending RecordOutput) -> sending Inspector {
        Inspector(options: options, keyLog: keyLog, records: RecordBatcher(options: options, output: output))
    }

    /// An inspector in three stages on three threads: the calling thread records what it is told
    /// (the reassembled bytes, copied), decrypts every other direct-TLS 1.3 session the key log
    /// names and decodes the HTTP and WebSocket layers of every plaintext web connection
    /// (``ReadingFront``), one thread frames (and decrypts the rest) and one builds
    /// records and hands them to `output`, in order. For a source read as fast as it can be (a
    /// file): what waits is handed on by the batch. `keyLog`: the secrets as read
    /// (``TLSSecretsSnapshot``), asked on the first two threads. ``finishAll(at:)`` and
    /// ``finishRaw(at:)`` return once every record has reached `output` and its `finish` has run;
    /// ``connections`` is known then. Let go of unfinished, its threads end and `output`'s
    /// `finish` is not called.
    public static func pipelined(options: InspectorOptions = InspectorOptions(), keyLog: (any TLSSecretLookup & Sendable)? = nil,
                                 output: consuming sending RecordOutput) -> sending Inspector {
        pipelined(options: options, keyLog: keyLog, output: output, batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16)
    }

    /// ``pipelined(options:keyLog:output:)`` with the framing thread's batches set (tests set them
    /// small, so batches end everywhere; see ``FramingThreadFeeder``), the share of direct TLS
    /// the reading thread decrypts and the share of plaintext web connections it decodes.
    static func pipelined(options: InspectorOptions, keyLog: (any TLSSecretLookup & Sendable)?, output: consuming sending RecordOutput,
                          batchCalls: Int, batchBytes: Int, queuedBatches: Int,
                          directTLSShare: ReadingFront.Share = .everyOther,
                          webShare: ReadingFront.Share = .threeInFour) -> sending Inspector {
        // Two threads ask it: what it answers must not depend on when.
        precondition(keyLog?.mayGrow != true, "a pipelined inspector's key log is read whole before the replay (a snapshot)")
        let front = ReadingFront(keyLog: keyLog, seesTLSRecords: !options.tlsTerminated, directTLSShare: directTLSShare,
                                 webShare: webShare, webLimits: options.webLimits)
        return Inspector(options: options, front: front, framingThread: FramingThreadFeeder(
            consumer: FramingThreadConsumer(options: options, keyLog: keyLog, output: output),
            batchCalls: batchCalls, batchBytes: batchBytes, queuedBatches: queuedBatches))
    }

    /// A pipelined inspector's reading-thread front (for tests).
    var readingFront: ReadingFront? {
        if case .framingOnThread(let front, _) = stages { front } else { nil }
    }

    /// Threaded: hands what was decoded so far to the record thread now, instead of when a batch
    /// is full (a live source calls it after each read, so records appear as they happen).
    /// Single-threaded: does nothing. Pipelined: hands what was read so far to the framing
    /// thread, which then hands what it framed to the records thread.
    public func handOverPending() {
        switch stages {
        case .framingHere(_, let records): records?.handOver()
        case .framingOnThread(_, let feeder): feeder.handOverAll()
        }
    }

    /// Calls `tap` with every byte TLS decryption recovers (connection, direction, bytes), on the
    /// framing thread, whether or not the connection turns out to be XMPP: `xmppscope follow`.
    /// Not for a pipelined inspector (its framing stage is on another thread).
    public func tapTLSPlaintext(_ tap: @escaping (Int, Direction, [UInt8]) -> Void) {
        guard case .framingHere(let framing, _) = stages else { preconditionFailure("a pipelined inspector has no TLS plaintext tap") }
        framing.plaintextTap = tap
    }

    /// Every connection seen, XMPP or not, in order of creation. Pipelined: known once
    /// ``finishAll(at:)`` or ``finishRaw(at:)`` has returned.
    public var connections: [ConnectionDescription] {
        switch stages {
        case .framingHere(let framing, _):
            return framing.connections
        case .framingOnThread(_, let feeder):
            guard let connections = feeder.connections else {
                preconditionFailure("a pipelined inspector knows its connections once it is finished")
            }
            return connections
        }
    }

    // MARK: TCPStreamDelegate

    public func connectionOpened(_ connection: TCPConnectionInfo) {
        switch stages {
        case .framingHere(let framing, _): framing.connectionOpened(connection)
        case .framingOnThread(let front, let feeder): front.opened(connection, into: feeder)
        }
    }

    public func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, _): framing.connection(id, received: bytes, direction: direction, at: time)
        case .framingOnThread(let front, let feeder): front.received(bytes, connection: id, direction: direction, time: time, into: feeder)
        }
    }

    public func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, _): framing.connection(id, missing: count, direction: direction, at: time)
        case .framingOnThread(let front, let feeder): front.missing(count, connection: id, direction: direction, time: time, into: feeder)
        }
    }

    public func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, _): framing.connectionClosed(id, reason: reason, at: time)
        case .framingOnThread(let front, let feeder): front.closed(id, reason: reason, time: time, into: feeder)
        }
    }

    /// Records something the proxy saw of connection `id` itself (``Record/Event/isProxyLifecycle``):
    /// it gets the next seq, in order with the connection's decoded records.
    public func connection(_ id: Int, proxyEvent event: Record.Event, _ info: ProxyInfo, direction: Direction, at time: Timestamp) {
        precondition(event.isProxyLifecycle, "not a proxy lifecycle event: \(event)")
        switch stages {
        case .framingHere(let framing, _): framing.proxyEvent(id, event, info, direction: direction, at: time)
        case .framingOnThread(_, let feeder): feeder.append(.proxy(connection: id, event: event, info: info, direction: direction, time: time))
        }
    }

    /// The capture ended: closes every connection still open (and, threaded or pipelined, waits
    /// for the records).
    public func finishAll(at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, let records):
            framing.finishAll(at: time)
            records?.close(connections: framing.connections)
        case .framingOnThread(let front, let feeder):
            front.closeAll(at: time, into: feeder)
            feeder.finish(.finishAll(time))
        }
    }

    // MARK: Raw stream text

    /// Feeds raw XMPP stream text as connection 0. With a `direction`, the text is one side of
    /// a conversation (iqs pair across directions, with round trips). Without one it is an XML
    /// console dump or a file of stanzas holding both sides: it is shown as `c2s`, iqs pair by id
    /// and address within it, and no round trip is reported (the text has no timing).
    public func feedRaw(_ bytes: UnsafeRawBufferPointer, direction: Direction? = nil, at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, _): framing.feedRaw(bytes, direction: direction, at: time)
        case .framingOnThread(_, let feeder): feeder.appendRaw(bytes, direction: direction, time: time)
        }
    }

    /// The raw stream ended (and, threaded or pipelined, every record was handed on).
    public func finishRaw(at time: Timestamp) {
        switch stages {
        case .framingHere(let framing, let records):
            framing.finishRaw(at: time)
            // Threaded: the connections go after the last event; this waits for the records thread.
            records?.close(connections: framing.connections)
        case .framingOnThread(_, let feeder):
            feeder.finish(.finishRaw(time))
        }
    }
}
