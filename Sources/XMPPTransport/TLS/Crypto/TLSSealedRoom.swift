import struct Foundation.Data

/// Room for one protected record's nonce, ciphertext and tag, reused from record to record by a
/// ``TLSRecordDecryptor`` (so no record allocates its own). A reference, so the
/// decryptor's non-mutating open can fill it; copies of a decryptor share it, which is safe on
/// the one thread that owns them, since each open is done with it before it returns.
final class TLSSealedRoom {
    /// At least as long as the largest record opened so far, and at most
    /// ``TLSRecordDecryptor/largestSealed`` (about 16 KiB a direction).
    var bytes = Data()
}
