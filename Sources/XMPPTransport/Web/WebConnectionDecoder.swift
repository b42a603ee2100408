#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import XMPPBase

/// One TCP connection's HTTP/1.1 and WebSocket layers, read passively: the bytes of each direction
/// in (in order, decrypted if they were TLS), ``WebEvent``s out. Requests and responses are paired
/// by order (keep-alive, pipelining); after a `101` to a WebSocket upgrade both directions carry
/// frames. No I/O, no threads; fed from one place.
///
/// HTTP is read by NIOHTTP1's decoder (``HTTPMessageReader``), frames by NIOWebSocket's
/// (``WebSocketFrameReader``), compressed messages inflated by zlib (``ZlibInflater``). Offsets
/// are positions in the direction's whole byte stream, HTTP included.
public final class WebConnectionDecoder {
    public let limits: WebLimits

    /// What a direction's bytes are read as.
    private enum Mode {
        case http
        /// c2s after an upgrade request: its bytes are held until the server answers it.
        case awaitingUpgradeAnswer
        /// s2c after a `101` sent while the upgrade request's body was still coming: the server's
        /// bytes (WebSocket frames) are held until the request ends.
        case awaitingUpgradeRequestEnd
        case webSocket
        /// After a syntax error, a gap, or a switch to a protocol not read here: bytes are counted only.
        case stopped
    }

    /// What the end of a response changes, done once the response reader has returned.
    private enum Switch {
        case openWebSocket(WebSocketHandshake)
        /// A `101` to a WebSocket upgrade whose request has not ended: the server's next bytes wait for it.
        case awaitUpgradeRequestEnd
        /// A `101` to another protocol whose request has not ended: the server's side is not read further.
        case stopServer
        case resumeRequests
        case stopBoth
    }

    private var modes: [Direction: Mode] = [.c2s: .http, .s2c: .http]
    /// Bytes of each direction fed so far, gaps included.
    private var fed: [Direction: Int] = [.c2s: 0, .s2c: 0]
    private var requestReader: HTTPMessageReader
    private let responseReader: HTTPMessageReader
    private var request: HTTPMessageInProgress?
    private var response: HTTPMessageInProgress?
    private var nextRequestIndex = 0
    /// Requests not answered yet, in order.
    private var unanswered: [Int] = []
    private var unansweredHead = 0
    private var facts: [Int: HTTPExchangeFacts] = [:]
    /// The upgrade request waiting for its answer, and the client's bytes sent after it.
    private var upgradeRequest: Int?
    private var held: [UInt8] = []
    /// The server's bytes sent after a `101` that came before its upgrade request ended.
    private var heldFromServer: [UInt8] = []
    /// What went wrong in the server's direction while such a `101` waited (a gap, too many bytes
    /// held): said after the `101`, where it happened.
    private var problemAfterHeldSwitch: WebProblem?
    private var pendingSwitch: Switch?
    /// A response that ended before its request did (an early 400 or 413 while the client was
    /// still sending, or a `101`): said once the request is, which decides whether it carries XMPP;
    /// after a `101` the switch follows.
    private var earlyAnswer: (message: HTTPMessageInProgress, offset: Int, wireBytes: Int, exchange: HTTPExchangeFacts)?
    private var frameReaders: [Direction: WebSocketFrameReader] = [:]
    private var assemblers: [Direction: WebSocketMessageAssembler] = [:]

    private static let boshNamespace = Array("http://jabber.org/protocol/httpbind".utf8)

    public init(limits: WebLimits = .default) {
        self.limits = limits
        requestReader = HTTPMessageReader(kind: .requests, limits: limits)
        responseReader = HTTPMessageReader(kind: .responses, limits: limits)
    }

