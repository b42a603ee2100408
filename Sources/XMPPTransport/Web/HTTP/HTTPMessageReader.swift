#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import NIOCore
internal import NIOHTTP1

/// One direction's HTTP/1.x messages, read by NIOHTTP1's decoder (llhttp).
///
/// The decoder needs a channel handler context to fire its parts from: an `EmbeddedChannel` holds
/// a ``DecoderSeat`` whose context the reader hands the decoder, and an ``InboundPartCollector``
/// that keeps the parts. The reader calls the decoder itself rather than writing through the
/// pipeline, as ``WebSocketFrameReader`` does.
///
/// NIO does not say where in the bytes a message ends, so the reader feeds its decoder in pieces
/// cut so that every message end falls on the end of a piece: after each empty line (a head and
/// a chunked body end with one), and a `Content-Length` body as one piece of exactly its size.
/// The message then began at the first byte after the previous end that is not CR or LF.
final class HTTPMessageReader {
    /// Which side's messages it reads.
    enum Kind {
        case requests
        case responses
    }

    let kind: Kind
    private let limits: WebLimits
    /// Made at the first use: an `EmbeddedChannel` must be used on the thread that made it, and
    /// a decoder may be made on one thread and fed on another.
    private var madeDecoder: HTTPDecoderSeat?
    /// Bytes given to the decoder and not used by it yet (none, but for a message it stopped at);
    /// emptied once the parts cut from it are handed on.
    private var pending = ByteBuffer()
    /// Bytes of the direction fed so far (the position of the next byte).
    private(set) var position: Int
    /// Where the message being read began; nil between messages.
    private(set) var messageStart: Int?
    /// Body bytes left of a `Content-Length` body.
    private var bodyRemaining: Int?
    /// Whether the line being read (since the last line feed) has a byte other than CR.
    private var lineHasContent = false
    /// Request heads the response decoder knows of and has not answered yet.
    private var pendingRequests = 0
    /// NIOHTTP1 rejected the bytes: nothing more is read.
    private(set) var failed = false

    /// A reader whose first byte is at `position` of the direction's stream.
    init(kind: Kind, position: Int = 0, limits: WebLimits) {
        self.kind = kind
        self.position = position
        self.limits = limits
    }

    /// NIOHTTP1's decoder in its channel.
    private var decoder: HTTPDecoderSeat {
        if let madeDecoder { return madeDecoder }
        var configuration = NIOHTTPDecoderLimitConfiguration()
        configuration.maxHeaderFieldSize = limits.maxHeadBytes
        configuration.maxHeaderListSize = limits.maxHeadBytes
        let made = HTTPDecoderSeat(kind: kind, configuration: configuration)
        madeDecoder = made
        if made.seat == nil { failed = true }
        return made
    }

