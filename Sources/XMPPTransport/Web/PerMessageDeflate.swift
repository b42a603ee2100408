/// The permessage-deflate parameters agreed (RFC 7692 §7.1).
public struct PerMessageDeflate: Sendable, Hashable {
    public var clientNoContextTakeover: Bool
    public var serverNoContextTakeover: Bool
    public var clientMaxWindowBits: Int
    public var serverMaxWindowBits: Int

    public init(clientNoContextTakeover: Bool = false, serverNoContextTakeover: Bool = false,
                clientMaxWindowBits: Int = 15, serverMaxWindowBits: Int = 15) {
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientMaxWindowBits = clientMaxWindowBits
        self.serverMaxWindowBits = serverMaxWindowBits
    }
}
