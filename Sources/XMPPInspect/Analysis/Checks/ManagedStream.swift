public import XMPPBase

/// A stream under XEP-0198 stream management: its counters, and what a later `<resume/>` or
/// `<resumed/>` naming it (on another connection) is held to.
public final class ManagedStream {
    /// The connection it was enabled on.
    public let connection: Int
    /// The id from `<enabled id='…'/>`, when the server allows resumption.
    public var resumptionID: String?
    /// The client's full JID, once bound.
    public var boundJID: String?
    public var counters = StreamManagementCounters()
    /// Directions in which bytes went missing (or could not be read as XML: a stanza too large,
    /// bytes not well-formed) while it was counted: their counts may be too low.
    public var hadGap: Set<Direction> = []

    public init(connection: Int, boundJID: String?) {
        self.connection = connection
        self.boundJID = boundJID
    }
}
