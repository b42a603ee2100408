/// Finds the cipher suite in the first handshake message of a TLS byte stream, if that message is
/// a ServerHello. Holds at most one record.
struct ServerHelloParser: Sendable {
    enum Result: Equatable { case needMore, found(UInt16), notAServerHello }

    private var bytes: [UInt8] = []

    /// Takes the next bytes of the stream.
    mutating func feed(_ next: some Collection<UInt8>) -> Result {
        bytes.append(contentsOf: next.prefix(Self.enough - bytes.count))
        return parse()
    }

    /// A record header and a ServerHello up to its cipher suite: 5 + 4 + 2 + 32 + 1 + 32 + 2.
    private static let enough = 78

    private func parse() -> Result {
        // Record: content type 22 (handshake), version, length.
        guard let type = byte(0) else { return .needMore }
        guard type == 22 else { return .notAServerHello }
        // Handshake: type 2 (server_hello), 24-bit length, legacy_version, random (32).
        guard let handshake = byte(5) else { return .needMore }
        guard handshake == 2 else { return .notAServerHello }
        let sessionIDLength = 5 + 4 + 2 + 32
        guard let length = byte(sessionIDLength) else { return .needMore }
        guard length <= 32 else { return .notAServerHello }
        let suite = sessionIDLength + 1 + Int(length)
        // The hello must reach its suite inside this first record; one split across records is
        // legal but not read here (nothing is guessed from the next record's header).
        guard let recordHigh = byte(3), let recordLow = byte(4) else { return .needMore }
        guard Int(recordHigh) << 8 | Int(recordLow) >= suite + 2 - 5 else { return .notAServerHello }
        guard let high = byte(suite), let low = byte(suite + 1) else { return .needMore }
        return .found(UInt16(high) << 8 | UInt16(low))
    }

    private func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
}
