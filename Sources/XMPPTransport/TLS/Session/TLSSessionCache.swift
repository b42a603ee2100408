/// TLS 1.2 master secrets by session id and by ticket, across a capture's connections: a
/// resumed session whose client random is not in the key log is decrypted with the secret of
/// the session it resumes.
public final class TLSSessionCache {
    private var bySessionID: [[UInt8]: [UInt8]] = [:]
    private var byTicket: [[UInt8]: [UInt8]] = [:]
    /// Bounds memory on captures with many sessions.
    private let capacity = 4096

    public init() {}

    func store(masterSecret: [UInt8], sessionID: [UInt8]) {
        guard !sessionID.isEmpty, bySessionID.count < capacity else { return }
        bySessionID[sessionID] = masterSecret
    }

    func store(masterSecret: [UInt8], ticket: [UInt8]) {
        guard !ticket.isEmpty, byTicket.count < capacity else { return }
        byTicket[ticket] = masterSecret
    }

    func masterSecret(sessionID: [UInt8]) -> [UInt8]? { sessionID.isEmpty ? nil : bySessionID[sessionID] }
    func masterSecret(ticket: [UInt8]) -> [UInt8]? { byTicket[ticket] }
}
