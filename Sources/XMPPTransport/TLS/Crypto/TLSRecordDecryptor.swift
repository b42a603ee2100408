import Crypto
import _CryptoExtras
import struct Foundation.Data

/// Opens (decrypts and authenticates) the protected records of one direction of a connection,
/// in order: TLS 1.3 AEAD records (RFC 8446 §5.2), TLS 1.2 AEAD records (RFC 5288, RFC 7905) and
/// TLS 1.2 AES-CBC records, MAC-then-encrypt (RFC 5246 §6.2.3.2) or Encrypt-then-MAC (RFC 7366).
/// TLS 1.1 CBC records open too (the MAC takes the header's version); TLS 1.0's chained implicit
/// IVs do not. Checks are not constant-time: this is a passive decoder, not an endpoint.
struct TLSRecordDecryptor {
    let suite: TLSCipherSuite
    let version: TLSRecordVersion
    let encryptThenMAC: Bool
    /// The next record's sequence number (starts at 0; incremented only when a record opens).
    var sequenceNumber: UInt64 = 0

    private let protection: TLSRecordProtection
    // SymmetricKeys made once (so the decryptor is not Sendable: swift-crypto 3.12's key is not);
    // one decoder owns it on one thread.
    private let key: SymmetricKey
    private let iv: [UInt8]
    private let macKey: SymmetricKey
    /// Where AEAD records are laid out to be opened (internal for tests: its size is bounded).
    let sealedRoom = TLSSealedRoom()

    /// The largest TLSPlaintext fragment (RFC 8446 §5.1, RFC 5246 §6.2.1).
    static let maximumPlaintext = 1 << 14
    static let tagLength = 16
    /// The most a sealed record's nonce, ciphertext and tag can hold: TLS 1.3's inner plaintext
    /// (the fragment and its content type) with a 12-byte nonce and the tag. Callers check it first.
    static let largestSealed = 12 + maximumPlaintext + 1 + tagLength
    static let blockLength = 16

    /// - Precondition: `suite.protection` is not nil, and `keys` are the suite's for `version`
    ///   (as ``TLS13KeySchedule/trafficKeys(secret:suite:)`` or ``TLS12KeyDerivation/keys(masterSecret:clientRandom:serverRandom:suite:)`` make them).
    ///   A CBC suite with `.tls13` (a ServerHello can claim that) is no crash: every record fails authentication.
    init(suite: TLSCipherSuite, keys: TLSTrafficKeys, version: TLSRecordVersion, encryptThenMAC: Bool) {
        guard let protection = suite.protection else {
            preconditionFailure("\(suite.name) cannot be decrypted: check TLSCipherSuite.protection first")
        }
        precondition(keys.key.count == suite.keyLength, "a \(keys.key.count)-byte key for \(suite.name)")
        switch (version, protection) {
        case (.tls13, .aesCBC): break  // a ServerHello's nonsense, not a caller's mistake: no record opens
        case (.tls13, _), (.tls12, .chaCha20Poly1305): precondition(keys.iv.count == 12, "a \(keys.iv.count)-byte IV for \(suite.name)")
        case (.tls12, .aesGCM): precondition(keys.iv.count == 4, "a \(keys.iv.count)-byte salt for \(suite.name)")
        case (.tls12, .aesCBC(let mac)): precondition(keys.macKey.count == mac.length, "a \(keys.macKey.count)-byte MAC key for \(suite.name)")
        }
        self.suite = suite
        self.version = version
        self.encryptThenMAC = encryptThenMAC
        self.protection = protection
        self.key = SymmetricKey(data: keys.key)
        self.iv = keys.iv
        self.macKey = SymmetricKey(data: keys.macKey)
    }

    /// Opens one record. `header` is the 5-byte record header as on the wire (type, legacy
    /// version, length): TLS 1.3 authenticates it as the AAD; TLS 1.2 uses its type and version.
    /// `fragment` is the record body. TLS 1.3 returns the inner content type and the content
    /// without its zero padding; TLS 1.2 returns the header's type and the plaintext.
    mutating func open(header: [UInt8], fragment: ArraySlice<UInt8>) throws(TLSRecordOpenError) -> (contentType: UInt8, content: [UInt8]) {
        guard header.count >= 5 else { throw .tooShort }
        let opened = try header.withUnsafeBytes { header in
            fragment.withUnsafeBytes { body in
                Result { () throws(TLSRecordOpenError) in
                    try open(header: UnsafeRawBufferPointer(rebasing: header[0..<5]), body: body)
                }
            }
        }.get()
        sequenceNumber &+= 1
        return opened
    }

