/// Where a report page gets its records.
public enum ReportMode: Sendable, Hashable {
    /// A file: every record is inside the page, and the page may not open any connection.
    case file
    /// The live view: the page starts empty and reads records from `eventsPath` (server-sent
    /// events on the page's own server; the path carries the access token).
    case live(eventsPath: String)
}
