import Foundation
import NIOSSL
import Testing
import XMPPBase
@testable import XMPPTransport

/// The connection decoder over real BoringSSL sessions (NIOSSL in-process): fed the way a capture
/// sees them, in every segmentation, and damaged in the ways captures are (no key log, the wrong
/// one, a stream that starts late, bytes that are not records, a gap, a cut).
@Suite("TLS connection decoder over real BoringSSL sessions")
struct TLSConnectionDecoderTests {
    static let short = Array("<presence/>".utf8)
    /// Three full records and a bit: more than 40 KB.
    static let long = Array("<message><body>".utf8) + (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    static let reply = Array("<iq type='result' id='a1'/>".utf8)

    static let tls12Suites: [(NIOTLSCipher, String)] = [
        (.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        (.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        (.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        (.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    ]
    /// How the bytes are cut: 1 byte at a time (short payloads only), 7, 1000, and all at once.
    static let chunkings = [1, 7, 1000, Int.max]

    /// A session and what each side sent in it.
    struct Case: CustomStringConvertible, Sendable {
        var version: String
        var suite: String
        var clientPayload: [UInt8]
        var serverPayload: [UInt8]
        var description: String { "\(version) \(suite), \(clientPayload.count)/\(serverPayload.count) bytes" }

        func run() throws -> NIOSSLSession {
            switch suite {
            case "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256":
                let session = try NIOSSLSession.run(suites: [], version: .tlsv13, clientPayload: clientPayload, serverPayload: serverPayload)
                return try resealTLS13(session, as: TLSCipherSuite.suite(id: suite == "TLS_AES_256_GCM_SHA384" ? 0x1302 : 0x1303)!)
            case "BoringSSL's TLS 1.3 choice":
                return try NIOSSLSession.run(suites: [], version: .tlsv13, clientPayload: clientPayload, serverPayload: serverPayload)
            default:
                let cipher = TLSConnectionDecoderTests.tls12Suites.first { $0.1 == suite }!.0
                return try NIOSSLSession.run(suites: [cipher], version: .tlsv12, clientPayload: clientPayload, serverPayload: serverPayload)
            }
        }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        let tls13 = ["BoringSSL's TLS 1.3 choice", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
        for suite in tls13 {
            cases.append(Case(version: "TLSv1.3", suite: suite, clientPayload: short, serverPayload: reply))
            cases.append(Case(version: "TLSv1.3", suite: suite, clientPayload: long, serverPayload: long.reversed()))
        }
        for (_, suite) in tls12Suites {
            cases.append(Case(version: "TLSv1.2", suite: suite, clientPayload: short, serverPayload: reply))
            cases.append(Case(version: "TLSv1.2", suite: suite, clientPayload: long, serverPayload: long.reversed()))
        }
        return cases
    }()

    /// The suite a session's ServerHello names.
    static func suiteName(_ session: NIOSSLSession) -> String {
        let hello = session.serverToClient
        let sessionIDLength = Int(hello[43])
        return TLSCipherSuite.name(id: UInt16(hello[44 + sessionIDLength]) << 8 | UInt16(hello[45 + sessionIDLength]))
    }

    @Test("Every segmentation decrypts both directions exactly, with one handshake event", arguments: cases)
    func decryptsInEverySegmentation(_ testCase: Case) throws {
        let session = try testCase.run()
        let suite = Self.suiteName(session)
        if testCase.suite == "BoringSSL's TLS 1.3 choice" {
            #expect(["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"].contains(suite))
        } else {
            #expect(suite == testCase.suite)
        }
        #expect(tlsRecords(session.serverToClient).count > 3)
        for chunk in Self.chunkings where chunk > 1 || testCase.clientPayload.count < 100 {
            let decoded = decode(session.captureOrder, chunk: chunk,
                                 decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog)))
            let info = try #require(decoded.info, "chunk \(chunk): \(decoded.handshakes.count) handshake events")
            #expect(info.decrypted && info.failure == nil, "chunk \(chunk): \(String(describing: info.failure))")
            #expect(info.version == testCase.version)
            #expect(info.cipherSuite == suite)
            #expect(info.serverName == "xmppscope-test.invalid")
            #expect(decoded.plaintext[.c2s] == testCase.clientPayload, "chunk \(chunk): \(decoded.plaintext[.c2s]!.count) bytes")
            #expect(decoded.plaintext[.s2c] == testCase.serverPayload, "chunk \(chunk): \(decoded.plaintext[.s2c]!.count) bytes")
            #expect(decoded.problems.isEmpty, "chunk \(chunk): \(decoded.problems)")
            #expect(decoded.lost.isEmpty)
        }
    }

    static let tls13Short = Case(version: "TLSv1.3", suite: "BoringSSL's TLS 1.3 choice", clientPayload: short, serverPayload: reply)
    static let tls12Short = Case(version: "TLSv1.2", suite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", clientPayload: short, serverPayload: reply)
    static let tls13Long = Case(version: "TLSv1.3", suite: "BoringSSL's TLS 1.3 choice", clientPayload: long, serverPayload: long.reversed())
    static let tls12Long = Case(version: "TLSv1.2", suite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", clientPayload: long, serverPayload: long.reversed())
    static let tls12CBCLong = Case(version: "TLSv1.2", suite: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", clientPayload: long, serverPayload: long.reversed())

    @Test("Without a key log: the handshake's facts, not decrypted (no key log), no plaintext", arguments: [tls13Short, tls12Short])
    func noKeyLog(_ testCase: Case) throws {
        let session = try testCase.run()
        for chunk in [7, Int.max] {
            let decoder = TLSConnectionDecoder(lookup: nil)
            var decoded = decode(session.captureOrder, chunk: chunk, decoder: decoder, finish: false)
            let info = try #require(decoded.info, "reported before the connection ends: \(decoded.handshakes.count) handshake events")
            decoder.finish { decoded.record($0) }
            #expect(decoded.handshakes.count == 1)
            #expect(!info.decrypted)
            #expect(info.failure == .noKeyLog)
            #expect(info.version == testCase.version && info.cipherSuite == Self.suiteName(session))
            #expect(info.serverName == "xmppscope-test.invalid")
            #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
            #expect(decoded.problems.isEmpty, "\(decoded.problems)")
        }
    }

    @Test("Another session's key log: no secret for this client random", arguments: [tls13Short, tls12Short])
    func otherSessionsKeyLog(_ testCase: Case) throws {
        let session = try testCase.run(), other = try testCase.run()
        #expect(session.clientRandom != other.clientRandom)
        let decoder = TLSConnectionDecoder(lookup: StaticSecrets(keyLog: other.keyLog))
        var decoded = decode(session.captureOrder, decoder: decoder, finish: false)
        let info = try #require(decoded.info, "reported before the connection ends: \(decoded.handshakes.count) handshake events")
        decoder.finish { decoded.record($0) }
        #expect(decoded.handshakes.count == 1)
        #expect(!info.decrypted)
        #expect(info.failure == .noSecret(clientRandom: session.clientRandom))
        #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
        #expect(decoded.problems.isEmpty, "\(decoded.problems)")
    }

    @Test("Secrets with one byte flipped: one 'does not decrypt' per direction, whatever the record count",
          arguments: [tls13Long, tls12Long, tls12CBCLong])
    func wrongSecret(_ testCase: Case) throws {
        let session = try testCase.run()
        let damaged = session.keyLog.map { line in
            var fields = line.split(separator: " ").map(String.init)
            var secret = hex(fields[2])
            secret[5] ^= 0x01
            fields[2] = secret.hexString
            return fields.joined(separator: " ")
        }
        let decoded = decode(session.captureOrder, chunk: 1000, decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: damaged)))
        let info = try #require(decoded.info, "\(decoded.handshakes.count) handshake events")
        #expect(!info.decrypted)
        #expect(info.failure == .wrongSecret)
        #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
        let refused = decoded.problems.filter { if case .recordsDoNotDecrypt = $0.1 { true } else { false } }
        #expect(refused.count == 2 && decoded.problems.count == 2, "\(decoded.problems)")
        #expect(Set(refused.map(\.0)) == [.c2s, .s2c])
        // The first protected record of each direction is the one named.
        for (direction, problem) in refused {
            let stream = direction == .c2s ? session.clientToServer : session.serverToClient
            let records = tlsRecords(stream)
            let first = testCase.version == "TLSv1.2" ? records.firstIndex { $0[0] == 20 }! + 1 : records.firstIndex { $0[0] == 23 }!
            #expect(problem == .recordsDoNotDecrypt(offset: records[..<first].reduce(0) { $0 + $1.count }))
        }
    }

    @Test("A capture that starts after the handshake: no ClientHello, nothing decrypted", arguments: [tls13Long, tls12Long])
    func startedAfterHandshake(_ testCase: Case) throws {
        let session = try testCase.run()
        // The last records of each direction: application data only.
        let client = tlsRecords(session.clientToServer).suffix(2), server = tlsRecords(session.serverToClient).suffix(2)
        #expect(client.allSatisfy { $0[0] == 23 } && server.allSatisfy { $0[0] == 23 })
        let segments = [Segment(direction: .c2s, bytes: client.flatMap { $0 }), Segment(direction: .s2c, bytes: server.flatMap { $0 })]
        let decoder = TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog))
        var decoded = decode(segments, chunk: 7, decoder: decoder, finish: false)
        let info = try #require(decoded.info, "reported at the first record: \(decoded.handshakes.count) handshake events")
        decoder.finish { decoded.record($0) }
        #expect(decoded.handshakes.count == 1)
        #expect(!info.decrypted)
        #expect(info.failure == .noClientHello)
        #expect(info.version == nil)
        #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
        #expect(decoded.problems.isEmpty, "\(decoded.problems)")
    }

    /// The capture order with `insert` spliced into the server's stream before its `index`-th
    /// record from the end, and the stream offset it lands at.
    static func splice(_ session: NIOSSLSession, _ insert: [UInt8], beforeRecordFromEnd index: Int) -> ([Segment], offset: Int) {
        var segments = session.captureOrder
        let last = segments.lastIndex { $0.direction == .s2c }!
        let records = tlsRecords(segments[last].bytes)
        let cut = records.count - index
        segments[last].bytes = records[..<cut].flatMap { $0 } + insert + records[cut...].flatMap { $0 }
        let before = segments[..<last].filter { $0.direction == .s2c }.reduce(0) { $0 + $1.bytes.count }
        return (segments, before + records[..<cut].reduce(0) { $0 + $1.count })
    }

    @Test("A record header claiming 2^14+2049 bytes: reported as oversized, the records after it still decrypted",
          arguments: [tls13Long, tls12Long])
    func oversizedRecord(_ testCase: Case) throws {
        let session = try testCase.run()
        let length = (1 << 14) + 2049
        let (segments, offset) = Self.splice(session, [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)], beforeRecordFromEnd: 2)
        for chunk in [7, 1000, Int.max] {
            let decoded = decode(segments, chunk: chunk, decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog)))
            let limit = testCase.version == "TLSv1.3" ? (1 << 14) + 256 : (1 << 14) + 2048
            #expect(decoded.problems.count == 1, "chunk \(chunk): \(decoded.problems)")
            #expect(decoded.problems.first?.0 == .s2c)
            #expect(decoded.problems.first?.1 == .oversizedRecord(offset: offset, length: length, limit: limit))
            #expect(decoded.info?.decrypted == true)
            #expect(decoded.plaintext[.s2c] == testCase.serverPayload, "chunk \(chunk): \(decoded.plaintext[.s2c]!.count) bytes")
            #expect(decoded.plaintext[.c2s] == testCase.clientPayload)
        }
    }

