/// Which records a check looks at: the runner hands each record only to the checks interested
/// in its kind (most checks are about one kind of stanza, and most records are stanzas).
public struct CheckInterest: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// iq stanzas, and the follow-ups of unanswered requests.
    public static let iq = CheckInterest(rawValue: 1 << 0)
    public static let message = CheckInterest(rawValue: 1 << 1)
    public static let presence = CheckInterest(rawValue: 1 << 2)
    /// Top-level elements that are not stanzas (features, SASL, XEP-0198, …).
    public static let nonza = CheckInterest(rawValue: 1 << 3)
    public static let streamOpen = CheckInterest(rawValue: 1 << 4)
    /// Everything else: stream closes and errors, gaps, parse errors, TLS and proxy records.
    public static let otherRecords = CheckInterest(rawValue: 1 << 5)

    public static let stanzas: CheckInterest = [.iq, .message, .presence]
    public static let all: CheckInterest = [.stanzas, .nonza, .streamOpen, .otherRecords]

    /// The one interest `record` falls under.
    static func of(_ record: Record) -> CheckInterest {
        switch record.event {
        case .stanza:
            switch record.kind {
            case "iq": return .iq
            case "message": return .message
            case "presence": return .presence
            default: return .otherRecords
            }
        case .nonza: return .nonza
        case .streamOpen: return .streamOpen
        default: return .otherRecords
        }
    }

    /// Index of each single interest, for dispatch tables.
    static let singles: [CheckInterest] = [.iq, .message, .presence, .nonza, .streamOpen, .otherRecords]
}
