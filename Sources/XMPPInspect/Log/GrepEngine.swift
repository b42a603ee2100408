/// Selects records with a filter, like grep over a log: context records before and after a match
/// on the same connection, and the partner of each matching iq. Streams: it keeps only the
/// records it may still need (the last few per connection, requests not yet answered).
public final class GrepEngine {
    /// What to show besides the matches.
    public struct Options: Sendable {
        public var before = 0
        public var after = 0
        public var withRequest = false
        public var withResponse = false
        public init(before: Int = 0, after: Int = 0, withRequest: Bool = false, withResponse: Bool = false) {
            self.before = before
            self.after = after
            self.withRequest = withRequest
            self.withResponse = withResponse
        }
    }

    private struct ConnectionKey: Hashable {
        var source: Int
        var connection: Int
    }

    private struct RequestKey: Hashable {
        var source: Int
        var connection: Int
        var seq: Int
    }

    private let filter: RecordFilter
    private let options: Options
    private let output: (Record) -> Void
    /// Matches found so far.
    public private(set) var matches = 0
    private var recent: [ConnectionKey: [Record]] = [:]
    private var afterLeft: [ConnectionKey: Int] = [:]
    private var openRequests: [RequestKey: (record: Record, shown: Bool)] = [:]
    private var matchedRequests: Set<RequestKey> = []
    private var source = 0

    public init(filter: RecordFilter, options: Options = Options(), output: @escaping (Record) -> Void) {
        self.filter = filter
        self.options = options
        self.output = output
    }

    /// Records that follow come from another file: their seq and conn numbers are their own.
    public func startSource() {
        source += 1
        recent.removeAll()
        afterLeft.removeAll()
        openRequests.removeAll()
        matchedRequests.removeAll()
    }

    public func consume(_ record: Record) {
        let connection = ConnectionKey(source: source, connection: record.connection)
        let key = RequestKey(source: source, connection: record.connection, seq: record.seq)
        var shown = false
        defer {
            // Requests wait for their answer (the follow-up of an unanswered one ends the wait).
            if record.isRequest && !record.unanswered && (options.withRequest || options.withResponse) {
                openRequests[key] = (record, shown)
            }
            if record.unanswered { openRequests[key] = nil; matchedRequests.remove(key) }
            if !shown && options.before > 0 {
                // In place (one lookup): a copy taken out and put back would copy the list on
                // every record.
                Self.remember(record, in: &recent[connection, default: []], keeping: options.before)
            }
        }

        let requestKey = record.requestSeq.map { RequestKey(source: source, connection: record.connection, seq: $0) }
        let matched = filter.matches(record)
        if matched {
            matches += 1
            for context in recent.removeValue(forKey: connection) ?? [] { output(context) }
            if options.withRequest, let requestKey, let request = openRequests[requestKey], !request.shown {
                output(request.record)
            }
            output(record)
            shown = true
            if options.after > 0 { afterLeft[connection] = options.after }
            if record.isRequest && options.withResponse { matchedRequests.insert(key) }
        } else if options.withResponse, let requestKey, matchedRequests.remove(requestKey) != nil {
            output(record)
            shown = true
        } else if let left = afterLeft[connection], left > 0 {
            output(record)
            shown = true
            afterLeft[connection] = left - 1
        }
        if let requestKey {
            openRequests[requestKey] = nil
            matchedRequests.remove(requestKey)
        }
    }

    /// Appends `record` to a connection's context list, keeping its last `limit` records.
    private static func remember(_ record: Record, in list: inout [Record], keeping limit: Int) {
        list.append(record)
        if list.count > limit { list.removeFirst(list.count - limit) }
    }
}