    /// Response reader: a request with this method was sent (NIOHTTP1 needs it to know whether
    /// a response has a body: none after `HEAD`).
    func expectResponse(method: String) {
        guard kind == .responses, !failed else { return }
        decoder.expect(HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/"))
        pendingRequests += 1
    }

    /// Reads `bytes` until they end or `handler` returns false after a message's end (the
    /// caller switches protocols there); returns how many bytes were read.
    func feed(_ bytes: UnsafeRawBufferPointer, handler: (HTTPReaderEvent) -> Bool) -> Int {
        guard !failed, bytes.baseAddress != nil, !bytes.isEmpty else { return 0 }
        let decoder = self.decoder
        guard !failed else { return 0 }
        var index = 0
        while index < bytes.count {
            let pieceEnd: Int
            if let remaining = bodyRemaining {
                pieceEnd = index + min(remaining, bytes.count - index)
            } else {
                pieceEnd = endOfEmptyLine(in: bytes, from: index) ?? bytes.count
            }
            if messageStart == nil {
                var first = index
                while first < pieceEnd && (bytes[first] == 0x0D || bytes[first] == 0x0A) { first += 1 }
                if first < pieceEnd {
                    messageStart = position + first - index
                    if kind == .responses && pendingRequests == 0 {
                        // A response without a request: NIOHTTP1 would refuse it; let it read one to a GET.
                        expectResponse(method: "GET")
                    }
                }
            }
            let length = pieceEnd - index
            pending.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[index..<pieceEnd]))
            var thrown: (any Error)?
            do {
                try decoder.decode(&pending)
            } catch {
                thrown = error
            }
            position += length
            index = pieceEnd
            if let remaining = bodyRemaining {
                // Nil at 0: should llhttp ever end a body elsewhere, pieces are cut at empty lines again.
                bodyRemaining = remaining > length ? remaining - length : nil
            }
            let goOn = drain(handler: handler)
            // The parts handed on are gone: emptying the buffer copies nothing now.
            pending.reclaim(keepingAtMost: Self.largestKeptBuffer)
            if !goOn { return index }
            if let thrown {
                failed = true
                _ = handler(.failed(Self.describe(thrown), offset: messageStart ?? position - length))
                return bytes.count
            }
            if failed { return bytes.count }
        }
        return index
    }

    /// Where the first empty line from `start` ends (after its line feed), or nil when none ends in
    /// `bytes`. The line being read may have begun in an earlier feed.
    private func endOfEmptyLine(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = start
        while index < bytes.count {
            let lineFeed = memchr(base + index, 0x0A, bytes.count - index).map { base.distance(to: UnsafeRawPointer($0)) }
            let lineEnd = lineFeed ?? bytes.count
            if !lineHasContent {
                lineHasContent = bytes[index..<lineEnd].contains { $0 != 0x0D }
            }
            guard let lineFeed else { return nil }
            let empty = !lineHasContent
            lineHasContent = false
            if empty { return lineFeed + 1 }
            index = lineFeed + 1
        }
        return nil
    }

    /// The connection ended: a message read to the end of the connection (a response without
    /// length) ends here; one cut short stays open (``messageStart`` not nil).
    func finish(handler: (HTTPReaderEvent) -> Bool) {
        guard !failed, messageStart != nil else { return }
        do {
            try decoder.decodeLast(&pending)
        } catch {
            failed = true
        }
        _ = drain(handler: handler)
    }

    /// Hands on what the decoder produced; false when the handler asked to stop.
    private func drain(handler: (HTTPReaderEvent) -> Bool) -> Bool {
        while true {
            let event: HTTPReaderEvent?
            switch kind {
            case .requests:
                guard let part = decoder.nextRequestPart() else { return true }
                switch part {
                case .head(let head): event = started(Self.head(of: head))
                case .body(let body): event = .body(body)
                case .end: event = ended()
                }
            case .responses:
                guard let part = decoder.nextResponsePart() else { return true }
                switch part {
                case .head(let head):
                    let status = Int(head.status.code)
                    if status >= 100 && status < 200 && status != 101 {
                        // Informational (100 Continue): no end follows; the final response comes next.
                        messageStart = nil
                        event = nil
                    } else {
                        pendingRequests -= 1
                        event = started(Self.head(of: head))
                    }
                case .body(let body): event = .body(body)
                case .end: event = ended()
                }
            }
            if let event, !handler(event) { return false }
        }
    }

    private func started(_ head: HTTPMessageHead) -> HTTPReaderEvent {
        bodyRemaining = head.contentLength.flatMap { $0 > 0 ? $0 : nil }
        return .head(head, offset: messageStart ?? position)
    }

    private func ended() -> HTTPReaderEvent {
        let start = messageStart ?? position
        messageStart = nil
        bodyRemaining = nil
        lineHasContent = false
        return .end(offset: start, wireBytes: position - start)
    }

    private static func head(of head: HTTPRequestHead) -> HTTPMessageHead {
        HTTPMessageHead(method: head.method.rawValue, target: head.uri, status: 0, reason: "",
                        version: "HTTP/\(head.version.major).\(head.version.minor)",
                        headers: head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) })
    }

    private static func head(of head: HTTPResponseHead) -> HTTPMessageHead {
        HTTPMessageHead(method: "", target: "", status: Int(head.status.code), reason: head.status.reasonPhrase,
                        version: "HTTP/\(head.version.major).\(head.version.minor)",
                        headers: head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) })
    }

    /// The most bytes the pending buffer keeps between messages.
    private static let largestKeptBuffer = 64 * 1024

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPParserError { return "\(error)" }
        if let error = error as? NIOHTTPDecoderError { return "\(error)" }
        return "\(error)"
    }
}
