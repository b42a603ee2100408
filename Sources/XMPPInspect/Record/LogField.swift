/// The keys of a JSON Lines record (docs/log-format.md), each spelled once: the writer, the
/// decoder and grep's byte prefilter all take their names from here. The cases are in the order
/// the writer emits them.
enum LogField: String, LogKey, CaseIterable {
    case version = "v"
    case seq
    case timestamp = "ts"
    case connection = "conn"
    case direction = "dir"
    case event
    case transport
    case kind
    case type
    case id
    case from
    case to
    case namespaces = "ns"
    case size
    case offset
    case rttMilliseconds = "rtt_ms"
    case request
    case unanswered
    case unmatchedResponse = "unmatched_response"
    case error
    case line
    case column
    case bytes
    case encryptedBytes = "encrypted_bytes"
    case redacted
    case proxy
    case tls
    case decrypted
    case binding
    case findings
    case about
    case finding
    case rid
    case http
    case xml

    /// The keys of the `error` object, in the writer's order.
    enum ErrorKey: String, LogKey, CaseIterable {
        case source
        case type
        case condition
        case text
        case code
        case applicationCondition = "app_condition"
    }

    /// The keys of the `proxy` object, in the writer's order.
    enum ProxyKey: String, LogKey, CaseIterable {
        case client
        case listener
        case server
        case tlsVersion = "tls_version"
        case cipher
        case subject
        case sni
        case alpn
        case closedBy = "closed_by"
        case reason
        case bytes
        case notes
    }

    /// The keys of the `tls` object, in the writer's order.
    enum TLSKey: String, LogKey, CaseIterable {
        case version
        case suite
        case sni
        case alpn
        case subject
        case issuer
        case notBefore = "not_before"
        case notAfter = "not_after"
        case resumed
        case helloRetryRequest = "hrr"
        case reason
    }

    /// The keys of the `binding` object, in the writer's order.
    enum BindingKey: String, LogKey, CaseIterable {
        case type
        case matches
        case note
    }

    /// The keys of the `finding` object, in the writer's order.
    enum FindingKey: String, LogKey, CaseIterable {
        case id
        case severity
        case spec
        case message
        case hint
    }

    /// The keys of the `http` object, in the writer's order.
    enum HTTPKey: String, LogKey, CaseIterable {
        case method
        case target
        case status
        case reason
        case bodyBytes = "body_bytes"
        case via
        case origin
        case webSocketProtocol = "protocol"
        case extensions
        case sid
        case closeCode = "close_code"
        case closeReason = "close_reason"
    }

    /// The keys of a count per direction: `encrypted_bytes` and the proxy's `bytes`.
    enum CountKey: String, LogKey, CaseIterable {
        case c2s
        case s2c
    }

    /// `{"v":1,`: how every line the writer writes begins.
    static let recordStart: [UInt8] =
        [UInt8(ascii: "{")] + LogField.version.keyBytes + Array("\(JSONLinesWriter.formatVersion),".utf8)
}

/// A key of an object in the log; its raw value is the name as written.
protocol LogKey: RawRepresentable<String>, Hashable, Sendable {}

extension LogKey {
    /// `"name":`: the bytes before the key's value (names need no escaping).
    var keyBytes: [UInt8] { [UInt8(ascii: "\"")] + Array(rawValue.utf8) + [UInt8(ascii: "\""), UInt8(ascii: ":")] }
    /// `,"name":`: the key after another member.
    var memberBytes: [UInt8] { [UInt8(ascii: ",")] + keyBytes }
}
