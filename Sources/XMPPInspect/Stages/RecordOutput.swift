/// Where a threaded or pipelined ``Inspector`` puts its records. It is handed to the records thread whole
/// (`sending`) and every closure here runs there, in order, so what they share (a printer, its
/// output) need not be `Sendable`: the records thread owns it from then on.
public struct RecordOutput {
    /// Takes each record, in order.
    public var record: (Record) -> Void
    /// Runs after each batch of records (to flush output, so a live source's records appear).
    public var batchDone: () -> Void
    /// Runs once, after the last record, with every connection the inspector saw (for a summary).
    public var finish: ([ConnectionDescription]) -> Void

    public init(
        record: @escaping (Record) -> Void,
        batchDone: @escaping () -> Void = {},
        finish: @escaping ([ConnectionDescription]) -> Void = { _ in }
    ) {
        self.record = record
        self.batchDone = batchDone
        self.finish = finish
    }
}
