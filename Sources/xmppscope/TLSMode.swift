import ArgumentParser

/// What the proxy does with TLS (`proxy --tls`).
enum TLSMode: String, CaseIterable, ExpressibleByArgument {
    /// Terminate STARTTLS (or direct TLS) on both legs and decode everything.
    case intercept
    /// Relay TLS untouched; only what precedes it is decoded.
    case passthrough
}
