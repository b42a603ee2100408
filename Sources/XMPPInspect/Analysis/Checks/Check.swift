/// One rule about what a client or server may say. Each connection gets a fresh instance of its
/// own, never shared with another connection, which sees that connection's records in order: the
/// session's facts (``CheckSession``) are as they were before the record in hand. A check that
/// keeps state is a final class (a mutating call on a struct held as `any Check` would project and
/// uniqueness-check its box for every record). Adding a check is one file with a type conforming
/// to this, listed in ``CheckCatalog``.
public protocol Check: SendableMetatype {
    /// Its id, severity, spec section and rule.
    static var descriptor: CheckDescriptor { get }
    /// Whether it needs to know which side sent what: checks that do are off for a raw text file
    /// that holds both sides in one stream.
    static var needsDirections: Bool { get }
    /// Which records it looks at (all by default): it is not called for the others.
    static var interests: CheckInterest { get }
    /// Whether it reads the session's table of answered iq requests, which a session keeps only
    /// when a check selected for it does (false by default).
    static var readsAnsweredRequests: Bool { get }
    init()
    /// Looks at one record. Follow-ups of unanswered requests (``Record/unanswered``) come here too.
    mutating func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList)
    /// The connection ended: findings about what never happened.
    mutating func finish(in session: CheckSession, findings: inout FindingList)
}

extension Check {
    public static var needsDirections: Bool { true }
    public static var interests: CheckInterest { .all }
    public static var readsAnsweredRequests: Bool { false }
    public mutating func finish(in session: CheckSession, findings: inout FindingList) {}
}
