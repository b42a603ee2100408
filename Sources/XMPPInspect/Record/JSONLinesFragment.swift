/// The constant bytes between a record's values, built once from ``LogField`` so the writer
/// appends each run of punctuation and keys in one go. Each is named for the value that follows
/// it; the comment shows its bytes.
enum JSONLinesFragment {
    private static let quote = [UInt8(ascii: "\"")]
    private static let literalTrue = Array("true".utf8)

    /// `{"v":1,"seq":`
    static let open = LogField.recordStart + LogField.seq.keyBytes
    /// `,"ts":"`
    static let timestamp = LogField.timestamp.memberBytes + quote
    /// `","conn":`
    static let connection = quote + LogField.connection.memberBytes
    /// `,"dir":"`
    static let direction = LogField.direction.memberBytes + quote
    /// `","event":"`
    static let event = quote + LogField.event.memberBytes + quote
    /// `","transport":"`
    static let transport = quote + LogField.transport.memberBytes + quote
    /// `","kind":`
    static let kind = quote + LogField.kind.memberBytes
    /// `,"type":`
    static let type = LogField.type.memberBytes
    /// `,"id":`
    static let id = LogField.id.memberBytes
    /// `,"from":`
    static let from = LogField.from.memberBytes
    /// `,"to":`
    static let to = LogField.to.memberBytes
    /// `,"ns":[`
    static let namespaces = LogField.namespaces.memberBytes + [UInt8(ascii: "[")]
    /// `],"size":`
    static let size = [UInt8(ascii: "]")] + LogField.size.memberBytes
    /// `,"offset":`
    static let offset = LogField.offset.memberBytes
    /// `,"rtt_ms":`
    static let rttMilliseconds = LogField.rttMilliseconds.memberBytes
    /// `,"request":`
    static let request = LogField.request.memberBytes
    /// `,"unanswered":true`
    static let unanswered = LogField.unanswered.memberBytes + literalTrue
    /// `,"unmatched_response":true`
    static let unmatchedResponse = LogField.unmatchedResponse.memberBytes + literalTrue
    /// `,"error":{"source":"`
    static let errorSource = LogField.error.memberBytes + [UInt8(ascii: "{")] + LogField.ErrorKey.source.keyBytes + quote
    /// `","type":`
    static let errorType = quote + LogField.ErrorKey.type.memberBytes
    /// `,"condition":`
    static let errorCondition = LogField.ErrorKey.condition.memberBytes
    /// `,"text":`
    static let errorText = LogField.ErrorKey.text.memberBytes
    /// `,"code":`
    static let errorCode = LogField.ErrorKey.code.memberBytes
    /// `,"app_condition":`
    static let errorApplicationCondition = LogField.ErrorKey.applicationCondition.memberBytes
    /// `,"line":`
    static let line = LogField.line.memberBytes
    /// `,"column":`
    static let column = LogField.column.memberBytes
    /// `,"bytes":`
    static let bytes = LogField.bytes.memberBytes
    /// `,"encrypted_bytes":{"c2s":`
    static let encryptedBytes = LogField.encryptedBytes.memberBytes + countsC2S
    /// `{"c2s":`
    static let countsC2S = [UInt8(ascii: "{")] + LogField.CountKey.c2s.keyBytes
    /// `,"s2c":`
    static let countsS2C = LogField.CountKey.s2c.memberBytes
    /// `,"redacted":true`
    static let redacted = LogField.redacted.memberBytes + literalTrue
    /// `,"proxy":{`
    static let proxy = LogField.proxy.memberBytes + [UInt8(ascii: "{")]
    /// `"client":`, `"listener":` …, by ``LogField/ProxyKey``.
    static let proxyKeys: [LogField.ProxyKey: [UInt8]] =
        Dictionary(uniqueKeysWithValues: LogField.ProxyKey.allCases.map { ($0, $0.keyBytes) })
    /// `,"tls":{`
    static let tls = LogField.tls.memberBytes + [UInt8(ascii: "{")]
    /// `"version":`, `"suite":` …, by ``LogField/TLSKey``.
    static let tlsKeys: [LogField.TLSKey: [UInt8]] =
        Dictionary(uniqueKeysWithValues: LogField.TLSKey.allCases.map { ($0, $0.keyBytes) })
    /// `,"decrypted":`
    static let decrypted = LogField.decrypted.memberBytes
    /// `,"binding":{"type":`
    static let bindingType = LogField.binding.memberBytes + [UInt8(ascii: "{")] + LogField.BindingKey.type.keyBytes
    /// `,"matches":`
    static let bindingMatches = LogField.BindingKey.matches.memberBytes
    /// `,"note":`
    static let bindingNote = LogField.BindingKey.note.memberBytes
    /// `,"findings":`
    static let findings = LogField.findings.memberBytes
    /// `,"about":[`
    static let about = LogField.about.memberBytes + [UInt8(ascii: "[")]
    /// `],"finding":{"id":`
    static let findingID = [UInt8(ascii: "]")] + LogField.finding.memberBytes + [UInt8(ascii: "{")] + LogField.FindingKey.id.keyBytes
    /// `,"severity":`
    static let findingSeverity = LogField.FindingKey.severity.memberBytes
    /// `,"spec":`
    static let findingSpec = LogField.FindingKey.spec.memberBytes
    /// `,"message":`
    static let findingMessage = LogField.FindingKey.message.memberBytes
    /// `,"hint":`
    static let findingHint = LogField.FindingKey.hint.memberBytes
    /// `,"rid":`
    static let rid = LogField.rid.memberBytes
    /// `,"http":{`
    static let http = LogField.http.memberBytes + [UInt8(ascii: "{")]
    /// `"method":`, `"status":` …, by ``LogField/HTTPKey``.
    static let httpKeys: [LogField.HTTPKey: [UInt8]] =
        Dictionary(uniqueKeysWithValues: LogField.HTTPKey.allCases.map { ($0, $0.keyBytes) })
    /// `,"xml":`
    static let xml = LogField.xml.memberBytes
}
