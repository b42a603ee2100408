import XMPPBase

/// What the framing stage knows of a web transport's own record (an HTTP request or response,
/// a WebSocket control frame, a problem in the HTTP/WebSocket/BOSH layer); the record stage
/// numbers it and stamps the connection's transport on it.
struct WebRecordFacts: Sendable {
    var event: Record.Event
    var kind: String?
    var type: String?
    var size = 0
    var offset: Int?
    var http: HTTPInfo?
    var rid: Int?
    /// web-error: what is wrong.
    var errorText: String?
    /// The raw bytes shown as `xml` (a BOSH body's start tag, a close frame's reason…).
    var xml: [UInt8]?
}
