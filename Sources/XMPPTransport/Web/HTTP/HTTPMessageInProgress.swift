/// A request or response whose head has been read and whose end has not.
struct HTTPMessageInProgress {
    var head: HTTPMessageHead
    var offset: Int
    /// The request's index; for a response, the request it answers (nil: none).
    var index: Int?
    /// The body kept so far: its first `maxBodyBytes` when it is kept at all.
    var body: [UInt8] = []
    var bodyLength = 0
    /// Whether its body is kept (responses to requests known not to carry XMPP are only counted).
    var keepsBody: Bool

    /// Adds body bytes: counted, and kept up to `limit`.
    mutating func appendBody(_ bytes: UnsafeRawBufferPointer, limit: Int) {
        bodyLength += bytes.count
        guard keepsBody, body.count < limit else { return }
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, limit - body.count)]))
    }
}
