import XMPPInspect

/// The text/event-stream framing the live view writes (HTML Living Standard, §9.2).
enum ServerSentEvent {
    /// `id: ID\ndata: {record as one JSON Lines line}\n\n`. The JSON has no line break in it
    /// (the writer escapes them), so one `data:` line holds it.
    static func appendRecord(_ record: Record, id: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "id: \(id)\ndata: ".utf8)
        JSONLinesWriter.encode(record, into: &out)
        out.append(contentsOf: "\n\n".utf8)
    }

    /// `event: dropped\ndata: {"dropped":N,"first":ID}\n\n`: the oldest N records left the
    /// history before this client took them; the stream goes on at `first`.
    static func dropped(count: Int, first: Int) -> [UInt8] {
        Array("event: dropped\ndata: {\"dropped\":\(count),\"first\":\(first)}\n\n".utf8)
    }

    /// A comment line that keeps proxies and the browser from closing an idle stream.
    static let keepAlive: [UInt8] = Array(": keep-alive\n\n".utf8)

    /// Sent first: how long the browser waits before reconnecting (milliseconds).
    static let retry: [UInt8] = Array("retry: 1000\n\n".utf8)
}
