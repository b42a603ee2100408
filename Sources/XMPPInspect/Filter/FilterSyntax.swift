/// A parsed filter expression.
public indirect enum FilterExpression: Sendable, Hashable {
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
    /// A bare word for a kind or flag: `iq`, `error`, `unanswered`.
    case flag(FilterFlag)
    /// A field or path alone: true when it has a value.
    case exists(FilterOperand)
    case compare(FilterOperand, FilterOperator, FilterValue)
    case member(FilterOperand, [FilterValue])
}

/// Kinds and flags written as bare words.
public enum FilterFlag: String, Sendable, Hashable, CaseIterable {
    case iq, message, presence, nonza, stream, error, unanswered, request, response, gap, tls, decrypted
    /// A check's finding, or a record that triggered one.
    case finding
    case parseError = "parse-error"
}

/// What a comparison looks at.
public enum FilterOperand: Sendable, Hashable {
    case field(FilterField)
    /// Elements below the stanza by local name, `*` for any; with an attribute, its values,
    /// else the elements' text: `query/item@jid`, `pubsub/publish`.
    case path(steps: [String], attribute: String?)
}

/// The fields a filter can name.
public enum FilterField: String, Sendable, Hashable, CaseIterable {
    case type, id, from, to, dir, conn, ns, rtt, size, body, subject, thread, show, ts, kind, event, seq
    case fromBare = "from.bare", fromDomain = "from.domain", fromResource = "from.resource"
    case toBare = "to.bare", toDomain = "to.domain", toResource = "to.resource"
    case errorType = "error.type", errorCondition = "error.condition", errorText = "error.text"
    case tlsVersion = "tls.version", tlsSuite = "tls.suite", tlsSNI = "tls.sni", tlsALPN = "tls.alpn"
    case findingID = "finding.id", findingSeverity = "finding.severity"
    case transport, rid
    case httpMethod = "http.method", httpTarget = "http.target", httpStatus = "http.status", httpVia = "http.via"
    case httpSID = "http.sid", httpOrigin = "http.origin", httpProtocol = "http.protocol"

    /// Whether the field holds a number (compared numerically).
    var isNumeric: Bool {
        switch self {
        case .rtt, .size, .conn, .seq, .rid, .httpStatus, .httpVia: return true
        default: return false
        }
    }
}

/// Comparison operators.
public enum FilterOperator: String, Sendable, Hashable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains, matches
}

/// A literal on the right of a comparison.
public enum FilterValue: Sendable, Hashable {
    case string(String)
    /// A number; durations are in milliseconds (`250ms`, `1.5s`, `800us`).
    case number(Double)
}

/// A filter that does not parse, with the column to point at.
public struct FilterError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// 1-based column in the expression.
    public var column: Int
    public var expression: String

    /// The message, the expression, and a caret under the column.
    public var description: String {
        "error: \(message)\n  \(expression)\n  \(String(repeating: " ", count: max(0, column - 1)))^"
    }
}
