import Foundation
import Testing
import XMPPCore
import XMPPInspect

/// The project's own captures (scripts/make-captures.sh: Prosody + slixmpp on loopback) against
/// what the client itself saw, recorded beside each capture as NAME.expect.json.
/// `XMPPSCOPE_EXTRA_CAPTURES` names another folder of such pairs (a fresh run in CI). A capture
/// with a NAME.keys beside it (the clients' SSLKEYLOGFILE) is replayed with that key log, and its
/// TLS sessions must all be decrypted.
@Suite("Own Prosody + slixmpp captures")
struct OwnCapturesTests {
    struct Expectation: Decodable {
        struct IQ: Decodable {
            var from: String
            var id: String
            var type: String
            var ns: String
            var outcome: String
            var error_type: String?
            var condition: String?
        }
        var domain: String
        var accounts: [String]
        var iqs: [IQ]
        var messages_received: Int?
    }

    static func capturePairs() -> [(String, String)] {
        var folders = [repositoryRoot.appendingPathComponent("captures").path]
        if let extra = ProcessInfo.processInfo.environment["XMPPSCOPE_EXTRA_CAPTURES"], !extra.isEmpty { folders.append(extra) }
        var pairs: [(String, String)] = []
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names.sorted() where name.hasSuffix(".pcap") {
                let expect = folder + "/" + name.dropLast(5) + ".expect.json"
                if FileManager.default.fileExists(atPath: expect) { pairs.append((folder + "/" + name, expect)) }
            }
        }
        return pairs
    }

    @Test("sample captures are committed")
    func capturesExist() {
        #expect(Self.capturePairs().count >= 2)
    }

    @Test("every iq the client sent is paired, with the outcome and condition the client saw", arguments: capturePairs().map(\.0))
    func iqsAsTheClientSaw(capture: String) throws {
        let expectPath = String(capture.dropLast(5)) + ".expect.json"
        let expectation = try JSONDecoder().decode(Expectation.self, from: Data(contentsOf: URL(fileURLWithPath: expectPath)))
        let keys = String(capture.dropLast(5)) + ".keys"
        let keyLogged = FileManager.default.fileExists(atPath: keys)
        let records = try replayRecords(capture, keyLogs: keyLogged ? [keys] : [])
        #expect(records.filter(\.unanswered).isEmpty, "unanswered: \(records.filter(\.unanswered).map { $0.id ?? "" })")
        #expect(records.filter(\.unmatchedResponse).isEmpty)
        #expect(records.filter { $0.event == .parseError }.isEmpty)
        if keyLogged {
            let sessions = records.filter { $0.event == .tls }
            #expect(!sessions.isEmpty, "\(capture): no TLS session found")
            #expect(sessions.allSatisfy { $0.decrypted == true }, "\(capture): \(sessions.compactMap { $0.tls?.reason })")
            #expect(records.filter { $0.event == .tlsError }.isEmpty)
        } else if records.contains(where: { $0.event == .tlsStart }) {
            // The client's iqs went inside TLS: none may show as plaintext.
            #expect(records.stanzas.filter { $0.kind == "iq" }.isEmpty)
            return
        }

        #expect(!expectation.iqs.isEmpty, "\(expectPath) lists no iqs: nothing to compare")
        let requests = records.stanzas.filter { $0.isRequest && $0.direction == .c2s }
        let responses = Dictionary(records.stanzas.compactMap { record in record.requestSeq.map { ($0, record) } },
                                   uniquingKeysWith: { first, _ in first })
        var used = Set<Int>()
        for iq in expectation.iqs {
            guard let request = requests.first(where: { $0.id == iq.id && !used.contains($0.seq) }) else {
                Issue.record("\(capture): no request with id \(iq.id)")
                continue
            }
            used.insert(request.seq)
            #expect(request.type == iq.type)
            #expect(request.namespaces.first == iq.ns, "\(iq.id)")
            guard let response = responses[request.seq] else {
                Issue.record("\(capture): \(iq.id) has no paired response")
                continue
            }
            #expect(response.type == iq.outcome, "\(iq.id)")
            #expect(response.rttMilliseconds.map { $0 >= 0 } == true)
            #expect(response.error?.condition == iq.condition, "\(iq.id)")
            #expect(response.error?.type == iq.error_type, "\(iq.id)")
        }
    }

    @Test("an id reused after its answer is a second request with its own response")
    func reusedID() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
        let records = try replayRecords(capture)
        let reused = records.stanzas.filter { $0.kind == "iq" && $0.id == "reuse-1" }
        let requests = reused.filter(\.isRequest)
        #expect(requests.count == 2)
        let pairedTo = reused.compactMap(\.requestSeq)
        #expect(Set(pairedTo) == Set(requests.map(\.seq)))
        #expect(pairedTo.count == 2)
    }

    @Test("SASL PLAIN credentials are redacted unless asked for")
    func redaction() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
        let redacted = try replayRecords(capture).filter { $0.kind == "auth" }
        #expect(redacted.count == 2)
        for record in redacted {
            #expect(record.redacted)
            #expect(record.xml?.contains("[redacted ") == true)
            #expect(record.element?.text.hasPrefix("[redacted") == true)
        }
        let shown = try replayRecords(capture, options: InspectorOptions(showSecrets: true)).filter { $0.kind == "auth" }
        #expect(shown.count == 2)
        for record in shown {
            #expect(!record.redacted)
            let decoded = Data(base64Encoded: record.element?.text ?? "").map { String(decoding: $0, as: UTF8.self) }
            #expect(decoded?.contains("xmppscope-test-password") == true)
        }
    }

    @Test("the STARTTLS capture says TLS began and how much stayed encrypted")
    func startTLS() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-starttls.pcap").path
        let records = try replayRecords(capture)
        let tls = records.filter { $0.event == .tlsStart }
        #expect(tls.count == 2)
        for record in tls {
            #expect((record.encryptedBytes?.c2s ?? 0) > 0)
            #expect((record.encryptedBytes?.s2c ?? 0) > 0)
        }
        #expect(records.filter { $0.kind == "proceed" }.count == 2)
        #expect(records.filter { $0.event == .parseError }.isEmpty)
    }
}

