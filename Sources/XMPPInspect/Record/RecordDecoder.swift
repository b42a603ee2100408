import XMPPCore
#if canImport(Glibc)
import Glibc
import XMPPBase
#endif

/// Why a log line is not a record.
public struct RecordDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Reads one JSON Lines record (docs/log-format.md, version 1) back into a ``Record``.
public enum RecordDecoder {
    public static func decode(_ line: UnsafeBufferPointer<UInt8>) throws(RecordDecodingError) -> Record {
        let json: JSONValue
        do {
            json = try JSONParser.parse(line)
        } catch let error as JSONSyntaxError {
            throw RecordDecodingError(message: "not JSON (\(error.message) at byte \(error.offset + 1))")
        } catch {
            throw RecordDecodingError(message: "not JSON")
        }
        guard case .object = json else { throw RecordDecodingError(message: "not a JSON object") }
        guard let version = json["v"]?.int else { throw RecordDecodingError(message: "no 'v': not an xmppscope record") }
        guard version == 1 else {
            throw RecordDecodingError(message: "format version \(version); this xmppscope reads version 1")
        }
        guard let seq = json["seq"]?.int, let connection = json["conn"]?.int,
              let direction = json["dir"]?.string.flatMap(Direction.init(rawValue:)),
              let event = json["event"]?.string.flatMap(Record.Event.init(rawValue:)),
              let timestamp = json["ts"]?.string.flatMap(parseTimestamp)
        else { throw RecordDecodingError(message: "a required key (seq, ts, conn, dir, event) is missing or wrong") }
        var record = Record(seq: seq, timestamp: timestamp, connection: connection, direction: direction, event: event)
        record.kind = json["kind"]?.string
        record.type = json["type"]?.string
        record.id = json["id"]?.string
        record.from = json["from"]?.string
        record.to = json["to"]?.string
        if case .array(let namespaces)? = json["ns"] { record.namespaces = namespaces.compactMap(\.string) }
        record.size = json["size"]?.int ?? 0
        record.offset = json["offset"]?.int
        record.rttMilliseconds = json["rtt_ms"]?.number
        record.requestSeq = json["request"]?.int
        record.unanswered = json["unanswered"]?.bool ?? false
        record.unmatchedResponse = json["unmatched_response"]?.bool ?? false
        record.redacted = json["redacted"]?.bool ?? false
        record.byteCount = json["bytes"]?.int
        if let line = json["line"]?.int, let column = json["column"]?.int {
            record.position = StreamPosition(offset: record.offset ?? 0, line: line, column: column)
        }
        if let encrypted = json["encrypted_bytes"], let c2s = encrypted["c2s"]?.int, let s2c = encrypted["s2c"]?.int {
            record.encryptedBytes = (c2s, s2c)
        }
        if let error = json["error"], let source = error["source"]?.string.flatMap(ErrorInfo.Source.init(rawValue:)) {
            record.error = ErrorInfo(
                source: source, type: error["type"]?.string, condition: error["condition"]?.string,
                text: error["text"]?.string, code: error["code"]?.string, applicationCondition: error["app_condition"]?.string
            )
        }
        if let proxy = json["proxy"] {
            var info = ProxyInfo(
                client: proxy["client"]?.string, listener: proxy["listener"]?.string, server: proxy["server"]?.string,
                tlsVersion: proxy["tls_version"]?.string, cipher: proxy["cipher"]?.string,
                certificateSubject: proxy["subject"]?.string, serverName: proxy["sni"]?.string,
                alpn: proxy["alpn"]?.string, closedBy: proxy["closed_by"]?.string, reason: proxy["reason"]?.string
            )
            if let bytes = proxy["bytes"], let c2s = bytes["c2s"]?.int, let s2c = bytes["s2c"]?.int {
                info.bytes = ProxyInfo.ByteCounts(c2s: c2s, s2c: s2c)
            }
            if case .array(let notes)? = proxy["notes"] { info.notes = notes.compactMap(\.string) }
            record.proxy = info
        }
        record.xml = json["xml"]?.string
        return record
    }

    /// `2026-11-25T02:31:25.869205Z` (UTC, up to microseconds).
    static func parseTimestamp(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= 0x30 && bytes[index] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var fraction = 0
        if bytes[19] == UInt8(ascii: ".") {
            let digits = bytes[20..<(bytes.count - 1)]
            guard !digits.isEmpty, digits.count <= 9, let value = number(20..<(bytes.count - 1)) else { return nil }
            fraction = digits.count >= 6 ? value / Int(pow(10, Double(digits.count - 6))) : value * Int(pow(10, Double(6 - digits.count)))
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Timestamp(seconds: Int64(seconds), microseconds: Int64(fraction))
    }
}