    /// The next bytes of one direction.
    public func feed(_ direction: Direction, _ bytes: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        guard !bytes.isEmpty else { return }
        let start = fed[direction]!
        fed[direction] = start + bytes.count
        switch modes[direction]! {
        case .stopped:
            return
        case .webSocket:
            feedFrames(direction, bytes, emit: emit)
        case .awaitingUpgradeAnswer:
            hold(bytes, emit: emit)
        case .awaitingUpgradeRequestEnd:
            holdFromServer(bytes, emit: emit)
        case .http:
            if direction == .c2s {
                let used = requestReader.feed(bytes) { requestEvent($0, emit: emit) }
                if used < bytes.count && modes[.c2s] == .awaitingUpgradeAnswer {
                    hold(UnsafeRawBufferPointer(rebasing: bytes[used...]), emit: emit)
                }
                // An upgrade request the server had refused before it ended: requests go on.
                applyPendingSwitches(emit: emit)
            } else {
                let used = responseReader.feed(bytes) { responseEvent($0, emit: emit) }
                applySwitch(rest: UnsafeRawBufferPointer(rebasing: bytes[used...]), emit: emit)
            }
        }
    }

    /// `missing` bytes of one direction were never seen.
    public func gap(_ direction: Direction, missing: Int, emit: (WebEvent) -> Void) {
        let at = fed[direction]!
        fed[direction] = at + missing
        guard modes[direction] != .stopped else { return }
        let waitsForRequestEnd = modes[direction] == .awaitingUpgradeRequestEnd
        stop(direction, emit: emit)
        let problem = WebProblem(kind: .lostToGap(missing: missing), offset: at)
        if waitsForRequestEnd { problemAfterHeldSwitch = problem } else { emit(.problem(direction, problem)) }
    }

    /// The connection ended: reports what was left unfinished.
    public func finish(emit: (WebEvent) -> Void) {
        for direction in [Direction.c2s, .s2c] {
            switch modes[direction]! {
            case .http:
                let reader = direction == .c2s ? requestReader : responseReader
                reader.finish { direction == .c2s ? requestEvent($0, emit: emit) : responseEvent($0, emit: emit) }
                // A request that ended only now may have a switch to make (a 101 that came early).
                if direction == .c2s { applyPendingSwitches(emit: emit) }
                if let start = reader.messageStart, modes[direction] == .http {
                    let what = direction == .c2s ? "an HTTP request" : "an HTTP response"
                    truncated("\(what) (begun at byte \(start))", direction, at: start, emit: emit)
                }
            case .webSocket:
                if let reader = frameReaders[direction], reader.isInsideFrame {
                    truncated("a WebSocket frame", direction, at: reader.position, emit: emit)
                }
                if let assembler = assemblers[direction], assembler.hasOpenMessage {
                    truncated("a fragmented WebSocket message", direction, at: fed[direction]!, emit: emit)
                }
            case .awaitingUpgradeAnswer:
                if !held.isEmpty {
                    truncated("the wait for the answer to the upgrade request (\(held.count) bytes sent after it not decoded)",
                              direction, at: fed[.c2s]! - held.count, emit: emit)
                }
            case .awaitingUpgradeRequestEnd:
                // Said already: the client's direction is finished (and stopped) first.
                break
            case .stopped:
                break
            }
            stop(direction, emit: emit)
        }
    }

    /// Whether a connection's first client bytes begin an HTTP/1.x request (a method, a target,
    /// `HTTP/1.`, CR LF): nil while too few bytes are in to say (at most 8 KB are looked at).
    public static func startsHTTPRequest(_ bytes: [UInt8]) -> Bool? {
        HTTPRequestLineSniffer.startsRequest(bytes)
    }

    // MARK: HTTP

