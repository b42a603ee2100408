/// The last response sent per direction and id that answered a request, so a second one can be
/// recognised; one per connection, kept by its ``CheckSession`` for the checks that read it. Only
/// the recent ones: past ``capacity`` it starts afresh (a second answer comes soon after the
/// first, and a connection's memory must not grow with its length).
struct IQAnsweredRequests {
    /// A response and the request it answered.
    struct Answer {
        var requestSeq: Int
        var responseSeq: Int
        var responseType: String
        var from: String?
        var to: String?
    }

    private var answers: [IQExchange.Key: Answer] = [:]
    /// Whether no answer is kept.
    var isEmpty: Bool { answers.isEmpty }
    static let capacity = 256

    /// `response` (going `key.direction`, with `key.id`) answered the request `requestSeq`.
    mutating func note(_ key: IQExchange.Key, _ answer: Answer) {
        if answers.count >= Self.capacity && answers[key] == nil { answers.removeAll(keepingCapacity: true) }
        answers[key] = answer
    }

    /// The answer already sent under `key` that `response` repeats: same responder, same requester.
    func earlier(_ key: IQExchange.Key, like response: CheckedRecord) -> Answer? {
        guard let answer = answers[key],
              IQExchange.sameEntity(answer.to, response.to), IQExchange.sameEntity(answer.from, response.from) else { return nil }
        return answer
    }
}
