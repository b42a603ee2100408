/// Which records a check looks at: the runner hands each record only to the checks interested
/// in its kind (most checks are about one kind of stanza, and most records are stanzas).
public struct CheckInterest: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// iq stanzas, and the follow-ups of unanswered requests.
    public static let iq: CheckInterest = [.iqNotError, .iqError]
    public static let message: CheckInterest = [.messageNotError, .messageError]
    public static let presence: CheckInterest = [.presenceNotError, .presenceError]
    /// Top-level elements that are not stanzas (features, SASL, XEP-0198, …).
    public static let nonza = CheckInterest(rawValue: 1 << 3)
    public static let streamOpen = CheckInterest(rawValue: 1 << 4)
    /// Everything else: stream closes and errors, gaps, parse errors, TLS and proxy records.
    public static let otherRecords = CheckInterest(rawValue: 1 << 5)
    /// Stanzas of type error only (the checks of an `<error/>`'s contents: one stanza in many).
    public static let errorStanzas: CheckInterest = [.iqError, .messageError, .presenceError]

    public static let stanzas: CheckInterest = [.iq, .message, .presence]
    public static let all: CheckInterest = [.stanzas, .nonza, .streamOpen, .otherRecords]

    private static let iqNotError = CheckInterest(rawValue: 1 << 0)
    private static let messageNotError = CheckInterest(rawValue: 1 << 1)
    private static let presenceNotError = CheckInterest(rawValue: 1 << 2)
    private static let iqError = CheckInterest(rawValue: 1 << 6)
    private static let messageError = CheckInterest(rawValue: 1 << 7)
    private static let presenceError = CheckInterest(rawValue: 1 << 8)

    /// The index in ``singles`` of the one single interest `record` falls under.
    static func slot(of record: Record) -> Int {
        switch record.event {
        case .stanza:
            let isError = record.type == "error"
            switch record.kind {
            case "iq": return isError ? 6 : 0
            case "message": return isError ? 7 : 1
            case "presence": return isError ? 8 : 2
            default: return 5
            }
        case .nonza: return 3
        case .streamOpen: return 4
        default: return 5
        }
    }

    /// Every single interest, in the order of the runner's dispatch tables (``slot(of:)``).
    static let singles: [CheckInterest] = [
        .iqNotError, .messageNotError, .presenceNotError, .nonza, .streamOpen, .otherRecords,
        .iqError, .messageError, .presenceError,
    ]
}