    private func requestEvent(_ event: HTTPReaderEvent, emit: (WebEvent) -> Void) -> Bool {
        switch event {
        case .head(let head, let offset):
            let index = nextRequestIndex
            nextRequestIndex += 1
            request = HTTPMessageInProgress(head: head, offset: offset, index: index, keepsBody: true)
            facts[index] = HTTPExchangeFacts(head: head)
            unanswered.append(index)
            responseReader.expectResponse(method: head.method)
        case .body(let buffer):
            buffer.withUnsafeReadableBytes { request?.appendBody($0, limit: limits.maxBodyBytes) }
        case .end(let offset, let wireBytes):
            guard let done = request, let index = done.index else { return true }
            request = nil
            // The facts are gone when the server answered before the request ended (an early
            // 400 or 413): that answer was paired with it and waits to be said after it.
            let answered = facts[index] == nil
            let offers = (facts[index] ?? HTTPExchangeFacts(head: done.head)).offersXMPP
            let carries = offers || Self.containsBOSHNamespace(done.body)
            facts[index]?.carriesXMPP = carries
            let body = bodyToEmit(done, carriesXMPP: carries, direction: .c2s, emit: emit)
            emit(.request(HTTPRequestInfo(index: index, method: done.head.method, target: done.head.target,
                                          version: done.head.version, headers: done.head.headers,
                                          bodyLength: done.bodyLength, offset: offset, wireBytes: wireBytes,
                                          carriesXMPP: carries), body: body))
            var switched = false
            if let early = earlyAnswer, early.message.index == index {
                earlyAnswer = nil
                emitResponse(early.message, offset: early.offset, wireBytes: early.wireBytes, carriesXMPP: carries, emit: emit)
                sayProblemAfterHeldSwitch(emit: emit)
                if early.message.head.status == 101 {
                    // Switched while the body was coming: now that the request has ended.
                    pendingSwitch = switchAfter(early.message, exchange: early.exchange, index: index,
                                                at: early.offset + early.wireBytes, emit: emit)
                    switched = true
                }
            }
            if done.head.asksForUpgrade || switched {
                // NIOHTTP1 reads no further; what follows waits for the server's answer, or,
                // refused already, goes on as requests, or switches as answered already.
                modes[.c2s] = .awaitingUpgradeAnswer
                upgradeRequest = index
                if answered && !switched { pendingSwitch = .resumeRequests }
                return false
            }
        case .failed(let message, let offset):
            stop(.c2s, emit: emit)
            emit(.problem(.c2s, WebProblem(kind: .httpSyntax(message), offset: offset)))
        }
        return true
    }

    private func responseEvent(_ event: HTTPReaderEvent, emit: (WebEvent) -> Void) -> Bool {
        switch event {
        case .head(let head, let offset):
            var index: Int?
            if unansweredHead < unanswered.count {
                index = unanswered[unansweredHead]
                unansweredHead += 1
                if unansweredHead > 64 && unansweredHead * 2 > unanswered.count {
                    unanswered.removeFirst(unansweredHead)
                    unansweredHead = 0
                }
            } else if modes[.c2s] != .stopped {
                emit(.problem(.s2c, WebProblem(kind: .responseWithoutRequest, offset: offset)))
            }
            let keeps = index.map { facts[$0]?.carriesXMPP ?? true } ?? false
            response = HTTPMessageInProgress(head: head, offset: offset, index: index, keepsBody: keeps)
        case .body(let buffer):
            buffer.withUnsafeReadableBytes { response?.appendBody($0, limit: limits.maxBodyBytes) }
        case .end(let offset, let wireBytes):
            guard let done = response else { return true }
            response = nil
            let exchange = done.index.flatMap { facts.removeValue(forKey: $0) }
            if let exchange, exchange.carriesXMPP == nil, let request, request.index == done.index {
                earlyAnswer = (done, offset, wireBytes, exchange)
                guard done.head.status == 101 else { return true }
                // Switched before the request ended: the request's end says the 101 and switches.
                pendingSwitch = exchange.isWebSocketUpgrade ? .awaitUpgradeRequestEnd : .stopServer
                return false
            }
            let carries = exchange.map { $0.carriesXMPP ?? ($0.offersXMPP || requestSoFarCarriesBOSH(done.index)) } ?? false
            emitResponse(done, offset: offset, wireBytes: wireBytes, carriesXMPP: carries, emit: emit)
            if done.head.status == 101 {
                if let exchange, exchange.carriesXMPP == nil {
                    // Its request was never said: the client's direction stopped inside it (a gap,
                    // a broken chunk). No handshake for a request not read; nothing more decoded.
                    emit(.problem(.s2c, WebProblem(kind: .truncated(
                        "the connection after a 101 to an upgrade request that was not read to its end (not decoded)"),
                        offset: offset + wireBytes)))
                    pendingSwitch = .stopBoth
                    return false
                }
                pendingSwitch = switchAfter(done, exchange: exchange, index: done.index, at: offset + wireBytes, emit: emit)
                return false
            }
            if let index = done.index, index == upgradeRequest {
                // The upgrade was refused: the client goes on with HTTP, read before the next response.
                pendingSwitch = .resumeRequests
                return false
            }
        case .failed(let message, let offset):
            stop(.s2c, emit: emit)
            emit(.problem(.s2c, WebProblem(kind: .httpSyntax(message), offset: offset)))
        }
        return true
    }

