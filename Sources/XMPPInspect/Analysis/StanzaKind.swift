/// What `--summary` counts a connection's top-level elements by: a stanza's (or stream error's)
/// name and type, or a nonza's name alone. It keeps the record's own strings (short ones are
/// held inline, without an allocation); the label is only built when the report is written.
public struct StanzaKind: Hashable, Sendable {
    /// Whether the record was a nonza (counted by name alone, and left out of the stanza total).
    public let isNonza: Bool
    /// The element's name (`iq`, `message`, `presence`, `error`, a nonza's), if known.
    public let name: String?
    /// The `type` attribute; always nil for a nonza, which is counted by name alone.
    public let type: String?

    /// A kind from its parts; a nonza's `type` is dropped.
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
