import Synchronization

/// TLS 1.2 master secrets by session id and by ticket, across a capture's connections: a
/// resumed session whose client random is not in the key log is decrypted with the secret of
/// the session it resumes. Shared by the decoders of one capture, on whichever threads they run.
public final class TLSSessionCache: Sendable {
    private struct Entries {
        var bySessionID: [[UInt8]: [UInt8]] = [:]
        var byTicket: [[UInt8]: [UInt8]] = [:]
    }

    private let entries = Mutex(Entries())
    /// Bounds memory on captures with many sessions.
    private let capacity = 4096

    public init() {}

    func store(masterSecret: [UInt8], sessionID: [UInt8]) {
        guard !sessionID.isEmpty else { return }
        entries.withLock { entries in
            guard entries.bySessionID.count < capacity else { return }
            entries.bySessionID[sessionID] = masterSecret
        }
    }

    func store(masterSecret: [UInt8], ticket: [UInt8]) {
        guard !ticket.isEmpty else { return }
        entries.withLock { entries in
            guard entries.byTicket.count < capacity else { return }
            entries.byTicket[ticket] = masterSecret
        }
    }

    func masterSecret(sessionID: [UInt8]) -> [UInt8]? {
        sessionID.isEmpty ? nil : entries.withLock { $0.bySessionID[sessionID] }
    }

    func masterSecret(ticket: [UInt8]) -> [UInt8]? { entries.withLock { $0.byTicket[ticket] } }
}
