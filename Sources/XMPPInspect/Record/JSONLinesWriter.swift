import XMPPCore
import XMPPBase

/// Writes records as JSON Lines, format version 1 (docs/log-format.md).
public final class JSONLinesWriter {
    /// The `v` every record carries.
    public static let formatVersion = 1
    private let output: BufferedOutput

    public init(output: BufferedOutput) { self.output = output }

    /// The `YYYY-MM-DDTHH:MM:SS` of the last second written: records come in bursts.
    private var cachedSecond: (seconds: Int64, prefix: [UInt8]) = (.min, [])

    public func write(_ record: Record) {
        let seconds = record.timestamp.wholeSeconds
        if seconds != cachedSecond.seconds { cachedSecond = (seconds, Array(Timestamp.secondsPrefix(seconds).utf8)) }
        output.withBuffer { buffer in
            JSONLinesWriter.encode(record, into: &buffer, secondsPrefix: cachedSecond.prefix)
            buffer.append(0x0A)
        }
    }

    public func flush() { output.flush() }

    /// One record as a JSON object (no newline).
    public static func encode(_ record: Record, into out: inout [UInt8], secondsPrefix: [UInt8]? = nil) {
        typealias Fragment = JSONLinesFragment
        out.appendBytes(Fragment.open)
        appendInteger(record.seq, to: &out)
        out.appendBytes(Fragment.timestamp)
        if let secondsPrefix {
            out.appendBytes(secondsPrefix)
            out.append(UInt8(ascii: "."))
            let fraction = Int(record.timestamp.microseconds - record.timestamp.wholeSeconds * 1_000_000)
            var divisor = 100_000
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(contentsOf: record.timestamp.rfc3339.utf8)
        }
        out.appendBytes(Fragment.connection)
        appendInteger(record.connection, to: &out)
        out.appendBytes(Fragment.direction)
        out.append(contentsOf: record.direction.rawValue.utf8)
        out.appendBytes(Fragment.event)
        out.append(contentsOf: record.event.rawValue.utf8)
        out.appendBytes(Fragment.transport)
        out.append(contentsOf: record.transport.rawValue.utf8)
        out.appendBytes(Fragment.kind)
        appendString(record.kind, to: &out)
        out.appendBytes(Fragment.type)
        appendString(record.type, to: &out)
        out.appendBytes(Fragment.id)
        appendString(record.id, to: &out)
        out.appendBytes(Fragment.from)
        appendString(record.from, to: &out)
        out.appendBytes(Fragment.to)
        appendString(record.to, to: &out)
        out.appendBytes(Fragment.namespaces)
        for (index, namespace) in record.namespaces.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(namespace, to: &out)
        }
        out.appendBytes(Fragment.size)
        appendInteger(record.size, to: &out)
        if let offset = record.offset {
            out.appendBytes(Fragment.offset)
            appendInteger(offset, to: &out)
        }
        if let rtt = record.rttMilliseconds {
            out.appendBytes(Fragment.rttMilliseconds)
            appendMilliseconds(rtt, to: &out)
        }
        if let request = record.requestSeq {
            out.appendBytes(Fragment.request)
            appendInteger(request, to: &out)
        }
        if record.unanswered { out.appendBytes(Fragment.unanswered) }
        if record.unmatchedResponse { out.appendBytes(Fragment.unmatchedResponse) }
        if let error = record.error {
            out.appendBytes(Fragment.errorSource)
            out.append(contentsOf: error.source.rawValue.utf8)
            out.appendBytes(Fragment.errorType)
            appendString(error.type, to: &out)
            out.appendBytes(Fragment.errorCondition)
            appendString(error.condition, to: &out)
            out.appendBytes(Fragment.errorText)
            appendString(error.text, to: &out)
            if let code = error.code {
                out.appendBytes(Fragment.errorCode)
                appendString(code, to: &out)
            }
            if let application = error.applicationCondition {
                out.appendBytes(Fragment.errorApplicationCondition)
                appendString(application, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let position = record.position {
            out.appendBytes(Fragment.line)
            appendInteger(position.line, to: &out)
            out.appendBytes(Fragment.column)
            appendInteger(position.column, to: &out)
        }
        if let count = record.byteCount {
            out.appendBytes(Fragment.bytes)
            appendInteger(count, to: &out)
        }
        if let encrypted = record.encryptedBytes {
            out.appendBytes(Fragment.encryptedBytes)
            appendInteger(encrypted.c2s, to: &out)
            out.appendBytes(Fragment.countsS2C)
            appendInteger(encrypted.s2c, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if record.redacted { out.appendBytes(Fragment.redacted) }
        if let proxy = record.proxy { encode(proxy, into: &out) }
        if let tls = record.tls { encode(tls, into: &out) }
        if let decrypted = record.decrypted {
            out.appendBytes(Fragment.decrypted)
            out.append(contentsOf: (decrypted ? "true" : "false").utf8)
        }
        if let binding = record.binding {
            out.appendBytes(Fragment.bindingType)
            appendString(binding.type, to: &out)
            out.appendBytes(Fragment.bindingMatches)
            out.append(contentsOf: (binding.matches.map { $0 ? "true" : "false" } ?? "null").utf8)
            out.appendBytes(Fragment.bindingNote)
            appendString(binding.note, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if !record.findingIDs.isEmpty {
            out.appendBytes(Fragment.findings)
            appendStrings(record.findingIDs, to: &out)
        }
        if let finding = record.finding {
            out.appendBytes(Fragment.about)
            for (index, seq) in record.about.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendInteger(seq, to: &out)
            }
            out.appendBytes(Fragment.findingID)
            appendString(finding.id, to: &out)
            out.appendBytes(Fragment.findingSeverity)
            appendString(finding.severity.rawValue, to: &out)
            out.appendBytes(Fragment.findingSpec)
            appendString(finding.spec, to: &out)
            out.appendBytes(Fragment.findingMessage)
            appendString(finding.message, to: &out)
            out.appendBytes(Fragment.findingHint)
            appendString(finding.hint, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if let rid = record.rid {
            out.appendBytes(Fragment.rid)
            appendInteger(rid, to: &out)
        }
        if let http = record.http { encode(http, into: &out) }
        out.appendBytes(Fragment.xml)
        if let bytes = record.xmlBytes {
            bytes.withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"http":{…}` with the fields that are set, in a fixed order.
    private static func encode(_ http: HTTPInfo, into out: inout [UInt8]) {
        typealias Key = LogField.HTTPKey
        out.appendBytes(JSONLinesFragment.http)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.appendBytes(JSONLinesFragment.httpKeys[name]!)
        }
        if let method = http.method { key(.method); appendString(method, to: &out) }
        if let target = http.target { key(.target); appendString(target, to: &out) }
        if let status = http.status { key(.status); appendInteger(status, to: &out) }
        if let reason = http.reason { key(.reason); appendString(reason, to: &out) }
        if let bytes = http.bodyBytes { key(.bodyBytes); appendInteger(bytes, to: &out) }
        if let via = http.via { key(.via); appendInteger(via, to: &out) }
        let strings: [(Key, String?)] = [
            (.origin, http.origin), (.webSocketProtocol, http.webSocketProtocol), (.extensions, http.extensions),
            (.sid, http.sid),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendString(value, to: &out)
        }
        if let code = http.closeCode { key(.closeCode); appendInteger(code, to: &out) }
        if let reason = http.closeReason { key(.closeReason); appendString(reason, to: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// `"proxy":{…}` with the fields that are set, in a fixed order.
    private static func encode(_ proxy: ProxyInfo, into out: inout [UInt8]) {
        typealias Key = LogField.ProxyKey
        out.appendBytes(JSONLinesFragment.proxy)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.appendBytes(JSONLinesFragment.proxyKeys[name]!)
        }
        let strings: [(Key, String?)] = [
            (.client, proxy.client), (.listener, proxy.listener), (.server, proxy.server),
            (.tlsVersion, proxy.tlsVersion), (.cipher, proxy.cipher), (.subject, proxy.certificateSubject),
            (.sni, proxy.serverName), (.alpn, proxy.alpn), (.closedBy, proxy.closedBy), (.reason, proxy.reason),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendString(value, to: &out)
        }
        if let bytes = proxy.bytes {
            key(.bytes)
            out.appendBytes(JSONLinesFragment.countsC2S)
            appendInteger(bytes.c2s, to: &out)
            out.appendBytes(JSONLinesFragment.countsS2C)
            appendInteger(bytes.s2c, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if !proxy.notes.isEmpty {
            key(.notes)
            out.append(UInt8(ascii: "["))
            for (index, note) in proxy.notes.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(note, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"tls":{…}` with the fields that are set, in a fixed order.
    private static func encode(_ tls: TLSInfo, into out: inout [UInt8]) {
        typealias Key = LogField.TLSKey
        out.appendBytes(JSONLinesFragment.tls)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.appendBytes(JSONLinesFragment.tlsKeys[name]!)
        }
        let strings: [(Key, String?)] = [
            (.version, tls.version), (.suite, tls.suite), (.sni, tls.serverName), (.alpn, tls.alpn),
            (.subject, tls.subject), (.issuer, tls.issuer), (.notBefore, tls.notBefore), (.notAfter, tls.notAfter),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendString(value, to: &out)
        }
        key(.resumed)
        out.append(contentsOf: (tls.resumed ? "true" : "false").utf8)
        if tls.helloRetryRequest {
            key(.helloRetryRequest)
            out.append(contentsOf: "true".utf8)
        }
        if let reason = tls.reason {
            key(.reason)
            appendString(reason, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON array of strings.
    static func appendStrings(_ values: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var value = value
        if value < 0 { out.append(UInt8(ascii: "-")); value = -value }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while value > 0 {
                raw[count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(raw[index]) }
        }
    }

    /// Milliseconds with microsecond precision (three decimals).
    static func appendMilliseconds(_ value: Double, to out: inout [UInt8]) {
        let micros = Int((value * 1000).rounded())
        if micros < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = abs(micros)
        appendInteger(magnitude / 1000, to: &out)
        out.append(UInt8(ascii: "."))
        let fraction = magnitude % 1000
        if fraction < 100 { out.append(UInt8(ascii: "0")) }
        if fraction < 10 { out.append(UInt8(ascii: "0")) }
        appendInteger(fraction, to: &out)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string (escaped as the log escapes it), or `null` for nil.
    public static func appendString(_ value: String?, to out: inout [UInt8]) {
        guard let value else {
            out.append(contentsOf: "null".utf8)
            return
        }
        // A native string lends its bytes without the copy (a retain) that `withUTF8` needs.
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) != nil { return }
        var copy = value
        copy.withUTF8 { appendEscaped($0, to: &out) }
    }

    /// A JSON string of UTF-8 bytes (which must be valid UTF-8).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = bytes.baseAddress else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            // 32 bytes at a time, then 8, while none needs escaping: a stanza's text seldom does.
            while index + 32 <= count {
                let raw = UnsafeRawPointer(base + index)
                let any = needsEscape(raw.loadUnaligned(as: UInt64.self))
                    | needsEscape(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    | needsEscape(raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
                    | needsEscape(raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
                if any != 0 { break }
                index += 32
            }
            while index + 8 <= count && needsEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) == 0 {
                index += 8
            }
            // Byte by byte through the next eight (or what is left), which hold one to escape
            // (or are the tail).
            let stop = min(index + 8, count)
            while index < stop {
                let byte = base[index]
                index += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index - 1 {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - 1 - runStart))
                }
                runStart = index
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case 0x0A: out.append(contentsOf: #"\n"#.utf8)
                case 0x0D: out.append(contentsOf: #"\r"#.utf8)
                case 0x09: out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
            }
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart)) }
        out.append(UInt8(ascii: "\""))
    }

    /// Non-zero when one of the eight bytes in `word` needs escaping in a JSON string: a control
    /// byte (below 0x20), '"' or '\\'. Exact for zero (the borrows that make false positives
    /// only follow a true one).
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes & highs
        let hasBackslash = (backslashes &- ones) & ~backslashes & highs
        return control | hasQuote | hasBackslash
    }
}

extension Array where Element == UInt8 {
    /// Appends `bytes` through a pointer: `append(contentsOf:)` takes its argument owned, which
    /// costs a retain and a release of a shared constant for each of a record's fragments.
    @inline(__always)
    mutating func appendBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }
}
