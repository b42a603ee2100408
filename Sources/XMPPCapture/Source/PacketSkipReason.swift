/// What the decoder made of a packet that is not a TCP segment it can use.
public enum PacketSkipReason: String, Error, Sendable, Hashable, CaseIterable {
    case unsupportedLinkType = "unsupported link type"
    case notIP = "not IP"
    case notTCP = "not TCP"
    case ipFragment = "IP fragment (not reassembled)"
    case malformed = "malformed or cut-off header"
}
