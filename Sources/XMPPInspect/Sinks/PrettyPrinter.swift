import XMPPCore

/// Prints records for a person: a header line per stanza, then its XML indented, each namespace
/// labelled from the XSF registry, responses with their round trip, errors standing out.
///
/// A namespace's label is its short name and spec (`# roster · RFC 6121`); the spec's full title
/// follows the first time the output names that spec (`# bind · RFC 6120 Extensible Messaging
/// and Presence Protocol (XMPP): Core`), or every time with `explain`. A stream header gets a
/// `content:` line only when its content namespace is unusual (``StreamContentWatch``).
public final class PrettyPrinter: RecordSink {
    /// Text nodes longer than this are trimmed unless `showFullText`.
    public static let trimLength = 300

    private let output: BufferedOutput
    private let style: TerminalStyle
    private let showFullText: Bool
    private let explain: Bool
    /// The specs whose full title was printed already.
    private var titledSpecs: Set<String> = []
    private var streamContent = StreamContentWatch()

    /// `explain`: print each namespace's spec title every time, not only the first.
    public init(output: BufferedOutput, style: TerminalStyle, showFullText: Bool = false, explain: Bool = false) {
        self.output = output
        self.style = style
        self.showFullText = showFullText
        self.explain = explain
    }

    public func consume(_ record: Record) {
        output.withBuffer { render(record, into: &$0) }
    }

    public func finish() { output.flush() }

