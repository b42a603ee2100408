import NIOCore

/// The live page as served: rendered once, with the Content-Security-Policy its `<meta>` tag
/// states, sent again as a header.
struct LivePage: Sendable {
    let bytes: ByteBuffer
    let contentSecurityPolicy: String

    init(_ page: ReportPage) {
        let rendered = page.render()
        bytes = ByteBuffer(bytes: rendered)
        contentSecurityPolicy = Self.metaPolicy(in: String(decoding: rendered, as: UTF8.self))
            ?? "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'"
    }

    /// The `content` of `<meta http-equiv="Content-Security-Policy" content="…">`.
    static func metaPolicy(in html: String) -> String? {
        guard let tag = html.range(of: "http-equiv=\"Content-Security-Policy\" content=\""),
              let end = html[tag.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(html[tag.upperBound..<end])
    }
}
