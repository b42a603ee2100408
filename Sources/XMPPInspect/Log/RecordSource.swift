import XMPPCore

/// Records from any input `grep` and `stats` take: a log (JSON Lines, plain or gzip, or `-` for
/// standard input), a capture (through the replay pipeline), or XMPP text.
public enum RecordSource {
    /// A line that is not a record, with where it is.
    public struct BadLine: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var reason: String
        public var description: String { "\(file):\(line): skipped, \(reason)" }
    }

    /// Calls `each` with every record of `path`, `badLine` for each unreadable log line.
    public static func read(
        _ path: String, options: InspectorOptions = InspectorOptions(keepsElements: false),
        each: (Record) -> Void, badLine: (BadLine) -> Void
    ) throws {
        let kind: InputKind?
        if path == "-" {
            kind = nil
        } else {
            do { kind = try InputKind.detect(path: path) } catch InputError.empty { return } catch InputError.unrecognised { kind = nil }
        }
        if let kind {
            try withoutActuallyEscaping(each) { each in
                let inspector = Inspector(options: options, sink: each)
                let outcome = try ReplayPipeline.replay(path: path, into: inspector)
                if kind == .capture, let failure = outcome.captureError { throw failure }
            }
            return
        }
        let reader = try LogReader(path: path)
        try reader.forEachLine { line in
            if line.isEmpty { return true }
            do {
                each(try RecordDecoder.decode(line))
            } catch {
                badLine(BadLine(file: reader.name, line: reader.lineNumber, reason: "\(error)"))
            }
            return true
        }
    }
}
