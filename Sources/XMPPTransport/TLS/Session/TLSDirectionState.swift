/// One direction of a TLS connection as the decoder follows it.
struct TLSDirectionState {
    var reader = TLSRecordReader()
    var handshake = TLSHandshakeReader()
    /// Nil while records are sent in the clear; the keys in force once they are protected.
    var epoch: TLSEpoch?
    /// Set by a handshake message (Finished, KeyUpdate, EndOfEarlyData): the epoch from the next record on.
    var nextEpoch: TLSEpoch?
    var decryptor: TLSRecordDecryptor?
    /// TLS 1.3: the traffic secret of the current application epoch (KeyUpdate derives the next).
    var trafficSecret: [UInt8]?
    /// Protected records waiting for their keys (the key log may not have them yet).
    var queue: [TLSRecord] = []
    var queueHead = 0
    var queuedBytes = 0
    /// Records stopped decrypting (a wrong secret): the rest is counted, not decoded.
    var failed = false
    /// After a gap: the next record that authenticates at a later sequence number resumes decryption.
    var resynchronising = false
    var undecryptedBytes = 0
    var earlyDataSkipped = 0
    var plaintextBytes = 0
}
