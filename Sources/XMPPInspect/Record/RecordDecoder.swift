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
    /// The keys a record cannot do without.
    private static let required: [LogField] = [.seq, .timestamp, .connection, .direction, .event]

    public static func decode(_ line: UnsafeBufferPointer<UInt8>) throws(RecordDecodingError) -> Record {
        let json: JSONValue
        do {
            json = try JSONParser.parse(line)
        } catch {
            throw RecordDecodingError(message: "not JSON (\(error))")
        }
        guard case .object = json else { throw RecordDecodingError(message: "not a JSON object") }
        guard let version = json[LogField.version]?.int else {
            throw RecordDecodingError(message: "no '\(LogField.version.rawValue)': not an xmppscope record")
        }
        guard version == JSONLinesWriter.formatVersion else {
            throw RecordDecodingError(message: "format version \(version); this xmppscope reads version \(JSONLinesWriter.formatVersion)")
        }
        guard let seq = json[LogField.seq]?.int, let connection = json[LogField.connection]?.int,
              let direction = json[LogField.direction]?.string.flatMap(Direction.init(rawValue:)),
              let event = json[LogField.event]?.string.flatMap(Record.Event.init(rawValue:)),
              let timestamp = json[LogField.timestamp]?.string.flatMap(parseTimestamp)
        else {
            let names = required.map(\.rawValue).joined(separator: ", ")
            throw RecordDecodingError(message: "a required key (\(names)) is missing or wrong")
        }
        var record = Record(seq: seq, timestamp: timestamp, connection: connection, direction: direction, event: event)
        if let transport = json[LogField.transport]?.string {
            guard let known = Transport(rawValue: transport) else {
                throw RecordDecodingError(message: "transport '\(transport)' is none of tcp, websocket, bosh")
            }
            record.transport = known
        }
        record.kind = json[LogField.kind]?.string
        record.type = json[LogField.type]?.string
        record.id = json[LogField.id]?.string
        record.from = json[LogField.from]?.string
        record.to = json[LogField.to]?.string
        if case .array(let namespaces)? = json[LogField.namespaces] { record.namespaces = namespaces.compactMap(\.string) }
        record.size = json[LogField.size]?.int ?? 0
        record.offset = json[LogField.offset]?.int
        if let rtt = json[LogField.rttMilliseconds]?.number {
            // One the writer can write again: finite, its microseconds an integer (a line can hold 1e999).
            guard rtt.isFinite, abs(rtt) < 1e15 else {
                throw RecordDecodingError(message: "'\(LogField.rttMilliseconds.rawValue)' \(rtt) is not a round trip in milliseconds")
            }
            record.rttMilliseconds = rtt
        }
        record.requestSeq = json[LogField.request]?.int
        record.unanswered = json[LogField.unanswered]?.bool ?? false
        record.unmatchedResponse = json[LogField.unmatchedResponse]?.bool ?? false
        record.redacted = json[LogField.redacted]?.bool ?? false
        record.byteCount = json[LogField.bytes]?.int
        if let line = json[LogField.line]?.int, let column = json[LogField.column]?.int {
            record.position = StreamPosition(offset: record.offset ?? 0, line: line, column: column)
        }
        if let encrypted = json[LogField.encryptedBytes].flatMap(counts) { record.encryptedBytes = encrypted }
        if let error = json[LogField.error] { record.error = decodeError(error) }
        if let proxy = json[LogField.proxy] { record.proxy = decodeProxy(proxy) }
        if let tls = json[LogField.tls] { record.tls = decodeTLS(tls) }
        record.decrypted = json[LogField.decrypted]?.bool
        if let binding = json[LogField.binding], let type = binding[LogField.BindingKey.type]?.string {
            record.binding = ChannelBinding(type: type, matches: binding[LogField.BindingKey.matches]?.bool,
                                            note: binding[LogField.BindingKey.note]?.string)
        }
        if case .array(let ids)? = json[LogField.findings] { record.findingIDs = ids.compactMap(\.string) }
        if let finding = json[LogField.finding] {
            typealias Key = LogField.FindingKey
            guard let id = finding[Key.id]?.string,
                  let severity = finding[Key.severity]?.string.flatMap(FindingSeverity.init(rawValue:)) else {
                throw RecordDecodingError(message: "a finding without an id or a known severity")
            }
            record.finding = Finding(id: id, severity: severity, spec: finding[Key.spec]?.string ?? "",
                                     message: finding[Key.message]?.string ?? "", hint: finding[Key.hint]?.string ?? "")
            if case .array(let about)? = json[LogField.about] { record.about = about.compactMap(\.int) }
        }
        record.rid = json[LogField.rid]?.int
        if let http = json[LogField.http] { record.http = decodeHTTP(http) }
        record.xml = json[LogField.xml]?.string
        return record
    }

    /// The `error` object; nil without a known `source`.
    private static func decodeError(_ json: JSONValue) -> ErrorInfo? {
        typealias Key = LogField.ErrorKey
        guard let source = json[Key.source]?.string.flatMap(ErrorInfo.Source.init(rawValue:)) else { return nil }
        return ErrorInfo(
            source: source, type: json[Key.type]?.string, condition: json[Key.condition]?.string,
            text: json[Key.text]?.string, code: json[Key.code]?.string, applicationCondition: json[Key.applicationCondition]?.string
        )
    }

    /// The `http` object.
    private static func decodeHTTP(_ json: JSONValue) -> HTTPInfo {
        typealias Key = LogField.HTTPKey
        return HTTPInfo(
            method: json[Key.method]?.string, target: json[Key.target]?.string, status: json[Key.status]?.int,
            reason: json[Key.reason]?.string, bodyBytes: json[Key.bodyBytes]?.int, via: json[Key.via]?.int,
            origin: json[Key.origin]?.string, webSocketProtocol: json[Key.webSocketProtocol]?.string,
            extensions: json[Key.extensions]?.string, sid: json[Key.sid]?.string,
            closeCode: json[Key.closeCode]?.int, closeReason: json[Key.closeReason]?.string
        )
    }

    /// The `proxy` object.
    private static func decodeProxy(_ json: JSONValue) -> ProxyInfo {
        typealias Key = LogField.ProxyKey
        var info = ProxyInfo(
            client: json[Key.client]?.string, listener: json[Key.listener]?.string, server: json[Key.server]?.string,
            tlsVersion: json[Key.tlsVersion]?.string, cipher: json[Key.cipher]?.string,
            certificateSubject: json[Key.subject]?.string, serverName: json[Key.sni]?.string,
            alpn: json[Key.alpn]?.string, closedBy: json[Key.closedBy]?.string, reason: json[Key.reason]?.string
        )
        if let bytes = json[Key.bytes].flatMap(counts) { info.bytes = ProxyInfo.ByteCounts(c2s: bytes.c2s, s2c: bytes.s2c) }
        if case .array(let notes)? = json[Key.notes] { info.notes = notes.compactMap(\.string) }
        return info
    }

    /// The `tls` object.
    private static func decodeTLS(_ json: JSONValue) -> TLSInfo {
        typealias Key = LogField.TLSKey
        var info = TLSInfo()
        info.version = json[Key.version]?.string
        info.suite = json[Key.suite]?.string
        info.serverName = json[Key.sni]?.string
        info.alpn = json[Key.alpn]?.string
        info.subject = json[Key.subject]?.string
        info.issuer = json[Key.issuer]?.string
        info.notBefore = json[Key.notBefore]?.string
        info.notAfter = json[Key.notAfter]?.string
        info.resumed = json[Key.resumed]?.bool ?? false
        info.helloRetryRequest = json[Key.helloRetryRequest]?.bool ?? false
        info.reason = json[Key.reason]?.string
        return info
    }

    /// `{"c2s": n, "s2c": n}`; nil unless both are integers.
    private static func counts(_ json: JSONValue) -> (c2s: Int, s2c: Int)? {
        guard let c2s = json[LogField.CountKey.c2s]?.int, let s2c = json[LogField.CountKey.s2c]?.int else { return nil }
        return (c2s, s2c)
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

private extension JSONValue {
    /// The member named by a log key.
    @inline(__always)
    subscript<Key: LogKey>(key: Key) -> JSONValue? { self[key.rawValue] }
}