    /// The text printed for one record.
    public func render(_ record: Record) -> String {
        var bytes: [UInt8] = []
        render(record, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the text printed for one record, as UTF-8, to `text`: the printer builds no
    /// Strings on the way for stanzas.
    func render(_ record: Record, into text: inout [UInt8]) {
        headerLine(record, into: &text)
        text.append(0x0A)
        switch record.event {
        case .stanza, .nonza, .streamError:
            if let binding = record.binding {
                let verdict: String
                switch binding.matches {
                case true?: verdict = style.green + "✔ matches this TLS session" + style.reset
                case false?: verdict = style.red + style.bold + "✖ does not match this TLS session" + style.reset
                case nil: verdict = style.yellow + "not checked" + style.reset
                }
                text += "    channel binding " + binding.type + ": " + verdict
                    + (binding.note.map { "\n    " + style.dim + $0 + style.reset } ?? "") + "\n"
            }
            // Records read back from a log carry the XML only.
            if let element = record.element ?? record.xmlBytes.flatMap(Element.parse) {
                if let error = record.error { text += errorLine(error) }
                if !record.unanswered { renderElement(element, depth: 1, parentNamespace: element.namespace, into: &text) }
            }
        case .streamOpen:
            if let oddity = streamContent.examine(connection: record.connection, direction: record.direction,
                                                  namespaces: record.namespaces) {
                text += "    " + style.yellow + "content: " + describe(oddity) + style.reset + "\n"
            }
        case .parseError:
            if let error = record.error { text += errorLine(error) }
            if let xml = record.xml {
                text += "    " + style.dim + "skipped: " + trimmed(xml.replacingNewlines(), to: 160) + style.reset + "\n"
            }
        case .proxyNote:
            for note in record.proxy?.notes ?? [] { text += "    " + style.yellow + note + style.reset + "\n" }
        case .tls:
            let tls = record.tls ?? TLSInfo()
            if let subject = tls.subject {
                text += "    " + style.dim + "certificate " + subject + (tls.issuer.map { ", issued by " + $0 } ?? "")
                    + (tls.notAfter.map { ", valid until " + $0 } ?? "") + style.reset + "\n"
            }
            if let reason = tls.reason { text += "    " + style.yellow + reason + style.reset + "\n" }
        case .tlsError:
            if let error = record.error { text += errorLine(error) }
        case .webError:
            if let error = record.error { text += errorLine(error) }
        case .finding:
            if let finding = record.finding {
                text += "    " + finding.message + "\n"
                text += "    " + style.dim + "fix: " + finding.hint + style.reset + "\n"
            }
        case .close:
            streamContent.forget(connection: record.connection)
        case .streamClose, .tlsStart, .gap, .connect, .tlsEstablished, .webSocket, .http:
            break
        }
    }

    // MARK: Header

    private func headerLine(_ record: Record, into line: inout [UInt8]) {
        let clock = record.timestamp.clockTime
        line += style.dim
        appendPadded(clock.hour, width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendPadded(clock.minute, width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendPadded(clock.second, width: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendPadded(clock.microsecond, width: 6, to: &line)
        line += style.reset
        line += " "
        line += style.cyan
        line += "#"
        JSONLinesWriter.appendInteger(record.connection, to: &line)
        line += style.reset
        line += " "
        if record.transport != .tcp { line += style.dim + (record.transport == .websocket ? "ws" : "bosh") + style.reset + " " }
        line += record.direction.rawValue
        line += record.direction == .c2s ? " → " : " ← "
        switch record.event {
        case .stanza, .nonza, .streamError:
            let color = record.error != nil || record.event == .streamError ? style.red : kindColor(record.kind)
            line += style.bold
            line += color
            line += record.kind ?? "?"
            line += style.reset
            if let type = record.type {
                line += " "
                line += color
                line += type
                line += style.reset
            }
            if let id = record.id {
                line += " id="
                line += id
            }
            if record.from != nil || record.to != nil {
                line += "  "
                line += record.from ?? "·"
                line += " → "
                line += record.to ?? "·"
            }
            line += style.dim
            line += "  "
            JSONLinesWriter.appendInteger(record.size, to: &line)
            line += " B"
            line += style.reset
            if record.unanswered {
                line += "  " + style.yellow + "⚠ unanswered (sent as #\(record.seq))" + style.reset
            } else if let request = record.requestSeq {
                if let rtt = record.rttMilliseconds {
                    line += "  "
                    line += style.green
                    line += "↩ "
                    appendMilliseconds(rtt, to: &line)
                    line += style.reset
                }
                line += style.dim
                line += " (answers #"
                JSONLinesWriter.appendInteger(request, to: &line)
                line += ")"
                line += style.reset
            } else if record.unmatchedResponse {
                line += "  " + style.yellow + "↩ no matching request" + style.reset
            }
            if record.redacted { line += style.dim + "  [credentials redacted]" + style.reset }
            line += style.dim
            line += "  #"
            JSONLinesWriter.appendInteger(record.seq, to: &line)
            line += style.reset
        case .streamOpen:
            line += style.bold + "stream open" + style.reset
            if let to = record.to { line += " to=" + to }
            if let from = record.from { line += " from=" + from }
            if let id = record.id { line += " id=" + id }
            if let version = record.element?[attribute: "version"] { line += " version=" + version }
        case .streamClose:
            line += style.bold + "stream close" + style.reset
            if let uri = seeOtherURI(record) { line += "  " + style.yellow + "see-other-uri " + uri + style.reset }
        case .tlsStart:
            line += style.magenta + "🔒 TLS began" + style.reset
            if let bytes = record.encryptedBytes, bytes.c2s == 0 && bytes.s2c == 0 {
                line += style.dim + " — decrypted with the key log" + style.reset
            } else if let bytes = record.encryptedBytes {
                line += style.dim + " — not decoded: \(bytes.c2s) B c2s, \(bytes.s2c) B s2c encrypted" + style.reset
            } else {
                line += style.dim + " — intercepted: what follows is decrypted" + style.reset
            }
        case .parseError:
            line += style.red + style.bold + "parse error" + style.reset
            if let position = record.position {
                line += " at byte \(position.offset), line \(position.line):\(position.column)"
            }
            if let count = record.byteCount, count > 0 { line += style.dim + "  (\(count) B skipped)" + style.reset }
        case .gap:
            line += style.yellow + "gap: \(record.byteCount ?? 0) bytes missing from the capture" + style.reset
                + style.dim + " (decoding resumes at the next stanza)" + style.reset
        case .connect:
            let proxy = record.proxy ?? ProxyInfo()
            line += style.bold + "connect" + style.reset + " " + (proxy.client ?? "?") + " → " + (proxy.listener ?? "proxy")
                + " → " + (proxy.server ?? "?")
            if let reason = proxy.reason { line += "  " + style.red + reason + style.reset }
        case .tlsEstablished:
            let proxy = record.proxy ?? ProxyInfo()
            line += style.magenta + "🔒 TLS with the " + (record.direction == .c2s ? "client" : "server") + style.reset
            line += " " + [proxy.tlsVersion, proxy.cipher].compactMap { $0 }.joined(separator: " ")
            if let subject = proxy.certificateSubject { line += style.dim + "  certificate " + subject + style.reset }
            if let sni = proxy.serverName { line += style.dim + "  sni " + sni + style.reset }
            if let alpn = proxy.alpn { line += style.dim + "  alpn " + alpn + style.reset }
        case .finding:
            let finding = record.finding ?? Finding(id: "?", severity: .info, spec: "", message: "", hint: "")
            let mark: String
            switch finding.severity {
            case .error: mark = style.red + style.bold + "✖ error"
            case .warning: mark = style.yellow + style.bold + "⚠ warning"
            case .info: mark = style.cyan + "ℹ info"
            }
            line += mark + style.reset + " " + style.bold + finding.id + style.reset
            if !finding.spec.isEmpty { line += style.dim + "  " + finding.spec + style.reset }
            if !record.about.isEmpty { line += style.dim + "  (about " + record.about.map { "#\($0)" }.joined(separator: ", ") + ")" + style.reset }
        case .close:
            let proxy = record.proxy ?? ProxyInfo()
            line += style.bold + "close" + style.reset + " by " + (proxy.closedBy ?? "?")
            if let reason = proxy.reason { line += " (" + reason + ")" }
            if let bytes = proxy.bytes { line += style.dim + "  \(bytes.c2s) B c2s, \(bytes.s2c) B s2c" + style.reset }
        case .proxyNote:
            line += style.yellow + style.bold + "proxy" + style.reset
        case .tls:
            let tls = record.tls ?? TLSInfo()
            line += style.magenta + "🔒 TLS" + style.reset + " " + [tls.version, tls.suite].compactMap { $0 }.joined(separator: " ")
            if let sni = tls.serverName { line += style.dim + "  sni " + sni + style.reset }
            if let alpn = tls.alpn { line += style.dim + "  alpn " + alpn + style.reset }
            if tls.resumed { line += style.dim + "  resumed" + style.reset }
            line += record.decrypted == true ? "  " + style.green + "decrypted" + style.reset
                : "  " + style.yellow + "not decrypted" + style.reset
        case .tlsError:
            line += style.red + style.bold + "TLS error" + style.reset
        case .http:
            line += httpLine(record)
        case .webSocket:
            line += style.bold + "websocket " + (record.kind ?? "?") + style.reset
            if let code = record.http?.closeCode { line += " \(code)" }
            if let reason = record.http?.closeReason, !reason.isEmpty { line += " " + reason }
            line += style.dim + "  \(record.size) B" + style.reset
        case .webError:
            line += style.red + style.bold + "web error" + style.reset
            if let offset = record.offset { line += " at byte \(offset)" }
        }
    }

    /// Where an RFC 7395 `<close see-other-uri='…'/>` sends the client, read from the element or, for a
    /// record read back from a log, its XML; nil for any other stream close.
    private func seeOtherURI(_ record: Record) -> String? {
        guard record.transport == .websocket, let raw = record.xmlBytes, !raw.isEmpty else { return nil }
        return (record.element ?? Element.parse(raw))?[attribute: "see-other-uri"]
    }

    /// An HTTP request (`POST /http-bind rid=…`) or response (`404 Not Found`) of a web transport.
    private func httpLine(_ record: Record) -> String {
        let http = record.http ?? HTTPInfo()
        var line: String
        if let status = http.status {
            let color = http.isFailure ? style.red + style.bold : (status == 101 || status < 300 ? style.green : style.yellow)
            line = color + "HTTP \(status)" + (http.reason.map { " " + $0 } ?? "") + style.reset
        } else {
            line = style.bold + (http.method ?? "?") + style.reset + " " + (http.target ?? "?")
        }
        if let rid = record.rid { line += " rid=\(rid)" }
        if let sid = http.sid { line += style.dim + " sid=" + sid + style.reset }
        if let type = record.type { line += " type=" + type }
        if let proto = http.webSocketProtocol { line += " protocol=" + proto }
        if let extensions = http.extensions { line += style.dim + " extensions=" + extensions + style.reset }
        if let origin = http.origin { line += style.dim + " origin=" + origin + style.reset }
        if let via = http.via { line += style.dim + " via #\(via)" + style.reset }
        if let bytes = http.bodyBytes { line += style.dim + "  \(bytes) B body" + style.reset }
        line += style.dim + "  #\(record.seq)" + style.reset
        return line
    }

    private func kindColor(_ kind: String?) -> String {
        switch kind {
        case "iq": return style.blue
        case "message": return style.green
        case "presence": return style.magenta
        default: return style.cyan
        }
    }

    private func errorLine(_ error: ErrorInfo) -> String {
        var line = "    " + style.red + style.bold + "✖ " + error.source.rawValue + " error" + style.reset + style.red
        if let type = error.type { line += " " + type }
        if let condition = error.condition { line += " " + style.bold + condition + style.reset + style.red }
        if let code = error.code { line += " (code \(code))" }
        if let application = error.applicationCondition { line += " " + application }
        if let text = error.text { line += ": " + text }
        return line + style.reset + "\n"
    }

    // MARK: XML

    private func renderElement(_ element: Element, depth: Int, parentNamespace: String?, into out: inout [UInt8]) {
        let indentWidth = 2 * (depth + 1)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentWidth))
        out += style.blue
        out.append(UInt8(ascii: "<"))
        appendQualifiedName(element.prefix, element.name, to: &out)
        for declaration in element.namespaceDeclarations {
            if let prefix = declaration.prefix {
                out += " xmlns:"
                out += prefix
                out += "="
            } else {
                out += " xmlns="
            }
            appendQuoted(declaration.uri, to: &out)
        }
        for attribute in element.attributes {
            out.append(UInt8(ascii: " "))
            appendQualifiedName(attribute.prefix, attribute.name, to: &out)
            out.append(UInt8(ascii: "="))
            appendQuoted(attribute.value, to: &out)
        }
        let labelNamespace = element.namespace == parentNamespace ? nil : element.namespace
        let hasElements = element.children.contains { if case .element = $0 { return true } else { return false } }
        if !hasElements {
            var text = element.text
            let shown = text.withUTF8 { XMLTextBytes.hasContent($0) }
            if !shown {
                out += "/>"
                out += style.reset
            } else {
                out.append(UInt8(ascii: ">"))
                out += style.reset
                text.withUTF8 { appendCutText($0, to: &out) }
                out += style.blue
                out += "</"
                appendQualifiedName(element.prefix, element.name, to: &out)
                out.append(UInt8(ascii: ">"))
                out += style.reset
            }
            if let labelNamespace { appendLabel(labelNamespace, to: &out) }
            out.append(0x0A)
            return
        }
        out.append(UInt8(ascii: ">"))
        out += style.reset
        if let labelNamespace { appendLabel(labelNamespace, to: &out) }
        out.append(0x0A)
        for child in element.children {
            switch child {
            case .element(let child):
                renderElement(child, depth: depth + 1, parentNamespace: element.namespace, into: &out)
            case .text(var text):
                text.withUTF8 { bytes in
                    let content = XMLTextBytes.trimmed(bytes)
                    guard !content.isEmpty else { return }
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentWidth + 2))
                    appendCutText(content, to: &out)
                    out.append(0x0A)
                }
            }
        }
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentWidth))
        out += style.blue
        out += "</"
        appendQualifiedName(element.prefix, element.name, to: &out)
        out.append(UInt8(ascii: ">"))
        out += style.reset
        out.append(0x0A)
    }

    private func appendQualifiedName(_ prefix: String?, _ name: String, to out: inout [UInt8]) {
        if let prefix {
            out += prefix
            out.append(UInt8(ascii: ":"))
        }
        out += name
    }

    /// `='value'`'s quoted part, the value escaped and coloured.
    private func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out += style.reset
        out.append(UInt8(ascii: "'"))
        out += style.yellow
        var value = value
        value.withUTF8 { XMLTextBytes.appendEscapedAttribute($0, to: &out) }
        out += style.reset
        out.append(UInt8(ascii: "'"))
        out += style.blue
    }

    /// `   # roster · RFC 6121` after an element whose namespace differs from its parent's.
    private func appendLabel(_ namespace: String, to out: inout [UInt8]) {
        out += "   "
        out += style.dim
        out += "# "
        out += namespaceLabel(namespace)
        out += style.reset
    }

    /// `roster · RFC 6121`, with the spec's title the first time (or always when explaining).
    private func namespaceLabel(_ namespace: String) -> String {
        guard let info = NamespaceRegistry.info(for: namespace) else { return "unknown namespace " + namespace }
        guard explain || titledSpecs.insert(info.spec).inserted else { return info.shortSummary }
        return info.summary
    }

    private func describe(_ oddity: StreamContentOddity) -> String {
        switch oddity {
        case .missing:
            return "none — the header declares no content namespace (jabber:client or jabber:server expected)"
        case .unexpected(let namespace):
            return namespace + " — not jabber:client, jabber:server or a component namespace"
        case .differs(let namespace, let other):
            return namespace + " — the other side's header said " + other
        }
    }

    private func trimmed(_ text: String, to limit: Int) -> String {
        guard !showFullText else { return text }
        let kept = text.prefix(limit)
        let rest = text.utf8.count - kept.utf8.count
        guard rest > 0 else { return text }
        return String(kept) + style.dim + "… (+\(rest) B; --full shows all)" + style.reset
    }

    /// The first `trimLength` characters of `text`, escaped, and how many bytes were left out.
    /// Only what is shown is escaped: a long body costs no more than a short one.
    private func appendCutText(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard !showFullText, let kept = XMLTextBytes.prefixLength(text, characters: Self.trimLength) else {
            XMLTextBytes.appendEscapedText(text, to: &out)
            return
        }
        XMLTextBytes.appendEscapedText(UnsafeBufferPointer(rebasing: text[..<kept]), to: &out)
        out += style.dim
        out += "… (+"
        JSONLinesWriter.appendInteger(text.count - kept, to: &out)
        out += " B; --full shows all)"
        out += style.reset
    }

    /// `12.3 ms`, or `1.23 s` from a second up.
    private func appendMilliseconds(_ value: Double, to out: inout [UInt8]) {
        if value >= 1000 {
            let hundredths = Int(value / 10)
            JSONLinesWriter.appendInteger(hundredths / 100, to: &out)
            out.append(UInt8(ascii: "."))
            appendPadded(hundredths % 100, width: 2, to: &out)
            out += " s"
            return
        }
        let tenths = Int((value * 10).rounded())
        JSONLinesWriter.appendInteger(tenths / 10, to: &out)
        out.append(UInt8(ascii: "."))
        JSONLinesWriter.appendInteger(tenths % 10, to: &out)
        out += " ms"
    }

    /// A non-negative number with leading zeros to `width` digits.
    private func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var scale = 1
        for _ in 1..<width { scale *= 10 }
        while scale > 1 && value < scale {
            out.append(UInt8(ascii: "0"))
            scale /= 10
        }
        JSONLinesWriter.appendInteger(value, to: &out)
    }

}

extension String {
    func replacingNewlines() -> String {
        var result = ""
        for character in self { result.append(character == "\n" || character == "\r\n" ? "⏎" : character) }
        return result
    }
}

/// The printer writes its text as UTF-8 bytes in place.
@inline(__always)
private func += (text: inout [UInt8], string: String) {
    // Colour codes are empty without colour; the rest is copied from the string's own bytes,
    // borrowed (`withUTF8` on a copy retained and released the string at each of the ~90 calls
    // a stanza makes).
    guard !string.isEmpty else { return }
    if string.utf8.withContiguousStorageIfAvailable({ text.append(contentsOf: $0) }) == nil {
        text.append(contentsOf: string.utf8)
    }
}