    /// Opens one record as the reader cut it (its header written out again from its fields).
    mutating func open(_ record: TLSRecord) throws(TLSRecordOpenError) -> (contentType: UInt8, content: [UInt8]) {
        let opened = try record.withHeader { header throws(TLSRecordOpenError) in
            try record.fragment.withUnsafeBytes { body in
                Result { () throws(TLSRecordOpenError) in try open(header: header, body: body) }
            }.get()
        }
        sequenceNumber &+= 1
        return opened
    }

    private func open(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> (contentType: UInt8, content: [UInt8]) {
        switch (version, protection) {
        case (.tls13, .aesCBC):
            throw .authenticationFailed  // TLS 1.3 has no CBC records
        case (.tls13, _):
            return try openTLS13(header: header, body: body)
        case (.tls12, .aesCBC(let mac)):
            let content = encryptThenMAC
                ? try openCBCEncryptThenMAC(header: header, body: body, mac: mac)
                : try openCBCMACThenEncrypt(header: header, body: body, mac: mac)
            return (header[0], content)
        case (.tls12, _):
            return (header[0], try openTLS12AEAD(header: header, body: body))
        }
    }

    // MARK: AEAD

    /// TLS 1.3: nonce = iv XOR seq, AAD = the record header; the content type is the last
    /// non-zero byte of the inner plaintext.
    private func openTLS13(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> (contentType: UInt8, content: [UInt8]) {
        guard body.count > Self.tagLength else { throw .tooShort }
        guard body.count - Self.tagLength <= Self.maximumPlaintext + 1 else { throw .plaintextTooLong }
        return try withXORNonce { nonce throws(TLSRecordOpenError) in
            try aeadOpen(nonce: nonce, sealed: body, aad: header) { plain throws(TLSRecordOpenError) in
                var end = plain.count
                while end > 0, plain[end - 1] == 0 { end -= 1 }
                guard end > 0 else { throw .noContentType }
                return (plain[end - 1], Array(UnsafeRawBufferPointer(rebasing: plain[0..<end - 1])))
            }
        }
    }

    /// TLS 1.2 AEAD: GCM nonce = 4-byte salt + the record's 8-byte explicit nonce; ChaCha20-Poly1305
    /// nonce = iv XOR seq. AAD = seq + type + version + plaintext length.
    private func openTLS12AEAD(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> [UInt8] {
        let copy: (UnsafeRawBufferPointer) -> [UInt8] = { Array($0) }
        if protection == .aesGCM {
            let explicitNonce = 8
            guard body.count >= explicitNonce + Self.tagLength else { throw .tooShort }
            let sealed = UnsafeRawBufferPointer(rebasing: body[explicitNonce...])
            let length = sealed.count - Self.tagLength
            guard length <= Self.maximumPlaintext else { throw .plaintextTooLong }
            return try withUnsafeTemporaryAllocation(byteCount: 12 + 13, alignment: 1) { scratch throws(TLSRecordOpenError) in
                let nonce = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<12])
                iv.withUnsafeBytes { nonce.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 4) }
                (nonce.baseAddress! + 4).copyMemory(from: body.baseAddress!, byteCount: explicitNonce)
                let aad = UnsafeMutableRawBufferPointer(rebasing: scratch[12..<25])
                writePseudoHeader(into: aad, header: header, length: length)
                return try aeadOpen(nonce: UnsafeRawBufferPointer(nonce), sealed: sealed, aad: UnsafeRawBufferPointer(aad), copy)
            }
        }
        guard body.count >= Self.tagLength else { throw .tooShort }
        let length = body.count - Self.tagLength
        guard length <= Self.maximumPlaintext else { throw .plaintextTooLong }
        return try withXORNonce { nonce throws(TLSRecordOpenError) in
            try withUnsafeTemporaryAllocation(byteCount: 13, alignment: 1) { aad throws(TLSRecordOpenError) in
                writePseudoHeader(into: aad, header: header, length: length)
                return try aeadOpen(nonce: nonce, sealed: body, aad: UnsafeRawBufferPointer(aad), copy)
            }
        }
    }

