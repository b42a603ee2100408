import Crypto
import _CryptoExtras
import Foundation
import XMPPTransport

/// Builds TLS 1.2 AES-CBC records the way a sender does (RFC 5246 §6.2.3.2 MAC-then-encrypt, RFC 7366
/// Encrypt-then-MAC) from swift-crypto's HMAC and raw AES-CBC, for the suites and the mode BoringSSL
/// cannot produce (SHA-256/384 MACs, Encrypt-then-MAC).
struct CBCRecordSealer {
    var mac: TLSMACAlgorithm
    var key: [UInt8]
    var macKey: [UInt8]
    var encryptThenMAC: Bool
    var sequenceNumber: UInt64 = 0
    /// The record's legacy version (TLS 1.1 records are built the same way, with the version in the MAC).
    var version: [UInt8] = [0x03, 0x03]

    /// The record header and fragment for `content`, with `extraPadding` more padding blocks than
    /// needed; `badPadding` makes the first padding byte differ from the others (and the MAC still right).
    mutating func seal(type: UInt8 = 23, content: [UInt8], iv: [UInt8], extraPadding: Int = 0, badPadding: Bool = false) throws -> (header: [UInt8], fragment: [UInt8]) {
        func pseudoHeader(_ length: Int) -> [UInt8] {
            (0..<8).map { UInt8(truncatingIfNeeded: sequenceNumber >> (56 - 8 * $0)) } + [type] + version
                + [UInt8(length >> 8), UInt8(length & 0xFF)]
        }
        func pad(_ bytes: [UInt8]) -> [UInt8] {
            let padding = 15 - bytes.count % 16 + 16 * extraPadding
            var padded = bytes + [UInt8](repeating: UInt8(padding), count: padding + 1)
            if badPadding { padded[bytes.count] ^= 0x01 }
            return padded
        }
        func encrypt(_ bytes: [UInt8]) throws -> [UInt8] {
            Array(try AES._CBC.encrypt(bytes, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        }
        let fragment: [UInt8]
        if encryptThenMAC {
            let encrypted = iv + (try encrypt(pad(content)))
            fragment = encrypted + hmac(pseudoHeader(encrypted.count) + encrypted)
        } else {
            fragment = iv + (try encrypt(pad(content + hmac(pseudoHeader(content.count) + content))))
        }
        sequenceNumber += 1
        return ([type] + version + [UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF)], fragment)
    }

    private func hmac(_ data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: macKey)
        switch mac {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: data, using: key))
        }
    }
}
