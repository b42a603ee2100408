/// The pending `<r/>`s one report of sm-request-unanswered is about: those with a seq after
/// `after` (reported before) and before `before` (the answering side's last record, after which
/// it cannot be blamed). Listed requests and the newest are named; the others past the list
/// (``PendingStreamManagementRequests/unlisted``) are only counted, and since their seqs are only
/// known to lie between the last listed one and the newest, the count is a range when the bounds
/// cut that span.
struct UnansweredRequestSummary {
    /// The seqs named, oldest first: the listed ones in range, then the newest when it is in range.
    let named: [Int]
    /// How many requests past the list, before the newest, are in range: at least, at most.
    let unnamed: ClosedRange<Int>
    /// Whether the newest, past the list, is in range (and so the last of `named`).
    let namesNewestUnlisted: Bool

    /// How many seqs a text names at most (the first ones, then the newest).
    static let namedInText = 10

    init(_ pending: PendingStreamManagementRequests, after: Int, before: Int) {
        var named: [Int] = pending.listed.lazy.map(\.seq).filter { $0 > after && $0 < before }
        var unnamed = 0...0
        var namesNewestUnlisted = false
        if pending.unlisted > 0, let lastListed = pending.listed.last?.seq, let newest = pending.newest?.seq {
            if newest > after && newest < before {
                named.append(newest)
                namesNewestUnlisted = true
            }
            // The others lie strictly between the last listed and the newest.
            let others = pending.unlisted - 1
            let low = max(after, lastListed), high = min(before, newest)
            if others > 0 && high - low > 1 {
                unnamed = low == lastListed && high == newest ? others...others : 0...min(others, high - low - 1)
            }
        }
        self.named = named
        self.unnamed = unnamed
        self.namesNewestUnlisted = namesNewestUnlisted
    }

    /// Whether no request is in range.
    var isEmpty: Bool { named.isEmpty && unnamed.upperBound == 0 }
    /// Whether the count is known exactly.
    var isExact: Bool { unnamed.lowerBound == unnamed.upperBound }

    /// `<r/> #12`, `3 <r/>s (#4, #8, #12)`, `1200 <r/>s (#4, …, #2400)`, `1000 to 1100 <r/>s (#4, …)`.
    var text: String {
        if named.count == 1 && unnamed.upperBound == 0 { return "<r/> #\(named[0])" }
        let low = named.count + unnamed.lowerBound, high = named.count + unnamed.upperBound
        let count = isExact ? "\(high)" : (low == 0 ? "up to \(high)" : "\(low) to \(high)")
        var shown = named.map { "#\($0)" }
        if unnamed.upperBound > 0 {
            // The first listed ones, "…" for the ones counted, then the newest when named (the
            // counted ones come between the list and the newest).
            let listed = namesNewestUnlisted ? shown.dropLast() : shown[...]
            shown = Array(listed.prefix(Self.namedInText - 1)) + ["…"] + (namesNewestUnlisted ? [shown[shown.count - 1]] : [])
        } else if named.count > Self.namedInText {
            shown = Array(shown.prefix(Self.namedInText - 1)) + ["…", shown[shown.count - 1]]
        }
        return "\(count) <r/>s (\(shown.joined(separator: ", ")))"
    }
}
