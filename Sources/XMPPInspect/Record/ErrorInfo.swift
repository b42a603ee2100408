/// An error carried by a record: a stanza, stream or SASL error, or a decoding error.
public struct ErrorInfo: Sendable, Hashable {
    /// Where the error comes from.
    public enum Source: String, Sendable, Hashable { case stanza, stream, sasl, tls, parse, web }
    public var source: Source
    /// Stanza errors: `cancel`, `modify`, `auth`, `wait`, `continue`.
    public var type: String?
    /// The defined condition (`item-not-found`), or derived from a legacy `code`.
    public var condition: String?
    public var text: String?
    /// A legacy (pre-RFC 3920) numeric `code`.
    public var code: String?
    /// An application-specific condition element, as `{namespace}name`.
    public var applicationCondition: String?

    public init(source: Source, type: String? = nil, condition: String? = nil, text: String? = nil,
                code: String? = nil, applicationCondition: String? = nil) {
        self.source = source
        self.type = type
        self.condition = condition
        self.text = text
        self.code = code
        self.applicationCondition = applicationCondition
    }
}