    private func emitResponse(_ done: HTTPMessageInProgress, offset: Int, wireBytes: Int, carriesXMPP: Bool, emit: (WebEvent) -> Void) {
        let body = bodyToEmit(done, carriesXMPP: carriesXMPP, direction: .s2c, emit: emit)
        emit(.response(HTTPResponseInfo(requestIndex: done.index, status: done.head.status, reason: done.head.reason,
                                        version: done.head.version, headers: done.head.headers,
                                        bodyLength: done.bodyLength, offset: offset, wireBytes: wireBytes,
                                        carriesXMPP: carriesXMPP), body: body))
    }

    /// What a `101` switches to once said: WebSocket after an upgrade asking for it, else nothing
    /// more is decoded (a problem at `at`, where the other protocol begins).
    private func switchAfter(_ done: HTTPMessageInProgress, exchange: HTTPExchangeFacts?, index: Int?, at: Int,
                             emit: (WebEvent) -> Void) -> Switch {
        if let exchange, let index, exchange.isWebSocketUpgrade {
            let extensions = done.head.headers.first(named: "Sec-WebSocket-Extensions")
            return .openWebSocket(WebSocketHandshake(
                requestIndex: index, offeredProtocols: exchange.offeredProtocols,
                agreedProtocol: done.head.headers.first(named: "Sec-WebSocket-Protocol")?.trimmingASCIIWhitespace(),
                extensions: extensions, deflate: extensions.flatMap { PerMessageDeflate(extensionsHeader: $0) }))
        }
        reportOtherProtocol(done, at: at, emit: emit)
        return .stopBoth
    }

    /// A `101` to a protocol not read here: nothing after `at` is decoded.
    private func reportOtherProtocol(_ done: HTTPMessageInProgress, at: Int, emit: (WebEvent) -> Void) {
        let to = done.head.headers.first(named: "Upgrade") ?? "an unnamed protocol"
        emit(.problem(.s2c, WebProblem(kind: .httpSyntax("switched to \(to), which is not WebSocket: the rest of the connection is not decoded"), offset: at)))
    }

    /// The early answer to a request that will not end now (its direction stopped, or the
    /// connection ended): said as it is, carrying XMPP if the request offered it or its body so
    /// far shows BOSH's namespace.
    private func sayEarlyAnswer(emit: (WebEvent) -> Void) {
        guard let early = earlyAnswer else { return }
        earlyAnswer = nil
        let carries = early.exchange.offersXMPP || requestSoFarCarriesBOSH(early.message.index)
        emitResponse(early.message, offset: early.offset, wireBytes: early.wireBytes, carriesXMPP: carries, emit: emit)
        sayProblemAfterHeldSwitch(emit: emit)
        guard early.message.head.status == 101 else { return }
        let switchedAt = early.offset + early.wireBytes
        if modes[.s2c] == .awaitingUpgradeRequestEnd {
            if fed[.s2c]! > switchedAt {
                truncated("a WebSocket connection whose upgrade request never ended (\(fed[.s2c]! - switchedAt) bytes the server sent after its 101 not decoded)",
                          .s2c, at: switchedAt, emit: emit)
            }
            stop(.s2c, emit: emit)
        } else if !early.exchange.isWebSocketUpgrade {
            reportOtherProtocol(early.message, at: switchedAt, emit: emit)
        }
    }

