/// What `--summary` counts a connection's top-level elements by: a stanza's (or stream error's)
/// name and type, or a nonza's name alone. Kept as the record's own strings (a few bytes each,
/// held inline) and hashed as they are: the label is only written out with the report.
public struct StanzaKind: Hashable, Sendable {
    public let isNonza: Bool
    public let name: String?
    /// The `type` attribute; always nil for a nonza, which is counted by name alone.
    public let type: String?

    public init(isNonza: Bool, name: String?, type: String?) {
        self.isNonza = isNonza
        self.name = name
        self.type = isNonza ? nil : type
    }

    /// The kind of a stanza, nonza or stream error record.
    public init(of record: Record) {
        self.init(isNonza: record.event == .nonza, name: record.kind, type: record.type)
    }

    /// How the report names it: `iq get`, `presence -` (no type), `nonza features`.
    public var label: String {
        isNonza ? "nonza \(name ?? "?")" : "\(name ?? "?") \(type ?? "-")"
    }
}