    /// Calls `body` with the 12-byte nonce iv XOR the big-endian sequence number (left-padded).
    private func withXORNonce<R>(_ body: (UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> R) throws(TLSRecordOpenError) -> R {
        try withUnsafeTemporaryAllocation(byteCount: 12, alignment: 1) { nonce throws(TLSRecordOpenError) in
            iv.withUnsafeBytes { nonce.copyMemory(from: $0) }
            for index in 0..<8 {
                nonce[4 + index] ^= UInt8(truncatingIfNeeded: sequenceNumber >> (56 - 8 * index))
            }
            return try body(UnsafeRawBufferPointer(nonce))
        }
    }

    /// Decrypts `sealed` (ciphertext then 16-byte tag; at least the tag, which callers check) and hands the plaintext to `use`.
    private func aeadOpen<R>(nonce: UnsafeRawBufferPointer, sealed: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                             _ use: (UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> R) throws(TLSRecordOpenError) -> R {
        // One contiguous nonce + ciphertext + tag: the sealed box copies it whole (`Data(combined)`)
        // and slices its copy, where one made from three generic buffers copies each through
        // Data's generic append (slow). The bytes are laid out in the decryptor's room, reused
        // from record to record, so no record allocates scratch memory or a `Data` to wrap it;
        // nothing keeps the room past this call (the plaintext is a new `Data`).
        let total = nonce.count + sealed.count
        let room = sealedRoom
        if room.bytes.count < total {
            // Doubling, so a few records that grow need few allocations; never past the largest record.
            room.bytes = Data(count: max(total, min(2 * room.bytes.count, Self.largestSealed)))
        }
        room.bytes.withUnsafeMutableBytes { scratch in
            let base = scratch.baseAddress!
            base.copyMemory(from: nonce.baseAddress!, byteCount: nonce.count)
            (base + nonce.count).copyMemory(from: sealed.baseAddress!, byteCount: sealed.count)
        }
        let plaintext: Data
        do {
            let combined = room.bytes[0..<total]
            switch protection {
            case .chaCha20Poly1305:
                plaintext = try ChaChaPoly.open(ChaChaPoly.SealedBox(combined: combined), using: key, authenticating: aad)
            default:
                plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key, authenticating: aad)
            }
        } catch {
            throw .authenticationFailed
        }
        return try Self.withBytes(of: plaintext, use)
    }

    // MARK: CBC

    /// RFC 5246 §6.2.3.2: IV, then AES-CBC(content + MAC + padding); the MAC covers
    /// seq + type + version + content length + content.
    private func openCBCMACThenEncrypt(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, mac: TLSMACAlgorithm) throws(TLSRecordOpenError) -> [UInt8] {
        guard body.count >= 2 * Self.blockLength, body.count - Self.blockLength > mac.length else { throw .tooShort }
        return try cbcDecrypt(body) { plain throws(TLSRecordOpenError) in
            let unpadded = try Self.removePadding(plain, reserving: mac.length)
            let contentLength = unpadded - mac.length
            guard contentLength <= Self.maximumPlaintext else { throw .plaintextTooLong }
            let content = UnsafeRawBufferPointer(rebasing: plain[0..<contentLength])
            let expected = UnsafeRawBufferPointer(rebasing: plain[contentLength..<unpadded])
            guard macMatches(mac, header: header, length: contentLength, covering: content, expected: expected) else {
                throw .authenticationFailed
            }
            return Array(content)
        }
    }

    /// RFC 7366: IV + AES-CBC(content + padding), then a MAC over seq + type + version +
    /// length(IV + ciphertext) + IV + ciphertext, checked before decrypting.
    private func openCBCEncryptThenMAC(header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, mac: TLSMACAlgorithm) throws(TLSRecordOpenError) -> [UInt8] {
        guard body.count >= 2 * Self.blockLength + mac.length else { throw .tooShort }
        let split = body.count - mac.length
        let encrypted = UnsafeRawBufferPointer(rebasing: body[0..<split])
        let expected = UnsafeRawBufferPointer(rebasing: body[split...])
        guard macMatches(mac, header: header, length: encrypted.count, covering: encrypted, expected: expected) else {
            throw .authenticationFailed
        }
        return try cbcDecrypt(encrypted) { plain throws(TLSRecordOpenError) in
            let contentLength = try Self.removePadding(plain, reserving: 0)
            guard contentLength <= Self.maximumPlaintext else { throw .plaintextTooLong }
            return Array(UnsafeRawBufferPointer(rebasing: plain[0..<contentLength]))
        }
    }

    /// Decrypts IV + ciphertext (no padding removed) and hands the plaintext to `use`.
    private func cbcDecrypt<R>(_ encrypted: UnsafeRawBufferPointer,
                               _ use: (UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> R) throws(TLSRecordOpenError) -> R {
        let ciphertext = UnsafeRawBufferPointer(rebasing: encrypted[Self.blockLength...])
        guard ciphertext.count % Self.blockLength == 0 else { throw .badPadding }
        let plaintext: Data
        do {
            let iv = try AES._CBC.IV(ivBytes: UnsafeRawBufferPointer(rebasing: encrypted[0..<Self.blockLength]))
            plaintext = try AES._CBC.decrypt(ciphertext, using: key, iv: iv, noPadding: true)
        } catch {
            throw .authenticationFailed
        }
        return try Self.withBytes(of: plaintext, use)
    }

    /// The length of `plain` before its CBC padding (each padding byte and the length byte hold
    /// the padding length); `reserving` bytes before the padding must remain.
    private static func removePadding(_ plain: UnsafeRawBufferPointer, reserving: Int) throws(TLSRecordOpenError) -> Int {
        guard let padding = plain.last, Int(padding) + 1 + reserving <= plain.count else { throw .badPadding }
        let unpadded = plain.count - Int(padding) - 1
        guard plain[unpadded...].allSatisfy({ $0 == padding }) else { throw .badPadding }
        return unpadded
    }

    /// `Data.withUnsafeBytes` with a typed error (it only rethrows `any Error`).
    private static func withBytes<R>(of data: Data, _ use: (UnsafeRawBufferPointer) throws(TLSRecordOpenError) -> R) throws(TLSRecordOpenError) -> R {
        try data.withUnsafeBytes { bytes in Result { () throws(TLSRecordOpenError) in try use(bytes) } }.get()
    }

    // MARK: MAC

    /// seq(8) + type + version(2) + length(2): the TLS 1.2 AAD and MAC prefix.
    private func writePseudoHeader(into buffer: UnsafeMutableRawBufferPointer, header: UnsafeRawBufferPointer, length: Int) {
        for index in 0..<8 {
            buffer[index] = UInt8(truncatingIfNeeded: sequenceNumber >> (56 - 8 * index))
        }
        buffer[8] = header[0]
        buffer[9] = header[1]
        buffer[10] = header[2]
        buffer[11] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[12] = UInt8(truncatingIfNeeded: length)
    }

    private func macMatches(_ mac: TLSMACAlgorithm, header: UnsafeRawBufferPointer, length: Int,
                            covering data: UnsafeRawBufferPointer, expected: UnsafeRawBufferPointer) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 13, alignment: 1) { prefix in
            writePseudoHeader(into: prefix, header: header, length: length)
            let prefix = UnsafeRawBufferPointer(prefix)
            switch mac {
            case .sha1: return Self.hmac(Insecure.SHA1.self, key: macKey, prefix, data, equals: expected)
            case .sha256: return Self.hmac(SHA256.self, key: macKey, prefix, data, equals: expected)
            case .sha384: return Self.hmac(SHA384.self, key: macKey, prefix, data, equals: expected)
            }
        }
    }

    private static func hmac<H: HashFunction>(_: H.Type, key: SymmetricKey, _ prefix: UnsafeRawBufferPointer,
                                              _ data: UnsafeRawBufferPointer, equals expected: UnsafeRawBufferPointer) -> Bool {
        var hmac = HMAC<H>(key: key)
        hmac.update(data: prefix)
        hmac.update(data: data)
        return hmac.finalize().withUnsafeBytes { $0.elementsEqual(expected) }
    }
}
