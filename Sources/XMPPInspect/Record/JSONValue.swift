/// A JSON value, as the log reader needs it.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    var string: String? { if case .string(let value) = self { return value } else { return nil } }
    var number: Double? { if case .number(let value) = self { return value } else { return nil } }
    /// The number as an integer (truncated), nil when it is not finite or does not fit: a log
    /// line can hold `1e999`.
    var int: Int? { number.flatMap { Int(exactly: $0.rounded(.towardZero)) } }
    var bool: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    subscript(key: String) -> JSONValue? { if case .object(let members) = self { return members[key] } else { return nil } }
}