    @Test("Bytes that are not TLS between two records: reported once with where and how many, the rest decrypted",
          arguments: [tls13Long, tls12Long])
    func garbageBetweenRecords(_ testCase: Case) throws {
        let session = try testCase.run()
        let garbage = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
        let (segments, offset) = Self.splice(session, garbage, beforeRecordFromEnd: 2)
        for chunk in [1, 7, 1000, Int.max] {
            let decoded = decode(segments, chunk: chunk, decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog)))
            #expect(decoded.problems.count == 1, "chunk \(chunk): \(decoded.problems)")
            #expect(decoded.problems.first?.0 == .s2c)
            #expect(decoded.problems.first?.1 == .notARecord(offset: offset, skipped: garbage.count), "chunk \(chunk)")
            #expect(decoded.info?.decrypted == true)
            #expect(decoded.plaintext[.s2c] == testCase.serverPayload, "chunk \(chunk): \(decoded.plaintext[.s2c]!.count) bytes")
            #expect(decoded.plaintext[.c2s] == testCase.clientPayload)
        }
    }

    @Test("A TCP gap of one whole record in the middle of a long payload: one record lost, the rest decrypted",
          arguments: [tls13Long, tls12Long, tls12CBCLong])
    func gap(_ testCase: Case) throws {
        let session = try testCase.run()
        var segments = session.captureOrder
        let last = segments.lastIndex { $0.direction == .s2c }!
        let records = tlsRecords(segments[last].bytes)
        // The payload's records: full ones of 2^14 bytes of plaintext, then the remainder.
        let payloadRecords = 4
        #expect(records.suffix(payloadRecords).allSatisfy { $0[0] == 23 })
        let lostIndex = records.count - payloadRecords + 1
        let before = Segment(direction: .s2c, bytes: records[..<lostIndex].flatMap { $0 })
        let after = Segment(direction: .s2c, bytes: records[(lostIndex + 1)...].flatMap { $0 })
        segments[last] = before
        for chunk in [7, Int.max] {
            let decoder = TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog))
            var decoded = DecodedConnection()
            decode(segments, chunk: chunk, decoder: decoder, into: &decoded)
            decoder.gap(.s2c, missing: records[lostIndex].count) { decoded.record($0) }
            decode([after], chunk: chunk, decoder: decoder, into: &decoded)
            decoder.finish { decoded.record($0) }
            #expect(decoded.lost.count == 1 && decoded.lost.first?.0 == .s2c && decoded.lost.first?.1 == 1, "chunk \(chunk): \(decoded.lost)")
            #expect(decoded.problems.isEmpty, "chunk \(chunk): \(decoded.problems)")
            #expect(decoded.info?.decrypted == true)
            let payload = testCase.serverPayload
            #expect(decoded.plaintext[.s2c] == Array(payload[..<(1 << 14)] + payload[(2 << 14)...]),
                    "chunk \(chunk): \(decoded.plaintext[.s2c]!.count) bytes")
            #expect(decoded.plaintext[.c2s] == testCase.clientPayload)
            #expect(decoder.undecryptedBytes(.s2c) == records[lostIndex].count)
        }
    }

    @Test("A capture cut in the middle of a record: no crash, the facts reported at finish",
          arguments: [tls13Short, tls12Short])
    func truncatedHandshake(_ testCase: Case) throws {
        let session = try testCase.run()
        let order = session.captureOrder
        // The ClientHello, then the server's bytes cut in the middle of a record after the
        // ServerHello: TLS 1.3's first protected record, TLS 1.2's last before ChangeCipherSpec.
        let server = tlsRecords(order[1].bytes)
        let index = server.firstIndex { $0[0] == 23 } ?? server.count - 1
        try #require(index > 0)
        let cut = server[..<index].reduce(0) { $0 + $1.count } + server[index].count / 2
        let segments = [order[0], Segment(direction: .s2c, bytes: Array(order[1].bytes[..<cut]))]
        let decoded = decode(segments, chunk: 7, decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog)))
        let info = try #require(decoded.info, "\(decoded.handshakes.count) handshake events")
        #expect(!info.decrypted)
        #expect(info.failure == .incompleteHandshake, "\(String(describing: info.failure))")
        #expect(info.version == testCase.version)
        #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
    }

    @Test("A capture cut in the middle of application data: what came before is decrypted", arguments: [tls13Long, tls12Long])
    func truncatedApplicationData(_ testCase: Case) throws {
        let session = try testCase.run()
        var segments = session.captureOrder
        let last = segments.lastIndex { $0.direction == .s2c }!
        let records = tlsRecords(segments[last].bytes)
        // The last full record and the remainder's record, cut in the middle of the full one.
        let end = segments[last].bytes.count - records.last!.count - records[records.count - 2].count / 2
        segments[last].bytes = Array(segments[last].bytes[..<end])
        let decoded = decode(segments, chunk: 1000, decoder: TLSConnectionDecoder(lookup: StaticSecrets(keyLog: session.keyLog)))
        #expect(decoded.info?.decrypted == true)
        #expect(decoded.plaintext[.s2c] == Array(testCase.serverPayload[..<(2 << 14)]))
        #expect(decoded.plaintext[.c2s] == testCase.clientPayload)
        #expect(decoded.problems.isEmpty, "\(decoded.problems)")
    }

    @Test("A key log that grows: records held until the secrets appear, then decrypted in order", arguments: [tls13Long, tls12Long])
    func secretsLater(_ testCase: Case) throws {
        let session = try testCase.run()
        let lookup = StaticSecrets(keyLog: session.keyLog, mayGrow: true, hidden: true)
        let decoder = TLSConnectionDecoder(lookup: lookup)
        let order = session.captureOrder
        var decoded = DecodedConnection()
        // Everything but the client's last record, while the key log has nothing.
        let clientLast = tlsRecords(order[2].bytes).last!
        let held = Array(order[..<2]) + [Segment(direction: .c2s, bytes: Array(order[2].bytes.dropLast(clientLast.count)))]
            + order[3...]
        decode(held, chunk: 1000, decoder: decoder, into: &decoded)
        #expect(decoded.handshakes.isEmpty && decoded.problems.isEmpty, "\(decoded.events)")
        #expect(decoded.plaintext[.c2s]!.isEmpty && decoded.plaintext[.s2c]!.isEmpty)
        #expect(lookup.asks > 1, "asked again as records arrived")
        // The secrets appear; the next record makes the decoder ask again and open all it holds.
        lookup.hidden = false
        decode([Segment(direction: .c2s, bytes: clientLast)], decoder: decoder, into: &decoded)
        decoder.finish { decoded.record($0) }
        let info = try #require(decoded.info, "\(decoded.handshakes.count) handshake events")
        #expect(info.decrypted && info.failure == nil)
        #expect(decoded.plaintext[.c2s] == testCase.clientPayload)
        #expect(decoded.plaintext[.s2c] == testCase.serverPayload)
        #expect(decoded.problems.isEmpty, "\(decoded.problems)")
        #expect(decoder.undecryptedBytes(.c2s) == 0 && decoder.undecryptedBytes(.s2c) == 0)
    }
}

