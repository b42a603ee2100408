/// The head of one HTTP/1.x message as NIOHTTP1 read it: a request line or a status line, and
/// the header fields in wire order.
struct HTTPMessageHead {
    /// `GET`, `POST`; empty for a response.
    var method: String
    /// The request target; empty for a response.
    var target: String
    /// The status code; 0 for a request.
    var status: Int
    /// The status's reason phrase (NIOHTTP1 gives the standard phrase for the code, not the wire's).
    var reason: String
    /// `HTTP/1.1`.
    var version: String
    var headers: [HTTPHeaderField]

    /// Whether it asks to switch protocols (an `Upgrade` field), or is a `CONNECT`: NIOHTTP1
    /// stops reading the direction after such a request.
    var asksForUpgrade: Bool {
        method == "CONNECT" || headers.first(named: "Upgrade") != nil
    }

    /// The `Content-Length` when there is exactly one valid value and the body is not chunked
    /// (no `Transfer-Encoding` naming `chunked`).
    var contentLength: Int? {
        var value: String?
        var count = 0
        for field in headers {
            if field.name.equalsIgnoringASCIICase("Content-Length") {
                value = field.value
                count += 1
            } else if field.name.equalsIgnoringASCIICase("Transfer-Encoding") && field.value.lowercased().contains("chunked") {
                return nil
            }
        }
        guard count == 1, let value else { return nil }
        return Int(value.trimmingASCIIWhitespace())
    }

    /// All values of the fields with this name, split at commas and trimmed, empty ones left out.
    func listValues(named name: String) -> [String] {
        headers.filter { $0.name.equalsIgnoringASCIICase(name) }
            .flatMap { $0.value.split(separator: ",") }
            .map { String($0).trimmingASCIIWhitespace() }
            .filter { !$0.isEmpty }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
