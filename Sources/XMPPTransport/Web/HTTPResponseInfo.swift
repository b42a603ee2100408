/// An HTTP response as the server sent it, paired with its request by order on the connection.
public struct HTTPResponseInfo: Sendable, Hashable {
    /// The request it answers (``HTTPRequestInfo/index``); nil for a response without a request.
    public var requestIndex: Int?
    public var status: Int
    public var reason: String
    public var version: String
    public var headers: [HTTPHeaderField]
    public var bodyLength: Int
    /// Where the status line begins in the server's byte stream.
    public var offset: Int
    public var wireBytes: Int
    /// Whether its request carried XMPP (see ``HTTPRequestInfo/carriesXMPP``).
    public var carriesXMPP: Bool

    public init(requestIndex: Int?, status: Int, reason: String, version: String, headers: [HTTPHeaderField],
                bodyLength: Int, offset: Int, wireBytes: Int, carriesXMPP: Bool) {
        self.requestIndex = requestIndex
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.bodyLength = bodyLength
        self.offset = offset
        self.wireBytes = wireBytes
        self.carriesXMPP = carriesXMPP
    }
}
