/// What a check is: its id, severity, the rule it enforces and where the spec says so. `xmppscope
/// check --list` prints these; docs/checks.md explains each with an example.
public struct CheckDescriptor: Sendable, Hashable {
    /// Stable, lower-case, dash-separated (`iq-missing-id`): what `--checks` and filters name.
    public let id: String
    public let severity: FindingSeverity
    /// The spec and section (`RFC 6120 §8.2.3`).
    public let spec: String
    /// The rule, in one sentence.
    public let rule: String
    /// How to fix code that breaks it.
    public let hint: String

    public init(id: String, severity: FindingSeverity, spec: String, rule: String, hint: String) {
        self.id = id
        self.severity = severity
        self.spec = spec
        self.rule = rule
        self.hint = hint
    }

    /// A finding of this check, with its own message.
    public func finding(_ message: String) -> Finding {
        Finding(id: id, severity: severity, spec: spec, message: message, hint: hint)
    }
}