/// The key-logged STARTTLS sample (scripts/make-captures.sh with the clients' SSLKEYLOGFILE):
/// decrypted, it is the plaintext scenario's session.
@Suite("Key-logged STARTTLS capture")
struct KeyLoggedCaptureTests {
    private let capture = repositoryRoot.appendingPathComponent("captures/c2s-starttls-keylog.pcap").path
    private let keys = repositoryRoot.appendingPathComponent("captures/c2s-starttls-keylog.keys").path
    private let plain = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path

    /// Stanza kinds and types per direction, and the error conditions, of a session.
    private func shape(_ records: [Record]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in records.stanzas {
            counts["\(record.direction.rawValue) \(record.kind ?? "?") \(record.type ?? "-") \(record.error?.condition ?? "")", default: 0] += 1
        }
        return counts
    }

    @Test("decrypted with its key log it gives the plaintext scenario's stanzas, pairs and errors; credentials redacted")
    func sameAsPlaintext() throws {
        let records = try replayRecords(capture, keyLogs: [keys])
        let sessions = records.filter { $0.event == .tls }
        #expect(sessions.count == 2)
        #expect(sessions.allSatisfy { $0.decrypted == true && $0.tls?.version != nil && $0.tls?.suite != nil })
        let plainRecords = try replayRecords(plain)
        #expect(shape(records) == shape(plainRecords))
        #expect(records.stanzas.filter(\.isResponse).allSatisfy { $0.requestSeq != nil && $0.rttMilliseconds != nil })
        let auth = records.filter { $0.kind == "auth" }
        #expect(auth.count == 2)
        #expect(auth.allSatisfy { $0.redacted && !($0.xml ?? "").contains("AGFsaWNl") })
        // Nothing stayed encrypted.
        #expect(records.filter { $0.event == .tlsStart }.allSatisfy { $0.encryptedBytes.map { $0.c2s == 0 && $0.s2c == 0 } == true })
    }

    @Test("without the key log: the handshake's facts, not decrypted, and the hint")
    func withoutKeyLog() throws {
        let records = try replayRecords(capture)
        let sessions = records.filter { $0.event == .tls }
        #expect(sessions.count == 2)
        #expect(sessions.allSatisfy { $0.decrypted == false && $0.tls?.reason?.contains("--keylog") == true && $0.tls?.version == "TLSv1.3" && $0.tls?.suite != nil })
        #expect(records.stanzas.filter { $0.kind == "iq" }.isEmpty)
    }
}
