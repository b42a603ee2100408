public import XMPPCore

/// Options for turning traffic into records.
public struct InspectorOptions: Sendable {
    public var limits: FramerLimits
    /// Keep credentials in `xml` instead of redacting them.
    public var showSecrets: Bool
    /// Give every stanza record its whole element tree (the printer needs it; the log does not,
    /// and building trees only where needed is several times faster).
    public var keepsElements: Bool
    /// TLS after STARTTLS is terminated in front of the inspector (the proxy intercepting it): the
    /// bytes that follow `<proceed/>` are the decrypted new stream, not TLS records.
    public var tlsTerminated: Bool
    /// The protocol checks to run (docs/checks.md); nil runs none.
    public var checks: CheckSelection?

    public init(limits: FramerLimits = .default, showSecrets: Bool = false, keepsElements: Bool = true,
                tlsTerminated: Bool = false, checks: CheckSelection? = nil) {
        self.limits = limits
        self.showSecrets = showSecrets
        self.keepsElements = keepsElements
        self.tlsTerminated = tlsTerminated
        self.checks = checks
    }
}
