import XMPPCore
@testable import XMPPInspect
import Testing

/// Log lines the JSON Lines target (Fuzz/FuzzJSONL, `scripts/fuzz.sh jsonl`) found, each once a
/// trap in `xmppscope grep` or `stats`: a bad line must be reported and skipped, never crash.
@Suite("JSON Lines fuzz regressions")
struct JSONLinesFuzzRegressionTests {
    private func decode(_ line: String) -> Result<Record, RecordDecodingError> {
        Array(line.utf8).withUnsafeBufferPointer { bytes in
            Result { () throws(RecordDecodingError) -> Record in try RecordDecoder.decode(bytes) }
        }
    }

    @Test("a number too large for an integer field is a bad line, not a trap")
    func hugeNumber() {
        for number in ["1e999", "-1e999", "9223372036854775807", "1e19"] {
            let line = #"{"v":1,"seq":"# + number + #","ts":"2025-11-25T02:31:25.869205Z","conn":0,"dir":"c2s","event":"gap"}"#
            guard case .failure = decode(line) else { Issue.record("\(number) was read as a seq"); continue }
        }
        let version = #"{"v":1e999}"#
        guard case .failure = decode(version) else { Issue.record("v=1e999 was read"); return }
    }

    @Test("a round trip that is not finite, or too large to write again, is a bad line, not a trap")
    func hugeRoundTrip() throws {
        // What the fuzzer found (CI, 2026-12-06): rtt_ms 1e999 read as infinity, and grep trapped
        // writing it back as microseconds.
        var rejected = 0
        for number in ["1e999", "-1e999", "1e300", "1e15", "-1e15"] {
            let line = #"{"v":1,"seq":40,"ts":"2026-12-04T03:48:31.947477Z","conn":1,"dir":"s2c","event":"stanza","kind":"iq","type":"result","rtt_ms":"# + number + "}"
            guard case .failure(let error) = decode(line) else { Issue.record("rtt_ms \(number) was read"); continue }
            #expect(error.message.contains("rtt_ms"), "\(error)")
            rejected += 1
        }
        #expect(rejected == 5)
        // Just inside the range: read, and written back as it was read.
        for number in ["999999999999999.9", "0.125", "-3.5"] {
            let line = #"{"v":1,"seq":40,"ts":"2026-12-04T03:48:31.947477Z","conn":1,"dir":"s2c","event":"stanza","kind":"iq","type":"result","rtt_ms":"# + number + "}"
            let record = try decode(line).get()
            var written: [UInt8] = []
            JSONLinesWriter.encode(record, into: &written)
            let again = try written.withUnsafeBufferPointer { bytes throws(RecordDecodingError) in try RecordDecoder.decode(bytes) }
            #expect(again.rttMilliseconds == record.rttMilliseconds, "\(number)")
        }
    }

    @Test("a high surrogate escape followed by a non-surrogate escape is U+FFFD, not a trap")
    func loneHighSurrogate() throws {
        let line = #"{"v":1,"seq":1,"ts":"2025-11-25T02:31:25.869205Z","conn":0,"dir":"c2s","event":"stanza","id":"a\ud800\u0041b\ud83d\ude00"}"#
        let record = try decode(line).get()
        #expect(record.id == "a\u{FFFD}Ab😀")
    }
}
