/// The secrets of a key log that no longer grows, as they were read: a lookup that can go to
/// another thread (``TLSSecretLookup/snapshot()``), for a decoder that runs there.
public final class TLSSecretsSnapshot: TLSSecretLookup, Sendable {
    private let store: TLSSecrets

    public init(_ store: TLSSecrets) {
        self.store = store
    }

    public var mayGrow: Bool { false }

    public func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        store.secrets(forClientRandom: clientRandom)
    }

    public func snapshot() -> TLSSecretsSnapshot? { self }
}
