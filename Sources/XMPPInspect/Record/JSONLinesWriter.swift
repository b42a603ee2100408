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

    /// Where a record is encoded before it is appended whole (grown until a record fits).
    private var scratch = [UInt8](repeating: 0, count: startingScratch)

    public func write(_ record: Record) {
        let seconds = record.timestamp.wholeSeconds
        if seconds != cachedSecond.seconds { cachedSecond = (seconds, Array(Timestamp.secondsPrefix(seconds).utf8)) }
        let length = Self.encodeLine(record, secondsPrefix: cachedSecond.prefix, scratch: &scratch)
        output.withBuffer { buffer in
            scratch.withUnsafeBufferPointer { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<length])) }
        }
        // A rare large record does not keep its room for the rest of the run.
        if scratch.count > Self.keptScratch { scratch = [UInt8](repeating: 0, count: Self.startingScratch) }
    }

    /// The room a writer starts with, and goes back to after a large record.
    private static let startingScratch = 4096
    /// The most room kept between records.
    private static let keptScratch = 1 << 16

    /// Encodes `record` and its newline at the start of `scratch`, which is grown to what the
    /// cursor counted when they do not fit (a second pass then fits); returns their length.
    static func encodeLine(_ record: Record, secondsPrefix: [UInt8]?, scratch: inout [UInt8]) -> Int {
        if scratch.isEmpty { scratch = [UInt8](repeating: 0, count: startingScratch) }
        while true {
            let (length, fitted) = scratch.withUnsafeMutableBufferPointer { room in
                var cursor = JSONByteCursor(room)
                encodeRecord(record, into: &cursor, secondsPrefix: secondsPrefix)
                cursor.append(0x0A)
                return (cursor.count, !cursor.overflowed)
            }
            if fitted { return length }
            scratch = [UInt8](repeating: 0, count: length)
        }
    }

    public func flush() { output.flush() }

    /// One record as a JSON object (no newline).
    public static func encode(_ record: Record, into out: inout [UInt8], secondsPrefix: [UInt8]? = nil) {
        encodeRecord(record, into: &out, secondsPrefix: secondsPrefix)
    }

    private static func encodeRecord<Sink: JSONByteSink>(_ record: Record, into out: inout Sink, secondsPrefix: [UInt8]?) {
        typealias Fragment = JSONLinesFragment
        let every = JSONLinesEveryRecordFragments.shared
        out.append(bytes: every.open)
        appendInteger(record.seq, to: &out)
        out.append(bytes: every.timestamp)
        if let secondsPrefix {
            out.append(bytes: secondsPrefix)
            out.append(UInt8(ascii: "."))
            let fraction = Int(record.timestamp.microseconds - record.timestamp.wholeSeconds * 1_000_000)
            var divisor = 100_000
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(utf8: record.timestamp.rfc3339)
        }
        out.append(bytes: every.connection)
        appendInteger(record.connection, to: &out)
        out.append(bytes: every.direction)
        out.append(utf8: record.direction.rawValue)
        out.append(bytes: every.event)
        out.append(utf8: record.event.rawValue)
        out.append(bytes: every.transport)
        out.append(utf8: record.transport.rawValue)
        out.append(bytes: every.kind)
        appendStringOrNull(record.kind, to: &out)
        out.append(bytes: every.type)
        appendStringOrNull(record.type, to: &out)
        out.append(bytes: every.id)
        appendStringOrNull(record.id, to: &out)
        out.append(bytes: every.from)
        appendStringOrNull(record.from, to: &out)
        out.append(bytes: every.to)
        appendStringOrNull(record.to, to: &out)
        out.append(bytes: every.namespaces)
        for (index, namespace) in record.namespaces.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendStringOrNull(namespace, to: &out)
        }
        out.append(bytes: every.size)
        appendInteger(record.size, to: &out)
        if let offset = record.offset {
            out.append(bytes: every.offset)
            appendInteger(offset, to: &out)
        }
        if let rtt = record.rttMilliseconds {
            out.append(bytes: Fragment.rttMilliseconds)
            appendMilliseconds(rtt, to: &out)
        }
        if let request = record.requestSeq {
            out.append(bytes: Fragment.request)
            appendInteger(request, to: &out)
        }
        if record.unanswered { out.append(bytes: Fragment.unanswered) }
        if record.unmatchedResponse { out.append(bytes: Fragment.unmatchedResponse) }
        if let error = record.error {
            out.append(bytes: Fragment.errorSource)
            out.append(utf8: error.source.rawValue)
            out.append(bytes: Fragment.errorType)
            appendStringOrNull(error.type, to: &out)
            out.append(bytes: Fragment.errorCondition)
            appendStringOrNull(error.condition, to: &out)
            out.append(bytes: Fragment.errorText)
            appendStringOrNull(error.text, to: &out)
            if let code = error.code {
                out.append(bytes: Fragment.errorCode)
                appendStringOrNull(code, to: &out)
            }
            if let application = error.applicationCondition {
                out.append(bytes: Fragment.errorApplicationCondition)
                appendStringOrNull(application, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let position = record.position {
            out.append(bytes: Fragment.line)
            appendInteger(position.line, to: &out)
            out.append(bytes: Fragment.column)
            appendInteger(position.column, to: &out)
        }
        if let count = record.byteCount {
            out.append(bytes: Fragment.bytes)
            appendInteger(count, to: &out)
        }
        if let encrypted = record.encryptedBytes {
            out.append(bytes: Fragment.encryptedBytes)
            appendInteger(encrypted.c2s, to: &out)
            out.append(bytes: Fragment.countsS2C)
            appendInteger(encrypted.s2c, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if record.redacted { out.append(bytes: Fragment.redacted) }
        if let proxy = record.proxy { encode(proxy, into: &out) }
        if let tls = record.tls { encode(tls, into: &out) }
        if let decrypted = record.decrypted {
            out.append(bytes: Fragment.decrypted)
            out.append(literal: decrypted ? "true" : "false")
        }
        if let binding = record.binding {
            out.append(bytes: Fragment.bindingType)
            appendStringOrNull(binding.type, to: &out)
            out.append(bytes: Fragment.bindingMatches)
            out.append(literal: binding.matches.map { $0 ? "true" : "false" } ?? "null")
            out.append(bytes: Fragment.bindingNote)
            appendStringOrNull(binding.note, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if !record.findingIDs.isEmpty {
            out.append(bytes: Fragment.findings)
            appendStrings(record.findingIDs, to: &out)
        }
        if let finding = record.finding {
            out.append(bytes: Fragment.about)
            for (index, seq) in record.about.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendInteger(seq, to: &out)
            }
            out.append(bytes: Fragment.findingID)
            appendStringOrNull(finding.id, to: &out)
            out.append(bytes: Fragment.findingSeverity)
            appendStringOrNull(finding.severity.rawValue, to: &out)
            out.append(bytes: Fragment.findingSpec)
            appendStringOrNull(finding.spec, to: &out)
            out.append(bytes: Fragment.findingMessage)
            appendStringOrNull(finding.message, to: &out)
            out.append(bytes: Fragment.findingHint)
            appendStringOrNull(finding.hint, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if let rid = record.rid {
            out.append(bytes: Fragment.rid)
            appendInteger(rid, to: &out)
        }
        if let http = record.http { encode(http, into: &out) }
        out.append(bytes: every.xml)
        if record.withXMLBytes({ appendEscaped($0, to: &out) }) == nil {
            out.append(literal: "null")
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"http":{…}` with the fields that are set, in a fixed order.
    private static func encode<Sink: JSONByteSink>(_ http: HTTPInfo, into out: inout Sink) {
        typealias Key = LogField.HTTPKey
        out.append(bytes: JSONLinesFragment.http)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(bytes: JSONLinesFragment.httpKeys[name]!)
        }
        if let method = http.method { key(.method); appendStringOrNull(method, to: &out) }
        if let target = http.target { key(.target); appendStringOrNull(target, to: &out) }
        if let status = http.status { key(.status); appendInteger(status, to: &out) }
        if let reason = http.reason { key(.reason); appendStringOrNull(reason, to: &out) }
        if let bytes = http.bodyBytes { key(.bodyBytes); appendInteger(bytes, to: &out) }
        if let via = http.via { key(.via); appendInteger(via, to: &out) }
        let strings: [(Key, String?)] = [
            (.origin, http.origin), (.webSocketProtocol, http.webSocketProtocol), (.extensions, http.extensions),
            (.sid, http.sid),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendStringOrNull(value, to: &out)
        }
        if let code = http.closeCode { key(.closeCode); appendInteger(code, to: &out) }
        if let reason = http.closeReason { key(.closeReason); appendStringOrNull(reason, to: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// `"proxy":{…}` with the fields that are set, in a fixed order.
    private static func encode<Sink: JSONByteSink>(_ proxy: ProxyInfo, into out: inout Sink) {
        typealias Key = LogField.ProxyKey
        out.append(bytes: JSONLinesFragment.proxy)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(bytes: JSONLinesFragment.proxyKeys[name]!)
        }
        let strings: [(Key, String?)] = [
            (.client, proxy.client), (.listener, proxy.listener), (.server, proxy.server),
            (.tlsVersion, proxy.tlsVersion), (.cipher, proxy.cipher), (.subject, proxy.certificateSubject),
            (.sni, proxy.serverName), (.alpn, proxy.alpn), (.closedBy, proxy.closedBy), (.reason, proxy.reason),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendStringOrNull(value, to: &out)
        }
        if let bytes = proxy.bytes {
            key(.bytes)
            out.append(bytes: JSONLinesFragment.countsC2S)
            appendInteger(bytes.c2s, to: &out)
            out.append(bytes: JSONLinesFragment.countsS2C)
            appendInteger(bytes.s2c, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if !proxy.notes.isEmpty {
            key(.notes)
            out.append(UInt8(ascii: "["))
            for (index, note) in proxy.notes.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendStringOrNull(note, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"tls":{…}` with the fields that are set, in a fixed order.
    private static func encode<Sink: JSONByteSink>(_ tls: TLSInfo, into out: inout Sink) {
        typealias Key = LogField.TLSKey
        out.append(bytes: JSONLinesFragment.tls)
        var first = true
        func key(_ name: Key) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(bytes: JSONLinesFragment.tlsKeys[name]!)
        }
        let strings: [(Key, String?)] = [
            (.version, tls.version), (.suite, tls.suite), (.sni, tls.serverName), (.alpn, tls.alpn),
            (.subject, tls.subject), (.issuer, tls.issuer), (.notBefore, tls.notBefore), (.notAfter, tls.notAfter),
        ]
        for case let (name, value?) in strings {
            key(name)
            appendStringOrNull(value, to: &out)
        }
        key(.resumed)
        out.append(literal: tls.resumed ? "true" : "false")
        if tls.helloRetryRequest {
            key(.helloRetryRequest)
            out.append(literal: "true")
        }
        if let reason = tls.reason {
            key(.reason)
            appendStringOrNull(reason, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON array of strings.
    static func appendStrings<Sink: JSONByteSink>(_ values: [String], to out: inout Sink) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendStringOrNull(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `value` in decimal.
    static func appendInteger<Sink: JSONByteSink>(_ value: Int, to out: inout Sink) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude, not `-value`: `Int.min` has no positive twin.
        var rest = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            // Two digits at a time from "00" ... "99", right to left.
            var start = 20
            let pairs = digitPairs.utf8Start
            while rest >= 10 {
                let pair = Int(rest % 100) &* 2
                rest /= 100
                start &-= 2
                digits[start] = pairs[pair]
                digits[start &+ 1] = pairs[pair &+ 1]
            }
            // An odd digit left over, or the zero of 0.
            if rest > 0 || start == 20 {
                start &-= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
            }
            out.append(bytes: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// "00", "01", ... "99" end to end: the two digits of each number below 100.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// Milliseconds with microsecond precision (three decimals).
    static func appendMilliseconds<Sink: JSONByteSink>(_ value: Double, to out: inout Sink) {
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
        appendStringOrNull(value, to: &out)
    }

    /// ``appendString(_:to:)`` into any sink.
    private static func appendStringOrNull<Sink: JSONByteSink>(_ value: String?, to out: inout Sink) {
        guard let value else {
            out.append(literal: "null")
            return
        }
        #if compiler(>=6.2)
        // Borrowed: neither a copy nor a retain of the string (`withContiguousStorageIfAvailable`
        // retained and released each native string around its closure).
        value.utf8Span.span.withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        #else
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) != nil { return }
        var copy = value
        copy.withUTF8 { appendEscaped($0, to: &out) }
        #endif
    }

    /// A JSON string of UTF-8 bytes (which must be valid UTF-8).
    static func appendEscaped<Sink: JSONByteSink>(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        out.append(UInt8(ascii: "\""))
        guard let base = bytes.baseAddress else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            // Sixty-four bytes at a time (vector compares), while none needs escaping: a
            // stanza's text seldom does. Then sixteen: in the first sixteen that hold one, the
            // lowest flagged lane is it.
            var found = count
            while index &+ 64 <= count {
                let raw = UnsafeRawPointer(base + index)
                let lanes = escapeLanes(raw.loadUnaligned(as: SIMD16<UInt8>.self))
                    | escapeLanes(raw.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self))
                    | escapeLanes(raw.loadUnaligned(fromByteOffset: 32, as: SIMD16<UInt8>.self))
                    | escapeLanes(raw.loadUnaligned(fromByteOffset: 48, as: SIMD16<UInt8>.self))
                if lanes[0] | lanes[1] != 0 { break }
                index &+= 64
            }
            while index &+ 16 <= count {
                let lanes = escapeLanes(UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self))
                let low = lanes[0], high = lanes[1]
                if low | high != 0 {
                    found = index + (low != 0 ? low.trailingZeroBitCount : 64 + high.trailingZeroBitCount) >> 3
                    break
                }
                index &+= 16
            }
            if found == count {
                // Fewer than sixteen left: eight once (the mask is exact up to its first true
                // byte), then byte by byte.
                if index + 8 <= count {
                    let mask = needsEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    if mask != 0 {
                        found = index + mask.trailingZeroBitCount >> 3
                    } else {
                        index += 8
                    }
                }
                while found == count && index < count {
                    let byte = base[index]
                    if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        found = index
                        break
                    }
                    index += 1
                }
                if found == count { break }
            }
            if runStart < found {
                out.append(bytes: UnsafeBufferPointer(start: base + runStart, count: found - runStart))
            }
            let byte = base[found]
            switch byte {
            case UInt8(ascii: "\""): out.append(literal: #"\""#)
            case UInt8(ascii: "\\"): out.append(literal: #"\\"#)
            case 0x0A: out.append(literal: #"\n"#)
            case 0x0D: out.append(literal: #"\r"#)
            case 0x09: out.append(literal: #"\t"#)
            default:
                out.append(literal: #"\u00"#)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
            index = found + 1
            runStart = index
        }
        if runStart < count { out.append(bytes: UnsafeBufferPointer(start: base + runStart, count: count - runStart)) }
        out.append(UInt8(ascii: "\""))
    }

    /// The sixteen bytes of `bytes` as two words, each byte 0xFF where that byte needs escaping in a
    /// JSON string (a control byte, '"' or '\\') and 0 where not. Compared with whole vectors,
    /// their type spelt out: that compiles to six SSE2 instructions, where the forms taking a
    /// scalar (`bytes .== 0x22`) or an inferred `SIMD16(repeating:)` pick the protocol's generic
    /// operators and compile to a loop over the lanes.
    @inline(__always)
    private static func escapeLanes(_ bytes: SIMD16<UInt8>) -> SIMD2<UInt64> {
        let flagged = (bytes .< SIMD16<UInt8>(repeating: 0x20)) .| (bytes .== SIMD16<UInt8>(repeating: 0x22))
            .| (bytes .== SIMD16<UInt8>(repeating: 0x5C))
        return unsafeBitCast(flagged, to: SIMD2<UInt64>.self)
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
