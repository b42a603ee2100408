import FuzzSupport
import XMPPBase
import XMPPTransport

/// libFuzzer target for ``TLSConnectionDecoder``: one connection's two byte streams and a key log,
/// fed in pieces and an interleaving the input chooses.
///
/// Input: four chunk-size bytes (``ChunkPlan``), a byte of flags (bit 0: the key log "grows" —
/// it answers nothing for the first few asks, their number in bits 4–7; bit 1: a TLS 1.2 session
/// cache; bit 2: one piece of the server's last segment is a gap), two 2-byte little-endian
/// lengths h and g, then three parts each behind a 2-byte little-endian length: the key log text,
/// the client's bytes, the server's bytes. The streams are fed as a capture sees them: the
/// client's first h bytes, the server's first g, the rest of the client's, the rest of the
/// server's (TLS 1.3: h = the ClientHello, g = everything; TLS 1.2: g = up to ChangeCipherSpec),
/// each segment in the plan's pieces.
///
/// Besides crashes and memory (libFuzzer's -rss_limit_mb) it checks that the session's facts are
/// reported at most once (exactly once after `finish`), that no direction yields more plaintext
/// than bytes were fed to it, and that a gap loses at least one record when it says so.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLS(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count: count)
    var plan = ChunkPlan(from: &input, count: 4)
    let flags = input.byte()
    let heads = [Int(input.uint16()), Int(input.uint16())]
    let keyLog = input.take(Int(input.uint16()))
    let streams = [input.take(Int(input.uint16())), input.take(Int(input.uint16()))]

    var parser = KeyLogParser(source: "fuzz")
    var secrets = TLSSecrets()
    parser.feed(keyLog, entry: { secrets.add($0) }, problem: { _ in })
    parser.finish(entry: { secrets.add($0) }, problem: { _ in })
    let lookup = FuzzSecrets(secrets, mayGrow: flags & 1 == 1, silentAsks: Int(flags >> 4))
    let decoder = TLSConnectionDecoder(lookup: lookup, cache: flags & 2 == 2 ? TLSSessionCache() : nil)

    var handshakes = 0
    var plaintext = [0, 0]
    var fed = [0, 0]
    let emit: (TLSEvent) -> Void = { event in
        switch event {
        case .handshake(let info):
            handshakes += 1
            _ = info.failure?.description
        case .plaintext(let direction, let bytes):
            precondition(!bytes.isEmpty, "an empty plaintext event")
            plaintext[direction == .c2s ? 0 : 1] += bytes.count
        case .lost(_, let records):
            precondition(records > 0, "lost \(records) records")
        case .problem(_, let problem):
            _ = problem.description
        }
    }

    let segments = [(0, streams[0].prefix(heads[0])), (1, streams[1].prefix(heads[1])),
                    (0, streams[0].dropFirst(heads[0])), (1, streams[1].dropFirst(heads[1]))]
    for (index, (d, segment)) in segments.enumerated() {
        let direction: Direction = d == 0 ? .c2s : .s2c
        for (n, piece) in plan.split(segment).enumerated() {
            if flags & 4 == 4 && index == 3 && n == 1 {
                // This piece was never captured.
                decoder.gap(direction, missing: piece.count, emit: emit)
            } else {
                fed[d] += piece.count
                piece.withUnsafeBytes { decoder.feed(direction, $0, emit: emit) }
            }
            precondition(handshakes <= 1, "the session's facts reported \(handshakes) times")
            precondition(plaintext[d] <= fed[d], "\(plaintext[d]) bytes of plaintext from \(fed[d]) bytes of TLS")
        }
    }
    decoder.finish(emit: emit)
    precondition(handshakes == 1, "the session's facts reported \(handshakes) times after finish")
    precondition(plaintext[0] <= fed[0] && plaintext[1] <= fed[1], "more plaintext than TLS bytes")
    _ = decoder.undecryptedBytes(.c2s) + decoder.tlsBytes(.s2c)
    return 0
}

/// Secrets from the fuzzed key log; a "growing" one answers nothing for its first asks.
private final class FuzzSecrets: TLSSecretLookup {
    let secrets: TLSSecrets
    let mayGrow: Bool
    var silentAsks: Int

    init(_ secrets: TLSSecrets, mayGrow: Bool, silentAsks: Int) {
        self.secrets = secrets
        self.mayGrow = mayGrow
        self.silentAsks = mayGrow ? silentAsks : 0
    }

    func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        if silentAsks > 0 {
            silentAsks -= 1
            return nil
        }
        return secrets.secrets(forClientRandom: clientRandom)
    }
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzTLS_main")
public func fuzzTLSMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzTLS)
}