    private func sayProblemAfterHeldSwitch(emit: (WebEvent) -> Void) {
        guard let problem = problemAfterHeldSwitch else { return }
        problemAfterHeldSwitch = nil
        emit(.problem(.s2c, problem))
    }

    /// Whether the request still being read has shown BOSH's namespace so far.
    private func requestSoFarCarriesBOSH(_ index: Int?) -> Bool {
        guard let request, request.index == index else { return false }
        return Self.containsBOSHNamespace(request.body)
    }

    /// The body a finished message is emitted with: kept only when it carries XMPP and is within the limit.
    private func bodyToEmit(_ message: HTTPMessageInProgress, carriesXMPP: Bool, direction: Direction,
                            emit: (WebEvent) -> Void) -> [UInt8] {
        guard carriesXMPP else { return [] }
        guard message.bodyLength <= limits.maxBodyBytes else {
            emit(.problem(direction, WebProblem(kind: .bodyTooLarge(size: message.bodyLength, limit: limits.maxBodyBytes),
                                                offset: message.offset)))
            return []
        }
        return message.body
    }

    /// Carries out whatever switches the client's direction left pending (it has no server bytes to pass on).
    private func applyPendingSwitches(emit: (WebEvent) -> Void) {
        while pendingSwitch != nil { applySwitch(rest: UnsafeRawBufferPointer(start: nil, count: 0), emit: emit) }
    }

    /// Carries out what the end of a response decided; `rest` is what the server sent after it.
    private func applySwitch(rest: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        guard let change = pendingSwitch else { return }
        pendingSwitch = nil
        switch change {
        case .openWebSocket(let handshake):
            emit(.webSocketOpened(handshake))
            for direction in [Direction.c2s, .s2c] {
                let position = direction == .c2s ? fed[.c2s]! - held.count : fed[.s2c]! - rest.count - heldFromServer.count
                frameReaders[direction] = WebSocketFrameReader(direction: direction, position: position, limits: limits,
                                                               deflateAgreed: handshake.deflate != nil)
                assemblers[direction] = WebSocketMessageAssembler(direction: direction, limits: limits, deflate: handshake.deflate)
            }
            // In the order they came: the server's bytes held while its 101 waited for the
            // request's end (stopped already if that side had a gap), the client's held while its
            // request waited for the answer, then the server's after the answer.
            if modes[.s2c] != .stopped {
                modes[.s2c] = .webSocket
                let waiting = heldFromServer
                heldFromServer = []
                waiting.withUnsafeBytes { feedFrames(.s2c, $0, emit: emit) }
            }
            if modes[.c2s] != .stopped {
                modes[.c2s] = .webSocket
                let waiting = held
                held = []
                upgradeRequest = nil
                waiting.withUnsafeBytes { feedFrames(.c2s, $0, emit: emit) }
            }
            if modes[.s2c] == .webSocket && !rest.isEmpty { feedFrames(.s2c, rest, emit: emit) }
        case .awaitUpgradeRequestEnd:
            modes[.s2c] = .awaitingUpgradeRequestEnd
            if !rest.isEmpty { holdFromServer(rest, emit: emit) }
        case .stopServer:
            stop(.s2c, emit: emit)
        case .resumeRequests:
            upgradeRequest = nil
            if modes[.c2s] == .awaitingUpgradeAnswer {
                modes[.c2s] = .http
                let waiting = held
                held = []
                requestReader = HTTPMessageReader(kind: .requests, position: fed[.c2s]! - waiting.count, limits: limits)
                waiting.withUnsafeBytes { bytes in
                    let used = requestReader.feed(bytes) { requestEvent($0, emit: emit) }
                    if used < bytes.count && modes[.c2s] == .awaitingUpgradeAnswer {
                        held = Array(bytes[used...])
                    }
                }
            }
            if !rest.isEmpty {
                let used = responseReader.feed(rest) { responseEvent($0, emit: emit) }
                applySwitch(rest: UnsafeRawBufferPointer(rebasing: rest[used...]), emit: emit)
            }
        case .stopBoth:
            stop(.c2s, emit: emit)
            stop(.s2c, emit: emit)
        }
    }

