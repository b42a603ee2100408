import Crypto
import XMPPBase
@testable import XMPPTransport

/// A ``TLSSecretLookup`` over key log lines, read with ``KeyLogParser``. `hidden` makes it answer
/// nothing until it is cleared (a key log that grows while the capture runs).
final class StaticSecrets: TLSSecretLookup {
    let secrets: TLSSecrets
    let mayGrow: Bool
    var hidden: Bool
    /// How often the decoder asked.
    private(set) var asks = 0

    init(keyLog: [String], mayGrow: Bool = false, hidden: Bool = false) {
        var secrets = TLSSecrets()
        var parser = KeyLogParser(source: "test")
        let text = Array((keyLog.joined(separator: "\n") + "\n").utf8)
        parser.feed(text, entry: { secrets.add($0) }, problem: { preconditionFailure("\($0)") })
        parser.finish(entry: { secrets.add($0) }, problem: { preconditionFailure("\($0)") })
        self.secrets = secrets
        self.mayGrow = mayGrow
        self.hidden = hidden
    }

    func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        asks += 1
        return hidden ? nil : secrets.secrets(forClientRandom: clientRandom)
    }
}

/// A captured stream cut into whole records (header and body) by their 5-byte headers; bytes
/// after the last whole record are dropped.
func tlsRecords(_ stream: [UInt8]) -> [[UInt8]] {
    var records: [[UInt8]] = []
    var offset = 0
    while offset + 5 <= stream.count {
        let end = offset + 5 + (Int(stream[offset + 3]) << 8 | Int(stream[offset + 4]))
        guard end <= stream.count else { break }
        records.append(Array(stream[offset..<end]))
        offset = end
    }
    return records
}

/// One direction's bytes, fed as one step of a capture.
struct Segment {
    var direction: Direction
    var bytes: [UInt8]
}

extension NIOSSLSession {
    /// The order a capture sees the bytes in. TLS 1.3: the ClientHello, then everything the server
    /// sent, then the rest of the client's. TLS 1.2: the ClientHello, the server's records up to its
    /// ChangeCipherSpec, the rest of the client's, the rest of the server's.
    var captureOrder: [Segment] {
        let client = tlsRecords(clientToServer), server = tlsRecords(serverToClient)
        let hello = Segment(direction: .c2s, bytes: client[0])
        let restOfClient = Segment(direction: .c2s, bytes: client.dropFirst().flatMap { $0 })
        let isTLS13 = server[0].count > 46 && TLSServerHello(body: Array(server[0].dropFirst(9)))?.isTLS13 == true
        if isTLS13 {
            return [hello, Segment(direction: .s2c, bytes: serverToClient), restOfClient]
        }
        let ccs = server.firstIndex { $0[0] == 20 } ?? server.count
        return [hello, Segment(direction: .s2c, bytes: server[..<ccs].flatMap { $0 }), restOfClient,
                Segment(direction: .s2c, bytes: server[ccs...].flatMap { $0 })]
    }

    /// The client random of the ClientHello (after the record header, the handshake header and legacy_version).
    var clientRandom: [UInt8] { Array(clientToServer[11..<43]) }
}

/// What a decoder reported for one connection.
struct DecodedConnection {
    var handshakes: [TLSSessionInfo] = []
    var plaintext: [Direction: [UInt8]] = [.c2s: [], .s2c: []]
    var problems: [(Direction, TLSProblem)] = []
    var lost: [(Direction, Int)] = []
    /// Every event, in order, for failure messages.
    var events: [TLSEvent] = []

    mutating func record(_ event: TLSEvent) {
        events.append(event)
        switch event {
        case .handshake(let info): handshakes.append(info)
        case .plaintext(let direction, let bytes): plaintext[direction]! += bytes
        case .lost(let direction, let records): lost.append((direction, records))
        case .problem(let direction, let problem): problems.append((direction, problem))
        }
    }

    /// The one handshake event's facts (nil, and the test fails, if there was not exactly one).
    var info: TLSSessionInfo? { handshakes.count == 1 ? handshakes[0] : nil }
}

/// Feeds `segments` to `decoder` in pieces of `chunk` bytes, then finishes it.
func decode(_ segments: [Segment], chunk: Int = .max, decoder: TLSConnectionDecoder, finish: Bool = true) -> DecodedConnection {
    var result = DecodedConnection()
    decode(segments, chunk: chunk, decoder: decoder, into: &result)
    if finish { decoder.finish { result.record($0) } }
    return result
}

func decode(_ segments: [Segment], chunk: Int = .max, decoder: TLSConnectionDecoder, into result: inout DecodedConnection) {
    for segment in segments {
        var start = 0
        while start < segment.bytes.count {
            let end = chunk >= segment.bytes.count - start ? segment.bytes.count : start + chunk
            segment.bytes[start..<end].withUnsafeBytes { bytes in decoder.feed(segment.direction, bytes) { result.record($0) } }
            start = end
        }
    }
}

