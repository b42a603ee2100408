import XMPPCore
public import XMPPTransport
#if canImport(Glibc)
import Glibc
#endif

/// Records from any input `grep`, `stats` and `report` take (and `check`, for a log): a log (JSON
/// Lines, plain or gzip, or `-` for standard input), a capture (through the `Replayer`), or XMPP text.
public enum RecordSource {
    /// A line that is not a record, with where it is.
    public struct BadLine: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var reason: String
        public var description: String { "\(file):\(line): skipped, \(reason)" }
    }

    /// Calls `each` with every record of `path`, `badLine` for each unreadable log line.
    /// With `prefilter`, log lines that lack one of its byte strings are skipped unparsed (when
    /// they look like records at all; anything else is parsed, so a bad line is still reported).
    public static func read(
        _ path: String, options: InspectorOptions = InspectorOptions(keepsElements: false, checks: .all), prefilter: [[UInt8]] = [],
        keyLog: (any TLSSecretLookup)? = nil, each: (Record) -> Void, badLine: (BadLine) -> Void
    ) throws {
        try dispatch(path, replay: { kind in
            try replay(path, kind: kind, options: options, keyLog: keyLog, each: each)
        }, log: {
            try readLog(LogReader(path: path), searches: prefilter.map { ByteSearch($0) }, each: each, badLine: badLine)
        })
    }

    /// Like ``read(_:options:prefilter:keyLog:each:badLine:)``, but a capture or XMPP text is
    /// replayed on three threads, as `replay` does, and `each` runs on the last of them: one
    /// record at a time, in order, all of them before this returns. A log is read on this thread.
    /// `keyLog` is a snapshot: the framing thread asks it while this thread reads.
    public static func readPipelined(
        _ path: String, options: InspectorOptions = InspectorOptions(keepsElements: false, checks: .all), prefilter: [[UInt8]] = [],
        keyLog: TLSSecretsSnapshot? = nil, each: @escaping @Sendable (Record) -> Void, badLine: (BadLine) -> Void
    ) throws {
        try dispatch(path, replay: { kind in
            let inspector = Inspector.pipelined(options: options, keyLog: keyLog, output: RecordOutput(record: each))
            let outcome = try Replayer.replay(path: path, into: inspector)
            if kind == .capture, let failure = outcome.captureError { throw failure }
        }, log: {
            try readLog(LogReader(path: path), searches: prefilter.map { ByteSearch($0) }, each: each, badLine: badLine)
        })
    }

    /// Calls `replay` for a capture or XMPP text, `log` for anything else (and `-`), nothing for an
    /// empty file.
    private static func dispatch(_ path: String, replay: (InputKind) throws -> Void, log: () throws -> Void) throws {
        if path != "-" {
            switch try detect(path) {
            case .empty:
                return
            case .log:
                break
            case .replayable(let kind):
                return try replay(kind)
            }
        }
        try log()
    }

    private enum Detected { case empty, log, replayable(InputKind) }

    private static func detect(_ path: String) throws(InputError) -> Detected {
        do {
            return .replayable(try InputKind.detect(path: path))
        } catch {
            switch error {
            case .empty: return .empty
            case .unrecognised: return .log
            case .cannotRead: throw error
            }
        }
    }

    private static func replay(_ path: String, kind: InputKind, options: InspectorOptions,
                               keyLog: (any TLSSecretLookup)?, each: (Record) -> Void) throws {
        try withoutActuallyEscaping(each) { each in
            let inspector = Inspector(options: options, keyLog: keyLog, sink: each)
            let outcome = try Replayer.replay(path: path, into: inspector)
            if kind == .capture, let failure = outcome.captureError { throw failure }
        }
    }

    private static func readLog(
        _ reader: LogReader, searches: [ByteSearch], each: (Record) -> Void, badLine: (BadLine) -> Void
    ) throws {
        try reader.forEachLine { line in
            guard !line.isEmpty else { return true }
            if !searches.isEmpty && looksLikeRecord(line) && !ByteSearch.all(searches, occurIn: line) { return true }
            do {
                each(try RecordDecoder.decode(line))
            } catch {
                badLine(BadLine(file: reader.name, line: reader.lineNumber, reason: "\(error)"))
            }
            return true
        }
    }

    /// `{"v":1,` (``LogField/recordStart``) … `}`: a line the writer wrote (anything else is
    /// parsed, to be reported).
    private static func looksLikeRecord(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = recordStart
        guard line.count > start.count, line.count >= 8, line[line.count - 1] == UInt8(ascii: "}") else { return false }
        let first = UInt64(littleEndian: UnsafeRawPointer(line.baseAddress!).loadUnaligned(as: UInt64.self))
        return first & start.mask == start.bytes
    }

    /// ``LogField/recordStart`` as the first bytes of a little-endian word, the mask that keeps
    /// them and their count: one comparison per line instead of a loop (grep skips most lines here).
    private static let recordStart: (bytes: UInt64, mask: UInt64, count: Int) = {
        precondition(LogField.recordStart.count <= 8, "the record start no longer fits in a word")
        var word: (bytes: UInt64, mask: UInt64, count: Int) = (0, 0, LogField.recordStart.count)
        for (index, byte) in LogField.recordStart.enumerated() {
            word.bytes |= UInt64(byte) << (8 * index)
            word.mask |= 0xFF << (8 * index)
        }
        return word
    }()
}

/// Finds a byte string with Boyer-Moore-Horspool: it skips up to the string's length per step.
struct ByteSearch {
    let needle: [UInt8]
    private var skip = [Int](repeating: 0, count: 256)

    init(_ needle: [UInt8]) {
        self.needle = needle
        for index in skip.indices { skip[index] = needle.count }
        for (index, byte) in needle.dropLast().enumerated() { skip[Int(byte)] = needle.count - 1 - index }
    }

    /// Whether every search finds its string in `haystack`.
    static func all(_ searches: [ByteSearch], occurIn haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        for search in searches where !search.occurs(in: haystack) { return false }
        return true
    }

    func occurs(in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = needle.count
        guard length > 0 else { return true }
        guard haystack.count >= length else { return false }
        return needle.withUnsafeBufferPointer { pattern in
            skip.withUnsafeBufferPointer { skip in
                let last = pattern[length - 1]
                var position = 0
                while position <= haystack.count - length {
                    let byte = haystack[position + length - 1]
                    if byte == last && memcmp(haystack.baseAddress! + position, pattern.baseAddress!, length - 1) == 0 {
                        return true
                    }
                    position += skip[Int(byte)]
                }
                return false
            }
        }
    }
}
