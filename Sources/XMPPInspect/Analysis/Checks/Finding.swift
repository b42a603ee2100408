/// What a check found about one or more records: the `finding` object of a `finding` record.
public struct Finding: Sendable, Hashable {
    /// The check's id (`iq-missing-id`).
    public var id: String
    public var severity: FindingSeverity
    /// The spec and section the check enforces (`RFC 6120 §8.2.3`).
    public var spec: String
    /// What happened, naming the records by seq.
    public var message: String
    /// How to fix it.
    public var hint: String

    public init(id: String, severity: FindingSeverity, spec: String, message: String, hint: String) {
        self.id = id
        self.severity = severity
        self.spec = spec
        self.message = message
        self.hint = hint
    }
}
