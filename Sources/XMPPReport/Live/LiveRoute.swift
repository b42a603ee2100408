/// What the live view's server does with one request.
enum LiveRoute: Sendable, Equatable {
    /// `GET /?token=T`: the page.
    case page
    /// `GET /events?token=T`: the record stream, after the event id the browser last saw
    /// (`Last-Event-ID`), or from the start.
    case events(after: Int?)
    /// Refused: the status (403, 404, 405) and a short text saying why, nothing of the session.
    case refuse(status: Int, reason: String)
}