/// A TLS 1.3 session of BoringSSL's re-sealed under another TLS 1.3 suite: BoringSSL picks
/// TLS_AES_128_GCM_SHA256 (ChaCha20 without AES hardware) and NIOSSL cannot make it choose
/// another, so the other suites' records are made from a real session's: each protected record
/// opened with the logged keys and sealed again under `suite` with keys from new secrets (a hash
/// of the old ones for SHA-384), the ServerHello naming `suite`, and a key log to match.
func resealTLS13(_ session: NIOSSLSession, as suite: TLSCipherSuite) throws -> NIOSSLSession {
    let random = session.clientRandom
    let serverRecords = tlsRecords(session.serverToClient)
    var serverHello = serverRecords[0]
    // record header (5), handshake header (4), legacy_version (2), random (32), session id
    let sessionIDLength = Int(serverHello[43])
    let oldID = UInt16(serverHello[44 + sessionIDLength]) << 8 | UInt16(serverHello[45 + sessionIDLength])
    guard let old = TLSCipherSuite.suite(id: oldID) else { throw ResealError.unknownSuite(oldID) }
    serverHello[44 + sessionIDLength] = UInt8(suite.id >> 8)
    serverHello[45 + sessionIDLength] = UInt8(suite.id & 0xFF)

    func newSecret(_ secret: [UInt8]) -> [UInt8] {
        suite.hash.length == secret.count ? secret : Array(SHA384.hash(data: secret))
    }
    var keyLog: [String] = []
    for label in ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                  "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"] {
        guard let secret = session.secret(label, clientRandom: random) else { throw ResealError.noSecret(label) }
        keyLog.append("\(label) \(random.hexString) \(newSecret(secret).hexString)")
    }

    func reseal(_ records: [[UInt8]], side: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var application = false
        var opener: TLSRecordDecryptor?
        var sealer: TLS13Sealer?
        for record in records {
            guard record[0] == 23 else {
                out += record
                continue
            }
            if opener == nil {
                let label = application ? "\(side)_TRAFFIC_SECRET_0" : "\(side)_HANDSHAKE_TRAFFIC_SECRET"
                let secret = session.secret(label, clientRandom: random)!
                opener = TLSRecordDecryptor(suite: old, keys: TLS13KeySchedule.trafficKeys(secret: secret, suite: old),
                                            version: .tls13, encryptThenMAC: false)
                sealer = TLS13Sealer(suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: newSecret(secret), suite: suite))
            }
            let (type, content) = try opener!.open(header: Array(record[..<5]), fragment: record[5...])
            out += try sealer!.seal(type: type, content: content)
            // The handshake ends with this record if it holds a Finished (messages do not span records here).
            if !application && type == 22 {
                var index = 0
                while index + 4 <= content.count {
                    if content[index] == 20 {
                        application = true
                        opener = nil
                    }
                    index += 4 + (Int(content[index + 1]) << 16 | Int(content[index + 2]) << 8 | Int(content[index + 3]))
                }
                if index != content.count { throw ResealError.messageSpansRecords }
            }
        }
        return out
    }
    var resealed = NIOSSLSession()
    resealed.clientToServer = try reseal(tlsRecords(session.clientToServer), side: "CLIENT")
    resealed.serverToClient = try reseal([serverHello] + serverRecords.dropFirst(), side: "SERVER")
    resealed.keyLog = keyLog
    return resealed
}

enum ResealError: Error {
    case unknownSuite(UInt16)
    case noSecret(String)
    case messageSpansRecords
}

/// Seals TLS 1.3 records (RFC 8446 §5.2–5.3) with swift-crypto.
struct TLS13Sealer {
    let suite: TLSCipherSuite
    let keys: TLSTrafficKeys
    var sequenceNumber: UInt64 = 0

    mutating func seal(type: UInt8, content: [UInt8]) throws -> [UInt8] {
        let inner = content + [type]
        let length = inner.count + 16
        let header: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
        var nonce = keys.iv
        for i in 0..<8 { nonce[nonce.count - 1 - i] ^= UInt8(truncatingIfNeeded: sequenceNumber >> (8 * UInt64(i))) }
        sequenceNumber += 1
        let key = SymmetricKey(data: keys.key)
        if suite.name.contains("CHACHA20") {
            let box = try ChaChaPoly.seal(inner, using: key, nonce: ChaChaPoly.Nonce(data: nonce), authenticating: header)
            return header + box.ciphertext + box.tag
        }
        let box = try AES.GCM.seal(inner, using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: header)
        return header + box.ciphertext + box.tag
    }
}
