/// The secrets of a key log that no longer grows, as they were read: a lookup that can go to
/// other threads and be shared by several decoders (``TLSSecrets`` is a value; nothing here changes).
public final class TLSSecretsSnapshot: TLSSecretLookup, Sendable {
    private let store: TLSSecrets

    /// A lookup that answers from `store` alone.
    public init(_ store: TLSSecrets) {
        self.store = store
    }

    public var mayGrow: Bool { false }

    public func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        store.secrets(forClientRandom: clientRandom)
    }
}
