import NIOCore

/// The live page as served: rendered once, with the Content-Security-Policy its `<meta>` tag
/// states, sent again as a header.
struct LivePage: Sendable {
    let bytes: ByteBuffer
    let contentSecurityPolicy: String

    init(_ page: ReportPage) {
        bytes = ByteBuffer(bytes: page.render())
        contentSecurityPolicy = page.contentSecurityPolicy
    }
}
