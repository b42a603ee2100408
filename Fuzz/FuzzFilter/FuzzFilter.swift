import FuzzSupport
import XMPPCore
import XMPPInspect
import XMPPBase

/// libFuzzer target for the filter language: arbitrary text through ``RecordFilter``'s parser;
/// when it parses, it is evaluated against a few fixed records as `grep` sees them (written to
/// the log and read back).
///
/// Besides crashes it checks the prefilter's contract: `grep` skips, unparsed, every log line
/// that lacks one of ``RecordFilter/requiredLiterals``, so a record the filter matches must
/// contain all of them in its line, or `grep` would miss it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilter(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count: count)
    // Filters are short; very long inputs only slow the fuzzer down (the parser is linear).
    guard input.bytes.count <= 4096 else { return 0 }
    let text = String(decoding: input.bytes, as: UTF8.self)
    let filter: RecordFilter
    do {
        filter = try RecordFilter(text)
    } catch {
        precondition(error.column >= 1, "error column \(error.column) before the filter")
        _ = error.description
        return 0
    }
    let literals = filter.requiredLiterals
    for sample in FixedRecords.all {
        let matched = filter.matches(sample.record)
        guard matched else { continue }
        for literal in literals where !sample.line.contains(literal) {
            fatalError("filter \(text.debugDescription) matches a record whose log line lacks the required literal "
                       + "\(String(decoding: literal, as: UTF8.self).debugDescription): grep would skip it\n"
                       + String(decoding: sample.line, as: UTF8.self))
        }
    }
    return 0
}

/// A record as the log holds it: its line, and the record read back from that line.
struct LoggedRecord: Sendable {
    var line: [UInt8]
    var record: Record
}

/// A handful of records covering every field a filter reads: stanzas with payloads (paths,
/// `body`, `ns`), an iq response with a round trip, errors, a gap, a parse error, non-ASCII text.
enum FixedRecords {
    static let all: [LoggedRecord] = {
        var records: [Record] = []
        let time = Timestamp(seconds: 1_764_037_885, microseconds: 869_205)

        var request = Record(seq: 1, timestamp: time, connection: 0, direction: .c2s, event: .stanza)
        request.kind = "iq"; request.type = "get"; request.id = "disco-1"
        request.from = "alice@example.org/phone"; request.to = "example.org"
        request.namespaces = ["http://jabber.org/protocol/disco#info"]
        request.xml = "<iq type='get' id='disco-1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info' node='n'/></iq>"
        request.size = 110; request.offset = 200
        records.append(request)

        var response = Record(seq: 2, timestamp: Timestamp(microseconds: time.microseconds + 250_000), connection: 0, direction: .s2c, event: .stanza)
        response.kind = "iq"; response.type = "error"; response.id = "disco-1"
        response.from = "example.org"; response.to = "alice@example.org/phone"
        response.rttMilliseconds = 250.5; response.requestSeq = 1
        response.error = ErrorInfo(source: .stanza, type: "cancel", condition: "item-not-found", text: "gone")
        response.xml = "<iq type='error' id='disco-1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        records.append(response)

        var message = Record(seq: 3, timestamp: time, connection: 1, direction: .c2s, event: .stanza)
        message.kind = "message"; message.type = "chat"; message.id = "m\u{212A}1"  // a Kelvin sign: NFC is 'K'
        message.from = "bob@exämple.org/Åland"; message.to = "carol@example.org"
        message.xml = "<message type='chat' id='m\u{212A}1'><body>héllo &amp; hi</body><subject>s</subject><thread>t1</thread></message>"
        message.namespaces = ["urn:xmpp:receipts"]
        records.append(message)

        var presence = Record(seq: 4, timestamp: time, connection: 1, direction: .s2c, event: .stanza)
        presence.kind = "presence"; presence.type = "unavailable"
        presence.xml = "<presence type='unavailable'><show>away</show><x xmlns='vcard-temp:x:update'><photo/></x></presence>"
        records.append(presence)

        var open = Record(seq: 5, timestamp: time, connection: 2, direction: .c2s, event: .streamOpen)
        open.kind = "stream"
        open.xml = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>"
        records.append(open)

        var streamError = Record(seq: 6, timestamp: time, connection: 2, direction: .s2c, event: .streamError)
        streamError.kind = "error"
        streamError.error = ErrorInfo(source: .stream, condition: "policy-violation", text: "slow down", applicationCondition: "{urn:x}rate")
        records.append(streamError)

        var nonza = Record(seq: 7, timestamp: time, connection: 2, direction: .c2s, event: .nonza)
        nonza.kind = "auth"; nonza.namespaces = ["urn:ietf:params:xml:ns:xmpp-sasl"]; nonza.redacted = true
        nonza.xml = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>…</auth>"
        records.append(nonza)

        var gap = Record(seq: 8, timestamp: time, connection: 3, direction: .s2c, event: .gap)
        gap.byteCount = 1460
        records.append(gap)

        var parseError = Record(seq: 9, timestamp: time, connection: 3, direction: .c2s, event: .parseError)
        parseError.error = ErrorInfo(source: .parse, condition: "not-well-formed", text: "bad")
        parseError.position = StreamPosition(offset: 12, line: 1, column: 13); parseError.offset = 12; parseError.byteCount = 5
        parseError.xml = "<iq><<"
        records.append(parseError)

        var unanswered = request
        unanswered.seq = 1; unanswered.unanswered = true
        records.append(unanswered)

        return records.map { record in
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            let decoded = (try? line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }) ?? record
            return LoggedRecord(line: line, record: decoded)
        }
    }()
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the array.
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzFilter_main")
public func fuzzFilterMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzFilter)
}
