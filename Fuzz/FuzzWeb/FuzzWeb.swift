import FuzzSupport
import XMPPBase
import XMPPTransport

/// libFuzzer target for ``WebConnectionDecoder``: one connection's two byte streams, fed in pieces
/// and an interleaving the input chooses.
///
/// Input: four chunk-size bytes (``ChunkPlan``), a byte of flags (bit 0: small limits, so that
/// the limits are reached; bit 1: one piece of the server's bytes is a gap; bit 2: the server's
/// pieces go first), then two parts each behind a 2-byte little-endian length: the client's
/// bytes, the server's bytes. Pieces of the two go alternately.
///
/// Besides crashes and memory (libFuzzer's -rss_limit_mb) it checks that no kept body or message
/// is over its limit, that offsets lie within what the direction was fed, that a direction
/// reports a gap at most once, and that requests are numbered in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeb(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count: count)
    var plan = ChunkPlan(from: &input, count: 4)
    let flags = input.byte()
    let streams = [input.take(Int(input.uint16())), input.take(Int(input.uint16()))]
    let limits = flags & 1 == 1 ? WebLimits(maxHeadBytes: 256, maxBodyBytes: 64, maxMessageBytes: 64) : .default
    let decoder = WebConnectionDecoder(limits: limits)

    var fed = [0, 0]
    var gaps = [0, 0]
    var nextRequest = 0
    let emit: (WebEvent) -> Void = { event in
        switch event {
        case .request(let info, let body):
            precondition(info.index == nextRequest, "request \(info.index), expected \(nextRequest)")
            nextRequest += 1
            precondition(body.count <= limits.maxBodyBytes && body.count <= info.bodyLength, "a request body of \(body.count)")
            precondition(info.offset >= 0 && info.offset + info.wireBytes <= fed[0], "a request beyond the bytes fed")
        case .response(let info, let body):
            precondition(body.count <= limits.maxBodyBytes && body.count <= info.bodyLength, "a response body of \(body.count)")
            precondition(info.offset >= 0 && info.offset + info.wireBytes <= fed[1], "a response beyond the bytes fed")
        case .webSocketOpened(let handshake):
            precondition(handshake.requestIndex < nextRequest, "a handshake for a request not seen")
        case .webSocketMessage(let message):
            let d = message.direction == .c2s ? 0 : 1
            precondition(message.payload.count <= limits.maxMessageBytes, "a message of \(message.payload.count)")
            precondition(message.frames >= 1 && message.offset + message.wireBytes <= fed[d], "a message beyond the bytes fed")
        case .webSocketControl(let direction, let control, let offset):
            precondition(offset < fed[direction == .c2s ? 0 : 1], "a control frame beyond the bytes fed")
            _ = control
        case .problem(let direction, let problem):
            let d = direction == .c2s ? 0 : 1
            precondition(problem.offset >= 0 && problem.offset <= fed[d], "a problem at \(problem.offset) of \(fed[d])")
            if case .lostToGap = problem.kind { gaps[d] += 1 }
            precondition(gaps[d] <= 1, "a gap reported twice")
            _ = problem.description
        }
    }

    let pieces = [plan.split(streams[0]), plan.split(streams[1])]
    let order = flags & 4 == 4 ? [1, 0] : [0, 1]
    var next = [0, 0]
    while next[0] < pieces[0].count || next[1] < pieces[1].count {
        for d in order where next[d] < pieces[d].count {
            let piece = pieces[d][next[d]]
            let direction: Direction = d == 0 ? .c2s : .s2c
            fed[d] += piece.count
            if flags & 2 == 2 && d == 1 && next[d] == 1 {
                decoder.gap(direction, missing: piece.count, emit: emit)
            } else {
                piece.withUnsafeBytes { decoder.feed(direction, $0, emit: emit) }
            }
            next[d] += 1
        }
    }
    decoder.finish(emit: emit)
    return 0
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzWeb_main")
public func fuzzWebMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzWeb)
}
