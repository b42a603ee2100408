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

    @Test("a high surrogate escape followed by a non-surrogate escape is U+FFFD, not a trap")
    func loneHighSurrogate() throws {
        let line = #"{"v":1,"seq":1,"ts":"2025-11-25T02:31:25.869205Z","conn":0,"dir":"c2s","event":"stanza","id":"a\ud800\u0041b\ud83d\ude00"}"#
        let record = try decode(line).get()
        #expect(record.id == "a\u{FFFD}Ab😀")
    }
}
