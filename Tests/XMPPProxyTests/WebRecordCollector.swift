import NIOCore
@testable import XMPPInspect
@testable import XMPPProxy

/// Collects the records a web proxy writes, for its tests.
final class WebRecordCollector: Sendable {
    private let box = ConditionBox<[Record]>([])
    var records: [Record] { box.withLock { $0 } }
    var output: RecordOutput { RecordOutput(record: { [box] record in box.withLock { $0.append(record) } }) }

    /// The proxy-note texts, in order.
    var notes: [String] { records.filter { $0.event == .proxyNote }.flatMap { $0.proxy?.notes ?? [] } }
}
