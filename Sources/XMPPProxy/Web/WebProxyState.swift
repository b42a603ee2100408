/// What the web proxy keeps on its event loop.
final class WebProxyState {
    /// The inspection thread, connection numbers, leaf certificates and the upstream TLS context,
    /// as the TCP proxy keeps them.
    let shared: ProxyState
    /// Holds every tap's reads while the inspector is too far behind.
    let gate = WebReadGate()
    var connections: [Int: WebProxyConnection] = [:]

    init(shared: ProxyState) {
        self.shared = shared
    }
}
