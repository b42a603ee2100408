import Crypto

/// The pieces of the TLS 1.3 key schedule (RFC 8446 §7) that turn key log secrets into record
/// keys: HKDF-Expand-Label, the traffic keys, KeyUpdate's next secret and the exporter.
enum TLS13KeySchedule {
    /// HKDF-Expand-Label (RFC 8446 §7.1); `label` is given without the "tls13 " prefix.
    static func hkdfExpandLabel(secret: [UInt8], label: String, context: [UInt8], length: Int, hash: TLSHash) -> [UInt8] {
        let prefix = "tls13 ".utf8
        let labelBytes = label.utf8
        var info: [UInt8] = []
        info.reserveCapacity(4 + prefix.count + labelBytes.count + context.count)
        info.append(UInt8(truncatingIfNeeded: length >> 8))
        info.append(UInt8(truncatingIfNeeded: length))
        info.append(UInt8(truncatingIfNeeded: prefix.count + labelBytes.count))
        info.append(contentsOf: prefix)
        info.append(contentsOf: labelBytes)
        info.append(UInt8(truncatingIfNeeded: context.count))
        info.append(contentsOf: context)
        switch hash {
        case .sha256: return expand(SHA256.self, secret: secret, info: info, length: length)
        case .sha384: return expand(SHA384.self, secret: secret, info: info, length: length)
        }
    }

    /// The record key ("key", the suite's key length) and static IV ("iv", 12 bytes) of a traffic secret.
    static func trafficKeys(secret: [UInt8], suite: TLSCipherSuite) -> TLSTrafficKeys {
        TLSTrafficKeys(
            key: hkdfExpandLabel(secret: secret, label: "key", context: [], length: suite.keyLength, hash: suite.hash),
            iv: hkdfExpandLabel(secret: secret, label: "iv", context: [], length: 12, hash: suite.hash),
            macKey: []
        )
    }

    /// The traffic secret after a KeyUpdate (RFC 8446 §7.2).
    static func nextTrafficSecret(_ secret: [UInt8], hash: TLSHash) -> [UInt8] {
        hkdfExpandLabel(secret: secret, label: "traffic upd", context: [], length: hash.length, hash: hash)
    }

    /// The exporter (RFC 8446 §7.5) from the EXPORTER_SECRET (exporter_master_secret): the value
    /// RFC 9266's `tls-exporter` channel binding uses with label "EXPORTER-Channel-Binding",
    /// an empty context and 32 bytes.
    static func exporter(exporterSecret: [UInt8], label: String, context: [UInt8], length: Int, hash: TLSHash) -> [UInt8] {
        let derived = hkdfExpandLabel(secret: exporterSecret, label: label, context: digest(of: [], hash: hash),
                                      length: hash.length, hash: hash)
        return hkdfExpandLabel(secret: derived, label: "exporter", context: digest(of: context, hash: hash),
                               length: length, hash: hash)
    }

    private static func digest(of bytes: [UInt8], hash: TLSHash) -> [UInt8] {
        switch hash {
        case .sha256: Array(SHA256.hash(data: bytes))
        case .sha384: Array(SHA384.hash(data: bytes))
        }
    }

    private static func expand<H: HashFunction>(_: H.Type, secret: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        let key = HKDF<H>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        return key.withUnsafeBytes { Array($0) }
    }
}
