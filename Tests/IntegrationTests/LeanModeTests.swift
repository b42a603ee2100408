import Foundation
import Synchronization
import Testing
import XMPPCore
import XMPPInspect

/// `--json` and `--summary` frame with top-level elements only and build trees on demand; the
/// log must not change by a byte.
@Suite("Lean framing gives the same log")
struct LeanModeTests {
    static let captures = TsharkCrossCheckTests.captures

    static func jsonLines(_ path: String, keepsElements: Bool) throws -> [UInt8] {
        var output: [UInt8] = []
        let inspector = Inspector(options: InspectorOptions(keepsElements: keepsElements)) { record in
            JSONLinesWriter.encode(record, into: &output)
            output.append(0x0A)
        }
        _ = try Replayer.replay(path: path, into: inspector)
        return output
    }

    /// The same through ``Inspector/threaded(options:output:)``: records built on a second thread.
    static func threadedJSONLines(_ path: String) throws -> [UInt8] {
        let output = OutputBox()
        let inspector = Inspector.threaded(options: InspectorOptions(keepsElements: false), output: RecordOutput(record: { record in
            output.bytes.withLock { bytes in
                JSONLinesWriter.encode(record, into: &bytes)
                bytes.append(0x0A)
            }
        }))
        _ = try Replayer.replay(path: path, into: inspector)
        return output.bytes.withLock { $0 }
    }

    /// What the records thread wrote, read back on the test's thread.
    final class OutputBox: Sendable { let bytes = Mutex<[UInt8]>([]) }

    @Test("identical JSON Lines when records are built on a second thread", arguments: captures)
    func threadedIdentical(capture: String) throws {
        #expect(try Self.threadedJSONLines(capture) == Self.jsonLines(capture, keepsElements: true))
    }

    @Test("identical JSON Lines with and without whole trees", arguments: captures)
    func identical(capture: String) throws {
        let full = try Self.jsonLines(capture, keepsElements: true)
        let lean = try Self.jsonLines(capture, keepsElements: false)
        #expect(!full.isEmpty)
        #expect(full == lean)
    }
}
