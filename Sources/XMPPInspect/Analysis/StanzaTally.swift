public import XMPPBase

/// A connection's stanzas, nonzas and stream errors counted by ``StanzaKind``, each way.
///
/// A connection has a handful of kinds (`iq get`, `iq result`, `message chat`, …), so they are
/// kept in a short list searched from the front: comparing a record's few-byte strings with
/// each kind's costs about half of hashing them for a dictionary (callgrind: about 290 against
/// 610 instructions a record). Past 32 kinds the rest go to a dictionary, so a stream with
/// thousands of made-up types costs a bounded search a record, not a growing one (its memory
/// grows with the kinds, as any count of them would).
public struct StanzaTally: Sendable {
    /// Kinds kept in the list; more go to the dictionary.
    static let listLimit = 32

    private var list: [(kind: StanzaKind, counts: DirectionCounts)] = []
    private var overflow: [StanzaKind: DirectionCounts] = [:]

    /// No kind counted yet.
    public init() {}

    /// Counts one more of `kind`, sent in `direction`.
    public mutating func add(_ kind: StanzaKind, _ direction: Direction) {
        for index in list.indices where list[index].kind == kind {
            list[index].counts.add(direction)
            return
        }
        if list.count < Self.listLimit {
            var counts = DirectionCounts()
            counts.add(direction)
            list.append((kind, counts))
        } else {
            overflow[kind, default: DirectionCounts()].add(direction)
        }
    }

    /// Every kind counted, with its counts, in no particular order.
    var all: [(kind: StanzaKind, counts: DirectionCounts)] {
        list + overflow.map { (kind: $0.key, counts: $0.value) }
    }

    /// The counts by label, sorted by it: kinds that read the same (a type written `-` and no
    /// type) are one row, as the report names them. Sorted, then runs of a label merged: a
    /// dictionary by label cost a hash of each.
    public var rows: [(label: String, counts: DirectionCounts)] {
        let labelled = all.map { (label: $0.kind.label, counts: $0.counts) }.sorted { $0.label < $1.label }
        var merged: [(label: String, counts: DirectionCounts)] = []
        merged.reserveCapacity(labelled.count)
        for row in labelled {
            if let last = merged.last, last.label == row.label {
                merged[merged.count - 1].counts.add(row.counts)
            } else {
                merged.append(row)
            }
        }
        return merged
    }

    /// The counts of `kind` (zero both ways when none was counted).
    subscript(kind: StanzaKind) -> DirectionCounts {
        list.first { $0.kind == kind }?.counts ?? overflow[kind] ?? DirectionCounts()
    }

    /// Stanzas and stream errors, both ways, nonzas left out: by the record's event (the report
    /// used to leave out every label beginning "nonza", which no stanza's name does).
    public var stanzaCount: Int {
        all.reduce(0) { $0 + ($1.kind.isNonza ? 0 : $1.counts.total) }
    }
}
