import Crypto

/// TLS 1.2 key derivation (RFC 5246 §5 and §6.3): the PRF and the key block that a key log's
/// master secret (CLIENT_RANDOM line) and the hello randoms give.
enum TLS12KeyDerivation {
    /// PRF(secret, label, seed) = P_hash(secret, label + seed), `length` bytes.
    static func prf(hash: TLSHash, secret: [UInt8], label: String, seed: [UInt8], length: Int) -> [UInt8] {
        var labelAndSeed = Array(label.utf8)
        labelAndSeed.append(contentsOf: seed)
        switch hash {
        case .sha256: return pHash(SHA256.self, secret: secret, seed: labelAndSeed, length: length)
        case .sha384: return pHash(SHA384.self, secret: secret, seed: labelAndSeed, length: length)
        }
    }

    /// Both directions' keys from the key block: client_write_MAC_key, server_write_MAC_key,
    /// client_write_key, server_write_key, client_write_IV, server_write_IV (IVs: 4 bytes for GCM,
    /// 12 for ChaCha20-Poly1305, none for CBC). `suite` must be decryptable.
    static func keys(masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8],
                     suite: TLSCipherSuite) -> (client: TLSTrafficKeys, server: TLSTrafficKeys) {
        let macLength: Int
        let ivLength: Int
        switch suite.protection {
        case .aesGCM: (macLength, ivLength) = (0, 4)
        case .chaCha20Poly1305: (macLength, ivLength) = (0, 12)
        case .aesCBC(let mac): (macLength, ivLength) = (mac.length, 0)
        case nil: (macLength, ivLength) = (0, 0)
        }
        let keyLength = suite.keyLength
        let block = prf(hash: suite.hash, secret: masterSecret, label: "key expansion",
                        seed: serverRandom + clientRandom, length: 2 * (macLength + keyLength + ivLength))
        var offset = 0
        func take(_ count: Int) -> [UInt8] {
            defer { offset += count }
            return Array(block[offset..<offset + count])
        }
        let clientMAC = take(macLength), serverMAC = take(macLength)
        let clientKey = take(keyLength), serverKey = take(keyLength)
        let clientIV = take(ivLength), serverIV = take(ivLength)
        return (TLSTrafficKeys(key: clientKey, iv: clientIV, macKey: clientMAC),
                TLSTrafficKeys(key: serverKey, iv: serverIV, macKey: serverMAC))
    }

    /// P_hash (RFC 5246 §5): A(0) = seed, A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed)...
    private static func pHash<H: HashFunction>(_: H.Type, secret: [UInt8], seed: [UInt8], length: Int) -> [UInt8] {
        let key = SymmetricKey(data: secret)
        var output: [UInt8] = []
        output.reserveCapacity(length + H.Digest.byteCount)
        var a = Array(HMAC<H>.authenticationCode(for: seed, using: key))
        while output.count < length {
            var hmac = HMAC<H>(key: key)
            hmac.update(data: a)
            hmac.update(data: seed)
            output.append(contentsOf: hmac.finalize())
            a = Array(HMAC<H>.authenticationCode(for: a, using: key))
        }
        output.removeLast(output.count - length)
        return output
    }
}
