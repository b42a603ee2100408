import XMPPBase

/// One BOSH session (XEP-0124): what ties HTTP requests on any number of TCP connections into
/// one XMPP connection, by `sid`.
final class BOSHSession {
    /// The connection id its records carry.
    let connection: Int
    /// Known once the creation response names it (or from the first body seen mid-session).
    var sid: String?
    /// The TCP connections that carried its requests, in first-use order.
    var httpConnections: [Int] = []
    /// The highest `rid` the client sent, and the rids of recent requests (for repeats).
    var highestRID: Int?
    var recentRIDs: [Int] = []
    /// Whether the client (c2s) or the server (s2c) ended the session.
    var terminated = (c2s: false, s2c: false)
    var closed = false

    init(connection: Int, sid: String?) {
        self.connection = connection
        self.sid = sid
    }

    /// Notes a request's `rid` and says what is wrong with it, if anything (XEP-0124 §14): each
    /// request's rid is one more than the last; a repeat is a resend; lower ones come out of order.
    func noteRequest(rid: Int) -> String? {
        defer {
            recentRIDs.append(rid)
            if recentRIDs.count > 16 { recentRIDs.removeFirst() }
            highestRID = max(highestRID ?? rid, rid)
        }
        guard let highest = highestRID else { return nil }
        if recentRIDs.contains(rid) { return "rid \(rid) repeated: a resend of an earlier request (XEP-0124 §14.3)" }
        if rid < highest { return "rid \(rid) after rid \(highest): requests out of order (XEP-0124 §14.1)" }
        if rid > highest + 1 {
            return "rid \(rid) after rid \(highest): \(rid - highest - 1) request\(rid - highest - 1 == 1 ? "" : "s") not seen (XEP-0124 §14.1)"
        }
        return nil
    }

    /// Notes that a TCP connection carried one of its requests.
    func noteCarrier(_ id: Int) {
        if !httpConnections.contains(id) { httpConnections.append(id) }
    }
}
