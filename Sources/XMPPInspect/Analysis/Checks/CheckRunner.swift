public import XMPPCore
import XMPPBase

/// Runs the selected checks over every connection's records, in order, and turns what they find
/// into `finding` records: each follows the record that triggered it and repeats its seq; the
/// triggering record lists the findings' ids (``Record/findingIDs``), so a filter on findings
/// shows the stanza with them.
public final class CheckRunner {
    public let selection: CheckSelection
    private let shared = SharedCheckState()
    /// Looked up for every record: a direct-mapped front before the dictionary.
    private var connections = ConnectionTable<ConnectionChecks>()
    private var findings = FindingList()

    /// One connection's session facts and its own instance of every selected check.
    private final class ConnectionChecks {
        let session: CheckSession
        var checks: [any Check]
        /// For each single interest (``CheckInterest/singles``), the indices of the checks that have it.
        let interested: [[Int]]

        init(session: CheckSession, types: [any Check.Type]) {
            self.session = session
            checks = types.map { $0.init() }
            interested = CheckInterest.singles.map { interest in
                types.indices.filter { types[$0].interests.contains(interest) }
            }
        }
    }

    /// Whether each record goes only to the checks interested in it (tests compare with false).
    let dispatchesByInterest: Bool

    public init(selection: CheckSelection = .all) {
        self.selection = selection
        dispatchesByInterest = true
    }

    init(selection: CheckSelection, dispatchesByInterest: Bool) {
        self.selection = selection
        self.dispatchesByInterest = dispatchesByInterest
    }

    /// A connection begins; `directionsKnown` is false for raw text holding both sides in one
    /// stream (checks that need directions are then left out); `joinedMidStream` when the
    /// capture missed its TCP handshake (so its first stream header need not be its first).
    /// Without this call a connection begins at its first record, with directions known.
    public func open(connection: Int, directionsKnown: Bool, joinedMidStream: Bool = false) {
        let types = selection.checkTypes(directionsKnown: directionsKnown)
        connections[connection] = ConnectionChecks(
            session: CheckSession(connection: connection, directionsKnown: directionsKnown, joinedMidStream: joinedMidStream,
                                  keepsAnsweredRequests: types.contains { $0.readsAnsweredRequests }, shared: shared),
            types: types
        )
    }

    /// The record in hand, reused.
    private let checked = CheckedRecord()

    /// Checks `record` (setting its ``Record/findingIDs``) and returns the findings it triggered,
    /// as records to write after it. `framed` (what the framer made of the element) spares
    /// parsing where the framer kept only the top element (see ``CheckedRecord``).
    public func check(_ record: inout Record, framed: FramedElement? = nil) -> [Record] {
        guard record.event != .finding else { return [] }
        let state = state(of: record.connection)
        let slot = dispatchesByInterest ? CheckInterest.slot(of: record) : nil
        let session = state.session
        let checked = self.checked
        checked.check(&record, framed: framed) {
            // One exclusive access to the checks for the whole record (each `state.checks[index]`
            // call checked the array's uniqueness and began an access of its own).
            state.checks.withUnsafeMutableBufferPointer { checks in
                if let slot {
                    for index in state.interested[slot] {
                        checks[index].examine(checked, in: session, findings: &findings)
                    }
                } else {
                    for index in checks.indices {
                        checks[index].examine(checked, in: session, findings: &findings)
                    }
                }
            }
            session.observe(checked)
        }
        guard !findings.isEmpty else { return [] }
        let made = makeRecords(seq: record.seq, time: record.timestamp, connection: record.connection, direction: record.direction)
        record.findingIDs = made.map { $0.finding?.id ?? "" }
        return made
    }

    /// Connection `connection` ended: findings about what never happened on it. `cutOff`: the
    /// capture stopped with the connection still open (so its end was not seen).
    public func end(connection: Int, cutOff: Bool = false) -> [Record] {
        guard let state = connections.removeValue(forKey: connection) else { return [] }
        state.session.cutOff = cutOff
        for index in state.checks.indices {
            state.checks[index].finish(in: state.session, findings: &findings)
        }
        return makeRecords(seq: state.session.lastSeq, time: state.session.lastTime, connection: connection, direction: nil)
    }

    /// The input ended: ends every connection still open, in connection order.
    public func endAll() -> [Record] {
        connections.keys.sorted().flatMap { end(connection: $0, cutOff: true) }
    }

    private func state(of connection: Int) -> ConnectionChecks {
        if let state = connections[connection] { return state }
        open(connection: connection, directionsKnown: true)
        return connections[connection]!
    }

    private func makeRecords(seq: Int, time: Timestamp, connection: Int, direction: Direction?) -> [Record] {
        defer { findings.removeAll() }
        return findings.entries.map { entry in
            var finding = Record(seq: seq, timestamp: time, connection: connection,
                                 direction: entry.direction ?? direction ?? .c2s, event: .finding)
            finding.finding = entry.finding
            finding.about = entry.about
            return finding
        }
    }
}