    /// How many bytes one direction may hold while the other side of an upgrade is awaited.
    private var heldBytesBound: Int { limits.maxHeadBytes + limits.maxMessageBytes }

    /// Keeps the client's bytes sent after an upgrade request until the server answers it (bounded).
    private func hold(_ bytes: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        let bound = heldBytesBound
        guard held.count + bytes.count <= bound else {
            let at = fed[.c2s]! - bytes.count - held.count
            stop(.c2s, emit: emit)
            emit(.problem(.c2s, WebProblem(kind: .webSocketProtocol(
                "more than \(bound) bytes sent after the upgrade request before the server answered: not decoded"), offset: at)))
            return
        }
        held.append(contentsOf: bytes)
    }

    /// Keeps the server's bytes sent after a `101` that came before its upgrade request ended (bounded).
    private func holdFromServer(_ bytes: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        let bound = heldBytesBound
        guard heldFromServer.count + bytes.count <= bound else {
            let at = fed[.s2c]! - bytes.count - heldFromServer.count
            stop(.s2c, emit: emit)
            // Said after the 101, which is held until the request ends.
            problemAfterHeldSwitch = WebProblem(kind: .webSocketProtocol(
                "more than \(bound) bytes sent after the 101 before the upgrade request ended: not decoded"), offset: at)
            return
        }
        heldFromServer.append(contentsOf: bytes)
    }

    // MARK: WebSocket

    private func feedFrames(_ direction: Direction, _ bytes: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        guard let reader = frameReaders[direction], let assembler = assemblers[direction] else { return }
        reader.feed(bytes) { assembler.take($0, emit: emit) }
        if reader.failed { modes[direction] = .stopped }
    }

    // MARK: Helpers

    /// Reads nothing more of `direction`. An answer waiting for the client's request to end is said now.
    private func stop(_ direction: Direction, emit: (WebEvent) -> Void) {
        if direction == .c2s { sayEarlyAnswer(emit: emit) }
        modes[direction] = .stopped
        if direction == .c2s {
            request = nil
            held = []
        } else {
            response = nil
            heldFromServer = []
        }
    }

    private func truncated(_ what: String, _ direction: Direction, at offset: Int, emit: (WebEvent) -> Void) {
        emit(.problem(direction, WebProblem(kind: .truncated(what), offset: offset)))
    }

    /// Whether a body holds BOSH's namespace (a `<body xmlns='http://jabber.org/protocol/httpbind'>`).
    private static func containsBOSHNamespace(_ body: [UInt8]) -> Bool {
        guard body.count >= boshNamespace.count else { return false }
        return body.withUnsafeBytes { haystack in
            boshNamespace.withUnsafeBytes { needle in
                let base = haystack.baseAddress!
                var index = 0
                let last = haystack.count - needle.count
                while index <= last, let found = memchr(base + index, Int32(needle[0]), last - index + 1) {
                    index = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(base + index, needle.baseAddress!, needle.count) == 0 { return true }
                    index += 1
                }
                return false
            }
        }
    }
}
