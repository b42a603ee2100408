/// The secrets of every TLS session a set of key logs names, found by client random. Later
/// entries for the same session and label replace earlier ones (a client that logged twice).
public struct TLSSecrets: Sendable {
    private var sessions: [[UInt8]: [KeyLogLabel: [UInt8]]] = [:]

    public init() {}

    /// Adds one key log entry.
    public mutating func add(_ entry: KeyLogEntry) {
        sessions[entry.clientRandom, default: [:]][entry.label] = entry.secret
    }

    /// The secrets logged for the session whose ClientHello carried `clientRandom`.
    public func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        sessions[clientRandom]
    }

    /// How many sessions have at least one secret.
    public var sessionCount: Int { sessions.count }
}
