import XMPPBase
import XMPPTransport

/// The framing thread of an ``Inspector`` that frames on a thread of its own: makes the
/// reassembler's calls again on the ``FramingStage``, whose events go on to the records thread.
/// Its outcome is every connection the stage saw.
struct FramingThreadConsumer: HandOffConsumer {
    /// What the reading thread hands over; each costs 1, so the water marks count batches.
    enum Item: Sendable {
        case calls(FramingCalls)
        /// The capture ended at this time: close every connection and wait for the records.
        case finishAll(Timestamp)
        /// The raw stream text ended: finish it and wait for the records.
        case finishRaw(Timestamp)
        /// Hand the events framed so far to the records thread now (a live source, after a read).
        case handOver
    }

    private let framing: FramingStage
    private let records: RecordBatcher
    private var finished = false

    /// Starts the records thread (which owns `output` from now on); the framing stage is built
    /// here, to be used on the framing thread only.
    /// The reading thread says which direct-TLS connections it decrypts and which plaintext web
    /// connections it decodes (``ReadingFront``); `keyLog` decrypts the others and STARTTLS here.
    init(options: InspectorOptions, keyLog: (any TLSSecretLookup & Sendable)?, output: consuming sending RecordOutput) {
        let records = RecordBatcher(options: options, output: output)
        self.records = records
        framing = FramingStage(options: options, keyLog: keyLog, directTLSDecryptedUpstream: true,
                               webDecodedUpstream: true) { records.append($0) }
    }

    /// Frames what the reading thread recorded, in order.
    mutating func consume(_ items: ArraySlice<Item>) {
        for item in items {
            switch item {
            case .calls(let calls):
                calls.replay(into: framing)
            case .finishAll(let time):
                framing.finishAll(at: time)
                records.close(connections: framing.connections)
                finished = true
            case .finishRaw(let time):
                framing.finishRaw(at: time)
                records.close(connections: framing.connections)
                finished = true
            case .handOver:
                records.handOver()
            }
        }
    }

    /// Every connection the framing stage saw (the capture or text was finished first).
    func finish() -> [ConnectionDescription] {
        precondition(finished, "the framing thread was closed before the capture was finished")
        return framing.connections
    }
}