/// Writes the FuzzTLS seeds (Fuzz/corpus/tls) from fresh BoringSSL sessions when
/// XMPPSCOPE_TLS_SEEDS names a directory:
///   XMPPSCOPE_TLS_SEEDS=Fuzz/corpus/tls swift test --filter TLSFuzzSeeds
@Suite("FuzzTLS seeds", .enabled(if: ProcessInfoEnvironment.tlsSeeds != nil))
struct TLSFuzzSeeds {
    @Test func write() throws {
        let directory = ProcessInfoEnvironment.tlsSeeds!
        let seeds: [(String, TLSConnectionDecoderTests.Case, flags: UInt8)] = [
            ("tls13-aes128", .init(version: "TLSv1.3", suite: "BoringSSL's TLS 1.3 choice",
                                   clientPayload: TLSConnectionDecoderTests.short, serverPayload: TLSConnectionDecoderTests.reply), 0),
            ("tls13-chacha-growing-keylog", .init(version: "TLSv1.3", suite: "TLS_CHACHA20_POLY1305_SHA256",
                                                 clientPayload: TLSConnectionDecoderTests.short, serverPayload: TLSConnectionDecoderTests.reply), 0x31),
            ("tls12-gcm", .init(version: "TLSv1.2", suite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                clientPayload: TLSConnectionDecoderTests.short, serverPayload: TLSConnectionDecoderTests.reply), 0x02),
            ("tls12-cbc", .init(version: "TLSv1.2", suite: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                                clientPayload: TLSConnectionDecoderTests.short, serverPayload: TLSConnectionDecoderTests.reply), 0),
        ]
        for (name, testCase, flags) in seeds {
            let session = try testCase.run()
            let order = session.captureOrder
            let keyLog = Array((session.keyLog.joined(separator: "\n") + "\n").utf8)
            let h = order[0].bytes.count, g = order[1].bytes.count
            func le16(_ n: Int) -> [UInt8] { [UInt8(n & 0xFF), UInt8(n >> 8)] }
            // Chunk sizes 0 (whole segments), flags, h, g, then the three parts (Fuzz/FuzzTLS).
            var seed: [UInt8] = [0, 0, 0, 0, flags] + le16(h) + le16(g)
            seed += le16(keyLog.count) + keyLog
            seed += le16(session.clientToServer.count) + session.clientToServer
            seed += le16(session.serverToClient.count) + session.serverToClient
            try Data(seed).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
    }
}

enum ProcessInfoEnvironment {
    static var tlsSeeds: String? { ProcessInfo.processInfo.environment["XMPPSCOPE_TLS_SEEDS"] }
}
